"""The ``neurosim run`` study: map → simulate → evaluate (→ baseline, ideal reference, aging) → write
``results.json``, CSV tables and a self-contained ``report.html``.

>>> import neurosim as ns                                                         # doctest: +SKIP
>>> from neurosim.report import run_study, write_outputs                          # doctest: +SKIP
>>> st = run_study("espine_pcm", "traces/diehl_cook", strategy="espine", baseline="sequential", ticks=2000)  # doctest: +SKIP
>>> write_outputs(st, "out/")                                                     # doctest: +SKIP
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import numpy as np

__all__ = ["Study", "run_study", "write_outputs", "render_report", "progress_bar"]


def progress_bar(total: int, desc: str, enabled: Optional[bool] = None):
    """A tqdm bar on stderr, silent when stderr is not a terminal (or ``enabled=False``)."""
    from tqdm import tqdm
    disable = (not sys.stderr.isatty()) if enabled is None else (not enabled)
    return tqdm(total=total, desc=desc, disable=disable, file=sys.stderr, leave=False,
                bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {elapsed}")


@dataclass
class Study:
    """Everything one ``neurosim run`` computed."""

    hw: Any
    hw_source: str
    workload: Any
    workload_source: str
    workload_hash: str
    mapping: Any
    result: Any
    evaluation: Any
    ticks: int
    seed: int
    baseline_mapping: Any = None
    baseline_result: Any = None
    baseline_evaluation: Any = None
    ideal_result: Any = None
    aging: Optional[dict] = None
    created_utc: str = ""
    elapsed: dict = field(default_factory=dict)
    files: list = field(default_factory=list)

    @functools.cached_property
    def summary(self) -> dict:
        """The run's flat result (:func:`neurosim.metrics.fields.flat_result`): results.json's
        ``summary``, summary.csv and the report's field table."""
        from ..metrics.fields import flat_result
        return flat_result(self)


def run_study(hw, workload, *, strategy: str = "espine", baseline: Optional[str] = None, ticks: Optional[int] = None,
              seed: int = 0, ideal: bool = True, aging: bool = True, ages_s=None,
              progress: Optional[bool] = None, timing: str = "cycle") -> Study:
    """Map ``workload`` onto ``hw`` with ``strategy``, simulate ``ticks`` ticks, evaluate lifetimes,
    energy, latency, accuracy; optionally against a ``baseline`` strategy and the ``ideal`` chip, and
    age the chip (``ages_s``: ages in seconds, default from its lifetime). ``hw``/``workload`` are
    objects or a preset name/path and a trace directory. ``timing``: the engine's timing model
    (``"functional"``: no latency figures, and no spike-timing comparison with the ideal chip).
    The run itself is :func:`neurosim.experiment.run_experiment`; this adds the progress bars and
    what the report needs to name its inputs."""
    from ..config import HardwareConfig
    from ..experiment import run_experiment, stages
    from ..workload import Workload

    hw_source = str(getattr(hw, "source_file", None) or hw.name) if isinstance(hw, HardwareConfig) else str(hw)
    wl_source = workload.name if isinstance(workload, Workload) else str(workload)
    names = stages(baseline=bool(baseline), ideal=ideal, aging=aging)
    bar = progress_bar(len(names), "neurosim run", progress)
    inner = None
    if aging and progress is not False and sys.stderr.isatty():
        from tqdm import tqdm
        inner = lambda it: tqdm(it, desc="aging", leave=False, file=sys.stderr)  # noqa: E731
    seen = []

    def on_stage(name):
        if seen:
            bar.update(1)
        seen.append(name)
        bar.set_description_str(name)

    try:
        run = run_experiment(hw, workload, strategy, seed=seed, ticks=ticks, baseline=baseline, ideal=ideal,
                             aging=(list(ages_s) if ages_s is not None else True) if aging else None,
                             maps=True, timing=timing, progress=on_stage, aging_progress=inner)
        bar.update(1)
    finally:
        bar.close()
    return Study(hw=run.hw, hw_source=hw_source, workload=run.workload, workload_source=wl_source,
                 workload_hash=run.workload.content_hash(), mapping=run.mapping, result=run.result,
                 evaluation=run.evaluation, ticks=run.ticks, seed=run.seed, baseline_mapping=run.baseline_mapping,
                 baseline_result=run.baseline_result, baseline_evaluation=run.baseline_evaluation,
                 ideal_result=run.ideal_result, aging=run.aging,
                 created_utc=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), elapsed=run.timing)


def write_outputs(study: Study, out, *, force: bool = False, progress: Optional[bool] = None) -> Path:
    """Write ``results.json``, the CSV tables and ``report.html`` into ``out`` (a path, None for the
    next ``neurosim-run-NNN``, or an unopened :class:`~neurosim.report.outdir.OutputFolder`); an
    existing non-empty folder is replaced only with ``force``. The folder appears complete or not at
    all. Returns its final path."""
    from .results import new_out_dir, results_dict, write_json, write_tables

    from .outdir import OutputFolder

    folder = out if isinstance(out, OutputFolder) else new_out_dir(out, force=force)
    with folder:
        files = write_tables(study, folder.path)
        study.files = files + ["results.json", "report.html"]
        html_text = render_report(study, progress=progress)
        (folder.path / "report.html").write_text(html_text, encoding="utf-8")
        write_json(results_dict(study), folder.path / "results.json")
    return folder.final


# --------------------------------------------------------------------------- the HTML report
def _limiting(ev, n: int) -> list:
    """Up to n crossbars with the lowest lifetimes (write or read)."""
    xs = list(ev.crossbars)
    key = lambda x: min(x.min_write[0], x.min_read[0])  # noqa: E731
    return sorted(xs, key=key)[:n]


def _figures(study: Study, progress=None) -> list[tuple[str, str, bytes, str]]:
    """(section, alt, png, caption) of every figure."""
    from . import figures as F
    from ..metrics.lifetime import SECONDS_PER_YEAR, mapped_lines

    ev = study.evaluation
    hw = study.hw
    out = []
    shown = _limiting(ev, 4)
    bar = progress_bar(2 * len(shown) + 5, "figures", progress)
    try:
        for x in shown:
            rows, cols = mapped_lines(hw, study.mapping, x.crossbar)
            used_full = np.zeros(x.write_endurance_full.shape, bool)
            used_full[: x.used.shape[0], x.physical_columns] = x.used
            for kind, arr, label in (("write", x.write_endurance_full, "write endurance (cycles)"),
                                     ("read", x.read_endurance_full, "read endurance N_RD (reads)")):
                life = x.min_write[0] if kind == "write" else x.min_read[0]
                years = life / ev.run["inferences_per_s"] / SECONDS_PER_YEAR if np.isfinite(life) else float("inf")
                title = f"crossbar {x.crossbar} (tile {x.tile}): {kind} endurance"
                png = F.crossbar_heatmap(arr, title=title, label=label, used_mask=used_full, rows=rows, cols=cols)
                cap = (f"{kind.capitalize()} endurance of every cell of crossbar {x.crossbar}; red ticks on the margins "
                       f"mark the {len(rows)} mapped rows and {len(cols)} mapped physical columns, the white outline "
                       f"the cells holding synapses. Crossbar {kind} lifetime: {_fmt_years(years)}.")
                out.append(("maps", f"{kind} endurance heat map of crossbar {x.crossbar}", png, cap))
                bar.update(1)
        ips = ev.run["inferences_per_s"]
        ids = [r["crossbar"] for r in ev.crossbar_table]
        wy = [r["write_lifetime_inferences"] / ips / SECONDS_PER_YEAR for r in ev.crossbar_table]
        ry = [r["read_lifetime_inferences"] / ips / SECONDS_PER_YEAR for r in ev.crossbar_table]
        out.append(("lifetime", "lifetime by crossbar", F.lifetime_by_crossbar(ids, wy, ry),
                    "Write (effective) and inference (read) lifetime of each used crossbar, in years at the workload's rate."))
        out.append(_write_rate_figure(ev))
        bar.update(1)
        out.append(("energy", "energy breakdown", F.energy_breakdown(ev.energy["per_inference_pj"], unit_label=ev.run["inference_unit"]),
                    "Energy per inference by component (engine energy classes; docs/engine.md)."))
        bar.update(1)
        res = study.result
        if res.timing == "functional":
            out.append(("latency", "latency histogram",
                        F.message_figure("Spike latency", "not modelled: this run used timing=functional"),
                        "The functional timing model (docs/engine.md §8) computes no packet or tick timing."))
        else:
            busy = np.asarray(res.traffic_end_cycle) - np.asarray(res.tick_start_cycle[:-1])
            h = ev.latency["packet_latency_histogram"]
            out.append(("latency", "latency histogram", F.latency_histograms(h["cycles"], h["count"], busy, hw.tick_period_cycles),
                        "Left: spike delivery latency of every packet. Right: cycles from each tick's start until its spike traffic ended."))
        bar.update(1)
        net = study.workload.network
        bounds = [(n, int(s)) for n, s in zip(net.population_names, net.population_starts)]
        out.append(("raster", "spike raster", F.spike_raster(res.spikes["tick"], res.spikes["neuron"], n_neurons=net.n_neurons,
                                                            boundaries=bounds),
                    "Spikes of every non-input neuron on this chip; lines separate populations."))
        bar.update(1)
        if study.aging:
            rows_ = study.aging["ages"]
            marks = [("first reprogram", study.aging["time_to_first_reprogram_s"]),
                     ("first wear-out", study.aging["first_wearout_s"])]
            png = F.aging_curves([r["age_s"] for r in rows_], [r["accuracy"] for r in rows_],
                                 [r["energy_per_inference_pj"] for r in rows_],
                                 [r["packet_latency_mean_cycles"] for r in rows_],
                                 failed_cells=[r["worn_cells"] for r in rows_], marks=marks)
            cap = ("Accuracy, energy per inference and mean spike latency of the chip fast-forwarded to each age."
                   + ("" if study.aging["chip_ages"] else " This chip models no wear and no read disturb: it does not age."))
        else:
            png = F.message_figure("Accuracy against age", "aging was not run (--no-aging)")
            cap = "Aging was switched off for this run."
        out.append(("aging", "accuracy against age", png, cap))
        bar.update(1)
    finally:
        bar.close()
    return out


def _write_rate_figure(ev) -> tuple:
    """(section, alt, png, caption) of the per-window write rate (write_rate.csv)."""
    from . import figures as F
    from ..metrics.writerate import window_table
    rate = ev.lifetime["write"]["rate"]
    rows = window_table(rate)
    if not rows or not any(r["pulses"] for r in rows):
        why = "no cell was programmed in this run" if rate["method"] == "no_writes" else \
            "the engine kept no write history for this run"
        return ("write_rate", "write rate over the run", F.message_figure("Write rate over the run", why),
                "Programming pulses per inference in each sample window: " + why + ".")
    png = F.write_rate_over_time([r["start_inference"] for r in rows], [r["pulses_per_inference"] for r in rows],
                                 fit_per_inference=None if rate["fit"] is None else
                                 [r["fit_pulses_per_inference"] for r in rows],
                                 steady=rate["steady_per_inference"], run_average=rate["run_average_per_inference"],
                                 onset=rate["onset_inferences"] if rate["steady"] else None,
                                 steady_label="steady state" if rate["steady"] else "rate used (not steady)",
                                 title=f"Write rate over the run ({rate['method']})")
    fit = rate["fit"]
    zeros = sum(1 for r in rows if not r["pulses"])
    cap = (f"Programming pulses per inference of the whole chip in each window (write_rate.csv"
           + (f"; {zeros} windows had no writes, not drawn on a log axis" if zeros else "") + "). Method "
           f"{rate['method']}" + (f"; {fit['model']} decay fitted, R² = {fit['r2']:.3f}" if fit else "") + ". "
           + ("The rate reached a steady state: the write lifetime uses each cell's rate after the onset."
              if rate["steady"] else "No steady rate was seen: " + (rate["note"] or "see write_rate_method") + "."))
    return ("write_rate", "write rate over the run", png, cap)


def _fmt_years(y) -> str:
    from .html import fmt
    if y is None or not np.isfinite(y):
        return "unbounded"
    return f"{fmt(y)} years"


def render_report(study: Study, progress=None) -> str:
    """The report.html text of a study."""
    from .html import esc, figure, fmt, page, table

    ev = study.evaluation
    hw = study.hw
    figs = _figures(study, progress)
    wl_ = ev.lifetime["write"]
    rl_ = ev.lifetime["read"]
    wr = wl_["rate"]
    kpis = [
        ("write lifetime", _fmt_years(wl_["chip"]["years"]) + ("" if wr["steady"] or not wl_["bounded"] else " (not steady)"),
         f"{fmt(wl_['chip']['inferences'])} inferences; {esc(wr['method'])}"),
        ("inference (read) lifetime", _fmt_years(rl_["chip"]["years"]), f"{fmt(rl_['chip']['inferences'])} inferences"),
        ("energy per inference", f"{fmt(ev.energy['per_inference_pj']['total'] * 1e-6)} µJ",
         f"dynamic {fmt(ev.energy['dynamic_per_inference_pj'] * 1e-6)} µJ, static "
         f"{fmt(ev.energy['static_per_inference_pj'] * 1e-6)} µJ; power {fmt(ev.energy['power_w']['total'])} W"),
        ("spike latency", f"{fmt(ev.latency['packet_latency_cycles']['mean'])} cycles",
         f"p99 {fmt(ev.latency['packet_latency_cycles']['p99'])}, max {fmt(ev.latency['packet_latency_cycles']['max'])}"),
        ("overruns", fmt(ev.latency["overruns"]), f"of {ev.run['ticks']} ticks"),
    ]
    if ev.accuracy and ev.accuracy.get("accuracy") is not None:
        extra = ""
        if ev.accuracy.get("ideal_accuracy") is not None:
            extra = f"ideal chip {fmt(ev.accuracy['ideal_accuracy'])}"
        kpis.append(("accuracy", fmt(ev.accuracy["accuracy"]), f"{ev.accuracy['samples']} samples; {extra}"))
    kpi_html = '<div class="kpi">' + "".join(f"<div><span>{esc(a)}</span><b>{b}</b><span>{c}</span></div>" for a, b, c in kpis) + "</div>"

    parts = [f"<h1>neurosim run: {esc(study.workload.name)} on {esc(hw.name)}</h1>",
             f'<p class="sub">mapping <code>{esc(study.mapping.strategy)}</code>'
             + (f", baseline <code>{esc(study.baseline_mapping.strategy)}</code>" if study.baseline_mapping is not None else "")
             + f", {study.ticks} ticks ({fmt(ev.run['inferences'])} {esc(ev.run['inference_unit'])}s), seed {study.seed}, "
             f"{esc(study.created_utc)}</p>", kpi_html]
    wrange = study.result.extra.get("weight_range") or {}
    notes = [f"input gain {fmt(g['gain'])} on {g['neurons']} neurons of <code>{esc(g['population'])}</code>"
             for g in wrange.get("gained", [])]
    notes += [f"<b>clipped</b>: {c['synapses']} of {c['of']} synapses of <code>{esc(c['projection'])}</code> (weights in "
              f"[{fmt(c['min'])}, {fmt(c['max'])}], device ±{fmt(c['range'])})" for c in wrange.get("clipped", [])]
    if notes:
        parts.append('<p class="note">Weights beyond the device range (docs/engine.md §2, input gain): '
                     + "; ".join(notes) + ".</p>")

    # lifetimes
    rows = []
    ra = dict(wl_["run_average"])
    for kind, d in (("write (effective), " + wr["method"], wl_), ("write, run average as if steady", ra),
                    ("inference (read)", rl_)):
        c = d["chip"]
        rows.append([esc(kind), fmt(c["inferences"]), fmt(c["seconds"]), fmt(c["years"]), fmt(c["clock_cycles"]),
                     fmt(d.get("relative_to_baseline")), fmt(d["limiting_crossbar"]),
                     esc(d["limiting_cell"]) if d["limiting_cell"] else "—"])
    parts.append("<h2>Lifetime</h2>")
    parts.append('<p class="note">Write lifetime: min over used cells of the inferences until the cell\'s cumulative '
                 "writes reach its write endurance; "
                 "inference lifetime: min over used cells of read endurance N_RD / reads per inference (neurosim docs/design.md, Lifetimes). "
                 "∞: nothing wears on this chip for this workload. "
                 "A learning chip writes fastest while its weights move: the write lifetime takes each cell's "
                 "steady-state write rate (its rate after the fitted transient of the per-window writes; when the "
                 "run shows no steady state, its latest rate, a lower bound) and solves cumulative writes = endurance; "
                 "the run average, as if the run's rate were steady from tick 0, is shown for comparison.</p>")
    if wr["note"] and wl_["bounded"]:
        parts.append(f'<p class="note"><b>Write lifetime not from a steady state:</b> {esc(wr["note"])}.</p>')
    parts.append(table(["lifetime", "inferences", "seconds", "years", "clock cycles", "× baseline", "limiting crossbar",
                        "limiting cell (row, col)"], rows))
    if ev.baseline:
        b = ev.baseline
        parts.append(f'<p class="note">Baseline <code>{esc(b["strategy"])}</code>: write lifetime '
                     f'{fmt(b["write_inferences"])} inferences, read lifetime {fmt(b["read_inferences"])} inferences, '
                     f'{fmt(b["energy_per_inference_pj"])} pJ per inference.</p>')
    for sec, alt, png, cap in figs:
        if sec == "lifetime":
            parts.append(figure(png, alt, esc(cap), "fig-lifetime"))
    for sec, alt, png, cap in figs:
        if sec == "write_rate":
            parts.append(figure(png, alt, esc(cap), "fig-write-rate"))
    tbl = sorted(ev.crossbar_table, key=lambda r: min(r["write_lifetime_inferences"], r["read_lifetime_inferences"]))[:20]
    parts.append("<h3>Crossbars (lowest lifetimes first; all in crossbars.csv)</h3>")
    parts.append(table(["crossbar", "tile", "rows used", "cells used", "write lifetime (inf.)", "read lifetime (inf.)",
                        "max writes/inf.", "max reads/inf.", "failed cells"],
                       [[r["crossbar"], r["tile"], r["rows_used"], r["cells_used"], fmt(r["write_lifetime_inferences"]),
                         fmt(r["read_lifetime_inferences"]), fmt(r["writes_per_inference_max"]),
                         fmt(r["reads_per_inference_max"]), r["failed_cells"]] for r in tbl]))
    parts.append("<h2>Endurance maps</h2>")
    parts.append('<p class="note">The (up to) four crossbars with the lowest lifetimes. Drivers are at column 0 (left), '
                 "sense amplifiers at the last row (bottom).</p>")
    parts += [figure(png, alt, esc(cap)) for sec, alt, png, cap in figs if sec == "maps"]

    parts.append("<h2>Energy</h2>")
    e = ev.energy
    parts.append(table(["component", "per inference (pJ)", "power (W)", "share"],
                       [[esc(k), fmt(e["per_inference_pj"][k]), fmt(e["power_w"][k]),
                         f"{100 * e['fraction'].get(k, 1.0):.1f}%"] for k in e["per_inference_pj"]]))
    parts.append(f'<p class="note">Dynamic energy (every event class but leakage: what the mapping controls) '
                 f'{fmt(e["dynamic_per_inference_pj"])} pJ per inference; static energy (leakage of '
                 f'{fmt(e.get("powered_tiles"))} powered tiles of {fmt(e.get("tiles"))}, leakage.gating '
                 f'<code>{esc(e.get("leakage_gating"))}</code>) {fmt(e["static_per_inference_pj"])} pJ '
                 f'({100 * e["static_fraction"]:.1f}% of the total).</p>')
    parts += [figure(png, alt, esc(cap), "fig-energy") for sec, alt, png, cap in figs if sec == "energy"]

    parts.append("<h2>Latency</h2>")
    L = ev.latency
    parts.append(table(["measure", "mean", "p50", "p95", "p99 / max"], [
        ["spike delivery latency (cycles)", fmt(L["packet_latency_cycles"]["mean"]), fmt(L["packet_latency_cycles"]["p50"]),
         fmt(L["packet_latency_cycles"]["p95"]), f'{fmt(L["packet_latency_cycles"]["p99"])} / {fmt(L["packet_latency_cycles"]["max"])}'],
        ["busy cycles per tick", fmt(L["busy_cycles_per_tick"]["mean"]), fmt(L["busy_cycles_per_tick"]["p50"]),
         fmt(L["busy_cycles_per_tick"]["p95"]), fmt(L["busy_cycles_per_tick"]["max"])],
        ["cycles per tick (budget " + fmt(L["tick_budget_cycles"]) + ")", fmt(L["cycles_per_tick"]["mean"]),
         fmt(L["cycles_per_tick"]["p50"]), fmt(L["cycles_per_tick"]["p95"]), fmt(L["cycles_per_tick"]["max"])],
    ]))
    parts.append(f'<p class="note">Overruns (ticks whose work exceeded the tick budget): {fmt(L["overruns"])}. '
                 f'Link utilisation: max {fmt(L["link_utilisation_max"])}, mean {fmt(L["link_utilisation_mean"])}.</p>')
    parts += [figure(png, alt, esc(cap), "fig-latency") for sec, alt, png, cap in figs if sec == "latency"]
    if ev.timing:
        t = ev.timing
        parts.append("<h3>Against the ideal chip</h3>")
        parts.append(table(["measure", "value"], [
            ["spikes here / on the ideal chip", f"{fmt(t['spikes'])} / {fmt(t['ideal_spikes'])}"],
            ["matched (same neuron, same tick)", fmt(t["matched_spikes"])],
            ["precision / recall", f"{fmt(t['precision'])} / {fmt(t['recall'])}"],
            ["ISI distortion (cycles): min / mean / max", f"{fmt(t['isi_distortion_cycles']['min'])} / "
             f"{fmt(t['isi_distortion_cycles']['mean'])} / {fmt(t['isi_distortion_cycles']['max'])}"],
            ["spike disorder", f"{fmt(t['spike_disorder'])} ({fmt(100 * t['spike_disorder_fraction'])}%)"],
        ]))
        parts.append('<p class="note">ISI distortion and spike disorder follow SpiNeMap (Balaji et al., IEEE TVLSI 2020), with the ideal '
                     "chip's firing times as generation times and this chip's as receive times, over spikes present on both.</p>")

    parts.append("<h2>Spikes</h2>")
    parts += [figure(png, alt, esc(cap), "fig-raster") for sec, alt, png, cap in figs if sec == "raster"]
    parts.append("<h2>Aging</h2>")
    if study.aging:
        a = study.aging
        parts.append(f'<p class="note">Refresh policy <code>{esc(a["policy"])}</code>. Time to first reprogram: '
                     f'{fmt(a["time_to_first_reprogram_s"])} s ({_fmt_years(_years(a["time_to_first_reprogram_s"]))}; '
                     f'{esc(a["first_reprogram_meaning"])}). First wear-out: {fmt(a["first_wearout_s"])} s.</p>')
        parts.append(table(["age (s)", "age (years)", "accuracy", "energy/inf. (pJ)", "mean latency (cycles)",
                            "worn cells", "drifted cells", "refresh writes"],
                           [[fmt(r["age_s"]), fmt(r["age_years"]), fmt(r["accuracy"]), fmt(r["energy_per_inference_pj"]),
                             fmt(r["packet_latency_mean_cycles"]), fmt(r["worn_cells"]), fmt(r["drifted_cells"]),
                             fmt(r["refresh_writes"])] for r in a["ages"]]))
    parts += [figure(png, alt, esc(cap), "fig-aging") for sec, alt, png, cap in figs if sec == "aging"]
    parts.append("<h2>Run</h2>")
    r = ev.run
    parts.append(table(["item", "value"], [
        ["hardware config", esc(study.hw_source)], ["workload", esc(study.workload_source)],
        ["workload content hash", f"<code>{esc(study.workload_hash[:16])}…</code>"],
        ["crossbars / tiles used", f"{r['crossbars_used']} / {r['tiles_used']}"],
        ["spikes", fmt(r["spikes"])], ["total cycles", fmt(r["total_cycles"])], ["simulated seconds", fmt(r["seconds"])],
        ["inferences per second", fmt(r["inferences_per_s"])],
    ] + [[f"time: {esc(k)} (s)", fmt(v)] for k, v in study.elapsed.items()]))
    from .fields import fields_section
    parts.append(fields_section([study.summary]))
    parts.append(f'<p class="note">Files: {", ".join(esc(f) for f in study.files)}. Format: docs/results_format.md.</p>')
    return page(f"neurosim run: {study.workload.name} on {hw.name}", "\n".join(parts))


def _years(s):
    from ..metrics.lifetime import SECONDS_PER_YEAR
    return s / SECONDS_PER_YEAR if s is not None and np.isfinite(s) else float("inf")
