"""Fixed-point synaptic currents: how the reads of a crossbar's rows are summed into each column's
current (docs/engine.md §2, "Currents"). Shared by the engine, the SimPy reference and
``reference_lif``; it imports nothing from them.

Every engine adds the effective weights that a tick's row reads deliver as int64 integers, in units
of 2**-S, as a chip's digital neuron circuit accumulates its ADC outputs. Integer sums do not depend
on the order of the reads, so the cycle-level and functional timing models, the SimPy reference and
``reference_lif`` give bit-identical currents whatever order their reads complete in.

S is chosen per network and chip so that the largest input a neuron could receive — its in-degree
times the largest weight any of its synapses can deliver — stays below 2**61: the resolution is
2**-61 of that bound whatever units the weights are in (about 4e-19 relative), far below any
device's level spacing, and weights with at most S fractional bits (k/64, …) are exact.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["HEADROOM_BITS", "MAX_CURRENT_BOUND", "MIN_CURRENT_BOUND", "fixed_point_bits", "to_fixed",
           "from_fixed", "exact_bincount"]

#: log2 of the largest accumulator magnitude the scale allows (int64 holds 2**63).
HEADROOM_BITS = 61
#: Largest |S| the scale may take: the engines compute 2**S and 2**-S as doubles, finite and nonzero
#: only for |S| <= 1023; one bit is kept in reserve.
MAX_SCALE_BITS = 1022
#: Largest (in-degree x largest |weight|) the scale can hold (weight units): 2**1023, the largest power
#: of two below the double range (S = 61 - 1023 = -962).
MAX_CURRENT_BOUND = 2.0 ** 1023
#: Smallest nonzero (in-degree x largest |weight|) the scale can resolve (weight units): 2**-961
#: (S = 61 + 961 = 1022). A network whose every weight is smaller has no current the engines can represent.
MIN_CURRENT_BOUND = 2.0 ** (HEADROOM_BITS - MAX_SCALE_BITS)


def fixed_point_bits(net, hw=None, where: str = "workload") -> int:
    """S, the fractional bits of the current accumulators for ``net`` on chip ``hw`` (``None``: an
    ideal device, as ``reference_lif`` assumes). The bound is (largest in-degree) x (largest |weight|
    over the network's weights, its STDP rules' bounds and, on physical devices, the decoded range
    of the encoding: 2 x weight_scale x g_max / (g_max - g_min) covers every encoding, IR drop and
    drift only shrinking conductances). Raises ``ValueError`` naming ``where`` on non-finite weights
    and when that bound lies outside [:data:`MIN_CURRENT_BOUND`, :data:`MAX_CURRENT_BOUND`], where no
    scale 2**-S is a finite double."""
    if net.n_synapses == 0:
        return HEADROOM_BITS
    w = np.asarray(net.weight, np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{where}: synaptic weights must be finite")
    wmax = float(np.max(np.abs(w)))
    rules = getattr(net, "stdp_rules", None)
    for r in (rules if rules is not None else ()):
        wmax = max(wmax, abs(float(r["w_min"])), abs(float(r["w_max"])))
    if hw is not None and hw.device.type != "ideal":
        d = hw.device
        wmax = max(wmax, 2.0 * float(d.weight_scale) * float(d.g_max_s) / float(d.g_max_s - d.g_min_s))
    fan_in = int(np.bincount(np.asarray(net.post), minlength=1).max())
    bound = wmax * fan_in
    if bound <= 0:
        return HEADROOM_BITS
    if not bound <= MAX_CURRENT_BOUND:           # also catches inf and NaN
        raise ValueError(f"{where}: the largest in-degree ({fan_in:,}) times the largest weight magnitude "
                         f"({wmax:.6g}, weights, STDP bounds and the device's decoded range) is {bound:.6g}; "
                         f"the engine's fixed-point currents hold at most {MAX_CURRENT_BOUND:.6g}")
    if bound < MIN_CURRENT_BOUND:
        raise ValueError(f"{where}: the largest in-degree ({fan_in:,}) times the largest weight magnitude "
                         f"({wmax:.6g}) is {bound:.6g}; the engine's fixed-point currents resolve nothing "
                         f"below {MIN_CURRENT_BOUND:.6g}")
    return HEADROOM_BITS - int(math.ceil(math.log2(bound)))


def to_fixed(w: float, bits: int) -> int:
    """Weight -> fixed point: nearest integer of ``w * 2**bits`` (ties to even, as C's ``rint``)."""
    return round(float(w) * 2.0 ** bits)          # Python rounds halves to even, like rint


def from_fixed(q: int, bits: int) -> float:
    """Fixed point -> weight (one rounding, as the compiled engine's ``(double) q * 2**-bits``)."""
    return float(np.float64(q) * 2.0 ** -bits)


def exact_bincount(target, q, minlength: int) -> np.ndarray:
    """Exact int64 per-bin sums of the int64 values ``q`` (|q| < 2**61): two float64 bincounts of
    the 31-bit halves, each exact while a bin holds fewer than 2**22 values."""
    q = np.asarray(q, np.int64)
    hi = np.bincount(target, weights=(q >> 31).astype(np.float64), minlength=minlength)
    lo = np.bincount(target, weights=(q & 0x7FFFFFFF).astype(np.float64), minlength=minlength)
    return (hi.astype(np.int64) << 31) + lo.astype(np.int64)
