"""The compiled core's heaps and config seam (csrc/heaps.pxd, engine_core.EngineConfig), A/B across
checkouts, interleaved (benchmarks/ab_trees.py): each round runs one process per tree in turn.

Cases (each the best of --repeats inside a process, then the median over rounds):

* engine loop: CUBA (benchmarks/networks.py), `Core(...)` + `Core.run(ticks)` on fresh copies of the
  packed state (set-up excluded, as bench_loops.py), cycle timing, on `ideal` (1000 ticks) and on
  `espine_pcm` widened to a 32 x 32 mesh (300 ticks; the 8 x 8 chip cannot hold CUBA);
* KL partition: `neurosim.mapping.partition.kl_partition` of the 4,000-neuron layered network of
  bench_mapping.py on `ideal` (greedy growing + k-way refinement, Python glue included);
* KL bisection: `kl_bisection` of a 4,000-node random geometric graph (the compiled graph KL).

Each case also hashes its result (spikes, counters and state arrays; the partition; the bisection),
so equal hashes across trees mean identical results.

    git worktree add --detach /tmp/before <old commit>      # then build it
    PYTHONPATH=. python3 benchmarks/ab_compiled.py --trees /tmp/before . [--rounds 7] [--cases ...]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

from ab_trees import interleaved

CASES = ["engine-cuba-ideal", "engine-cuba-espine32", "kl-partition-4000", "kl-bisection-4000"]
ENGINE = {"engine-cuba-ideal": ("ideal", 1000), "engine-cuba-espine32": ("espine32", 300)}


def _hash(*arrays) -> str:
    import numpy as np
    h = hashlib.sha1()
    for x in arrays:
        x = np.ascontiguousarray(x)
        h.update(f"{x.dtype.str}{x.shape}".encode())
        h.update(x.tobytes())
    return h.hexdigest()[:12]


def engine_case(name, repeats):
    import numpy as np
    import networks
    import neurosim as ns
    from neurosim.engine.core import pack
    from neurosim._core import engine_core
    chip, ticks = ENGINE[name]
    wl = networks.cuba()
    hw = networks.espine_wide() if chip == "espine32" else ns.load_hardware(chip)
    m = ns.map_workload(wl, hw, "sequential")
    cfg, a, s, info = pack(wl, hw, m, ticks, np.random.default_rng(0))
    cfg["functional"] = False
    ideal_weights = all(st.phys is None for st in info["states"])
    times, digest = [], None
    for _ in range(repeats):
        s2 = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in s.items()}
        core = engine_core.Core(cfg, a, s2)
        if ideal_weights:
            core.refresh_weff(np.arange(wl.network.n_synapses, dtype=np.int64))
        t0 = time.perf_counter()
        core.run(ticks)
        times.append(time.perf_counter() - t0)
        counters = np.array([core.n_updates, core.n_spikes_out, core.n_packets, core.n_deliveries,
                             core.n_syn_events, core.n_row_reads, core.lat_sum, core.lat_max], np.int64)
        d = _hash(counters, *core.spikes(), *(s2[k] for k in sorted(s2)))
        assert digest in (None, d), "engine: repeats differ"
        digest = d
    return min(times), digest


def kl_partition_case(repeats):
    import bench_mapping
    import neurosim as ns
    from neurosim.mapping.partition import kl_partition
    from neurosim.mapping.slots import build_hypergraph, build_slots
    hw = ns.load_hardware("ideal")
    net, act = bench_mapping.layered(4000)
    slots = build_slots(net, hw.tile.crossbar_rows, n_crossbars=hw.n_crossbars)
    hg = build_hypergraph(net, slots, act)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        block, nb, st = kl_partition(hg, slots, hw)
        times.append(time.perf_counter() - t0)
    return min(times), _hash(block) + f"/{nb}/{st['km1']!r}"


def kl_bisection_case(repeats):
    import numpy as np
    import scipy.sparse as sp
    from scipy.spatial import cKDTree
    from neurosim.mapping.partition import kl_bisection
    n = 4000
    rng = np.random.default_rng(1)
    pts = rng.random((n, 2))
    pairs = cKDTree(pts).query_pairs((8.0 / (np.pi * n)) ** 0.5, output_type="ndarray")
    w = rng.integers(1, 10, len(pairs)).astype(np.float64)
    A = sp.coo_matrix((np.r_[w, w], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                      shape=(n, n)).tocsr()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        side, cut = kl_bisection(A, seed=1)
        times.append(time.perf_counter() - t0)
    return min(times), _hash(side) + f"/{cut!r}"


def worker(tree, cases, repeats):
    sys.path.insert(0, tree)
    sys.path.insert(0, os.path.join(tree, "benchmarks"))
    import neurosim
    assert neurosim.__file__.startswith(tree), neurosim.__file__
    out = {}
    for name in cases:
        if name in ENGINE:
            t, d = engine_case(name, repeats)
        elif name == "kl-partition-4000":
            t, d = kl_partition_case(repeats)
        else:
            t, d = kl_bisection_case(repeats)
        out[name] = dict(time=t, hash=d)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", nargs=2, help="A and B checkouts (built)")
    ap.add_argument("--cases", nargs="+", default=CASES, choices=CASES)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.cases, args.repeats)
        return
    if not args.trees:
        ap.error("--trees A B is required")
    trees = [str(Path(t).resolve()) for t in args.trees]
    times, hashes, loads = {}, {}, []
    print(f"load average at start: {open('/proc/loadavg').read().split()[:3]}, {os.cpu_count()} CPUs")
    print(f"{'round':>5s} {'tree':24s} {'load1':>5s} {'case':22s} {'s':>8s}  hash")
    wargs = lambda tree: [tree, "--repeats", str(args.repeats), "--cases", *args.cases]  # noqa: E731
    for r, tree, load, d in interleaved(__file__, trees, args.rounds, wargs):
        loads.append(float(load))
        for name, v in d.items():
            print(f"{r:5d} {tree[-24:]:24s} {load:>5s} {name:22s} {v['time']:8.4f}  {v['hash']}", flush=True)
            times.setdefault((tree, name), []).append(v["time"])
            hashes.setdefault((tree, name), set()).add(v["hash"])
    print(f"\nload average at end: {open('/proc/loadavg').read().split()[:3]}; "
          f"1-min load at worker starts {min(loads):.2f}..{max(loads):.2f}")
    print(f"median over {args.rounds} rounds of the best of {args.repeats}; A = {trees[0]}, B = {trees[1]}\n")
    print("| case | A median (s) | B median (s) | B/A | results |")
    print("|---|---|---|---|---|")
    for name in args.cases:
        ta, tb = times.get((trees[0], name)), times.get((trees[1], name))
        if not ta or not tb:
            print(f"| {name} | failed | | | |")
            continue
        ma, mb = statistics.median(ta), statistics.median(tb)
        ha, hb = hashes[(trees[0], name)], hashes[(trees[1], name)]
        same = "identical" if ha == hb and len(ha) == 1 else f"DIFFER {sorted(ha)} {sorted(hb)}"
        print(f"| {name} | {ma:.4f} | {mb:.4f} | {mb / ma:.3f} | {same} |")


if __name__ == "__main__":
    main()
