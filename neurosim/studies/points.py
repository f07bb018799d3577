"""The point function of the studies: ``neurosim.studies.points:study_point``.

Like :func:`neurosim.sweep.study.run_point` (map → simulate → evaluate → flat dict, same keys), plus:

``options``
    ``plastic: {eta, ratio, tau}`` — apply :func:`neurosim.studies.make_plastic` to the workload
    first (on-chip learning on every workload; ``null``/absent: as shipped);
    ``maps: true`` — also return the per-cell maps of the crossbar that limits the chip lifetime
    (``maps.*``: endurance, uses per inference and the cells holding synapses, as nested lists);
    ``ages_rel: [..]`` — age the chip to these multiples of its own inference (read) lifetime and
    report accuracy / energy / latency / drift at each (``aging.<i>.*``, ``aging.n``);
    ``mapping_options: {..}`` — passed to :func:`neurosim.map_workload`.

Extra result keys: ``write_lifetime_inferences`` etc. as in sweeps, the mapping's predicted metrics
(``map.*``: crossbars, inter-tile spikes, hop traffic, cell-placement objective before/after), the
engine's write and read counts (``counts.*``); the stage times go to the store's timing column
(:data:`neurosim.sweep.runner.TIMING_KEY`), apart from the result.
"""
from __future__ import annotations

import time

import numpy as np

__all__ = ["study_point", "load_study_workload"]

#: The options :func:`study_point` takes (sweep specs are checked against them before any point runs).
OPTIONS = ("plastic", "maps", "ages_rel", "mapping_options", "kind")


def load_study_workload(path: str, plastic=None):
    """Load a trace and apply the study's transform (``plastic``: make_plastic kwargs or None)."""
    from ..workload import load_workload
    from .plastic import make_plastic

    wl = load_workload(path)
    if plastic is not None:
        wl = make_plastic(wl, **dict(plastic))
    return wl


def _round_list(a, digits=4):
    a = np.asarray(a, dtype=np.float64)
    out = np.where(np.isfinite(a), a, -1.0)
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"))(out).tolist() if a.size else []


def _maps(ev, hw, kind: str) -> dict:
    """Per-cell maps of the crossbar limiting the chip lifetime of ``kind`` (write/read)."""
    best = None
    for cb in ev.crossbars:
        life, idx = cb.min_write if kind == "write" else cb.min_read
        if idx is None:
            continue
        if best is None or life < best[0]:
            best = (life, cb, idx)
    if best is None:
        return {}
    life, cb, idx = best
    R, C = cb.shape
    E_full = cb.write_endurance_full if kind == "write" else cb.read_endurance_full
    uses = np.zeros((R, C))
    used = np.zeros((R, C), bool)
    rows_used = cb.used.shape[0]
    src = cb.writes_per_inference if kind == "write" else cb.reads_per_inference
    uses[:rows_used][:, cb.physical_columns] = np.where(cb.used, src, 0.0)
    used[:rows_used][:, cb.physical_columns] = cb.used
    return {
        "maps.kind": kind,
        "maps.crossbar": int(cb.crossbar),
        "maps.limiting_cell": list(cb.cell(idx)),
        "maps.lifetime_inferences": float(life),
        "maps.endurance": _round_list(E_full),
        "maps.uses_per_inference": _round_list(uses),
        "maps.used": used.astype(np.int8).tolist(),
    }


def study_point(params: dict) -> dict:
    """Evaluate one study point; returns a flat dict (module docstring)."""
    from ..experiment import run_experiment
    from ..metrics.fields import flat_result

    opts = dict(params.get("options") or {})
    unknown = set(opts) - set(OPTIONS)
    if unknown:
        raise ValueError(f"options: unknown key(s) {sorted(unknown)}; expected {sorted(OPTIONS)}")
    want_maps = bool(opts.get("maps"))
    run = run_experiment(params["hwconfig"], lambda: load_study_workload(params["workload"], opts.get("plastic")),
                         params["strategy"], overrides=params.get("overrides"), seed=int(params.get("seed", 0)),
                         ticks=params.get("ticks"), clamp_ticks=True, maps=want_maps,
                         aging={"relative": list(opts["ages_rel"])} if opts.get("ages_rel") else None,
                         mapping_options=opts.get("mapping_options"), fits_stage="run")
    out = flat_result(run)
    if want_maps:
        kind = opts.get("kind") or ("write" if run.hw.learning.enabled else "read")
        out.update(_maps(run.evaluation, run.hw, kind))
    # wall-clock times are kept apart from the result (a pure function of the point's parameters)
    from ..sweep.runner import TIMING_KEY
    out[TIMING_KEY] = {**run.timing, "total_s": time.perf_counter() - run.started}
    return out
