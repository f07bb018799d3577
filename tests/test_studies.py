"""``neurosim study espine`` and ``neurosim study read-endurance`` in their reduced form (--quick), as a
user runs them (a subprocess), and the qualitative results the studies exist to show:

* eSpine (espine_pcm, every workload made plastic): ``espine`` outlives ``spinemap`` on every workload;
* read disturb (rram_inference): ``read-aware`` outlives ``spinemap`` on every workload, and the
  inference lifetime falls as the read voltage and the temperature rise;
* energy and latency overheads are reported for every mapping; the study resumes from its store
  and never overwrites an output folder without --force.

Plus unit tests of :func:`neurosim.studies.make_plastic`.
"""
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}


def neurosim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neurosim", *args], capture_output=True, text=True, cwd=cwd, env=ENV)


# --------------------------------------------------------------------------------- make_plastic
def test_make_plastic_marks_projections_into_non_input_populations(traces_dir):
    import neurosim as ns
    from neurosim.studies import make_plastic, plastic_projections

    wl = ns.load_workload(traces_dir / "edge_detection")
    pw = make_plastic(wl)
    net, new = wl.network, pw.network
    assert net.n_plastic == 0 and new.n_plastic == new.n_synapses == net.n_synapses
    # weights, delays, inputs, samples untouched
    assert np.array_equal(net.weight, new.weight) and np.array_equal(net.delay, new.delay)
    assert np.array_equal(wl.input_ticks, pw.input_ticks) and pw.n_ticks == wl.n_ticks
    rules = new.stdp_rule_objects()
    for proj in plastic_projections(net):
        pop = np.asarray(new.population_of)
        sel = (pop[new.pre] == net.population_names.index(proj["pre"])) & \
              (pop[new.post] == net.population_names.index(proj["post"]))
        ids = np.unique(new.stdp_rule[sel])
        assert ids.size == 1
        r = rules[int(ids[0])]
        assert r.w_min == pytest.approx(min(0.0, proj["w_min"])) and r.w_max == pytest.approx(max(0.0, proj["w_max"]))
        assert r.a_plus == pytest.approx(0.01 * (r.w_max - r.w_min)) and r.a_minus == pytest.approx(1.2 * r.a_plus)
        assert r.tau_plus == r.tau_minus == 20.0
        assert np.all(new.weight[sel] >= r.w_min) and np.all(new.weight[sel] <= r.w_max)
    assert pw.metadata["plastic_transform"]["applied"] is True
    assert pw.content_hash() != wl.content_hash()


def test_make_plastic_keeps_learning_workloads_and_selects_populations(traces_dir):
    import neurosim as ns
    from neurosim.studies import make_plastic

    dc = ns.load_workload(traces_dir / "diehl_cook")
    same = make_plastic(dc)
    assert same.content_hash() == dc.content_hash()
    assert same.metadata["plastic_transform"]["applied"] is False
    wl = ns.load_workload(traces_dir / "synth_layered")
    only = make_plastic(wl, populations=["layer2"], eta=0.05)
    pop = np.asarray(only.network.population_of)
    into_l2 = pop[only.network.post] == only.network.population_names.index("layer2")
    assert np.all(only.network.plastic == into_l2)
    assert only.network.stdp_rule_objects()[0].a_plus == pytest.approx(0.05 * (0.3984375 - (-0.33984375)), rel=0.2)
    with pytest.raises(ValueError, match="unknown population"):
        make_plastic(wl, populations=["nope"])
    with pytest.raises(ValueError, match="unknown rule"):
        make_plastic(wl, rule="triplet")


def test_plastic_workload_wears_pcm_cells(traces_dir):
    import neurosim as ns
    from neurosim.studies import make_plastic

    hw = ns.load_hardware("espine_pcm")
    wl = make_plastic(ns.load_workload(traces_dir / "smoothing"))
    m = ns.map_workload(wl, hw, "spinemap", seed=0)
    res = ns.simulate(wl, hw, m, ticks=100, seed=0)
    assert res.counts["write_pulses"] > 0
    ev = ns.evaluate(res, hw, m, workload=wl, maps=False)
    assert math.isfinite(ev.write_lifetime_inferences)


# ------------------------------------------------------------------------------- the studies
def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _check_common(out: Path, doc: dict, improved: str, baseline: str):
    assert doc["schema"] == "neurosim-study" and doc["schema_version"] == 1 and doc["quick"] is True
    for name in ("results.json", "lifetime.csv", "averages.csv", "report.html", "figures/lifetime_normalised.png",
                 "figures/overheads.png"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") >= 4
    # every point's flat result fields (neurosim.metrics.fields), as in sweep reports
    from neurosim.metrics.fields import EVALUATION_FIELDS
    with (out / "points.csv").open() as fh:
        prow = list(csv.DictReader(fh))
    assert len(prow) == len(doc["points"])
    always = [f.key for f in EVALUATION_FIELDS if f.when is None]
    assert set(always) <= set(prow[0]) and "counts.row_reads" in prow[0]
    assert "All result fields" in html and all(f"<code>{k}</code>" in html for k in always)
    main = doc["tables"]["main"]
    assert main
    for r in main:
        if r["strategy"] == baseline:
            continue
        # overheads are reported for every mapping that fits
        if r["fits"]:
            assert r["energy_overhead"] is not None and r["latency_overhead"] is not None, r
            assert r["energy_per_inference_pj"] > 0
    for r in main:
        if r["strategy"] == improved:
            assert r["fits"] and r["lifetime_norm"] is not None, r
            assert r["lifetime_norm"] > 1.0, f"{improved} does not outlive {baseline} on {r['workload']}: {r}"
    a = doc["averages"][improved]
    assert a["lifetime_norm_geometric_mean"] > 1.0 and a["lifetime_norm_arithmetic_mean"] > 1.0
    rows = _rows(out / "lifetime.csv")
    assert {"energy_overhead", "latency_overhead", "lifetime_norm"} <= set(rows[0])


def test_study_espine_quick(tmp_path):
    out, store = tmp_path / "espine", tmp_path / "store.db"
    r = neurosim("study", "espine", "--quick", "--out", str(out), "--store", str(store), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    doc = json.loads((out / "results.json").read_text())
    _check_common(out, doc, "espine", "spinemap")
    assert doc["plan"]["hwconfig"] == "espine_pcm"
    # three seeds per (workload, mapping): the quick form checks the seed-averaged ratios
    for r_ in doc["tables"]["main"]:
        assert r_["seeds"] == [0, 1, 2], r_
        if r_["fits"] and r_["strategy"] == "espine":
            assert len(r_["lifetime_norm_per_seed"]) == 3
    for r_ in doc["tables"]["main"]:
        if r_["fits"]:
            assert r_["write_pulses"] > 0, r_          # every workload learns on chip
    assert (out / "figures" / "maps_diehl_cook.png").is_file()
    for part in ("crossbar_size", "wire_resistance"):
        assert (out / f"sensitivity_{part}.csv").is_file() and (out / "figures" / f"sensitivity_{part}.png").is_file()
        assert len(doc["tables"][part]) >= 4
    # resumable: a second run finds every point in the store (nothing recomputed) and writes a new folder
    from neurosim.sweep.store import ResultStore
    with ResultStore(store) as st:
        n = st.count()
    r2 = neurosim("study", "espine", "--quick", "--store", str(store), cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert (tmp_path / "neurosim-study-espine-001" / "report.html").is_file()
    with ResultStore(store) as st:
        assert st.count() == n
    doc2 = json.loads((tmp_path / "neurosim-study-espine-001" / "results.json").read_text())
    assert [p["result"] for p in doc2["points"]] == [p["result"] for p in doc["points"]]
    # never overwrite
    r3 = neurosim("study", "espine", "--quick", "--out", str(out), "--store", str(store), cwd=tmp_path)
    assert r3.returncode == 2 and "not empty" in r3.stderr and "Traceback" not in r3.stderr


def test_study_read_endurance_quick(tmp_path):
    out = tmp_path / "read"
    r = neurosim("study", "read-endurance", "--quick", "--out", str(out), "--store", str(tmp_path / "s.db"),
                 "--workers", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    _check_common(out, doc, "read-aware", "spinemap")
    assert doc["plan"]["hwconfig"] == "rram_inference"
    for part in ("read_voltage", "temperature"):
        rows = doc["tables"][part]
        for (w, s) in {(r_["workload"], r_["strategy"]) for r_ in rows}:
            sel = sorted((r_ for r_ in rows if r_["workload"] == w and r_["strategy"] == s), key=lambda r_: r_["x"])
            life = [r_["lifetime_inferences"] for r_ in sel]
            assert len(life) >= 3
            assert all(a > b for a, b in zip(life, life[1:])), f"{part}: lifetime does not fall for {w}/{s}: {life}"
    # accuracy against age, with and without refresh
    ag = doc["tables"]["aging"]
    labels = {r_["label"] for r_ in ag}
    assert any("no refresh" in lab for lab in labels) and any(lab.startswith("refresh") for lab in labels)
    for r_ in ag:
        assert len(r_["ages"]) >= 3 and all(a["accuracy"] is not None for a in r_["ages"])
    assert (out / "aging.csv").is_file() and (out / "figures" / "aging.png").is_file()


def test_study_cli_errors(tmp_path):
    r = neurosim("study", "nope", cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep me")
    r = neurosim("study", "espine", "--quick", "--out", str(tmp_path / "full"), cwd=tmp_path)
    assert r.returncode == 2 and "not empty" in r.stderr
    assert (tmp_path / "full" / "x").read_text() == "keep me"


def test_seeds_are_averaged_geometrically_and_their_spread_kept():
    from neurosim.studies.core import _over_seeds, plan_seeds
    rows = []
    for seed, life, energy in [(0, 100.0, 2.0), (1, 400.0, 4.0)]:
        rows.append({"part": "main", "workload": "w", "variant": None, "strategy": "a", "seed": seed, "fits": True,
                     "lifetime_inferences": life, "lifetime_years": life / 10, "energy_per_inference_pj": energy,
                     "spikes": 10 * seed})
    (row,) = _over_seeds(rows)
    assert row["seeds"] == [0, 1]
    assert row["lifetime_inferences"] == pytest.approx(200.0)      # sqrt(100 * 400)
    assert row["lifetime_years"] == pytest.approx(20.0)
    assert row["energy_per_inference_pj"] == pytest.approx(3.0)     # energies: arithmetic mean
    assert row["lifetime_inferences_per_seed"] == [100.0, 400.0]
    assert (row["lifetime_inferences_min"], row["lifetime_inferences_max"]) == (100.0, 400.0)
    # one seed: the row's own numbers, unchanged
    (one,) = _over_seeds(rows[:1])
    assert one["lifetime_inferences"] == 100.0 and one["energy_per_inference_pj"] == 2.0
    # a group fits only if every seed fits
    bad = dict(rows[1], fits=False, note="too large for chip")
    (part,) = _over_seeds([rows[0], bad])
    assert part["fits"] is False and "too large" in part["note"]
    assert plan_seeds({"seed": 3}) == [3] and plan_seeds({"seeds": [0, 1, 2]}) == [0, 1, 2]
    with pytest.raises(ValueError, match="distinct"):
        plan_seeds({"name": "x", "seeds": [1, 1]})
