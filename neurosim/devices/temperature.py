"""Cell temperatures: ambient plus optional self-heating with neighbour coupling.

Following Titirsha & Das (LCPC 2020, arXiv 2010.04773), a cell's temperature rises with its own
dissipation and with that of its neighbours. neurosim uses a steady-state, first-order model:

    ΔT_self(i, j) = R_th · P(i, j)
    T(i, j) = T_amb + ΔT_self(i, j) + κ · Σ_{4 nearest neighbours} ΔT_self(neighbour)

with ``R_th = temperature.thermal_resistance_k_per_w`` (K/W), ``κ = temperature.neighbour_coupling``
and ``P`` the average power each cell dissipates (W; e.g. read energy × read rate from the engine's
activity counters). With ``self_heating: false`` every cell is at ambient.
"""
from __future__ import annotations

import numpy as np

__all__ = ["temperature_map"]


def temperature_map(hw, power_w) -> np.ndarray:
    """(R, C) cell temperatures (K) for an (R, C) map of average dissipated power per cell (W).

    >>> import numpy as np
    >>> from neurosim.config import load_hardware
    >>> float(temperature_map(load_hardware("rram_inference"), np.zeros((128, 128))).max())
    300.0
    """
    t = hw.device.temperature
    shape = (hw.tile.crossbar_rows, hw.tile.crossbar_columns)
    P = np.asarray(power_w, dtype=np.float64)
    if P.shape != shape:
        raise ValueError(f"power_w: shape {P.shape} does not match the crossbar {shape}")
    if np.any(~np.isfinite(P)) or np.any(P < 0):
        raise ValueError("power_w: powers must be finite and >= 0 W")
    T = np.full(shape, float(t.ambient_k))
    if not t.self_heating:
        return T
    dT = t.thermal_resistance_k_per_w * P
    nb = np.zeros(shape)
    nb[1:, :] += dT[:-1, :]
    nb[:-1, :] += dT[1:, :]
    nb[:, 1:] += dT[:, :-1]
    nb[:, :-1] += dT[:, 1:]
    return T + dT + t.neighbour_coupling * nb
