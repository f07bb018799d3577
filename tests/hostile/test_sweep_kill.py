"""A sweep killed with SIGKILL leaves no worker process behind, and a rerun loses no finished point.

The sweep runs in its own session; only its main process is killed (as the OOM killer or a closed
terminal would), never the group. Every process of that session must be gone within a few seconds,
although the workers were in the middle of 4-second points; the rerun computes only what is missing.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .harness import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

SLEEP_S = 4.0
N_POINTS = 5


def _session_members(sid: int) -> list[tuple[int, str]]:
    """Live (non-zombie) processes of session ``sid``: ``[(pid, command line)]``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            out.append((int(entry), cmdline.strip()))
    return out


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return con.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_sigkilled_sweep_leaves_no_worker_and_resumes(tmp_path):
    spec = tmp_path / "slow.yaml"
    spec.write_text(textwrap.dedent(f"""
        name: slow
        hwconfig: ideal
        workloads: [{ROOT / 'traces' / 'digits'}]
        seeds: {list(range(N_POINTS))}
        function: capacity_point
        options: {{sleep_s: {SLEEP_S}}}
    """).lstrip())
    db = tmp_path / "slow.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "neurosim", "sweep", str(spec), "--db", str(db), "--workers", "2"]
    with open(tmp_path / "first.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and _stored(db) < 2:
            time.sleep(0.1)
        assert _stored(db) >= 2, (tmp_path / "first.log").read_text()
        time.sleep(0.5)  # the workers have taken their next points and sleep in them
        workers = [m for m in _session_members(proc.pid) if m[0] != proc.pid]
        assert len(workers) >= 2, workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 3.0
        survivors = _session_members(proc.pid)
        while survivors and time.time() < deadline:
            time.sleep(0.05)
            survivors = _session_members(proc.pid)
        assert not survivors, f"processes outlived the killed sweep: {survivors}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    partial = _stored(db)
    assert 2 <= partial < N_POINTS
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{N_POINTS} points: {partial} already in" in rerun.stdout, rerun.stdout
    con = sqlite3.connect(db)
    try:
        keys = [k for (k,) in con.execute("SELECT key FROM points")]
    finally:
        con.close()
    assert len(keys) == N_POINTS == len(set(keys))
