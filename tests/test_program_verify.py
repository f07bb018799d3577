"""Program-and-verify learning writes (learning.write_scheme, neurosim/devices/program_verify.py):
each iteration is a pulse and a read-back; with cycle-to-cycle noise σ a pulse verifies with
probability p = erf(t / (σ√2)), so a write takes 1/p pulses on average; the engine and the SimPy
reference draw the same numbers."""
import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.devices.program_verify import verify_iterations, verify_params
from neurosim.reference import random_mapping

from test_reference_equivalence import CHIPS, PCM_SMALL, make_chip, make_workload, run_both


def pcm(c2c, scheme="program_verify", **over):
    return make_chip("espine_pcm", {"noc__mesh_width": 2, "noc__mesh_height": 2, "crossbar__ir_drop_method": "none",
                                    "device__variation__c2c_sigma_rel": c2c, "learning__write_scheme": scheme,
                                    "device__write_endurance__endurance_ref_cycles": 1e12, **over})


def expected_pulses(hw):
    d = hw.device
    sigma = d.variation.c2c_sigma_rel * d.g_max_s
    tol = 0.5 * (d.g_max_s - d.g_min_s) / (d.levels - 1)
    return 1.0 / math.erf(tol / (sigma * math.sqrt(2.0)))      # the geometric mean 1/p, from the definition


def test_the_draws_are_geometric_with_mean_one_over_p():
    hw = pcm(0.03)
    verify, log1mp, vmax = verify_params(hw)
    draws = np.array([verify_iterations(12345, c, w, log1mp, 1000)[0] for c in range(400) for w in range(50)])
    p = 1.0 / expected_pulses(hw)
    assert draws.min() == 1
    assert abs(draws.mean() - 1 / p) < 4 * math.sqrt((1 - p) / p ** 2 / draws.size)
    # P(n = 1) = p
    assert abs(np.mean(draws == 1) - p) < 4 * math.sqrt(p * (1 - p) / draws.size)


def test_a_run_pays_one_over_p_pulses_per_write():
    rng = np.random.default_rng(3)
    wl = make_workload(rng, 8, 10, 300, True, 1)
    noisy, single = pcm(0.03), pcm(0.03, "single_pulse")
    m = ns.map_workload(wl, noisy, "sequential")
    a, b = ns.simulate(wl, noisy, m), ns.simulate(wl, single, m)
    assert np.array_equal(a.spikes["neuron"], b.spikes["neuron"])       # the same learning, more pulses
    writes = b.counts["write_pulses"]
    assert writes > 500 and a.counts["failed_cells"] == 0
    ratio = a.counts["write_pulses"] / writes
    assert abs(ratio - expected_pulses(noisy)) < 0.05
    assert a.counts["verify_reads"] == a.counts["write_pulses"] and b.counts["verify_reads"] == 0
    wear = lambda r: sum(int(x.writes.sum()) for x in r.crossbars)  # noqa: E731
    assert wear(a) == a.counts["write_pulses"] and wear(b) == writes


def test_without_noise_one_pulse_per_write_and_a_read_back():
    rng = np.random.default_rng(4)
    wl = make_workload(rng, 8, 10, 150, True, 1)
    hw, hw1 = pcm(0.0), pcm(0.0, "single_pulse")
    m = ns.map_workload(wl, hw, "sequential")
    a, b = ns.simulate(wl, hw, m), ns.simulate(wl, hw1, m)
    assert a.counts["write_pulses"] == b.counts["write_pulses"] == a.counts["verify_reads"] > 0
    per = hw.peripherals
    assert a.energy_pj["write"] - b.energy_pj["write"] == pytest.approx(
        a.counts["verify_reads"] * (per.row_driver_energy_pj + per.sense_energy_per_column_pj))


def test_writes_that_do_not_verify_are_counted():
    rng = np.random.default_rng(5)
    wl = make_workload(rng, 8, 10, 150, True, 1)
    hw = pcm(0.02, device__levels=None, learning__verify_tolerance_rel=0.001, learning__verify_max_iterations=4)
    res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"))
    assert res.counts["verify_gave_up"] > 0
    assert res.counts["write_pulses"] <= 4 * res.counts["verify_reads"]


@pytest.mark.parametrize("chip,d", [("pcm", PCM_SMALL), ("pcm_accumulate", PCM_SMALL),
                                    ("pcm_verify", {**PCM_SMALL, "period": 800})])
def test_engine_and_reference_draw_the_same_pulses(chip, d):
    rng = np.random.default_rng(31)
    base = CHIPS[chip](d)
    hw = base.model_copy(update={"device": base.device.model_copy(update={"variation": base.device.variation.model_copy(
        update={"c2c_sigma_rel": 0.02})})})
    wl = make_workload(rng, 6, 8, 60, True, 1)
    m = random_mapping(wl, hw, rng)
    res = run_both(wl, hw, m)
    assert res.counts["write_pulses"] > res.counts["verify_gave_up"] >= 0 and res.counts["verify_reads"] > 0
