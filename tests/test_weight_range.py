"""Weights beyond the device range (neurosim.devices.gain): a neuron's power-of-two input gain
computes what a device with that much more range computes; what cannot be gained is clipped with a
warning naming the projection; the engine and the SimPy reference agree with gains in play."""
import dataclasses
import warnings

import numpy as np
import pytest

import neurosim as ns
from neurosim.devices.gain import WeightRangeWarning, input_gains
from neurosim.reference import random_mapping

from test_reference_equivalence import PCM_SMALL, CHIPS, make_chip, make_workload, run_both


def scaled(wl, factor, plastic_too=False):
    """``wl`` with its non-plastic weights (or all) multiplied by ``factor``."""
    net = wl.network
    w = np.asarray(net.weight, np.float64).copy()
    sel = np.ones(w.size, bool) if plastic_too else ~np.asarray(net.plastic, bool)
    w[sel] *= factor
    return ns.Workload.from_arrays(dataclasses.replace(net, weight=w), wl.input_ticks, wl.input_neurons, wl.n_ticks)


def continuous_pcm(scale, **over):
    """A PCM chip with no IR drop, no levels, no variation or faults: weights map linearly."""
    return make_chip("espine_pcm", {"crossbar__ir_drop_method": "none", "device__levels": None,
                                    "device__variation__d2d_sigma_rel": 0.0, "device__faults__stuck_at_rate": 0.0,
                                    "device__weight_scale": scale, **over})


@pytest.mark.parametrize("mode", ["expand", "fit"])
def test_a_gain_computes_what_a_wider_device_computes(mode):
    rng = np.random.default_rng(4)
    wl = scaled(make_workload(rng, 6, 10, 40, False, 2), 3.0)        # weights up to ~2.7 on a ±1 device
    narrow, wide = continuous_pcm(1.0, neuron__input_gain=mode), continuous_pcm(4.0, neuron__input_gain=mode)
    plan = input_gains(wl.network, narrow)
    assert plan.any_gain and not plan.clipped
    if mode == "expand":
        assert set(np.unique(plan.gains)) <= {1.0, 2.0, 4.0} and not input_gains(wl.network, wide).any_gain
    else:       # every neuron's largest stored weight in (s/2, s]
        g = plan.gains[np.asarray(wl.network.post)]
        stored = np.zeros(wl.network.n_neurons)
        np.maximum.at(stored, np.asarray(wl.network.post), np.abs(wl.network.weight) / g)
        lif = ~wl.network.is_input
        assert np.all((stored[lif] > 0.5) & (stored[lif] <= 1.0))
    m = ns.map_workload(wl, narrow, "sequential")
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeightRangeWarning)            # nothing is clipped
        a = ns.simulate(wl, narrow, m, record=("spikes", "voltages", "effective_weights"))
    b = ns.simulate(wl, wide, m, record=("spikes", "voltages", "effective_weights"))
    assert a.spikes.size > 0
    assert np.array_equal(a.spikes["neuron"], b.spikes["neuron"]) and np.array_equal(a.spikes["tick"], b.spikes["tick"])
    # results come back in network units
    np.testing.assert_allclose(a.voltages, b.voltages, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.effective_weights, wl.network.weight, rtol=1e-12)


def test_clipping_is_reported_by_projection():
    rng = np.random.default_rng(5)
    wl = scaled(make_workload(rng, 6, 10, 30, False, 1), 3.0)
    hw = continuous_pcm(1.0, neuron__input_gain="none")
    m = ns.map_workload(wl, hw, "sequential")
    with pytest.warns(WeightRangeWarning, match=r"projection in -> a has weights in \[.*\], device .* holds ±1: "
                                                r"\d+ of \d+ synapses \(\d+\.\d%\) clipped") as rec:
        res = ns.simulate(wl, hw, m)
    assert res.extra["weight_range"]["clipped"] and not res.extra["weight_range"]["gained"]
    assert any("neuron.input_gain is none" in str(r.message) for r in rec)


def test_plastic_targets_are_clipped_not_gained():
    rng = np.random.default_rng(6)
    wl = scaled(make_workload(rng, 6, 10, 30, True, 1), 3.0, plastic_too=True)
    plan = input_gains(wl.network, continuous_pcm(1.0))
    assert not plan.any_gain and plan.clipped
    assert {c["projection"] for c in plan.clipped} <= {"in -> a", "a -> a"}


def test_ideal_devices_neither_gain_nor_clip():
    rng = np.random.default_rng(7)
    wl = scaled(make_workload(rng, 6, 10, 30, False, 1), 5.0)
    plan = input_gains(wl.network, ns.load_hardware("ideal"))
    assert not plan.any_gain and not plan.clipped


@pytest.mark.parametrize("chip", ["pcm", "pcm_verify"])
def test_engine_and_reference_agree_with_gains(chip):
    rng = np.random.default_rng(11)
    hw = CHIPS[chip](PCM_SMALL if chip == "pcm" else {**PCM_SMALL, "period": 800})
    wl = scaled(make_workload(rng, 6, 8, 40, False, 1), 2.5)
    assert input_gains(wl.network, hw).any_gain
    m = random_mapping(wl, hw, rng)
    run_both(wl, hw, m)


def test_diehl_cook_inhibition_fires_on_the_pcm_chip():
    """The flagship network: exc -> inh weights of 2.0 on a ±1 device. With the input gain the
    inhibitory population fires as on the ideal chip; without it it is silent (and a warning says why)."""
    wl = ns.load_workload("traces/diehl_cook")
    hw, ideal = ns.load_hardware("espine_pcm"), ns.load_hardware("ideal")
    T = 300
    inh = wl.network.population_names.index("inh")

    def inh_spikes(h):
        r = ns.simulate(wl, h, ns.map_workload(wl, h, "sequential"), ticks=T)
        return int(np.count_nonzero(wl.network.population_of[r.spikes["neuron"]] == inh))

    on_ideal, on_chip = inh_spikes(ideal), inh_spikes(hw)
    assert on_ideal > 0 and abs(on_chip - on_ideal) <= 0.25 * on_ideal
    with pytest.warns(WeightRangeWarning, match="exc -> inh"):
        assert inh_spikes(ns.load_hardware("espine_pcm", overrides={"neuron.input_gain": "none"})) == 0
