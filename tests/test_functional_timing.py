"""simulate(timing="functional") against timing="cycle" on the shipped chips and workloads: what the
network computes, wears and spends is identical bit for bit; the timing outputs are absent
(docs/engine.md §8). The random small chips are covered against the SimPy reference in
tests/test_reference_equivalence.py."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.engine import EngineError


def same_outputs(a, b):
    assert b.timing == "functional" and a.timing == "cycle"
    assert np.array_equal(a.spikes[["tick", "neuron"]], b.spikes[["tick", "neuron"]])
    assert a.counts == b.counts
    for x, y in zip(a.crossbars, b.crossbars, strict=True):
        assert x.crossbar == y.crossbar
        for f in ("row_reads", "cell_writes_sparse", "cell_conductance", "cell_failed", "cell_endurance"):
            assert np.array_equal(getattr(x, f), getattr(y, f)), f
    for f in ("link_flits", "ejection_flits", "injection_flits", "weights", "effective_weights", "voltages"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    for k in a.energy_pj:
        if k not in ("leakage", "total"):
            assert a.energy_pj[k] == b.energy_pj[k], k


@pytest.mark.parametrize("workload, chip, ticks", [
    ("digits", "ideal", 60),                 # feed-forward classifier
    ("cuba_4000", "ideal", 120),             # recurrent, 370 crossbars, multicast trees over 93 tiles
    ("diehl_cook", "espine_pcm", 80),        # STDP on PCM with IR drop, write-verify, rebuilds
    ("digits", "rram_inference", 150),       # RRAM read disturb and refresh (per-tick maintenance)
])
def test_functional_equals_cycle_on_shipped_chips(workload, chip, ticks):
    wl = ns.load_workload(f"traces/{workload}")
    over = {"crossbar.read_voltage_v": 0.6, "crossbar.read_pulse_s": 1e-6, "refresh.policy": "reprogram",
            "refresh.drift_tolerance_rel": 0.02} if chip == "rram_inference" else None
    hw = ns.load_hardware(chip, overrides=over)
    m = ns.map_workload(wl, hw, "sequential")
    rec = ("weights", "effective_weights", "voltages")
    a = ns.simulate(wl, hw, m, ticks=ticks, record=rec)
    b = ns.simulate(wl, hw, m, ticks=ticks, record=rec, timing="functional")
    assert a.n_spikes > 0 and a.counts["flit_hops"] > 0
    same_outputs(a, b)
    if chip == "espine_pcm":
        assert a.counts["write_pulses"] > 0 and a.counts["weight_rebuilds"] > 0
    if chip == "rram_inference":
        assert a.counts["refresh_writes"] > 0   # read disturb drifted cells past the tolerance
    P = hw.tick_period_cycles
    assert np.array_equal(b.tick_start_cycle, P * np.arange(ticks + 1))
    assert b.total_cycles == ticks * P <= a.total_cycles
    assert np.all(b.spikes["cycle"] == -1)
    assert b.overruns is None and b.packet_latency is None and b.packet_latency_hist is None
    assert b.traffic_end_cycle is None and b.summary()["timing"] == "functional"


def test_timing_argument():
    wl = ns.load_workload("traces/digits")
    hw = ns.load_hardware("ideal")
    m = ns.map_workload(wl, hw, "sequential")
    with pytest.raises(EngineError, match="timing"):
        ns.simulate(wl, hw, m, ticks=2, timing="fast")
