"""``map_workload``: the named mapping strategies.

==============  ==========================================================================
strategy        what it does
==============  ==========================================================================
sequential      fill crossbars with neurons in id order (PACMAN / PyCARL-style first fit);
                crossbars in id order; cells in neuron order
random          sequential clusters placed on random crossbars (seeded); cells in neuron order
spinemap        KL/FM partition on spike traffic (km1) + PSO placement on hop-weighted
                traffic (Balaji et al. TVLSI 2020); cells in neuron order
espine          as spinemap, PSO objective adds the minimum write lifetime, and rows/columns
                are placed on the write-endurance map (Titirsha et al. TPDS 2021)
read-aware      as spinemap, PSO adds inference lifetime, rows/columns placed on the
                read-endurance map (Song et al. ASAP 2021; Paul et al. D&T 2022)
metis           METIS (pymetis) k-way partition, repaired to the crossbar limits and
                KL/FM-refined, then PSO placement on traffic (optional extra)
==============  ==========================================================================

Options (``map_workload(..., options={...})``): ``passes`` (KL/FM passes, 10), ``placement``
(dict overriding :data:`neurosim.mapping.placement.DEFAULT_PLACEMENT`: particles, iterations,
inertia, c1, c2, v_max, w_energy, w_mean_latency, w_max_latency, w_lifetime, local_search_sweeps,
ls_every, ls_sweeps), ``placement_method`` (pso+ls, ls, random, inorder), ``cell_iterations``,
``wear_profile`` (espine on a learning chip: rank synapses by the programming pulses of a profiling
run on the target chip, default true; false ranks them by pre + post spikes), ``profile_ticks``
(ticks of that run, default the whole workload).

The profiling runs (spike counts, wear) are not made here: ``map_workload(..., profilers=...)``
receives them as callables (:class:`neurosim.mapping.activity.Profilers`); :func:`neurosim.map_workload`
passes the engine-backed ones of :mod:`neurosim.profiling`.
"""
from __future__ import annotations

import numpy as np

from .core import Mapping, MappingError
from .netview import as_network
from .slots import assemble_mapping, build_hypergraph, build_slots

__all__ = ["map_workload", "STRATEGIES", "register_strategy"]

#: Every mapping strategy by name: ``fn(ctx) -> {"slot_xbar": ..., "metadata": {...}}`` (register_strategy).
STRATEGIES: dict = {}


def register_strategy(name: str):
    """Decorator: make ``fn(ctx)`` the mapping strategy ``name`` of :func:`map_workload`, the CLI
    (``--mapping``, ``--strategy``), sweeps and studies. ``ctx`` holds ``net`` (the network view),
    ``hw``, ``slots`` (column slots: a neuron, or one part of a split neuron), ``hg`` (the slot
    hypergraph weighted by activity), ``seed``, ``workload``, ``activity``, ``options`` and
    ``profilers``; ``fn`` returns ``slot_xbar`` (crossbar of each slot) and optionally ``slot_col``,
    ``row_perm`` and ``metadata``. The mapping is assembled and validated for it
    (docs/architecture.md, "Add a mapping strategy")."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"strategy name: expected a non-empty string, got {name!r}")

    def deco(fn):
        if name in STRATEGIES and STRATEGIES[name] is not fn:
            raise ValueError(f"mapping strategy {name!r} is already registered")
        STRATEGIES[name] = fn
        return fn
    return deco


_strategy = register_strategy


def _pack(order, hg, n_neurons, hw):
    from neurosim._core.mapping_pack import pack_in_order
    return pack_in_order(np.ascontiguousarray(order, np.int32), hg.v_ptr, hg.v_edge, hg.v_row, hg.v_neuron,
                         hg.n_edges, n_neurons, hw.tile.crossbar_rows, hw.neurons_per_crossbar)


def too_large(hw, needed: int, what: str) -> MappingError:
    """The error for a network that needs more crossbars than the chip has, saying by how much."""
    K, cpt = hw.n_crossbars, hw.tile.crossbars_per_tile
    tiles = -(-needed // cpt)
    return MappingError(
        f"network too large for chip {hw.name!r}: {what} needs {needed} crossbars ({tiles} tiles), the chip has "
        f"{K} crossbars ({hw.n_tiles} tiles) — {needed - K} crossbars ({tiles - hw.n_tiles} tiles, "
        f"{needed / K:.2f}x) short"
    )


@_strategy("sequential")
def _sequential(ctx):
    """First-fit packing of neurons in id order into crossbars in id order."""
    hg = ctx["hg"]
    block, nb = _pack(np.arange(hg.n_vertices), hg, ctx["net"].n_neurons, ctx["hw"])
    if nb > ctx["hw"].n_crossbars:
        raise too_large(ctx["hw"], nb, f"sequential packing of {ctx['net'].n_neurons} neurons")
    return {"slot_xbar": block, "metadata": {"n_clusters": int(nb)}}


def _activity(ctx):
    if ctx["activity"] is not None:
        return ctx["activity"], "given"
    from .activity import profile_activity
    return profile_activity(ctx["workload"], profilers=ctx["profilers"])


def _reweight(ctx):
    """Activity-weighted hypergraph (profiles the workload when no activity was given)."""
    spikes, source = _activity(ctx)
    hg = build_hypergraph(ctx["net"], ctx["slots"], spikes, n_ticks=getattr(ctx["workload"], "n_ticks", None))
    return hg, spikes, source


def _partition_and_place(ctx, *, life_kind=None, partitioner="kl"):
    from . import partition as P
    from .placement import place
    hw, slots = ctx["hw"], ctx["slots"]
    opts = ctx["options"]
    hg, spikes, source = _reweight(ctx)
    meta = {"activity_source": source}
    if partitioner == "kl":
        block, nb, pst = P.kl_partition(hg, slots, hw, seed=ctx["seed"], passes=opts.get("passes", 10))
    else:
        # METIS with k = the number of blocks KL needs (same capacity), then repair + refine
        _, k, _ = P.kl_partition(hg, slots, hw, seed=ctx["seed"], passes=0)
        try:
            block, nb, pst = P.external_partition(hg, slots, hw, k, partitioner, seed=ctx["seed"],
                                                  passes=opts.get("passes", 10))
        except ImportError:
            raise MappingError(f"strategy {partitioner!r} needs the optional package "
                               f"{'pymetis' if partitioner == 'metis' else 'mtkahypar'} (pip install it)") from None
    meta["partition"] = pst
    life = None
    pl_opts = dict(opts.get("placement") or {})
    maps = None
    if life_kind is not None:
        maps, msrc = _maps(ctx, life_kind)
        meta["endurance_map_source"] = msrc
        if maps.shape[0] > 1:
            life = _life_table(ctx, block, nb, spikes, maps, life_kind)
            pl_opts.setdefault("w_lifetime", 1.0)
    pos, plst = place(hg, block, nb, hw, seed=ctx["seed"], life=life, options=pl_opts,
                      method=opts.get("placement_method", "pso+ls"))
    meta["placement"] = plst
    slot_xbar = pos[block]
    out = {"slot_xbar": slot_xbar, "metadata": meta}
    if life_kind is not None:
        from .cells import place_cells, synapse_intensity
        inten = synapse_intensity(ctx["net"], hw, spikes, life_kind)
        measured = False
        if life_kind == "write" and opts.get("wear_profile", True):
            prof = _wear_profile(ctx, slot_xbar, opts.get("profile_ticks"))
            if isinstance(prof, dict):
                meta["wear_profile"] = prof
            elif prof is not None:
                writes, pmeta = prof
                meta["wear_profile"] = pmeta
                measured = True
                # profiled pulses rank the synapses; spike counts (< 1 pulse) only break ties
                inten = np.where(inten > 0, writes + 1e-3 * inten / max(float(inten.max()), 1.0), 0.0)
        gain = None
        if life_kind == "write":
            from .endurance import verify_gain_logical
            gain = verify_gain_logical(hw, ctx["net"].weight)
        col, rp, cst = place_cells(ctx["net"], hw, slots, slot_xbar, inten, maps,
                                   max_iter=opts.get("cell_iterations", 2000), gain=gain,
                                   measured_in_place=measured)
        out["slot_col"], out["row_perm"] = col, rp
        meta["cells"] = cst
    return out


def _wear_profile(ctx, slot_xbar, ticks):
    """Programming pulses of every synapse in a profiling run of the workload on the target chip,
    with the clusters already placed and cells in neuron order; ``None`` when there is nothing to
    profile (no on-chip learning, no plastic synapse, or a bare network without input spikes); a
    metadata dict saying so when there is no ``wear`` profiler to run it (ctx["profilers"]).

    Wear is counted, not estimated from spike counts: with multilevel cells a synapse is written
    when its weight crosses a level boundary, which spike counts do not predict (a weight dithering
    around a boundary is written at every crossing)."""
    hw, net, wl = ctx["hw"], ctx["net"], ctx["workload"]
    if (not hw.learning.enabled or not np.any(net.plastic) or not hasattr(wl, "input_ticks")
            or not hasattr(wl, "network")):
        return None
    wear = getattr(ctx["profilers"], "wear", None)
    if wear is None:     # nothing here can run the chip: the spike-count ranking, and the metadata says so
        return {"profiled": False, "ranking": "pre + post spikes (no wear profiler given)"}
    m0 = assemble_mapping(net, hw, ctx["slots"], slot_xbar, strategy="wear-profile", seed=ctx["seed"])
    run = wear(wl, hw, m0, ticks, ctx["seed"])
    return synapse_writes(run.cell_writes, m0, hw), {"ticks": int(run.n_ticks), "write_pulses": int(run.write_pulses),
                                                     "mapping": "placed clusters, cells in neuron order"}


def synapse_writes(cell_writes, mapping, hw) -> np.ndarray:
    """float64[nnz]: programming pulses of every synapse's cells (both cells of a differential pair)
    given ``cell_writes`` (crossbar id -> physical (R, C) pulses, :class:`~.activity.WearRun`) of a
    run of ``mapping``."""
    out = np.zeros(mapping.synapse_crossbar.size)
    diff = hw.device.weight_encoding == "differential"
    order = np.argsort(mapping.synapse_crossbar, kind="stable")
    ks = mapping.synapse_crossbar[order]
    for xb, W in cell_writes.items():             # W physical (R, C): no assumption on the block layout
        lo, hi = np.searchsorted(ks, [xb, xb + 1])
        ids = order[lo:hi]
        r, c = mapping.synapse_row[ids], mapping.synapse_column[ids]
        # physical columns of logical column c as in metrics.lifetime.physical_columns_of
        out[ids] = W[r, 2 * c] + W[r, 2 * c + 1] if diff else W[r, c]
    return out


def _maps(ctx, kind):
    from .endurance import read_endurance_logical, write_endurance_logical
    hw = ctx["hw"]
    if kind == "write":
        return write_endurance_logical(hw, hw.n_crossbars, ctx["seed"])
    m, src = read_endurance_logical(hw)
    return m[None], src


def _life_table(ctx, block, nb, spikes, maps, kind):
    """(clusters × crossbars) lifetime estimate for PSO when crossbars differ: per cluster, its
    synapse intensities sorted high→low against each crossbar's endurance quantiles low→high
    (an optimistic free-placement bound), evaluated at 64 quantiles."""
    from .cells import synapse_intensity
    inten = synapse_intensity(ctx["net"], ctx["hw"], spikes, kind)
    sb = np.asarray(block)[ctx["slots"].slot_of_syn]
    q = np.linspace(0, 1, 64)
    E = np.quantile(maps.reshape(maps.shape[0], -1), q, axis=1).T            # (K, 64) ascending
    out = np.full((nb, maps.shape[0]), 1e300)
    for c in range(nb):
        x = inten[sb == c]
        x = x[x > 0]
        if x.size == 0:
            continue
        I = np.quantile(x, q)[::-1]                                          # descending
        out[c] = (E / I[None, :]).min(axis=1)
    return out


@_strategy("random")
def _random(ctx):
    """Sequential clusters on random crossbars (seeded)."""
    hg, hw = ctx["hg"], ctx["hw"]
    block, nb = _pack(np.arange(hg.n_vertices), hg, ctx["net"].n_neurons, hw)
    if nb > hw.n_crossbars:
        raise too_large(hw, nb, f"packing of {ctx['net'].n_neurons} neurons")
    rng = np.random.default_rng(ctx["seed"])
    pos = rng.permutation(hw.n_crossbars)[:nb]
    return {"slot_xbar": pos[block], "metadata": {"n_clusters": int(nb)}}


@_strategy("spinemap")
def _spinemap(ctx):
    """KL/FM on spike traffic + PSO placement on hop-weighted traffic; cells in neuron order."""
    return _partition_and_place(ctx)


@_strategy("espine")
def _espine(ctx):
    """spinemap + write-lifetime-aware PSO objective and endurance-aware cell placement."""
    return _partition_and_place(ctx, life_kind="write")


@_strategy("read-aware")
def _read_aware(ctx):
    """spinemap + inference-lifetime-aware PSO objective and read-endurance-aware cell placement."""
    return _partition_and_place(ctx, life_kind="read")


@_strategy("metis")
def _metis(ctx):
    """pymetis k-way partition (repaired, refined) + PSO placement on traffic."""
    return _partition_and_place(ctx, partitioner="metis")


def map_workload(workload, hw, strategy: str = "sequential", *, seed: int = 0, activity=None,
                 split_fanin: bool = True, options: dict | None = None, profilers=None) -> Mapping:
    """Map a workload (or network) onto ``hw`` with the named ``strategy``; return a validated
    :class:`Mapping`.

    ``activity`` (float64[n] spike counts per neuron) weights the traffic objective of the
    activity-aware strategies; by default they ask ``profilers.spikes``
    (:class:`neurosim.mapping.activity.Profilers`), else the pure-numpy LIF
    (:func:`neurosim.mapping.activity.profile_activity`); ``profilers.wear`` measures the wear espine ranks
    synapses by on a learning chip. :func:`neurosim.map_workload` passes the engine-backed profilers
    (the ideal-chip profile, cached; a run on ``hw``): use it for the documented results. ``split_fanin=False`` refuses neurons whose
    fan-in exceeds the rows instead of splitting them into partial-sum slots. ``options`` passes
    strategy parameters (see docs/mapping.md)."""
    if strategy not in STRATEGIES:
        raise MappingError(f"unknown mapping strategy {strategy!r}; choose one of {sorted(STRATEGIES)}")
    net = as_network(workload)
    slots = build_slots(net, hw.tile.crossbar_rows, n_crossbars=hw.n_crossbars, split_fanin=split_fanin)
    lif = int(np.count_nonzero(~net.is_input))
    cap = hw.n_crossbars * hw.neurons_per_crossbar
    if slots.n > cap:
        need = -(-slots.n // hw.neurons_per_crossbar)
        raise too_large(hw, need, f"{lif} neurons in {slots.n} column slots")
    if activity is None:
        spikes = np.ones(net.n_neurons)
    else:
        spikes = np.asarray(activity, np.float64)
        if spikes.shape != (net.n_neurons,) or not np.all(np.isfinite(spikes)) or np.any(spikes < 0):
            raise MappingError(f"activity must be a finite, non-negative float array of shape ({net.n_neurons},)")
    n_ticks = getattr(workload, "n_ticks", None)
    hg = build_hypergraph(net, slots, spikes, n_ticks=n_ticks)
    ctx = {"net": net, "hw": hw, "slots": slots, "hg": hg, "seed": int(seed), "workload": workload,
           "activity": None if activity is None else spikes, "options": dict(options or {}),
           "profilers": profilers}
    out = STRATEGIES[strategy](ctx)
    meta = {"strategy": strategy, "n_slots": slots.n, "n_split_neurons": int(np.sum(slots.n_slots_of > 1))}
    meta.update(out.get("metadata", {}))
    m = assemble_mapping(net, hw, slots, out["slot_xbar"], slot_col=out.get("slot_col"),
                         row_perm=out.get("row_perm"), strategy=strategy, seed=seed, metadata=meta)
    return m.validate(net, hw)
