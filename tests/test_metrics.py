"""Metrics: plain-array definitions, and evaluate() on real runs checked against direct computations."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.metrics import (absolute_lifetime, cell_lifetime, compare_to_ideal, energy_report, histogram_stats,
                              inferences_in_run, isi_distortion, match_spikes, min_lifetime, ratio, spike_disorder)
from neurosim.metrics.lifetime import SECONDS_PER_YEAR


def spikes(rows):
    a = np.zeros(len(rows), dtype=[("tick", np.int32), ("neuron", np.int32), ("cycle", np.int64)])
    for i, r in enumerate(rows):
        a[i] = r
    return a


# ---------------------------------------------------------------- plain arrays
def test_cell_and_min_lifetime():
    E = np.array([[1e6, 2e6], [np.inf, 5e5]])
    u = np.array([[10.0, 0.0], [3.0, 1.0]])
    L = cell_lifetime(E, u)
    assert L.tolist() == [[1e5, np.inf], [np.inf, 5e5]]
    assert min_lifetime(L) == (1e5, (0, 0))
    assert min_lifetime(L, mask=np.array([[False, True], [True, True]])) == (5e5, (1, 1))
    assert min_lifetime(np.full((2, 2), np.inf)) == (float("inf"), None)
    with pytest.raises(ValueError):
        cell_lifetime(E, -u)


def test_absolute_lifetime_units():
    a = absolute_lifetime(1000.0, inferences_per_s=25.0, ticks_per_inference=40.0, clock_hz=1e9)
    assert a["seconds"] == 40.0 and a["ticks"] == 40000.0 and a["clock_cycles"] == 4e10
    assert a["years"] == pytest.approx(40.0 / SECONDS_PER_YEAR)
    assert absolute_lifetime(float("inf"), inferences_per_s=1, ticks_per_inference=1, clock_hz=1)["years"] == float("inf")


def test_ratio_of_possibly_unbounded_lifetimes():
    assert ratio(2.0, 4.0) == 0.5
    assert ratio(float("inf"), float("inf")) is None
    assert ratio(3.0, float("inf")) == 0.0
    assert ratio(float("inf"), 3.0) == float("inf")


def test_isi_distortion_and_disorder_definitions():
    # neuron 0: generated at 10, 20, 30; received at 10, 25, 31 -> distortions +5, -4
    assert isi_distortion([0, 0, 0], [10, 25, 31], [10, 20, 30]).tolist() == [5, -4]
    # order of arrival 1,2,3,4 with generation times 10,30,20,40: the third spike is out of order
    assert spike_disorder([1, 2, 3, 4], [10, 30, 20, 40]) == 1
    assert spike_disorder([1, 2, 3], [1, 2, 3]) == 0
    i, j = match_spikes([5, 6, 7], [1, 1, 2], [7, 5], [2, 1])
    assert sorted(zip(i.tolist(), j.tolist())) == [(0, 1), (2, 0)]


def test_compare_to_ideal_counts_missing_extra_and_distortion():
    ideal = spikes([(0, 1, 100), (1, 1, 1100), (2, 1, 2100), (1, 2, 1050)])
    chip = spikes([(0, 1, 100), (1, 1, 1130), (2, 1, 2100), (3, 2, 3000)])
    out = compare_to_ideal(chip, 1e9, ideal, 1e9)
    assert out["matched_spikes"] == 3 and out["missing_spikes"] == 1 and out["extra_spikes"] == 1
    assert out["isi_distortion_cycles"]["max"] == 30 and out["isi_distortion_cycles"]["min"] == -30
    assert out["precision"] == 0.75 and out["recall"] == 0.75
    # a slower clock on the ideal chip is converted to this chip's cycles
    slow = spikes([(0, 1, 50), (1, 1, 550), (2, 1, 1050)])
    out = compare_to_ideal(chip[:3], 1e9, slow, 5e8)
    assert out["isi_distortion_cycles"]["max"] == 30


def test_histogram_stats_and_energy_report():
    h = np.zeros(10, np.int64)
    h[[2, 3, 9]] = [50, 49, 1]
    s = histogram_stats(h)
    assert s["count"] == 100 and s["min"] == 2 and s["max"] == 9 and s["p50"] == 2 and s["p99"] == 3
    assert s["mean"] == pytest.approx((2 * 50 + 3 * 49 + 9) / 100)
    e = energy_report({"row_read": 60.0, "noc_hop": 40.0, "total": 100.0}, inferences=4, run_seconds=2.0,
                      counts={"synaptic_events": 10, "spikes_out": 5})
    assert e["per_inference_pj"] == {"row_read": 15.0, "noc_hop": 10.0, "total": 25.0}
    assert e["power_w"]["total"] == pytest.approx(50e-12)
    assert e["fraction"]["row_read"] == 0.6 and e["per_synaptic_event_pj"] == 10.0


def test_inferences_in_run(traces_dir):
    wl = ns.load_workload(traces_dir / "digits")
    assert inferences_in_run(wl, 400) == (10.0, 40.0, "sample")
    assert inferences_in_run(None, 123) == (1.0, 123.0, "run")


# ---------------------------------------------------------------- real runs
@pytest.fixture(scope="module")
def digits(traces_dir):
    return ns.load_workload(traces_dir / "digits")


@pytest.fixture(scope="module")
def ideal_run(digits):
    hw = ns.load_hardware("ideal")
    return ns.simulate(digits, hw, ns.map_workload(digits, hw, "sequential"), ticks=120)


def test_ideal_chip_against_itself_is_perfect(digits, ideal_run):
    hw = ns.load_hardware("ideal")
    m = ns.map_workload(digits, hw, "sequential")
    ev = ns.evaluate(ideal_run, hw, m, ideal=ideal_run, workload=digits, baseline=(ideal_run, m))
    assert ev.timing["recall"] == 1.0 and ev.timing["spike_disorder"] == 0
    assert ev.timing["isi_distortion_cycles"]["max"] == 0
    assert ev.lifetime["write"]["chip"]["inferences"] == float("inf")
    assert ev.lifetime["write"]["relative_to_baseline"] is None        # both unbounded
    assert ev.accuracy["samples"] == 3 and ev.accuracy["ideal_accuracy"] == ev.accuracy["accuracy"]
    assert ev.run["inferences"] == 3.0
    assert ev.energy["per_inference_pj"]["total"] == pytest.approx(ideal_run.energy_pj["total"] / 3.0)
    flat = ev.flat()
    assert all(isinstance(v, (int, float, str, type(None))) for v in flat.values())


def test_read_lifetime_matches_a_direct_computation(digits, ideal_run):
    """Chip inference lifetime = min over synapse cells of N_RD / reads per inference, N_RD from the
    device model at the cell read voltages of the final conductances (computed here independently)."""
    from neurosim.crossbar.physics import physics_for
    from neurosim.devices import device_params, read_endurance_map

    hw = ns.load_hardware("rram_inference")
    m = ns.map_workload(digits, hw, "sequential")
    res = ns.simulate(digits, hw, m, ticks=120)
    ev = ns.evaluate(res, hw, m, workload=digits, ideal=ideal_run, baseline=(res, m))
    g_unused = device_params(hw).g_unused
    best = np.inf
    for rec in res.crossbars:
        G = np.full(rec.shape, g_unused)
        G[: rec.conductance.shape[0], rec.physical_columns] = rec.conductance
        V = physics_for(hw, G).read_cell_voltage()
        W = np.zeros(rec.shape)
        W[: rec.writes.shape[0], rec.physical_columns] = rec.writes
        N = read_endurance_map(hw, G, V, prior_cycles=W)[: rec.conductance.shape[0]][:, rec.physical_columns]
        sel = m.synapse_crossbar == rec.crossbar
        r, c = m.synapse_row[sel], m.synapse_column[sel]
        col_of = {int(p): b for b, p in enumerate(rec.physical_columns)}
        for pc in (2 * c, 2 * c + 1):                       # differential pairs
            b = np.array([col_of[int(x)] for x in pc])
            with np.errstate(divide="ignore"):
                life = N[r, b] / (rec.row_reads[r] / 3.0)
            best = min(best, float(life.min()))
    assert ev.lifetime["read"]["chip"]["inferences"] == pytest.approx(best, rel=1e-9)
    assert ev.lifetime["read"]["relative_to_baseline"] == pytest.approx(1.0)
    assert np.isfinite(best) and ev.lifetime["read"]["limiting_crossbar"] in [r.crossbar for r in res.crossbars]
    secs = ev.lifetime["read"]["chip"]["seconds"]
    assert secs == pytest.approx(best / ev.run["inferences_per_s"])
    assert ev.lifetime["write"]["chip"]["inferences"] == float("inf")   # no learning: no writes


def test_write_lifetime_with_on_chip_learning(traces_dir):
    """PCM with STDP: chip write lifetime = min over written cells of endurance / writes per inference."""
    wl = ns.load_workload(traces_dir / "diehl_cook")
    hw = ns.load_hardware("espine_pcm")
    m = ns.map_workload(wl, hw, "espine")
    res = ns.simulate(wl, hw, m, ticks=300)
    from neurosim.metrics.writerate import WriteRateWarning
    with pytest.warns(WriteRateWarning, match="5 complete windows"):
        ev = ns.evaluate(res, hw, m, workload=wl)
    inferences = ev.run["inferences"]
    assert inferences == pytest.approx(300 / 60)
    direct = min(float(np.min(rec.endurance[rec.writes > 0] / (rec.writes[rec.writes > 0] / inferences)))
                 for rec in res.crossbars if np.any(rec.writes > 0))
    assert ev.lifetime["write"]["chip"]["inferences"] == pytest.approx(direct)
    # 5 samples are too few to see the write rate change: the run average, said so (tests/test_writerate.py)
    assert ev.lifetime["write"]["rate"]["method"] == "run_average" and not ev.lifetime["write"]["rate"]["steady"]
    assert ev.lifetime["write"]["run_average"]["chip"]["inferences"] == pytest.approx(direct)
    assert ev.accuracy is None            # unsupervised readout: no fixed accuracy rule
    per_xbar = [r["write_lifetime_inferences"] for r in ev.crossbar_table]
    assert min(per_xbar) == pytest.approx(direct)
