"""Endurance sweeps: YAML specs over hwconfig keys, workloads, strategies and seeds; resumable
SQLite result store; local process pool or Dask cluster execution. A spec's point function must be
registered (:func:`register_point_function`) unless the caller allows code."""
from .functions import register_point_function, registered_point_functions, unregister_point_function
from .runner import SweepSummary, run_point, run_sweep
from .spec import SweepPoint, SweepSpec, SweepSpecError, count_points, expand, load_spec
from .store import ResultStore, StoreError, canonical_json, point_key

__all__ = [
    "SweepSpec", "SweepSpecError", "SweepPoint", "load_spec", "expand", "count_points", "run_sweep", "run_point",
    "SweepSummary", "ResultStore", "StoreError", "point_key", "canonical_json", "register_point_function",
    "unregister_point_function", "registered_point_functions",
]
