"""Per-crossbar maps (write endurance, read endurance, cell read voltage, temperature, programming
current) and a heat-map plotting helper (matplotlib, imported lazily: an optional dependency)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .endurance import write_endurance_map
from .read_disturb import read_endurance_map
from .temperature import temperature_map

__all__ = ["CrossbarMaps", "crossbar_maps", "plot_crossbar_map"]


@dataclass
class CrossbarMaps:
    """(R, C) arrays for one crossbar."""

    write_endurance_cycles: np.ndarray
    read_endurance_reads: np.ndarray
    read_onset_reads: np.ndarray
    v_read_cell_v: np.ndarray
    temperature_k: np.ndarray
    program_current_a: np.ndarray

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def crossbar_maps(hw, G, *, physics=None, prior_cycles=0.0, power_w=None, rng=None) -> CrossbarMaps:
    """All maps of one crossbar with conductances ``G`` (S).

    ``physics`` — a ``CrossbarPhysics`` of ``G`` to reuse (built if omitted); ``prior_cycles`` — write
    cycles per cell so far; ``power_w`` — average power per cell for self-heating (default 0);
    ``rng`` — for the lognormal endurance spread.
    """
    from ..crossbar.physics import physics_for
    phys = physics if physics is not None else physics_for(hw, G)
    shape = phys.shape
    T = temperature_map(hw, np.zeros(shape) if power_w is None else power_w)
    V = np.asarray(phys.read_cell_voltage())
    I = np.asarray(phys.program_current())
    return CrossbarMaps(
        write_endurance_cycles=write_endurance_map(hw, rng, program_current=I),
        read_endurance_reads=read_endurance_map(hw, G, V, prior_cycles, T),
        read_onset_reads=read_endurance_map(hw, G, V, prior_cycles, T, onset=True),
        v_read_cell_v=V.copy(), temperature_k=T, program_current_a=I.copy(),
    )


def plot_crossbar_map(arr, ax=None, title=None, marked_rows=None, marked_cols=None, *, log=None,
                      cmap="viridis", colorbar_label=None):
    """Heat map of an (R, C) crossbar map; returns the matplotlib ``Axes``.

    Row 0 is drawn at the top, column 0 (the drivers) at the left, so the sense amplifiers sit at
    the bottom edge. ``marked_rows`` / ``marked_cols`` draw thin lines over chosen rows/columns (e.g.
    those holding the most active synapses). ``log`` (default: automatic when the positive values span
    more than two decades) plots log10 of the values.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # optional dependency
        raise ImportError("plot_crossbar_map needs matplotlib (pip install matplotlib)") from exc
    a = np.asarray(arr, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"arr: expected a 2-D (rows, columns) map, got shape {a.shape}")
    finite = a[np.isfinite(a) & (a > 0)]
    if log is None:
        log = finite.size > 0 and finite.max() / finite.min() > 100.0
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(a > 0, np.log10(a), np.nan)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    im = ax.imshow(a, origin="upper", aspect="auto", cmap=cmap, interpolation="nearest")
    cb = ax.figure.colorbar(im, ax=ax)
    if colorbar_label or log:
        cb.set_label(("log10 " if log else "") + (colorbar_label or ""))
    for r in (marked_rows if marked_rows is not None else []):
        ax.axhline(r, color="w", lw=0.6, alpha=0.8)
    for c in (marked_cols if marked_cols is not None else []):
        ax.axvline(c, color="w", lw=0.6, alpha=0.8)
    ax.set_xlabel("column (driver at 0)")
    ax.set_ylabel("row (sense amplifiers at the bottom)")
    if title:
        ax.set_title(title)
    return ax
