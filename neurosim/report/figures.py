"""Figures of the run report and the sweep report (matplotlib, Agg backend; PNG bytes).

Each function takes plain data (arrays, dicts) and returns PNG bytes, so it can be used and tested
without running a simulation. matplotlib is the ``plot`` extra: ``pip install matplotlib``.
"""
from __future__ import annotations

import io

import numpy as np

__all__ = ["png", "crossbar_heatmap", "lifetime_by_crossbar", "energy_breakdown", "latency_histograms",
           "spike_raster", "aging_curves", "write_rate_over_time", "message_figure", "sweep_lines", "pareto_front_figure",
           "MatplotlibMissing"]

INF_CAP_YEARS = 1e12


class MatplotlibMissing(RuntimeError):
    """matplotlib is not installed (figures need the ``plot`` extra)."""


def _plt():
    try:
        import matplotlib
        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        raise MatplotlibMissing("figures need matplotlib: pip install matplotlib (the 'plot' extra)") from None
    return plt


def png(fig, dpi: int = 90) -> bytes:
    """PNG bytes of a matplotlib figure (the figure is closed)."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def message_figure(title: str, message: str, size=(5.0, 1.6)) -> bytes:
    """A small figure that states why there is nothing to plot (e.g. no wear on this chip)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=size)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    ax.text(0.5, 0.45, message, ha="center", va="center", wrap=True, fontsize=9, color="0.3")
    return png(fig)


def crossbar_heatmap(arr, *, title: str, label: str, used_mask=None, rows=None, cols=None) -> bytes:
    """Heat map of an (R, C) crossbar map (log10 when it spans > 2 decades) with the mapped rows and
    columns marked as ticks on the left and top margins and the cells holding synapses outlined."""
    plt = _plt()
    a = np.asarray(arr, dtype=np.float64)
    finite = a[np.isfinite(a) & (a > 0)]
    if finite.size == 0:
        return message_figure(title, f"{label}: unbounded on this chip (no wear modelled)")
    log = finite.max() / finite.min() > 100.0
    shown = np.where(np.isfinite(a) & (a > 0), np.log10(np.where(a > 0, a, 1.0)) if log else a, np.nan)
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    im = ax.imshow(shown, origin="upper", aspect="auto", cmap="viridis", interpolation="nearest")
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(("log10 " if log else "") + label)
    R, C = a.shape
    if used_mask is not None and np.any(used_mask):
        ax.contour(np.asarray(used_mask, float), levels=[0.5], colors="white", linewidths=0.8)
    if rows is not None and len(rows):
        ax.plot(np.full(len(rows), -0.5), rows, marker="_", ls="none", color="red", ms=6, mew=1.0,
                clip_on=False, label="mapped rows / columns")
    if cols is not None and len(cols):
        ax.plot(cols, np.full(len(cols), -0.5), marker="|", ls="none", color="red", ms=6, mew=1.0, clip_on=False)
    ax.set_xlim(-0.5, C - 0.5)
    ax.set_ylim(R - 0.5, -0.5)
    ax.set_xlabel("column (drivers at left)")
    ax.set_ylabel("row (sense amplifiers at bottom)")
    ax.set_title(title, fontsize=10)
    return png(fig)


def lifetime_by_crossbar(crossbar_ids, write_years, read_years, *, max_bars: int = 48) -> bytes:
    """Bar chart (log scale) of each used crossbar's write and read lifetime in years; unbounded
    lifetimes are drawn as hatched bars at the top of the axis."""
    plt = _plt()
    ids = np.asarray(crossbar_ids)
    w = np.asarray(write_years, dtype=np.float64)
    r = np.asarray(read_years, dtype=np.float64)
    if ids.size == 0:
        return message_figure("Lifetime by crossbar", "no crossbar is used")
    order = np.argsort(np.minimum(w, r), kind="stable")[:max_bars]
    ids, w, r = ids[order], w[order], r[order]
    finite = np.concatenate([w[np.isfinite(w)], r[np.isfinite(r)]])
    top = (finite.max() * 10.0) if finite.size else 1.0
    bottom = (finite[finite > 0].min() / 10.0) if np.any(finite > 0) else top / 1e3
    fig, ax = plt.subplots(figsize=(max(5.0, 0.25 * ids.size + 2), 3.4))
    x = np.arange(ids.size)
    for off, vals, name, color in ((-0.2, w, "write (effective) lifetime", "C0"), (0.2, r, "inference (read) lifetime", "C1")):
        shown = np.where(np.isfinite(vals), np.maximum(vals, bottom), top)
        bars = ax.bar(x + off, shown, width=0.4, color=color, label=name)
        for b, v in zip(bars, vals):
            if not np.isfinite(v):
                b.set_hatch("//")
                b.set_alpha(0.35)
    ax.set_yscale("log")
    ax.set_ylim(bottom, top * 1.5)
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in ids], rotation=90 if ids.size > 16 else 0, fontsize=8)
    ax.set_xlabel("crossbar id (lowest lifetimes first; hatched = unbounded)")
    ax.set_ylabel("lifetime (years)")
    ax.legend(fontsize=8)
    ax.set_title("Lifetime by crossbar", fontsize=10)
    return png(fig)


def energy_breakdown(per_inference_pj: dict, *, unit_label: str = "inference") -> bytes:
    """Horizontal bars of energy per inference by component."""
    plt = _plt()
    items = [(k, float(v)) for k, v in per_inference_pj.items() if k != "total"]
    items.sort(key=lambda kv: kv[1])
    total = float(per_inference_pj.get("total", sum(v for _, v in items)))
    fig, ax = plt.subplots(figsize=(5.6, 0.32 * len(items) + 1.2))
    names = [k for k, _ in items]
    vals = [v for _, v in items]
    ax.barh(names, vals, color="C2")
    for i, v in enumerate(vals):
        ax.text(v, i, f" {100 * v / total:.1f}%" if total > 0 else "", va="center", fontsize=8)
    ax.set_xlabel(f"energy per {unit_label} (pJ)")
    ax.set_title(f"Energy breakdown (total {total:.4g} pJ per {unit_label})", fontsize=10)
    ax.margins(x=0.18)
    return png(fig)


def latency_histograms(latency_cycles, latency_counts, busy_cycles_per_tick, budget_cycles: int) -> bytes:
    """Packet (spike delivery) latency histogram and histogram of the busy cycles of each tick."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.0, 3.2))
    lc = np.asarray(latency_cycles)
    cnt = np.asarray(latency_counts)
    if lc.size:
        a1.bar(lc, cnt, width=1.0, color="C3")
    else:
        a1.text(0.5, 0.5, "no spike packets", ha="center", transform=a1.transAxes)
    a1.set_xlabel("spike delivery latency (cycles)")
    a1.set_ylabel("packets")
    a1.set_title("Spike latency (t_recv − t_gen)", fontsize=10)
    busy = np.asarray(busy_cycles_per_tick, dtype=np.float64)
    if busy.size:
        a2.hist(busy, bins=min(50, max(5, int(np.sqrt(busy.size)))), color="C4")
        a2.axvline(budget_cycles, color="k", ls="--", lw=0.8)
        a2.text(budget_cycles, a2.get_ylim()[1] * 0.9, " tick budget", fontsize=8)
        if busy.max() < 0.2 * budget_cycles:
            a2.set_xlim(0, busy.max() * 1.2 + 1)
            a2.texts[-1].set_visible(False)
            a2.set_title(f"Busy cycles per tick (budget {budget_cycles}, off scale)", fontsize=10)
        else:
            a2.set_title("Busy cycles per tick", fontsize=10)
    a2.set_xlabel("cycles from tick start to end of traffic")
    a2.set_ylabel("ticks")
    fig.tight_layout()
    return png(fig)


def spike_raster(ticks, neurons, *, n_neurons: int, max_points: int = 60000, boundaries=None) -> bytes:
    """Spike raster (tick vs neuron id); at most ``max_points`` spikes, evenly subsampled.
    ``boundaries`` (name, start) draws population borders."""
    plt = _plt()
    t = np.asarray(ticks)
    n = np.asarray(neurons)
    note = ""
    if t.size > max_points:
        idx = np.linspace(0, t.size - 1, max_points).astype(np.int64)
        t, n = t[idx], n[idx]
        note = f" (every {int(np.ceil(len(ticks) / max_points))}th spike)"
    fig, ax = plt.subplots(figsize=(9.0, 3.6))
    ax.scatter(t, n, s=0.6, c="k", marker=".", linewidths=0)
    for name, start in boundaries or []:
        ax.axhline(start - 0.5, color="C0", lw=0.5)
        ax.text(ax.get_xlim()[1] if t.size else 1, start, f" {name}", fontsize=7, color="C0", va="bottom")
    ax.set_ylim(-0.5, max(n_neurons, 1) - 0.5)
    ax.set_xlabel("tick")
    ax.set_ylabel("neuron id")
    ax.set_title(f"Spike raster{note}", fontsize=10)
    return png(fig)


def aging_curves(ages_s, accuracy, energy_pj, latency_cycles, *, failed_cells=None, marks=None) -> bytes:
    """Accuracy, energy per inference and mean spike latency against chip age (seconds, log axis).
    ``marks`` (label, seconds) draws vertical lines (e.g. lifetime, first reprogram)."""
    plt = _plt()
    age = np.asarray(ages_s, dtype=np.float64)
    x = np.where(age > 0, age, np.nan)
    pos = age[age > 0]
    x0 = pos.min() / 10.0 if pos.size else 1.0
    x = np.where(age > 0, age, x0)
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.1))
    acc = np.asarray([np.nan if a is None else a for a in accuracy], dtype=np.float64)
    series = [(acc, "accuracy", "C0"), (np.asarray(energy_pj, float), "energy per inference (pJ)", "C2"),
              (np.asarray(latency_cycles, float), "mean spike latency (cycles)", "C3")]
    for ax, (y, label, color) in zip(axes, series):
        if np.all(np.isnan(y)):
            why = "unlabelled workload" if label == "accuracy" else "not modelled (timing=functional)"
            ax.text(0.5, 0.5, f"not applicable\n({why})", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="0.4")
        else:
            ax.plot(x, y, "o-", color=color, ms=4)
        ax.set_xscale("log")
        ax.set_xlabel("chip age (s; first point = new chip)")
        ax.set_ylabel(label)
        for name, sec in marks or []:
            if sec is not None and np.isfinite(sec) and sec > 0:
                ax.axvline(sec, color="0.5", ls=":", lw=0.8)
                ax.text(sec, ax.get_ylim()[0], f" {name}", rotation=90, fontsize=7, va="bottom", color="0.35")
    if failed_cells is not None:
        axes[0].set_title(f"worn-out cells at oldest age: {int(failed_cells[-1])}", fontsize=9)
    fig.suptitle("Aging: the chip fast-forwarded to each age, then the workload run again", fontsize=10)
    fig.tight_layout()
    return png(fig)


def write_rate_over_time(start_inference, pulses_per_inference, *, fit_per_inference=None, steady=None,
                         run_average=None, onset=None, steady_label: str = "steady state", title: str = "") -> bytes:
    """Programming pulses per inference of the chip in each window (sample period) against the
    inference it starts at, with the fitted decay (``fit_per_inference`` at the same points), the
    rate the lifetime uses (``steady``, labelled ``steady_label``) and the run average as horizontal
    lines and the steady-state onset marked. Windows without writes are not drawn on a log axis."""
    plt = _plt()
    x = np.asarray(start_inference, dtype=np.float64)
    y = np.asarray(pulses_per_inference, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(x, y, "o", ms=3, color="C0", label="per window (measured)")
    if fit_per_inference is not None:
        f = np.asarray(fit_per_inference, dtype=np.float64)
        ax.plot(x, f, "-", color="C1", lw=1.2, label="fitted decay")
    if run_average is not None:
        ax.axhline(run_average, color="C3", ls="--", lw=0.9, label=f"run average {run_average:.4g}")
    if steady is not None:
        ax.axhline(steady, color="C2", ls="-", lw=0.9, label=f"{steady_label} {steady:.4g}")
    if onset is not None and np.isfinite(onset) and x.size and onset <= x.max():
        ax.axvline(onset, color="0.5", ls=":", lw=0.8)
        ax.text(onset, ax.get_ylim()[1], " steady from here", fontsize=7, va="top", color="0.35")
    pos = y[y > 0]
    if pos.size and pos.max() / pos.min() > 30:
        ax.set_yscale("log")
    ax.set_xlabel("inference (sample window) the window starts at")
    ax.set_ylabel("programming pulses per inference")
    ax.set_title(title or "Write rate over the run", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return png(fig)


def sweep_lines(x_by_series: dict, *, xlabel: str, ylabel: str, title: str, logy: bool = True,
                logx: bool = False) -> bytes:
    """One line per series: ``{name: (x, y)}``; unbounded (inf) values are dropped with a note."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 3.6))
    dropped = 0
    for i, (name, (x, y)) in enumerate(sorted(x_by_series.items())):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        ok = np.isfinite(y) & np.isfinite(x)
        if logy:
            ok &= y > 0
        dropped += int((~ok).sum())
        order = np.argsort(x[ok])
        ax.plot(x[ok][order], y[ok][order], "o-", label=str(name), color=f"C{i % 10}", ms=4)
    if logy:
        ax.set_yscale("log")
    if logx:
        from matplotlib.ticker import NullFormatter, ScalarFormatter
        ax.set_xscale("log")
        xs = sorted({float(v) for x, _ in x_by_series.values() for v in np.asarray(x, float) if np.isfinite(v) and v > 0})
        ax.set_xticks(xs)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title + (f" ({dropped} unbounded points not drawn)" if dropped else ""), fontsize=10)
    if x_by_series:
        ax.legend(fontsize=8)
    return png(fig)


def pareto_front_figure(points: dict, *, xlabel: str, ylabel: str, title: str, maximise_x: bool,
                        maximise_y: bool, logx=None, logy=None) -> bytes:
    """Scatter of design points ``{series: (x, y, is_front)}`` with each series' front drawn as a
    step line (``maximise_x``/``maximise_y`` say which direction is better). ``logx``/``logy``
    default to a log axis when the positive values span more than a factor 20."""
    plt = _plt()

    def auto(idx):
        vals = np.concatenate([np.asarray(p[idx], float) for p in points.values()]) if points else np.zeros(0)
        vals = vals[np.isfinite(vals) & (vals > 0)]
        return bool(vals.size) and vals.max() / vals.min() > 20
    logx = auto(0) if logx is None else logx
    logy = auto(1) if logy is None else logy
    fig, ax = plt.subplots(figsize=(5.4, 3.8))
    for i, (name, (x, y, front)) in enumerate(sorted(points.items())):
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        front = np.asarray(front, bool)
        ok = np.isfinite(x) & np.isfinite(y) & ((x > 0) | (not logx)) & ((y > 0) | (not logy))
        c = f"C{i % 10}"
        ax.scatter(x[ok & ~front], y[ok & ~front], s=14, color=c, alpha=0.45)
        f = ok & front
        order = np.argsort(x[f])
        ax.plot(x[f][order], y[f][order], "o-", color=c, ms=5, label=f"{name} (front)")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.ticklabel_format(axis="both", style="sci", scilimits=(-3, 4), useOffset=False) if not (logx or logy) else None
    better = ("→" if maximise_x else "←") + " / " + ("↑" if maximise_y else "↓")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} (better: {better})", fontsize=10)
    if points:
        ax.legend(fontsize=8)
    return png(fig)
