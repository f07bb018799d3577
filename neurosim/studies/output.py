"""Write a study's folder: results.json, CSV tables, PNG figures and a self-contained report.html
(built with :mod:`neurosim.report.html` and the Agg backend of :mod:`neurosim.report.figures`)."""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import __version__
from ..report.figures import _plt, png
from ..report.tables import write_csv

__all__ = ["write_study", "figures"]

TABLE_COLUMNS = ["workload", "strategy", "fits", "ticks", "seeds", "inferences_simulated", "crossbars_used", "tiles_used",
                 "lifetime_inferences", "lifetime_inferences_min", "lifetime_inferences_max", "lifetime_years",
                 "lifetime_norm", "lifetime_norm_seed_min", "lifetime_norm_seed_max", "predicted_gain", "energy_per_inference_pj",
                 "energy_overhead", "energy_dynamic_per_inference_pj", "dynamic_energy_overhead",
                 "energy_static_per_inference_pj", "powered_tiles", "packet_latency_mean_cycles", "latency_overhead", "busy_cycles_per_tick_mean",
                 "spikes", "write_pulses", "row_reads", "accuracy", "predicted_cell_lifetime_neuron_order",
                 "predicted_cell_lifetime_placed", "time_s", "note"]


def _clean(v):
    from ..report.results import jsonable
    return jsonable(v)


def _bars(rows, plan, averages) -> bytes:
    plt = _plt()
    strategies = plan["strategies"]
    wls = list(dict.fromkeys(r["workload"] for r in rows))
    labels = wls + ["mean (arith.)", "mean (geom.)"]
    fig, ax = plt.subplots(figsize=(max(6.5, 0.9 * len(labels)), 3.6))
    width = 0.8 / len(strategies)
    for i, s in enumerate(strategies):
        vals = []
        for w in wls:
            r = next((r for r in rows if r["workload"] == w and r["strategy"] == s), None)
            vals.append(np.nan if r is None or r.get("lifetime_norm") is None else r["lifetime_norm"])
        a = averages.get(s, {})
        vals += [a.get("lifetime_norm_arithmetic_mean") or np.nan, a.get("lifetime_norm_geometric_mean") or np.nan]
        x = np.arange(len(labels)) + (i - (len(strategies) - 1) / 2) * width
        ax.bar(x, vals, width, label=s)
        for xi, v in zip(x, vals):
            if not np.isfinite(v):
                ax.text(xi, 0.02, "n/f", rotation=90, ha="center", va="bottom", fontsize=7, color="0.4")
    ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xticks(np.arange(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"{'write' if plan['kind'] == 'write' else 'inference'} lifetime / {plan['normalise_to']}")
    ax.set_title(f"{plan['hwconfig']}: lifetime normalised to {plan['normalise_to']} (n/f: does not fit the chip)", fontsize=9)
    ax.legend(fontsize=8)
    return png(fig)


def _overheads(rows, plan) -> bytes:
    plt = _plt()
    strategies = plan["strategies"]
    wls = list(dict.fromkeys(r["workload"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.4))
    width = 0.8 / len(strategies)
    for ax, key, title in ((axes[0], "energy_overhead", "total energy per inference (leakage included)"),
                           (axes[1], "dynamic_energy_overhead", "dynamic energy per inference (no leakage)"),
                           (axes[2], "latency_overhead", "mean spike latency")):
        for i, s in enumerate(strategies):
            vals = []
            for w in wls:
                r = next((r for r in rows if r["workload"] == w and r["strategy"] == s), None)
                v = None if r is None else r.get(key)
                vals.append(np.nan if v is None else 100.0 * v)
            ax.bar(np.arange(len(wls)) + (i - (len(strategies) - 1) / 2) * width, vals, width, label=s)
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.set_xticks(np.arange(len(wls)))
        ax.set_xticklabels(wls, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(f"overhead vs {plan['normalise_to']} (%)")
        ax.set_title(title, fontsize=9)
    axes[0].legend(fontsize=8)
    return png(fig)


def _map_panels(maps_by_strategy: dict, workload: str, kind: str) -> bytes:
    plt = _plt()
    n = len(maps_by_strategy)
    fig, axes = plt.subplots(2, n, figsize=(4.6 * n, 7.4), squeeze=False)
    what = "write endurance (cycles)" if kind == "write" else "read endurance N_RD (reads)"
    uses = "writes per inference" if kind == "write" else "reads per inference"
    for c, (s, m) in enumerate(maps_by_strategy.items()):
        E = np.asarray(m["endurance"], float)
        U = np.asarray(m["uses_per_inference"], float)
        used = np.asarray(m["used"], bool)
        E = np.where(E > 0, E, np.nan)
        logE = np.nanmax(E) / np.nanmin(E) > 100
        for r, (arr, label, log) in enumerate(((E, what, logE), (np.where(used, U, np.nan), uses, False))):
            ax = axes[r, c]
            shown = np.log10(arr) if log else arr
            im = ax.imshow(shown, origin="upper", aspect="auto", cmap="viridis" if r == 0 else "magma",
                           interpolation="nearest")
            cb = fig.colorbar(im, ax=ax)
            cb.set_label(("log10 " if log else "") + label, fontsize=8)
            if r == 0 and used.any():
                ax.contour(used.astype(float), levels=[0.5], colors="white", linewidths=0.6)
            cell = m.get("limiting_cell")
            if cell:
                ax.plot(cell[1], cell[0], marker="x", color="red", ms=9, mew=2)
            ax.set_title(f"{s}: crossbar {m.get('crossbar')}, {label}", fontsize=8)
            ax.set_xlabel("physical column (drivers at left)", fontsize=8)
            ax.set_ylabel("row (sense amps at bottom)", fontsize=8)
    fig.suptitle(f"{workload}: the crossbar that limits the chip lifetime (red x: limiting cell; white: cells holding synapses)",
                 fontsize=9)
    return png(fig)


def _sensitivity(rows, part, plan) -> bytes:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    wls = list(dict.fromkeys(r["workload"] for r in rows))
    strategies = list(dict.fromkeys(r["strategy"] for r in rows))
    markers = "osd^v<>"
    for wi, w in enumerate(wls):
        for s in strategies:
            sel = sorted((r for r in rows if r["workload"] == w and r["strategy"] == s and r["fits"]), key=lambda r: r["x"])
            xs = [r["x"] for r in sel]
            ys = [r["lifetime_years"] if r["lifetime_years"] is not None and math.isfinite(r["lifetime_years"]) else np.nan
                  for r in sel]
            axes[0].plot(xs, ys, marker=markers[wi % len(markers)], ls="-" if s == plan["improved"] else "--",
                         label=f"{w} / {s}")
        sel = sorted((r for r in rows if r["workload"] == w and r["strategy"] == plan["improved"] and r["fits"]),
                     key=lambda r: r["x"])
        axes[1].plot([r["x"] for r in sel], [np.nan if r["lifetime_norm"] is None else r["lifetime_norm"] for r in sel],
                     marker=markers[wi % len(markers)], label=w)
    axes[0].set_yscale("log")
    axes[0].set_ylabel(f"chip {'write' if plan['kind'] == 'write' else 'inference'} lifetime (years)")
    axes[1].set_ylabel(f"{plan['improved']} / {plan['normalise_to']}")
    axes[1].axhline(1.0, color="0.3", lw=0.8, ls="--")
    for ax in axes:
        ax.set_xlabel(part["label"])
        if part["axis"] == "tile.crossbar_rows":
            ax.set_xscale("log", base=2)
    axes[0].legend(fontsize=7, ncol=2)
    axes[1].legend(fontsize=7)
    axes[0].set_title(f"lifetime against {part['label']}", fontsize=9)
    axes[1].set_title(f"{plan['improved']} relative to {plan['normalise_to']}", fontsize=9)
    return png(fig)


def _tornado(res, plan) -> bytes | None:
    """One bar per (sensitivity part, workload): the range of the improved mapping's gain over the
    part's variants, the shipped chip's gain marked; widest range on top."""
    from ..config import load_hardware
    shipped = load_hardware(plan["hwconfig"]).model_dump()

    def value(path):
        v = shipped
        for k in path.split("."):
            v = v.get(k) if isinstance(v, dict) else None
        return v

    bars = []
    for part in plan.get("sensitivity", []):
        prow = [r for r in res.tables.get(part["name"], []) if r["strategy"] == plan["improved"] and r["fits"]
                and r.get("lifetime_norm") is not None]
        x0 = value(part["axis"])
        for w in dict.fromkeys(r["workload"] for r in prow):
            sel = [r for r in prow if r["workload"] == w]
            g = [r["lifetime_norm"] for r in sel]
            at = [r["lifetime_norm"] for r in sel if x0 is not None and float(r["x"]) == float(x0)]
            bars.append((f"{part['label']} — {w}", min(g), max(g), at[0] if at else None))
    if not bars:
        return None
    bars.sort(key=lambda b: b[2] - b[1])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(bars) + 1.2))
    y = np.arange(len(bars))
    ax.barh(y, [b[2] - b[1] for b in bars], left=[b[1] for b in bars], color="tab:blue", alpha=0.6)
    ax.scatter([b[3] if b[3] is not None else np.nan for b in bars], y, color="black", marker="|", s=120,
               label="at the shipped chip's value", zorder=3)
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(y)
    ax.set_yticklabels([b[0] for b in bars], fontsize=7)
    ax.set_xlabel(f"{plan['improved']} / {plan['normalise_to']} (range over each parameter's variants)")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("How far each varied parameter moves the gain (tornado)", fontsize=9)
    fig.tight_layout()
    return png(fig)


def _aging(rows) -> bytes:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for r in rows:
        if not r["fits"]:
            continue
        ages = r.get("ages") or []
        x = [a.get("age_years") for a in ages]
        ls = "-" if "no refresh" in r["label"] else "--"
        axes[0].plot([max(v, 1e-6) for v in x], [a.get("accuracy") for a in ages], marker="o", ls=ls,
                     label=f"{r['strategy']}, {r['label']}")
        axes[1].plot([max(v, 1e-6) for v in x], [a.get("out_of_tolerance_cells") or 0 for a in ages], marker="o", ls=ls,
                     label=f"{r['strategy']}, {r['label']}")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("chip age (years at the workload's rate; new chip drawn at 1e-6)")
    axes[0].set_ylabel("accuracy")
    axes[1].set_ylabel("cells drifted past tolerance")
    axes[0].legend(fontsize=7)
    axes[0].set_title("accuracy against age", fontsize=9)
    axes[1].set_title("out-of-tolerance cells against age", fontsize=9)
    return png(fig)


def figures(res) -> list[tuple[str, str, bytes]]:
    """``(file name, caption, png bytes)`` of every figure of a study."""
    plan = res.plan
    out = []
    rows = res.tables.get("main", [])
    if rows:
        out.append(("lifetime_normalised.png", f"Chip lifetime of each mapping normalised to {plan['normalise_to']}, "
                    "per workload and averaged (arithmetic and geometric).", _bars(rows, plan, res.averages)))
        out.append(("overheads.png", f"Total energy per inference (leakage of the powered tiles included), dynamic energy "
                    f"per inference (every event class but leakage: what the mapping controls) and mean spike latency, "
                    f"relative to {plan['normalise_to']}.",
                    _overheads(rows, plan)))
    for w in dict.fromkeys(r["workload"] for r in rows):
        ms = {s: res.maps[(w, s)] for s in (plan["normalise_to"], plan["improved"]) if (w, s) in res.maps}
        if ms:
            out.append((f"maps_{w}.png", f"{w}: endurance map and per-cell wear of the limiting crossbar, "
                        f"{plan['normalise_to']} against {plan['improved']}.", _map_panels(ms, w, plan["kind"])))
    for part in plan.get("sensitivity", []):
        prow = res.tables.get(part["name"], [])
        if prow:
            out.append((f"sensitivity_{part['name']}.png", f"Lifetime against {part['label']}.",
                        _sensitivity(prow, part, plan)))
    torn = _tornado(res, plan)
    if torn is not None:
        out.append(("tornado.png", f"Range of the {plan['improved']}/{plan['normalise_to']} gain over each varied "
                    "parameter's variants (bars) and the gain at the shipped chip's value of that parameter (marks), widest on top.", torn))
    if res.tables.get("aging"):
        out.append(("aging.png", "Accuracy and drifted cells against chip age, with and without refresh.",
                    _aging(res.tables["aging"])))
    return out


def _fmt_row(r, cols):
    from ..report.html import fmt
    cells = []
    for c in cols:
        v = r.get(c)
        if c in ("lifetime_norm", "lifetime_norm_seed_min", "lifetime_norm_seed_max", "predicted_gain") and v is not None:
            cells.append(f"{v:.3f}×")
        elif c == "seeds" and isinstance(v, list):
            cells.append(str(len(v)))
        elif c in ("energy_overhead", "dynamic_energy_overhead", "latency_overhead") and v is not None:
            cells.append(f"{100 * v:+.1f} %")
        elif c == "fits":
            cells.append("yes" if v else "<b>no</b>")
        else:
            cells.append(fmt(v))
    return cells


def _pct(v) -> str:
    return "—" if v is None else f"{100 * v:+.2f} %"


def _seeds_text(plan) -> str:
    from .core import plan_seeds
    seeds = plan_seeds(plan)
    if len(seeds) == 1:
        return f" (seed {seeds[0]})"
    return (f"; every (workload, mapping, variant) runs with seeds {', '.join(map(str, seeds))} and its lifetime is "
            "their geometric mean (seed min / max: the per-seed ratios)")


def render_html(res, figs, commands: list[str], point_rows: list | None = None) -> str:
    from ..report.html import esc, figure, fmt, page, table
    plan = res.plan
    kindname = "write (effective) lifetime" if plan["kind"] == "write" else "inference (read) lifetime"
    body = [f"<h1>{esc(plan['title'])}</h1>",
            f"<p class='sub'>neurosim {esc(__version__)} — study <code>{esc(res.name)}</code>"
            f"{' (quick)' if plan['quick'] else ''} on <code>{esc(plan['hwconfig'])}</code>; "
            f"lifetime = chip {kindname}, normalised to <code>{esc(plan['normalise_to'])}</code>"
            f"{_seeds_text(plan)}.</p>"]
    a = res.averages.get(plan["improved"], {})
    body.append("<div class='kpi'>"
                f"<div><b>{fmt(a.get('lifetime_norm_arithmetic_mean'))}×</b><span>{esc(plan['improved'])} / "
                f"{esc(plan['normalise_to'])}, arithmetic mean</span></div>"
                f"<div><b>{fmt(a.get('lifetime_norm_geometric_mean'))}×</b><span>geometric mean</span></div>"
                f"<div><b>{fmt(a.get('lifetime_norm_min'))}× – {fmt(a.get('lifetime_norm_max'))}×</b><span>range over "
                f"{a.get('workloads', 0)} workloads</span></div>"
                f"<div><b>{_pct(a.get('energy_overhead_mean'))}</b>"
                "<span>energy overhead (mean, total)</span></div>"
                f"<div><b>{_pct(a.get('dynamic_energy_overhead_mean'))}</b>"
                "<span>dynamic energy overhead (mean)</span></div>"
                f"<div><b>{_pct(a.get('latency_overhead_mean'))}</b>"
                "<span>latency overhead (mean)</span></div></div>")
    cols = ["workload", "strategy", "fits", "ticks", "seeds", "crossbars_used", "lifetime_inferences", "lifetime_years",
            "lifetime_norm", "lifetime_norm_seed_min", "lifetime_norm_seed_max", "predicted_gain", "energy_per_inference_pj",
            "energy_overhead",
            "energy_dynamic_per_inference_pj", "dynamic_energy_overhead", "energy_static_per_inference_pj",
            "packet_latency_mean_cycles", "latency_overhead", "spikes", "write_pulses" if plan["kind"] == "write" else "row_reads", "accuracy"]
    body.append("<h2>Lifetime, energy and latency per workload and mapping</h2>")
    body.append(table(cols, (_fmt_row(r, cols) for r in res.tables.get("main", []))))
    body.append("<h3>Averages over the workloads every mapping fits</h3>")
    acols = ["strategy", "workloads", "lifetime_norm_arithmetic_mean", "lifetime_norm_geometric_mean",
             "lifetime_norm_min", "lifetime_norm_max", "energy_overhead_mean", "dynamic_energy_overhead_mean",
             "latency_overhead_mean", "does_not_fit"]
    body.append(table(acols, ([s] + [fmt(v.get(c)) if not isinstance(v.get(c), list) else esc(", ".join(v[c]) or "—")
                                     for c in acols[1:]] for s, v in res.averages.items())))
    byname = {f[0]: f for f in figs}
    for name, cap, data in figs:
        if name.startswith("maps_") or name.startswith("sensitivity_") or name == "aging.png":
            continue
        body.append(figure(data, name, esc(cap), fig_id=name))
    maps = [f for f in figs if f[0].startswith("maps_")]
    if maps:
        body.append("<h2>Endurance maps behind the lifetimes</h2>")
        for name, cap, data in maps:
            body.append(figure(data, name, esc(cap), fig_id=name))
    for part in plan.get("sensitivity", []):
        rows = res.tables.get(part["name"], [])
        if not rows:
            continue
        body.append(f"<h2>Sensitivity: {esc(part['label'])}</h2>")
        f = byname.get(f"sensitivity_{part['name']}.png")
        if f:
            body.append(figure(f[2], f[0], esc(f[1]), fig_id=f[0]))
        scols = ["workload", "strategy", "x", "fits", "seeds", "crossbars_used", "lifetime_inferences", "lifetime_years",
                 "lifetime_norm", "lifetime_norm_seed_min", "lifetime_norm_seed_max", "energy_overhead", "latency_overhead"]
        body.append(table(scols, (_fmt_row(r, scols) for r in rows)))
    if res.tables.get("aging"):
        body.append("<h2>Accuracy against age, with and without refresh</h2>")
        f = byname.get("aging.png")
        body.append(figure(f[2], f[0], esc(f[1]), fig_id=f[0]))
        acols2 = ["strategy", "label", "age_rel", "age_years", "accuracy", "out_of_tolerance_cells", "refresh_writes",
                  "energy_per_inference_pj"]
        flat = [{"strategy": r["strategy"], "label": r["label"], **a} for r in res.tables["aging"] if r["fits"]
                for a in r.get("ages") or []]
        body.append(table(acols2, (_fmt_row(r, acols2) for r in flat)))
    if res.failures:
        body.append("<h2>Points that do not fit the chip</h2><ul>" + "".join(
            f"<li>{esc(f['strategy'])} on {esc(f['workload'])} ({esc(f['part'])}): {esc(f['error'])}</li>"
            for f in res.failures) + "</ul>")
    body.append("<h2>Run</h2>")
    body.append("<p>Commands:</p><pre>" + esc("\n".join(commands)) + "</pre>")
    body.append(f"<p class='note'>{len(res.points)} points; wall time {res.timing.get('wall_s', 0):.0f} s "
                f"(points took {res.timing.get('points_s', 0):.0f} s of compute, {res.timing.get('workers')} worker(s); "
                "points already in the store are not recomputed).</p>")
    from ..report.fields import fields_section
    rows_ = _point_rows(res) if point_rows is None else point_rows
    body.append(fields_section([r for r in rows_ if len(r) > 5],
                               title="All result fields of the points (points.csv)"))
    body.append("<p>Plan:</p><pre>" + esc(json.dumps(_clean(plan), indent=1)) + "</pre>")
    return page(f"neurosim study {res.name}", "\n".join(body))


def _point_rows(res) -> list:
    """One flat row per point of the study: its part, workload, strategy, variant, seed and every
    scalar result field (neurosim.metrics.fields); failed points have only the first five."""
    rows = []
    for p in res.points:
        row = {k: p.get(k) for k in ("part", "workload", "strategy", "variant", "seed")}
        row.update({k: v for k, v in (p.get("result") or {}).items() if not isinstance(v, (list, dict))})
        rows.append(row)
    return rows


def write_study(res, out: Path, *, commands: list[str]) -> list[str]:
    """Write every output file of ``res`` into the (new, empty) folder ``out``; return their names."""
    out = Path(out)
    names = []
    doc = {"schema": "neurosim-study", "schema_version": 1, "neurosim_version": __version__,
           "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), "study": res.name,
           "quick": res.plan["quick"], "plan": res.plan, "commands": commands, "averages": res.averages,
           "tables": res.tables, "failures": res.failures, "timing": res.timing,
           "points": res.points}
    (out / "results.json").write_text(json.dumps(_clean(doc), indent=1, allow_nan=False) + "\n", encoding="utf-8")
    names.append("results.json")
    for part, rows in res.tables.items():
        cols = list(TABLE_COLUMNS)
        if part != "main":
            cols = ["x"] + cols
        if part == "aging":
            flat = [{"strategy": r["strategy"], "label": r["label"], **a} for r in rows if r["fits"] for a in r.get("ages") or []]
            keys = ["strategy", "label"] + sorted({k for a in flat for k in a} - {"strategy", "label"})
            write_csv(out / "aging.csv", keys, flat)
            names.append("aging.csv")
            continue
        fname = "lifetime.csv" if part == "main" else f"sensitivity_{part}.csv"
        write_csv(out / fname, cols, rows)
        names.append(fname)
    point_rows = _point_rows(res)
    write_csv(out / "points.csv", None, point_rows)
    names.append("points.csv")
    arows = [{"strategy": s, **{k: (", ".join(v) if isinstance(v, list) else v) for k, v in a.items()}}
             for s, a in res.averages.items()]
    if arows:
        write_csv(out / "averages.csv", list(arows[0]), arows)
        names.append("averages.csv")
    figs = figures(res)
    (out / "figures").mkdir(exist_ok=True)
    for name, _, data in figs:
        (out / "figures" / name).write_bytes(data)
        names.append(f"figures/{name}")
    (out / "report.html").write_text(render_html(res, figs, commands, point_rows), encoding="utf-8")
    names.append("report.html")
    return names
