"""Device-to-device and cycle-to-cycle conductance variation (seeded).

* Device-to-device (d2d): each cell has a fixed relative error ε_d ~ N(0, d2d_sigma_rel), drawn once
  per crossbar; every conductance programmed into that cell lands at ``G·(1 + ε_d)``.
* Cycle-to-cycle (c2c): each programming pulse adds ε_c ~ N(0, c2c_sigma_rel·g_max) (S), drawn anew
  for every pulse (the schema ties c2c noise to g_max and checks that levels stay ≥ 2σ apart).

Gaussian programming noise is the usual model of multilevel RRAM/PCM programming (e.g. Le Gallo &
Sebastian, J. Phys. D 2020; aihwkit's programming-noise models). Results are clipped to
[g_min, g_max] by the caller. Randomness comes only from the ``numpy.random.Generator`` passed in.
"""
from __future__ import annotations

import numpy as np

__all__ = ["d2d_factors", "c2c_noise"]


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


def d2d_factors(hw, shape, rng) -> np.ndarray:
    """Per-cell multiplicative factors ``1 + ε_d`` (float64, ``shape``); all ones when d2d_sigma_rel = 0."""
    sigma = hw.device.variation.d2d_sigma_rel
    if sigma == 0:
        return np.ones(shape)
    return 1.0 + sigma * _check_rng(rng).standard_normal(shape)


def c2c_noise(hw, shape, rng) -> np.ndarray:
    """Additive conductance noise (S) of one programming pulse per cell; zeros when c2c_sigma_rel = 0."""
    sigma = hw.device.variation.c2c_sigma_rel * hw.device.g_max_s
    if sigma == 0:
        return np.zeros(shape)
    return sigma * _check_rng(rng).standard_normal(shape)
