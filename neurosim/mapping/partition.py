"""Partitioning column slots into crossbar-sized clusters (docs/references.md#mapping-algorithms).

The objective is multicast traffic, not edge cut: a spike crosses once to every crossbar holding
one of its targets, so inter-crossbar messages = Σ_nets w·(λ − 1) (:func:`km1`; the hypergraph
connectivity metric). :func:`edge_cut` gives the unicast (graph) count for comparison.

:func:`kl_partition` — greedy growing (compiled) from two starting orders, each refined by the
compiled hyperedge-aware k-way KL/FM of ``csrc/kl_partition.pyx``; both crossbar limits
(logical columns, distinct presynaptic rows) hold after every move. The better result is kept.

:func:`external_partition` — pymetis (METIS k-way on the clique/star expansion of the nets) or
Mt-KaHyPar (km1 objective, hypergraph), each followed by the same packing repair (first fit in
the external partitioner's block order, which splits blocks that break the row limit) and,
optionally, the same KL/FM refinement. Off-the-shelf partitioners balance vertex counts only; they
cannot enforce the row limit (docs/references.md#mapping-algorithms).

:func:`kl_bisection` — graph KL bisection (compiled), the like-for-like match for networkx's
``kernighan_lin_bisection``.
"""
from __future__ import annotations

import time

import warnings

import numpy as np
import scipy.sparse as sp

from .core import MappingError
from .slots import Hypergraph, Slots

__all__ = ["km1", "edge_cut", "kl_partition", "external_partition", "kl_bisection", "block_loads",
           "refine", "pack"]


def _core():
    from neurosim._core import kl_partition as k
    return k


def km1(hg: Hypergraph, block: np.ndarray, weighted: bool = True) -> float:
    """Σ_e w_e·(λ_e − 1), λ_e = distinct blocks among the pins of net e."""
    if hg.e_pin.size == 0:
        return 0.0
    b = np.asarray(block, np.int64)[hg.e_pin]
    e = np.repeat(np.arange(hg.n_edges, dtype=np.int64), np.diff(hg.e_ptr))
    key = np.unique(e * (int(b.max()) + 1) + b)
    lam = np.bincount(key // (int(b.max()) + 1), minlength=hg.n_edges)
    w = hg.e_w if weighted else np.ones(hg.n_edges)
    return float(np.sum(w * np.maximum(lam - 1, 0)))


def edge_cut(hg: Hypergraph, block: np.ndarray) -> float:
    """Unicast count: Σ over sink pins of w_e·[pin's block ≠ source block]. The source block of a
    net is its driver's block; nets without a driver (input neurons) are taken to enter at the
    block holding most of their pins (so a net inside one block costs 0, as for km1)."""
    if hg.e_pin.size == 0:
        return 0.0
    block = np.asarray(block, np.int64)
    sizes = np.diff(hg.e_ptr)
    e = np.repeat(np.arange(hg.n_edges, dtype=np.int64), sizes)
    b = block[hg.e_pin]
    nb = int(b.max()) + 1
    # source block per net: driver pin (row flag 0) if any, else the modal block
    key, cnt = np.unique(e * nb + b, return_counts=True)
    ke = key // nb
    order = np.lexsort((-cnt, ke))
    first = np.searchsorted(ke[order], np.arange(hg.n_edges))
    src_block = np.full(hg.n_edges, -1, np.int64)
    has = first < ke.size
    src_block[has] = (key[order][first[has]] % nb)
    drv = hg.e_row == 0
    src_block[e[drv]] = b[drv]
    sink = hg.e_row == 1
    # partial-sum nets: (partial slot -> home); both pins are flag 0; their "sink" is the home pin
    ps = hg.e_src < 0
    cost = np.sum(hg.e_w[e[sink]] * (b[sink] != src_block[e[sink]]))
    if np.any(ps):
        p = np.flatnonzero(ps)
        a0, a1 = block[hg.e_pin[hg.e_ptr[p]]], block[hg.e_pin[hg.e_ptr[p] + 1]]
        cost += np.sum(hg.e_w[p] * (a0 != a1))
    return float(cost)


def block_loads(hg: Hypergraph, block: np.ndarray, k: int | None = None):
    """``(cols int64[k], rows int64[k])``: slots and distinct row-needing nets per block."""
    block = np.asarray(block, np.int64)
    k = int(block.max()) + 1 if k is None else k
    cols = np.bincount(block, minlength=k)
    sel = hg.e_row == 1
    e = np.repeat(np.arange(hg.n_edges, dtype=np.int64), np.diff(hg.e_ptr))[sel]
    b = block[hg.e_pin[sel]]
    key = np.unique(e * k + b)
    rows = np.bincount(key % k, minlength=k)
    return cols, rows


def pack(hg: Hypergraph, slots: Slots, order: np.ndarray, hw) -> tuple[np.ndarray, int]:
    """First-fit packing of slots in ``order`` under both crossbar limits."""
    from neurosim._core.mapping_pack import pack_in_order
    return pack_in_order(np.ascontiguousarray(order, np.int32), hg.v_ptr, hg.v_edge, hg.v_row,
                         hg.v_neuron, hg.n_edges, int(slots.home_slot.shape[0]),
                         hw.tile.crossbar_rows, hw.neurons_per_crossbar)


def refine(hg: Hypergraph, slots: Slots, block: np.ndarray, k: int, hw, *, seed: int = 0,
           passes: int = 10, swaps: bool = True) -> dict:
    """Run the compiled k-way KL/FM refinement on ``block`` in place; return its statistics."""
    return _core().refine_kway(
        block, int(k), hg.v_ptr, hg.v_edge, hg.v_row, hg.e_ptr, hg.e_pin, hg.e_row, hg.e_w,
        hg.v_neuron, slots.home_slot, slots.n_slots_of, hw.tile.crossbar_rows, hw.neurons_per_crossbar,
        int(passes), int(seed) + 1, bool(swaps))


def _grow(hg, slots, order, hw, pin_cap):
    return _core().grow_partition(
        np.ascontiguousarray(order, np.int32), hg.v_ptr, hg.v_edge, hg.v_row, hg.e_ptr, hg.e_pin, hg.e_w,
        hg.v_neuron, int(slots.home_slot.shape[0]), hw.tile.crossbar_rows, hw.neurons_per_crossbar,
        int(pin_cap))


def kl_partition(hg: Hypergraph, slots: Slots, hw, *, seed: int = 0, passes: int = 10,
                 pin_cap: int | None = None, max_blocks: int | None = None) -> tuple[np.ndarray, int, dict]:
    """Partition slots into crossbar-feasible blocks minimising km1 (module docstring).

    Returns ``(block int32[S], n_blocks, stats)``. Raises :class:`MappingError` when even the
    best packing needs more than ``max_blocks`` (default ``hw.n_crossbars``) crossbars."""
    K = hw.n_crossbars if max_blocks is None else int(max_blocks)
    C = hw.neurons_per_crossbar
    pin_cap = 8 * C if pin_cap is None else pin_cap
    S = hg.n_vertices
    t0 = time.perf_counter()
    candidates = []
    natural = np.arange(S, dtype=np.int32)
    b0, n0 = _grow(hg, slots, natural, hw, pin_cap)
    candidates.append(("grow", b0, n0))
    b1, n1 = pack(hg, slots, natural, hw)
    candidates.append(("sequential", b1, n1))
    best = None
    tried = {}
    for name, b, nb in candidates:
        if nb > K:
            tried[name] = {"blocks": int(nb), "feasible": False}
            continue
        before = km1(hg, b)
        st = refine(hg, slots, b, nb, hw, seed=seed, passes=passes)
        b, nb = _compact(b)
        val = km1(hg, b)
        tried[name] = {"blocks": int(nb), "km1_initial": before, "km1": val, **st}
        if best is None or val < best[2] - 1e-9:
            best = (b, nb, val, name)
    if best is None:
        need = min(v["blocks"] for v in tried.values())
        from .strategies import too_large
        raise too_large(hw, need, f"KL partitioning of {S} column slots")
    b, nb, val, name = best
    stats = {"partitioner": "kl", "initial": name, "n_blocks": int(nb), "km1": val,
             "edge_cut": edge_cut(hg, b), "time_s": time.perf_counter() - t0, "tried": tried}
    return b, nb, stats


def _compact(block):
    """Renumber blocks 0..nb-1 in order of first appearance; drop empty ones."""
    block = np.asarray(block, np.int32)
    u, first = np.unique(block, return_index=True)
    order = np.argsort(first)
    remap = np.empty(int(u.max()) + 1 if u.size else 0, np.int32)
    remap[u[order]] = np.arange(u.size, dtype=np.int32)
    return np.ascontiguousarray(remap[block]), int(u.size)


# ------------------------------------------------------------------ external partitioners
def _expansion_graph(hg: Hypergraph, clique_max: int = 16):
    """Weighted graph for METIS: clique expansion (w/(|e|−1)) for small nets, star around the
    first pin (the driver when there is one, else the first sink) for larger ones."""
    sizes = np.diff(hg.e_ptr)
    rows_, cols_, vals = [], [], []
    small = np.flatnonzero((sizes >= 2) & (sizes <= clique_max))
    for s in np.unique(sizes[small]):
        es = small[sizes[small] == s]
        pins = hg.e_pin[hg.e_ptr[es][:, None] + np.arange(s)]
        iu, ju = np.triu_indices(s, 1)
        rows_.append(pins[:, iu].ravel())
        cols_.append(pins[:, ju].ravel())
        vals.append(np.repeat(hg.e_w[es] / (s - 1), iu.size))
    big = np.flatnonzero(sizes > clique_max)
    if big.size:
        e = np.repeat(big, sizes[big])
        idx = np.concatenate([np.arange(hg.e_ptr[x], hg.e_ptr[x + 1]) for x in big])
        # centre: driver pin (row flag 0) if present, else first pin
        centre = hg.e_pin[hg.e_ptr[big]].copy()
        drv_pos = np.flatnonzero(hg.e_row[idx] == 0)
        centre_map = dict(zip(e[drv_pos].tolist(), hg.e_pin[idx[drv_pos]].tolist()))
        for i, x in enumerate(big):
            if x in centre_map:
                centre[i] = centre_map[x]
        c = np.repeat(centre, sizes[big])
        p = hg.e_pin[idx]
        keep = p != c
        rows_.append(c[keep])
        cols_.append(p[keep])
        vals.append(hg.e_w[e[keep]])
    n = hg.n_vertices
    if rows_:
        r, c, v = np.concatenate(rows_), np.concatenate(cols_), np.concatenate(vals)
    else:
        r = c = np.zeros(0, np.int64)
        v = np.zeros(0)
    A = sp.coo_matrix((v, (r, c)), shape=(n, n)).tocsr()
    A = (A + A.T).tocsr()
    A.setdiag(0)
    A.eliminate_zeros()
    A.sum_duplicates()
    return A


def external_partition(hg: Hypergraph, slots: Slots, hw, k: int, tool: str, *, seed: int = 0,
                       epsilon: float = 0.03, refine_after: bool = True, passes: int = 10,
                       threads: int = 1) -> tuple[np.ndarray, int, dict]:
    """Partition with ``tool`` = ``"metis"`` (pymetis) or ``"mtkahypar"`` into ``k`` parts, then
    repair by first-fit packing in block order so that both crossbar limits hold, then (optionally)
    refine with the KL/FM kernel. Stats report km1 of the raw partition (ignoring the row limit),
    whether it honoured the limits, and km1 after repair and refinement. Raises ImportError when
    the tool is not installed."""
    t0 = time.perf_counter()
    n = hg.n_vertices
    k = max(1, int(k))
    if k == 1 or n <= k:
        raw = np.arange(n, dtype=np.int32) % k
    elif tool == "metis":
        import pymetis
        A = _expansion_graph(hg)
        # integer weights for METIS
        scale = 1000.0 / max(float(A.data.max()) if A.nnz else 1.0, 1e-30)
        w = np.maximum(1, np.round(A.data * scale)).astype(np.int64)
        opts = pymetis.Options(seed=int(seed), ufactor=int(round(epsilon * 1000)))
        if hasattr(pymetis, "CSRAdjacency"):
            adj = pymetis.CSRAdjacency(A.indptr.astype(np.int64), A.indices.astype(np.int64))
            _, parts = pymetis.part_graph(k, adjacency=adj, eweights=w, options=opts)
        else:
            _, parts = pymetis.part_graph(k, xadj=A.indptr.astype(np.int64), adjncy=A.indices.astype(np.int64),
                                          eweights=w, options=opts)
        raw = np.asarray(parts, np.int32)
    elif tool == "mtkahypar":
        import mtkahypar
        raw = _mtkahypar(hg, k, epsilon, seed, threads)
    else:
        raise ValueError(f"unknown external partitioner {tool!r} (metis, mtkahypar)")
    t_raw = time.perf_counter() - t0
    cols, rows = block_loads(hg, raw, k)
    raw_ok = bool(np.all(cols <= hw.neurons_per_crossbar) and np.all(rows <= hw.tile.crossbar_rows))
    # slots of one neuron must not share a block: the packing below separates them
    order = np.lexsort((np.arange(n), raw)).astype(np.int32)
    block, nb = pack(hg, slots, order, hw)
    stats = {"partitioner": tool, "k_requested": k, "km1_raw": km1(hg, raw), "raw_feasible": raw_ok,
             "raw_max_rows": int(rows.max()) if rows.size else 0, "raw_max_cols": int(cols.max()) if cols.size else 0,
             "time_raw_s": t_raw}
    stats["km1_repaired"] = km1(hg, block)
    stats["blocks_repaired"] = int(nb)
    if nb > hw.n_crossbars:
        from .strategies import too_large
        raise too_large(hw, nb, f"{tool} partition repaired to the crossbar limits")
    if refine_after:
        stats["refine"] = refine(hg, slots, block, nb, hw, seed=seed, passes=passes)
        block, nb = _compact(block)
    stats.update({"n_blocks": int(nb), "km1": km1(hg, block), "edge_cut": edge_cut(hg, block),
                  "time_s": time.perf_counter() - t0})
    return np.ascontiguousarray(block, np.int32), int(nb), stats


#: Mt-KaHyPar's library handle: ``mtkahypar.initialize`` starts its thread pool once per process,
#: so the handle is kept here with the thread count it was started with.
_MTK_LIBRARY: dict = {}


def _mtk_library(threads: int):
    """The process's Mt-KaHyPar handle, started with ``threads`` threads on first use; a later call
    asking for another count gets the running pool and a warning naming both counts."""
    import mtkahypar
    threads = max(1, int(threads))
    if not _MTK_LIBRARY:
        _MTK_LIBRARY.update(handle=mtkahypar.initialize(threads), threads=threads)
    elif _MTK_LIBRARY["threads"] != threads:
        warnings.warn(f"mapping: Mt-KaHyPar runs with the {_MTK_LIBRARY['threads']} thread(s) it was started "
                      f"with in this process, not the {threads} asked (its thread pool starts once)", stacklevel=3)
    return _MTK_LIBRARY["handle"]


def _mtkahypar(hg: Hypergraph, k: int, epsilon: float, seed: int, threads: int) -> np.ndarray:
    import mtkahypar
    lib = _mtk_library(threads)
    ctx = lib.context_from_preset(mtkahypar.PresetType.DEFAULT)
    ctx.set_partitioning_parameters(int(k), float(epsilon), mtkahypar.Objective.KM1)
    mtkahypar.set_seed(int(seed))
    ctx.logging = False
    sizes = np.diff(hg.e_ptr)
    keep = sizes >= 2
    e_ptr = np.concatenate([[0], np.cumsum(sizes[keep])]).astype(np.uint64)
    pins = hg.e_pin[np.repeat(keep, sizes)].astype(np.uint64)
    # integer net weights (Mt-KaHyPar takes integer weights)
    w = hg.e_w[keep]
    scale = 1000.0 / max(float(w.max()) if w.size else 1.0, 1e-30)
    iw = np.maximum(1, np.round(w * scale)).astype(np.int64)
    pins_list = [p.tolist() for p in np.split(pins.astype(np.int64), e_ptr[1:-1].astype(np.int64))] if keep.any() else []
    H = lib.create_hypergraph(ctx, hg.n_vertices, int(keep.sum()), pins_list,
                               [1] * hg.n_vertices, iw.tolist())
    part = H.partition(ctx)
    return np.asarray(part.get_partition(), np.int32)


# ------------------------------------------------------------------ graph KL bisection
def kl_bisection(A, *, seed: int = 0, starts: int = 8, max_passes: int = 50, initial=None):
    """Kernighan–Lin bisection of a weighted undirected graph (symmetric scipy.sparse or dense
    adjacency), balanced to ⌊n/2⌋ / ⌈n/2⌉ nodes like networkx's ``kernighan_lin_bisection``.

    Runs the compiled KL from ``starts`` random balanced bisections, from ``starts`` breadth-first
    grown halves (graph growing from random roots, as in METIS's initial partitioning; Karypis &
    Kumar 1998) and, if given, from ``initial`` (0/1 per node); returns ``(side uint8[n], cut)`` of
    the best."""
    A = sp.csr_matrix(A, dtype=np.float64)
    A = ((A + A.T) * 0.5).tocsr()
    A.setdiag(0)
    A.eliminate_zeros()
    A.sort_indices()
    n = A.shape[0]
    rng = np.random.default_rng(seed)
    inits = []
    if initial is not None:
        inits.append(np.asarray(initial, np.uint8).copy())
    for _ in range(max(1, starts)):
        s = np.zeros(n, np.uint8)
        s[rng.permutation(n)[n // 2:]] = 1
        inits.append(s)
    from scipy.sparse.csgraph import breadth_first_order
    for _ in range(max(0, starts)):
        root = int(rng.integers(n)) if n else 0
        order = breadth_first_order(A, root, directed=False, return_predecessors=False) if n else np.zeros(0, int)
        rest = np.setdiff1d(np.arange(n), order)
        order = np.concatenate([order, rng.permutation(rest)])
        s = np.ones(n, np.uint8)
        s[order[:n // 2]] = 0
        inits.append(s)
    best = None
    k = _core()
    for s in inits:
        cut = k.kl_bisect_graph(A.indptr.astype(np.int64), A.indices.astype(np.int32), A.data, s, int(max_passes))
        if best is None or cut < best[1] - 1e-12:
            best = (s, cut)
    return best
