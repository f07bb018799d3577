"""Series single-path model of programming one cell (NeuroSim ``GetColumnResistance``).

When one cell (i, j) of a 1T1R array is programmed, only its access transistor conducts, so the
programming current flows through one series path (NeuroSim ``GetColumnResistance``; docs/references.md#ir-drop):

    R_path(i, j) = R_cell + r_access + r_driver + j·r_wire_row + (R-1-i)·r_wire_col + r_sense,
    I_prog(i, j) = V_prog / R_path(i, j).

Segment count: in neurosim's nodal convention (docs/design.md#crossbar-electrics) the driver connects straight to the
word-line node of column 0 and the sense amplifier straight to the bit-line node of row R-1, so
cell (i, j) is ``j`` word-line segments and ``R-1-i`` bit-line segments away. NeuroSim counts one
more segment on each line (``(j+1)`` and ``(R-i)``) because it places a wire segment between the
driver and the first cell; here that segment is part of ``r_driver`` / ``r_sense``. With this count
the series path equals the exact nodal solve (``CrossbarSolver``) when one cell is driven — a test
holds them together to round-off.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_resistance

__all__ = ["series_path_resistance", "series_program_current"]


def series_path_resistance(shape, r_cell, r_wire_row, r_wire_col, r_driver, r_sense, r_access=0.0):
    """Series resistance (ohm) of the programming path of every cell, shape ``shape = (R, C)``.

    ``r_cell`` is the cell resistance during the pulse: a scalar or an (R, C) array.

    >>> series_path_resistance((2, 2), 1000.0, 1.0, 3.0, 10.0, 20.0)
    array([[1033., 1034.],
           [1030., 1031.]])
    """
    try:
        R, C = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape: expected (rows, columns), got {shape!r}") from None
    if R < 1 or C < 1:
        raise ValueError(f"shape: rows and columns must be >= 1, got {shape!r}")
    r_cell = np.asarray(r_cell, dtype=np.float64)
    if r_cell.ndim and r_cell.shape != (R, C):
        raise ValueError(f"r_cell: shape {r_cell.shape} does not match the crossbar ({R}, {C})")
    if np.any(~np.isfinite(r_cell)) or np.any(r_cell < 0):
        raise ValueError("r_cell: cell resistances must be finite and >= 0 ohm")
    r_row = check_resistance(r_wire_row, "r_wire_row")
    r_col = check_resistance(r_wire_col, "r_wire_col")
    fixed = (check_resistance(r_driver, "r_driver") + check_resistance(r_sense, "r_sense")
             + check_resistance(r_access, "r_access"))
    i = np.arange(R)[:, None]
    j = np.arange(C)[None, :]
    return r_cell + fixed + j * r_row + (R - 1 - i) * r_col


def series_program_current(shape, v_program, r_cell, r_wire_row, r_wire_col, r_driver, r_sense, r_access=0.0):
    """Programming current (A) of every cell from the series path: ``V_prog / R_path(i, j)``."""
    v = float(v_program)
    if not np.isfinite(v):
        raise ValueError(f"v_program: must be a finite voltage, got {v_program!r}")
    Rp = series_path_resistance(shape, r_cell, r_wire_row, r_wire_col, r_driver, r_sense, r_access)
    with np.errstate(divide="ignore"):
        return v / Rp
