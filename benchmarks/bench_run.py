"""End-to-end `neurosim run` (the run layer: map → simulate → baseline → ideal reference →
evaluate → aging, without writing files) A/B across checkouts, interleaved: each round runs one
process per tree in turn; each process reports the best of --repeats `run_study` calls and its
stage times, and a hash of results.json without provenance (equal hashes = identical results).

    git worktree add --detach /tmp/before <old commit>      # then build it, or copy neurosim/_core/*.so
    PYTHONPATH=. python3 benchmarks/bench_run.py --trees /tmp/before . --cases diehl_cook digits
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from ab_trees import interleaved

#: case → (chip, trace, strategy, baseline, ticks)
CASES = {"diehl_cook": ("espine_pcm", "diehl_cook", "espine", "spinemap", 600),
         "digits": ("rram_inference", "digits", "read-aware", "sequential", 2000)}


def worker(tree, case, repeats):
    sys.path.insert(0, tree)
    import warnings
    warnings.simplefilter("ignore")
    from neurosim.report import run_study
    from neurosim.report.results import results_dict
    chip, trace, strategy, baseline, ticks = CASES[case]
    best, st = None, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        st = run_study(chip, os.path.join(tree, "traces", trace), strategy=strategy, baseline=baseline, ticks=ticks,
                       progress=False)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    doc = results_dict(st)
    for k in ("provenance", "files", "summary"):      # summary: a key newer checkouts add
        doc.pop(k, None)
    doc["inputs"]["workload"].pop("source")
    h = hashlib.sha1(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:12]
    print(json.dumps(dict(wall=best, hash=h)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", nargs="+", default=["."], help="checkouts to compare (built)")
    ap.add_argument("--cases", nargs="+", default=sorted(CASES), choices=sorted(CASES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.repeats)
        return
    trees = [str(Path(t).resolve()) for t in args.trees]
    best: dict = {}
    print(f"{'case':11s} {'round':>5s} {'tree':32s} {'load1':>5s} {'wall (s)':>9s}  hash")
    for case in args.cases:
        wargs = lambda tree: [tree, case, "--repeats", str(args.repeats)]  # noqa: E731
        for r, tree, load, d in interleaved(__file__, trees, args.rounds, wargs):
            print(f"{case:11s} {r:5d} {tree[-32:]:32s} {load:>5s} {d['wall']:9.3f}  {d['hash']}")
            best[(case, tree)] = min(best.get((case, tree), d["wall"]), d["wall"])
    print("\nbest over rounds (s), and the ratio to the first tree:")
    for case in args.cases:
        ref = best.get((case, trees[0]))
        for tree in trees:
            b = best.get((case, tree))
            if b is not None:
                print(f"{case:11s} {tree[-32:]:32s} {b:8.3f}  x{b / ref:.3f}")


if __name__ == "__main__":
    main()
