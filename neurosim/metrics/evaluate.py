""":func:`evaluate`: lifetime, energy, latency, timing fidelity and accuracy of one simulated run."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .accuracy import inferences_in_run, run_accuracy
from .energy import energy_report
from .lifetime import CrossbarLifetime, absolute_lifetime, crossbar_lifetimes
from .timing import compare_to_ideal, cycles_per_tick_stats, histogram_stats

__all__ = ["evaluate", "Evaluation", "ratio"]


def ratio(a: float, b: float) -> Optional[float]:
    """``a / b`` for lifetimes that may be unbounded: inf/inf → None (both unbounded), x/inf → 0,
    inf/x → inf."""
    a, b = float(a), float(b)
    if np.isinf(a) and np.isinf(b):
        return None
    if b == 0:
        return float("inf") if a > 0 else None
    return a / b


@dataclass
class Evaluation:
    """Everything :func:`evaluate` measured. ``to_dict()`` gives the JSON-able part (results.json);
    ``flat()`` one flat dict of scalars (sweep points); ``crossbars`` keeps the per-cell maps."""

    hw_name: str
    workload_name: str
    strategy: str
    run: dict
    lifetime: dict
    energy: dict
    latency: dict
    crossbar_table: list
    timing: Optional[dict] = None
    accuracy: Optional[dict] = None
    baseline: Optional[dict] = None
    crossbars: list = field(default_factory=list, repr=False)   # CrossbarLifetime per used crossbar
    extra: dict = field(default_factory=dict)

    @property
    def write_lifetime_inferences(self) -> float:
        return self.lifetime["write"]["chip"]["inferences"]

    @property
    def read_lifetime_inferences(self) -> float:
        return self.lifetime["read"]["chip"]["inferences"]

    def to_dict(self) -> dict:
        out = {
            "hw": self.hw_name, "workload": self.workload_name, "strategy": self.strategy,
            "run": self.run, "lifetime": self.lifetime, "energy": self.energy, "latency": self.latency,
            "timing": self.timing, "accuracy": self.accuracy, "crossbars": self.crossbar_table,
        }
        if self.baseline is not None:
            out["baseline"] = self.baseline
        return out

    def flat(self) -> dict:
        """Scalars only, for sweep stores and CSV rows: the fields of :mod:`neurosim.metrics.fields`."""
        from .fields import flat_evaluation
        return flat_evaluation(self)


def _baseline_lifetimes(baseline, hw, workload) -> Optional[dict]:
    """Chip write/read lifetimes (inferences) of a baseline: an Evaluation, a SimResult, or a
    ``(SimResult, Mapping)`` pair evaluated on the same chip and workload."""
    if baseline is None:
        return None
    if isinstance(baseline, Evaluation):
        ev = baseline
    else:
        if isinstance(baseline, tuple):
            bres, bmap = baseline
        else:
            bres, bmap = baseline, None
        ev = evaluate(bres, hw, bmap, workload=workload, maps=False)
    return {"strategy": ev.strategy, "write_inferences": ev.write_lifetime_inferences,
            "read_inferences": ev.read_lifetime_inferences,
            "energy_per_inference_pj": ev.energy["per_inference_pj"]["total"],
            "packet_latency_mean_cycles": ev.latency["packet_latency_cycles"]["mean"]}


def _latency(res, hw) -> dict:
    """Tick, traffic and packet-latency statistics; under ``timing="functional"`` (no timing model,
    docs/engine.md §8) the same keys with ``None`` values, so reports print "—" rather than numbers
    the run did not model."""
    util = {"link_utilisation_max": float(np.max(res.link_utilisation)) if np.size(res.link_utilisation) else 0.0,
            "link_utilisation_mean": float(np.mean(res.link_utilisation)) if np.size(res.link_utilisation) else 0.0}
    if getattr(res, "timing", "cycle") == "functional":
        tick_none = dict.fromkeys(("ticks", "mean", "max", "min", "p50", "p95", "max_over_budget"))
        return {"timing": "functional", "tick_budget_cycles": int(hw.tick_period_cycles),
                "cycles_per_tick": cycles_per_tick_stats(res.cycles_per_tick, hw.tick_period_cycles),
                "busy_cycles_per_tick": tick_none, "overruns": None,
                "packet_latency_cycles": dict.fromkeys(("count", "mean", "min", "max", "p50", "p95", "p99", "overflow")),
                "packet_latency_histogram": {"cycles": [], "count": [], "last_bin_is_overflow_at": None}, **util}
    busy = np.asarray(res.traffic_end_cycle, np.int64) - np.asarray(res.tick_start_cycle[:-1], np.int64)
    hist = np.asarray(res.packet_latency_hist)
    nz = np.flatnonzero(hist)
    return {
        "timing": "cycle",
        "tick_budget_cycles": int(hw.tick_period_cycles),
        "cycles_per_tick": cycles_per_tick_stats(res.cycles_per_tick, hw.tick_period_cycles),
        "busy_cycles_per_tick": cycles_per_tick_stats(np.maximum(busy, 0), hw.tick_period_cycles),
        "overruns": int(res.overruns),
        "packet_latency_cycles": histogram_stats(hist),
        "packet_latency_histogram": {"cycles": nz.tolist(), "count": hist[nz].tolist(),
                                     "last_bin_is_overflow_at": int(hist.size - 1)},
        **util,
    }


def _steady_write_lifetimes(res, xbars, ticks_per_inf: float) -> dict:
    """Set each crossbar's ``write_lifetime`` (inferences) from the steady-state write rate of the
    run's write history (:mod:`neurosim.metrics.writerate`; the run-average one stays in
    ``write_lifetime_run_average``) and return what the estimate found (``lifetime["write"]["rate"]``)."""
    from .writerate import estimate_write_rate

    hist = getattr(res, "write_history", None)
    recs = list(res.crossbars)
    fit_best = (float("inf"), None, None)
    T = int(res.n_ticks)
    total = sum(int(np.sum(r.cell_writes_sparse)) for r in recs)
    if hist is not None and all(r.writes_history is not None for r in recs):
        sizes = [r.cell_rows.size for r in recs]
        counts = (np.concatenate([r.writes_history for r in recs], axis=1) if recs
                  else np.zeros((hist.cell_ticks.size, 0), np.int64))
        E = np.concatenate([np.asarray(r.cell_endurance, np.float64) for r in recs]) if recs else np.zeros(0)
        est = estimate_write_rate(hist.ticks, hist.chip, hist.cell_ticks, counts, E)
        parts = np.split(est.cell_life_ticks / ticks_per_inf, np.cumsum(sizes)[:-1]) if recs else []
        if est.method in ("run_average", "no_writes"):
            parts = []                     # the run-average maps crossbar_lifetimes computed stand
        offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        if est.cell_life_fit_ticks is not None:        # the fit's extrapolation, over used cells
            for kk, (x, r) in enumerate(zip(xbars, recs)):
                lf = est.cell_life_fit_ticks[offs[kk]:offs[kk + 1]] / ticks_per_inf
                lf = np.where(x.used[r.cell_rows, r.cell_cols], lf, np.inf)
                if lf.size and float(lf.min()) < fit_best[0]:
                    i = int(np.argmin(lf))
                    fit_best = (float(lf[i]), x, (int(r.cell_rows[i]), int(r.cell_cols[i])))
        for kk, (x, r, life) in enumerate(zip(xbars, recs, parts)):
            arr = np.full(x.used.shape, np.inf)
            arr[r.cell_rows, r.cell_cols] = life
            x.write_lifetime = arr
            # cumulative writes at any age under the same model (aging, neurosim.metrics.aging)
            x.extra["write_model"] = est.model.select(slice(int(offs[kk]), int(offs[kk + 1])))
            x.extra["ticks_per_inference"] = float(ticks_per_inf)
        windows = {"start_tick": hist.ticks[:-1].tolist(), "ticks": np.diff(hist.ticks).tolist(),
                   "pulses": np.diff(hist.chip).tolist(), "kind": hist.windows}
    else:
        from .writerate import RateEstimate
        method = "no_writes" if total == 0 else "run_average"
        est = RateEstimate(method, total == 0, np.zeros(0), rate_average=total / max(T, 1), rate_steady=None,
                           onset_tick=None, tail_start_tick=None,
                           note="" if total == 0 else "the engine kept no write history for this run (only runs "
                           "stepped tick by tick keep one: learning with IR drop, read disturb): the run average is reported")
        windows = None
    tpi = float(ticks_per_inf)
    per_inf = lambda v: None if v is None else float(v) * tpi  # noqa: E731
    to_inf = lambda v: None if v is None else float(v) / tpi   # noqa: E731
    first = None
    if windows and windows["ticks"]:
        first = windows["pulses"][0] / max(windows["ticks"][0], 1) * tpi
    return {
        "method": est.method, "steady": bool(est.steady), "note": est.note,
        "run_average_per_inference": per_inf(est.rate_average), "steady_per_inference": per_inf(est.rate_steady),
        "first_window_per_inference": first,
        "onset_inferences": to_inf(est.onset_tick), "tail_start_inferences": to_inf(est.tail_start_tick),
        "fit": None if est.fit is None else {**est.fit.to_dict(), "onset_tick": est.fit.onset(0.1)},
        "fits": {k: (None if f is None else f.to_dict()) for k, f in est.fits.items()},
        "ticks_per_inference": tpi, "windows": windows,
        "fit_extrapolated": None if est.cell_life_fit_ticks is None else {
            "inferences": fit_best[0], "limiting_crossbar": None if fit_best[1] is None else fit_best[1].crossbar,
            "limiting_cell": None if fit_best[1] is None else list(fit_best[1].cell(fit_best[2])),
            "definition": "cells' cumulative writes extrapolated along the fitted decay (each cell's share of the "
                          "chip's writes over the last third of the run) until they reach the endurance"},
    }


def evaluate(res, hw, mapping=None, *, baseline=None, ideal=None, workload=None, maps: bool = True) -> Evaluation:
    """Lifetime, energy and latency of a simulated run (docs/design.md#lifetimes, docs/references.md#timing-metrics).

    Parameters
    ----------
    res : SimResult
        What :func:`neurosim.simulate` returned for ``workload`` on ``hw`` placed by ``mapping``.
    hw : HardwareConfig
        The chip of the run.
    mapping : Mapping, optional
        The mapping of the run (marks which cells hold synapses; without it every cell of each used
        block counts).
    baseline : Evaluation | SimResult | (SimResult, Mapping), optional
        A baseline mapping's run on the same chip and workload: lifetimes are also reported as ratios.
    ideal : SimResult, optional
        The same workload on the ``ideal`` chip: ISI distortion, spike disorder and spike-train
        fidelity are measured against it.
    workload : Workload, optional
        Needed for accuracy and to count inferences (sample windows); without it the whole run is
        one inference.
    maps : bool
        Keep full-crossbar endurance maps for plotting (off in sweeps).

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import neurosim as ns                                                   # doctest: +SKIP
    >>> ev = ns.evaluate(res, hw, m, workload=wl, ideal=res_ideal)               # doctest: +SKIP
    >>> ev.lifetime["write"]["chip"]["years"], ev.energy["per_inference_pj"]["total"]  # doctest: +SKIP
    """
    T = int(res.n_ticks)
    inferences, ticks_per_inf, unit = inferences_in_run(workload, T)
    run_seconds = float(res.latency_s) if res.latency_s > 0 else T * hw.tick_period_s
    inf_per_s = inferences / run_seconds
    xbars = crossbar_lifetimes(res, hw, mapping, inferences=inferences, run_seconds=run_seconds, maps=maps)
    absolute = dict(inferences_per_s=inf_per_s, ticks_per_inference=ticks_per_inf, clock_hz=hw.clock_hz)
    write_rate = _steady_write_lifetimes(res, xbars, ticks_per_inf)

    table = []
    lifetime: dict = {}
    for kind in ("write", "read"):
        best = (float("inf"), None, None)
        for x in xbars:
            life, idx = x.min_write if kind == "write" else x.min_read
            if life < best[0]:
                best = (life, x, idx)
        chip = absolute_lifetime(best[0], **absolute)
        lim = best[1]
        lifetime[kind] = {
            "chip": chip,
            "limiting_crossbar": None if lim is None else lim.crossbar,
            "limiting_cell": None if lim is None else list(lim.cell(best[2])),
            "bounded": bool(np.isfinite(best[0])),
        }
    best = (float("inf"), None, None)
    for x in xbars:
        life, idx = x.min_write_run_average
        if life < best[0]:
            best = (life, x, idx)
    lifetime["write"]["run_average"] = {
        "chip": absolute_lifetime(best[0], **absolute),
        "limiting_crossbar": None if best[1] is None else best[1].crossbar,
        "limiting_cell": None if best[1] is None else list(best[1].cell(best[2])),
    }
    fx = write_rate.get("fit_extrapolated")
    if fx is not None:
        fx.update(absolute_lifetime(fx["inferences"], **absolute))
    lifetime["write"]["rate"] = write_rate
    lifetime["write"]["definition"] = ("min over used cells of the inferences until the cell's cumulative writes reach "
                                       "its write endurance, at its steady-state write rate (rate.method)")
    lifetime["write"]["run_average"]["definition"] = ("min over used cells of write endurance / the run's average "
                                                      "writes per inference (as if steady from tick 0)")
    if write_rate["note"] and lifetime["write"]["bounded"]:
        import warnings
        from .writerate import WriteRateWarning
        warnings.warn(f"write lifetime of {hw.name}: {write_rate['note']}", WriteRateWarning, stacklevel=2)
    lifetime["read"]["definition"] = "min over used cells of read endurance N_RD / reads per inference"
    for x in xbars:
        wl_, wi = x.min_write
        rl_, ri = x.min_read
        used = x.used
        table.append({
            "crossbar": x.crossbar, "tile": x.tile,
            "rows_used": int(np.count_nonzero(used.any(axis=1))), "cells_used": int(np.count_nonzero(used)),
            "write_lifetime_inferences": wl_, "write_lifetime_seconds": absolute_lifetime(wl_, **absolute)["seconds"],
            "write_lifetime_run_average_inferences": x.min_write_run_average[0],
            "read_lifetime_inferences": rl_, "read_lifetime_seconds": absolute_lifetime(rl_, **absolute)["seconds"],
            "writes_per_inference_max": float(x.writes_per_inference[used].max()) if used.any() else 0.0,
            "reads_per_inference_max": float(x.reads_per_inference[used].max()) if used.any() else 0.0,
            "write_endurance_min": float(x.write_endurance[used].min()) if used.any() else float("inf"),
            "read_endurance_min": float(x.read_endurance[used].min()) if used.any() else float("inf"),
            "failed_cells": x.failed_cells,
            "write_limiting_cell": None if wi is None else list(x.cell(wi)),
            "read_limiting_cell": None if ri is None else list(x.cell(ri)),
        })

    base = _baseline_lifetimes(baseline, hw, workload)
    if base is not None:
        lifetime["write"]["relative_to_baseline"] = ratio(lifetime["write"]["chip"]["inferences"], base["write_inferences"])
        lifetime["read"]["relative_to_baseline"] = ratio(lifetime["read"]["chip"]["inferences"], base["read_inferences"])
        base["write"] = absolute_lifetime(base["write_inferences"], **absolute)
        base["read"] = absolute_lifetime(base["read_inferences"], **absolute)

    energy = energy_report(res.energy_pj, inferences=inferences, run_seconds=run_seconds, counts=res.counts)
    energy["leakage_gating"] = hw.leakage.gating
    energy["tiles"] = int(hw.n_tiles)
    latency = _latency(res, hw)
    timing = None
    if ideal is not None and res.timing == "cycle" and ideal.timing == "cycle":
        ideal_clock = round(ideal.total_cycles / ideal.latency_s) if ideal.latency_s > 0 else hw.clock_hz
        timing = compare_to_ideal(res.spikes, hw.clock_hz, ideal.spikes, ideal_clock)
    acc = run_accuracy(workload, res.spikes, T)
    if acc is not None and ideal is not None:
        ia = run_accuracy(workload, ideal.spikes, T)
        acc["ideal_accuracy"] = None if ia is None else ia["accuracy"]
    if acc is not None and workload is not None and "accuracy" in workload.metadata:
        acc["reference_accuracy"] = workload.metadata.get("accuracy")
    used_tiles = sorted({x.tile for x in xbars})
    run = {
        "ticks": T, "total_cycles": int(res.total_cycles), "seconds": run_seconds,
        "inferences": inferences, "inference_unit": unit, "ticks_per_inference": ticks_per_inf,
        "inferences_per_s": inf_per_s, "spikes": int(res.n_spikes), "crossbars_used": len(xbars),
        "tiles_used": len(used_tiles), "counts": {k: int(v) for k, v in res.counts.items()},
    }
    strategy = getattr(mapping, "strategy", "unknown") if mapping is not None else "unknown"
    return Evaluation(hw_name=hw.name, workload_name=getattr(res, "workload_name", "") or getattr(workload, "name", ""),
                      strategy=strategy, run=run, lifetime=lifetime, energy=energy, latency=latency,
                      crossbar_table=table, timing=timing, accuracy=acc, baseline=base, crossbars=xbars,
                      extra={"records": list(res.crossbars)})
