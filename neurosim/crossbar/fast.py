"""Fast IR-drop solve: compiled preconditioned conjugate gradients with line Gauss–Seidel.

The kernel (``csrc/irdrop.pyx``, ``neurosim._core.irdrop.LineGSPCG``) solves the same nodal system as
:class:`~neurosim.crossbar.nodal.CrossbarSolver`: conjugate gradients on the SPD nodal matrix,
preconditioned by a symmetric line Gauss–Seidel sweep (exact Thomas solves of all word lines, then
all bit lines, then all word lines again; docs/references.md#ir-drop). Typed memoryviews, ``nogil``; the Thomas
factors are computed once per conductance state.

Convergence is judged on the relative residual ``||b − A x||₂/||b||₂ ≤ tolerance_rel`` of every
input vector. Every solve returns a report (``iterations``, ``residual`` = the worst true relative
residual, ``converged``); when a vector misses the tolerance the solver warns
(:class:`ConvergenceWarning`) or raises (:class:`IRDropConvergenceError`, ``on_fail="raise"``).

Zero resistances (a node that the exact solver eliminates) are delegated to the exact solver, whose
elimination makes those circuits small and direct; the report says so (``method: "exact"``).
"""
from __future__ import annotations

import warnings

import numpy as np

from ._checks import check_conductances, check_inputs, check_resistance
from .nodal import CrossbarSolver, _finish, transfer_matrix

__all__ = ["FastCrossbarSolver", "ConvergenceWarning", "IRDropConvergenceError"]


class ConvergenceWarning(RuntimeWarning):
    """The fast IR-drop solver stopped before reaching its tolerance."""


class IRDropConvergenceError(RuntimeError):
    """The fast IR-drop solver stopped before reaching its tolerance (``on_fail="raise"``)."""


def _kernel():
    try:
        from neurosim._core import irdrop
    except ImportError as exc:  # pragma: no cover - build problem
        raise ImportError("neurosim._core.irdrop is not built; run `python3 setup.py build_ext --inplace`") from exc
    return irdrop


class FastCrossbarSolver:
    """Compiled iterative solver for one conductance state (same arguments as ``CrossbarSolver``).

    Parameters
    ----------
    tolerance_rel : float
        Relative residual target per input vector (``crossbar.ir_drop_tolerance_rel``).
    max_iterations : int, optional
        PCG iteration cap (default ``50 + 2·sqrt(R·C)``).
    on_fail : {"warn", "raise"}
        What to do when a vector misses the tolerance.
    batch_chunk : int, optional
        Input vectors solved together by the kernel (work memory about 150·R·C·batch_chunk bytes).
        Default 1: on the machine of docs/performance.md the single-vector kernels (contiguous,
        vectorised inner loops) beat the batched ones per vector.

    Examples
    --------
    >>> import numpy as np
    >>> s = FastCrossbarSolver(np.full((8, 8), 1e-5), 1.0, 3.0, 100.0, 100.0)
    >>> sol = s.solve(np.full(8, 0.2))
    >>> sol.report["converged"], sol.v_cell.shape
    (True, (8, 8))
    """

    method = "fast"

    def __init__(self, G, r_wire_row, r_wire_col, r_driver, r_sense, *, r_access=0.0, tolerance_rel=1e-9,
                 max_iterations=None, on_fail="warn", batch_chunk=None, _allow_negative=False):
        self.G = check_conductances(G, allow_negative=_allow_negative)
        self.r_wire_row = check_resistance(r_wire_row, "r_wire_row")
        self.r_wire_col = check_resistance(r_wire_col, "r_wire_col")
        self.r_driver = check_resistance(r_driver, "r_driver")
        self.r_sense = check_resistance(r_sense, "r_sense")
        self.r_access = check_resistance(r_access, "r_access")
        tol = float(tolerance_rel)
        if not (0 < tol < 1):
            raise ValueError(f"tolerance_rel: must be between 0 and 1, got {tolerance_rel!r}")
        if on_fail not in ("warn", "raise"):
            raise ValueError(f"on_fail: expected 'warn' or 'raise', got {on_fail!r}")
        self.tolerance_rel, self.on_fail = tol, on_fail
        R, C = self.shape = self.G.shape
        self.max_iterations = int(max_iterations) if max_iterations is not None else int(50 + 2 * np.sqrt(R * C))
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations: must be >= 1, got {max_iterations!r}")
        self.g_branch = self.G / (1.0 + self.G * self.r_access)
        self.batch_chunk = int(batch_chunk) if batch_chunk else 1
        if min(self.r_wire_row, self.r_wire_col, self.r_driver, self.r_sense) == 0.0:
            self._exact = CrossbarSolver(self.G, self.r_wire_row, self.r_wire_col, self.r_driver, self.r_sense,
                                         r_access=self.r_access, _allow_negative=_allow_negative)
            self._kern = None
        else:
            self._exact = None
            self._kern = _kernel().LineGSPCG(np.ascontiguousarray(self.g_branch), 1.0 / self.r_wire_row,
                                             1.0 / self.r_wire_col, 1.0 / self.r_driver, 1.0 / self.r_sense)

    def transfer_matrix(self, chunk=64):
        """(R, C) matrix T with ``i_col = v_in @ T`` (see :meth:`CrossbarSolver.transfer_matrix`)."""
        return transfer_matrix(self, chunk)

    def solve(self, v_in):
        """Same contract as :meth:`CrossbarSolver.solve`; the report holds the convergence figures."""
        if self._exact is not None:
            sol = self._exact.solve(v_in)
            sol.report["note"] = "zero resistance: delegated to the exact solver"
            return sol
        V, batched = check_inputs(v_in, self.shape[0])
        R, C = self.shape
        B = V.shape[0]
        Vw = np.empty((B, R, C))
        Vb = np.empty((B, R, C))
        iters = np.zeros(B, dtype=np.int64)
        resid = np.zeros(B)
        for s in range(0, B, self.batch_chunk):
            e = min(B, s + self.batch_chunk)
            n = e - s
            xw = np.empty((R, C, n))
            xb = np.empty((R, C, n))
            it, res = self._kern.solve(np.ascontiguousarray(V[s:e]), self.tolerance_rel, self.max_iterations, xw, xb)
            iters[s:e] = it
            resid[s:e] = res
            Vw[s:e] = np.moveaxis(xw, 2, 0)
            Vb[s:e] = np.moveaxis(xb, 2, 0)
        worst = float(resid.max()) if B else 0.0
        converged = bool(np.all(resid <= self.tolerance_rel * (1 + 1e-6)))
        report = {"method": "fast", "converged": converged, "iterations": int(iters.max()) if B else 0,
                  "residual": worst, "tolerance_rel": self.tolerance_rel}
        if not converged:
            msg = (f"fast IR-drop solver did not reach tolerance_rel={self.tolerance_rel:g} on a {R}x{C} crossbar "
                   f"within {self.max_iterations} iterations (worst relative residual {worst:.3g}); "
                   f"raise max_iterations or use method='exact'")
            if self.on_fail == "raise":
                raise IRDropConvergenceError(msg)
            warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        return _finish(self, Vw, Vb, batched, report)
