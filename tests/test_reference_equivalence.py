"""The compiled engine against the SimPy reference model (neurosim.reference) on random small
workloads, chips and mappings: identical spikes and cycle stamps, tick starts, overruns, per-cell
read and write counters, conductances, packet latencies, link traffic and energies."""
import numpy as np
import pytest
from hypothesis import assume, HealthCheck, given, settings
from hypothesis import strategies as st

import neurosim as ns
from neurosim.config.schema import HardwareConfig
from neurosim.reference import random_mapping, simulate_reference

pytest.importorskip("simpy")


def make_chip(base, over):
    d = ns.load_hardware(base).model_dump()
    for k, v in over.items():
        if "__" in k:
            parts = k.split("__")
            cur = d
            for p in parts[:-1]:
                cur = cur[p]
            cur[parts[-1]] = v
        else:
            d[k] = v
    return HardwareConfig.model_validate(d)


def make_workload(rng, n_in, n_lif, ticks, plastic, max_delay):
    net = ns.Network(name="rand")
    inp = net.add_input("in", n_in)
    a = net.add_population("a", n_lif, threshold=1.0, leak=float(rng.uniform(0.5, 1.0)), v_reset=0.0,
                           refractory=int(rng.integers(0, 3)))
    W1 = rng.uniform(0.1, 0.9, (n_in, n_lif)) * (rng.random((n_in, n_lif)) < 0.5)
    W2 = rng.uniform(-0.5, 0.6, (n_lif, n_lif)) * (rng.random((n_lif, n_lif)) < 0.3)
    np.fill_diagonal(W2, 0)
    if plastic:
        rule = ns.STDPRule(a_plus=0.05, a_minus=0.06, tau_plus=4.0, tau_minus=4.0, w_min=0.0, w_max=1.0)
        net.connect(inp, a, weights=W1, delay=1, plastic=True, stdp=rule)
    else:
        net.connect(inp, a, weights=W1, delay=int(rng.integers(1, max_delay + 1)))
    net.connect(a, a, weights=W2, delay=int(rng.integers(1, max_delay + 1)))
    raster = rng.random((ticks, n_in)) < 0.3
    return ns.Workload(net, inputs={"in": raster})


def _pcm(d):
    return {
        "noc__mesh_width": d["w"], "noc__mesh_height": d["h"], "tile__crossbars_per_tile": d["cpt"],
        "tile__crossbar_rows": 24, "tile__crossbar_columns": 12, "noc__buffer_depth_flits": d["buf"],
        "noc__multicast": d["mc"], "crossbar__ir_drop_method": "none",
        "device__write_endurance": {"law": "power_current", "endurance_ref_cycles": 6.0, "current_ref_a": 4e-4},
        "device__faults__stuck_at_rate": 0.05, "device__variation__d2d_sigma_rel": 0.05,
        "peripherals__write_latency_cycles": 7, "tick_period_s": d["period"] * 1e-9}


CHIPS = {
    # ideal device, tiny crossbars, small buffers and short ticks: back-pressure and overruns
    "ideal": lambda d: make_chip("ideal", {
        "noc__mesh_width": d["w"], "noc__mesh_height": d["h"], "tile__crossbars_per_tile": d["cpt"],
        "tile__crossbar_rows": 24, "tile__crossbar_columns": 6, "noc__buffer_depth_flits": d["buf"],
        "noc__flits_per_packet": min(d["flits"], d["buf"]), "noc__multicast": d["mc"],
        "noc__router_latency_cycles": d["rl"], "noc__link_latency_cycles": d["ll"],
        "noc__energy_hop_per_flit_pj": 1.5, "noc__energy_local_delivery_pj": 0.25,
        "neuron__neurons_update_in_parallel": d["par"], "neuron__update_latency_cycles": d["ul"],
        "neuron__spike_out_latency_cycles": d["sl"], "neuron__update_energy_pj": 0.5,
        "neuron__spike_out_energy_pj": 2.0, "peripherals__row_read_latency_cycles": d["rr"],
        "peripherals__row_driver_energy_pj": 0.3, "peripherals__energy_per_synapse_read_pj": 0.7,
        "peripherals__write_latency_cycles": 3, "peripherals__write_driver_energy_pj": 0.2,
        "tick_period_s": d["period"] * 1e-9, "leakage__power_per_tile_w": 1e-6}),
    # PCM with 16 levels, differential pairs, power-law endurance low enough to wear cells out
    "pcm": lambda d: make_chip("espine_pcm", _pcm(d)),
    # the same PCM chip with the mixed-precision (accumulate) level update
    "pcm_accumulate": lambda d: make_chip("espine_pcm", {**_pcm(d), "learning__level_update": "accumulate"}),
    # PCM with IR drop solved and write-verify programming (initial and run-time writes compensated)
    "pcm_verify": lambda d: make_chip("espine_pcm", {
        "noc__mesh_width": d["w"], "noc__mesh_height": d["h"], "tile__crossbars_per_tile": d["cpt"],
        "tile__crossbar_rows": 24, "tile__crossbar_columns": 12, "noc__buffer_depth_flits": d["buf"],
        "noc__multicast": d["mc"], "crossbar__ir_drop_compensation": "write_verify",
        "crossbar__driver_resistance_ohm": 2000.0, "device__variation__d2d_sigma_rel": 0.05,
        "device__write_endurance__endurance_ref_cycles": 20.0, "peripherals__write_latency_cycles": 7,
        "tick_period_s": d["period"] * 1e-9}),
    # RRAM, reference column encoding, 8 levels, IR drop solved by the crossbar module
    "rram": lambda d: make_chip("rram_inference", {
        "noc__mesh_width": d["w"], "noc__mesh_height": d["h"], "tile__crossbars_per_tile": d["cpt"],
        "tile__crossbar_rows": 24, "tile__crossbar_columns": 7, "device__weight_encoding": "reference_column",
        "device__read_disturb": {"law": "none"}, "noc__multicast": d["mc"],
        "tick_period_s": d["period"] * 1e-9}),
    # RRAM with read disturb at a high read voltage and long reads (onset after a few reads), the
    # reprogram refresh policy and a small endurance: drift, refresh writes, wear, IR rebuilds
    "rram_disturb": lambda d: make_chip("rram_inference", {
        "noc__mesh_width": d["w"], "noc__mesh_height": d["h"], "tile__crossbars_per_tile": d["cpt"],
        "tile__crossbar_rows": 24, "tile__crossbar_columns": 12, "noc__multicast": d["mc"],
        "crossbar__read_voltage_v": 0.6, "crossbar__read_pulse_s": 1e-6,
        "refresh__policy": "reprogram", "refresh__drift_tolerance_rel": 0.03,
        "device__write_endurance__endurance_ref_cycles": 30.0,
        "tick_period_s": d["period"] * 1e-9}),
}


def compare_untimed(res, ref, skip_energy=()):
    """What does not depend on timing: spikes (tick, neuron), every count, per-cell counters,
    conductances and failures, link and ejection flits, energies (but ``skip_energy``)."""
    sp = ref["spikes"].reshape(-1, 3)
    assert np.array_equal(res.spikes["tick"], sp[:, 0])
    assert np.array_equal(res.spikes["neuron"], sp[:, 1])
    for k, v in ref["counts"].items():
        assert res.counts[k] == v, k
    for xb in res.crossbars:
        r = ref["crossbars"][xb.crossbar]
        assert np.array_equal(xb.row_reads, r["row_reads"])
        assert np.array_equal(xb.writes, r["writes"])
        # conductances and failures of the cells that hold weights (the engine reports the others
        # at their nominal unused level; the reference keeps their varied / stuck values)
        cr, cc = xb.cell_rows, xb.cell_cols
        assert np.array_equal(xb.cell_failed, r["failed"][cr, cc])
        assert np.array_equal(xb.cell_conductance, r["G"][cr, cc])
    flits = np.zeros((res.link_flits.shape[0], 6), np.int64)
    for (r, o), nf in ref["link_flits"].items():
        flits[r, o] = nf
    assert np.array_equal(res.link_flits, flits[:, :4])
    assert np.array_equal(res.ejection_flits, flits[:, 4])
    assert np.array_equal(res.injection_flits, flits[:, 5])
    for k, v in ref["energy_pj"].items():
        if k not in skip_energy:
            assert res.energy_pj[k] == pytest.approx(v, rel=1e-12, abs=1e-9), k


def compare(res, ref):
    """The cycle model against the reference: everything, cycle stamps and latencies included."""
    compare_untimed(res, ref)
    assert np.array_equal(res.spikes["cycle"], ref["spikes"].reshape(-1, 3)[:, 2])
    assert np.array_equal(res.tick_start_cycle, ref["tick_start"])
    assert np.array_equal(res.traffic_end_cycle, ref["traffic_end"])
    assert res.overruns == ref["overruns"]
    hist = np.bincount(np.minimum(ref["latencies"], 4096), minlength=4097) if ref["latencies"].size else np.zeros(4097)
    assert np.array_equal(res.packet_latency_hist, hist)


def compare_functional(res, ref):
    """The functional timing (docs/engine.md §8) against the reference: every output that does not
    depend on timing is identical; the timing outputs are absent and the ticks keep the period."""
    assert res.timing == "functional"
    compare_untimed(res, ref, skip_energy=("leakage", "total"))
    assert np.all(res.spikes["cycle"] == -1)
    assert res.overruns is None and res.packet_latency is None and res.traffic_end_cycle is None
    P = res.tick_start_cycle[1] - res.tick_start_cycle[0]
    assert np.array_equal(res.tick_start_cycle, P * np.arange(res.n_ticks + 1))


def run_both(wl, hw, m, options=None):
    """Run the engine and the SimPy reference on one fixed case, compare them, return the engine's result."""
    res = ns.simulate(wl, hw, m, options=options)
    ref = simulate_reference(wl, hw, m)
    assert res.spikes.size > 0  # the comparison covers real spikes, not two empty rasters
    compare(res, ref)
    compare_functional(ns.simulate(wl, hw, m, timing="functional", options=options), ref)
    return res


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), chip=st.sampled_from(sorted(CHIPS)),
       w=st.integers(1, 3), h=st.integers(1, 3), cpt=st.integers(1, 2), buf=st.integers(1, 4),
       flits=st.integers(1, 2), mc=st.sampled_from(["router", "replicate"]), rl=st.integers(0, 2),
       ll=st.integers(1, 2), par=st.integers(1, 4), ul=st.integers(0, 2), sl=st.integers(0, 2),
       rr=st.integers(1, 4), period=st.integers(15, 200), split=st.sampled_from([0.0, 0.3]),
       plastic=st.booleans(), max_delay=st.integers(1, 3), trees=st.sampled_from(["auto", "columns"]))
def test_engine_matches_simpy_reference(seed, chip, w, h, cpt, buf, flits, mc, rl, ll, par, ul, sl, rr,
                                        period, split, plastic, max_delay, trees):
    rng = np.random.default_rng(seed)
    hw = CHIPS[chip](dict(w=w, h=h, cpt=cpt, buf=buf, flits=flits, mc=mc, rl=rl, ll=ll, par=par, ul=ul,
                          sl=sl, rr=rr, period=period))
    capacity = hw.n_crossbars * hw.neurons_per_crossbar
    n_lif = int(min(capacity // 2, rng.integers(3, 12)))
    assume(n_lif >= 2)
    wl = make_workload(rng, int(rng.integers(2, 8)), n_lif, int(rng.integers(5, 25)), plastic, max_delay)
    try:
        m = random_mapping(wl, hw, rng, split=split)
    except ValueError:
        assume(False)  # the random placement ran out of room on this tiny chip
    # both stores of the multicast trees ("auto" keeps nodes on meshes this small)
    res = ns.simulate(wl, hw, m, seed=seed, options=ns.EngineOptions(xy_trees=trees))
    if mc == "router":
        assert res.extra["xy_trees"] == ("columns" if trees == "columns" else "nodes")
    ref = simulate_reference(wl, hw, m, seed=seed)
    compare(res, ref)
    compare_functional(ns.simulate(wl, hw, m, seed=seed, timing="functional"), ref)


def fixed_case(chip, seed, d, ticks, plastic, max_delay, split=0.0, options=None):
    """One fixed random case on chip CHIPS[chip](d), run by both models: (engine result, mapping)."""
    rng = np.random.default_rng(seed)
    hw = CHIPS[chip](d)
    wl = make_workload(rng, 6, 8 if chip != "ideal" else 10, ticks, plastic, max_delay)
    m = random_mapping(wl, hw, rng, split=split)
    return run_both(wl, hw, m, options), wl, m


PCM_SMALL = dict(w=2, h=1, cpt=2, buf=2, mc="router", period=500)


def test_accumulate_level_update_identically():
    """learning.level_update = accumulate on PCM with device-to-device variation (cells start off
    their levels): same writes, wear-out and conductances in both models, and fewer pulses than
    the nearest-level update of the same run."""
    res, wl, m = fixed_case("pcm_accumulate", 7, PCM_SMALL, 60, True, 1)
    assert res.counts["write_pulses"] > 0
    near = ns.simulate(wl, CHIPS["pcm"](PCM_SMALL), m)
    assert res.counts["write_pulses"] < near.counts["write_pulses"]


def test_write_verify_programming_identically():
    """crossbar.ir_drop_compensation = write_verify on a PCM chip with IR drop, variation and wear-out:
    both models program and re-program the same compensated levels."""
    res, _, _ = fixed_case("pcm_verify", 5, {**PCM_SMALL, "period": 800}, 60, True, 1)
    assert res.counts["write_pulses"] > 0 and res.counts["weight_rebuilds"] > 0


def test_reference_handles_back_pressure_and_overruns():
    """A fixed case with one-flit buffers and a 30-cycle period: blocking and overruns happen."""
    res, _, _ = fixed_case("ideal", 1, dict(w=3, h=2, cpt=2, buf=1, flits=1, mc="router", rl=1, ll=1, par=2, ul=1,
                                            sl=1, rr=3, period=30), 30, False, 2, split=0.3)
    assert res.overruns > 0
    assert res.counts["partial_sum_packets"] > 0


def test_read_disturb_refresh_and_rebuilds_identically():
    res, _, _ = fixed_case("rram_disturb", 11, dict(w=2, h=1, cpt=2, mc="router", period=300), 40, False, 2,
                           split=0.2)
    assert res.counts["refresh_writes"] > 0 and res.counts["weight_rebuilds"] > 0


def test_learning_wears_cells_out_identically():
    res, _, _ = fixed_case("pcm", 7, PCM_SMALL, 60, True, 1)
    assert res.counts["write_pulses"] > 0
    assert res.counts["failed_cells"] > 0


def test_stdp_factors_beyond_the_table_identically():
    """The engine tabulates exp(-dt / tau) for short spike-time differences: with a 2-tick table
    most factors are computed instead, and the learning case still matches the reference."""
    res, _, _ = fixed_case("pcm", 7, PCM_SMALL, 60, True, 1, options=ns.EngineOptions(stdp_lut_ticks=2))
    assert res.counts["write_pulses"] > 0


@pytest.mark.parametrize("encoding", ["signed", "differential", "reference_column"])
def test_ideal_chip_encodings_identically(encoding):
    """The engine encodes an ideal chip's synapse cells directly (no block); the reference programs
    the used block: same conductances and spikes for every encoding, on partly used crossbars."""
    rng = np.random.default_rng(5)
    hw = make_chip("ideal", {"noc__mesh_width": 2, "noc__mesh_height": 2, "tile__crossbar_rows": 24,
                             "tile__crossbar_columns": 12, "device__weight_encoding": encoding,
                             "device__g_min_s": 0.25, "device__g_max_s": 1.5})
    wl = make_workload(rng, 6, 9, 30, True, 2)
    m = random_mapping(wl, hw, rng, split=0.3)
    res = run_both(wl, hw, m)
    assert any(xb.block_shape[1] < hw.tile.crossbar_columns for xb in res.crossbars)
