"""How much memory a chip, and a chip running a workload, needs: an estimate made before anything
is allocated, so that an input the machine cannot hold is refused with a number instead of dying
halfway (or taking the machine with it).

The estimate follows what the code really allocates (bytes, 64-bit Python/NumPy):

* **NoC** (``neurosim.engine`` compiled loop): per tile, six channel heaps, busy/next times, five
  credit counters and a return ring of ``buffer_depth_flits`` per input port, link counters and their
  copies in the result.
* **Mapping tables** (``neurosim.mapping``): ``crossbar_rows`` int32[K, R] and ``crossbar_columns``
  int32[K, L] over *every* crossbar K of the chip, with their temporaries.
* **Crossbar arrays** (``neurosim.crossbar.state.CrossbarState``, ``neurosim.crossbar``): a crossbar
  that is not encoded directly (any device but ``ideal`` without IR drop) is programmed as a whole
  R x C array (about 150 bytes a cell while it is programmed and solved, one crossbar at a time), and
  one with IR drop keeps its full conductances and solved circuit (about 50 bytes a cell, 130 for a
  passive 0T1R array solved exactly) for the whole run.
* **Evaluation maps** (``neurosim.metrics.lifetime``, ``neurosim run``): three R x C float64 maps per
  used crossbar, and more of one crossbar while they are computed (its circuit solved again with a
  read-disturb law).
* **Neurons, synapses, cells, rows**: the compiled network, the mapping's arrays, the engine's packed
  arrays and state, and the result's copies; per cell (one per synapse, two for differential pairs,
  plus a reference cell per used row) the conductance, its programmed value, gain, endurance, read
  voltage, write/read counters and failure flag.
* **Delay ring**: ``(max delay + 1) x column slots`` accumulators (9 bytes each): the largest synaptic
  delay sets the ring length.
* **Multicast trees**: per neuron a 64-bit mask per mesh column (meshes up to 64 rows), or tree
  nodes of 32 bytes per router.
* **Spike records**: per tick the cycle counters; per input spike the workload's arrays and the
  engine's copy; per output spike the engine's record and the result (the network is assumed to fire
  about as many spikes as it receives).

The per-item byte counts were measured against the peak resident memory of real runs
(``tests/test_resources.py`` keeps them honest: within a factor 0.3-3 of what a run takes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import limits
from ..errors import ResourceLimitError

__all__ = ["MemoryEstimate", "estimate_memory", "check_fits", "STAGES"]

#: What an estimate covers: ``map`` (mapping only), ``simulate`` (mapping and :func:`neurosim.simulate`),
#: ``run`` (``neurosim run``: simulate, then evaluate with full-crossbar lifetime maps).
STAGES = ("map", "simulate", "run")

# ---- bytes per item (see the module docstring for what each counts)
_FIXED = 10 << 20                # modules imported on demand (mapping, engine, scipy.sparse), wheel buffers
_TILE = 640                      # per tile: channel heaps, busy/next, credits, counters, result copies
_TILE_PER_FLIT = 40              # per tile and buffered flit: the five ports' credit return rings
_MAP_ENTRY = 6                   # per (crossbar, row or column) entry of the mapping tables
_CELL_PROGRAMMING = 150          # per cell of the one crossbar being programmed and solved as a whole
_CELL_PROGRAMMING_NO_IR = 40     # ... without IR drop (programming only)
_CELL_KEPT_IR = 40               # per cell of every used crossbar with IR drop (conductances, solved rows)
_CELL_KEPT_PASSIVE_EXACT = 130   # ... passive (0T1R) crossbar solved exactly (sparse LU factors)
_CELL_PROGRAM_CURRENT = 8        # per cell of one crossbar: the programming-current map (cached per chip)
_CELL_EVAL_KEPT = 24             # per cell of every used crossbar: the evaluation's three full maps
_CELL_EVAL_WORK = 16             # per cell of one crossbar while its maps are computed
_CELL_EVAL_WORK_DISTURB = 200    # ... with a read-disturb law (the crossbar's read voltages are solved)
_NEURON_MAP = 120                # per neuron: network arrays, mapping slots and hypergraph
_NEURON_ENGINE = 200             # per neuron: packed arrays, state, partial sums, result
_SYNAPSE_MAP = 80                # per synapse: network arrays (with pre), mapping arrays and working copies
_SYNAPSE_ENGINE = 170            # per synapse: packing temporaries, packed arrays, compiled records
_SYNAPSE_PLASTIC = 16            # per plastic synapse: the STDP in/out lists
_CELL = 70                       # per cell holding a synapse: engine state, result copies
_ROW = 96                        # per used crossbar row: row records, counters, energies
_SLOT_DELAY = 9                  # per slot and ring position: int64 accumulator and its flag
_TICK = 48                       # per tick: cycle counters and their copies
_INPUT_SPIKE = 24                # per input spike: workload arrays and engine copies
_OUTPUT_SPIKE = 56               # per recorded spike: engine record (grown by doubling), result, sort
_TREE_NODE = 32                  # per router of a multicast tree
_TREE_NODE_BUDGET = 24 << 20     # the engine keeps tree nodes only while they fit this (EngineOptions.xy_trees="auto")
#: Above this many neurons the used crossbars are estimated statistically, not by a packing pass.
_PACK_MAX_NEURONS = 300_000


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak memory of a chip (and workload): ``total_bytes`` and its named ``parts``
    (bytes each), with a human ``labels[name]`` saying what each part counts."""

    total_bytes: int
    parts: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    stage: str = "run"

    def dominant(self) -> tuple[str, int]:
        """``(name, bytes)`` of the largest part."""
        name = max(self.parts, key=lambda k: self.parts[k])
        return name, self.parts[name]

    def describe(self, top: int = 3) -> str:
        """``"about 1.20 GiB (mostly crossbar arrays (...): 1.00 GiB; ...)"``: the total and the largest parts."""
        biggest = sorted(self.parts, key=lambda k: -self.parts[k])[:top]
        shown = "; ".join(f"{self.labels.get(k, k)}: {limits.fmt_bytes(self.parts[k])}" for k in biggest if self.parts[k])
        return f"about {limits.fmt_bytes(self.total_bytes)}" + (f" (mostly {shown})" if shown else "")


def _cells_per_crossbar(hw) -> int:
    return int(hw.tile.crossbar_rows) * int(hw.tile.crossbar_columns)


def _direct(hw) -> bool:
    """Cells encoded straight from the weights, no R x C array (crossbar.state.cells_direct)."""
    return (hw.device.type == "ideal" and hw.crossbar.ir_drop_method == "none"
            and hw.device.write_endurance.law == "none")


def _network_of(network) -> tuple[Any, Any]:
    """``(CompiledNetwork or None, Workload or None)`` from a Workload, a CompiledNetwork or None."""
    if network is None:
        return None, None
    inner = getattr(network, "network", None)
    if inner is not None and hasattr(inner, "indptr"):
        return inner, network
    return network, None


def _packing(net, rows: int, cols: int, lif: np.ndarray) -> tuple[int, int, int]:
    """``(crossbars, rows, slots)`` used when the non-input neurons are packed in id order, each
    crossbar taking neurons while its ``cols`` columns and ``rows`` word lines (distinct presynaptic
    neurons) last; a neuron with more than ``rows`` inputs takes several column slots (partial sums)."""
    n = int(net.n_neurons)
    post = np.asarray(net.post, np.int64)
    pre = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(net.indptr, np.int64)))
    order = np.argsort(post, kind="stable")
    pres = pre[order]
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(post, minlength=n), out=ptr[1:])
    stamp = np.full(n, -1, np.int64)
    cur, used_rows, used_cols, total_rows, slots = 0, 0, 0, 0, 0
    for i in lif.tolist():
        p = pres[ptr[i]:ptr[i + 1]]
        for start in range(0, max(p.size, 1), rows):
            chunk = p[start:start + rows]
            new = chunk[stamp[chunk] != cur]
            if used_cols + 1 > cols or used_rows + new.size > rows:
                total_rows += used_rows
                cur += 1
                used_rows, used_cols = 0, 0
                new = chunk
            stamp[new] = cur
            used_rows += int(new.size)
            used_cols += 1
            slots += 1
    total_rows += used_rows
    return (cur + 1 if slots else 0), total_rows, slots


def _statistical_packing(net, rows: int, cols: int, lif: np.ndarray) -> tuple[int, int, int]:
    """:func:`_packing` for very large networks: presynaptic neurons drawn at random (an upper-side
    estimate for networks with local connectivity)."""
    fan_in = np.bincount(np.asarray(net.post, np.int64), minlength=int(net.n_neurons))[lif]
    slots = int(np.sum(np.maximum(1, -(-fan_in // rows))))
    n_pre = max(int(np.count_nonzero(np.diff(np.asarray(net.indptr)))), 1)
    f = float(min(np.mean(np.minimum(fan_in, rows)) if fan_in.size else 0.0, n_pre - 1))
    if f <= 0 or rows >= n_pre:
        per = cols
    else:
        per = int(max(1, min(cols, np.log(1 - rows / n_pre) / np.log(1 - f / n_pre))))
    crossbars = -(-slots // per) if slots else 0
    return crossbars, min(crossbars * rows, int(net.n_synapses)), slots


def _from_mapping(mapping, n_crossbars: int) -> tuple[int, int, int]:
    sk = np.asarray(mapping.synapse_crossbar, np.int64)
    sr = np.asarray(mapping.synapse_row, np.int64)
    sc = np.asarray(mapping.synapse_column, np.int64)
    ncr = np.asarray(mapping.neuron_crossbar, np.int64)
    ncol = np.asarray(mapping.neuron_column, np.int64)
    home = ncr >= 0
    big = int(max(sr.max(initial=0), sc.max(initial=0), ncol.max(initial=0))) + 1
    used = np.unique(np.concatenate([sk, ncr[home]]))
    rows = np.unique(sk * big + sr).size
    slots = np.unique(np.concatenate([sk * big + sc, ncr[home] * big + ncol[home]])).size
    return int(min(used.size, n_crossbars)), int(rows), int(slots)


def estimate_memory(hw, network=None, n_ticks: int | None = None, *, mapping=None,
                    stage: str = "run") -> MemoryEstimate:
    """Estimated peak memory (bytes) of ``stage`` for chip ``hw`` and, optionally, a workload.

    Parameters
    ----------
    hw : HardwareConfig
    network : Workload, CompiledNetwork or None
        A :class:`~neurosim.workload.Workload` (its input spikes and ``n_ticks`` count too) or a
        :class:`~neurosim.workload.CompiledNetwork`; None estimates the chip alone (its fixed cost,
        with one crossbar in use).
    n_ticks : int, optional
        Ticks simulated (default: the workload's ``n_ticks``; 0 for a bare network).
    mapping : Mapping, optional
        The mapping, when known: its used crossbars, rows and column slots replace the estimate of a
        sequential packing.
    stage : {"map", "simulate", "run"}
        ``map``: mapping only; ``simulate``: mapping and :func:`neurosim.simulate`; ``run``: also the
        evaluation's full-crossbar lifetime maps (``neurosim run``).

    Returns
    -------
    MemoryEstimate — ``total_bytes`` and ``parts`` (bytes) with ``labels``.
    """
    if stage not in STAGES:
        raise ValueError(f"stage: expected one of {STAGES}, got {stage!r}")
    net, wl = _network_of(network)
    R, C = int(hw.tile.crossbar_rows), int(hw.tile.crossbar_columns)
    L = int(hw.neurons_per_crossbar)
    K = int(hw.n_crossbars)
    tiles = int(hw.n_tiles)
    cells = _cells_per_crossbar(hw)
    geometry = f"{R}x{C}"
    parts: dict[str, int] = {}
    labels: dict[str, str] = {}

    def add(name: str, nbytes, label: str) -> None:
        parts[name] = int(nbytes)
        labels[name] = label

    add("fixed", _FIXED, "libraries and working buffers")
    add("noc", tiles * (_TILE + _TILE_PER_FLIT * int(hw.noc.buffer_depth_flits)),
        f"NoC and router state ({tiles:,} tiles, mesh {hw.noc.mesh_width}x{hw.noc.mesh_height})")
    add("mapping_tables", K * (R + L) * _MAP_ENTRY, f"mapping tables ({K:,} crossbars of {R:,} rows and {L:,} neuron columns)")

    # ---- the network: neurons, synapses, cells, rows, slots, crossbars in use
    if net is not None:
        n = int(net.n_neurons)
        nnz = int(net.n_synapses)
        lif = np.flatnonzero(~np.asarray(net.is_input, bool))
        if mapping is not None:
            used, n_rows, n_slots = _from_mapping(mapping, K)
        elif lif.size <= _PACK_MAX_NEURONS:
            used, n_rows, n_slots = _packing(net, R, L, lif)
        else:
            used, n_rows, n_slots = _statistical_packing(net, R, L, lif)
        used = min(max(used, 1), K)
        plastic = int(np.count_nonzero(net.plastic)) if bool(hw.learning.enabled) else 0
        max_delay = int(np.max(net.delay)) if nnz else 0
        n_inputs = n - int(lif.size)
    else:
        n = nnz = n_rows = n_slots = plastic = max_delay = n_inputs = 0
        lif = np.zeros(0, np.int64)
        used = 1
    enc = hw.device.weight_encoding
    cells_per_synapse = 2 if enc == "differential" else 1
    n_cells = cells_per_synapse * nnz + (n_rows if enc == "reference_column" else 0)

    neuron_bytes = n * _NEURON_MAP
    synapse_bytes = nnz * _SYNAPSE_MAP
    if stage != "map":
        neuron_bytes += n * _NEURON_ENGINE
        synapse_bytes += nnz * _SYNAPSE_ENGINE + plastic * _SYNAPSE_PLASTIC
    if net is not None:
        add("neurons", neuron_bytes, f"neuron state ({n:,} neurons)")
        add("synapses", synapse_bytes, f"synapses ({nnz:,})")

    if stage != "map":
        # crossbars: programmed as whole arrays unless encoded directly, kept with IR drop
        direct = _direct(hw)
        ir = hw.crossbar.ir_drop_method != "none"
        if not direct:
            per_cell = _CELL_PROGRAMMING if ir else _CELL_PROGRAMMING_NO_IR
            add("crossbar_programming", cells * (per_cell + _CELL_PROGRAM_CURRENT),
                f"crossbar cells (one {geometry} crossbar programmed as a whole)")
        if not direct and ir:
            kept = _CELL_KEPT_PASSIVE_EXACT if (hw.tile.access_device == "0T1R"
                                                and hw.crossbar.ir_drop_method == "exact") else _CELL_KEPT_IR
            add("crossbar_arrays", used * cells * kept,
                f"crossbar cells ({used:,} crossbar{'s' if used != 1 else ''} of {geometry} with IR drop)")
        if net is not None:
            add("cells", n_cells * _CELL + n_rows * _ROW, f"cell state ({n_cells:,} cells in {n_rows:,} rows)")
            ring = (max_delay + 1) * max(n_slots, int(lif.size))
            add("delay_ring", ring * _SLOT_DELAY,
                f"delay ring buffers ({max_delay + 1} ticks x {max(n_slots, int(lif.size)):,} column slots)")
            if hw.noc.multicast == "router" and n:
                # column masks (meshes up to 64 rows) are built first; tree nodes are kept while they
                # fit the budget, and always on taller meshes
                nodes = n * min(tiles, int(hw.noc.mesh_width) + int(hw.noc.mesh_height)) * _TREE_NODE
                if int(hw.noc.mesh_height) <= 64:
                    trees = n * int(hw.noc.mesh_width) * 8 + min(nodes, _TREE_NODE_BUDGET)
                else:
                    trees = nodes
                add("multicast_trees", trees, f"multicast trees ({n:,} neurons)")
        ticks = int(n_ticks) if n_ticks is not None else int(getattr(wl, "n_ticks", 0) or 0)
        in_spikes = 0
        if wl is not None:
            in_t = np.asarray(getattr(wl, "input_ticks", np.zeros(0)))
            in_spikes = int(np.count_nonzero(in_t < ticks)) if ticks else int(in_t.size)
        out_spikes = in_spikes if lif.size else 0
        if ticks or in_spikes:
            add("spike_records", ticks * _TICK + in_spikes * _INPUT_SPIKE + out_spikes * _OUTPUT_SPIKE,
                f"spike records ({ticks:,} ticks, {in_spikes:,} input spikes, about as many spikes recorded)")
    if stage == "run":
        work = _CELL_EVAL_WORK if hw.device.read_disturb.law == "none" else _CELL_EVAL_WORK_DISTURB
        add("evaluation_maps", used * cells * _CELL_EVAL_KEPT + cells * work,
            f"lifetime maps ({used:,} crossbar{'s' if used != 1 else ''} of {geometry})")
    return MemoryEstimate(total_bytes=sum(parts.values()), parts=parts, labels=labels, stage=stage)


def check_fits(hw, network=None, n_ticks: int | None = None, what: str = "the run", *, mapping=None,
               stage: str = "run") -> MemoryEstimate:
    """Refuse a chip (and workload) that would need more memory than the limit
    (``NEUROSIM_MEMORY_LIMIT``, default the memory available now); return the estimate otherwise.

    ``what`` names the job in the message (``"neurosim run"``, ``"mapping"``). Arguments as
    :func:`estimate_memory`. Raises :class:`~neurosim.errors.ResourceLimitError` (and nothing else for
    any valid chip and network) naming the total, the dominant part, the limit and how to raise it.
    """
    if stage not in STAGES:
        raise ValueError(f"stage: expected one of {STAGES}, got {stage!r}")
    try:
        est = estimate_memory(hw, network, n_ticks, mapping=mapping, stage=stage)
    except MemoryError:
        # a network too large to even be counted cannot be run either
        raise ResourceLimitError(f"{what} (chip {hw.name!r}) is too large to estimate the memory it needs "
                                 f"(set {limits.MEMORY.env} to plan for a larger machine)") from None
    name, size = est.dominant()
    limits.check_memory(est.total_bytes,
                        f"{what} (chip {hw.name!r}; mostly {est.labels[name]}: {limits.fmt_bytes(size)})")
    return est
