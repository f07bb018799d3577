"""Exact IR-drop solve: sparse nodal analysis of the whole crossbar (docs/design.md#crossbar-electrics).

Circuit (A. Chen, IEEE TED 60(4) 2013, "A comprehensive crossbar array model with solutions for
line resistance and nonlinear device characteristics"; MemTorch ``solve_passive``): two nodes per
cell, the word-line node ``w(i, j)`` and the bit-line node ``b(i, j)``.

* word line i is driven at its column-0 end: source ``v_in[i]`` — ``r_driver`` — ``w(i, 0)``;
* ``r_wire_row`` between ``w(i, j)`` and ``w(i, j+1)``; the far end ``w(i, C-1)`` is open;
* cell (i, j): conductance ``G[i, j]`` in series with ``r_access`` between ``w(i, j)`` and ``b(i, j)``;
* ``r_wire_col`` between ``b(i, j)`` and ``b(i+1, j)``; the far end ``b(0, j)`` is open;
* bit line j is sensed at its row-(R-1) end: ``b(R-1, j)`` — ``r_sense`` — virtual ground (0 V).

Kirchhoff's current law at every node gives one sparse symmetric positive-definite system
``A x = M v_in`` (the conductance Laplacian). It is factorised once per conductance state with
SuperLU (``scipy.sparse.linalg.splu``) and reused for every later input vector.

Zero resistances are eliminated rather than stamped as infinite conductances: a zero wire merges
the nodes it joins (the whole word line or bit line becomes one node), a zero driver fixes
``w(i, 0)`` at ``v_in[i]``, a zero sense resistance fixes ``b(R-1, j)`` at 0 V. With every resistance
zero no unknown is left and ``v_cell = v_in``.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from ._checks import check_conductances, check_inputs, check_resistance

__all__ = ["CrossbarSolver", "IRDropSolution"]


class IRDropSolution(tuple):
    """``(v_cell, i_col)`` with two extra attributes: ``i_row`` (current delivered by each word-line
    driver, A) and ``report`` (solver report, a dict). Unpacks like a plain pair."""

    def __new__(cls, v_cell, i_col, i_row, report):
        self = super().__new__(cls, (v_cell, i_col))
        self.i_row = i_row
        self.report = report
        return self

    @property
    def v_cell(self):
        return self[0]

    @property
    def i_col(self):
        return self[1]


def _stamp(rows, cols, vals, p, q, g):
    """Append the four Laplacian entries of conductances ``g`` between node arrays ``p`` and ``q``."""
    rows += [p, q, p, q]
    cols += [p, q, q, p]
    vals += [g, g, -g, -g]


class CrossbarSolver:
    """Exact nodal solver for one conductance state, factorised once and reused.

    Parameters
    ----------
    G : (R, C) array_like
        Cell conductances (S), ``>= 0``.
    r_wire_row, r_wire_col : float
        Word-line / bit-line wire resistance per segment between neighbouring cells (ohm).
    r_driver, r_sense : float
        Word-line driver output resistance, bit-line sense input resistance (ohm).
    r_access : float, optional
        Resistance in series with every cell (1T1R access transistor, ohm).
    permc_spec : str, optional
        Column ordering handed to SuperLU.

    Examples
    --------
    >>> import numpy as np
    >>> s = CrossbarSolver(np.full((4, 3), 1e-5), 1.0, 3.0, 100.0, 100.0)
    >>> v_cell, i_col = s.solve(np.full(4, 0.2))
    >>> v_cell.shape, i_col.shape
    ((4, 3), (3,))
    """

    method = "exact"

    def __init__(self, G, r_wire_row, r_wire_col, r_driver, r_sense, *, r_access=0.0,
                 permc_spec="MMD_AT_PLUS_A", _allow_negative=False):
        self.G = check_conductances(G, allow_negative=_allow_negative)
        self.r_wire_row = check_resistance(r_wire_row, "r_wire_row")
        self.r_wire_col = check_resistance(r_wire_col, "r_wire_col")
        self.r_driver = check_resistance(r_driver, "r_driver")
        self.r_sense = check_resistance(r_sense, "r_sense")
        self.r_access = check_resistance(r_access, "r_access")
        R, C = self.shape = self.G.shape
        # series conductance of cell + access device; exact for G = 0
        self.g_branch = self.G / (1.0 + self.G * self.r_access)

        idx = np.arange(R * C).reshape(R, C)
        if self.r_wire_row > 0:
            wl = idx.copy()
            nw = R * C
        else:
            wl = np.repeat(np.arange(R)[:, None], C, axis=1)
            nw = R
        if self.r_wire_col > 0:
            bl = nw + idx
            nb = R * C
        else:
            bl = nw + np.repeat(np.arange(C)[None, :], R, axis=0)
            nb = C
        S = nw + nb
        self._wl, self._bl = wl, bl

        rows, cols, vals = [], [], []
        _stamp(rows, cols, vals, wl.ravel(), bl.ravel(), self.g_branch.ravel())
        if self.r_wire_row > 0 and C > 1:
            g = np.full(R * (C - 1), 1.0 / self.r_wire_row)
            _stamp(rows, cols, vals, wl[:, :-1].ravel(), wl[:, 1:].ravel(), g)
        if self.r_wire_col > 0 and R > 1:
            g = np.full((R - 1) * C, 1.0 / self.r_wire_col)
            _stamp(rows, cols, vals, bl[:-1, :].ravel(), bl[1:, :].ravel(), g)
        fixed = np.zeros(S, dtype=bool)
        # P maps v_in to the voltages of fixed nodes, Bsrc carries driver sources into the RHS
        p_rows, p_cols = [], []
        b_rows, b_cols, b_vals = [], [], []
        drive_nodes = wl[:, 0]
        if self.r_driver > 0:
            gd = 1.0 / self.r_driver
            rows.append(drive_nodes); cols.append(drive_nodes); vals.append(np.full(R, gd))
            b_rows.append(drive_nodes); b_cols.append(np.arange(R)); b_vals.append(np.full(R, gd))
        else:
            fixed[drive_nodes] = True
            p_rows.append(drive_nodes); p_cols.append(np.arange(R))
        sense_nodes = bl[R - 1, :]
        if self.r_sense > 0:
            gs = 1.0 / self.r_sense
            rows.append(sense_nodes); cols.append(sense_nodes); vals.append(np.full(C, gs))
        else:
            fixed[sense_nodes] = True  # virtual ground: fixed at 0 V, no entry in P
        L = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(S, S))
        if b_rows:
            Bsrc = sp.csr_matrix((np.concatenate(b_vals), (np.concatenate(b_rows), np.concatenate(b_cols))), shape=(S, R))
        else:
            Bsrc = sp.csr_matrix((S, R))
        if p_rows:
            P = sp.csr_matrix((np.ones(R), (np.concatenate(p_rows), np.concatenate(p_cols))), shape=(S, R))
        else:
            P = sp.csr_matrix((S, R))
        free = np.flatnonzero(~fixed)
        self._free, self._fixed_P = free, P
        self.n_unknowns = free.size
        if free.size:
            A = L[free][:, free].tocsc()
            Lfc = L[free][:, np.flatnonzero(fixed)]
            M = Bsrc[free] - Lfc @ P[np.flatnonzero(fixed)]
            self._A = A
            self._M = sp.csr_matrix(M)
            self._lu = splu(A, permc_spec=permc_spec)
        else:
            self._A = self._M = self._lu = None
        self._n_nodes = S

    # ------------------------------------------------------------------------------------
    def node_voltages(self, v_in):
        """All node voltages for a batch: returns ``(Vw, Vb)``, each (B, R, C), and ``batched``."""
        V, batched = check_inputs(v_in, self.shape[0])
        B = V.shape[0]
        x = np.empty((self._n_nodes, B))
        x[:] = (self._fixed_P @ V.T) if self._fixed_P.nnz else 0.0
        if self._lu is not None:
            rhs = self._M @ V.T
            x[self._free] = self._lu.solve(np.asfortranarray(rhs))
        R, C = self.shape
        Vw = x[self._wl.ravel()].T.reshape(B, R, C)
        Vb = x[self._bl.ravel()].T.reshape(B, R, C)
        return Vw, Vb, batched

    def solve(self, v_in):
        """Solve for word-line voltages ``v_in`` ((R,) or (B, R), volts).

        Returns ``(v_cell, i_col)`` — the voltage across each cell's memristor (R, C) [or (B, R, C)]
        and the current sensed at each bit line (C,) [or (B, C)], amperes — as an
        :class:`IRDropSolution`, which also carries ``i_row`` (driver currents) and ``report``.
        """
        Vw, Vb, batched = self.node_voltages(v_in)
        return _finish(self, Vw, Vb, batched, {"method": "exact", "converged": True, "iterations": 1,
                                                "residual": self._residual(Vw, Vb, v_in)})

    def transfer_matrix(self, chunk=64):
        """(R, C) matrix T with ``i_col = v_in @ T`` (A/V): the column currents per volt on each word
        line, IR drop included (linearity, docs/references.md#ir-drop). R solves, once per conductance state;
        afterwards the currents of any batch of inputs cost one dense product."""
        return transfer_matrix(self, chunk)

    def kcl_residual(self, v_in, v_cell=None):
        """Largest KCL imbalance over all free nodes, relative to the largest current at a node."""
        Vw, Vb, _ = self.node_voltages(v_in)
        return self._residual(Vw, Vb, v_in)

    def _residual(self, Vw, Vb, v_in):
        if self._lu is None:
            return 0.0
        V, _ = check_inputs(v_in, self.shape[0])
        B = V.shape[0]
        x = np.zeros((self._n_nodes, B))
        x[self._wl.ravel()] = Vw.reshape(B, -1).T
        x[self._bl.ravel()] = Vb.reshape(B, -1).T
        xf = x[self._free]
        r = self._A @ xf - self._M @ V.T
        scale = np.abs(self._A).dot(np.abs(xf)) + np.abs(self._M) @ np.abs(V.T)
        denom = max(float(scale.max()), 1e-300)
        return float(np.abs(r).max() / denom)


def transfer_matrix(solver, chunk=64):
    """Column currents per volt on each word line, (R, C), from ``R`` unit solves of ``solver``."""
    R, C = solver.shape
    T = np.empty((R, C))
    for s in range(0, R, chunk):
        e = min(R, s + chunk)
        V = np.zeros((e - s, R))
        V[np.arange(e - s), np.arange(s, e)] = 1.0
        T[s:e] = solver.solve(V).i_col
    return T


def _finish(solver, Vw, Vb, batched, report):
    """Cell voltages and currents from node voltages (shared by the exact and fast solvers)."""
    dv = Vw - Vb
    i_cell = solver.g_branch * dv
    v_cell = dv / (1.0 + solver.G * solver.r_access) if solver.r_access > 0 else dv
    i_col = i_cell.sum(axis=1)      # KCL: every cell current of a bit line leaves through its sense end
    i_row = i_cell.sum(axis=2)      # ... and enters through its word line's driver
    if not batched:
        v_cell, i_col, i_row = v_cell[0], i_col[0], i_row[0]
    return IRDropSolution(v_cell, i_col, i_row, report)
