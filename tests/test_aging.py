"""Aging: extrapolated wear-out and read-disturb drift, refresh, and the aged rerun."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.metrics.aging import age_chip, aging_study, default_ages


@pytest.fixture(scope="module")
def digits(traces_dir):
    return ns.load_workload(traces_dir / "digits")


@pytest.fixture(scope="module")
def rram(digits):
    hw = ns.load_hardware("rram_inference")
    m = ns.map_workload(digits, hw, "sequential")
    res = ns.simulate(digits, hw, m, ticks=120)
    return hw, m, res, ns.evaluate(res, hw, m, workload=digits)


def test_new_chip_is_unchanged(digits, rram):
    hw, m, res, ev = rram
    aged = age_chip(ev, digits, hw, m, age_inferences=0)
    assert aged.worn_cells == 0 and aged.drifted_cells == 0 and aged.changed_synapses == 0
    # the aged run of a new chip reproduces the original run (levels pre-quantised, grid off)
    res0 = ns.simulate(aged.workload, aged.hw, m, ticks=120)
    assert np.array_equal(res0.spikes, res.spikes)


def test_drift_grows_with_age_and_refresh_bounds_it(digits, rram):
    hw, m, res, ev = rram
    life = ev.lifetime["read"]["chip"]["inferences"]
    half = age_chip(ev, digits, hw, m, age_inferences=0.5 * life)
    late = age_chip(ev, digits, hw, m, age_inferences=20 * life)
    assert 0 < half.drifted_cells <= late.drifted_cells
    assert late.mean_abs_weight_change > 0
    w0 = np.asarray(digits.network.weight)
    w_late = np.asarray(late.workload.network.weight)
    # read disturb lowers every read cell's conductance, G+ and G- alike (high levels first, since the
    # onset time grows as the level falls), so a differential weight can move either way
    assert np.all(np.isfinite(w_late)) and not np.array_equal(w0, w_late)
    assert late.refresh_writes == 0                       # policy none
    hw_r = ns.load_hardware("rram_inference", overrides={"refresh.policy": "reprogram"})
    ev_r = ns.evaluate(res, hw_r, m, workload=digits)
    late_r = age_chip(ev_r, digits, hw_r, m, age_inferences=20 * life)
    assert late_r.refresh_writes > 0
    # without refresh cells drift past the tolerance; with refresh no cell ever does
    tol = hw.device.read_disturb.drift_tolerance_rel
    assert half.out_of_tolerance_cells == 0 and half.max_rel_drift <= tol
    assert late.out_of_tolerance_cells > 0 and late.max_rel_drift > tol
    assert late_r.out_of_tolerance_cells == 0 and 0 < late_r.max_rel_drift <= tol * (1 + 1e-9)


def test_wearout_makes_cells_stuck(traces_dir):
    wl = ns.load_workload(traces_dir / "diehl_cook")
    hw = ns.load_hardware("espine_pcm")
    m = ns.map_workload(wl, hw, "espine")
    res = ns.simulate(wl, hw, m, ticks=180)
    ev = ns.evaluate(res, hw, m, workload=wl, maps=False)
    life = ev.lifetime["write"]["chip"]["inferences"]
    assert np.isfinite(life)
    before = age_chip(ev, wl, hw, m, age_inferences=0.99 * life)
    at = age_chip(ev, wl, hw, m, age_inferences=1.0001 * life)
    assert before.worn_cells == 0 and at.worn_cells >= 1
    much = age_chip(ev, wl, hw, m, age_inferences=50 * life)
    assert much.worn_cells > at.worn_cells
    # synapses on worn cells stop learning (a stuck cell takes no writes)
    assert np.count_nonzero(much.workload.network.plastic) < np.count_nonzero(wl.network.plastic)
    assert much.hw is hw                                  # learning chip keeps its level grid


def test_aging_study_rows_and_first_reprogram(digits, rram):
    hw, m, res, ev = rram
    out = aging_study(ev, digits, hw, m, ages_s=[0.0, 1e5, 1e8], ticks=120)
    assert [r["age_s"] for r in out["ages"]] == [0.0, 1e5, 1e8]
    assert out["ages"][0]["accuracy"] == ev.accuracy["accuracy"]
    assert out["ages"][-1]["drifted_cells"] >= out["ages"][1]["drifted_cells"]
    assert out["time_to_first_reprogram_s"] == pytest.approx(ev.lifetime["read"]["chip"]["seconds"])
    assert out["policy"] == "none" and out["chip_ages"]
    with pytest.raises(ValueError):
        aging_study(ev, digits, hw, m, ages_s=[-1.0])


def test_a_chip_without_wear_does_not_age(digits):
    hw = ns.load_hardware("ideal")
    m = ns.map_workload(digits, hw, "sequential")
    res = ns.simulate(digits, hw, m, ticks=80)
    ev = ns.evaluate(res, hw, m, workload=digits)
    out = aging_study(ev, digits, hw, m, ticks=80)
    assert not out["chip_ages"] and all(not r["simulated"] for r in out["ages"])
    assert {r["accuracy"] for r in out["ages"]} == {ev.accuracy["accuracy"]}
    assert default_ages(float("inf"), 1e-3)[0] == 0.0
