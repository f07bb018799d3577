"""The function behind ``neurosim map HWCONFIG WORKLOAD --strategy S`` (the CLI module itself lives in
neurosim/cli.py)."""
from __future__ import annotations

from pathlib import Path

from .core import MappingError
from .metrics import mapping_metrics
from .strategies import map_workload

__all__ = ["cli_map"]


def cli_map(hw, workload, strategy: str = "espine", seed: int = 0, out_path=None) -> dict:
    """Map ``workload`` onto ``hw`` (objects, or a hwconfig name/path and a trace path), save the
    mapping to ``out_path`` if given (never overwriting an existing file), and return the
    :func:`mapping_metrics` dict plus ``"mapping_path"`` and timing/partition summaries."""
    import time

    if isinstance(hw, (str, Path)):
        from neurosim.config import load_hardware
        hw = load_hardware(str(hw))
    if isinstance(workload, (str, Path)):
        from neurosim.workload import load_workload
        workload = load_workload(workload)
    if out_path is not None and Path(out_path).exists():
        raise MappingError(f"{out_path}: file exists; refusing to overwrite it")
    t0 = time.perf_counter()
    m = map_workload(workload, hw, strategy, seed=seed)
    t_map = time.perf_counter() - t0
    out = mapping_metrics(workload, hw, m)
    out["mapping_time_s"] = t_map
    part = m.metadata.get("partition", {})
    if part:
        out["partition_km1_objective"] = part.get("km1")
    pl = m.metadata.get("placement", {})
    for k in ("random", "ls_only", "pso", "pso+ls"):
        if k in pl:
            out[f"placement_{k}_hop_traffic"] = pl[k]["hop_traffic"]
    if out_path is not None:
        m.save(out_path)
        out["mapping_path"] = str(out_path)
    return out
