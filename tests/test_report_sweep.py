"""Sweep study and report: run_point's flat metrics, `neurosim sweep` + `neurosim report` end to end,
Pareto fronts, the shipped example sweeps, and clear errors."""
import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neurosim.sweep import load_spec
from neurosim.sweep.report import pareto_mask
from neurosim.sweep.study import run_point

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}


def neurosim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neurosim", *args], capture_output=True, text=True, cwd=cwd, env=ENV)


def test_run_point_returns_flat_metrics(traces_dir):
    out = run_point({"hwconfig": "rram_inference", "overrides": {"crossbar.read_voltage_v": 0.25},
                     "workload": str(traces_dir / "digits"), "strategy": "sequential", "seed": 0, "ticks": 80,
                     "options": {"ideal": True, "ages_s": [0.0, 1e6]}})
    timing = out.pop("_timing")
    # the run layer's stages (neurosim.experiment.stages) with the options this point asked for
    assert set(timing) == {"load_s", "map_s", "simulate_s", "ideal_s", "evaluate_s", "aging_s", "total_s"}
    assert all(isinstance(v, (int, float, str, bool, type(None))) for v in out.values())
    assert out["hw.read_voltage_v"] == 0.25 and out["hw.crossbar_rows"] == 128
    assert out["inferences"] == 2.0 and np.isfinite(out["read_lifetime_inferences"])
    assert out["write_lifetime_inferences"] == float("inf")
    assert out["lifetime_inferences"] == out["read_lifetime_inferences"]
    assert "spike_disorder" in out and "aging.1.accuracy" in out and out["aging.0.age_s"] == 0.0
    with pytest.raises(ValueError, match="unknown key"):
        run_point({"hwconfig": "ideal", "overrides": {}, "workload": str(traces_dir / "digits"),
                   "strategy": "sequential", "seed": 0, "ticks": 40, "options": {"idael": True}})


def test_pareto_mask():
    v = np.array([[10.0, 5.0, 1.0], [10.0, 5.0, 2.0], [np.inf, 9.0, 9.0], [1.0, 1.0, 1.0], [np.nan, 0.0, 0.0]])
    assert pareto_mask(v, [True, False, False]).tolist() == [True, False, True, True, False]


def test_sweep_then_report_end_to_end(tmp_path, traces_dir):
    spec = tmp_path / "rv.yaml"
    spec.write_text(textwrap.dedent(f"""
        name: rv_small
        hwconfig: rram_inference
        workloads: [{traces_dir / 'digits'}]
        strategies: [sequential, read-aware]
        baseline: sequential
        seeds: [0, 1]
        ticks: 80
        grid:
          crossbar.read_voltage_v: [0.25, 0.3]
    """).lstrip())
    r = neurosim("sweep", str(spec), "--db", str(tmp_path / "rv.db"))
    assert r.returncode == 0, r.stderr
    assert "8 computed, 0 failed" in r.stdout
    r = neurosim("report", str(tmp_path / "rv.db"))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "rv_report"
    with (out / "points.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8
    assert {row["strategy"] for row in rows} == {"sequential", "read-aware"}
    for row in rows:
        if row["strategy"] == "sequential":
            assert float(row["lifetime_rel_baseline"]) == pytest.approx(1.0)
    # lifetime falls steeply with read voltage (read disturb)
    life = {(row["strategy"], float(row["crossbar.read_voltage_v"]), row["seed"]): float(row["lifetime_years"]) for row in rows}
    assert all(life[(s, 0.25, seed)] > 10 * life[(s, 0.3, seed)] for s, _, seed in life)
    assert (out / "rv_small_pareto.csv").is_file() and (out / "rv_small_lifetime_by_crossbar_read_voltage_v.csv").is_file()
    pngs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert len(pngs) == 5 and all((out / "figures" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert len(re.findall(r'<img[^>]*src="data:image/png;base64,', html)) == 5
    assert "Pareto" in html and "read voltage (V)" in html
    # never overwritten without --force
    r = neurosim("report", str(tmp_path / "rv.db"))
    assert r.returncode == 2 and "--force" in r.stderr and "Traceback" not in r.stderr
    assert neurosim("report", str(tmp_path / "rv.db"), "--force").returncode == 0


def test_report_errors_are_clear(tmp_path):
    r = neurosim("report", str(tmp_path / "missing.db"))
    assert r.returncode == 2 and "no such result store" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite at all " * 100)
    r = neurosim("report", str(bad))
    assert r.returncode == 2 and "not a neurosim sweep store" in r.stderr and "Traceback" not in r.stderr


def test_report_refuses_points_of_other_functions(tmp_path, traces_dir):
    spec = tmp_path / "cap.yaml"
    spec.write_text(textwrap.dedent(f"""
        name: cap
        hwconfig: ideal
        workloads: [{traces_dir / 'digits'}]
        function: neurosim.sweep.points:capacity_point
    """).lstrip())
    assert neurosim("sweep", str(spec)).returncode == 0
    r = neurosim("report", str(tmp_path / "cap.db"))
    assert r.returncode == 2 and "run_point" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("spec", sorted((ROOT / "sweeps").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_sweeps_are_valid(spec):
    s, points = load_spec(spec)
    assert s.function == "neurosim.sweep.study:run_point"
    assert s.baseline in s.strategies and len(points) >= 6
