"""`simulate()` on a chip that learns on chip with IR drop (the shipped espine_pcm, diehl_cook, STDP,
200 ticks), A/B across checkouts: the time between ticks is the rebuild of the crossbars' physics
after writes (neurosim.crossbar.state.CrossbarState.rebuild). Each round runs one process per tree,
in turn (interleaved); each process reports the best of --repeats `simulate()` calls, the time in
rebuilds, and a hash of the whole SimResult (every array, counter, energy and crossbar record,
floats by their bits, final weights and effective weights recorded): equal hashes = identical results.

    git worktree add --detach /tmp/before <old commit>      # then build it, or copy neurosim/_core/*.so
    PYTHONPATH=. python3 benchmarks/bench_learning.py --trees /tmp/before .
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

from ab_trees import interleaved


#: Records newer checkouts add and older ones lack (the write history, issue 15): left out so that A/B
#: hashes compare the results both trees produce.
SKIP = {"write_history", "writes_history"}


def result_hash(res) -> str:
    """sha1 of everything in a SimResult (crossbar records included, block arrays built on access)."""
    import numpy as np
    h = hashlib.sha1()

    def put(x):
        if isinstance(x, np.ndarray):
            h.update(f"nd{x.dtype.str}{x.shape}".encode())
            h.update(np.ascontiguousarray(x).tobytes())
        elif isinstance(x, dict):
            h.update(b"{")
            for k in sorted(x, key=str):
                put(str(k))
                put(x[k])
            h.update(b"}")
        elif isinstance(x, (list, tuple)):
            h.update(b"[")
            for v in x:
                put(v)
            h.update(b"]")
        elif isinstance(x, (float, np.floating)):
            h.update(float(x).hex().encode())
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            put({f.name: getattr(x, f.name) for f in dataclasses.fields(x) if f.name not in SKIP})
        elif hasattr(x, "__dict__") and type(x).__module__.startswith("neurosim"):
            d = {k: v for k, v in vars(x).items() if not callable(v) and k not in SKIP}
            for name in dir(type(x)):                      # block arrays built on access (properties)
                if isinstance(getattr(type(x), name, None), property):
                    d[name] = getattr(x, name)
            put(d)
        else:
            h.update(repr(x).encode())
    put(res)
    return h.hexdigest()[:12]


def worker(tree, repeats, ticks):
    sys.path.insert(0, tree)
    import neurosim as ns
    try:
        from neurosim.crossbar import state as physics
    except ImportError:                     # a checkout from before the move out of neurosim.engine
        from neurosim.engine import physics
    wl = ns.load_workload(os.path.join(tree, "traces/diehl_cook"))
    hw = ns.load_hardware("espine_pcm")
    m = ns.map_workload(wl, hw, "sequential")
    spent = [0.0]
    orig = physics.CrossbarState.rebuild

    def timed(self, G):
        t0 = time.perf_counter()
        try:
            return orig(self, G)
        finally:
            spent[0] += time.perf_counter() - t0

    sims, rebuilds = [], []
    for _ in range(repeats):
        physics.CrossbarState.rebuild = orig
        t0 = time.perf_counter()
        ns.simulate(wl, hw, m, ticks=ticks, seed=0)
        sims.append(time.perf_counter() - t0)
    for _ in range(repeats):                     # the same run with the rebuilds timed
        physics.CrossbarState.rebuild = timed
        spent[0] = 0.0
        res = ns.simulate(wl, hw, m, ticks=ticks, seed=0, record=("spikes", "weights", "effective_weights"))
        rebuilds.append(spent[0])
    print(json.dumps(dict(simulate=min(sims), rebuild=min(rebuilds), n_rebuilds=res.counts.get("weight_rebuilds"),
                          spikes=int(res.spikes.size), hash=result_hash(res))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", nargs="+", default=["."], help="checkouts to compare (built)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ticks", type=int, default=200)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.repeats, args.ticks)
        return
    trees = [str(Path(t).resolve()) for t in args.trees]
    best = {}
    print(f"{'round':>5s} {'tree':40s} {'load1':>5s} {'simulate':>9s} {'rebuilds':>9s} {'n':>6s}  hash")
    wargs = lambda tree: [tree, "--repeats", str(args.repeats), "--ticks", str(args.ticks)]  # noqa: E731
    for r, tree, load, d in interleaved(__file__, trees, args.rounds, wargs):
        print(f"{r:5d} {tree[-40:]:40s} {load:>5s} {d['simulate']:9.3f} {d['rebuild']:9.3f} "
              f"{d['n_rebuilds']:6d}  {d['hash']}")
        b = best.setdefault(tree, dict(d))
        for k in ("simulate", "rebuild"):
            b[k] = min(b[k], d[k])
    print("\nbest over rounds (s):")
    for tree, b in best.items():
        print(f"{tree[-40:]:40s} simulate {b['simulate']:.3f}  in CrossbarState.rebuild {b['rebuild']:.3f} "
              f"({b['n_rebuilds']} rebuilds, {1e3 * b['rebuild'] / max(b['n_rebuilds'], 1):.3f} ms each)  {b['hash']}")
    if len(best) == 2:
        (ta, a), (tb, b) = best.items()
        same = "IDENTICAL" if a["hash"] == b["hash"] else "DIFFER"
        print(f"speed-up {tb[-30:]} over {ta[-30:]}: simulate {a['simulate'] / b['simulate']:.2f}x, "
              f"rebuilds {a['rebuild'] / b['rebuild']:.2f}x; results {same}")


if __name__ == "__main__":
    main()
