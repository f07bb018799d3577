"""What :func:`neurosim.simulate` returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

__all__ = ["SimResult", "CrossbarRecord", "WriteHistory", "energy_breakdown", "ENERGY_CLASSES"]

#: Energy classes of :attr:`SimResult.energy_pj` (docs/engine.md, "Energy").
ENERGY_CLASSES = ("neuron_update", "spike_out", "noc_hop", "noc_local_delivery", "row_read",
                  "row_peripherals", "write", "leakage")


class CrossbarRecord:
    """Counters and final state of one used crossbar.

    The engine keeps state only for the cells that hold a synapse (both cells of a differential
    pair) and the reference cells of ``reference_column`` chips: ``cell_rows``, ``cell_cols``
    (block coordinates) with ``cell_writes_sparse``, ``cell_conductance``, ``cell_failed``,
    ``cell_endurance``. The block arrays below are built on access over the used block
    (rows ``0 .. R_used-1`` × ``physical_columns``): block cell ``(i, b)`` is physical cell
    ``(i, physical_columns[b])``. Cells without a synapse are never written and are reported at the
    encoding's unused level as programmed (``g_unused`` snapped to the device's levels, without
variation) with the nominal endurance of their position (no
    device-to-device spread); they are read exactly as often as their row.
    """

    def __init__(self, crossbar, tile, physical_columns, row_reads, shape, cell_rows, cell_cols,
                 writes, conductance, failed, endurance, g_unused, endurance_fn, writes_history=None):
        self.crossbar = int(crossbar)
        self.tile = int(tile)
        self.physical_columns = physical_columns      # int (B,)
        self.row_reads = row_reads                    # int64 (R_used,): reads of each row (= of each of its cells)
        self.shape = shape                            # (R, C) of the physical crossbar
        self.cell_rows, self.cell_cols = cell_rows, cell_cols
        self.cell_writes_sparse = writes
        self.cell_conductance = conductance
        self.cell_failed = failed
        self.cell_endurance = endurance
        self._g_unused = g_unused
        self._endurance_fn = endurance_fn
        #: int32 (S, cells) cumulative pulses of each kept cell at ``SimResult.write_history.cell_ticks``
        #: (same cell order as ``cell_writes_sparse``); None when the run kept no write history
        self.writes_history = writes_history

    @property
    def block_shape(self):
        return (int(self.row_reads.size), int(self.physical_columns.size))

    def _block(self, fill, values, dtype):
        out = np.full(self.block_shape, fill, dtype=dtype)
        out[self.cell_rows, self.cell_cols] = values
        return out

    @property
    def writes(self) -> np.ndarray:
        """int64 (R_used, B): programming pulses per cell."""
        return self._block(0, self.cell_writes_sparse, np.int64)

    @property
    def conductance(self) -> np.ndarray:
        """float64 (R_used, B): final conductance (S; ideal device: weight units)."""
        return self._block(self._g_unused, self.cell_conductance, np.float64)

    @property
    def failed(self) -> np.ndarray:
        """bool (R_used, B): worn out, stuck."""
        return self._block(False, self.cell_failed, bool)

    @property
    def endurance(self) -> np.ndarray:
        """float64 (R_used, B): write endurance (inf = no wear)."""
        out = np.asarray(self._endurance_fn(self.block_shape, self.physical_columns), dtype=np.float64).copy()
        out[self.cell_rows, self.cell_cols] = self.cell_endurance
        return out

    def cell_reads(self, full: bool = False) -> np.ndarray:
        """Per-cell read counts: the row counts broadcast over the block (``full``: over all R x C
        cells of the crossbar). Computed on demand; the engine stores one counter per row."""
        R, C = self.shape
        if full:
            out = np.zeros((R, C), np.int64)
            out[: self.row_reads.size, :] = self.row_reads[:, None]
            return out
        return np.repeat(self.row_reads[:, None], self.physical_columns.size, axis=1)

    def cell_writes(self, full: bool = False) -> np.ndarray:
        """Per-cell write counts (``full``: scattered into the R x C crossbar)."""
        if not full:
            return self.writes
        out = np.zeros(self.shape, np.int64)
        out[self.cell_rows, self.physical_columns[self.cell_cols]] = self.cell_writes_sparse
        return out

    def __repr__(self):
        return (f"CrossbarRecord(crossbar={self.crossbar}, tile={self.tile}, rows_used={self.row_reads.size}, "
                f"cells={self.cell_rows.size}, reads={int(self.row_reads.sum())}, "
                f"writes={int(self.cell_writes_sparse.sum())})")


@dataclass
class WriteHistory:
    """Programming pulses over a run, at window boundaries (docs/engine.md §6, "Write history").

    Windows are the workload's sample periods (boundaries at the sample starts), or equal tick
    windows for a workload without samples (``windows`` says which). Counts are cumulative from
    tick 0 (learning and refresh pulses, ignored pulses to worn cells included). Per-cell and
    per-crossbar counts are copied at ``cell_ticks`` only, a subset of ``ticks`` bounded so that cells x copies stays under
    :data:`HISTORY_CELL_ENTRIES` (always the first and the last boundary; geometric spacing in
    between, dense early where rates change fastest); they live on each
    :attr:`CrossbarRecord.writes_history`.
    """

    ticks: np.ndarray        # int64 (W+1,): window boundaries, 0 .. ticks run
    chip: np.ndarray         # int64 (W+1,): cumulative pulses of every cell at each boundary
    crossbars: np.ndarray    # int64 (K, S): the same per used crossbar (order of SimResult.crossbars) at cell_ticks
    cell_ticks: np.ndarray   # int64 (S,): boundaries at which per-cell (and per-crossbar) counts were copied
    windows: str = "samples"  # "samples" (sample starts) or "ticks" (equal tick windows)

    @property
    def window_writes(self) -> np.ndarray:
        """int64 (W,): pulses of the chip in each window."""
        return np.diff(self.chip)

    @property
    def window_ticks(self) -> np.ndarray:
        """int64 (W,): ticks of each window."""
        return np.diff(self.ticks)


#: Bound on per-cell write-history entries (cells x copies, int32): 32 MB.
HISTORY_CELL_ENTRIES = 1 << 23


@dataclass
class SimResult:
    """Result of one simulation (docs/engine.md, "Result").

    ``spikes``: structured array (tick int32, neuron int32, cycle int64) of every non-input spike,
    sorted by (tick, neuron); ``cycle`` is the absolute clock cycle the neuron fired.

    ``timing`` is the model that produced it: ``"cycle"``, or ``"functional"`` (docs/engine.md §8),
    where spike cycles are -1, ``traffic_end_cycle``, ``overruns``, ``packet_latency`` and
    ``packet_latency_hist`` are ``None``, and the tick schedule (``tick_start_cycle``,
    ``total_cycles``, ``latency_s``, leakage, ``link_utilisation``) is the real-time period's,
    i.e. what the chip takes if no tick overruns.
    """

    spikes: np.ndarray
    n_ticks: int
    tick_start_cycle: np.ndarray      # int64 (ticks+1): first cycle of each tick; last = end of run
    cycles_per_tick: np.ndarray       # int64 (ticks,)
    traffic_end_cycle: Optional[np.ndarray]  # int64 (ticks,): last cycle of each tick's traffic (before writes)
    overruns: Optional[int]           # ticks whose work ended after their period
    total_cycles: int
    latency_s: float
    crossbars: list                   # CrossbarRecord per used crossbar, increasing id
    packet_latency: Optional[dict]    # count, mean, max, min (cycles, spike packet -> crossbar)
    packet_latency_hist: Optional[np.ndarray]  # int64 (4097,): count per latency in cycles, last bin >= 4096
    link_flits: np.ndarray            # int64 (tiles, 4): flits sent on each router's E, W, N, S link
    ejection_flits: np.ndarray        # int64 (tiles,)
    injection_flits: np.ndarray       # int64 (tiles,)
    link_utilisation: np.ndarray      # float (tiles, 4): flits / total cycles
    energy_pj: dict                   # per class (ENERGY_CLASSES) and "total"
    counts: dict
    voltages: Optional[np.ndarray] = None
    weights: Optional[np.ndarray] = None
    effective_weights: Optional[np.ndarray] = None
    hw_name: str = ""
    workload_name: str = ""
    timing: str = "cycle"
    extra: dict = field(default_factory=dict)
    #: programming pulses at window boundaries of a learning run stepped tick by tick (None otherwise)
    write_history: Optional[WriteHistory] = None

    @property
    def n_spikes(self) -> int:
        return int(self.spikes.size)

    @property
    def energy_total_pj(self) -> float:
        return float(self.energy_pj["total"])

    def crossbar(self, k: int) -> CrossbarRecord:
        """The record of global crossbar id ``k`` (KeyError if unused)."""
        for c in self.crossbars:
            if c.crossbar == k:
                return c
        raise KeyError(f"crossbar {k} is not used by this mapping")

    def spike_trains(self, n_neurons: int) -> list:
        """Ticks of each neuron's spikes (list of int arrays, index = neuron id)."""
        order = np.argsort(self.spikes["neuron"], kind="stable")
        nn = self.spikes["neuron"][order]
        tt = self.spikes["tick"][order]
        bounds = np.searchsorted(nn, np.arange(n_neurons + 1))
        return [tt[bounds[i]:bounds[i + 1]] for i in range(n_neurons)]

    def summary(self) -> dict:
        """Plain numbers for reports."""
        return {
            "hw": self.hw_name, "workload": self.workload_name, "ticks": self.n_ticks,
            "spikes": self.n_spikes, "total_cycles": self.total_cycles, "latency_s": self.latency_s,
            "overruns": self.overruns, "energy_pj": dict(self.energy_pj),
            "packet_latency": dict(self.packet_latency) if self.packet_latency is not None else None,
            "timing": self.timing, **{k: v for k, v in self.counts.items()},
        }


def energy_breakdown(hw, cfg, s, info, core, total_cycles, maint, n_powered: int) -> dict:
    """Energy (pJ) by event class, from the engine's counters (docs/engine.md, "Energy");
    ``n_powered``: the tiles that leak (:func:`powered_tiles`)."""
    nr, per = hw.neuron, hw.peripherals
    rr = s["row_reads"]
    if maint is not None:
        row_read = float(np.sum(maint.energy_epoch))
    else:
        row_read = float(np.dot(rr.astype(np.float64), info["row_energy"]))
    adc_pj = per.adc_energy_per_conversion_pj if per.adc_bits is not None else 0.0
    periph_row = (per.row_driver_energy_pj + (per.sense_energy_per_column_pj + adc_pj) * hw.tile.crossbar_columns
                  + per.energy_per_synapse_read_pj * info["syn_per_row"].astype(np.float64))
    e_set, e_reset = _cell_write_energy(hw, info)
    ws, wr = s["writes_set"].astype(np.float64), s["writes_reset"].astype(np.float64)
    write = float(np.dot(ws, e_set) + np.dot(wr, e_reset)) + per.write_driver_energy_pj * float(ws.sum() + wr.sum())
    # program-and-verify: each pulse is read back (one row driven, one column sensed)
    write += (per.row_driver_energy_pj + per.sense_energy_per_column_pj) * float(core.n_verify_reads)
    lf = s["link_flits"].reshape(hw.n_tiles, 6)
    out = {
        "neuron_update": nr.update_energy_pj * core.n_updates,
        "spike_out": nr.spike_out_energy_pj * core.n_spikes_out,
        "noc_hop": hw.noc.energy_hop_per_flit_pj * float(lf[:, :5].sum()),
        "noc_local_delivery": hw.noc.energy_local_delivery_pj * core.n_deliveries,
        "row_read": row_read,
        "row_peripherals": float(np.dot(rr.astype(np.float64), periph_row)),
        "write": write,
        "leakage": hw.leakage.power_per_tile_w * n_powered * total_cycles / hw.clock_hz * 1e12,
    }
    out = {k: float(v) for k, v in out.items()}
    out["total"] = float(sum(out[k] for k in ENERGY_CLASSES))
    return out


def powered_tiles(hw, cfg, s, info) -> int:
    """Tiles that leak (``hw.leakage.gating``): all of them (``none``), or (``idle_tiles``) those
    holding a used crossbar or whose router moved a flit in the run (docs/engine.md, Energy)."""
    if hw.leakage.gating == "none":
        return int(hw.n_tiles)
    on = np.zeros(hw.n_tiles, bool)
    on[np.asarray(info["xbar_tile"], np.int64)] = True
    on |= s["link_flits"].reshape(hw.n_tiles, 6).any(axis=1)
    return int(np.count_nonzero(on))


def _cell_write_energy(hw, info):
    """Per-cell energy (pJ) of a SET (conductance up) and a RESET (down) pulse: the configured
    energies, or V_prog·I_prog·t_pulse from the series-path programming current when 0. An ideal
    device (a digital memory) has no cell energy."""
    ncell = int(info["cell_off"][-1])
    if hw.device.type == "ideal":
        z = np.zeros(ncell)
        return z, z
    d, cb = hw.device, hw.crossbar
    vit = None
    if d.energy_set_pj == 0 or d.energy_reset_pj == 0:
        from ..crossbar.physics import program_current
        I = program_current(hw)
        parts = [cb.program_voltage_v * I[info["cell_r"][info["cell_off"][kk]:info["cell_off"][kk + 1]],
                                          st.layout.phys[info["cell_b"][info["cell_off"][kk]:info["cell_off"][kk + 1]]]]
                 * cb.program_pulse_s * 1e12 for kk, st in enumerate(info["states"])]
        vit = np.concatenate(parts) if parts else np.zeros(0)
    e_set = np.full(ncell, d.energy_set_pj) if d.energy_set_pj > 0 else vit
    e_reset = np.full(ncell, d.energy_reset_pj) if d.energy_reset_pj > 0 else vit
    return e_set, e_reset
