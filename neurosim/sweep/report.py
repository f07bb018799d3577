"""The endurance sweep report (``neurosim report SWEEP.db``).

From a sweep result store (points computed by :func:`neurosim.sweep.study.run_point`) it draws, per
sweep in the store:

* lifetime against every varied chip parameter (crossbar size, wire resistance, read voltage,
  temperature, or any other overridden key), one line per mapping strategy (and per value of the
  other varied keys), absolute and — when the spec names a ``baseline`` strategy — relative to it;
* Pareto fronts of lifetime (higher is better), energy per inference and spike latency (lower is
  better): the three pairwise projections with each strategy's 2-D front, and the points that are
  non-dominated in all three objectives at once;

and writes ``points.csv`` (every point, flat), ``pareto.csv`` (the 3-objective front),
``lifetime_by_<axis>.csv`` (one per varied key), every figure as a PNG under ``figures/``, and one
self-contained ``report.html``. Seeds are averaged (lifetimes: geometric mean) per design point.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..report.tables import write_csv

__all__ = ["load_points", "pareto_mask", "render_sweep_report", "write_sweep_report", "SweepReportError",
           "AXIS_LABELS"]

AXIS_LABELS = {
    "tile.crossbar_rows": "crossbar rows",
    "tile.crossbar_columns": "crossbar columns",
    "crossbar.wire_resistance_row_ohm": "word-line resistance per cell (Ω)",
    "crossbar.wire_resistance_col_ohm": "bit-line resistance per cell (Ω)",
    "crossbar.read_voltage_v": "read voltage (V)",
    "crossbar.program_voltage_v": "programming voltage (V)",
    "device.temperature.ambient_k": "temperature (K)",
}

OBJECTIVES = [  # key, label, maximise
    ("lifetime_years", "lifetime (years)", True),
    ("energy_per_inference_pj", "energy per inference (pJ)", False),
    ("packet_latency_mean_cycles", "mean spike latency (cycles)", False),
]


class SweepReportError(InputError):
    """The store cannot be reported (missing, empty, not a sweep store, unknown sweep)."""


def _num(v):
    if isinstance(v, str):
        if v in ("inf", "-inf"):
            return float(v)
        if v == "nan":
            return float("nan")
    return v


def load_points(db_path, sweep: str | None = None) -> tuple[dict, dict]:
    """``({sweep name: [flat rows]}, {sweep name: spec dict})`` from a result store. A row merges the
    point's parameters (``strategy``, ``workload``, ``seed``, ``ticks``, every override key) with its
    result; strings "inf"/"nan" become floats."""
    import sqlite3

    from .store import ResultStore, StoreError

    db_path = Path(db_path)
    try:
        store = ResultStore(db_path, readonly=True)
    except StoreError as exc:
        raise SweepReportError(str(exc)) from None
    try:
        with store:
            raw = list(store.rows(sweep))
            specs = {}
            for name in {r["sweep"] for r in raw}:
                specs[name] = _stored_spec(store.meta(f"spec:{name}"))
            failures = store.failures()
            names = sorted({r["sweep"] for r in store.rows()}) if not raw and sweep is not None else []
    except (sqlite3.DatabaseError, ValueError) as exc:
        raise SweepReportError(f"{db_path}: a corrupt result store ({_short(exc)})") from None
    if not raw:
        if sweep is not None:
            known = f" (sweeps in the store: {', '.join(names) or 'none'})"
            raise SweepReportError(f"{db_path}: no finished points of sweep {sweep!r}{known}")
        raise SweepReportError(f"{db_path}: the store holds no finished points"
                               + (f" ({len(failures)} failed; see the failures table)" if failures else ""))
    by_sweep: dict = defaultdict(list)
    for r in raw:
        p, res = r["params"], r["result"]
        if not isinstance(p, dict):
            raise SweepReportError(f"{db_path}: point {r['key'][:16]} of sweep {r['sweep']!r} has malformed "
                                   "parameters (expected a mapping)")
        if not isinstance(res, dict) or "write_lifetime_inferences" not in res:
            raise SweepReportError(
                f"{db_path}: sweep {r['sweep']!r} was not computed by neurosim.sweep.study:run_point "
                f"(function {p.get('function')!r}); its points have no lifetime metrics to report")
        try:
            by_sweep[r["sweep"]].append(_flat_row(r, p, res))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise SweepReportError(f"{db_path}: point {r['key'][:16]} of sweep {r['sweep']!r} is malformed "
                                   f"({type(exc).__name__}: {_short(exc)})") from None
    return dict(by_sweep), specs


def _stored_spec(text) -> dict:
    """The parts of a stored sweep spec the report uses, each of the expected type.

    The text comes from the store, which is data: it is read only up to the YAML size limit, and
    only strings and lists of keys are kept (so that no aliased structure is ever expanded)."""
    import yaml

    from .. import limits

    if not isinstance(text, str) or not text or len(text) > limits.YAML_BYTES.value():
        return {}
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    out: dict = {}
    for key in ("name", "description", "hwconfig", "baseline"):
        if isinstance(data.get(key), str):
            out[key] = data[key][:2000]
    grid = data.get("grid")
    if isinstance(grid, dict):
        out["grid"] = {k: [] for k in grid if isinstance(k, str)}
    points = data.get("points")
    if isinstance(points, list):
        out["points"] = [{k: None for k in pt if isinstance(k, str)} for pt in points if isinstance(pt, dict)]
    zipped = data.get("zip")
    if isinstance(zipped, list):
        out["zip"] = [[k for k in g if isinstance(k, str)] for g in zipped if isinstance(g, list)]
    return out


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."


def _flat_row(r: dict, p: dict, res: dict) -> dict:
    """One flat report row of a stored point (parameters, overrides, result, lifetimes)."""
    row = {"sweep": r["sweep"], "key": r["key"], "strategy": p["strategy"], "workload": Path(p["workload"]).name,
           "seed": p["seed"], "ticks": p["ticks"], "elapsed_s": r["elapsed_s"]}
    for k, v in (p.get("overrides") or {}).items():
        row[k] = v
    for k, v in res.items():
        row.setdefault(k, _num(v))
    w, rd = float(row["write_lifetime_years"]), float(row["read_lifetime_years"])
    row["lifetime_years"] = min(w, rd)
    row["lifetime_limited_by"] = "none" if math.isinf(row["lifetime_years"]) else ("write" if w <= rd else "read")
    return row


def pareto_mask(values: np.ndarray, maximise) -> np.ndarray:
    """Bool mask of the non-dominated rows of ``values`` (n, d); ``maximise[i]`` says whether column i
    is to be maximised. Rows with NaN are never on the front; inf counts as the best (or worst) value.

    >>> pareto_mask(np.array([[1.0, 5.0], [2.0, 4.0], [0.5, 6.0], [1.0, 6.0]]), [True, False]).tolist()
    [False, True, False, True]
    """
    v = np.asarray(values, dtype=np.float64).copy()
    if v.ndim != 2:
        raise ValueError("values: expected an (n, d) array")
    for i, mx in enumerate(maximise):
        if not mx:
            v[:, i] = -v[:, i]
    ok = ~np.isnan(v).any(axis=1)
    front = np.zeros(len(v), bool)
    idx = np.flatnonzero(ok)
    for a in idx:
        others = v[idx]
        dominated = np.any(np.all(others >= v[a], axis=1) & np.any(others > v[a], axis=1))
        front[a] = not dominated
    return front


def _varied_axes(rows: list, spec: dict) -> tuple[list[str], list[str]]:
    """``(all varied keys, plotting axes)``: keys zipped together advance as one axis, plotted against
    the first key of their group."""
    keys = list((spec.get("grid") or {}).keys())
    for pt in spec.get("points") or []:
        for k in pt:
            if k not in keys:
                keys.append(k)
    varied = [k for k in keys if len({json.dumps(r.get(k)) for r in rows}) > 1]
    partner = {}
    for group in spec.get("zip") or []:
        for k in group[1:]:
            partner[k] = group[0]
    axes = [k for k in varied if partner.get(k) not in varied]
    return varied, axes


def _mean_over_seeds(rows: list, group_keys: list) -> list:
    """One row per design point (seeds merged: geometric mean of lifetimes, mean of the rest)."""
    groups: dict = defaultdict(list)
    for r in rows:
        groups[tuple(json.dumps(r.get(k)) for k in group_keys)].append(r)
    out = []
    for _, rs in groups.items():
        m = dict(rs[0])
        m["seeds"] = len(rs)
        for k in ("lifetime_years", "write_lifetime_years", "read_lifetime_years", "energy_per_inference_pj",
                  "energy_dynamic_per_inference_pj", "energy_static_per_inference_pj", "packet_latency_mean_cycles", "accuracy", "lifetime_rel_baseline"):
            vals = [r.get(k) for r in rs if isinstance(r.get(k), (int, float))]
            if not vals:
                continue
            a = np.asarray(vals, dtype=np.float64)
            if "lifetime" in k:
                if np.any(np.isinf(a)):
                    m[k] = float("inf")
                elif np.all(a > 0):
                    m[k] = float(np.exp(np.mean(np.log(a))))
                else:
                    m[k] = float(a.mean())
            else:
                m[k] = float(a.mean())
        out.append(m)
    return out


def _attach_baseline(rows: list, axes: list, baseline: str | None) -> None:
    """``lifetime_rel_baseline`` of every row: its lifetime over the baseline strategy's at the same
    chip parameters, workload and seed (None when the baseline point is missing or both unbounded)."""
    from ..metrics import ratio

    if not baseline:
        return
    ref = {}
    for r in rows:
        if r["strategy"] == baseline:
            ref[(r["workload"], r["seed"], tuple(json.dumps(r.get(k)) for k in axes))] = r["lifetime_years"]
    for r in rows:
        b = ref.get((r["workload"], r["seed"], tuple(json.dumps(r.get(k)) for k in axes)))
        r["lifetime_rel_baseline"] = None if b is None else ratio(r["lifetime_years"], b)


def _axis_numeric(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def render_sweep_report(by_sweep: dict, specs: dict, out: Path, *, db_name: str = "") -> tuple[str, list[str]]:
    """Write the CSV tables and figure PNGs into ``out``; return (report.html text, file names)."""
    from ..report import figures as F
    from ..report.html import esc, figure, fmt, page, table

    files: list[str] = []
    figdir = out / "figures"
    figdir.mkdir(exist_ok=True)
    parts = [f"<h1>neurosim endurance sweep report</h1><p class=\"sub\">{esc(db_name)}: "
             f"{sum(len(v) for v in by_sweep.values())} points in {len(by_sweep)} sweep(s)</p>"]

    def add_fig(png: bytes, name: str, alt: str, caption: str):
        (figdir / name).write_bytes(png)
        files.append(f"figures/{name}")
        parts.append(figure(png, alt, esc(caption)))

    all_rows = []
    for sweep_name in sorted(by_sweep):
        rows = by_sweep[sweep_name]
        spec = specs.get(sweep_name) or {}
        baseline = spec.get("baseline")
        varied, axes = _varied_axes(rows, spec)
        _attach_baseline(rows, varied, baseline)
        all_rows += rows
        slug = _slug(sweep_name)
        parts.append(f"<h2>Sweep <code>{esc(sweep_name)}</code></h2>")
        if spec.get("description"):
            parts.append(f"<p>{esc(spec['description'])}</p>")
        strategies = sorted({r["strategy"] for r in rows})
        workloads = sorted({r["workload"] for r in rows})
        parts.append(f'<p class="note">chip <code>{esc(spec.get("hwconfig", rows[0].get("hw", "")))}</code>; '
                     f"workloads {esc(', '.join(workloads))}; strategies {esc(', '.join(strategies))}"
                     + (f"; baseline <code>{esc(baseline)}</code>" if baseline else "")
                     + f"; varied: {esc(', '.join(varied) or 'nothing')}. Lifetime = min(write, inference lifetime).</p>")
        merged = _mean_over_seeds(rows, ["workload", "strategy"] + varied)
        # ---- lifetime against each varied key
        for axis in axes:
            others = [a for a in axes if a != axis]
            label = AXIS_LABELS.get(axis, axis)
            zipped = [k for g in (spec.get("zip") or []) if g and g[0] == axis for k in g[1:] if k in varied]
            if zipped:
                label += " (= " + ", ".join(AXIS_LABELS.get(k, k) for k in zipped) + ")"
            series: dict = defaultdict(lambda: ([], []))
            rel_series: dict = defaultdict(lambda: ([], []))
            table_rows = []
            for r in merged:
                x = r.get(axis)
                if not isinstance(x, (int, float)):
                    continue
                name = r["strategy"] + ("" if len(workloads) == 1 else f" / {r['workload']}")
                if others:
                    name += " [" + ", ".join(f"{o.split('.')[-1]}={r.get(o)}" for o in others) + "]"
                series[name][0].append(x)
                series[name][1].append(r["lifetime_years"])
                if r.get("lifetime_rel_baseline") is not None:
                    rel_series[name][0].append(x)
                    rel_series[name][1].append(r["lifetime_rel_baseline"])
                table_rows.append({"series": name, axis: x, "lifetime_years": r["lifetime_years"],
                                   "write_lifetime_years": r.get("write_lifetime_years"),
                                   "read_lifetime_years": r.get("read_lifetime_years"),
                                   "lifetime_rel_baseline": r.get("lifetime_rel_baseline"),
                                   "energy_per_inference_pj": r.get("energy_per_inference_pj"),
                                   "energy_dynamic_per_inference_pj": r.get("energy_dynamic_per_inference_pj"),
                                   "packet_latency_mean_cycles": r.get("packet_latency_mean_cycles"),
                                   "accuracy": r.get("accuracy"), "seeds": r.get("seeds")})
            if not series:
                continue
            parts.append(f"<h3>Lifetime against {esc(label)}</h3>")
            xs = [x for s in series.values() for x in s[0]]
            logx = _axis_numeric(xs) and min(xs) > 0 and max(xs) / min(xs) >= 8
            add_fig(F.sweep_lines(dict(series), xlabel=label, ylabel="lifetime (years)", title=f"Lifetime against {label}",
                                  logx=logx), f"{slug}_lifetime_vs_{_slug(axis)}.png", f"lifetime against {label}",
                    f"Chip lifetime (min of write and inference lifetime) against {label}, per mapping strategy.")
            if rel_series:
                add_fig(F.sweep_lines(dict(rel_series), xlabel=label, ylabel=f"lifetime / {baseline}", logy=False,
                                      title=f"Lifetime relative to {baseline}", logx=logx),
                        f"{slug}_relative_vs_{_slug(axis)}.png", f"lifetime relative to baseline against {label}",
                        f"Lifetime of each strategy divided by the baseline ({baseline}) at the same chip parameters.")
            csv_name = f"{slug}_lifetime_by_{_slug(axis)}.csv"
            write_csv(out / csv_name, None, sorted(table_rows, key=lambda t: (t["series"], t[axis])))
            files.append(csv_name)
            parts.append(table(["series", label, "lifetime (years)", "× baseline", "energy/inf. (pJ)",
                                "dynamic energy/inf. (pJ)", "latency (cycles)"],
                               [[esc(t["series"]), fmt(t[axis]), fmt(t["lifetime_years"]), fmt(t["lifetime_rel_baseline"]),
                                 fmt(t["energy_per_inference_pj"]), fmt(t.get("energy_dynamic_per_inference_pj")),
                                 fmt(t["packet_latency_mean_cycles"])]
                                for t in sorted(table_rows, key=lambda t: (t["series"], t[axis]))]))
        # ---- Pareto fronts
        parts.append("<h3>Pareto fronts: lifetime, energy, latency</h3>")
        vals = np.array([[r.get(k) if isinstance(r.get(k), (int, float)) else np.nan for k, _, _ in OBJECTIVES]
                         for r in merged], dtype=np.float64)
        front3 = pareto_mask(vals, [mx for _, _, mx in OBJECTIVES])
        for r, f in zip(merged, front3):
            r["pareto_front"] = bool(f)
        finite_life = vals[:, 0][np.isfinite(vals[:, 0])]
        cap = float(finite_life.max() * 10) if finite_life.size else 1.0
        note = " Unbounded lifetimes are drawn at 10× the longest bounded one." if np.any(np.isinf(vals[:, 0])) else ""
        for (i, j) in ((0, 1), (0, 2), (1, 2)):
            ki, li, mi = OBJECTIVES[i]
            kj, lj, mj = OBJECTIVES[j]
            pts = {}
            for s in strategies:
                sel = [n for n, r in enumerate(merged) if r["strategy"] == s]
                x = vals[sel, i].copy()
                y = vals[sel, j].copy()
                x[np.isinf(x)] = cap if i == 0 else x[np.isinf(x)]
                f2 = pareto_mask(np.column_stack([vals[sel, i], vals[sel, j]]), [mi, mj])
                pts[s] = (x, y, f2)
            add_fig(F.pareto_front_figure(pts, xlabel=li, ylabel=lj, title=f"{li.split(' (')[0]} vs {lj.split(' (')[0]}",
                                          maximise_x=mi, maximise_y=mj),
                    f"{slug}_pareto_{_slug(ki)}_{_slug(kj)}.png", f"Pareto front {li} against {lj}",
                    f"Every design point (seed-averaged), each strategy's non-dominated front joined.{note}")
        front_rows = [r for r in merged if r["pareto_front"]]
        cols = ["strategy", "workload"] + varied + [k for k, _, _ in OBJECTIVES] + ["accuracy", "seeds"]
        write_csv(out / f"{slug}_pareto.csv", cols, front_rows)
        files.append(f"{slug}_pareto.csv")
        parts.append(f'<p class="note">{len(front_rows)} of {len(merged)} design points are non-dominated in all three '
                     f"objectives (lifetime ↑, energy ↓, latency ↓); listed in {esc(slug)}_pareto.csv.</p>")
        parts.append(table(["strategy"] + [AXIS_LABELS.get(a, a) for a in varied] + ["lifetime (years)", "energy/inf. (pJ)",
                                                                                        "dynamic energy/inf. (pJ)",
                                                                                        "latency (cycles)"],
                           [[esc(r["strategy"])] + [fmt(r.get(a)) for a in varied]
                            + [fmt(r["lifetime_years"]), fmt(r["energy_per_inference_pj"]),
                               fmt(r.get("energy_dynamic_per_inference_pj")), fmt(r["packet_latency_mean_cycles"])]
                            for r in front_rows]))
    write_csv(out / "points.csv", None, all_rows)
    files.insert(0, "points.csv")
    from ..report.fields import fields_section
    parts.append(fields_section(all_rows, title="All result fields of the points (points.csv)"))
    parts.append(f'<p class="note">Files: {esc(", ".join(files))}. Keys: docs/sweeps.md.</p>')
    return page("neurosim sweep report", "\n".join(parts)), files


def write_sweep_report(db_path, out=None, *, force: bool = False, sweep: str | None = None) -> Path:
    """Render the sweep report of ``db_path`` into ``out`` (default: ``<db stem>_report`` beside the
    store; never overwritten unless ``force``). Returns the folder."""
    from ..report.results import new_out_dir

    by_sweep, specs = load_points(db_path, sweep)
    db_path = Path(db_path)
    if out is None:
        out = db_path.with_name(db_path.stem + "_report")
    with new_out_dir(out, force=force) as folder:
        text, files = render_sweep_report(by_sweep, specs, folder.path, db_name=db_path.name)
        (folder.path / "report.html").write_text(text, encoding="utf-8")
    return folder.final
