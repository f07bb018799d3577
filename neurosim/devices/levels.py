"""Multilevel conductance quantisation (docs/architecture.md).

With L levels and Δg = g_max − g_min, a conductance snaps to the nearest level
``g_min + round((G − g_min)/Δg·(L−1))·Δg/(L−1)``; continuous devices (levels = null) are unchanged.
Physical devices are also confined to [g_min, g_max]. Multilevel capability: PCM 4-bit (16 levels,
``espine_pcm``), RRAM 8 levels held under reads (Yao et al., Nature 2020), see ``MAX_LEVELS`` in the
schema.
"""
from __future__ import annotations

import numpy as np

from .encoding import DeviceParams, device_params

__all__ = ["quantise", "level_index"]


def _params(hw_or_params):
    return hw_or_params if isinstance(hw_or_params, DeviceParams) else device_params(hw_or_params)


def quantise(hw_or_params, G) -> np.ndarray:
    """Snap conductances ``G`` (any shape, S) to the device's levels; returns a new float64 array.

    >>> from neurosim.config import load_hardware
    >>> hw = load_hardware("espine_pcm")   # 16 levels between 1 uS and 100 uS
    >>> [round(float(g) * 1e6, 3) for g in quantise(hw, [3.5e-6, 7.7e-6, 2e-4])]   # level step 6.6 uS
    [1.0, 7.6, 100.0]
    """
    p = _params(hw_or_params)
    G = np.array(G, dtype=np.float64)
    if not np.all(np.isfinite(G)):
        raise ValueError("G: conductances must be finite")
    if p.clip:
        G = np.clip(G, p.g_min, p.g_max)
    if p.levels:
        step = p.delta_g / (p.levels - 1)
        G = p.g_min + np.round((G - p.g_min) / p.delta_g * (p.levels - 1)) * step
    return G


def level_index(hw_or_params, G) -> np.ndarray:
    """Index (0 … L−1) of the nearest level of each conductance (int64); continuous devices raise."""
    p = _params(hw_or_params)
    if not p.levels:
        raise ValueError("hw: the device is continuous (levels = null): there are no level indices")
    G = np.asarray(G, dtype=np.float64)
    idx = np.round((G - p.g_min) / p.delta_g * (p.levels - 1))
    return np.clip(idx, 0, p.levels - 1).astype(np.int64)
