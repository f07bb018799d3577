"""Program-and-verify learning writes: how many pulses (each with a verify read) a write takes.

A write pulses the cell, reads it back and repeats until the conductance is within the verify
tolerance t of its target (``learning.write_scheme: program_verify``). Each pulse lands with the
cycle-to-cycle error ε ~ N(0, σ), σ = ``device.variation.c2c_sigma_rel``·g_max (the model of
neurosim.devices.variation), so it succeeds with probability p = P(|ε| ≤ t) = erf(t / (σ√2)) and
the pulses of a write are geometric with mean 1/p (Gaussian tolerance model; program-and-verify
schemes as in Alibart, Gao and Strukov, Nanotechnology 24:384021, 2013, and Le Gallo et al.,
Nature Electronics 1:246, 2018). t is half the level spacing of a multilevel device (the write is
verified when the cell reads as its level) or ``learning.verify_tolerance_rel``·(g_max − g_min) for
a continuous one; without c2c noise every write takes one pulse. The controller gives up after
``learning.verify_max_iterations`` pulses (counted). A failed (stuck) cell never verifies.

The number of a write is drawn from a counter-based hash of (run key, cell, the cell's writes so
far): independent of event order, so the cycle and functional timing models and the SimPy
reference draw the same numbers. The engine does this in C (csrc/engine_core.pyx); this module
gives the parameters and the same draw in Python.
"""
from __future__ import annotations

import math

__all__ = ["verify_params", "verify_iterations", "splitmix64"]

_MASK = (1 << 64) - 1


def verify_params(hw) -> tuple[bool, float, int]:
    """(verifying, log(1 − p), max iterations) of chip ``hw``; log(1 − p) is 0 when p = 1."""
    ln = hw.learning
    d = hw.device
    if ln.write_scheme != "program_verify":
        return False, 0.0, 1
    sigma = float(d.variation.c2c_sigma_rel) * float(d.g_max_s)
    dg = float(d.g_max_s - d.g_min_s)
    tol = 0.5 * dg / (d.levels - 1) if d.levels else float(ln.verify_tolerance_rel) * dg
    if sigma <= 0.0 or d.type == "ideal":
        return True, 0.0, int(ln.verify_max_iterations)
    p = math.erf(tol / (sigma * math.sqrt(2.0)))
    return True, (math.log1p(-p) if p < 1.0 else 0.0), int(ln.verify_max_iterations)


def splitmix64(x: int) -> int:
    """SplitMix64 (Steele, Lea and Flood, OOPSLA 2014), modulo 2**64."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def verify_iterations(key: int, cell: int, writes_so_far: int, log1mp: float, max_iterations: int) -> tuple[int, bool]:
    """(pulses of this write, gave up) for the cell keyed ``cell`` ((crossbar·R + row)·C + physical
    column) after ``writes_so_far`` writes, under run ``key``."""
    if log1mp == 0.0:
        return 1, False
    h = splitmix64((splitmix64((key + cell) & _MASK) + writes_so_far) & _MASK)
    u = ((h >> 11) + 0.5) * (1.0 / 9007199254740992.0)
    n = 1.0 + math.floor(math.log(u) / log1mp)
    if n >= max_iterations:
        return int(max_iterations), True
    return int(n), False
