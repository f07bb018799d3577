"""The state of each crossbar in use: its cells' conductances and the physics read from them, shared
by the compiled engine (cell mode) and the SimPy reference (block mode, :mod:`neurosim.reference`).

Everything here is computed once per conductance state from the rest of :mod:`neurosim.crossbar`
and :mod:`neurosim.devices` and handed to the engine's compiled loop (or read by the reference) as
arrays over the *used block* of each
crossbar (rows ``0 .. R_used-1``, the physical columns of the used logical columns, plus the
reference column of ``reference_column`` chips). Cells outside the block hold no synapse and are
never written; they are still part of the circuit (the full ``R x C`` array is solved for IR drop).

Write endurance and read disturb are :mod:`neurosim.devices`' (docs/models.md §4/§5; the laws of
``hw.device.write_endurance`` / ``hw.device.read_disturb``), evaluated on the used block.
"""
from __future__ import annotations

import numpy as np

from .physics import CrossbarPhysics, _kernels, program_current
from .. import devices as _dev
from ..devices import device_params, program_crossbar

__all__ = ["BlockLayout", "write_endurance", "read_disturb_params", "drifted", "CrossbarState",
           "cells_direct", "encode_synapse_cells"]


class BlockLayout:
    """Block of physical columns used in one crossbar: ``phys[b]`` is the physical column of block
    column ``b``; ``ref`` the block index of the reference column (-1 if none)."""

    def __init__(self, hw, n_logical_used: int):
        enc = hw.device.weight_encoding
        C = hw.tile.crossbar_columns
        if enc == "differential":
            self.phys = np.arange(2 * n_logical_used)
            self.ref = -1
        elif enc == "reference_column":
            self.phys = np.concatenate([np.arange(n_logical_used), [C - 1]])
            self.ref = n_logical_used
        else:
            self.phys = np.arange(n_logical_used)
            self.ref = -1
        self.n = int(self.phys.size)


def write_endurance(hw, i_prog: np.ndarray, rng) -> np.ndarray:
    """Write endurance (programming cycles) of cells with programming currents ``i_prog`` (A):
    ``neurosim.devices.write_endurance`` (the law of ``hw.device.write_endurance`` and its spread)."""
    if hw.device.write_endurance.law == "none":
        return np.full(np.shape(i_prog), np.inf)
    return np.asarray(_dev.write_endurance(hw, i_prog, rng), dtype=np.float64)


def read_disturb_params(hw, v_cell: np.ndarray, G: np.ndarray, writes: np.ndarray):
    """Onset of read disturb in reads (``neurosim.devices.onset_reads``: Jiang et al. with the
    Arrhenius and stored-level factors, docs/models.md §5) for cells read at ``v_cell`` holding ``G``
    after ``writes`` programming cycles, at the ambient temperature. ``None`` for law none."""
    law = hw.device.read_disturb
    if law.law == "none":
        return None
    g_rel = np.abs(G) / hw.device.g_max_s
    return np.asarray(_dev.onset_reads(law, v_cell, hw.crossbar.read_pulse_s, writes,
                                       hw.device.temperature.ambient_k, g_rel), dtype=np.float64)


def drifted(hw, G0, n_reads, v_cell, writes):
    """Conductance of cells programmed to ``G0`` after ``n_reads`` reads (``neurosim.devices.drifted_conductance``)."""
    return _dev.drifted_conductance(hw.device.read_disturb, G0, n_reads, v_cell, hw.crossbar.read_pulse_s,
                                    writes, hw.device.temperature.ambient_k, hw.device.g_max_s)


def cells_direct(hw) -> bool:
    """True when the state of a crossbar's cells follows from the weights they hold alone: an
    ``ideal`` device (programmed exactly: no levels, variation, faults or random draws), no IR drop
    and no write-endurance law. The engine then encodes the synapse cells directly
    (:func:`encode_synapse_cells`, :meth:`CrossbarState.from_cells`) and never builds a block."""
    return (hw.device.type == "ideal" and hw.crossbar.ir_drop_method == "none"
            and hw.device.write_endurance.law == "none")


def encode_synapse_cells(p, w):
    """Conductances of the cells of synapses with weights ``w`` (1-D) on an unclipped device with
    parameters ``p`` (:class:`neurosim.devices.DeviceParams`): ``(G, None)`` for ``signed`` and
    ``reference_column``, ``(G+, G-)`` for ``differential``. Element for element the arithmetic of
    :func:`neurosim.devices.encode_weights` on a masked cell (same operations in the same order, so
    the same bits); a ``reference_column`` reference cell holds ``p.g_mid``."""
    w = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError("W_logical: weights must be finite")
    dg, s = p.delta_g, p.scale
    if p.encoding == "differential":
        return p.g_min + np.maximum(w, 0.0) / s * dg, p.g_min + np.maximum(-w, 0.0) / s * dg
    if p.encoding == "reference_column":
        return p.g_mid + w / (2.0 * s) * dg, None
    return w / s * dg, None


class CrossbarState:
    """Physics of one used crossbar: conductances, apparent-conductance gains (alpha), effective
    weights, endurance, read voltages, row read energies. Rebuilt lazily.

    Block mode (``cells=None``, the SimPy reference): ``G_block``, ``alpha``, ``v_cell``,
    ``endurance`` are (R_used, B) arrays over the used block. Cell mode (``cells=(rows, block
    columns)``, the compiled engine): the same quantities as vectors over the given cells only
    (``G_cells``, ``alpha_cells``, ``v_cells``, ``endurance_cells``); the block is dropped after
    programming, so memory grows with the cells that hold synapses. Both modes program the whole
    block and draw the same random numbers. Where :func:`cells_direct` holds (ideal device, no IR
    drop: no draws), the engine builds its states with :meth:`from_cells` instead, from the cells'
    encoded weights, and no block is made.
    """

    def __init__(self, hw, k, rows_used, n_logical_used, W_block, mask_block, rng, cells=None):
        self.hw = hw
        self.k = int(k)
        self.p = device_params(hw)
        self.R_used = int(rows_used)
        self.layout = BlockLayout(hw, n_logical_used)
        R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
        self.method = hw.crossbar.ir_drop_method
        if hw.device.type == "ideal" and self.method == "none":
            # an ideal device is programmed exactly (no levels, variation, faults or draws): encode
            # the used block only, never the full R x C array
            from dataclasses import replace
            from ..devices import encode_weights
            bp = replace(self.p, rows=max(self.R_used, 1), physical_columns=self.layout.n,
                         logical_columns=max(n_logical_used, 1),
                         reference_column=self.layout.ref)
            G_full = encode_weights(bp, W_block, mask_block)
            stuck = None
        else:
            # fabrication stuck-at cells are drawn first and passed in, so that they can be marked
            # failed (they take no writes); then program_crossbar's own draws (d2d, c2c)
            stuck = _dev.fabrication_stuck_mask(hw, (R, C), rng) if hw.device.faults.stuck_at_rate > 0 else None
            if hw.crossbar.ir_drop_compensation == "write_verify":
                from .verify import program_verified
                G_full = program_verified(hw, W_block, rng, mask=mask_block, stuck=stuck,
                                          block=(self.R_used, self.layout.phys))
            else:
                G_full = program_crossbar(hw, W_block, rng, mask=mask_block, stuck=stuck)
        self.G_full = G_full if self.method != "none" else None
        stuck_block = (np.zeros((self.R_used, self.layout.n), bool) if stuck is None
                       else np.ascontiguousarray(stuck[: self.R_used][:, self.layout.phys]))
        if hw.device.type == "ideal" and self.method == "none":
            # encoded in block columns already (the reference column is block column layout.ref)
            G_block = np.ascontiguousarray(G_full[: self.R_used])
        else:
            G_block = np.ascontiguousarray(G_full[: self.R_used][:, self.layout.phys])
        del G_full
        if hw.device.write_endurance.law == "none":
            endurance = None
        else:
            endurance = write_endurance(hw, program_current(hw)[: self.R_used][:, self.layout.phys], rng)
        self.cells = None if cells is None else (np.asarray(cells[0], np.int64), np.asarray(cells[1], np.int64))
        if self.cells is None:
            self.G_block = G_block
            self.stuck = stuck_block
            self.endurance = np.full(G_block.shape, np.inf) if endurance is None else endurance
        else:
            cr, cb = self.cells
            self.G_cells = np.ascontiguousarray(G_block[cr, cb])
            self.stuck_cells = stuck_block[cr, cb]
            self.endurance_cells = np.full(cr.size, np.inf) if endurance is None else endurance[cr, cb]
        if self.method == "none":
            self.phys = None
            n = G_block.shape if self.cells is None else (self.cells[0].size,)
            self._set("alpha", np.ones(n))
            self._set("v_cell", np.full(n, hw.crossbar.read_voltage_v))
            if hw.device.type == "ideal":
                self.row_energy = np.zeros(self.R_used)
            else:
                # cells outside the block hold g_unused
                rest = (C - self.layout.n) * abs(self.p.g_unused)
                self.row_energy = (hw.crossbar.read_voltage_v ** 2 * (np.abs(G_block).sum(axis=1) + rest)
                                   * hw.crossbar.read_pulse_s * 1e12)
        else:
            self.phys = CrossbarPhysics(hw, self.G_full)
            self._from_phys()
            # the cells the caller hands to rebuild(), as positions in G_full: block cells in row-major
            # order (block mode) or the given cells; their conductances in G_full, and at the last build
            if self.cells is None:
                self._cr = np.repeat(np.arange(self.R_used, dtype=np.int64), self.layout.n)
                self._pc = np.tile(self.layout.phys, self.R_used).astype(np.int64)
            else:
                self._cr = np.ascontiguousarray(self.cells[0])
                self._pc = np.ascontiguousarray(self.layout.phys[self.cells[1]], dtype=np.int64)
            self._sync_cells()
            self._rowmask = np.zeros(R, np.uint8)

    @classmethod
    def from_cells(cls, hw, k, rows_used, n_logical_used, cells, G_cells, *, stuck=None, endurance=None,
                   alpha=None, v_cells=None, p=None):
        """Cell-mode state of a crossbar for which :func:`cells_direct` holds, from the
        conductances ``G_cells`` of its cells (:func:`encode_synapse_cells`): what the constructor
        computes for such a crossbar — no random draws, nothing stuck, no wear limit, alpha 1, the
        read voltage on every cell, no cell read energy — without encoding the used block. Arrays
        are taken as given, not copied (``stuck``, ``endurance``, ``alpha``, ``v_cells``: views the
        caller has filled with those values, or None to allocate them)."""
        self = cls.__new__(cls)
        self.hw = hw
        self.k = int(k)
        self.p = device_params(hw) if p is None else p
        self.R_used = int(rows_used)
        self.layout = BlockLayout(hw, n_logical_used)
        self.method = hw.crossbar.ir_drop_method
        self.G_full = None
        self.phys = None
        self.cells = cells
        n = cells[0].size
        self.G_cells = G_cells
        self.stuck_cells = np.zeros(n, bool) if stuck is None else stuck
        self.endurance_cells = np.full(n, np.inf) if endurance is None else endurance
        self.alpha_cells = np.ones(n) if alpha is None else alpha
        self.v_cells = np.full(n, hw.crossbar.read_voltage_v) if v_cells is None else v_cells
        self.row_energy = np.zeros(self.R_used)
        return self

    def _set(self, name, value):
        setattr(self, name if self.cells is None else {"alpha": "alpha_cells", "v_cell": "v_cells"}[name], value)

    def _from_phys(self):
        if self.cells is None:
            sl = (slice(0, self.R_used), self.layout.phys)
        else:
            sl = (self.cells[0], self.layout.phys[self.cells[1]])
        g_app = self.phys.effective_conductances()[sl]
        G = self.phys.conductances[sl]
        with np.errstate(invalid="ignore", divide="ignore"):
            self._set("alpha", np.where(G != 0, g_app / np.where(G != 0, G, 1.0), 1.0))
        self._set("v_cell", np.ascontiguousarray(self.phys.read_cell_voltage()[sl]))
        self.row_energy = np.ascontiguousarray(self.phys.row_read_energy_pj()[: self.R_used])
        self.W_eff = self.phys.effective_weights()

    def _sync_cells(self):
        self._G_last = self.G_full[self._cr, self._pc]              # G_full at the cells
        self._G_bc = self.phys.conductances[self._cr, self._pc]     # ... at the last build

    def rebuild(self, G) -> bool:
        """Adopt the engine's conductances (block, or cell vector in cell mode); True if the
        effective weights were rebuilt.

        Only the cells whose conductance differs from the last build are examined, and on 1T1R
        crossbars only the rows that hold a cell that moved beyond ``effective_weight_rebuild_rel``
        are solved again (a row's read sees its own word line only): ``alpha``, ``v_cell``,
        ``row_energy`` and ``W_eff`` are updated in place on those rows (callers copy what they keep).
        Results are those of adopting the whole array (``CrossbarPhysics.update``), bit for bit."""
        if self.phys is None:
            return False
        g = np.asarray(G, dtype=np.float64)
        shape = (self.R_used, self.layout.n) if self.cells is None else self._G_last.shape
        if g.shape != shape:
            return self._rebuild_whole(G)
        if g.ndim != 1 or not g.flags.c_contiguous:
            g = np.ascontiguousarray(g).reshape(-1)
        # cells whose bits changed since the last call are written into G_full (bits, so that -0.0
        # and NaN payloads land as a whole assignment would put them); G_full differs from the last
        # build only at the cells returned (cells outside the block never move)
        r, c = _kernels().sync_cells(g, self._G_last, self._G_bc, self._cr, self._pc, self.G_full)
        if r.size == 0:
            return False
        rows = self.phys._adopt(self.G_full, r, c)
        if rows is None:
            return False
        if isinstance(rows, slice):
            self._from_phys()
            self._sync_cells()
            return True
        self._from_rows(rows)
        return True

    def _rebuild_whole(self, G) -> bool:
        """rebuild() for a G of another shape (broadcast into the block): the whole array."""
        if self.cells is None:
            self.G_full[: self.R_used, self.layout.phys] = G
        else:
            self.G_full[self.cells[0], self.layout.phys[self.cells[1]]] = G
        try:
            built = self.phys.update(self.G_full)
            if built:
                self._from_phys()
        finally:
            self._sync_cells()
        return built

    def _from_rows(self, rows):
        """_from_phys() for the cells of the rebuilt ``rows`` only (the others did not change)."""
        ph = self.phys
        if self.cells is None:
            if not self.alpha.flags.c_contiguous:
                self.alpha = np.ascontiguousarray(self.alpha)
            if not self.v_cell.flags.c_contiguous:
                self.v_cell = np.ascontiguousarray(self.v_cell)
            alpha, v = self.alpha.view(), self.v_cell.view()
            alpha.shape = v.shape = (-1,)           # flat views (raises rather than copy)
        else:
            alpha, v = self.alpha_cells, self.v_cells
        _kernels().refresh_cells(rows, self._cr, self._pc, ph._G_built, ph._g_app, ph._v_cell, alpha, v,
                                 self._G_bc, self._rowmask)
        self.row_energy[rows] = ph._row_energy_pj(rows)
        self.W_eff = ph.effective_weights()
