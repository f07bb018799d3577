"""Write (effective) lifetime and inference (read) lifetime, per cell, per crossbar and for the chip.

Definitions (docs/design.md#lifetimes, after Titirsha et al., TPDS 2021, and Song et al., ASAP 2021):

* write lifetime of a cell = ``E[i, j] / writes_per_unit[i, j]`` — its write endurance (programming
  cycles, from the programming current it sees through the IR-dropped series path) over the writes it
  receives per unit of work (one inference);
* read (inference) lifetime of a cell = ``N_RD[i, j] / reads_per_unit[i, j]`` — its read endurance
  (reads until its conductance leaves tolerance; Jiang et al. read-disturb model at the cell's read
  voltage, stored level, prior write cycles and temperature) over the reads it receives per inference;
* the lifetime of a crossbar or of the chip is the minimum over its *used* cells (cells holding a
  synapse, plus the reference column of ``reference_column`` chips in used rows).

A cell that is never written (never read) has an unbounded write (read) lifetime: ``inf``.
Everything here takes plain numpy arrays; :func:`crossbar_lifetimes` adapts a
:class:`~neurosim.engine.SimResult`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "cell_lifetime", "min_lifetime", "CrossbarLifetime", "crossbar_lifetimes", "used_block_mask",
    "mapped_lines", "full_write_endurance", "full_read_endurance", "absolute_lifetime",
]

SECONDS_PER_YEAR = 365.25 * 24 * 3600.0


def cell_lifetime(endurance, uses_per_unit) -> np.ndarray:
    """Per-cell lifetime in units of work: ``endurance / uses_per_unit``; ``inf`` where a cell is not
    used (``uses_per_unit == 0``) or has unbounded endurance.

    >>> cell_lifetime(np.array([1e6, 1e6, np.inf]), np.array([2.0, 0.0, 5.0])).tolist()
    [500000.0, inf, inf]
    """
    e = np.asarray(endurance, dtype=np.float64)
    u = np.asarray(uses_per_unit, dtype=np.float64)
    if np.any(u < 0):
        raise ValueError("uses_per_unit: counts must be >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(u > 0, e / np.where(u > 0, u, 1.0), np.inf)
    return np.where(np.isnan(out), np.inf, out)


def min_lifetime(lifetime, mask=None) -> tuple[float, tuple | None]:
    """``(minimum, index)`` of a lifetime array over ``mask`` (default: every cell); ``(inf, None)``
    when no cell is bounded.

    >>> min_lifetime(np.array([[3.0, 1.0], [np.inf, 2.0]]))
    (1.0, (0, 1))
    """
    a = np.asarray(lifetime, dtype=np.float64)
    if mask is not None:
        a = np.where(np.asarray(mask, bool), a, np.inf)
    if a.size == 0 or not np.isfinite(a).any():
        return float("inf"), None
    idx = np.unravel_index(int(np.argmin(a)), a.shape)
    return float(a[idx]), tuple(int(i) for i in idx)


def absolute_lifetime(inferences: float, *, inferences_per_s: float, ticks_per_inference: float,
                      clock_hz: float) -> dict:
    """A lifetime in inferences expressed as inferences, ticks, seconds, clock cycles and years."""
    inf = float(inferences)
    if not np.isfinite(inf):
        return {"inferences": inf, "ticks": inf, "seconds": inf, "clock_cycles": inf, "years": inf}
    seconds = inf / inferences_per_s if inferences_per_s > 0 else float("inf")
    return {
        "inferences": inf,
        "ticks": inf * ticks_per_inference,
        "seconds": seconds,
        "clock_cycles": seconds * clock_hz,
        "years": seconds / SECONDS_PER_YEAR,
    }


def physical_columns_of(hw, logical_cols) -> np.ndarray:
    """Physical columns of logical columns (differential: 2j and 2j+1; otherwise j)."""
    lc = np.asarray(logical_cols, dtype=np.int64)
    if hw.device.weight_encoding == "differential":
        return np.sort(np.concatenate([2 * lc, 2 * lc + 1]))
    return lc


def mapped_lines(hw, mapping, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, physical columns)`` of crossbar ``k`` that the mapping uses (for heat-map marks)."""
    rows = np.flatnonzero(np.asarray(mapping.crossbar_rows[k]) >= 0)
    lcols = np.flatnonzero(np.asarray(mapping.crossbar_columns[k]) >= 0)
    cols = physical_columns_of(hw, lcols)
    if hw.device.weight_encoding == "reference_column" and lcols.size:
        cols = np.append(cols, hw.tile.crossbar_columns - 1)
    return rows, cols


def used_block_mask(hw, mapping, record) -> np.ndarray:
    """Bool (R_used, B) mask of the block cells of a :class:`~neurosim.engine.CrossbarRecord` that hold
    a synapse (both cells of a differential pair; the reference cell of every used row of a
    ``reference_column`` chip). Without a mapping every block cell counts as used."""
    shape = record.writes.shape
    if mapping is None:
        return np.ones(shape, bool)
    k = record.crossbar
    sel = np.asarray(mapping.synapse_crossbar) == k
    r = np.asarray(mapping.synapse_row)[sel].astype(np.int64)
    c = np.asarray(mapping.synapse_column)[sel].astype(np.int64)
    phys = np.asarray(record.physical_columns, np.int64)
    col_of = np.full(int(hw.tile.crossbar_columns), -1, np.int64)
    col_of[phys] = np.arange(phys.size)
    mask = np.zeros(shape, bool)
    ok = r < shape[0]
    r, c = r[ok], c[ok]
    if hw.device.weight_encoding == "differential":
        for pc in (2 * c, 2 * c + 1):
            b = col_of[pc]
            good = b >= 0
            mask[r[good], b[good]] = True
    else:
        b = col_of[c]
        good = b >= 0
        mask[r[good], b[good]] = True
        if hw.device.weight_encoding == "reference_column":
            bref = col_of[hw.tile.crossbar_columns - 1]
            if bref >= 0 and r.size:
                mask[np.unique(r), bref] = True
    return mask


def _g_unused(hw) -> float:
    from ..devices import device_params
    return float(device_params(hw).g_unused)


def full_conductance(hw, record) -> np.ndarray:
    """(R, C) conductances of the whole crossbar: the record's block, ``g_unused`` elsewhere."""
    R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
    G = np.full((R, C), _g_unused(hw))
    if hw.device.weight_encoding == "reference_column":
        from ..devices import device_params
        G[:, :] = device_params(hw).g_mid
    G[: record.conductance.shape[0], np.asarray(record.physical_columns)] = record.conductance
    return G


def full_write_endurance(hw, record=None) -> np.ndarray:
    """(R, C) write endurance (cycles) of one crossbar: the position-dependent median map
    (:func:`neurosim.devices.write_endurance_map`), with the record's own (possibly spread) values
    on its block."""
    R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
    if hw.device.write_endurance.law == "none":
        E = np.full((R, C), np.inf)
    else:
        from ..devices import write_endurance_map
        try:
            E = np.array(write_endurance_map(hw), dtype=np.float64)
        except ValueError:  # spread needs an rng: draw a representative map
            E = np.array(write_endurance_map(hw, np.random.default_rng(0)), dtype=np.float64)
    if record is not None:
        E[: record.endurance.shape[0], np.asarray(record.physical_columns)] = record.endurance
    return E


def read_voltage_map(hw, G_full) -> np.ndarray:
    """(R, C) voltage across each cell when its row is read (IR drop included where modelled)."""
    if hw.crossbar.ir_drop_method == "none":
        return np.full(np.shape(G_full), float(hw.crossbar.read_voltage_v))
    from ..crossbar.physics import physics_for
    return np.asarray(physics_for(hw, G_full).read_cell_voltage(), dtype=np.float64)


def full_read_endurance(hw, record, *, reads_per_s=None) -> tuple[np.ndarray, np.ndarray]:
    """``(N_RD, v_read)``: (R, C) read endurance (reads to tolerance) and read voltage of every cell of
    the record's crossbar, at its final conductances, its write counts as prior cycles, and its
    temperature (self-heating from the average read power when the chip models it)."""
    R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
    if hw.device.read_disturb.law == "none":
        return np.full((R, C), np.inf), np.full((R, C), float(hw.crossbar.read_voltage_v))
    from ..devices import read_endurance_map, temperature_map
    G = full_conductance(hw, record)
    V = read_voltage_map(hw, G)
    writes = np.zeros((R, C))
    writes[: record.writes.shape[0], np.asarray(record.physical_columns)] = record.writes
    power = np.zeros((R, C))
    if reads_per_s is not None and hw.device.temperature.self_heating:
        rr = np.zeros(R)
        rr[: record.row_reads.size] = np.asarray(reads_per_s, dtype=np.float64)
        power = V ** 2 * np.abs(G) * hw.crossbar.read_pulse_s * rr[:, None]
    T = temperature_map(hw, power)
    N = read_endurance_map(hw, np.abs(G), V, prior_cycles=writes, temperature_k=T)
    return np.asarray(N, dtype=np.float64), V


@dataclass
class CrossbarLifetime:
    """Lifetime maps of one used crossbar (arrays over its used block; ``*_full`` over all R x C)."""

    crossbar: int
    tile: int
    shape: tuple
    physical_columns: np.ndarray
    used: np.ndarray                 # bool (R_used, B): block cells holding a synapse
    writes_per_inference: np.ndarray  # (R_used, B)
    reads_per_inference: np.ndarray   # (R_used, B)
    write_endurance: np.ndarray       # (R_used, B) cycles
    read_endurance: np.ndarray        # (R_used, B) reads (N_RD)
    write_lifetime: np.ndarray        # (R_used, B) inferences
    read_lifetime: np.ndarray         # (R_used, B) inferences
    write_endurance_full: np.ndarray  # (R, C)
    read_endurance_full: np.ndarray   # (R, C)
    v_read_full: np.ndarray           # (R, C)
    failed_cells: int = 0
    extra: dict = field(default_factory=dict)
    #: (R_used, B) inferences: endurance / the run's average writes per inference, as if steady from
    #: tick 0 (:func:`neurosim.metrics.evaluate` sets ``write_lifetime`` to the steady-state one)
    write_lifetime_run_average: np.ndarray | None = None

    @property
    def min_write(self) -> tuple[float, tuple | None]:
        return min_lifetime(self.write_lifetime, self.used)

    @property
    def min_write_run_average(self) -> tuple[float, tuple | None]:
        arr = self.write_lifetime if self.write_lifetime_run_average is None else self.write_lifetime_run_average
        return min_lifetime(arr, self.used)

    @property
    def min_read(self) -> tuple[float, tuple | None]:
        return min_lifetime(self.read_lifetime, self.used)

    def cell(self, idx) -> tuple[int, int] | None:
        """Physical (row, column) of a block index."""
        if idx is None:
            return None
        return int(idx[0]), int(self.physical_columns[idx[1]])


def crossbar_lifetimes(res, hw, mapping=None, *, inferences: float = 1.0, run_seconds: float | None = None,
                       maps: bool = True) -> list[CrossbarLifetime]:
    """Per-crossbar lifetime maps from a :class:`~neurosim.engine.SimResult`.

    ``inferences`` — units of work the simulated run represents (rates are counts / inferences).
    ``maps=False`` skips the full-crossbar maps (sweeps): the ``*_full`` arrays are then empty.
    """
    if inferences <= 0:
        raise ValueError(f"inferences: must be > 0, got {inferences}")
    out = []
    for rec in res.crossbars:
        used = used_block_mask(hw, mapping, rec)
        wpi = np.asarray(rec.writes, dtype=np.float64) / inferences
        rpi = np.broadcast_to((np.asarray(rec.row_reads, dtype=np.float64) / inferences)[:, None], used.shape).copy()
        rps = None
        if run_seconds:
            rps = np.asarray(rec.row_reads, dtype=np.float64) / run_seconds
        if hw.device.read_disturb.law == "none":
            N_full = np.full(rec.shape, np.inf)
            V_full = np.full(rec.shape, float(hw.crossbar.read_voltage_v))
        else:
            N_full, V_full = full_read_endurance(hw, rec, reads_per_s=rps)
        cols = np.asarray(rec.physical_columns)
        N_block = N_full[: used.shape[0]][:, cols]
        E_block = np.asarray(rec.endurance, dtype=np.float64)
        E_full = full_write_endurance(hw, rec) if maps else np.zeros((0, 0))
        out.append(CrossbarLifetime(
            crossbar=int(rec.crossbar), tile=int(rec.tile), shape=tuple(rec.shape), physical_columns=cols,
            used=used, writes_per_inference=wpi, reads_per_inference=rpi, write_endurance=E_block,
            read_endurance=N_block, write_lifetime=cell_lifetime(E_block, wpi),
            write_lifetime_run_average=cell_lifetime(E_block, wpi),
            read_lifetime=cell_lifetime(N_block, rpi), write_endurance_full=E_full,
            read_endurance_full=N_full if maps else np.zeros((0, 0)), v_read_full=V_full if maps else np.zeros((0, 0)),
            failed_cells=int(np.count_nonzero(rec.failed)),
        ))
    return out
