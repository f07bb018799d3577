"""The engine's view of crossbar and device physics, per crossbar in use.

Everything here is computed once per conductance state from :mod:`neurosim.crossbar` and
:mod:`neurosim.devices` and handed to the compiled loop as flat arrays over the *used block* of each
crossbar (rows ``0 .. R_used-1``, the physical columns of the used logical columns, plus the
reference column of ``reference_column`` chips). Cells outside the block hold no synapse and are
never written; they are still part of the circuit (the full ``R x C`` array is solved for IR drop).

Write endurance and read disturb follow REFERENCES.md §3/§4 and the laws of
``hw.device.write_endurance`` / ``hw.device.read_disturb`` (docs/engine.md, "Physics"). When
:mod:`neurosim.devices` provides ``write_endurance_map`` / ``read_disturb_params`` they are used;
otherwise the formulas below (same laws, same config keys) are.
"""
from __future__ import annotations

import math

import numpy as np

from ..crossbar import CrossbarPhysics
from ..crossbar.physics import program_current
from ..devices import device_params, program_crossbar

K_B_EV = 8.617333262e-5  # Boltzmann constant, eV/K

__all__ = ["BlockLayout", "write_endurance", "read_disturb_params", "CrossbarState"]


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
    """Write endurance (programming cycles) of each cell given its programming current (A).

    Laws (schema ``device.write_endurance``): ``none`` → inf; ``power_current`` E = E_ref·(I_ref/I)^k;
    ``exp_voltage`` log10 E = log10 E_ref − s·(|V_cell| − V_ref) with V_cell = I·R_cell;
    ``thermal`` E = E_ref·exp[(E_a/k_B)(1/T − 1/T_ref)], T = T_amb + R_th·I²·R_cell. A lognormal
    device-to-device factor exp(σ·N(0,1)) multiplies E when ``spread_sigma_ln`` > 0.
    """
    law = hw.device.write_endurance
    if law.law == "none":
        return np.full(i_prog.shape, np.inf)
    try:  # the devices module's own map, when it exists
        from ..devices import write_endurance_map  # type: ignore
        return np.asarray(write_endurance_map(hw, i_prog, rng), dtype=np.float64)
    except ImportError:
        pass
    d = hw.device
    r_cell = d.program_cell_resistance_ohm if d.program_cell_resistance_ohm is not None else 1.0 / d.g_max_s
    i = np.abs(i_prog)
    if law.law == "power_current":
        E = law.endurance_ref_cycles * (law.current_ref_a / i) ** law.exponent
    elif law.law == "exp_voltage":
        E = law.endurance_ref_cycles * 10.0 ** (-law.decades_per_volt * (i * r_cell - law.voltage_ref_v))
    else:
        T = d.temperature.ambient_k + law.thermal_resistance_k_per_w * i * i * r_cell
        E = law.endurance_ref_cycles * np.exp(law.activation_energy_ev / K_B_EV * (1.0 / T - 1.0 / law.reference_temperature_k))
    if law.spread_sigma_ln > 0:
        E = E * np.exp(law.spread_sigma_ln * rng.standard_normal(E.shape))
    return E


def read_disturb_params(hw, v_cell: np.ndarray, G: np.ndarray, writes: np.ndarray):
    """Jiang et al. read-disturb model (REFERENCES.md §4): per cell, the onset in reads
    ``n_onset = t_tr / t_read`` and the drift exponent ``p``; ``G/G0 = (n/n_onset)^(-p)`` after the
    onset, n = reads since the cell was last programmed.

    p(V) = c1·exp(a·|V|/kT) (kT at ``fit_temperature_k``); t_tr = t0·F^(1/p)·(1 − k·N^m)^(1/p)
    ·A(T)·(G/G_max)^(−level_exponent), A(T) = exp[(E_a/k_B)(1/T − 1/T_ref)]; t_tr = 0 once
    k·N^m ≥ 1 (the cell is worn out for reads). Returns ``(n_onset, p)`` or ``None`` for law none.
    """
    rd = hw.device.read_disturb
    if rd.law == "none":
        return None
    kT = K_B_EV * rd.fit_temperature_k
    p = rd.c1 * np.exp(rd.a * np.abs(v_cell) / kT)
    base = 1.0 - rd.k * np.power(np.asarray(writes, dtype=np.float64), rd.m)
    with np.errstate(invalid="ignore", divide="ignore"):
        cyc = np.where(base > 0, np.power(np.maximum(base, 0.0), 1.0 / p), 0.0)
        T = hw.device.temperature.ambient_k
        arr = math.exp(rd.activation_energy_ev / K_B_EV * (1.0 / T - 1.0 / rd.reference_temperature_k))
        lvl = np.power(np.maximum(np.abs(G), 1e-300) / hw.device.g_max_s, -rd.level_exponent)
        t_tr = rd.t0_s * np.power(rd.f_factor, 1.0 / p) * cyc * arr * lvl
    n_onset = t_tr / hw.crossbar.read_pulse_s
    return n_onset, p


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
