"""Endurance sweeps: YAML specs over hwconfig keys, workloads, strategies and seeds; resumable
SQLite result store; local process pool or Dask cluster execution."""
from .runner import SweepSummary, run_point, run_sweep
from .spec import SweepPoint, SweepSpec, SweepSpecError, expand, load_spec
from .store import ResultStore, canonical_json, point_key

__all__ = [
    "SweepSpec", "SweepSpecError", "SweepPoint", "load_spec", "expand", "run_sweep", "run_point",
    "SweepSummary", "ResultStore", "point_key", "canonical_json",
]
