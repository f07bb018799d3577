"""Per-cell endurance maps as the mapper sees them, on *logical* cells (row × logical column).

* Write endurance (cycles, docs/design.md#lifetimes): :func:`neurosim.devices.write_endurance_map` (series-path
  programming current with IR drop, the chip's endurance law). If that module is unavailable the
  mapper falls back to :func:`fallback_write_endurance_map`, the series single-path formula of
  docs/references.md#ir-drop (NeuroSim ``GetColumnResistance``):
  ``R_path(i,j) = R_cell + r_driver + (j+1)·r_wire_row + (R−i)·r_wire_col + r_sense + r_access``,
  ``I_prog = V_prog / R_path`` and the configured law (power in current, exponential in voltage, or
  thermal).
* Read endurance (reads, RRAM): the Jiang et al. read-disturb model
  (:func:`neurosim.devices.read_endurance_map`) at the cell read voltages of a one-row read of a
  crossbar whose cells all sit at the mid conductance (:func:`neurosim.crossbar.single_row_reads`),
  evaluated at stored level ``G/g_max = 1``. The model's onset time scales as
  ``(G/g_max)^(−level_exponent)``, so a synapse stored at level g lasts ``g^(−level_exponent)``
  times the map value; :func:`neurosim.mapping.cells` uses that factor per synapse. Using a
  uniform-conductance voltage map (instead of re-solving for every permutation) is the mapper's
  approximation; the simulator re-solves the real pattern.

A logical cell of a ``differential`` chip spans physical columns 2j and 2j+1; its endurance is the
smaller of the two. ``reference_column`` and ``signed`` use physical column j.
"""
from __future__ import annotations

import numpy as np

__all__ = ["write_endurance_logical", "read_endurance_logical", "fallback_write_endurance_map",
           "to_logical", "has_write_wear", "has_read_disturb", "weight_level"]


def has_write_wear(hw) -> bool:
    return hw.device.write_endurance.law != "none"


def has_read_disturb(hw) -> bool:
    return hw.device.read_disturb.law != "none"


def to_logical(hw, M: np.ndarray) -> np.ndarray:
    """(R, C_physical) → (R, C_logical): min over the physical cells of each logical column."""
    C = hw.neurons_per_crossbar
    if hw.device.weight_encoding == "differential":
        return np.minimum(M[:, 0:2 * C:2], M[:, 1:2 * C:2])
    return M[:, :C].copy()


def fallback_write_endurance_map(hw) -> np.ndarray:
    """(R, C_physical) median write endurance from the series single-path programming current
    (docs/references.md#ir-drop; used only when ``neurosim.devices`` is unavailable)."""
    R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
    cb = hw.crossbar
    d = hw.device
    r_cell = float(d.program_cell_resistance_ohm) if d.program_cell_resistance_ohm is not None else 1.0 / d.g_max_s
    r_acc = hw.tile.access_resistance_ohm if hw.tile.access_device == "1T1R" else 0.0
    i = np.arange(R)[:, None]
    j = np.arange(C)[None, :]
    r_path = (r_cell + cb.driver_resistance_ohm + (j + 1) * cb.wire_resistance_row_ohm
              + (R - i) * cb.wire_resistance_col_ohm + cb.sense_resistance_ohm + r_acc)
    I = cb.program_voltage_v / r_path
    law = d.write_endurance
    if law.law == "none":
        return np.full((R, C), np.inf)
    E_ref = law.endurance_ref_cycles
    if law.law == "power_current":
        return E_ref * (law.current_ref_a / I) ** law.exponent
    if law.law == "exp_voltage":
        return E_ref * 10.0 ** (-law.decades_per_volt * (I * r_cell - law.voltage_ref_v))
    k_b = 8.617333262e-5
    T = d.temperature.ambient_k + law.thermal_resistance_k_per_w * I ** 2 * r_cell
    return E_ref * np.exp(law.activation_energy_ev / k_b * (1.0 / T - 1.0 / law.reference_temperature_k))


def write_endurance_logical(hw, n_maps: int = 1, seed: int = 0) -> tuple[np.ndarray, str]:
    """``(maps float64[n_maps or 1, R, C_logical], source)``. One shared map unless the law has a
    device-to-device spread (``spread_sigma_ln > 0``), in which case ``n_maps`` maps are drawn from
    ``numpy.random.default_rng(seed)`` (the simulator draws its own; these are predictions)."""
    sigma = getattr(hw.device.write_endurance, "spread_sigma_ln", 0.0)
    try:
        from neurosim.devices import write_endurance_map
        src = "neurosim.devices.write_endurance_map"
        if sigma > 0:
            rng = np.random.default_rng(seed)
            maps = [to_logical(hw, write_endurance_map(hw, rng)) for _ in range(n_maps)]
            return np.stack(maps), src
        return to_logical(hw, write_endurance_map(hw))[None], src
    except ImportError:
        base = to_logical(hw, fallback_write_endurance_map(hw))
        src = "fallback series-path formula (NeuroSim GetColumnResistance)"
        if sigma > 0:
            rng = np.random.default_rng(seed)
            return base[None] * np.exp(sigma * rng.standard_normal((n_maps,) + base.shape)), src
        return base[None], src


def verify_gain_logical(hw, weights) -> np.ndarray | None:
    """(R, C_logical) apparent/programmed conductance of each logical cell (the weaker cell of a
    differential pair) on a chip that programs with write-verify (``crossbar.ir_drop_compensation``),
    for an array at the mean cell conductance of the encoded ``weights``; ``None`` on other chips.
    With write-verify a cell's conductance moves 1/gain per unit of weight, and so do its level
    crossings (docs/mapping.md)."""
    cb, d = hw.crossbar, hw.device
    if cb.ir_drop_compensation != "write_verify" or cb.ir_drop_method == "none" or d.type == "ideal":
        return None
    from neurosim.crossbar.verify import apparent_gain
    dg = d.g_max_s - d.g_min_s
    w = np.minimum(np.abs(np.asarray(weights, np.float64)), d.weight_scale) / d.weight_scale
    mean_w = float(w.mean()) if w.size else 0.0
    if d.weight_encoding == "differential":
        g_typ = d.g_min_s + 0.5 * mean_w * dg            # one cell of the pair holds |w|, the other g_min
    else:
        g_typ = 0.5 * (d.g_min_s + d.g_max_s)            # reference column: weights of both signs about g_mid
    R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
    return to_logical(hw, apparent_gain(hw, np.full((R, C), g_typ)))


def read_endurance_logical(hw) -> tuple[np.ndarray, str]:
    """``(map float64[R, C_logical], source)``: reads to tolerance at stored level G = g_max."""
    R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
    if not has_read_disturb(hw):
        return np.full((R, hw.neurons_per_crossbar), np.inf), "no read disturb"
    d = hw.device
    g_mid = 0.5 * (d.g_min_s + d.g_max_s)
    G = np.full((R, C), g_mid)
    try:
        from neurosim.crossbar import circuit_resistances, single_row_reads
        r = circuit_resistances(hw)
        v_cell, _, _ = single_row_reads(G, hw.crossbar.read_voltage_v, r["r_wire_row"], r["r_wire_col"],
                                        r["r_driver"], r["r_sense"], r["r_access"])
        vsrc = "neurosim.crossbar.single_row_reads"
    except ImportError:
        cb = hw.crossbar
        r_acc = hw.tile.access_resistance_ohm if hw.tile.access_device == "1T1R" else 0.0
        i = np.arange(R)[:, None]
        j = np.arange(C)[None, :]
        r_path = (1.0 / G + cb.driver_resistance_ohm + (j + 1) * cb.wire_resistance_row_ohm
                  + (R - 1 - i) * cb.wire_resistance_col_ohm + cb.sense_resistance_ohm + r_acc)
        v_cell = cb.read_voltage_v * (1.0 / G) / r_path
        vsrc = "series path"
    from neurosim.devices import read_endurance_map
    N = read_endurance_map(hw, np.full((R, C), d.g_max_s), v_cell, prior_cycles=1.0)
    return to_logical(hw, N), f"neurosim.devices.read_endurance_map at {vsrc} voltages"


def weight_level(hw, weight: np.ndarray) -> np.ndarray:
    """Stored level G/g_max of the programmed cell of each synapse (docs/architecture.md encodings)."""
    d = hw.device
    s = d.weight_scale
    dg = d.g_max_s - d.g_min_s
    w = np.clip(np.asarray(weight, np.float64), -s, s)
    if d.weight_encoding == "differential":
        G = d.g_min_s + np.abs(w) / s * dg
    elif d.weight_encoding == "reference_column":
        G = 0.5 * (d.g_min_s + d.g_max_s) + w / (2 * s) * dg
    else:
        G = np.abs(w) / s * dg
    return np.maximum(G / d.g_max_s, 1e-12)
