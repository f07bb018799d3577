"""The exact and fast IR-drop solvers against ngspice (an independent circuit simulator).

The test writes the netlist of docs/design.md#crossbar-electrics itself, runs ``ngspice -b`` (``op`` analysis, ASCII raw
output with 16 significant digits) and compares every cell voltage and column current. Skipped, with
the reason shown, only where ngspice is not installed.
"""
import shutil
import subprocess

import numpy as np
import pytest

from neurosim.crossbar import solve_ir_drop

NGSPICE = shutil.which("ngspice")
pytestmark = pytest.mark.skipif(NGSPICE is None, reason="ngspice is not installed (apt-get install ngspice)")


def netlist(G, v_in, r_row, r_col, r_drv, r_sns, r_acc):
    R, C = G.shape
    out = ["crossbar"]
    for i in range(R):
        out.append(f"V{i} s{i} 0 {v_in[i]:.17g}")
        out.append(f"RD{i} s{i} w{i}_0 {r_drv:.17g}")
        for j in range(C):
            if r_acc > 0:
                out.append(f"RC{i}_{j} w{i}_{j} m{i}_{j} {1.0 / G[i, j]:.17g}")
                out.append(f"RA{i}_{j} m{i}_{j} b{i}_{j} {r_acc:.17g}")
            else:
                out.append(f"RC{i}_{j} w{i}_{j} b{i}_{j} {1.0 / G[i, j]:.17g}")
            if j < C - 1:
                out.append(f"RW{i}_{j} w{i}_{j} w{i}_{j + 1} {r_row:.17g}")
            if i < R - 1:
                out.append(f"RB{i}_{j} b{i}_{j} b{i + 1}_{j} {r_col:.17g}")
    for j in range(C):
        out.append(f"RS{j} b{R - 1}_{j} 0 {r_sns:.17g}")
    out += [".options noacct", ".control", "op", "set filetype=ascii", "write out.raw all", ".endc", ".end", ""]
    return "\n".join(out)


def parse_raw(path):
    lines = path.read_text().splitlines()
    n = int(next(l for l in lines if l.startswith("No. Variables:")).split(":")[1])
    vi = lines.index("Variables:")
    names = [lines[vi + 1 + k].split()[1].lower() for k in range(n)]
    vals_start = lines.index("Values:") + 1
    vals = []
    for l in lines[vals_start:vals_start + n]:
        vals.append(float(l.split()[-1]))
    return dict(zip(names, vals))


def run_spice(tmp_path, G, v_in, res, r_acc):
    (tmp_path / "x.cir").write_text(netlist(G, v_in, *res, r_acc))
    p = subprocess.run([NGSPICE, "-b", "x.cir"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    # ngspice exits with 1 in batch mode when there are no .print lines; the raw file is the result
    assert (tmp_path / "out.raw").exists() and "error" not in p.stderr.lower(), p.stderr[-2000:]
    v = parse_raw(tmp_path / "out.raw")
    R, C = G.shape
    w = np.array([[v[f"v(w{i}_{j})"] for j in range(C)] for i in range(R)])
    b = np.array([[v[f"v(b{i}_{j})"] for j in range(C)] for i in range(R)])
    if r_acc > 0:
        m = np.array([[v[f"v(m{i}_{j})"] for j in range(C)] for i in range(R)])
        v_cell = w - m
    else:
        v_cell = w - b
    i_col = b[R - 1] / res[3]
    return v_cell, i_col


def max_rel(a, ref):
    floor = 1e-9 * np.abs(ref).max()
    return float(np.max(np.abs(a - ref) / np.maximum(np.abs(ref), floor)))


CASES = [  # (R, C, (r_wire_row, r_wire_col, r_driver, r_sense), r_access, drive)
    (8, 8, (1.0, 3.0, 100.0, 100.0), 0.0, "all"),
    (16, 12, (2.5, 7.5, 50.0, 20.0), 0.0, "one"),
    (32, 32, (1.0, 3.0, 100.0, 100.0), 0.0, "all"),
    (32, 32, (4.0, 12.0, 10.0, 10.0), 0.0, "one"),
    (32, 32, (10.0, 10.0, 1.0, 1.0), 500.0, "all"),
    (24, 40, (0.1, 0.3, 1000.0, 5.0), 0.0, "all"),
]


@pytest.mark.parametrize("R, C, res, r_acc, drive", CASES)
def test_against_ngspice(tmp_path, R, C, res, r_acc, drive):
    rng = np.random.default_rng(R * 1000 + C)
    G = rng.uniform(1e-6, 1e-4, (R, C))
    if drive == "all":
        v_in = rng.uniform(0.05, 0.3, R)
    else:  # single-row read of a passive array: other word lines held at 0 V
        v_in = np.zeros(R)
        v_in[R // 3] = 0.2
    v_ref, i_ref = run_spice(tmp_path, G, v_in, res, r_acc)
    for method, tol in (("exact", 1e-6), ("fast", 1e-6)):
        v_cell, i_col = solve_ir_drop(G, v_in, *res, method=method, r_access=r_acc, tolerance_rel=1e-11)
        assert max_rel(i_col, i_ref) <= tol, method
        assert max_rel(v_cell, v_ref) <= tol, method
