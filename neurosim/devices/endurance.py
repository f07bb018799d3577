"""Write endurance per cell from the programming current it actually sees (docs/design.md#lifetimes).

The programming current of cell (i, j) comes from the series single-path model with IR drop
(``neurosim.crossbar.series``; NeuroSim ``GetColumnResistance``), with the cell at
``device.program_cell_resistance_ohm`` (default 1/g_max). Cells near the driver and the sense end
(column 0, row R−1) have the shortest paths, see the most current and — with every law below — wear
first, as the eSpine study found (Titirsha & Das, IGSC 2020, arXiv 2009.12672; Titirsha et al., IEEE
TPDS 2021, arXiv 2103.05707). Laws (``device.write_endurance.law``, docs/references.md#write-endurance):

* ``power_current``: ``E = E_ref·(I_ref/I_prog)^k``. No published exponent was found; k = 2 (the
  default, assumed) makes endurance inversely proportional to the RESET pulse energy I²·R·t at fixed
  cell resistance and pulse width, while Goux et al. (IEEE TED 2009) saw no acceleration with RESET
  current in a line cell (k ≈ 0).
* ``exp_voltage``: ``log10 E = log10 E_ref − s·(|V_cell| − V_ref)`` with the cell voltage
  ``V_cell = I_prog/G_prog = I_prog·R_cell`` (Balatti et al., IEEE TED 62(10) 2015, HfOx RRAM).
* ``thermal``: self-heating ``T = T_amb + R_th·I_prog²·R_cell`` (peak cell temperature during the
  pulse) and Arrhenius ``E = E_ref·exp[(E_a/k_B)(1/T − 1/T_ref)]``, k_B = 8.617e-5 eV/K. The PCM
  default (``espine_pcm``): T_ref = 900 K, the Ge2Sb2Te5 melting point, so that E_ref is the endurance
  of a cell that just melts; R_th from the melting condition of the weakest cell, within a factor 2
  of a published RESET point (~0.5 mA at ~1 V, Chen & Pop, IEEE TED 56(7) 2009); E_a assumed
  (docs/models.md §4 lists the sources and what is not verified).
* ``none``: ``E = inf``.

Device-to-device spread: ``E·exp(σ·z)``, z ~ N(0, 1) per cell (lognormal around the position-dependent
median, σ = ``spread_sigma_ln``), drawn from the ``numpy.random.Generator`` passed in.
"""
from __future__ import annotations

import numpy as np

from .constants import K_B_EV_PER_K

__all__ = ["endurance_from_current", "write_endurance", "write_endurance_map", "program_cell_resistance"]


def program_cell_resistance(hw) -> float:
    """Cell resistance (ohm) during a programming pulse: ``program_cell_resistance_ohm`` or 1/g_max."""
    d = hw.device
    return float(d.program_cell_resistance_ohm) if d.program_cell_resistance_ohm is not None else 1.0 / d.g_max_s


def endurance_from_current(law, i_prog_a, r_cell_ohm, ambient_k=300.0) -> np.ndarray:
    """Median write endurance (cycles) for programming currents ``i_prog_a`` (A, any shape).

    ``law`` is a ``device.write_endurance`` section; ``r_cell_ohm`` the cell resistance during the
    pulse; ``ambient_k`` the temperature the self-heating adds to (``thermal`` only).

    >>> from neurosim.config.schema import PowerLawCurrent
    >>> float(endurance_from_current(PowerLawCurrent(law="power_current", current_ref_a=1e-4,
    ...                                              endurance_ref_cycles=1e7), 2e-4, 1e3))
    2500000.0
    """
    I = np.abs(np.asarray(i_prog_a, dtype=np.float64))
    if np.any(~np.isfinite(I)):
        raise ValueError("i_prog_a: programming currents must be finite")
    if law.law == "none":
        return np.full(I.shape, np.inf)
    E_ref = law.endurance_ref_cycles
    with np.errstate(divide="ignore", over="ignore"):
        if law.law == "power_current":
            return E_ref * (law.current_ref_a / I) ** law.exponent
        if law.law == "exp_voltage":
            V = I * r_cell_ohm
            return E_ref * 10.0 ** (-law.decades_per_volt * (V - law.voltage_ref_v))
        if law.law == "thermal":
            T = ambient_k + law.thermal_resistance_k_per_w * I ** 2 * r_cell_ohm
            return E_ref * np.exp(law.activation_energy_ev / K_B_EV_PER_K * (1.0 / T - 1.0 / law.reference_temperature_k))
    raise ValueError(f"law: unknown write-endurance law {law.law!r}")


def write_endurance(hw, program_current, rng=None) -> np.ndarray:
    """Write endurance (cycles) of cells with programming currents ``program_current`` (A, any shape,
    e.g. a block of a crossbar): the law of ``hw.device.write_endurance`` plus the lognormal spread
    (``rng``, a ``numpy.random.Generator``, is needed only when ``spread_sigma_ln > 0``)."""
    law = hw.device.write_endurance
    I = np.asarray(program_current, dtype=np.float64)
    E = endurance_from_current(law, I, program_cell_resistance(hw), hw.device.temperature.ambient_k)
    sigma = getattr(law, "spread_sigma_ln", 0.0)
    if sigma > 0:
        if not isinstance(rng, np.random.Generator):
            raise ValueError("rng: write_endurance.spread_sigma_ln > 0 needs a numpy.random.Generator")
        E = E * np.exp(sigma * rng.standard_normal(I.shape))
    return E


def write_endurance_map(hw, rng=None, program_current=None) -> np.ndarray:
    """(R, C) write endurance (programming cycles) of every cell of one crossbar of ``hw``.

    ``program_current`` (R, C, A) defaults to the series path with IR drop
    (``neurosim.crossbar.program_current``). ``rng`` (a ``numpy.random.Generator``) is needed only
    when ``spread_sigma_ln > 0``. For convenience the call ``write_endurance_map(hw, currents, rng)``
    (currents of any shape, e.g. a block of cells) is also accepted and means
    ``write_endurance(hw, currents, rng)``.

    >>> from neurosim.config import load_hardware
    >>> E = write_endurance_map(load_hardware("espine_pcm"))
    >>> E.shape, np.unravel_index(E.argmin(), E.shape)     # weakest: next to driver and sense amp
    ((128, 128), (np.int64(127), np.int64(0)))
    """
    if rng is not None and not isinstance(rng, np.random.Generator):
        if isinstance(rng, (np.ndarray, list, tuple)) and (program_current is None or
                                                            isinstance(program_current, np.random.Generator)):
            return write_endurance(hw, rng, program_current)
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    shape = (hw.tile.crossbar_rows, hw.tile.crossbar_columns)
    if program_current is None:
        from ..crossbar.physics import program_current as _pc
        program_current = _pc(hw)
    I = np.asarray(program_current, dtype=np.float64)
    if I.shape != shape:
        raise ValueError(f"program_current: shape {I.shape} does not match the crossbar {shape}")
    return write_endurance(hw, I, rng)
