"""Fixed-point synaptic currents (docs/engine.md, "Currents").

Every engine adds the effective weights a tick's row reads deliver into integers with ``FX_BITS``
fractional bits, as a chip's digital neuron circuit accumulates its ADC outputs. Integer sums do not
depend on the order of the reads, so the cycle-level and functional timing models (and the SimPy
reference) give bit-identical currents whatever order their reads complete in. The resolution,
2**-40 ≈ 9.1e-13 of the threshold unit, is far below any device's level spacing, and weights with
at most 40 fractional bits (e.g. k/64) are represented exactly.
"""
from __future__ import annotations

import numpy as np

__all__ = ["FX_BITS", "FX_LIMIT", "to_fixed", "from_fixed", "check_current_range"]

FX_BITS = 40
#: Largest summed input (threshold units) the int64 accumulator holds with a safety factor of 2.
FX_LIMIT = 2.0 ** (62 - FX_BITS)
_ONE = 2.0 ** FX_BITS


def to_fixed(w: float) -> int:
    """Weight -> fixed point: nearest integer of ``w * 2**FX_BITS`` (ties to even, as C's ``rint``)."""
    return round(float(w) * _ONE)           # Python rounds halves to even, like rint


def from_fixed(q: int) -> float:
    """Fixed point -> weight (one rounding, as the compiled engine's ``(double) q * 2**-FX_BITS``)."""
    return float(np.float64(q) * 2.0 ** -FX_BITS)


def check_current_range(net, hw, learning: bool, where: str = "workload") -> None:
    """Raise ``ValueError`` if a neuron's summed input could leave the accumulator's range:
    (largest in-degree) x (largest weight any synapse can deliver) must stay below ``FX_LIMIT``."""
    if net.n_synapses == 0:
        return
    wmax = float(np.max(np.abs(net.weight)))
    if hw.device.type != "ideal":
        wmax = max(wmax, 4.0 * float(hw.device.weight_scale))       # decoded alpha*G: at most ~2x scale
    if learning:
        for r in net.stdp_rules:
            wmax = max(wmax, abs(float(r["w_min"])), abs(float(r["w_max"])))
    fan_in = int(np.bincount(np.asarray(net.post), minlength=1).max())
    if not np.isfinite(wmax) or wmax * fan_in >= FX_LIMIT:
        raise ValueError(f"{where}: a neuron's summed input could reach {wmax * fan_in:.3g} (in-degree "
                         f"{fan_in} x weight {wmax:.3g}); the engines accumulate currents in fixed point "
                         f"up to {FX_LIMIT:.3g} threshold units: rescale the weights and thresholds")
