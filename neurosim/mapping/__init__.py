"""Mapping a spiking network onto a memristive chip: partition, place, and cell placement.

>>> import neurosim as ns
>>> hw = ns.load_hardware("espine_pcm")                                  # doctest: +SKIP
>>> m = ns.map_workload(wl, hw, strategy="espine", seed=0)               # doctest: +SKIP
>>> ns.mapping.mapping_metrics(wl, hw, m)["inter_tile_spikes_km1"]       # doctest: +SKIP

Strategies (:data:`STRATEGIES`): ``sequential``, ``random``, ``spinemap``, ``espine``,
``read-aware``, ``metis``. See docs/mapping.md for the algorithms and their sources.
"""
from .core import Mapping, MappingError, load_mapping
from .netview import as_network, from_sparse
from .strategies import STRATEGIES, map_workload

__all__ = [
    "Mapping", "MappingError", "load_mapping", "map_workload", "STRATEGIES", "as_network",
    "from_sparse", "mapping_metrics", "cli_map", "profile_activity",
]


def __getattr__(name):
    if name == "mapping_metrics":
        from .metrics import mapping_metrics
        return mapping_metrics
    if name == "cli_map":
        from .cli import cli_map
        return cli_map
    if name == "profile_activity":
        from .activity import profile_activity
        return profile_activity
    raise AttributeError(f"module 'neurosim.mapping' has no attribute {name!r}")
