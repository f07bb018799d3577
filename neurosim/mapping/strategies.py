"""``map_workload``: the named mapping strategies.

==============  ==========================================================================
strategy        what it does
==============  ==========================================================================
sequential      fill crossbars with neurons in id order (PACMAN / PyCARL-style first fit)
==============  ==========================================================================
"""
from __future__ import annotations

import numpy as np

from .core import Mapping, MappingError
from .netview import as_network
from .slots import assemble_mapping, build_hypergraph, build_slots

__all__ = ["map_workload", "STRATEGIES"]

STRATEGIES: dict = {}


def _strategy(name):
    def deco(fn):
        STRATEGIES[name] = fn
        return fn
    return deco


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


def map_workload(workload, hw, strategy: str = "sequential", *, seed: int = 0, activity=None,
                 split_fanin: bool = True, options: dict | None = None) -> Mapping:
    """Map a workload (or network) onto ``hw`` with the named ``strategy``; return a validated
    :class:`Mapping`.

    ``activity`` (float64[n] spike counts per neuron) weights the traffic objective of the
    activity-aware strategies; by default they profile the workload on the ``ideal`` chip
    (:func:`neurosim.mapping.activity.profile_activity`). ``split_fanin=False`` refuses neurons whose
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
           "activity": None if activity is None else spikes, "options": dict(options or {})}
    out = STRATEGIES[strategy](ctx)
    meta = {"strategy": strategy, "n_slots": slots.n, "n_split_neurons": int(np.sum(slots.n_slots_of > 1))}
    meta.update(out.get("metadata", {}))
    m = assemble_mapping(net, hw, slots, out["slot_xbar"], slot_col=out.get("slot_col"),
                         row_perm=out.get("row_perm"), strategy=strategy, seed=seed, metadata=meta)
    return m.validate(net, hw)
