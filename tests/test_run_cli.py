"""``neurosim run`` end to end, as a user runs it (a subprocess), on every shipped chip; bad
arguments get one clear message and no traceback; nothing is overwritten without --force."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}

SHIPPED = ["espine_pcm", "rram_inference", "ideal", "loihi_like"]


def neurosim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neurosim", *args], capture_output=True, text=True, cwd=cwd, env=ENV)


@pytest.mark.parametrize("chip", SHIPPED)
def test_run_every_shipped_chip(chip, tmp_path, traces_dir):
    out = tmp_path / "out"
    r = neurosim("run", chip, str(traces_dir / "digits"), "--ticks", "80", "--mapping", "spinemap",
                 "--baseline", "sequential", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "write (effective) lifetime" in r.stdout and "energy per inference" in r.stdout
    doc = json.loads((out / "results.json").read_text())
    assert doc["schema"] == "neurosim-results" and doc["schema_version"] == 1
    assert doc["inputs"]["hwconfig"]["name"] == chip and doc["inputs"]["ticks"] == 80
    assert doc["run"]["inferences"] == pytest.approx(2.0)         # digits: one sample per 40 ticks
    assert doc["energy"]["per_inference_pj"]["total"] >= 0
    assert doc["accuracy"]["samples"] == 2
    assert doc["timing"]["ideal_spikes"] > 0
    assert len(doc["aging"]["ages"]) >= 2
    for name in ("crossbars.csv", "energy.csv", "latency_histogram.csv", "ticks.csv", "spikes.csv", "aging.csv",
                 "report.html"):
        assert (out / name).is_file(), name
    with (out / "crossbars.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == doc["run"]["crossbars_used"]
    if chip in ("ideal", "loihi_like"):     # nothing wears on these chips
        assert doc["lifetime"]["write"]["chip"]["inferences"] == "inf"
        assert doc["lifetime"]["read"]["chip"]["inferences"] == "inf"
        assert doc["aging"]["chip_ages"] is False
    if chip == "rram_inference":            # read disturb bounds the inference lifetime
        life = doc["lifetime"]["read"]["chip"]
        assert isinstance(life["inferences"], float) and life["inferences"] > 0
        assert life["seconds"] == pytest.approx(life["inferences"] / doc["run"]["inferences_per_s"])
    if chip == "ideal":
        t = doc["timing"]
        assert t["recall"] == 1.0 and t["precision"] == 1.0 and t["spike_disorder"] == 0


def test_numbered_output_folders_and_no_overwrite(tmp_path, traces_dir):
    args = ("run", "ideal", str(traces_dir / "synth_layered"), "--ticks", "20", "--mapping", "sequential", "--no-aging",
            "--no-ideal")
    assert neurosim(*args, cwd=tmp_path).returncode == 0
    assert neurosim(*args, cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neurosim-run-001", "neurosim-run-002"]
    first = tmp_path / "neurosim-run-001" / "results.json"
    before = first.read_text()
    r = neurosim(*args, "--out", str(tmp_path / "neurosim-run-001"), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "not empty" in r.stderr and "--force" in r.stderr
    assert first.read_text() == before
    r = neurosim(*args, "--out", str(tmp_path / "neurosim-run-001"), "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(first.read_text())
    assert doc["accuracy"] is None          # synth_layered is unlabelled
    assert doc["aging"] is None and doc["timing"] is None
    # same inputs and seed: bit-identical results apart from provenance (when, how long)
    second = json.loads((tmp_path / "neurosim-run-002" / "results.json").read_text())
    first_doc = json.loads(before)
    assert set(first_doc["provenance"]) == {"created_utc", "elapsed_s"}
    for d in (first_doc, second, doc):
        d.pop("provenance")
    assert first_doc == second == doc


@pytest.mark.parametrize("args, message", [
    (("run", "no_such_chip", "TRACES/digits"), "no_such_chip"),
    (("run", "ideal", "TRACES/no_such_workload"), "no_such_workload"),
    (("run", "ideal", "TRACES/digits", "--mapping", "magic"), "unknown mapping strategy 'magic'"),
    (("run", "ideal", "TRACES/digits", "--baseline", "magic"), "--baseline: unknown mapping strategy 'magic'"),
    (("run", "ideal", "TRACES/digits", "--ticks", "0"), "--ticks"),
    (("run", "ideal", "TRACES/digits", "--ticks", "99999999"), "--ticks: the workload 'digits' lasts 14400 ticks"),
    (("run", "ideal", "TRACES/digits", "--ticks", "ten"), "--ticks"),
    (("run", "ideal", "TRACES/digits", "--age", "-5"), "--age"),
    (("run", "ideal"), "Missing argument 'WORKLOAD'"),
])
def test_bad_arguments_give_clear_errors(args, message, tmp_path, traces_dir):
    args = tuple(a.replace("TRACES", str(traces_dir)) for a in args)
    r = neurosim(*args, "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert message in r.stderr
    assert not (tmp_path / "o").exists()


def test_run_refuses_a_chip_too_small(tmp_path, traces_dir):
    small = tmp_path / "tiny.yaml"
    small.write_text("extends: espine_pcm\nname: tiny\nnoc:\n  mesh_width: 1\n  mesh_height: 1\n"
                     "tile:\n  crossbars_per_tile: 1\n  crossbar_rows: 16\n  crossbar_columns: 16\n")
    r = neurosim("run", str(small), str(traces_dir / "digits"), "--ticks", "40", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "crossbars" in r.stderr and r.stderr.startswith("error: ")
    assert not (tmp_path / "o").exists()


def test_map_command(tmp_path, traces_dir):
    out = tmp_path / "m.npz"
    r = neurosim("map", "espine_pcm", str(traces_dir / "digits"), "--strategy", "spinemap", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["strategy"] == "spinemap" and doc["crossbars_used"] >= 1 and out.is_file()
    r = neurosim("map", "espine_pcm", str(traces_dir / "digits"), "--out", str(out))
    assert r.returncode == 2 and "exists" in r.stderr and "Traceback" not in r.stderr
    r = neurosim("map", "espine_pcm", str(traces_dir / "digits"), "--strategy", "bogus")
    assert r.returncode == 2 and "unknown mapping strategy 'bogus'" in r.stderr


def test_run_with_functional_timing(tmp_path, traces_dir):
    """--timing functional: the same spikes, write lifetime in inferences and energy per class as the
    cycle model (leakage aside: it follows the real-time schedule there; this run has no overrun),
    latency reported as not modelled rather than as numbers."""
    docs = {}
    for timing in ("cycle", "functional"):
        out = tmp_path / timing
        r = neurosim("run", "espine_pcm", str(traces_dir / "diehl_cook"), "--ticks", "120", "--mapping", "sequential",
                     "--no-aging", "--timing", timing, "--out", str(out))
        assert r.returncode == 0, r.stderr
        docs[timing] = json.loads((out / "results.json").read_text())
        assert (out / "report.html").is_file()
    assert "not modelled" in r.stdout
    cyc, fun = docs["cycle"], docs["functional"]
    assert fun["latency"]["timing"] == "functional" and cyc["latency"]["timing"] == "cycle"
    assert fun["latency"]["overruns"] is None and fun["latency"]["packet_latency_cycles"]["mean"] is None
    assert fun["lifetime"]["write"]["chip"]["inferences"] == cyc["lifetime"]["write"]["chip"]["inferences"]
    assert fun["run"]["spikes"] == cyc["run"]["spikes"] > 0
    for k, v in cyc["energy"]["run_pj"].items():
        if k not in ("leakage", "total"):
            assert fun["energy"]["run_pj"][k] == v, k
