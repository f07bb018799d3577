"""SIGKILL at any moment leaves, at the output path, the previous complete result or nothing.

``neurosim run --force`` and ``neurosim study`` are killed at several points: while they compute,
as soon as their temporary folder appears, once it holds some files, and after they finished. After
each kill the output folder must be byte-identical to the previous complete result (or absent when
there was none), or be a complete new result; never a mixture. The next command removes the
temporary folder a killed one left behind.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .harness import ROOT, snapshot

TEMP_PREFIX = ".neurosim-tmp-"


def _env(tmp: Path) -> dict:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "NEUROSIM_CACHE_DIR": str(tmp / ".cache"), "OPENBLAS_NUM_THREADS": "1"})
    return env


def _start(args, tmp: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neurosim", *args], cwd=tmp, env=_env(tmp),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def _temporaries(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(TEMP_PREFIX)]


def _kill_when(proc: subprocess.Popen, parent: Path, point: str, timeout_s: float = 300.0) -> bool:
    """SIGKILL ``proc`` at ``point``: ``"compute"`` (0.8 s in), ``"temp"`` (its temporary folder exists),
    ``"files"`` (the temporary folder holds at least two files) or ``"done"`` (after it exited).
    Returns True if the process was killed before it finished."""
    start = time.monotonic()
    while proc.poll() is None and time.monotonic() - start < timeout_s:
        if point == "compute" and time.monotonic() - start > 0.8:
            break
        temps = _temporaries(parent)
        if point == "temp" and temps:
            break
        if point == "files" and any(sum(1 for _ in t.rglob("*")) >= 2 for t in temps if t.exists()):
            break
        time.sleep(0.0005)
    finished = proc.poll() is not None
    if not finished:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return not finished


def _complete(out: Path, listed_key: str) -> bool:
    """A complete result: results.json parses and every file it lists is there."""
    doc = json.loads((out / "results.json").read_text())
    return (out / "report.html").is_file() and all((out / f).is_file() for f in doc.get(listed_key, []))


@pytest.mark.slow
def test_run_force_killed_anywhere_keeps_old_result_or_nothing(tmp_path):
    trace = str(ROOT / "traces" / "synth_layered")
    out = tmp_path / "out"
    base = ["run", "ideal", trace, "--ticks", "40", "--mapping", "sequential", "--no-aging", "--out", str(out)]
    first = subprocess.run([sys.executable, "-m", "neurosim", *base], cwd=tmp_path, env=_env(tmp_path),
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    old = snapshot(out)
    assert "results.json" in old

    killed_points = []
    for point in ("compute", "temp", "files", "files", "done"):
        proc = _start(base + ["--force", "--seed", "1"], tmp_path)
        killed = _kill_when(proc, tmp_path, point)
        now = snapshot(out)
        if killed:
            killed_points.append(point)
            assert now == old, f"killed at {point!r}: the output folder changed"
        else:
            assert _complete(out, "files"), f"finished at {point!r}: incomplete result"
            old = now
    assert {"compute", "temp"} <= set(killed_points), killed_points

    # a fresh --out killed before it finished: nothing at the output path
    fresh = tmp_path / "fresh"
    proc = _start(["run", "ideal", trace, "--ticks", "40", "--mapping", "sequential", "--no-aging", "--out", str(fresh)],
                  tmp_path)
    assert _kill_when(proc, tmp_path, "temp")
    assert not fresh.exists()

    # the next command sweeps up what the killed ones left behind
    assert _temporaries(tmp_path)
    again = subprocess.run([sys.executable, "-m", "neurosim", *base, "--force"], cwd=tmp_path,
                           env=_env(tmp_path), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert not _temporaries(tmp_path)
    assert _complete(out, "files")


def test_force_refuses_to_replace_a_foreign_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    r = subprocess.run([sys.executable, "-m", "neurosim", "run", "ideal", str(ROOT / "traces" / "synth_layered"),
                        "--ticks", "5", "--mapping", "sequential", "--no-aging", "--no-ideal", "--out", str(out),
                        "--force"], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True)
    assert r.returncode == 2 and "no neurosim result" in r.stderr and "Traceback" not in r.stderr
    assert (out / "thesis.tex").read_text() == "years of work" and len(list(out.iterdir())) == 1


@pytest.mark.slow
def test_study_killed_anywhere_leaves_old_result_or_nothing(tmp_path):
    out, store = tmp_path / "study", tmp_path / "s.db"
    args = ["study", "read-endurance", "--quick", "--out", str(out), "--store", str(store)]
    # killed while computing points: no output folder; the store keeps what finished
    proc = _start(args, tmp_path)
    assert _kill_when(proc, tmp_path, "compute")
    assert not out.exists()
    done = subprocess.run([sys.executable, "-m", "neurosim", *args], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    old = snapshot(out)
    # rewriting from the complete store, killed while writing: the old complete folder stays
    for point in ("temp", "files"):
        proc = _start(args + ["--force"], tmp_path)
        killed = _kill_when(proc, tmp_path, point)
        if killed:
            assert snapshot(out) == old, f"killed at {point!r}: the study folder changed"
        else:
            old = snapshot(out)
    assert (out / "results.json").is_file()
