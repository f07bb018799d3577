"""The cycle-accurate event engine (semantics: docs/engine.md).

>>> import neurosim as ns                                              # doctest: +SKIP
>>> res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"))    # doctest: +SKIP

The event loop is compiled (csrc/engine_core.pyx → ``neurosim._core.engine_core``); this package
packs arrays, orchestrates per tick where the physics asks for it, and builds the :class:`SimResult`.
"""
from .core import EngineError, simulate
from .result import ENERGY_CLASSES, CrossbarRecord, SimResult
from .session import Chip, EngineOptions

__all__ = ["simulate", "Chip", "EngineOptions", "SimResult", "CrossbarRecord", "EngineError", "ENERGY_CLASSES"]
