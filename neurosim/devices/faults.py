"""Stuck-at faults: from fabrication (a seeded random fraction of cells) and from wear-out.

* Fabrication: each cell is stuck independently with probability ``faults.stuck_at_rate`` at
  ``faults.stuck_level`` (g_min or g_max). Random stuck-at-fault injection is the standard yield
  model of crossbar studies (e.g. Xia et al., DAC 2017).
* Wear-out: a cell whose write count reaches its write endurance stays at
  ``faults.wearout_stuck_level`` (PCM fails stuck-SET, i.e. g_max, by void/stuck-SET mechanisms;
  Kim et al., IBM VLSI-TSA 2012).
"""
from __future__ import annotations

import numpy as np

__all__ = ["fabrication_stuck_mask", "stuck_value", "apply_stuck", "apply_wearout"]


def stuck_value(hw, level: str) -> float:
    """Conductance (S) of a stuck level name (``g_min`` / ``g_max``)."""
    if level == "g_min":
        return float(hw.device.g_min_s)
    if level == "g_max":
        return float(hw.device.g_max_s)
    raise ValueError(f"level: expected 'g_min' or 'g_max', got {level!r}")


def fabrication_stuck_mask(hw, shape, rng) -> np.ndarray:
    """Bool mask of cells stuck from fabrication (all False when stuck_at_rate = 0)."""
    rate = hw.device.faults.stuck_at_rate
    if rate == 0:
        return np.zeros(shape, dtype=bool)
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng: a numpy.random.Generator is needed to place stuck-at faults (stuck_at_rate > 0)")
    return rng.random(shape) < rate


def apply_stuck(hw, G, stuck_mask) -> np.ndarray:
    """Copy of ``G`` with fabrication-stuck cells at their stuck level."""
    G = np.array(G, dtype=np.float64)
    m = np.asarray(stuck_mask, dtype=bool)
    if m.shape != G.shape:
        raise ValueError(f"stuck_mask: shape {m.shape} does not match G {G.shape}")
    G[m] = stuck_value(hw, hw.device.faults.stuck_level)
    return G


def apply_wearout(hw, G, write_counts, endurance_cycles):
    """Return ``(G_new, worn)``: cells with ``write_counts >= endurance_cycles`` stuck at the wear-out level."""
    G = np.array(G, dtype=np.float64)
    w = np.asarray(write_counts, dtype=np.float64)
    e = np.asarray(endurance_cycles, dtype=np.float64)
    if w.shape != G.shape:
        raise ValueError(f"write_counts: shape {w.shape} does not match G {G.shape}")
    if e.shape not in ((), G.shape):
        raise ValueError(f"endurance_cycles: shape {e.shape} does not match G {G.shape}")
    worn = w >= e
    G[worn] = stuck_value(hw, hw.device.faults.wearout_stuck_level)
    return G, worn
