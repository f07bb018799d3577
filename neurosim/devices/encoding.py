"""Weight ↔ conductance encodings (docs/architecture.md, "Weight ↔ conductance").

With Δg = g_max − g_min and s = weight_scale:

* ``differential`` — logical column j uses physical columns 2j (G+) and 2j+1 (G−):
  ``G+ = g_min + max(w, 0)/s·Δg``, ``G− = g_min + max(−w, 0)/s·Δg``; ``w = (G+ − G−)·s/Δg``.
* ``reference_column`` — logical column j is physical column j; physical column C−1 holds the
  reference ``g_mid = (g_min + g_max)/2`` in every row: ``G = g_mid + w/(2s)·Δg``;
  ``w = (G − G_ref)·2s/Δg``.
* ``signed`` (device type ``ideal`` only) — ``G = w/s·Δg``; ``w = G·s/Δg``.

Physical devices clip weights to ±s (the conductance range). An ``ideal`` device is not range-limited
(it stands for a digital memory): its weights are not clipped, so effective weights equal the
network's weights exactly. Cells that hold no synapse sit at g_min (``signed``: 0) — except with
``reference_column``, where g_min would read as weight −s: there an unused cell sits at g_mid (weight
0), so that a row read (a gather of a whole row of effective weights) adds nothing for it.

The plain numbers the compiled engine needs to quantise/encode in C are in :func:`device_params`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DeviceParams", "device_params", "encode_weights", "decode_conductances", "ENCODING_CODES"]

#: Integer codes of the encodings, for compiled code.
ENCODING_CODES = {"differential": 0, "reference_column": 1, "signed": 2}


@dataclass(frozen=True)
class DeviceParams:
    """Plain numbers describing how weights become conductances on one chip.

    ``levels`` is 0 for a continuous device. ``clip`` says whether weights are clipped to ±scale.
    ``reference_column`` is the physical index of the reference column (-1 if none).
    """

    g_min: float
    g_max: float
    levels: int
    scale: float
    encoding: str
    encoding_code: int
    clip: bool
    rows: int
    physical_columns: int
    logical_columns: int
    columns_per_neuron: int
    reference_column: int

    @property
    def delta_g(self) -> float:
        return self.g_max - self.g_min

    @property
    def g_mid(self) -> float:
        return 0.5 * (self.g_min + self.g_max)

    @property
    def g_unused(self) -> float:
        """Conductance of a cell that holds no synapse (g_min; signed: 0; reference_column: g_mid)."""
        if self.encoding == "signed":
            return 0.0
        return self.g_mid if self.encoding == "reference_column" else self.g_min


def device_params(hw) -> DeviceParams:
    """The :class:`DeviceParams` of a ``HardwareConfig``."""
    d = hw.device
    C = hw.tile.crossbar_columns
    enc = d.weight_encoding
    return DeviceParams(
        g_min=float(d.g_min_s), g_max=float(d.g_max_s), levels=int(d.levels or 0), scale=float(d.weight_scale),
        encoding=enc, encoding_code=ENCODING_CODES[enc], clip=d.type != "ideal",
        rows=hw.tile.crossbar_rows, physical_columns=C, logical_columns=hw.neurons_per_crossbar,
        columns_per_neuron=hw.columns_per_neuron, reference_column=C - 1 if enc == "reference_column" else -1,
    )


def _as_logical(p: DeviceParams, W, name="W_logical"):
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D (rows, logical columns) weight array, got shape {W.shape}")
    if W.shape[0] > p.rows or W.shape[1] > p.logical_columns:
        raise ValueError(f"{name}: shape {W.shape} does not fit a crossbar of {p.rows} rows x "
                         f"{p.logical_columns} logical columns")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name}: weights must be finite")
    return W


def encode_weights(hw_or_params, W_logical, mask=None) -> np.ndarray:
    """Target (unquantised) physical conductances (R, C) for logical weights (r ≤ R, n ≤ N).

    ``mask`` (same shape as ``W_logical``, bool) marks cells holding a synapse; default ``W != 0``
    (the network builder's convention: 0 = no synapse). Rows/columns beyond ``W_logical`` and
    unmasked cells sit at g_min (``signed``: 0; ``reference_column``: g_mid, the zero weight).
    """
    p = hw_or_params if isinstance(hw_or_params, DeviceParams) else device_params(hw_or_params)
    W = _as_logical(p, W_logical)
    if mask is None:
        mask = W != 0
    else:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != W.shape:
            raise ValueError(f"mask: shape {mask.shape} does not match W_logical {W.shape}")
    if p.clip:
        W = np.clip(W, -p.scale, p.scale)
    r, n = W.shape
    G = np.full((p.rows, p.physical_columns), p.g_min if p.encoding == "differential" else p.g_unused)
    dg, s = p.delta_g, p.scale
    if p.encoding == "differential":
        gp = np.where(mask, p.g_min + np.maximum(W, 0.0) / s * dg, p.g_min)
        gn = np.where(mask, p.g_min + np.maximum(-W, 0.0) / s * dg, p.g_min)
        G[:r, 0:2 * n:2] = gp
        G[:r, 1:2 * n:2] = gn
    elif p.encoding == "reference_column":
        G[:, :] = p.g_mid
        G[:r, :n] = np.where(mask, p.g_mid + W / (2.0 * s) * dg, p.g_mid)
    else:  # signed
        G[:r, :n] = np.where(mask, W / s * dg, 0.0)
    return G


def decode_conductances(hw_or_params, G) -> np.ndarray:
    """Logical weights (R, N) from physical (or apparent, IR-distorted) conductances (R, C).

    The inverse of :func:`encode_weights` (exact up to clipping and quantisation).
    """
    p = hw_or_params if isinstance(hw_or_params, DeviceParams) else device_params(hw_or_params)
    G = np.asarray(G, dtype=np.float64)
    if G.ndim != 2 or G.shape[1] != p.physical_columns:
        raise ValueError(f"G: expected (rows, {p.physical_columns}) conductances, got shape {G.shape}")
    dg, s = p.delta_g, p.scale
    if p.encoding == "differential":
        return (G[:, 0::2] - G[:, 1::2]) * s / dg
    if p.encoding == "reference_column":
        return (G[:, :-1] - G[:, -1:]) * (2.0 * s) / dg
    return G * s / dg
