"""Single-row read of a 1T1R crossbar: one word line as a resistive ladder (exact, direct).

In a 1T1R array only the selected row's access transistors conduct during a read (or a write) of
that row, so every other cell is disconnected from the bit lines. Bit line j then carries only the
current of cell (i, j), which flows from the bit-line node at row i down ``R-1-i`` wire segments and
through the sense resistance to virtual ground. Each cell is therefore one series branch to ground,

    y[i, j] = 1 / (1/G[i, j] + r_access + (R-1-i)·r_wire_col + r_sense),

hanging off word line i, which is a chain of ``r_wire_row`` segments driven through ``r_driver`` at
column 0 (docs/design.md#crossbar-electrics). Kirchhoff's current law at the word-line nodes is a tridiagonal system,
solved for every row at once with the Thomas algorithm (vectorised over rows). This is the same
circuit as the full nodal solve (``CrossbarSolver``) with all other rows removed — the tests hold
the two together — at O(R·C) cost for all R row reads.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_conductances, check_resistance

__all__ = ["single_row_reads"]


def single_row_reads(G, v_read, r_wire_row, r_wire_col, r_driver, r_sense, r_access=0.0, rows=None,
                     *, _allow_negative=False):
    """Solve the read of each row of a 1T1R crossbar on its own.

    Parameters
    ----------
    G : (R, C) array_like
        Cell conductances (S).
    v_read : float
        Voltage applied at the driver of the row being read (V).
    r_wire_row, r_wire_col, r_driver, r_sense, r_access : float
        Resistances (ohm) as in docs/design.md#crossbar-electrics; ``r_access`` is in series with each cell.
    rows : array_like of int, optional
        Solve only these rows (default: all).

    Returns
    -------
    v_cell : (n, C) ndarray
        Voltage across each memristor of row ``rows[k]`` while that row is read (V).
    i_col : (n, C) ndarray
        Current sensed at each bit line during that read (A).
    i_row : (n,) ndarray
        Current delivered by the row's driver (A); ``v_read·i_row·t_read`` is the read energy.

    Examples
    --------
    >>> import numpy as np
    >>> v, i, ir = single_row_reads(np.full((2, 2), 1e-4), 0.2, 0.0, 0.0, 0.0, 0.0)
    >>> bool(np.allclose(i, 0.2e-4))
    True
    """
    G = check_conductances(G, allow_negative=_allow_negative)
    r_row = check_resistance(r_wire_row, "r_wire_row")
    r_col = check_resistance(r_wire_col, "r_wire_col")
    r_drv = check_resistance(r_driver, "r_driver")
    r_sns = check_resistance(r_sense, "r_sense")
    r_acc = check_resistance(r_access, "r_access")
    return _reads(G, float(v_read), r_row, r_col, r_drv, r_sns, r_acc, rows)


def _reads(G, v_read, r_row, r_col, r_drv, r_sns, r_acc, rows=None):
    """:func:`single_row_reads` without the argument checks: ``G`` a C-contiguous float64 (R, C)
    array and the resistances floats, already checked (``CrossbarPhysics`` checks them once)."""
    R, C = G.shape
    rows = np.arange(R) if rows is None else np.asarray(rows, dtype=np.intp)
    Gs = G[rows]
    n = rows.size
    r_tail = r_acc + (R - 1 - rows)[:, None] * r_col + r_sns        # (n, 1): access + bit line + sense
    denom = 1.0 + Gs * r_tail
    y = Gs / denom                                                  # branch conductance to ground
    if n == 0:
        return np.zeros((0, C)), np.zeros((0, C)), np.zeros(0)
    if r_row == 0.0:
        # the whole word line is one node
        ysum = y.sum(axis=1)
        if r_drv == 0.0:
            u_line = np.full(n, v_read)
        else:
            gd = 1.0 / r_drv
            u_line = v_read * gd / (gd + ysum)
        u = np.repeat(u_line[:, None], C, axis=1)
    else:
        gw = 1.0 / r_row
        # tridiagonal: lower = upper = -gw; diag d; rhs b (Thomas, forward elimination + back substitution)
        d = y + 2.0 * gw
        d[:, -1] -= gw                      # open far end
        b = np.zeros((n, C))
        if r_drv == 0.0:
            d[:, 0] = 1.0
            upper0 = 0.0
            b[:, 0] = v_read
        else:
            gd = 1.0 / r_drv
            d[:, 0] += gd - gw
            upper0 = -gw
            b[:, 0] = gd * v_read
        if C == 1:
            if r_drv == 0.0:
                d[:, 0] = 1.0
            u = b / d
        else:
            # forward elimination (m = d_j - lower_j·c'_{j-1}, lower = -gw) and back substitution,
            # row by row in csrc/ladder.pyx
            from neurosim._core.ladder import thomas_rows
            u = np.empty((n, C))
            thomas_rows(np.ascontiguousarray(d), np.ascontiguousarray(b), gw, float(upper0), u)
    i_col = y * u
    v_cell = u / denom
    return v_cell, i_col, i_col.sum(axis=1)
