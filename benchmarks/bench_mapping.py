"""Mapping performance: partition and placement time against network size, KL bisection against
networkx, and km1 of KL against pymetis and Mt-KaHyPar (when installed).

    python3 benchmarks/bench_mapping.py [--sizes 1000 10000 100000] [--nx-sizes 1000 4000] [--quick]

Networks: sparse layered SNNs with local receptive fields (an input layer of n/5 neurons, then four
layers; each neuron draws ``fan_in`` inputs from a window of the previous layer; Poisson(10) spike
counts as activity), mapped onto the ``ideal`` chip (1024 crossbars of 1024 rows × 256 columns, so
10^5 neurons fit). Times are best of ``--repeat`` runs, one core. No assertions: the numbers go to
docs/mapping.md ("Performance").
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import scipy.sparse as sp


def layered(n: int, fan_in: int = 32, seed: int = 0):
    from neurosim.mapping import from_sparse
    rng = np.random.default_rng(seed)
    n_in = n // 5
    sizes = [n_in] + [(n - n_in) // 4] * 3 + [n - n_in - 3 * ((n - n_in) // 4)]
    starts = np.cumsum([0] + sizes)
    rows, cols = [], []
    for l in range(len(sizes) - 1):
        a0, a1, b0, b1 = starts[l], starts[l + 1], starts[l + 1], starts[l + 2]
        post = np.repeat(np.arange(b0, b1), fan_in)
        centre = a0 + (post - b0) * (a1 - a0) // (b1 - b0)
        pre = np.clip(centre + rng.integers(-4 * fan_in, 4 * fan_in, post.size), a0, a1 - 1)
        rows.append(pre)
        cols.append(post)
    A = sp.csr_matrix((np.ones(sum(map(len, rows))), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    A.data[:] = 1.0
    inp = np.zeros(n, bool)
    inp[:n_in] = True
    return from_sparse(A, is_input=inp), rng.poisson(10, n).astype(float)


def best_of(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_sizes(sizes, repeat, tools):
    import neurosim as ns
    from neurosim.mapping.partition import external_partition, kl_partition
    from neurosim.mapping.placement import place
    from neurosim.mapping.slots import build_hypergraph, build_slots
    hw = ns.load_hardware("ideal")
    print("\n| neurons | synapses | blocks | KL partition (s) | km1 KL | PSO+LS place (s) | LS only (s) |"
          + "".join(f" km1 {t} raw / repaired+refined (s) |" for t in tools))
    print("|---|---|---|---|---|---|---|" + "---|" * len(tools))
    for n in sizes:
        net, act = layered(n)
        slots = build_slots(net, hw.tile.crossbar_rows, n_crossbars=hw.n_crossbars)
        hg = build_hypergraph(net, slots, act)
        t_kl, (block, nb, st) = best_of(lambda: kl_partition(hg, slots, hw), repeat)
        opts = {"particles": 16, "iterations": 30, "local_search_sweeps": 5, "ls_every": 10, "ls_sweeps": 2}
        t_pl, (pos, pst) = best_of(lambda: place(hg, block, nb, hw, options=opts), 1)
        row = (f"| {n} | {net.n_synapses} | {nb} | {t_kl:.2f} | {st['km1']:.4g} | {t_pl:.2f} | "
               f"{pst['ls_only']['time_s']:.2f} |")
        for t in tools:
            try:
                t_ext, (_, _, ext) = best_of(lambda: external_partition(hg, slots, hw, nb, t), 1)
                row += f" {ext['km1_raw']:.4g} / {ext['km1']:.4g} ({t_ext:.2f}) |"
            except Exception as e:                                           # noqa: BLE001
                row += f" n/a ({type(e).__name__}) |"
        print(row, flush=True)


def bench_nx(sizes, repeat):
    import networkx as nx
    from neurosim.mapping.partition import kl_bisection
    print("\n| nodes | edges | networkx KL cut | networkx time (s) | neurosim KL cut | neurosim time (s) | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        G = nx.random_geometric_graph(n, (8.0 / (np.pi * n)) ** 0.5, seed=1)
        rng = np.random.default_rng(1)
        for u, v in G.edges:
            G[u][v]["weight"] = float(rng.integers(1, 10))
        A = nx.to_scipy_sparse_array(G, nodelist=range(n), weight="weight", format="csr")
        t_nx, parts = best_of(lambda: nx.algorithms.community.kernighan_lin_bisection(G, weight="weight", seed=1), 1)
        a = parts[0]
        cut_nx = sum(d["weight"] for u, v, d in G.edges(data=True) if (u in a) != (v in a))
        t_ns, (side, cut) = best_of(lambda: kl_bisection(A, seed=1), repeat)
        print(f"| {n} | {G.number_of_edges()} | {cut_nx:.0f} | {t_nx:.2f} | {cut:.0f} | {t_ns:.3f} | {t_nx / t_ns:.0f}x |",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--nx-sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.nx_sizes, args.repeat = [1000, 4000], [1000], 1
    tools = []
    for t, mod in (("metis", "pymetis"), ("mtkahypar", "mtkahypar")):
        try:
            __import__(mod)
            tools.append(t)
        except ImportError:
            print(f"({mod} not installed: {t} column skipped)")
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()} {platform.release()}, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    bench_sizes(args.sizes, args.repeat, tools)
    bench_nx(args.nx_sizes, args.repeat)


if __name__ == "__main__":
    main()
