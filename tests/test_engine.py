"""The compiled engine: semantics on the ideal chip, API, result contents, physics integration."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.config.schema import HardwareConfig
from neurosim.crossbar import CrossbarPhysics
from neurosim.devices import program_crossbar
from neurosim.engine import EngineError, ENERGY_CLASSES
from neurosim.engine.core import pack
from neurosim.reference import random_mapping
from neurosim.workload.reference_lif import simulate_lif


def chip(base, **over):
    d = ns.load_hardware(base).model_dump()
    for k, v in over.items():
        cur = d
        parts = k.split("__")
        for p in parts[:-1]:
            cur = cur[p]
        cur[parts[-1]] = v
    return HardwareConfig.model_validate(d)


def small_net(seed=0, n_in=20, n=30, ticks=80, rate=0.2, plastic=False, delay_max=3, refractory=1):
    rng = np.random.default_rng(seed)
    net = ns.Network(name="small")
    inp = net.add_input("in", n_in)
    a = net.add_population("a", n, threshold=1.0, leak=0.875, v_reset=0.0, refractory=refractory)
    W1 = rng.uniform(0.1, 0.6, (n_in, n)) * (rng.random((n_in, n)) < 0.4)
    W2 = rng.uniform(-0.4, 0.5, (n, n)) * (rng.random((n, n)) < 0.2)
    np.fill_diagonal(W2, 0)
    kw = dict(plastic=True, stdp=ns.STDPRule(a_plus=0.05, a_minus=0.05, tau_plus=5, tau_minus=5)) if plastic else {}
    net.connect(inp, a, weights=W1, delay=1, **kw)
    net.connect(a, a, weights=W2, delay=rng.integers(1, delay_max + 1, (n, n)))
    return ns.Workload(net, inputs={"in": rng.random((ticks, n_in)) < rate})


def lif_only(wl, t, n):
    keep = ~wl.network.is_input[n]
    return t[keep], n[keep]


# ---------------------------------------------------------------- semantics on the ideal chip
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ideal_chip_equals_reference_lif(seed):
    wl = small_net(seed)
    hw = ns.load_hardware("ideal")
    res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"))
    t, n = lif_only(wl, *simulate_lif(wl))
    assert res.spikes.size > 10
    assert np.array_equal(res.spikes["tick"], t) and np.array_equal(res.spikes["neuron"], n)


def test_partial_sums_and_any_placement_give_the_pure_model_spikes():
    """Fan-in split over several crossbars (partial-sum packets) and random placement on the ideal
    chip change timing, never the spikes."""
    wl = small_net(3)
    hw = chip("ideal", noc__mesh_width=3, noc__mesh_height=3, tile__crossbar_rows=64, tile__crossbar_columns=8)
    m = random_mapping(wl, hw, np.random.default_rng(0), split=0.4)
    res = ns.simulate(wl, hw, m)
    t, n = lif_only(wl, *simulate_lif(wl))
    assert res.counts["partial_sum_packets"] > 0
    assert np.array_equal(res.spikes["tick"], t) and np.array_equal(res.spikes["neuron"], n)


def test_voltages_record_matches_reference_potentials():
    wl = small_net(4, ticks=40)
    hw = ns.load_hardware("ideal")
    res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"), record=("voltages", "weights"))
    _, _, v = simulate_lif(wl, record_potential=True)
    assert res.voltages.shape == (40, wl.network.n_neurons)
    assert np.array_equal(res.voltages[-1][~wl.network.is_input], v[~wl.network.is_input])
    assert np.array_equal(res.weights, wl.network.weight)


def test_deterministic_and_ticks_argument():
    wl = small_net(5)
    hw = ns.load_hardware("espine_pcm")
    m = ns.map_workload(wl, hw, "sequential")
    a = ns.simulate(wl, hw, m, seed=3)
    b = ns.simulate(wl, hw, m, seed=3)
    assert np.array_equal(a.spikes, b.spikes) and a.energy_pj == b.energy_pj
    c = ns.simulate(wl, hw, m, seed=3, ticks=20)
    assert c.n_ticks == 20 and c.cycles_per_tick.size == 20
    assert np.array_equal(c.spikes, a.spikes[a.spikes["tick"] < 20])


# ---------------------------------------------------------------- timing
def test_cycles_are_within_their_tick_and_overruns_stretch_ticks():
    wl = small_net(6, rate=0.5)
    hw = ns.load_hardware("ideal")
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m)
    P = hw.tick_period_cycles
    assert res.overruns == 0 and np.all(res.cycles_per_tick == P)
    start = res.tick_start_cycle[res.spikes["tick"]]
    assert np.all(res.spikes["cycle"] >= start) and np.all(res.spikes["cycle"] < start + P)
    fast = chip("ideal", tick_period_s=5e-9)          # 5-cycle ticks: every busy tick overruns
    r2 = ns.simulate(wl, fast, m)
    assert r2.overruns > 0
    over = r2.cycles_per_tick > 5
    assert over.sum() == r2.overruns
    assert np.all(r2.cycles_per_tick[over] == r2.traffic_end_cycle[over] - r2.tick_start_cycle[:-1][over] + 1)
    assert np.array_equal(r2.spikes[["tick", "neuron"]], res.spikes[["tick", "neuron"]])


def test_packet_latency_and_link_counters():
    wl = small_net(7)
    hw = chip("ideal", noc__mesh_width=4, noc__mesh_height=4, tile__crossbars_per_tile=1,
              tile__crossbar_rows=64, tile__crossbar_columns=8, noc__energy_hop_per_flit_pj=2.0)
    m = random_mapping(wl, hw, np.random.default_rng(1))
    res = ns.simulate(wl, hw, m)
    assert res.packet_latency["count"] == res.packet_latency_hist.sum() == res.counts["row_reads"]
    # minimum latency: spike-out + injection + router + ejection
    noc = hw.noc
    assert res.packet_latency["min"] >= 1 + noc.router_latency_cycles + 1
    assert res.link_flits.sum() > 0
    assert res.energy_pj["noc_hop"] == pytest.approx(2.0 * (res.link_flits.sum() + res.ejection_flits.sum()))
    assert res.counts["flit_hops"] == res.link_flits.sum() + res.ejection_flits.sum()
    assert np.all(res.link_utilisation <= 1.0)


# ---------------------------------------------------------------- counters and memory
def test_per_cell_counters_and_used_blocks_only():
    wl = small_net(8)
    hw = ns.load_hardware("ideal")      # 1024 x 256 crossbars: only the used block is stored
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m)
    used = np.unique(np.concatenate([m.synapse_crossbar, m.neuron_crossbar[m.neuron_crossbar >= 0]]))
    assert [x.crossbar for x in res.crossbars] == list(used)
    total_reads = 0
    for x in res.crossbars:
        assert x.writes.shape[0] <= 64 and x.writes.shape[1] <= 64
        assert np.array_equal(x.cell_reads(), np.repeat(x.row_reads[:, None], x.writes.shape[1], axis=1))
        assert x.cell_reads(full=True).shape == (1024, 256)
        total_reads += x.row_reads.sum()
    assert total_reads == res.counts["row_reads"]
    # every read of a row comes from one spike of its presynaptic neuron reaching that crossbar
    spikes_per_neuron = np.bincount(res.spikes["neuron"], minlength=wl.network.n_neurons)
    spikes_per_neuron += np.bincount(wl.input_neurons, minlength=wl.network.n_neurons)
    rows = m.crossbar_rows
    expect = sum(int(spikes_per_neuron[rows[x.crossbar, r]]) for x in res.crossbars for r in range(x.row_reads.size)
                 if rows[x.crossbar, r] >= 0)
    assert total_reads == expect


def test_energy_classes():
    wl = small_net(9)
    hw = ns.load_hardware("espine_pcm")
    res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"))
    assert set(ENERGY_CLASSES) <= set(res.energy_pj)
    e = res.energy_pj
    assert e["total"] == pytest.approx(sum(e[k] for k in ENERGY_CLASSES))
    assert e["neuron_update"] == hw.neuron.update_energy_pj * res.counts["neuron_updates"]
    assert e["spike_out"] == hw.neuron.spike_out_energy_pj * res.spikes.size
    # leakage.gating = idle_tiles (the default): tiles with a used crossbar or router traffic leak
    m = ns.map_workload(wl, hw, "sequential")
    used = set(np.asarray(m.crossbar_tile)[m.used_crossbars()].tolist())
    routers = set(np.flatnonzero(res.link_flits.sum(1) + res.ejection_flits + res.injection_flits).tolist())
    powered = used | routers
    assert 0 < len(powered) < hw.n_tiles and res.counts["powered_tiles"] == len(powered)
    assert e["leakage"] == pytest.approx(hw.leakage.power_per_tile_w * len(powered) * res.latency_s * 1e12)
    assert e["row_read"] > 0 and e["row_peripherals"] > 0
    assert res.latency_s == res.total_cycles / hw.clock_hz
    # gating none: every tile of the chip leaks, and nothing else changes
    hw_all = ns.load_hardware("espine_pcm", overrides={"leakage.gating": "none"})
    all_ = ns.simulate(wl, hw_all, m)
    assert all_.energy_pj["leakage"] == pytest.approx(hw.leakage.power_per_tile_w * hw.n_tiles * res.latency_s * 1e12)
    assert {k: v for k, v in all_.energy_pj.items() if k not in ("leakage", "total")} == \
        {k: v for k, v in e.items() if k not in ("leakage", "total")}


# ---------------------------------------------------------------- physics
@pytest.mark.parametrize("compensation", ["none", "write_verify"])
def test_effective_weights_come_from_the_crossbar_physics(compensation):
    """On an IR-drop chip each synapse reads the crossbar module's effective (IR-distorted) weight
    of the crossbar as programmed (open loop, or write-verified against the in-array read)."""
    from neurosim.crossbar.verify import program_verified
    wl = small_net(10, n=20)
    hw = ns.load_hardware("espine_pcm", overrides={"crossbar.ir_drop_compensation": compensation})
    m = ns.map_workload(wl, hw, "sequential")
    cfg, a, s, info = pack(wl, hw, m, 10, np.random.default_rng(0))
    # the chip stores each neuron's weights over its input gain (neurosim.devices.gain): w_eff is in those units
    from neurosim.devices.gain import apply_input_gains, input_gains
    net = apply_input_gains(wl.network, input_gains(wl.network, hw).gains)
    for k in np.unique(m.synapse_crossbar):
        ids = np.flatnonzero(m.synapse_crossbar == k)
        W = np.zeros((hw.tile.crossbar_rows, hw.neurons_per_crossbar))
        mask = np.zeros(W.shape, bool)
        W[m.synapse_row[ids], m.synapse_column[ids]] = net.weight[ids]
        mask[m.synapse_row[ids], m.synapse_column[ids]] = True
        if compensation == "none":
            G = program_crossbar(hw, W, mask=mask)
        else:
            # the used block: rows and (differential) column pairs in neuron order
            block = (int(m.synapse_row[ids].max()) + 1, np.arange(2 * (int(m.synapse_column[ids].max()) + 1)))
            G = program_verified(hw, W, mask=mask, block=block)
        phys = CrossbarPhysics(hw, G)
        want = phys.effective_weights()[m.synapse_row[ids], m.synapse_column[ids]]
        got = s["w_eff"][info["syn_pos"][ids]]
        assert np.array_equal(got, want)
        assert not np.allclose(got, net.weight[ids])     # IR drop and 4-bit levels distort them


def test_stdp_writes_wear_and_learning_switch():
    wl = small_net(11, plastic=True, ticks=150, rate=0.3)
    hw = chip("espine_pcm", noc__mesh_width=2, noc__mesh_height=2, crossbar__ir_drop_method="none",
              device__write_endurance__endurance_ref_cycles=5.0)
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m, record="weights")
    assert res.counts["write_pulses"] > 0 and res.counts["failed_cells"] > 0
    writes = sum(int(x.writes.sum()) for x in res.crossbars)
    assert writes == res.counts["write_pulses"]
    failed = np.concatenate([x.failed.ravel() for x in res.crossbars])
    cond = np.concatenate([x.conductance.ravel() for x in res.crossbars])
    assert np.all(cond[failed] == hw.device.g_max_s)                 # stuck-SET
    _check_write_energy(res, hw)
    off = ns.simulate(wl, chip("espine_pcm", noc__mesh_width=2, noc__mesh_height=2, learning__enabled=False), m)
    assert off.counts["write_pulses"] == 0


@pytest.mark.parametrize("policy, max_lag_steps", [("nearest", 0.5), ("accumulate", 1.0)])
def test_level_update_policy_bounds_the_device_lag(policy, max_lag_steps):
    """A plastic synapse's cell tracks the learning circuit's weight w: `nearest` holds the level
    nearest w (at most half a level step away), `accumulate` moves by whole steps once w is a full
    step away (always less than one step behind); `accumulate` issues fewer pulses."""
    wl = small_net(11, plastic=True, ticks=150, rate=0.3)
    over = dict(noc__mesh_width=2, noc__mesh_height=2, crossbar__ir_drop_method="none")
    hw = chip("espine_pcm", learning__level_update=policy, **over)
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m, record=("weights", "effective_weights"))
    plastic = wl.network.plastic
    w = res.weights[plastic]
    assert np.all(w >= 0)                        # STDP keeps w in [0, 1]: G- stays at g_min
    step = hw.device.weight_scale / (hw.device.levels - 1)
    lag = np.abs(res.effective_weights[plastic] - w) / step
    assert lag.max() <= max_lag_steps + 1e-9
    if policy == "accumulate":
        near = ns.simulate(wl, chip("espine_pcm", **over), m)
        assert 0 < res.counts["write_pulses"] < near.counts["write_pulses"]
        assert lag.max() > 0.5                   # it does lag by more than rounding would


def _check_write_energy(res, hw):
    # SET (13.5 pJ) and RESET (19.2 pJ) pulses plus the driver: the total lies between all-SET and all-RESET
    n = res.counts["write_pulses"]
    per = hw.peripherals      # program-and-verify reads every pulse back: one row driven, one column sensed
    verify = res.counts["verify_reads"] * (per.row_driver_energy_pj + per.sense_energy_per_column_pj)
    assert res.counts["verify_reads"] == (n if hw.learning.write_scheme == "program_verify" else 0)
    cell = res.energy_pj["write"] - n * per.write_driver_energy_pj - verify
    assert n * hw.device.energy_set_pj - 1e-6 < cell < n * hw.device.energy_reset_pj + 1e-6


def test_learning_on_an_ir_drop_chip_rebuilds_effective_weights():
    """STDP writes on espine_pcm (IR drop, 1T1R): the engine rebuilds the crossbar physics whenever
    cells moved beyond tolerance, so its final effective weights are those of a fresh solve of the
    final conductances."""
    wl = small_net(15, plastic=True, ticks=60, rate=0.3)
    hw = chip("espine_pcm", noc__mesh_width=2, noc__mesh_height=2)
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m, record="effective_weights")
    assert res.counts["write_pulses"] > 0 and res.counts["weight_rebuilds"] > 0
    from neurosim.metrics.lifetime import full_conductance
    for x in res.crossbars:
        ids = np.flatnonzero(m.synapse_crossbar == x.crossbar)
        W = CrossbarPhysics(hw, full_conductance(hw, x)).effective_weights()
        np.testing.assert_allclose(res.effective_weights[ids], W[m.synapse_row[ids], m.synapse_column[ids]],
                                   rtol=1e-9, atol=1e-12)


def test_read_disturb_drifts_and_refresh_reprograms():
    """rram_inference with a high read voltage: cells of busy rows drift (Jiang model) after their
    onset; the `reprogram` refresh policy writes them back (each refresh is a write)."""
    wl = small_net(12, ticks=300, rate=0.6, n=16, n_in=12)
    base = dict(noc__mesh_width=2, noc__mesh_height=2, crossbar__read_voltage_v=0.5,
                crossbar__read_pulse_s=1e-6)
    hw = chip("rram_inference", **base)
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m)
    for x in res.crossbars:
        assert np.all(x.writes == 0)
    drifted = sum(int((x.conductance < _programmed(wl, hw, m, x) * (1 - 1e-9)).sum()) for x in res.crossbars)
    assert drifted > 0
    hw_r = chip("rram_inference", refresh__policy="reprogram", refresh__drift_tolerance_rel=0.02, **base)
    r2 = ns.simulate(wl, hw_r, m)
    assert r2.counts["refresh_writes"] > 0
    assert sum(int(x.writes.sum()) for x in r2.crossbars) == r2.counts["refresh_writes"]
    assert r2.energy_pj["write"] > 0


def _programmed(wl, hw, m, x):
    net = wl.network
    ids = np.flatnonzero(m.synapse_crossbar == x.crossbar)
    W = np.zeros((hw.tile.crossbar_rows, hw.neurons_per_crossbar))
    mask = np.zeros(W.shape, bool)
    W[m.synapse_row[ids], m.synapse_column[ids]] = net.weight[ids]
    mask[m.synapse_row[ids], m.synapse_column[ids]] = True
    G = program_crossbar(hw, W, mask=mask)
    return G[: x.row_reads.size][:, x.physical_columns]


# ---------------------------------------------------------------- API errors
def test_bad_arguments():
    wl = small_net(13, ticks=10)
    hw = ns.load_hardware("ideal")
    m = ns.map_workload(wl, hw, "sequential")
    with pytest.raises(EngineError, match="record"):
        ns.simulate(wl, hw, m, record=("spikes", "nonsense"))
    with pytest.raises(EngineError, match="ticks"):
        ns.simulate(wl, hw, m, ticks=11)
    with pytest.raises(EngineError, match="ticks"):
        ns.simulate(wl, hw, m, ticks=0)
    with pytest.raises(EngineError, match="workload"):
        ns.simulate(wl.network, hw, m)
    other = small_net(14, n=31, ticks=10)
    with pytest.raises(EngineError, match="mapping"):
        ns.simulate(other, hw, m)
