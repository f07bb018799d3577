"""Read disturb of RRAM: Jiang et al. analytical failure-time model with an Arrhenius factor.

Jiang et al., "An Analytical Model of Read-Disturb Failure Time in a Post-Cycling Resistive
Switching Memory" (IEEE), as used by the public analog-cim-sim (docs/references.md#read-disturb). With
``kT = k_B·T_fit/q`` (volts), for a cell read at ``|V|`` after ``N`` prior write cycles:

* drift exponent        ``p(V) = c1·exp(a·|V|/kT)``
* onset time            ``t_tr = t0·F^(1/p)·(1 − k·N^m)^(1/p) · A(T) · L(G)``
* drift after onset     ``G/G0 = (t_stress/t_tr)^(−p)`` for ``t_stress = n_reads·t_read > t_tr``, else 1.

Fit parameters (``JiangReadDisturb`` defaults): t0 = 1.55e-8 s, F = 1.43339, c1 = 0.0068,
a = 0.11, k = 0.003, m = 0.41, at T_fit = 300 K. neurosim adds two factors:

* ``A(T) = exp[(E_a/k_B)(1/T − 1/T_ref)]`` — an Arrhenius factor so hotter cells fail sooner (the fit's
  own temperature, inside a|V|/kT, would make hotter cells last *longer*; docs/references.md#read-disturb);
* ``L(G) = (G/G_max)^(−level_exponent)`` — the stored level: higher-conductance states disturb sooner
  (multilevel HfO2 states drift differently: Shim et al., IEEE TED 67(6) 2020).

Reads to onset ``t_tr/t_read``. Reads to tolerance ``N_RD`` — until ``|G − G0|/G0`` exceeds
``drift_tolerance_rel = δ`` — solve ``(t/t_tr)^(−p) = 1 − δ``: ``N_RD = t_tr·(1 − δ)^(−1/p)/t_read``
(onset plus the drift to tolerance).

Beyond the fit's range. Once ``k·N^m ≥ 1`` (N ≳ 1.4e6 cycles with the defaults) the cycling factor
is undefined: neurosim treats such a cell as already failed — onset reads and N_RD are 0, and
:func:`drifted_conductance` returns the tolerance edge ``G0·(1 − δ)`` for any n ≥ 1 (the cell must be
reprogrammed; the model cannot say more).

With 10 ns reads at 300 K, G = G_max: onset after ≈1e10 reads at 0.2 V, ≈4e6 at 0.3 V, ≈2.4e4 at
0.4 V, ≈850 at 0.5 V; 1e4 prior cycles cut the 0.2 V figure to ≈1.5e6.
"""
from __future__ import annotations

import numpy as np

from .constants import K_B_EV_PER_K

__all__ = ["drift_exponent", "cycling_factor", "onset_time_s", "onset_reads", "reads_to_tolerance",
           "drifted_conductance", "read_endurance_map"]


def _arr(x, name):
    a = np.asarray(x, dtype=np.float64)
    if np.any(np.isnan(a)):
        raise ValueError(f"{name}: must not contain NaN")
    return a


def drift_exponent(law, v_read_v):
    """``p(V) = c1·exp(a·|V|/kT)`` with kT at the fit temperature (dimensionless)."""
    V = np.abs(_arr(v_read_v, "v_read_v"))
    kT = K_B_EV_PER_K * law.fit_temperature_k
    return law.c1 * np.exp(law.a * V / kT)


def cycling_factor(law, prior_cycles):
    """``1 − k·N^m`` (before the 1/p power); ≤ 0 means beyond the fit's range."""
    N = _arr(prior_cycles, "prior_cycles")
    if np.any(N < 0):
        raise ValueError("prior_cycles: write cycle counts must be >= 0")
    return 1.0 - law.k * N ** law.m


def _temperature_factor(law, temperature_k):
    T = _arr(temperature_k, "temperature_k")
    if np.any(T <= 0):
        raise ValueError("temperature_k: temperatures must be > 0 K")
    return np.exp(law.activation_energy_ev / K_B_EV_PER_K * (1.0 / T - 1.0 / law.reference_temperature_k))


def _level_factor(law, g_rel):
    g = _arr(g_rel, "g_rel")
    if np.any(g < 0):
        raise ValueError("g_rel: stored conductance ratios G/G_max must be >= 0")
    if law.level_exponent == 0:
        return np.ones_like(g)
    with np.errstate(divide="ignore"):
        return g ** (-law.level_exponent)


def onset_time_s(law, v_read_v, prior_cycles=0.0, temperature_k=300.0, g_rel=1.0):
    """Stress time (s) until drift starts, ``t_tr`` (broadcast over arrays); 0 beyond the fit's range."""
    p = drift_exponent(law, v_read_v)
    cyc = cycling_factor(law, prior_cycles)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        base = law.t0_s * np.exp(np.log(law.f_factor) / p)
        cyc_term = np.where(cyc > 0, np.power(np.maximum(cyc, 1e-300), 1.0 / p), 0.0)
        t = base * cyc_term * _temperature_factor(law, temperature_k) * _level_factor(law, g_rel)
    return np.where(cyc > 0, t, 0.0)


def onset_reads(law, v_read_v, read_pulse_s, prior_cycles=0.0, temperature_k=300.0, g_rel=1.0):
    """Reads until drift starts: ``t_tr / t_read`` (0 beyond the fit's range)."""
    return onset_time_s(law, v_read_v, prior_cycles, temperature_k, g_rel) / float(read_pulse_s)


def reads_to_tolerance(law, v_read_v, read_pulse_s, prior_cycles=0.0, temperature_k=300.0, g_rel=1.0):
    """``N_RD``: reads until ``|G − G0|/G0 > drift_tolerance_rel``, ``t_tr·(1 − δ)^(−1/p)/t_read``."""
    p = drift_exponent(law, v_read_v)
    t = onset_time_s(law, v_read_v, prior_cycles, temperature_k, g_rel)
    with np.errstate(over="ignore", invalid="ignore"):
        factor = np.exp(-np.log1p(-law.drift_tolerance_rel) / p)
        return np.where(t > 0, t * factor, 0.0) / float(read_pulse_s)


def drifted_conductance(law, G0, n_reads, v_read_v, read_pulse_s, prior_cycles=0.0, temperature_k=300.0,
                        g_max=None):
    """Conductance after ``n_reads`` reads (broadcast over cells): ``G0·min(1, (n·t_read/t_tr)^(−p))``.

    ``g_max`` (S) sets the stored-level factor ``L(G0/g_max)``; omit it for L = 1. Cells beyond the
    fit's range (k·N^m ≥ 1) return ``G0·(1 − drift_tolerance_rel)`` once read.
    """
    G0 = _arr(G0, "G0")
    n = _arr(n_reads, "n_reads")
    if np.any(n < 0):
        raise ValueError("n_reads: read counts must be >= 0")
    g_rel = 1.0 if g_max is None else G0 / float(g_max)
    p = drift_exponent(law, v_read_v)
    t_tr = onset_time_s(law, v_read_v, prior_cycles, temperature_k, g_rel)
    t = n * float(read_pulse_s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(t > t_tr, np.power(np.where(t_tr > 0, t / np.where(t_tr > 0, t_tr, 1.0), 1.0), -p), 1.0)
    ratio = np.where((t_tr <= 0) & (n >= 1), 1.0 - law.drift_tolerance_rel, ratio)
    return G0 * ratio


def read_endurance_map(hw, G, v_read_cell, prior_cycles=0.0, temperature_k=None, *, onset=False):
    """(R, C) read endurance ``N_RD`` (reads) of every cell of one crossbar (docs/design.md#lifetimes).

    ``G`` (S) the stored conductances, ``v_read_cell`` (V) each cell's voltage when its row is read
    (``CrossbarPhysics.read_cell_voltage()``), ``prior_cycles`` the write cycles each cell has seen,
    ``temperature_k`` each cell's temperature (default: ambient). ``onset=True`` returns reads to
    onset instead. ``read_disturb.law: none`` gives ``inf`` everywhere.
    """
    law = hw.device.read_disturb
    G = _arr(G, "G")
    V = _arr(v_read_cell, "v_read_cell")
    if V.shape != G.shape:
        raise ValueError(f"v_read_cell: shape {V.shape} does not match G {G.shape}")
    if law.law == "none":
        return np.full(G.shape, np.inf)
    T = hw.device.temperature.ambient_k if temperature_k is None else temperature_k
    g_rel = G / hw.device.g_max_s
    fn = onset_reads if onset else reads_to_tolerance
    return np.broadcast_to(fn(law, V, hw.crossbar.read_pulse_s, prior_cycles, T, g_rel), G.shape).copy()
