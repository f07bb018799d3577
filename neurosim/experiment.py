"""One run of a workload on a chip (run layer, issue 14): load → map → simulate → (ideal reference) → evaluate.

:func:`run_experiment` is the sequence the point functions of sweeps and studies
(:func:`neurosim.sweep.study.run_point`, :func:`neurosim.studies.points.study_point`) share: load the
chip (with ``overrides``) and the workload, refuse a run that would not fit in memory
(:func:`neurosim.config.resources.check_fits`), map with :func:`neurosim.profiling.map_workload` (a
wear-profiling strategy profiles the same ticks it is judged on: ``profile_ticks``), simulate, optionally
run the ideal-chip reference (:func:`ideal_reference`), and evaluate. It returns a :class:`Run` holding
every object and the wall time of each stage; flattening the result is the caller's business.

Stage times (``Run.timing``, the keys of the sweep store's timing column): ``load_s`` (chip, workload
and the memory check), ``map_s``, ``simulate_s``, ``evaluate_s`` (the ideal reference run included).
``Run.started`` is the :func:`time.perf_counter` at the start, from which callers take ``total_s``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

__all__ = ["Run", "run_experiment", "ideal_reference"]


@dataclass
class Run:
    """What :func:`run_experiment` did: the chip, workload, mapping, engine result, evaluation, the
    ticks simulated, the seed, the ideal chip's result (or None) and the stage wall times."""
    hw: Any
    workload: Any
    mapping: Any
    result: Any
    evaluation: Any
    ticks: int
    seed: int
    ideal_result: Any = None
    timing: dict = field(default_factory=dict)
    started: float = 0.0


def ideal_reference(workload, ticks: int, *, seed: int = 0, timing: str = "cycle"):
    """The reference run on the ``ideal`` chip: ``workload`` mapped sequentially, simulated for
    ``ticks`` ticks with ``seed`` (the spikes evaluation compares against)."""
    from .config import load_hardware
    from .engine import simulate
    from .profiling import map_workload

    hwi = load_hardware("ideal")
    return simulate(workload, hwi, map_workload(workload, hwi, "sequential", seed=seed), ticks=ticks, seed=seed,
                    timing=timing)


def _load_workload(workload):
    from .workload import Workload, load_workload

    if isinstance(workload, Workload):
        return workload
    if callable(workload):
        return workload()
    return load_workload(workload)


def run_experiment(hwconfig, workload: Union[str, Any, Callable[[], Any]], strategy: str, *,
                   overrides: Optional[dict] = None, seed: int = 0, ticks: Optional[int] = None,
                   clamp_ticks: bool = False, ideal: bool = False, maps: bool = False,
                   mapping_options: Optional[dict] = None, fits_stage: str = "run",
                   timing: str = "cycle") -> Run:
    """Load → map → simulate → (ideal reference) → evaluate; returns a :class:`Run`.

    ``hwconfig``: a preset name or YAML path (``overrides``: dotted keys). ``workload``: a trace
    path, a :class:`~neurosim.workload.Workload`, or a callable returning one (loaded inside the
    ``load_s`` stage). ``ticks``: None for the whole workload; with ``clamp_ticks`` at most the
    workload's length (else a longer ``ticks`` is the engine's error). ``ideal``: also run
    :func:`ideal_reference` and compare against it. ``maps``: the per-cell maps of the evaluation.
    ``mapping_options``: passed to the mapping (after ``profile_ticks``). ``fits_stage``: the stage
    of :func:`~neurosim.config.resources.check_fits`. ``timing``: the engine's timing model.
    """
    from .config import load_hardware
    from .config.resources import check_fits
    from .engine import simulate
    from .metrics import evaluate
    from .profiling import map_workload

    seed = int(seed)
    t0 = time.perf_counter()
    hw = load_hardware(hwconfig, overrides=overrides or {})
    wl = _load_workload(workload)
    if ticks is None:
        T = wl.n_ticks
    else:
        T = min(int(ticks), wl.n_ticks) if clamp_ticks else int(ticks)
    check_fits(hw, wl, T, what=f"the point {strategy} on {wl.name!r}", stage=fits_stage)
    t1 = time.perf_counter()
    m = map_workload(wl, hw, strategy, seed=seed, options={"profile_ticks": T, **(mapping_options or {})})
    t2 = time.perf_counter()
    res = simulate(wl, hw, m, ticks=T, seed=seed, timing=timing)
    t3 = time.perf_counter()
    ideal_res = ideal_reference(wl, T, seed=seed, timing=timing) if ideal else None
    ev = evaluate(res, hw, m, ideal=ideal_res, workload=wl, maps=maps)
    t4 = time.perf_counter()
    return Run(hw=hw, workload=wl, mapping=m, result=res, evaluation=ev, ticks=T, seed=seed, ideal_result=ideal_res,
               timing={"load_s": t1 - t0, "map_s": t2 - t1, "simulate_s": t3 - t2, "evaluate_s": t4 - t3},
               started=t0)
