"""Independent reference models of the engine's semantics (test oracles, not for speed).

* :func:`simulate_reference` — a SimPy process model of docs/engine.md.
* :func:`random_mapping` — valid mappings with shuffled placement and partial-sum slots, for tests.
"""
from .mapping import random_mapping
from .simpy_model import ReferenceModel, simulate_reference

__all__ = ["simulate_reference", "ReferenceModel", "random_mapping"]
