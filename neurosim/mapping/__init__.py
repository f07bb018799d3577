"""Mapping a spiking network onto a memristive chip: partition, place, and cell placement.

>>> import neurosim as ns
>>> hw = ns.load_hardware("espine_pcm")                                  # doctest: +SKIP
>>> m = ns.map_workload(wl, hw, strategy="espine", seed=0)               # doctest: +SKIP
>>> from neurosim.profiling import mapping_metrics                        # doctest: +SKIP
>>> mapping_metrics(wl, hw, m)["inter_tile_spikes_km1"]                  # doctest: +SKIP

Strategies (:data:`STRATEGIES`): ``sequential``, ``random``, ``spinemap``, ``espine``,
``read-aware``, ``metis``. See docs/mapping.md for the algorithms and their sources.

This package does not run the engine: activity profiles and wear come in as data
(:class:`~.activity.Profilers`); :mod:`neurosim.profiling` (``ns.map_workload``) supplies them.
"""
from .core import Mapping, MappingError, load_mapping
from .netview import as_network, from_sparse
from .strategies import STRATEGIES, map_workload, register_strategy

__all__ = [
    "Mapping", "MappingError", "load_mapping", "map_workload", "STRATEGIES", "register_strategy", "as_network",
    "from_sparse", "mapping_metrics", "profile_activity", "Profilers", "WearRun",
]


def __getattr__(name):
    if name == "mapping_metrics":
        from .metrics import mapping_metrics
        return mapping_metrics
    if name in ("profile_activity", "Profilers", "WearRun"):
        from . import activity
        return getattr(activity, name)
    raise AttributeError(f"module 'neurosim.mapping' has no attribute {name!r}")
