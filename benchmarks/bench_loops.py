"""The compiled engine's loops (`Core.run`, set-up and `simulate()` excluded) and its constructor,
A/B across checkouts, interleaved: each round runs one process per tree in turn; each process packs
every case once and reports, per case, the best of --repeats `Core(...)` + `Core.run(ticks)` on fresh
copies of the state, and a hash of one full `simulate()` of the same ticks (equal hashes = identical
results: every SimResult array, counter, energy and crossbar record; not `extra`, which describes
how the engine ran).

Cases: CUBA (benchmarks/networks.py) on `ideal` (cycle, functional) and on `espine_pcm` widened to a
32 x 32 mesh (cycle, functional); diehl_cook (STDP) on the shipped `espine_pcm` (cycle).

    git worktree add --detach /tmp/before <old commit>      # then build it, or copy neurosim/_core/*.so
    PYTHONPATH=. python3 benchmarks/bench_loops.py --trees /tmp/before . [--cases cuba-ideal diehl]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from ab_trees import interleaved

CASES = {  # name: (workload, chip, timing, ticks)
    "cuba-ideal": ("cuba", "ideal", "cycle", 1000),
    "cuba-ideal-functional": ("cuba", "ideal", "functional", 1000),
    "cuba-espine32": ("cuba", "espine32", "cycle", 300),
    "cuba-espine32-functional": ("cuba", "espine32", "functional", 1000),
    "diehl": ("diehl_cook", "espine_pcm", "cycle", 200),
}


def worker(tree, cases, repeats):
    sys.path.insert(0, tree)
    sys.path.insert(0, os.path.join(tree, "benchmarks"))
    import numpy as np
    import networks
    import neurosim as ns
    from neurosim.engine.core import pack
    from neurosim._core import engine_core
    from bench_learning import result_hash
    out = {}
    for name in cases:
        wname, chip, timing, ticks = CASES[name]
        wl = networks.cuba() if wname == "cuba" else ns.load_workload(os.path.join(tree, "traces", wname))
        hw = networks.espine_wide() if chip == "espine32" else ns.load_hardware(chip)
        m = ns.map_workload(wl, hw, "sequential")
        cfg, a, s, info = pack(wl, hw, m, ticks, np.random.default_rng(0))
        cfg["functional"] = timing == "functional"
        ideal_weights = all(st.phys is None for st in info["states"])
        loops, ctors = [], []
        for _ in range(repeats):
            s2 = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in s.items()}
            t0 = time.perf_counter()
            core = engine_core.Core(cfg, a, s2)
            ctors.append(time.perf_counter() - t0)
            if ideal_weights:
                core.refresh_weff(np.arange(wl.network.n_synapses, dtype=np.int64))
            t0 = time.perf_counter()
            core.run(ticks)
            loops.append(time.perf_counter() - t0)
        res = ns.simulate(wl, hw, m, ticks=ticks, seed=0, timing=timing)
        # `extra` holds diagnostics of how the engine ran (e.g. its tree store), not results
        out[name] = dict(loop=min(loops), ctor=min(ctors), events=int(res.counts["synaptic_events"]),
                         hash=result_hash(dataclasses.replace(res, extra={})))
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", nargs="+", default=["."], help="checkouts to compare (built)")
    ap.add_argument("--cases", nargs="+", default=sorted(CASES), choices=sorted(CASES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.cases, args.repeats)
        return
    trees = [str(Path(t).resolve()) for t in args.trees]
    best = {}
    print(f"{'round':>5s} {'tree':30s} {'load1':>5s} {'case':26s} {'loop s':>9s} {'Core() s':>9s}  hash")
    wargs = lambda tree: [tree, "--repeats", str(args.repeats), "--cases", *args.cases]  # noqa: E731
    for r, tree, load, d in interleaved(__file__, trees, args.rounds, wargs):
        for name, v in d.items():
            print(f"{r:5d} {tree[-30:]:30s} {load:>5s} {name:26s} {v['loop']:9.4f} {v['ctor']:9.4f}  {v['hash']}")
            b = best.setdefault((tree, name), dict(v))
            b["loop"] = min(b["loop"], v["loop"])
            b["ctor"] = min(b["ctor"], v["ctor"])
    print("\nbest over rounds:")
    for name in args.cases:
        row = [(tree, best[(tree, name)]) for tree in trees if (tree, name) in best]
        for tree, b in row:
            print(f"{name:26s} {tree[-30:]:30s} loop {b['loop']:.4f} s ({b['events'] / b['loop'] / 1e6:.1f} M events/s)"
                  f"  Core() {b['ctor']:.4f} s  {b['hash']}")
        if len(row) == 2:
            (_, a), (_, b) = row
            same = "IDENTICAL" if a["hash"] == b["hash"] else "DIFFER"
            print(f"{'':26s} second over first: loop {a['loop'] / b['loop']:.2f}x, Core() {a['ctor'] / b['ctor']:.2f}x; results {same}")


if __name__ == "__main__":
    main()
