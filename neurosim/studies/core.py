"""The study driver: plan (studies/<name>.yaml) → points → resumable run → tables → outputs.

``run_study_plan(name, quick=..., out=..., store=..., workers=...)`` is what ``neurosim study NAME``
calls. A plan names a chip, mapping strategies, workloads (shipped traces, or a shipped generator run
at a size that fits the chip), the workload transform (``plastic``: :func:`make_plastic`), the
sensitivity sweeps (hardware overrides) and, for the read study, the aging runs. Every
(workload, mapping, hardware variant, seed) is one point of the sweep store (:mod:`.runner`).
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import yaml

__all__ = ["STUDIES", "load_plan", "run_study_plan", "StudyResult", "study_workload_path", "geomean"]

ROOT = Path(__file__).resolve().parents[2]
#: study name -> plan file (studies/ at the repository root)
STUDIES = {"espine": "espine.yaml", "read-endurance": "read_endurance.yaml"}
POINT_FUNCTION = "neurosim.studies.points:study_point"


def plan_path(name: str) -> Path:
    if name not in STUDIES:
        raise ValueError(f"unknown study {name!r}; choose one of {sorted(STUDIES)}")
    return ROOT / "studies" / STUDIES[name]


def load_plan(name: str, quick: bool = False) -> dict:
    """The plan of study ``name`` (``quick``: with its ``quick:`` section applied)."""
    plan = yaml.safe_load(plan_path(name).read_text(encoding="utf-8"))
    q = plan.pop("quick", {}) or {}
    plan["quick"] = bool(quick)
    if not quick:
        return plan
    if "workloads" in q:
        plan["workloads"] = q["workloads"]
    if "seeds" in q:
        plan["seeds"] = q["seeds"]
    for part in plan.get("sensitivity", []):
        sub = (q.get("sensitivity") or {}).get(part["name"])
        if sub is None:
            continue
        if "variants" in sub:
            part["variants"] = [part["variants"][i] for i in sub["variants"]]
        for k in ("workloads", "ticks", "strategies"):
            if k in sub:
                part[k] = sub[k]
    if "aging" in plan and "aging" in q:
        plan["aging"].update(q["aging"])
    return plan


def geomean(values) -> Optional[float]:
    v = [float(x) for x in values if x is not None and math.isfinite(float(x)) and float(x) > 0]
    return float(np.exp(np.mean(np.log(v)))) if v else None


def amean(values) -> Optional[float]:
    v = [float(x) for x in values if x is not None and math.isfinite(float(x))]
    return float(np.mean(v)) if v else None


def study_workload_path(spec: dict, cache_dir: Path) -> str:
    """A trace directory for a plan workload: the shipped trace, or the generator's output saved
    once under ``cache_dir`` (named by a hash of generator and parameters)."""
    if "trace" in spec:
        p = ROOT / "traces" / spec["trace"]
        if not p.exists():
            p = Path(spec["trace"])
        if not p.exists():
            raise ValueError(f"workload {spec['name']!r}: no trace {spec['trace']!r}")
        return str(p.resolve())
    from ..workload.io import save_workload
    from ..workload.library import GENERATORS
    gen, params = spec["generator"], dict(spec.get("params") or {})
    tag = hashlib.sha256(json.dumps([gen, params], sort_keys=True).encode()).hexdigest()[:12]
    path = Path(cache_dir) / f"{spec['name']}-{tag}"
    if not path.exists():
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        wl = GENERATORS[gen](**kw)
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        try:
            save_workload(wl, path, generator={"name": gen, "params": params})
        except Exception:
            if not path.exists():
                raise
    return str(path.resolve())


def _options(plan: dict, **extra) -> dict:
    opts = {}
    if plan.get("plastic"):
        opts["plastic"] = dict(plan["plastic"])
    opts.update({k: v for k, v in extra.items() if v is not None})
    return opts


def plan_seeds(plan: dict) -> list[int]:
    """The seeds every (workload, mapping, variant) runs with: ``seeds:`` of the plan, else ``[seed]``.
    A seed drives the mapping's random choices (partitioning, swarm placement) and the chip's draws."""
    seeds = plan.get("seeds")
    if seeds is None:
        return [int(plan.get("seed", 0))]
    if isinstance(seeds, int) or not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"study {plan.get('name')!r}: seeds must be a non-empty list of distinct integers, got {seeds!r}")
    return [int(x) for x in seeds]


def _point(plan, wpath, strategy, ticks, overrides=None, seed=None, **opts) -> dict:
    return {"hwconfig": plan["hwconfig"], "overrides": dict(overrides or {}), "workload": wpath,
            "strategy": strategy, "seed": int(plan.get("seed", 0)) if seed is None else int(seed), "ticks": ticks,
            "function": POINT_FUNCTION, "options": _options(plan, **opts)}


@dataclass
class StudyResult:
    """What a study computed: the plan, the tables (lists of row dicts) and every point."""

    name: str
    plan: dict
    tables: dict = field(default_factory=dict)
    averages: dict = field(default_factory=dict)
    maps: dict = field(default_factory=dict)
    points: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    timing: dict = field(default_factory=dict)


def _num(v):
    if v is None:
        return None
    if isinstance(v, str):
        return float(v) if v in ("inf", "-inf", "nan") else v
    return v


def _ratio(a, b):
    a, b = _num(a), _num(b)
    if a is None or b is None:
        return None
    a, b = float(a), float(b)
    if math.isinf(a) and math.isinf(b):
        return None
    if b == 0:
        return None
    return a / b


def _fits_message(msg: str) -> bool:
    return "too large for chip" in msg or "fan-in" in msg


def run_study_plan(name: str, *, quick: bool = False, store=None, workers: int = 1, progress=None,
                   log=print) -> StudyResult:
    """Run (or resume) every point of study ``name`` and build its tables."""
    from .runner import key_of, run_points

    t_start = time.perf_counter()
    plan = load_plan(name, quick)
    store = Path(store) if store is not None else Path.cwd() / "neurosim-studies.db"
    cache = store.with_name(store.stem + "-traces")
    kind = plan["kind"]
    wpaths = {}
    for spec in plan["workloads"]:
        wpaths[spec["name"]] = (study_workload_path(spec, cache), spec)
    seeds = plan_seeds(plan)
    points = []          # (part, meta, params)
    for wname, (wpath, spec) in wpaths.items():
        for s in plan["strategies"]:
            for sd in seeds:
                # the endurance maps are kept for the first seed only
                points.append(("main", {"workload": wname, "strategy": s, "variant": None, "seed": sd},
                               _point(plan, wpath, s, spec.get("ticks"), seed=sd, maps=sd == seeds[0] or None)))
    for part in plan.get("sensitivity", []):
        for wname in part["workloads"]:
            wpath, spec = wpaths.get(wname) or (study_workload_path({"name": wname, "trace": wname}, cache), {})
            ticks = (part.get("ticks") or {}).get(wname, spec.get("ticks"))
            for vi, ov in enumerate(part["variants"]):
                for s in part["strategies"]:
                    for sd in seeds:
                        points.append((part["name"], {"workload": wname, "strategy": s, "variant": vi,
                                                      "x": ov[part["axis"]], "seed": sd},
                                       _point(plan, wpath, s, ticks, ov, seed=sd)))
    ag = plan.get("aging")
    if ag:
        wpath = study_workload_path({"name": ag["workload"], "trace": ag["workload"]}, cache)
        for vi, var in enumerate(ag["variants"]):
            for s in ag["strategies"]:
                points.append(("aging", {"workload": ag["workload"], "strategy": s, "variant": vi,
                                         "label": var["label"], "seed": seeds[0]},
                               _point(plan, wpath, s, ag.get("ticks"), var["overrides"], seed=seeds[0],
                                      ages_rel=list(ag["ages_rel"]))))
    log(f"neurosim study {name}{' --quick' if quick else ''}: {len(points)} points "
        f"({len({key_of(p) for _, _, p in points})} distinct), store {store}")
    results, failures = run_points([p for _, _, p in points], store, sweep=f"study:{name}", workers=workers,
                                   progress=progress, desc=f"study {name}")
    keyed = [(part, meta, params, key_of(params)) for part, meta, params in points]
    unexpected = {k: m for k, m in failures.items() if not _fits_message(m)}
    if unexpected:
        raise RuntimeError(f"{len(unexpected)} point(s) of study {name} failed (recorded in {store}):\n  "
                           + "\n  ".join(sorted(set(unexpected.values()))))
    out = StudyResult(name=name, plan=plan)
    out.failures = [{"part": part, **meta, "error": failures[k]} for part, meta, _, k in keyed if k in failures]
    _tables(out, keyed, results, failures, kind)
    out.timing = {"wall_s": time.perf_counter() - t_start,
                  "points_s": float(sum(float(r.get("time.total_s", 0.0)) for r in results.values())),
                  "workers": int(workers)}
    return out


LIFE = {"write": "write_lifetime", "read": "read_lifetime"}

#: per-seed quantities averaged geometrically (lifetimes span decades) or arithmetically
_GEO = ("lifetime_inferences", "lifetime_years", "lifetime_seconds", "predicted_cell_lifetime_neuron_order",
        "predicted_cell_lifetime_placed")
_ARITH = ("energy_per_inference_pj", "energy_dynamic_per_inference_pj", "energy_static_per_inference_pj",
          "powered_tiles", "packet_latency_mean_cycles", "busy_cycles_per_tick_mean", "crossbars_used",
          "tiles_used", "spikes", "inferences_simulated", "write_pulses", "row_reads", "accuracy", "time_s")


def _geo_or_inf(values):
    v = [_num(x) for x in values]
    if any(x is None for x in v):
        return None
    v = [float(x) for x in v]
    if len(v) == 1:
        return v[0]
    if any(math.isinf(x) for x in v):
        return math.inf
    return geomean(v) if all(x > 0 for x in v) else None


def _over_seeds(rows: list) -> list:
    """One row per (workload, variant, strategy): lifetimes are the geometric mean over the seeds,
    energies, latencies and counts the arithmetic mean; ``seeds`` lists the seeds, and
    ``lifetime_inferences_per_seed`` / ``_min`` / ``_max`` keep the spread. A group fits only if
    every seed fits."""
    groups = {}
    for r in rows:
        groups.setdefault((r["workload"], r.get("variant"), r["strategy"]), []).append(r)
    out = []
    for grp in groups.values():
        row = {k: v for k, v in grp[0].items() if k != "seed"}
        row["seeds"] = [r.get("seed") for r in grp]
        row["fits"] = all(r["fits"] for r in grp)
        if not row["fits"]:
            row["note"] = next((r.get("note") for r in grp if not r["fits"]), "missing")
            row["lifetime_inferences_per_seed"] = []
            out.append(row)
            continue
        for key in _GEO:
            row[key] = _geo_or_inf(r.get(key) for r in grp)
        for key in _ARITH:
            vals = [r.get(key) for r in grp]
            row[key] = None if any(v is None for v in vals) else (vals[0] if len(vals) == 1 else float(np.mean(vals)))
        per = [_num(r.get("lifetime_inferences")) for r in grp]
        row["lifetime_inferences_per_seed"] = per
        row["lifetime_inferences_min"] = min(per) if None not in per else None
        row["lifetime_inferences_max"] = max(per) if None not in per else None
        # the mapper's own prediction of its cell placement's gain: its objective after / before
        before, after = row.get("predicted_cell_lifetime_neuron_order"), row.get("predicted_cell_lifetime_placed")
        row["predicted_gain"] = (_ratio(after, before) if before not in (None, 0) and after is not None else None)
        if grp[0]["part"] == "aging":
            row["ages"] = grp[0].get("ages")
        out.append(row)
    return out


def _tables(out: StudyResult, keyed, results, failures, kind):
    plan = out.plan
    base, improved = plan["normalise_to"], plan["improved"]
    lk = LIFE[kind]
    main = {}
    for part, meta, params, k in keyed:
        r = results.get(k)
        row = {"part": part, **{m: v for m, v in meta.items()}, "ticks": params["ticks"],
               "overrides": params["overrides"], "fits": r is not None}
        if r is None:
            row["note"] = failures.get(k, "missing")
        else:
            row.update({
                "lifetime_inferences": _num(r[f"{lk}_inferences"]), "lifetime_years": _num(r[f"{lk}_years"]),
                "lifetime_seconds": _num(r[f"{lk}_seconds"]),
                "energy_per_inference_pj": r["energy_per_inference_pj"],
                "energy_dynamic_per_inference_pj": r.get("energy_dynamic_per_inference_pj"),
                "energy_static_per_inference_pj": r.get("energy_static_per_inference_pj"),
                "powered_tiles": r.get("powered_tiles"),
                "packet_latency_mean_cycles": r["packet_latency_mean_cycles"],
                "busy_cycles_per_tick_mean": r["busy_cycles_per_tick_mean"],
                "crossbars_used": r["crossbars_used"], "tiles_used": r["tiles_used"],
                "spikes": r["spikes"], "inferences_simulated": r["inferences"],
                "write_pulses": r.get("counts.write_pulses"), "row_reads": r.get("counts.row_reads"),
                "accuracy": r.get("accuracy"), "plastic_synapses": r.get("plastic_synapses"),
                "synapses": r.get("synapses"),
                "predicted_cell_lifetime_neuron_order": r.get("map.cell_lifetime_neuron_order"),
                "predicted_cell_lifetime_placed": r.get("map.cell_lifetime_placed"),
                "time_s": r.get("time.total_s"),
            })
            if part == "aging":
                row["ages"] = [{k2.split(".", 2)[2]: v for k2, v in r.items() if k2.startswith(f"aging.{i}.")}
                               for i in range(int(r.get("aging.n", 0)))]
            if part == "main" and "maps.endurance" in r:
                out.maps[(meta["workload"], meta["strategy"])] = {k2[5:]: v for k2, v in r.items() if k2.startswith("maps.")}
        out.points.append({"part": part, **meta, "params": params, "key": k,
                           "result": None if r is None else {k2: v for k2, v in r.items() if not k2.startswith("maps.")}})
        main.setdefault(part, []).append(row)
    main = {part: _over_seeds(rows) for part, rows in main.items()}
    # normalise to the baseline strategy at the same workload and hardware variant
    for part, rows in main.items():
        idx = {(r["workload"], r.get("variant"), r["strategy"]): r for r in rows}
        for r in rows:
            b = idx.get((r["workload"], r.get("variant"), base))
            ok = r["fits"] and b is not None and b["fits"]
            r["lifetime_norm"] = _ratio(r.get("lifetime_inferences"), b.get("lifetime_inferences")) if ok else None
            r["energy_overhead"] = (_ratio(r["energy_per_inference_pj"], b["energy_per_inference_pj"]) - 1.0) if ok else None
            r["dynamic_energy_overhead"] = (_ratio(r["energy_dynamic_per_inference_pj"],
                                                   b["energy_dynamic_per_inference_pj"]) - 1.0
                                            if ok and b.get("energy_dynamic_per_inference_pj") else None)
            r["latency_overhead"] = (_ratio(r["packet_latency_mean_cycles"], b["packet_latency_mean_cycles"]) - 1.0
                                     if ok and b["packet_latency_mean_cycles"] else None)
            # the same ratio seed by seed (mapping seed s against baseline seed s)
            per = ([_ratio(a, c) for a, c in zip(r["lifetime_inferences_per_seed"], b["lifetime_inferences_per_seed"])]
                   if ok else [])
            per = [x for x in per if x is not None]
            r["lifetime_norm_per_seed"] = per
            r["lifetime_norm_seed_min"] = min(per) if per else None
            r["lifetime_norm_seed_max"] = max(per) if per else None
    out.tables = main
    rows = main.get("main", [])
    avg = {}
    for s in plan["strategies"]:
        sel = [r for r in rows if r["strategy"] == s and r.get("lifetime_norm") is not None]
        avg[s] = {"workloads": len(sel),
                  "lifetime_norm_arithmetic_mean": amean(r["lifetime_norm"] for r in sel),
                  "lifetime_norm_geometric_mean": geomean(r["lifetime_norm"] for r in sel),
                  "lifetime_norm_min": min((r["lifetime_norm"] for r in sel), default=None),
                  "lifetime_norm_max": max((r["lifetime_norm"] for r in sel), default=None),
                  "energy_overhead_mean": amean(r["energy_overhead"] for r in sel),
                  "dynamic_energy_overhead_mean": amean(r["dynamic_energy_overhead"] for r in sel
                                                        if r["dynamic_energy_overhead"] is not None),
                  "latency_overhead_mean": amean(r["latency_overhead"] for r in sel),
                  "does_not_fit": [r["workload"] for r in rows if r["strategy"] == s and not r["fits"]]}
    out.averages = avg
