"""IR-drop solver benchmark: exact (SuperLU, factorised once) and fast (compiled PCG with line
Gauss–Seidel) against scipy ``spsolve`` / ``splu`` on the same nodal system, at 128, 256, 512.

    python3 benchmarks/bench_irdrop.py [--sizes 128 256 512] [--repeat 5] [--batch 16] [--json out.json]

Best of ``--repeat`` runs; set-up (factorisation / Thomas factors) is reported apart from solves.
All ratios in one table come from the same run. Results and the machine: docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from scipy.sparse.linalg import spsolve, splu

from neurosim.crossbar import CrossbarSolver, FastCrossbarSolver, single_row_reads

RES = (1.0, 3.0, 100.0, 100.0)     # NeuroSim 45 nm wires, 100-ohm driver/sense (espine_pcm)


def best(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench(n, repeat, batch, with_spsolve):
    rng = np.random.default_rng(n)
    G = rng.uniform(1e-6, 1e-4, (n, n))
    v1 = rng.uniform(0.0, 0.2, n)
    vb = rng.uniform(0.0, 0.2, (batch, n))
    row = {"size": n, "unknowns": 2 * n * n}

    t, ex = best(lambda: CrossbarSolver(G, *RES), 1 if n >= 512 else max(1, repeat // 2))
    row["exact_setup_s"] = t
    row["exact_lu_nnz"] = int(ex._lu.L.nnz + ex._lu.U.nnz)
    row["exact_solve_ms"], ref = best(lambda: ex.solve(v1), repeat)
    row["exact_solve_ms"] *= 1e3
    t, _ = best(lambda: ex.solve(vb), max(1, repeat // 2))
    row["exact_batch_ms_per_vec"] = t / batch * 1e3
    # scipy on the very same system: spsolve (factor + solve every time) and splu (factor, then solve)
    A, b = ex._A, ex._M @ v1
    if with_spsolve:
        t, _ = best(lambda: spsolve(A, b), 1 if n >= 256 else repeat)
        row["scipy_spsolve_ms"] = t * 1e3
    t, lu = best(lambda: splu(A), 1)
    row["scipy_splu_factor_s"] = t
    t, _ = best(lambda: lu.solve(b), repeat)
    row["scipy_splu_solve_ms"] = t * 1e3

    t, fs = best(lambda: FastCrossbarSolver(G, *RES, tolerance_rel=1e-9), repeat)
    row["fast_setup_ms"] = t * 1e3
    t, sol = best(lambda: fs.solve(v1), repeat)
    row["fast_solve_ms"] = t * 1e3
    row["fast_iterations"] = sol.report["iterations"]
    row["fast_residual"] = sol.report["residual"]
    row["fast_vs_exact_rel_err"] = float(np.abs(sol.i_col - ref.i_col).max() / np.abs(ref.i_col).max())
    t, _ = best(lambda: fs.solve(vb), max(1, repeat // 2))
    row["fast_batch_ms_per_vec"] = t / batch * 1e3
    fs16 = FastCrossbarSolver(G, *RES, tolerance_rel=1e-9, batch_chunk=batch)
    t, _ = best(lambda: fs16.solve(vb), max(1, repeat // 2))
    row["fast_batched_kernel_ms_per_vec"] = t / batch * 1e3

    # currents only, through the transfer matrix (i_col = v_in @ T): built once per state
    if n <= 256:
        t, T = best(lambda: fs.transfer_matrix(), 1)
        row["transfer_matrix_build_s"] = t
        t, _ = best(lambda: vb @ T, repeat)
        row["transfer_batch_us_per_vec"] = t / batch * 1e6

    # 1T1R: every row's single-row read (a ladder), i.e. a whole effective-weight build
    t, _ = best(lambda: single_row_reads(G, 0.2, *RES, r_access=500.0), repeat)
    row["ladder_all_rows_ms"] = t * 1e3

    # a row read in the engine: a gather of one row of the effective matrix into the column currents
    W = np.ascontiguousarray(rng.uniform(-1, 1, (n, n // 2)))
    acc = np.zeros(n // 2)
    rows = rng.integers(0, n, 10000)

    def gather():
        for r in rows:
            np.add(acc, W[r], out=acc)
    t, _ = best(gather, repeat)
    row["row_read_gather_us"] = t / rows.size * 1e6
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--no-spsolve-above", type=int, default=256, help="skip spsolve for larger sizes")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    rows = []
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}")
    for n in args.sizes:
        r = bench(n, args.repeat, args.batch, n <= args.no_spsolve_above)
        rows.append(r)
        print(json.dumps(r, indent=None, default=float))
    hdr = ("size", "exact_setup_s", "exact_solve_ms", "exact_batch_ms_per_vec", "scipy_spsolve_ms",
           "scipy_splu_solve_ms", "fast_solve_ms", "fast_batch_ms_per_vec", "fast_iterations",
           "fast_vs_exact_rel_err", "ladder_all_rows_ms", "row_read_gather_us")
    print("\n| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in rows:
        print("| " + " | ".join(f"{r.get(h, float('nan')):.3g}" if not isinstance(r.get(h), int) else str(r[h]) for h in hdr) + " |")
    for r in rows:
        if "scipy_spsolve_ms" in r:
            print(f"n={r['size']}: fast single solve is {r['scipy_spsolve_ms'] / r['fast_solve_ms']:.1f}x faster than "
                  f"spsolve, {r['scipy_splu_solve_ms'] / r['fast_solve_ms']:.2f}x vs a reused splu solve")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1, default=float)


if __name__ == "__main__":
    main()
