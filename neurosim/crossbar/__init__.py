"""Crossbar physics: IR-drop solvers and per-crossbar effective weights
(docs/design.md#crossbar-electrics, docs/models.md).

* :func:`solve_ir_drop` / :func:`make_solver` — whole-array solve: ``exact`` (:class:`CrossbarSolver`,
  sparse nodal analysis, factorised once) or ``fast`` (:class:`FastCrossbarSolver`, compiled PCG with
  line Gauss–Seidel preconditioning).
* :func:`single_row_reads` — the read of one row of a 1T1R array (a one-row ladder), all rows at once.
* :func:`series_path_resistance`, :func:`series_program_current` — series single-path model.
* :class:`CrossbarPhysics` / :func:`physics_for` — what the engine uses: effective weights, cell read
  voltages, row read energies, programming currents, lazy rebuild.
"""
from .ladder import single_row_reads
from .nodal import CrossbarSolver, IRDropSolution
from .physics import CrossbarPhysics, circuit_resistances, physics_for, program_current
from .series import series_path_resistance, series_program_current
from .solve import make_solver, solve_ir_drop


def __getattr__(name):
    if name in ("FastCrossbarSolver", "ConvergenceWarning", "IRDropConvergenceError"):
        from . import fast
        return getattr(fast, name)
    raise AttributeError(f"module 'neurosim.crossbar' has no attribute {name!r}")


__all__ = [
    "solve_ir_drop", "make_solver", "CrossbarSolver", "FastCrossbarSolver", "IRDropSolution",
    "ConvergenceWarning", "IRDropConvergenceError", "single_row_reads", "series_path_resistance",
    "series_program_current", "CrossbarPhysics", "physics_for", "program_current", "circuit_resistances",
]
