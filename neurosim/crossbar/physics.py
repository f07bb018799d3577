"""Per-crossbar physics for the engine: effective (IR-distorted) weights, read voltages, energies,
programming currents — rebuilt lazily when conductances move.

Reads. The engine reads one row at a time (a spike on row i reads every cell of row i,
docs/design.md#crossbar-electrics), and with linear cells the column currents are linear in the
drive, so the effective weight of row i is exactly the single-row-read solve, and a read in the
engine is a gather of one row of ``effective_weights()``.

* 1T1R: only row i's access transistors conduct, so the read is a one-row ladder
  (``ladder.single_row_reads``, direct and exact, all rows at O(R·C)).
* 0T1R (passive): the unselected word lines are held at 0 V by their drivers and sneak currents flow
  through every cell: one full nodal solve per row (``exact``: one SuperLU factorisation, R
  right-hand sides; ``fast``: the compiled solver, batched).
* ``ir_drop_method: none``: no wires, drivers or sense resistances (v_cell = v_read), and the
  effective weights are decoded straight from the conductances without a V·G/V round trip, so that on
  the ``ideal`` chip they equal the network weights bit for bit.

The apparent conductance of cell (i, j) is ``i_col[j] / v_read`` of the read of row i; the effective
weight is the encoding's decoding of apparent conductances (``devices.encoding``), e.g. differential
``w = (G+_app − G−_app)·s/Δg``. The reference column of ``reference_column`` is read in the same row
read, so its own IR drop is included.

Wire resistances scale with the ambient temperature as ``r·(1 + α·(T_amb − 300 K))`` with
α = ``crossbar.wire_temperature_coefficient_per_k`` (copper ≈ 0.45 %/K; NeuroSim's per-cell wire
resistances are room-temperature values).
"""
from __future__ import annotations

import functools

import numpy as np

from ..devices.encoding import decode_conductances, device_params
from ._checks import check_conductances, check_resistance
from .ladder import _reads
from .series import series_program_current
from .solve import make_solver

try:  # compiled row-restricted rebuilds (csrc/crossbar_rows.pyx); checked when first needed
    from neurosim._core import crossbar_rows as _rows
except ImportError:  # pragma: no cover - build problem
    _rows = None


def _kernels():
    if _rows is None:
        raise ImportError("neurosim._core.crossbar_rows is not built; run `python3 setup.py build_ext --inplace`")
    return _rows

__all__ = ["CrossbarPhysics", "physics_for", "circuit_resistances"]

_ROOM_K = 300.0
_CHUNK = 64   # right-hand sides per batched solve (bounds memory for 0T1R builds)


def circuit_resistances(hw) -> dict:
    """Resistances of the crossbar circuit (ohm) for ``hw``: wires corrected to the ambient temperature.

    Keys: ``r_wire_row``, ``r_wire_col``, ``r_driver``, ``r_sense``, ``r_access``.
    """
    cb = hw.crossbar
    f = 1.0 + cb.wire_temperature_coefficient_per_k * (hw.device.temperature.ambient_k - _ROOM_K)
    f = max(f, 0.0)
    return {
        "r_wire_row": cb.wire_resistance_row_ohm * f,
        "r_wire_col": cb.wire_resistance_col_ohm * f,
        "r_driver": cb.driver_resistance_ohm,
        "r_sense": cb.sense_resistance_ohm,
        "r_access": hw.tile.access_resistance_ohm if hw.tile.access_device == "1T1R" else 0.0,
    }


class CrossbarPhysics:
    """Physics of one crossbar in one conductance state.

    Parameters
    ----------
    hw : HardwareConfig
    G : (R, C) array_like
        Physical conductances (S), ``R = tile.crossbar_rows``, ``C = tile.crossbar_columns``.
    method : {"exact", "fast", "none"}, optional
        Overrides ``crossbar.ir_drop_method``.

    Examples
    --------
    >>> import numpy as np
    >>> from neurosim.config import load_hardware
    >>> from neurosim.devices import program_crossbar
    >>> hw = load_hardware("espine_pcm")
    >>> W = np.full((hw.tile.crossbar_rows, hw.neurons_per_crossbar), 0.5)
    >>> phys = CrossbarPhysics(hw, program_crossbar(hw, W))
    >>> phys.effective_weights().shape
    (128, 64)
    """

    def __init__(self, hw, G, *, method=None):
        self.hw = hw
        self.params = device_params(hw)
        self.shape = (hw.tile.crossbar_rows, hw.tile.crossbar_columns)
        self.method = method or hw.crossbar.ir_drop_method
        if self.method not in ("exact", "fast", "none"):
            raise ValueError(f"method: expected 'exact', 'fast' or 'none', got {self.method!r}")
        self.access_device = hw.tile.access_device
        self.res = circuit_resistances(hw)
        self.v_read = float(hw.crossbar.read_voltage_v)
        self.t_read = float(hw.crossbar.read_pulse_s)
        self._allow_negative = self.params.encoding == "signed"
        self.rebuilds = 0
        self.last_report = None
        self._i_prog = None
        G = self._check(G)
        if self.method != "none" and self.access_device == "1T1R":
            # checked once here rather than in every row solve
            self._r1t1r = tuple(check_resistance(self.res[k], k) for k in
                                ("r_wire_row", "r_wire_col", "r_driver", "r_sense", "r_access"))
            # the compiled row solve (neurosim._core.crossbar_rows) covers the general ladder: a word
            # line of >= 2 nodes with wire resistance; it decodes the effective weights of the
            # shipped encodings itself when the array has their physical columns
            self._kernel = self._r1t1r[0] > 0.0 and self.shape[1] >= 2
            p, C = self.params, self.shape[1]
            self._enc = -1
            if p.physical_columns == C:
                if p.encoding == "signed":
                    self._enc, self._nw = 0, C
                elif p.encoding == "differential" and C % 2 == 0:
                    self._enc, self._nw = 1, C // 2
                elif p.encoding == "reference_column":
                    self._enc, self._nw = 2, C - 1
        self._G_built = G.copy()
        self._g_app = np.empty(self.shape)
        self._v_cell = np.empty(self.shape)
        self._i_row = np.empty(self.shape[0])
        self._absmax = np.empty(self.shape[0])     # max |G| per row of the last build
        self._mark = None                           # (R,) work space of _adopt
        self._build(None)

    # ------------------------------------------------------------------ public API
    @property
    def conductances(self) -> np.ndarray:
        """The conductances (S) the current effective matrices were built from (read-only view)."""
        return _ro(self._G_built)

    def effective_weights(self) -> np.ndarray:
        """float64 (R, hw.neurons_per_crossbar): what a read of row i alone adds to each logical column,
        IR drop included, in network weight units (read-only view)."""
        return _ro(self._W)

    def effective_conductances(self) -> np.ndarray:
        """(R, C) apparent conductances ``i_col / v_read`` of each row's read (S; read-only view)."""
        return _ro(self._g_app)

    def read_cell_voltage(self) -> np.ndarray:
        """(R, C) voltage across each memristor when its own row is read (V; read-only view)."""
        return _ro(self._v_cell)

    def row_read_current(self) -> np.ndarray:
        """(R,) current delivered by the driver of row i during a read of row i (A)."""
        return _ro(self._i_row)

    def row_read_energy_pj(self) -> np.ndarray:
        """(R,) energy of one read of row i dissipated in cells, wires, driver and sense resistors:
        ``v_read·I_driver·t_read`` (pJ). Peripheral energies are extra (hw.peripherals). An ``ideal``
        device has no analog read current (its "conductances" are weights): zeros."""
        if self.hw.device.type == "ideal":
            return np.zeros(self.shape[0])
        return self.v_read * self._i_row * self.t_read * 1e12

    def program_current(self) -> np.ndarray:
        """(R, C) programming current (A) of each cell from the series path (``series``) at
        ``crossbar.program_voltage_v`` with the cell at ``device.program_cell_resistance_ohm``
        (default 1/g_max). With ``ir_drop_method: none`` only the cell and access resistances count."""
        if self._i_prog is None:
            self._i_prog = program_current(self.hw, method=self.method)
        return _ro(self._i_prog)

    def update(self, G_new) -> bool:
        """Adopt new conductances; rebuild only if a cell moved by more than
        ``crossbar.effective_weight_rebuild_rel`` (relative) since the last build.

        1T1R rebuilds only the rows that moved (a row's read does not see other rows). With
        ``ir_drop_method: none`` any change is adopted (the rebuild is cheap and keeps the ideal chip
        exact). Returns True if anything was rebuilt.
        """
        G = self._check(G_new, "G_new")
        old = self._G_built
        if self.method == "none":
            changed = G != old
        else:
            rel = self.hw.crossbar.effective_weight_rebuild_rel
            floor = 1e-12 * max(self.params.delta_g, self._absmax.max(initial=0.0), 1e-300)
            changed = np.abs(G - old) > rel * np.maximum(np.abs(old), floor)
        if not changed.any():
            return False
        if self.method != "none" and self.access_device == "0T1R":
            self._G_built = G.copy()
            self._build(None)
        else:
            rows = np.flatnonzero(changed.any(axis=1))
            self._G_built[rows] = G[rows]
            self._build(rows)
        return True

    # ------------------------------------------------------------------ internals
    def _adopt(self, G, r, c):
        """:meth:`update` for the engine (``neurosim.crossbar.state.CrossbarState``), at the cost of
        a few cells and the rows rebuilt rather than of the whole array.

        ``G`` is a C-contiguous float64 (R, C) array that differs from the conductances of the last
        build (:attr:`conductances`) at most at the cells ``(r[k], c[k])``. Same checks (only those
        cells can hold a bad value; the error is that of :meth:`update`), same rebuild decision and
        the same rebuilt arrays, bit for bit, as ``update(G)``, except that the effective weights of
        a row rebuild are written in place (views from :meth:`effective_weights` see them; the
        engine gathers them right away). Returns the rows rebuilt (sorted, 1T1R), ``slice(None)``
        after a whole rebuild (0T1R) or None if nothing was rebuilt.
        """
        if self._mark is None:
            self._mark = np.zeros(self.shape[0], np.uint8)
            self._rel = float(self.hw.crossbar.effective_weight_rebuild_rel)
        rows = _kernels().changed_rows(G, self._G_built, r, c, self._absmax, self._rel, self.params.delta_g,
                                       self._allow_negative, self.method == "none", self._mark)
        if rows is None:
            self._check(G, "G_new")                 # raises update()'s error
        if rows.size == 0:
            return None
        if self.method != "none" and self.access_device == "0T1R":
            self._G_built = G.copy()
            self._build(None)
            return slice(None)
        if self.method != "none" and self._kernel:
            self._build(rows, src=G, inplace=True)  # copies the rows of G in the compiled solve
        else:
            self._G_built[rows] = G[rows]
            self._build(rows)
        return rows

    def _row_energy_pj(self, rows):
        """``row_read_energy_pj()[rows]``, computed for those rows only."""
        if self.hw.device.type == "ideal":
            return np.zeros(len(rows))
        return self.v_read * self._i_row[rows] * self.t_read * 1e12

    def _check(self, G, name="G"):
        G = check_conductances(G, name, allow_negative=self._allow_negative)
        if G.shape != self.shape:
            raise ValueError(f"{name}: shape {G.shape} does not match the crossbar {self.shape} "
                             f"(tile.crossbar_rows x tile.crossbar_columns)")
        return G

    def _build(self, rows, src=None, inplace=False):
        """Rebuild all rows (None) or ``rows`` (1T1R, and ``none``) from the conductances
        ``_G_built``. Compiled 1T1R path: ``src``, first copy those rows of ``src`` into
        ``_G_built``; ``inplace``, write the rows' effective weights into the current array rather
        than into a fresh one."""
        self.rebuilds += 1
        G = self._G_built
        sel = slice(None) if rows is None else rows
        if self.method != "none" and self.access_device == "1T1R" and self._kernel:
            self.last_report = {"method": "ladder", "converged": True, "iterations": 1, "residual": 0.0}
            if rows is None:
                idx = np.arange(self.shape[0], dtype=np.int64)
                W = np.empty((self.shape[0], self._nw if self._enc >= 0 else 0))
            else:
                idx = np.ascontiguousarray(rows, dtype=np.int64)
                # a fresh array unless asked: views handed out earlier keep their values
                W = (self._W if inplace else self._W.copy()) if self._enc >= 0 else np.empty((self.shape[0], 0))
            i_col = _kernels().solve_rows(G, idx, src, self._absmax, self.v_read, *self._r1t1r, self._v_cell,
                                          self._g_app, W, self._enc, self.params.scale, self.params.delta_g)
            self._i_row[sel] = i_col.sum(axis=1)
            if self._enc >= 0:
                self._W = W
            else:
                self._decode(rows)
            return
        if rows is None:
            self._absmax = np.abs(G).max(axis=1)
        else:
            self._absmax[rows] = np.abs(G[rows]).max(axis=1)
        if self.method == "none":
            self._g_app[sel] = G[sel]
            self._v_cell[sel] = self.v_read
            self._i_row[sel] = self.v_read * np.abs(G[sel]).sum(axis=1)
            self._W = decode_conductances(self.params, G)
            self.last_report = {"method": "none", "converged": True, "iterations": 0, "residual": 0.0}
            return
        r = self.res
        if self.access_device == "1T1R":
            self.last_report = {"method": "ladder", "converged": True, "iterations": 1, "residual": 0.0}
            v_cell, i_col, i_row = _reads(G, self.v_read, *self._r1t1r, rows=rows)
        else:
            solver = make_solver(G, r["r_wire_row"], r["r_wire_col"], r["r_driver"], r["r_sense"],
                                 method=self.method, tolerance_rel=self.hw.crossbar.ir_drop_tolerance_rel,
                                 _allow_negative=self._allow_negative)
            R, C = self.shape
            v_cell, i_col, i_row = np.empty((R, C)), np.empty((R, C)), np.empty(R)
            reports = []
            for start in range(0, R, _CHUNK):
                idx = np.arange(start, min(R, start + _CHUNK))
                V = np.zeros((idx.size, R))
                V[np.arange(idx.size), idx] = self.v_read
                sol = solver.solve(V)
                v_cell[idx] = sol.v_cell[np.arange(idx.size), idx]
                i_col[idx] = sol.i_col
                i_row[idx] = sol.i_row[np.arange(idx.size), idx]
                reports.append(sol.report)
            self.last_report = _merge_reports(reports)
            if rows is not None:
                v_cell, i_col, i_row = v_cell[rows], i_col[rows], i_row[rows]
        self._v_cell[sel] = v_cell
        self._g_app[sel] = i_col / self.v_read
        self._i_row[sel] = i_row
        self._decode(rows if self.access_device == "1T1R" else None)

    def _decode(self, rows):
        """Effective weights from the apparent conductances: all rows, or only ``rows`` (decoding is
        element-wise per row). A fresh array either way: views handed out earlier keep their values."""
        if rows is None:
            self._W = decode_conductances(self.params, self._g_app)
        else:
            W = self._W.copy()
            W[rows] = decode_conductances(self.params, self._g_app[rows])
            self._W = W


def program_current(hw, *, method=None) -> np.ndarray:
    """(R, C) programming current (A) of every cell of a crossbar of ``hw`` (series path; see
    :meth:`CrossbarPhysics.program_current`). Independent of the stored conductances; read-only,
    and computed once per distinct set of the circuit values it depends on (the cache key)."""
    method = method or hw.crossbar.ir_drop_method
    d = hw.device
    r_cell = d.program_cell_resistance_ohm if d.program_cell_resistance_ohm is not None else 1.0 / d.g_max_s
    r = circuit_resistances(hw)
    wires = (0.0, 0.0, 0.0, 0.0) if method == "none" else (r["r_wire_row"], r["r_wire_col"], r["r_driver"], r["r_sense"])
    return _series_current((hw.tile.crossbar_rows, hw.tile.crossbar_columns), float(hw.crossbar.program_voltage_v),
                           float(r_cell), *(float(w) for w in wires), float(r["r_access"]))


@functools.lru_cache(maxsize=16)
def _series_current(shape, v_program, r_cell, r_row, r_col, r_drv, r_sns, r_acc) -> np.ndarray:
    return _ro(series_program_current(shape, v_program, r_cell, r_row, r_col, r_drv, r_sns, r_acc))


def physics_for(hw, G, *, method=None) -> CrossbarPhysics:
    """Build the :class:`CrossbarPhysics` of one crossbar of ``hw`` with conductances ``G``."""
    return CrossbarPhysics(hw, G, method=method)


def _ro(a):
    v = a.view()
    v.flags.writeable = False
    return v


def _merge_reports(reports):
    out = dict(reports[0])
    out["iterations"] = max(r["iterations"] for r in reports)
    out["residual"] = max(r["residual"] for r in reports)
    out["converged"] = all(r["converged"] for r in reports)
    return out
