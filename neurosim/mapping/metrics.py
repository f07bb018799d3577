"""Metrics of a mapping without simulating (predictions from activity and the endurance maps).

:func:`mapping_metrics` returns a flat dict:

* ``crossbars_used``, ``tiles_used``, ``row_utilisation``, ``column_utilisation`` (means over used
  crossbars of used rows / R and used logical columns / C);
* ``inter_crossbar_spikes_km1`` / ``_edge_cut`` and ``inter_tile_spikes_km1`` / ``_edge_cut``: spike
  messages between crossbars / tiles with multicast (Σ spikes·(λ − 1), λ counting the source's own
  crossbar/tile; inputs enter at one of their destinations) and with one unicast message per
  synapse (edge cut); partial-sum packets (one per tick with input, at most) are included;
* ``hop_traffic`` (Σ spikes × XY-multicast-tree hops, or × unicast hops for ``replicate``),
  ``energy_noc_pj`` (hop_traffic × energy per hop per flit × flits per packet), ``mean_hops``,
  ``max_hops``, ``mean_latency_cycles``, ``max_latency_cycles`` (packet = hops·(router+link) + router);
* ``write_lifetime_runs`` per crossbar and ``write_lifetime_runs_min`` (chip), also in seconds
  (workload runs × n_ticks × tick period) — PCM with on-chip learning, see
  :mod:`neurosim.mapping.cells` for the write estimate;
* ``inference_lifetime`` per crossbar and ``inference_lifetime_min`` (inferences = samples of the
  workload, or whole runs when it has none) — chips with read disturb.
Lifetimes are ``inf`` when nothing wears.
"""
from __future__ import annotations

import numpy as np

from .netview import as_network

__all__ = ["mapping_metrics"]


def _nets_from_mapping(net, mapping, spikes, n_ticks):
    """Crossbar-level nets ``(ptr, crossbars, root, w)`` of a mapping: one per presynaptic neuron
    (root = its home crossbar; −1 for inputs) and one per partial-sum column."""
    pre = net.pre
    sk = mapping.synapse_crossbar.astype(np.int64)
    K = mapping.n_crossbars
    key = np.unique(pre.astype(np.int64) * K + sk)
    kp, kk = key // K, key % K
    has = np.bincount(kp, minlength=net.n_neurons) > 0
    srcs = np.flatnonzero(has)
    root = np.where(net.is_input[srcs], -1, mapping.neuron_crossbar[srcs]).astype(np.int32)
    counts = np.bincount(kp, minlength=net.n_neurons)[srcs]
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    cl = kk.astype(np.int32)
    w = spikes[srcs].astype(np.float64)
    # partial sums: columns of a neuron other than its home column
    cols = mapping.crossbar_columns
    kk2, cc2 = np.nonzero(cols >= 0)
    nrn = cols[kk2, cc2]
    home = (mapping.neuron_crossbar[nrn] == kk2) & (mapping.neuron_column[nrn] == cc2)
    pk, pc, pn = kk2[~home], cc2[~home], nrn[~home]
    if pk.size:
        # input spikes of each partial column
        colkey = sk * cols.shape[1] + mapping.synapse_column
        pkey = pk.astype(np.int64) * cols.shape[1] + pc
        order = np.argsort(colkey, kind="stable")
        ck = colkey[order]
        lo = np.searchsorted(ck, pkey, "left")
        hi = np.searchsorted(ck, pkey, "right")
        cs = np.concatenate([[0.0], np.cumsum(spikes[pre[order]])])
        pw = cs[hi] - cs[lo]
        if n_ticks is not None:
            pw = np.minimum(pw, float(n_ticks))
        ptr = np.concatenate([ptr, ptr[-1] + np.arange(1, pk.size + 1)])
        cl = np.concatenate([cl, mapping.neuron_crossbar[pn].astype(np.int32)])
        root = np.concatenate([root, pk.astype(np.int32)])
        w = np.concatenate([w, pw])
    return ptr, cl, root, w


def _km1_and_cut(ptr, cl, root, w, level):
    """Multicast (λ−1 with the root included) and unicast message counts at ``level`` (crossbar or
    tile id per crossbar)."""
    n = w.size
    sizes = np.diff(ptr)
    e = np.repeat(np.arange(n, dtype=np.int64), sizes)
    d = level[cl].astype(np.int64)
    L = int(level.max()) + 1
    has_root = root >= 0
    r = np.where(has_root, level[np.maximum(root, 0)], -1).astype(np.int64)
    allk = np.concatenate([e * L + d, (np.flatnonzero(has_root) * L + r[has_root])])
    u = np.unique(allk)
    lam = np.bincount(u // L, minlength=n)
    km1 = float(np.sum(w * np.maximum(lam - 1, 0)))
    # unicast: one message per destination crossbar-synapse group outside the root's unit; input
    # nets enter at their modal unit
    key, cnt = np.unique(e * L + d, return_counts=True)
    ke = key // L
    order = np.lexsort((-cnt, ke))
    first = np.searchsorted(ke[order], np.arange(n))
    modal = np.full(n, -1, np.int64)
    ok = first < ke.size
    modal[ok] = key[order][first[ok]] % L
    src_unit = np.where(has_root, r, modal)
    cut = float(np.sum(w[e] * (d != src_unit[e])))
    return km1, cut


def mapping_metrics(workload, hw, mapping, activity=None, *, profilers=None) -> dict:
    """Predicted metrics of ``mapping`` for ``workload`` on ``hw`` (module docstring). ``activity``
    (spike counts per neuron) defaults to ``profilers.spikes`` of the workload, else the pure-numpy
    LIF (:func:`~.activity.profile_activity`); :func:`neurosim.profiling.mapping_metrics` passes the
    cached ideal-chip profile."""
    from .activity import profile_activity
    from .cells import synapse_intensity
    from .endurance import has_read_disturb, has_write_wear, read_endurance_logical, write_endurance_logical
    from .placement import make_cost

    net = as_network(workload)
    spikes, source = profile_activity(workload, activity, profilers=profilers)
    n_ticks = getattr(workload, "n_ticks", None)
    K, R, C = hw.n_crossbars, hw.tile.crossbar_rows, hw.neurons_per_crossbar
    used = mapping.used_crossbars()
    out = {"strategy": mapping.strategy, "seed": int(mapping.seed), "activity_source": source,
           "neurons": net.n_neurons, "synapses": net.n_synapses,
           "crossbars_used": int(used.size), "tiles_used": int(mapping.used_tiles().size),
           "crossbars_available": K, "tiles_available": hw.n_tiles}
    if used.size:
        out["row_utilisation"] = float(np.mean((mapping.crossbar_rows[used] >= 0).sum(1) / R))
        out["column_utilisation"] = float(np.mean((mapping.crossbar_columns[used] >= 0).sum(1) / C))
    else:
        out["row_utilisation"] = out["column_utilisation"] = 0.0
    ptr, cl, root, w = _nets_from_mapping(net, mapping, spikes, n_ticks)
    xb = np.arange(K)
    tile = mapping.crossbar_tile.astype(np.int64)
    out["inter_crossbar_spikes_km1"], out["inter_crossbar_spikes_edge_cut"] = _km1_and_cut(ptr, cl, root, w, xb)
    out["inter_tile_spikes_km1"], out["inter_tile_spikes_edge_cut"] = _km1_and_cut(ptr, cl, root, w, tile)
    # NoC: nets over crossbars with the identity placement (pos[k] = k)
    cost = make_cost((ptr, cl, root, w), K, hw)
    _, E, M, X, _ = cost.evaluate(np.arange(K, dtype=np.int32))
    lat_hop = hw.noc.router_latency_cycles + hw.noc.link_latency_cycles
    out["hop_traffic"] = E
    out["energy_noc_pj"] = E * hw.noc.energy_hop_per_flit_pj * hw.noc.flits_per_packet
    out["mean_latency_cycles"] = M
    out["max_latency_cycles"] = X
    out["mean_hops"] = (M - hw.noc.router_latency_cycles) / lat_hop if M > 0 else 0.0
    out["max_hops"] = (X - hw.noc.router_latency_cycles) / lat_hop if X > 0 else 0.0
    # lifetimes
    sk, sr, sc = mapping.synapse_crossbar, mapping.synapse_row, mapping.synapse_column
    run_s = (n_ticks or 0) * hw.tick_period_s
    if has_write_wear(hw):
        maps, msrc = write_endurance_logical(hw, K, mapping.seed)
        I = synapse_intensity(net, hw, spikes, "write")
        E_s = maps[sk % maps.shape[0], sr, sc]
        life = np.where(I > 0, E_s / np.where(I > 0, I, 1.0), np.inf)
        per = np.full(K, np.inf)
        np.minimum.at(per, sk, life)
        out["write_lifetime_runs"] = per[used].tolist()
        out["write_lifetime_runs_min"] = float(per.min()) if per.size else float("inf")
        out["write_lifetime_s_min"] = out["write_lifetime_runs_min"] * run_s if run_s else float("inf")
        out["write_endurance_source"] = msrc
    else:
        out["write_lifetime_runs_min"] = float("inf")
    if has_read_disturb(hw):
        N1, msrc = read_endurance_logical(hw)
        I = synapse_intensity(net, hw, spikes, "read")
        n_inf = max(getattr(workload, "n_samples", 0) or 1, 1)
        I = I / n_inf                                               # reads per inference, level-weighted
        life = np.where(I > 0, N1[sr, sc] / np.where(I > 0, I, 1.0), np.inf)
        per = np.full(K, np.inf)
        np.minimum.at(per, sk, life)
        out["inference_lifetime"] = per[used].tolist()
        out["inference_lifetime_min"] = float(per.min()) if per.size else float("inf")
        out["read_endurance_source"] = msrc
    else:
        out["inference_lifetime_min"] = float("inf")
    return out
