"""`simulate()` and its set-up on CUBA (benchmarks/networks.py, the shipped cuba_4000), A/B across
checkouts: each round runs one process per tree, in turn (interleaved), and each process reports
the best of --repeats `simulate()` calls, the best `pack()` and the best event loop alone.

    git worktree add --detach /tmp/before <old commit>      # then build it, or copy neurosim/_core/*.so
    PYTHONPATH=. python3 benchmarks/bench_setup.py --trees /tmp/before . --chips ideal variant

`ideal` is the shipped chip; `variant` the ideal chip with 8192x512 crossbars of bench_engine.py
(not a shipped chip). The last column is a hash of the spikes, counts, energies, tick starts and
latency histogram: equal hashes = identical results.
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


def worker(tree, chip, repeats, ticks):
    sys.path.insert(0, tree)
    sys.path.insert(0, os.path.join(tree, "benchmarks"))
    import numpy as np
    import neurosim as ns
    import networks
    from bench_engine import big_crossbar_ideal
    from neurosim.engine.core import pack
    from neurosim._core import engine_core
    wl = networks.cuba(ticks)
    hw = ns.load_hardware("ideal") if chip == "ideal" else big_crossbar_ideal(wl)
    m = ns.map_workload(wl, hw, "sequential")
    sims, packs, loops = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = ns.simulate(wl, hw, m, ticks=ticks)
        sims.append(time.perf_counter() - t0)
    for _ in range(repeats):
        t0 = time.perf_counter()
        cfg, a, s, info = pack(wl, hw, m, ticks, np.random.default_rng(0))
        packs.append(time.perf_counter() - t0)
        core = engine_core.Core(cfg, a, s)
        core.refresh_weff(np.arange(wl.network.n_synapses, dtype=np.int64))
        t0 = time.perf_counter()
        core.run(ticks)
        loops.append(time.perf_counter() - t0)
    h = hashlib.sha1(res.spikes.tobytes() + json.dumps(res.counts, sort_keys=True).encode()
                     + json.dumps(res.energy_pj, sort_keys=True).encode() + res.tick_start_cycle.tobytes()
                     + res.packet_latency_hist.tobytes()).hexdigest()[:12]
    print(json.dumps(dict(simulate=min(sims), pack=min(packs), loop=min(loops),
                          events=res.counts["synaptic_events"], hash=h)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", nargs="+", default=["."], help="checkouts to compare (built)")
    ap.add_argument("--chips", nargs="+", default=["ideal", "variant"], choices=["ideal", "variant"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ticks", type=int, default=1000)
    ap.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.repeats, args.ticks)
        return
    trees = [str(Path(t).resolve()) for t in args.trees]
    best = {}
    print(f"{'chip':8s} {'round':>5s} {'tree':40s} {'load1':>5s} {'simulate':>9s} {'pack':>7s} {'loop':>7s}  hash")
    for chip in args.chips:
        wargs = lambda tree: [tree, chip, "--repeats", str(args.repeats), "--ticks", str(args.ticks)]  # noqa: E731
        for r, tree, load, d in interleaved(__file__, trees, args.rounds, wargs):
            print(f"{chip:8s} {r:5d} {tree[-40:]:40s} {load:>5s} {d['simulate']:9.3f} {d['pack']:7.3f} "
                  f"{d['loop']:7.4f}  {d['hash']}")
            b = best.setdefault((chip, tree), dict(d))
            for k in ("simulate", "pack", "loop"):
                b[k] = min(b[k], d[k])
    print("\nbest over rounds (s):")
    for (chip, tree), b in best.items():
        print(f"{chip:8s} {tree[-40:]:40s} simulate {b['simulate']:.3f}  pack {b['pack']:.3f}  loop {b['loop']:.4f}  "
              f"set-up (simulate - loop) {b['simulate'] - b['loop']:.3f}  {b['events'] / b['simulate'] / 1e6:.1f} M events/s")


if __name__ == "__main__":
    main()
