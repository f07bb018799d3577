"""The engine's view of crossbar and device physics, per crossbar in use.

Everything here is computed once per conductance state from :mod:`neurosim.crossbar` and
:mod:`neurosim.devices` and handed to the compiled loop as flat arrays over the *used block* of each
crossbar (rows ``0 .. R_used-1``, the physical columns of the used logical columns, plus the
reference column of ``reference_column`` chips). Cells outside the block hold no synapse and are
never written; they are still part of the circuit (the full ``R x C`` array is solved for IR drop).

Write endurance and read disturb are :mod:`neurosim.devices`' (REFERENCES.md §3/§4; the laws of
``hw.device.write_endurance`` / ``hw.device.read_disturb``), evaluated on the used block.
"""
from __future__ import annotations

import numpy as np

from ..crossbar import CrossbarPhysics
from ..crossbar.physics import program_current
from .. import devices as _dev
from ..devices import device_params, program_crossbar

__all__ = ["BlockLayout", "write_endurance", "read_disturb_params", "drifted", "CrossbarState"]


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
    Arrhenius and stored-level factors, REFERENCES.md §4) for cells read at ``v_cell`` holding ``G``
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


class CrossbarState:
    """Physics of one used crossbar: conductance block, apparent-conductance gains, effective
    weights, endurance, row read energies, read-disturb parameters. Rebuilt lazily."""

    def __init__(self, hw, k, rows_used, n_logical_used, W_block, mask_block, rng):
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
        else:
            G_full = program_crossbar(hw, W_block, rng, mask=mask_block)
        self.G_full = G_full if self.method != "none" else None
        self.G_block = np.ascontiguousarray(G_full[: self.R_used][:, self.layout.phys])
        self.G0_block = self.G_block.copy()
        del G_full
        if self.method == "none":
            self.phys = None
            self.alpha = np.ones_like(self.G_block)
            self.v_cell = np.full_like(self.G_block, hw.crossbar.read_voltage_v)
            if hw.device.type == "ideal":
                self.row_energy = np.zeros(self.R_used)
            else:
                # cells outside the block hold g_unused
                rest = (C - self.layout.n) * abs(self.p.g_unused)
                self.row_energy = (hw.crossbar.read_voltage_v ** 2 * (np.abs(self.G_block).sum(axis=1) + rest)
                                   * hw.crossbar.read_pulse_s * 1e12)
        else:
            self.phys = CrossbarPhysics(hw, self.G_full)
            self._from_phys()
        if hw.device.write_endurance.law == "none":
            self.endurance = np.full(self.G_block.shape, np.inf)
        else:
            i_prog = program_current(hw)[: self.R_used][:, self.layout.phys]
            self.endurance = write_endurance(hw, i_prog, rng)

    def _from_phys(self):
        sl = (slice(0, self.R_used), self.layout.phys)
        g_app = self.phys.effective_conductances()[sl]
        G = self.phys.conductances[sl]
        with np.errstate(invalid="ignore", divide="ignore"):
            self.alpha = np.where(G != 0, g_app / np.where(G != 0, G, 1.0), 1.0)
        self.v_cell = np.ascontiguousarray(self.phys.read_cell_voltage()[sl])
        self.row_energy = np.ascontiguousarray(self.phys.row_read_energy_pj()[: self.R_used])
        self.W_eff = self.phys.effective_weights()

    def rebuild(self, G_block) -> bool:
        """Adopt the engine's conductances; True if the effective weights were rebuilt."""
        if self.phys is None:
            return False
        self.G_full[: self.R_used, self.layout.phys] = G_block
        if self.phys.update(self.G_full):
            self._from_phys()
            return True
        return False
