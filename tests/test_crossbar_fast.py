"""The compiled fast IR-drop solver against the exact nodal solve; convergence reporting."""
import warnings

import numpy as np
import pytest

from neurosim.crossbar import (ConvergenceWarning, CrossbarSolver, FastCrossbarSolver, IRDropConvergenceError,
                               solve_ir_drop)


def rel_err(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("res", [(1.0, 3.0, 100.0, 100.0), (4.0, 12.0, 10.0, 10.0), (0.5, 0.5, 2000.0, 1.0)])
def test_fast_matches_exact_small(res):
    rng = np.random.default_rng(10)
    G = rng.uniform(1e-6, 1e-4, (17, 23))
    V = rng.uniform(0, 0.3, (3, 17))
    ex = solve_ir_drop(G, V, *res, r_access=250.0)
    fs = solve_ir_drop(G, V, *res, r_access=250.0, method="fast", tolerance_rel=1e-11)
    assert fs.report["converged"] and fs.report["method"] == "fast"
    assert rel_err(fs.v_cell, ex.v_cell) < 1e-9 and rel_err(fs.i_col, ex.i_col) < 1e-9


def test_fast_matches_exact_256():
    """Fast vs exact <= 1e-6 relative at 256 x 256 (the default tolerance of the shipped chips)."""
    rng = np.random.default_rng(11)
    G = rng.uniform(1e-6, 1e-4, (256, 256))
    V = rng.uniform(0, 0.2, (2, 256))
    ex = CrossbarSolver(G, 2.5, 7.5, 100.0, 100.0).solve(V)
    fs = FastCrossbarSolver(G, 2.5, 7.5, 100.0, 100.0, tolerance_rel=1e-9).solve(V)
    assert fs.report["converged"] and fs.report["residual"] <= 1e-9
    assert rel_err(fs.v_cell, ex.v_cell) < 1e-6
    assert rel_err(fs.i_col, ex.i_col) < 1e-6


def test_batched_kernel_equals_single():
    rng = np.random.default_rng(12)
    G = rng.uniform(1e-6, 1e-4, (20, 12))
    V = rng.uniform(0, 0.3, (5, 20))
    a = FastCrossbarSolver(G, 1.0, 3.0, 50.0, 50.0, tolerance_rel=1e-13, batch_chunk=1).solve(V)
    b = FastCrossbarSolver(G, 1.0, 3.0, 50.0, 50.0, tolerance_rel=1e-13, batch_chunk=4).solve(V)
    assert rel_err(a.i_col, b.i_col) < 1e-11 and rel_err(a.v_cell, b.v_cell) < 1e-11
    z = FastCrossbarSolver(G, 1.0, 3.0, 50.0, 50.0).solve(np.zeros(20))      # zero input: zero solution
    assert np.all(z.v_cell == 0) and z.report["converged"]


def test_zero_resistances_delegate_to_exact():
    G = np.full((6, 5), 1e-5)
    sol = FastCrossbarSolver(G, 0.0, 1.0, 0.0, 10.0).solve(np.full(6, 0.2))
    assert sol.report["method"] == "exact" and "delegated" in sol.report["note"]


def test_non_convergence_is_reported():
    rng = np.random.default_rng(13)
    G = rng.uniform(1e-6, 1e-4, (64, 64))
    s = FastCrossbarSolver(G, 1.0, 3.0, 100.0, 100.0, tolerance_rel=1e-14, max_iterations=1)
    with pytest.warns(ConvergenceWarning, match="did not reach"):
        sol = s.solve(np.full(64, 0.2))
    assert sol.report["converged"] is False and sol.report["iterations"] == 1 and sol.report["residual"] > 1e-14
    s = FastCrossbarSolver(G, 1.0, 3.0, 100.0, 100.0, tolerance_rel=1e-14, max_iterations=1, on_fail="raise")
    with pytest.raises(IRDropConvergenceError):
        s.solve(np.full(64, 0.2))


def test_transfer_matrix_gives_currents():
    rng = np.random.default_rng(14)
    G = rng.uniform(1e-6, 1e-4, (10, 7))
    V = rng.uniform(0, 0.3, (4, 10))
    for s in (CrossbarSolver(G, 1.0, 3.0, 100.0, 100.0), FastCrossbarSolver(G, 1.0, 3.0, 100.0, 100.0, tolerance_rel=1e-11)):
        np.testing.assert_allclose(V @ s.transfer_matrix(), s.solve(V).i_col, rtol=1e-10)


def test_fast_bad_arguments():
    with pytest.raises(ValueError, match="tolerance_rel"):
        FastCrossbarSolver(np.ones((2, 2)) * 1e-5, 1, 1, 1, 1, tolerance_rel=0)
    with pytest.raises(ValueError, match="on_fail"):
        FastCrossbarSolver(np.ones((2, 2)) * 1e-5, 1, 1, 1, 1, on_fail="ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FastCrossbarSolver(np.ones((2, 2)) * 1e-5, 1, 1, 1, 1).solve([0.1, 0.2])
