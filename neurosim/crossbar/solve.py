"""Front door of the IR-drop solvers: ``solve_ir_drop`` and ``make_solver``."""
from __future__ import annotations

from .nodal import CrossbarSolver

__all__ = ["solve_ir_drop", "make_solver", "METHODS"]

METHODS = ("exact", "fast")


def make_solver(G, r_wire_row, r_wire_col, r_driver, r_sense, *, r_access=0.0, method="exact",
                tolerance_rel=1e-9, max_iterations=None, on_fail="warn", _allow_negative=False):
    """A reusable solver for one conductance state: ``CrossbarSolver`` (``exact``) or
    ``FastCrossbarSolver`` (``fast``). Both have ``.solve(v_in) -> (v_cell, i_col)``."""
    if method == "exact":
        return CrossbarSolver(G, r_wire_row, r_wire_col, r_driver, r_sense, r_access=r_access,
                              _allow_negative=_allow_negative)
    if method == "fast":
        from .fast import FastCrossbarSolver
        return FastCrossbarSolver(G, r_wire_row, r_wire_col, r_driver, r_sense, r_access=r_access,
                                  tolerance_rel=tolerance_rel, max_iterations=max_iterations, on_fail=on_fail,
                                  _allow_negative=_allow_negative)
    raise ValueError(f"method: expected one of {METHODS}, got {method!r}")


def solve_ir_drop(G, v_in, r_wire_row, r_wire_col, r_driver, r_sense, method="exact", *, r_access=0.0,
                  tolerance_rel=1e-9, max_iterations=None, on_fail="warn"):
    """Solve the crossbar circuit (docs/design.md#crossbar-electrics) for every cell's voltage and every
    column current.

    Parameters
    ----------
    G : (R, C) array_like
        Cell conductances (S), ``>= 0``.
    v_in : (R,) or (B, R) array_like
        Word-line source voltages (V), or a batch of them.
    r_wire_row, r_wire_col : float
        Wire resistance per segment between neighbouring cells, word line / bit line (ohm).
    r_driver, r_sense : float
        Driver output and sense input resistance (ohm). Zero values are eliminated exactly.
    method : {"exact", "fast"}
        ``exact``: sparse nodal analysis with SuperLU; ``fast``: compiled preconditioned CG with
        line (word-line/bit-line) Gauss–Seidel preconditioning, see ``neurosim.crossbar.fast``.
    r_access : float, optional
        Resistance in series with each cell (1T1R access transistor, ohm).
    tolerance_rel, max_iterations, on_fail
        ``fast`` only: relative residual target, iteration cap, and ``"warn"`` or ``"raise"`` when
        the target is not met.

    Returns
    -------
    (v_cell, i_col)
        Voltage across each cell (R, C) [(B, R, C)] in volts and sensed current per bit line (C,)
        [(B, C)] in amperes. The returned pair also has ``.i_row`` (driver currents) and ``.report``
        (method, iterations, residual, converged).

    Examples
    --------
    >>> import numpy as np
    >>> v_cell, i_col = solve_ir_drop(np.full((2, 2), 1e-4), [0.2, 0.0], 0.0, 0.0, 0.0, 0.0)
    >>> v_cell.tolist(), bool(np.allclose(i_col, 2e-5))
    ([[0.2, 0.2], [0.0, 0.0]], True)
    """
    solver = make_solver(G, r_wire_row, r_wire_col, r_driver, r_sense, r_access=r_access, method=method,
                         tolerance_rel=tolerance_rel, max_iterations=max_iterations, on_fail=on_fail)
    return solver.solve(v_in)
