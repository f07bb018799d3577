"""Column slots, the synapse hypergraph, and turning a slot → crossbar assignment into a Mapping.

**Slots.** Every non-input neuron owns one logical column (its *home slot*, where its neuron
circuit lives). A neuron whose fan-in exceeds the crossbar's rows R is split into
``ceil(fan_in / R)`` slots of near-equal size ("fan-in unrolling", docs/references.md#mapping-algorithms); each slot
holds a contiguous run of its presynaptic neurons (in id order) and must sit in a different
crossbar. The first slot is the home; the others send their column current to the home slot as
partial-sum packets (docs/architecture.md, Mapping).

**Hypergraph** (the partitioner's input). Vertices = slots, each of weight one column. One net per
presynaptic neuron p: its pins are every slot holding a synapse from p (*sink* pins, each needs a
row for p in its crossbar) plus p's own home slot (*driver* pin, needs no row) — a spike leaves the
driver's crossbar and travels once to every other crossbar holding a sink, so the number of
inter-crossbar messages of p is ``spikes(p)·(λ(p) − 1)`` with λ = blocks touched by the net
(the connectivity or "km1" metric of hypergraph partitioning; Çatalyürek & Aykanat 1999,
KaHyPar). Input neurons have no driver pin (they enter the chip at one of their destinations).
One 2-pin net {partial slot, home slot} per partial-sum slot carries its partial-sum packets
(no rows). Net weights are spike counts (see :mod:`neurosim.mapping.activity`).

Crossbar capacity of a block B: ``|B| ≤ hw.neurons_per_crossbar`` columns and
``#{nets with a sink pin in B} ≤ tile.crossbar_rows`` rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import Mapping, MappingError
from .netview import NetView

__all__ = ["Slots", "Hypergraph", "build_slots", "build_hypergraph", "assemble_mapping"]


@dataclass(frozen=True, eq=False)
class Slots:
    """Column slots of a network: ``neuron[s]``, ``home[s]``; incoming synapses of slot s are
    ``syn[ptr[s]:ptr[s+1]]`` (synapse ids, presynaptic id increasing); ``slot_of_syn[i]`` is the
    slot holding synapse i; ``home_slot[n]`` (-1 for inputs) and ``n_slots_of[n]``."""

    neuron: np.ndarray
    home: np.ndarray
    ptr: np.ndarray
    syn: np.ndarray
    slot_of_syn: np.ndarray
    home_slot: np.ndarray
    n_slots_of: np.ndarray

    @property
    def n(self) -> int:
        return int(self.neuron.shape[0])


@dataclass(frozen=True, eq=False)
class Hypergraph:
    """Nets in CSR (``e_ptr``, ``e_pin`` vertex, ``e_row`` 1 = sink pin needing a row, ``e_w``
    weight, ``e_src`` presynaptic neuron or -1 for partial-sum nets) and the transposed incidence
    (``v_ptr``, ``v_edge``, ``v_row``)."""

    n_vertices: int
    e_ptr: np.ndarray
    e_pin: np.ndarray
    e_row: np.ndarray
    e_w: np.ndarray
    e_src: np.ndarray
    v_ptr: np.ndarray
    v_edge: np.ndarray
    v_row: np.ndarray
    v_neuron: np.ndarray

    @property
    def n_edges(self) -> int:
        return int(self.e_w.shape[0])


def build_slots(net: NetView, rows: int, *, n_crossbars: int | None = None, split_fanin: bool = True) -> Slots:
    """Split every non-input neuron's incoming synapses into slots of at most ``rows`` synapses.
    Raises :class:`MappingError` when a fan-in exceeds ``rows`` and ``split_fanin`` is False, or
    when a neuron would need more slots than the chip has crossbars."""
    n = net.n_neurons
    fan_in = net.fan_in
    lif = ~net.is_input
    over = lif & (fan_in > rows)
    if np.any(over) and not split_fanin:
        i = int(np.flatnonzero(over)[np.argmax(fan_in[over])])
        raise MappingError(
            f"{int(over.sum())} neurons have a fan-in above the crossbar's {rows} rows (largest: neuron {i} "
            f"with {int(fan_in[i])} inputs); allow fan-in splitting into partial-sum slots or use a chip with more rows"
        )
    nslots = np.where(lif, np.maximum(1, -(-fan_in // rows)), 0).astype(np.int64)
    if n_crossbars is not None and nslots.size and nslots.max() > n_crossbars:
        i = int(np.argmax(nslots))
        raise MappingError(
            f"neuron {i} has {int(fan_in[i])} inputs and needs {int(nslots[i])} partial-sum slots of {rows} rows "
            f"in different crossbars, but the chip has only {n_crossbars} crossbars"
        )
    S = int(nslots.sum())
    slot_start = np.concatenate([[0], np.cumsum(nslots)]).astype(np.int64)
    neuron = np.repeat(np.arange(n, dtype=np.int32), nslots)
    k_in = np.arange(S) - slot_start[neuron]                       # index of the slot within its neuron
    home = k_in == 0
    # incoming synapses in CSC order (post, then pre increasing: CSR is sorted by pre)
    order = np.argsort(net.post, kind="stable").astype(np.int64)
    in_ptr = np.concatenate([[0], np.cumsum(fan_in)]).astype(np.int64)
    # split neuron j's f inputs into m near-equal chunks: chunk c gets [c*f//m, (c+1)*f//m)
    f = fan_in[neuron]
    m = nslots[neuron]
    lo = in_ptr[neuron] + (k_in * f) // m
    hi = in_ptr[neuron] + ((k_in + 1) * f) // m
    ptr = np.concatenate([[0], np.cumsum(hi - lo)]).astype(np.int64)
    # syn array: since slots of a neuron are consecutive and cover its inputs in order, it is `order`
    syn = order
    slot_of_syn = np.empty(net.n_synapses, np.int32)
    slot_of_syn[syn] = np.repeat(np.arange(S, dtype=np.int32), hi - lo)
    home_slot = np.full(n, -1, np.int32)
    home_slot[lif] = slot_start[:-1][lif].astype(np.int32)
    return Slots(neuron, home, ptr, syn, slot_of_syn, home_slot, nslots.astype(np.int32))


def build_hypergraph(net: NetView, slots: Slots, spikes: np.ndarray, *, n_ticks: int | None = None,
                     floor: float = 1e-3) -> Hypergraph:
    """The synapse hypergraph of module docstring. ``spikes`` (float64[n]) weights each neuron's
    net; ``floor`` (a fraction of the mean positive count) keeps silent neurons' nets slightly
    attractive so that structure still guides the partition. Partial-sum nets weigh
    ``min(n_ticks, Σ spikes of the slot's inputs)`` (one packet per tick with input)."""
    n = net.n_neurons
    spikes = np.asarray(spikes, np.float64)
    pos = spikes[spikes > 0]
    base = floor * (pos.mean() if pos.size else 1.0)
    w_neuron = spikes + base
    fan_out = np.diff(net.indptr)
    has_driver = (~net.is_input) & (slots.home_slot >= 0)
    # sink pins of net p: slot_of_syn over its synapses, in CSR order
    sink_slot = slots.slot_of_syn
    pre = net.pre
    # driver pin unless the home slot is already a sink (self-synapse in the home slot)
    drv = slots.home_slot
    self_home = np.zeros(n, bool)
    if sink_slot.size:
        hit = sink_slot == drv[pre]
        self_home[pre[hit]] = True
    add_drv = has_driver & ~self_home & (fan_out > 0)
    keep = fan_out > 0                                                    # nets with a sink
    src = np.flatnonzero(keep).astype(np.int32)
    sizes = fan_out[src] + add_drv[src]
    # partial-sum nets
    ps = np.flatnonzero(~slots.home)
    if ps.size:
        cs = np.concatenate([[0.0], np.cumsum(spikes[pre[slots.syn]])])
        in_spk = cs[slots.ptr[ps + 1]] - cs[slots.ptr[ps]]
        ps_w = in_spk if n_ticks is None else np.minimum(in_spk, float(n_ticks))
        ps_w = ps_w + base
    else:
        ps_w = np.zeros(0)
    E = src.size + ps.size
    e_ptr = np.zeros(E + 1, np.int64)
    e_ptr[1:src.size + 1] = np.cumsum(sizes)
    e_ptr[src.size + 1:] = e_ptr[src.size] + 2 * np.arange(1, ps.size + 1)
    nnz = int(e_ptr[-1])
    e_pin = np.empty(nnz, np.int32)
    e_row = np.zeros(nnz, np.uint8)
    # sinks
    starts = e_ptr[:src.size]
    lens = fan_out[src]
    pos_sink = np.repeat(starts, lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    syn_ids = np.repeat(net.indptr[src], lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    e_pin[pos_sink] = sink_slot[syn_ids]
    e_row[pos_sink] = 1
    dmask = add_drv[src]
    e_pin[starts[dmask] + lens[dmask]] = drv[src[dmask]]
    # partial sums
    if ps.size:
        b = e_ptr[src.size:src.size + ps.size]
        e_pin[b] = ps
        e_pin[b + 1] = slots.home_slot[slots.neuron[ps]]
    e_w = np.concatenate([w_neuron[src], ps_w]).astype(np.float64)
    e_src = np.concatenate([src, np.full(ps.size, -1, np.int32)]).astype(np.int32)
    # transpose
    edge_of_pin = np.repeat(np.arange(E, dtype=np.int32), np.diff(e_ptr))
    order = np.argsort(e_pin, kind="stable")
    v_ptr = np.concatenate([[0], np.cumsum(np.bincount(e_pin, minlength=slots.n))]).astype(np.int64)
    return Hypergraph(slots.n, e_ptr, e_pin, e_row, e_w, e_src, v_ptr,
                      edge_of_pin[order].astype(np.int32), e_row[order].copy(), slots.neuron)


def assemble_mapping(net: NetView, hw, slots: Slots, slot_xbar: np.ndarray, *, slot_col=None,
                     row_perm=None, strategy="custom", seed=0, metadata=None) -> Mapping:
    """Build a :class:`Mapping` from a crossbar id per slot.

    ``slot_col`` (logical column per slot) defaults to slots in id order within each crossbar.
    Rows of a crossbar default to its presynaptic neurons in increasing id order;
    ``row_perm`` = ``(keys, rows)`` may override: ``keys`` int64 ``crossbar * n + pre`` sorted,
    ``rows`` the row index of each key."""
    n = net.n_neurons
    K, R, C = hw.n_crossbars, hw.tile.crossbar_rows, hw.neurons_per_crossbar
    slot_xbar = np.asarray(slot_xbar, np.int64)
    if slot_col is None:
        order = np.lexsort((np.arange(slots.n), slot_xbar))
        sx = slot_xbar[order]
        first = np.searchsorted(sx, sx, side="left")
        slot_col = np.empty(slots.n, np.int64)
        slot_col[order] = np.arange(slots.n) - first
    slot_col = np.asarray(slot_col, np.int64)
    if slots.n and (slot_col.max() >= C):
        raise MappingError(f"a crossbar was given {int(slot_col.max()) + 1} columns; it has {C}")
    crossbar_columns = np.full((K, C), -1, np.int32)
    crossbar_columns[slot_xbar, slot_col] = slots.neuron
    neuron_crossbar = np.full(n, -1, np.int32)
    neuron_column = np.full(n, -1, np.int32)
    hs = slots.home_slot
    lif = hs >= 0
    neuron_crossbar[lif] = slot_xbar[hs[lif]]
    neuron_column[lif] = slot_col[hs[lif]]
    sk = slot_xbar[slots.slot_of_syn]
    sc = slot_col[slots.slot_of_syn]
    key = sk * n + net.pre
    if row_perm is None:
        ukey, inv = np.unique(key, return_inverse=True)
        uk = ukey // n
        first = np.searchsorted(uk, uk, side="left")
        urow = np.arange(ukey.size) - first
    else:
        ukey, urow = row_perm
        inv = np.searchsorted(ukey, key)
        uk = ukey // n
    if ukey.size and urow.max() >= R:
        k = int(uk[np.argmax(urow)])
        raise MappingError(f"crossbar {k} needs {int(np.sum(uk == k))} rows; it has {R}")
    crossbar_rows = np.full((K, R), -1, np.int32)
    crossbar_rows[uk, urow] = (ukey % n).astype(np.int32)
    return Mapping(
        neuron_crossbar=neuron_crossbar, neuron_column=neuron_column,
        crossbar_tile=np.arange(K, dtype=np.int32) // hw.tile.crossbars_per_tile,
        crossbar_rows=crossbar_rows, crossbar_columns=crossbar_columns,
        synapse_crossbar=sk.astype(np.int32), synapse_row=urow[inv].astype(np.int32),
        synapse_column=sc.astype(np.int32), strategy=strategy, seed=int(seed), metadata=dict(metadata or {}),
    )
