"""A programmed chip run several times (neurosim.Chip) gives, run after run, what a fresh
neurosim.simulate gives with the same arguments: learning writes, wear-out, read-disturb drift and
refreshes of one run never leak into the next, and the packed arrays are not modified."""
import hashlib

import numpy as np
import pytest

import neurosim as ns
from neurosim.engine import EngineError

CASES = [("espine_pcm", "diehl_cook", 80),      # on-chip STDP: writes, rebuilds of IR-distorted weights
         ("rram_inference", "digits", 120),     # read disturb, drift and refresh between ticks
         ("loihi_like", "smoothing", 60),
         ("ideal", "digits", 60)]


def digest(res) -> str:
    h = hashlib.sha256()
    for arr in (res.spikes, res.tick_start_cycle, res.cycles_per_tick, res.link_flits, res.injection_flits):
        h.update(np.ascontiguousarray(arr).tobytes())
    for opt in (res.traffic_end_cycle, res.packet_latency_hist, res.weights, res.effective_weights):
        h.update(b"-" if opt is None else np.ascontiguousarray(opt).tobytes())
    h.update(repr(sorted(res.counts.items())).encode())
    h.update(repr(sorted(res.energy_pj.items())).encode())
    h.update(repr((res.overruns, res.packet_latency, res.n_ticks, res.total_cycles)).encode())
    for x in res.crossbars:
        for arr in (x.row_reads, x.writes, x.conductance, x.failed, x.endurance):
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def setup(chip, trace):
    hw = ns.load_hardware(chip)
    wl = ns.load_workload(f"traces/{trace}")
    return hw, wl, ns.map_workload(wl, hw, "sequential")


@pytest.mark.parametrize("chip,trace,T", CASES)
def test_runs_repeat_a_fresh_simulation_bit_for_bit(chip, trace, T):
    hw, wl, m = setup(chip, trace)
    rec = ("spikes", "weights", "effective_weights")
    fresh_cycle = digest(ns.simulate(wl, hw, m, ticks=T, seed=2, record=rec))
    fresh_functional = digest(ns.simulate(wl, hw, m, ticks=T, seed=2, record=rec, timing="functional"))
    fresh_short = digest(ns.simulate(wl, hw, m, ticks=T // 2, seed=2, record=rec))
    chip_ = ns.Chip(hw, wl, m, seed=2, ticks=T)
    packed = {k: v.copy() for k, v in chip_._a.items()}
    first = chip_.run(record=rec)
    assert digest(first) == fresh_cycle
    assert digest(chip_.run(record=rec, timing="functional")) == fresh_functional
    assert digest(chip_.run(record=rec, ticks=T // 2)) == fresh_short
    assert digest(chip_.run(record=rec)) == fresh_cycle          # the fourth run starts as fresh as the first
    assert chip_.runs == 4
    for k, v in chip_._a.items():
        assert np.array_equal(v, packed[k]), f"the compiled loop wrote into packed array {k}"


def test_the_learning_case_does_change_the_chip():
    """The repeat test above means something only if a run changes the state it must not carry over."""
    hw, wl, m = setup("espine_pcm", "diehl_cook")
    res = ns.Chip(hw, wl, m, ticks=80).run()
    assert res.counts["write_pulses"] > 0


def test_other_inputs_on_the_same_network():
    hw, wl, m = setup("rram_inference", "digits")
    t = np.asarray(wl.input_ticks)
    keep = t >= 50                                 # the same network, inputs from tick 50 on shifted to 0
    other = ns.Workload.from_arrays(wl.network, t[keep] - 50, np.asarray(wl.input_neurons)[keep],
                                    wl.n_ticks - 50, name="digits-later")
    chip = ns.Chip(hw, wl, m, ticks=100)
    a = chip.run(inputs=other)
    assert digest(a) == digest(ns.simulate(other, hw, m, ticks=100))
    assert digest(chip.run()) == digest(ns.simulate(wl, hw, m, ticks=100))
    assert not np.array_equal(a.spikes, chip.run().spikes)


def test_refusals_name_the_argument():
    hw, wl, m = setup("loihi_like", "smoothing")
    chip = ns.Chip(hw, wl, m, ticks=20)
    with pytest.raises(EngineError, match="packed for 20 ticks"):
        chip.run(ticks=21)
    other = ns.load_workload("traces/digits")
    with pytest.raises(EngineError, match="another network"):
        chip.run(inputs=other)
    once = ns.Chip(hw, wl, m, ticks=20, reusable=False)
    once.run()
    with pytest.raises(EngineError, match="reusable=False"):
        once.run()
    with pytest.raises(EngineError, match="options.xy_trees"):
        ns.EngineOptions(xy_trees="tree")
    with pytest.raises(EngineError, match="options: expected"):
        ns.Chip(hw, wl, m, options={"xy_trees": "auto"})
