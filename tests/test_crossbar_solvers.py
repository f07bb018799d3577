"""IR-drop solvers: exact nodal analysis, 1T1R ladder, series path — held together on small cases."""
import numpy as np
import pytest

from neurosim.crossbar import CrossbarSolver, series_path_resistance, single_row_reads, solve_ir_drop

RES = [(1.0, 3.0, 100.0, 100.0), (2.5, 7.5, 0.0, 50.0), (4.0, 12.0, 30.0, 0.0), (0.0, 3.0, 100.0, 100.0),
       (1.0, 0.0, 100.0, 100.0), (0.0, 0.0, 100.0, 0.0), (0.0, 0.0, 0.0, 0.0)]


def rand_G(rng, R, C):
    return rng.uniform(1e-6, 1e-4, (R, C))


@pytest.mark.parametrize("res", RES)
def test_kcl_residual_small(res):
    rng = np.random.default_rng(1)
    G = rand_G(rng, 9, 7)
    s = CrossbarSolver(G, *res, r_access=200.0)
    v = rng.uniform(0, 0.3, (3, 9))
    sol = s.solve(v)
    assert sol.report["residual"] < 1e-12
    assert sol.v_cell.shape == (3, 9, 7) and sol.i_col.shape == (3, 7)
    # KCL over the whole array: what the drivers deliver, the sense amplifiers collect
    assert np.allclose(sol.i_row.sum(axis=1), sol.i_col.sum(axis=1), rtol=1e-12)


def test_batched_equals_single():
    rng = np.random.default_rng(2)
    G = rand_G(rng, 6, 5)
    s = CrossbarSolver(G, 1.0, 3.0, 100.0, 100.0)
    V = rng.uniform(0, 0.2, (4, 6))
    vb, ib = s.solve(V)
    for k in range(4):
        v1, i1 = s.solve(V[k])
        np.testing.assert_allclose(vb[k], v1, rtol=1e-13)
        np.testing.assert_allclose(ib[k], i1, rtol=1e-13)


def test_no_parasitics_gives_ideal():
    rng = np.random.default_rng(3)
    G = rand_G(rng, 5, 4)
    v = rng.uniform(0, 0.3, 5)
    v_cell, i_col = solve_ir_drop(G, v, 0, 0, 0, 0)
    np.testing.assert_array_equal(v_cell, np.repeat(v[:, None], 4, axis=1))
    np.testing.assert_allclose(i_col, v @ G, rtol=1e-14)


@pytest.mark.parametrize("r", [1e-9, 1e-6])
def test_wires_to_zero_limit(r):
    rng = np.random.default_rng(4)
    G = rand_G(rng, 8, 8)
    v = rng.uniform(0, 0.3, 8)
    v_cell, i_col = solve_ir_drop(G, v, r, r, r, r)
    np.testing.assert_allclose(v_cell, np.repeat(v[:, None], 8, axis=1), rtol=1e-9 + 100 * r)


def test_linearity():
    rng = np.random.default_rng(5)
    G = rand_G(rng, 6, 6)
    s = CrossbarSolver(G, 2.0, 6.0, 80.0, 40.0)
    a, b = rng.uniform(0, 0.3, (2, 6))
    np.testing.assert_allclose(s.solve(a + 2 * b)[1], s.solve(a)[1] + 2 * s.solve(b)[1], rtol=1e-12)


def test_ir_drop_direction():
    """Farther from the driver and from the sense amplifier the cell sees less voltage."""
    G = np.full((16, 16), 1e-4)
    v_cell, _ = solve_ir_drop(G, np.full(16, 0.2), 2.0, 2.0, 10.0, 10.0)
    assert np.all(np.diff(v_cell, axis=1) < 0)           # along the word line, away from the driver
    assert np.all(np.diff(v_cell, axis=0) > 0)           # toward row R-1 the bit line is nearer ground
    assert v_cell.argmax() == np.ravel_multi_index((15, 0), v_cell.shape)


@pytest.mark.parametrize("res", RES)
def test_series_path_equals_exact_when_one_cell_driven(res):
    R, C = 7, 6
    r_acc = 300.0
    for (i, j) in [(0, 0), (R - 1, 0), (0, C - 1), (3, 2), (R - 1, C - 1)]:
        G = np.zeros((R, C))
        G[i, j] = 1 / 2000.0
        v = np.zeros(R)
        v[i] = 1.2
        _, i_col = solve_ir_drop(G, v, *res, r_access=r_acc)
        Rp = series_path_resistance((R, C), 2000.0, *res, r_access=r_acc)[i, j]
        assert i_col[j] == pytest.approx(1.2 / Rp, rel=1e-12)


@pytest.mark.parametrize("res", RES)
def test_ladder_equals_nodal_with_other_rows_off(res):
    """1T1R read of row i == full nodal solve of the array with only row i's cells present."""
    rng = np.random.default_rng(6)
    R, C = 6, 5
    G = rand_G(rng, R, C)
    v_l, i_l, ir_l = single_row_reads(G, 0.25, *res, r_access=500.0)
    for i in range(R):
        Gi = np.zeros_like(G)
        Gi[i] = G[i]
        v = np.zeros(R)
        v[i] = 0.25
        sol = solve_ir_drop(Gi, v, *res, r_access=500.0)
        np.testing.assert_allclose(i_l[i], sol.i_col, rtol=1e-11)
        np.testing.assert_allclose(v_l[i], sol.v_cell[i], rtol=1e-11)
        assert ir_l[i] == pytest.approx(sol.i_row[i], rel=1e-11)


def test_zero_conductance_cells():
    G = np.zeros((4, 4))
    G[1, 2] = 1e-5
    v_cell, i_col = solve_ir_drop(G, np.full(4, 0.1), 1.0, 1.0, 10.0, 10.0)
    assert np.all(np.isfinite(v_cell)) and i_col[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("bad, match", [
    (dict(G=-np.ones((2, 2))), "G"),
    (dict(G=np.ones(3)), "G"),
    (dict(v_in=np.ones(3)), "v_in"),
    (dict(r_wire_row=-1.0), "r_wire_row"),
    (dict(r_sense=float("nan")), "r_sense"),
    (dict(method="spice"), "method"),
])
def test_bad_arguments(bad, match):
    args = dict(G=np.full((2, 2), 1e-5), v_in=np.ones(2), r_wire_row=1.0, r_wire_col=1.0, r_driver=1.0,
                r_sense=1.0, method="exact")
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        solve_ir_drop(**args)
