"""How close each shipped chip computes to the ideal chip, on every shipped workload that fits:
the raster distance Σ_n |spikes_n(chip) − spikes_n(ideal)| / Σ_n spikes_n(ideal) (spike counts per
neuron over 300 ticks, sequential mapping) stays within a stated bound. The digital `loihi_like`
chip must be exact. Pairs that do not meet the bound are marked xfail (strict) with the measured
distance and what is known of the cause, so a fix shows up as an XPASS (issue 15: no run may change
what the network computes without it being visible)."""
import warnings

import numpy as np
import pytest

import neurosim as ns
from neurosim.experiment import ideal_reference

T = 300
BOUND = 0.25          # a quarter of the ideal chip's spikes moved between neurons (or lost / added)

#: (chip, workload) pairs that miss the bound today, with the distance measured at this commit
KNOWN = {
    ("espine_pcm", "diehl_cook"): "0.39: on-chip STDP learns other weights than the ideal chip; which device effect dominates is not traced",
    ("espine_pcm", "edge_detection"): "1.54: IR drop (0.05 recall; 0.97 with ir_drop_method none); write-verify cannot "
                                      "restore the full-range kernel centres",
    ("rram_inference", "diehl_cook"): "0.79: cause not traced",
    ("rram_inference", "smoothing"): "0.61: 3,772 spikes against 9,696; cause not traced",
    ("rram_inference", "edge_detection"): "1.50: IR drop, as on espine_pcm",
    ("rram_inference", "synth_layered"): "0.37: cause not traced",
}
WORKLOADS = ["digits", "diehl_cook", "smoothing", "edge_detection", "synth_layered"]
PAIRS = [(c, w) for c in ("loihi_like", "espine_pcm", "rram_inference") for w in WORKLOADS]


def raster_distance(res, ref, n):
    a = np.bincount(res.spikes["neuron"], minlength=n)
    b = np.bincount(ref.spikes["neuron"], minlength=n)
    return float(np.abs(a - b).sum() / max(b.sum(), 1))


@pytest.mark.parametrize("chip,workload", [
    pytest.param(c, w, marks=pytest.mark.xfail(strict=True, reason=KNOWN[(c, w)])) if (c, w) in KNOWN else (c, w)
    for c, w in PAIRS])
def test_chip_computes_close_to_the_ideal_chip(chip, workload, traces_dir):
    wl = ns.load_workload(traces_dir / workload)
    hw = ns.load_hardware(chip)
    ticks = min(T, wl.n_ticks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # write-rate warnings of the learning chip
        res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"), ticks=ticks)
    ref = ideal_reference(wl, ticks)
    assert ref.spikes.size > 0
    d = raster_distance(res, ref, wl.network.n_neurons)
    if hw.device.type == "ideal":
        assert d == 0.0 and np.array_equal(res.spikes[["tick", "neuron"]], ref.spikes[["tick", "neuron"]])
    assert d <= BOUND, f"raster distance {d:.3f} > {BOUND}"
