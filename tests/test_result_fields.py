"""A result field is defined once (neurosim.metrics.fields) and appears in every output: a
field added there shows up in results.json, summary.csv and report.html of `neurosim run`, in
sweep points, the sweep report's points.csv and HTML, and in study points."""
import csv
import json
import textwrap

import pytest

from neurosim.metrics import fields as F
from neurosim.report import run_study, write_outputs
from neurosim.studies.points import study_point
from neurosim.sweep import run_sweep
from neurosim.sweep.study import run_point
from neurosim.sweep.report import write_sweep_report


@pytest.fixture
def probe():
    """One new evaluation field, added the way the recipe in docs/architecture.md says."""
    f = F.Field("probe_energy_pj", "pJ", "a field added by the test", lambda ev: 2.0 * ev.run["ticks"])
    F.EVALUATION_FIELDS.append(f)
    yield f
    F.EVALUATION_FIELDS.remove(f)


def test_a_new_field_reaches_run_outputs(tmp_path, traces_dir, probe):
    st = run_study("loihi_like", str(traces_dir / "smoothing"), strategy="sequential", ticks=30, ideal=False,
                   aging=False, progress=False)
    out = write_outputs(st, tmp_path / "run")
    doc = json.loads((out / "results.json").read_text())
    assert doc["summary"]["probe_energy_pj"] == 60.0
    with (out / "summary.csv").open() as fh:
        rows = {r["field"]: r for r in csv.DictReader(fh)}
    assert rows["probe_energy_pj"]["value"] == "60.0" and rows["probe_energy_pj"]["unit"] == "pJ"
    assert rows["write_lifetime_years"]["unit"] == "years"       # the shipped fields carry their units too
    html = (out / "report.html").read_text()
    assert "probe_energy_pj" in html and "a field added by the test" in html


def test_a_new_field_reaches_sweep_and_study_points(tmp_path, traces_dir, probe):
    p = {"hwconfig": "loihi_like", "workload": str(traces_dir / "smoothing"), "strategy": "sequential", "seed": 0,
         "ticks": 30}
    assert run_point(p)["probe_energy_pj"] == 60.0
    assert study_point(p)["probe_energy_pj"] == 60.0
    spec = tmp_path / "s.yaml"
    spec.write_text(textwrap.dedent(f"""
        name: probe
        hwconfig: loihi_like
        workloads: [{traces_dir / 'smoothing'}]
        strategies: [sequential]
        seeds: [0]
        ticks: 30
        grid:
          crossbar.read_voltage_v: [0.2, 0.25]
    """).lstrip())
    run_sweep(spec, tmp_path / "s.db", workers=1, progress=False)
    out = write_sweep_report(tmp_path / "s.db", tmp_path / "rep")
    with (out / "points.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["probe_energy_pj"]) for r in rows] == [60.0, 60.0]
    assert "probe_energy_pj" in (out / "report.html").read_text()


def test_every_field_is_documented_with_a_unit_and_meaning():
    keys = [k for k, _, _ in F.all_fields()]
    assert len(keys) == len(set(keys))
    for key, unit, doc in F.all_fields():
        assert doc, key
    text = open("docs/results_format.md", encoding="utf-8").read()
    assert F.markdown_table() in text, "docs/results_format.md is stale: run python scripts/gen_fields_docs.py"
    assert F.describe("aging.7.accuracy") == F.describe("aging.0.accuracy") != ("", "")
