"""Programming a crossbar: logical weights → physical conductances with levels, variation, faults.

Order of effects for each cell: encode the weight (``encoding.encode_weights``) → snap to the
nearest level (``levels.quantise``) → device-to-device factor and one cycle-to-cycle noise draw
(``variation``) → confine to [g_min, g_max] → fabrication stuck-at faults (``faults``).
On a device without variation or faults (e.g. the ``ideal`` chip) the result is exactly the encoding.
"""
from __future__ import annotations

import numpy as np

from .encoding import device_params, encode_weights
from .faults import apply_stuck, fabrication_stuck_mask
from .levels import quantise
from .variation import c2c_noise, d2d_factors

__all__ = ["program_crossbar"]


def program_crossbar(hw, W_logical, rng=None, *, mask=None, d2d=None, stuck=None, gain=None) -> np.ndarray:
    """Program one crossbar and return its physical conductances ``G`` (R, C) in siemens.

    Parameters
    ----------
    hw : HardwareConfig
    W_logical : (r, n) array_like
        Logical weights (network units), r ≤ ``crossbar_rows``, n ≤ ``hw.neurons_per_crossbar``;
        row index = crossbar row, column index = logical column. Missing rows/columns are unused.
    rng : numpy.random.Generator, optional
        Source of variation and fault draws; required only when the device has any.
    mask : (r, n) bool array_like, optional
        Cells holding a synapse (default ``W_logical != 0``); others sit at g_min (signed: 0).
    d2d : (R, C) array_like, optional
        Fixed device-to-device factors of this crossbar (from ``variation.d2d_factors``); drawn from
        ``rng`` when omitted. Pass the same array when reprogramming the same crossbar.
    stuck : (R, C) bool array_like, optional
        Fabrication stuck-at mask of this crossbar (``faults.fabrication_stuck_mask``); drawn when omitted.
    gain : (R, C) array_like, optional
        Apparent/programmed conductance ratio of each cell (write-verify against the in-array read,
        :func:`neurosim.crossbar.verify.program_verified`): the encoded target is divided by it and
        confined to [g_min, g_max] before it is snapped to a level. Physical devices only.

    Examples
    --------
    >>> import numpy as np
    >>> from neurosim.config import load_hardware
    >>> hw = load_hardware("ideal")
    >>> W = np.zeros((hw.tile.crossbar_rows, hw.neurons_per_crossbar)); W[0, 1] = -0.25
    >>> float(program_crossbar(hw, W)[0, 1])
    -0.25
    """
    p = device_params(hw)
    shape = (p.rows, p.physical_columns)
    G = encode_weights(p, W_logical, mask)
    if hw.device.type == "ideal":
        return G
    if gain is not None:
        G = np.clip(G / np.asarray(gain, dtype=np.float64), p.g_min, p.g_max)
    G = quantise(p, G)
    var = hw.device.variation
    needs_rng = var.d2d_sigma_rel > 0 and d2d is None or var.c2c_sigma_rel > 0 or \
        (hw.device.faults.stuck_at_rate > 0 and stuck is None)
    if needs_rng and not isinstance(rng, np.random.Generator):
        raise ValueError("rng: this device has variation or stuck-at faults; pass a numpy.random.Generator")
    if d2d is None:
        d2d = d2d_factors(hw, shape, rng)
    d2d = np.asarray(d2d, dtype=np.float64)
    if d2d.shape != shape:
        raise ValueError(f"d2d: shape {d2d.shape} does not match the crossbar {shape}")
    G = G * d2d + c2c_noise(hw, shape, rng)
    G = np.clip(G, p.g_min, p.g_max)
    if stuck is None:
        stuck = fabrication_stuck_mask(hw, shape, rng)
    return apply_stuck(hw, G, stuck)
