"""One run of a workload on a chip (the run layer): load → map → simulate → baseline → ideal
reference → evaluate → aging, written once.

:func:`run_experiment` is the sequence every command shares: ``neurosim run``
(:func:`neurosim.report.run_study` wraps it and renders), the point functions of sweeps and studies
(:func:`neurosim.sweep.study.run_point`, :func:`neurosim.studies.points.study_point`), and the
Python API. It loads the chip (with ``overrides``) and the workload, refuses a run that would not
fit in memory (:func:`neurosim.config.resources.check_fits`), maps with
:func:`neurosim.profiling.map_workload` (a wear-profiling strategy profiles the same ticks it is
judged on), simulates on a :class:`neurosim.engine.Chip`, optionally maps and simulates a baseline
strategy and the ideal-chip reference (:func:`ideal_reference`), evaluates, and optionally ages the
chip (:func:`neurosim.metrics.aging.aging_study`). It returns a :class:`Run` holding every object
and the wall time of each stage; what a result holds is defined once, in
:mod:`neurosim.metrics.fields`, and the renderers only lay it out.

Stages, in order (``Run.timing`` holds ``<stage>_s`` for each stage that ran; sweeps store them in
the timing column): ``load``, ``map``, ``simulate``, ``baseline`` (map and simulate the baseline),
``ideal`` (the ideal-chip reference), ``evaluate``, ``aging``. ``Run.started`` is the
:func:`time.perf_counter` at the start, from which callers take ``total_s``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

__all__ = ["Run", "run_experiment", "ideal_reference", "stages"]


@dataclass
class Run:
    """What :func:`run_experiment` did: the chip, workload, mapping, engine result, evaluation, the
    ticks simulated, the seed, the baseline's mapping/result/evaluation, the ideal chip's result,
    the aging study (or None each) and the stage wall times (s)."""
    hw: Any
    workload: Any
    mapping: Any
    result: Any
    evaluation: Any
    ticks: int
    seed: int
    ideal_result: Any = None
    baseline_mapping: Any = None
    baseline_result: Any = None
    baseline_evaluation: Any = None
    aging: Optional[dict] = None
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


def stages(*, baseline: bool = False, ideal: bool = False, aging: bool = False) -> list[str]:
    """The stages :func:`run_experiment` runs with these options, in order (for progress bars)."""
    return (["load", "map", "simulate"] + (["baseline"] if baseline else []) + (["ideal"] if ideal else [])
            + ["evaluate"] + (["aging"] if aging else []))


def _load_hw(hwconfig, overrides):
    from .config import HardwareConfig, load_hardware

    if isinstance(hwconfig, HardwareConfig):
        if overrides:
            raise ValueError("overrides: apply them when loading the chip (load_hardware(..., overrides=...))")
        return hwconfig
    return load_hardware(hwconfig, overrides=overrides or {})


def _load_workload(workload):
    from .workload import Workload, load_workload

    if isinstance(workload, Workload):
        return workload
    if callable(workload):
        return workload()
    return load_workload(workload)


def _ages(aging, ev) -> Optional[list]:
    """Ages in seconds for ``aging`` (see :func:`run_experiment`); None when aging is off."""
    if aging is None or aging is False:
        return None
    if aging is True:
        return []                      # the default ages, from the chip's own lifetime
    if isinstance(aging, dict):
        rel = [float(a) for a in aging["relative"]]
        life = float(ev.lifetime["read"]["chip"]["seconds"])
        if not math.isfinite(life):
            life = float(ev.lifetime["write"]["chip"]["seconds"])
        return [a * life for a in rel] if rel and math.isfinite(life) else None
    return [float(a) for a in aging] or None


def run_experiment(hwconfig, workload: Union[str, Any, Callable[[], Any]], strategy: str, *,
                   overrides: Optional[dict] = None, seed: int = 0, ticks: Optional[int] = None,
                   clamp_ticks: bool = False, baseline: Optional[str] = None, ideal: bool = False,
                   aging: Union[None, bool, Sequence[float], dict] = None, maps: bool = False,
                   mapping_options: Optional[dict] = None, fits_stage: str = "run", timing: str = "cycle",
                   progress: Optional[Callable[[str], None]] = None,
                   aging_progress: Optional[Callable] = None) -> Run:
    """Load → map → simulate → (baseline) → (ideal reference) → evaluate → (aging); returns a :class:`Run`.

    ``hwconfig``: a preset name, a YAML path (``overrides``: dotted keys) or a HardwareConfig.
    ``workload``: a trace path, a :class:`~neurosim.workload.Workload`, or a callable returning one
    (loaded inside the ``load`` stage). ``ticks``: None for the whole workload; with ``clamp_ticks``
    at most the workload's length (else a longer ``ticks`` is the engine's error). ``baseline``: a
    second strategy mapped and simulated on the same chip; the evaluation reports lifetimes relative
    to it. ``ideal``: also run :func:`ideal_reference` and compare spike timing against it.
    ``aging``: None/False (none), True (the default ages from the chip's lifetime), a list of ages in
    seconds, or ``{"relative": [...]}`` (multiples of the chip's inference lifetime, else its write
    lifetime; no ages when both are unbounded). ``maps``: the per-cell maps of the evaluation.
    ``mapping_options``: passed to the mapping (after ``profile_ticks``). ``fits_stage``: the stage
    of :func:`~neurosim.config.resources.check_fits`. ``timing``: the engine's timing model.
    ``progress(stage)`` is called as each stage starts (:func:`stages` lists them);
    ``aging_progress`` wraps the iterable of ages (a tqdm, say).
    """
    from .config.resources import check_fits
    from .engine import Chip
    from .metrics import evaluate
    from .profiling import map_workload

    seed = int(seed)
    timings: dict = {}
    t0 = time.perf_counter()
    current = ["", t0]

    def stage(name):
        now = time.perf_counter()
        if current[0]:
            timings[f"{current[0]}_s"] = now - current[1]
        current[:] = [name, now]
        if progress is not None and name != "done":
            progress(name)

    stage("load")
    hw = _load_hw(hwconfig, overrides)
    wl = _load_workload(workload)
    if ticks is None:
        T = wl.n_ticks
    else:
        T = min(int(ticks), wl.n_ticks) if clamp_ticks else int(ticks)
    check_fits(hw, wl, T, what=f"the point {strategy} on {wl.name!r}", stage=fits_stage)
    opts = {"profile_ticks": T, **(mapping_options or {})}
    stage("map")
    m = map_workload(wl, hw, strategy, seed=seed, options=opts)
    stage("simulate")
    res = Chip(hw, wl, m, seed=seed, ticks=T, reusable=False).run(timing=timing)
    bm = bres = bev = None
    if baseline:
        stage("baseline")
        bm = map_workload(wl, hw, baseline, seed=seed, options=opts)
        bres = Chip(hw, wl, bm, seed=seed, ticks=T, reusable=False).run(timing=timing)
    ideal_res = None
    if ideal:
        stage("ideal")
        ideal_res = ideal_reference(wl, T, seed=seed, timing=timing)
    stage("evaluate")
    if bres is not None:
        bev = evaluate(bres, hw, bm, workload=wl, maps=False)
    ev = evaluate(res, hw, m, baseline=bev, ideal=ideal_res, workload=wl, maps=maps)
    aged = None
    ages = _ages(aging, ev)
    if ages is not None:
        from .metrics.aging import aging_study
        stage("aging")
        aged = aging_study(ev, wl, hw, m, ages_s=ages if ages else None, ticks=T, seed=seed,
                           progress=aging_progress)
        if isinstance(aging, dict):
            for row, rel in zip(aged["ages"], aging["relative"]):
                row["age_rel"] = float(rel)
    stage("done")
    return Run(hw=hw, workload=wl, mapping=m, result=res, evaluation=ev, ticks=T, seed=seed, ideal_result=ideal_res,
               baseline_mapping=bm, baseline_result=bres, baseline_evaluation=bev, aging=aged, timing=timings,
               started=t0)
