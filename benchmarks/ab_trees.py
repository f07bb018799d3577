"""A/B timing across checkouts: run a benchmark's worker mode in a fresh process per tree (so each
imports that tree's compiled modules), and read the JSON line it prints last."""
from __future__ import annotations

import json
import os
import subprocess
import sys


def run_worker(script: str, tree: str, worker_args: list[str]) -> tuple[str, dict | None]:
    """``python script --worker *worker_args`` with ``PYTHONPATH=tree``; returns the 1-minute load
    average at the start and the worker's JSON (None, with its stderr printed, if it failed)."""
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    out = subprocess.run([sys.executable, script, "--worker", *worker_args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": tree})
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return load, None
    return load, json.loads(out.stdout.strip().splitlines()[-1])


def interleaved(script: str, trees: list[str], rounds: int, worker_args):
    """Each round runs the worker once per tree, trees in turn (so slow drifts of the machine hit
    both alike); yields (round from 1, tree, load, JSON) for every worker that succeeded.
    ``worker_args(tree)`` gives that worker's arguments."""
    for r in range(rounds):
        for tree in trees:
            load, d = run_worker(script, tree, worker_args(tree))
            if d is not None:
                yield r + 1, tree, load, d
