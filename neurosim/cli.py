"""The ``neurosim`` command.

Each subcommand is a thin layer over the public API; problems the user can fix (a bad config, a
corrupt trace, an unknown strategy) are printed as one clear message and exit status 2, never as a
traceback.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__


class _UserError(click.ClickException):
    exit_code = 2


#: Seeds are 32-bit unsigned, as numpy's generators and the stored point keys take them.
SEED_MAX = 2**32 - 1


class _FiniteNonNegative(click.ParamType):
    """A finite number >= 0 (click's FloatRange lets ``inf`` and ``nan`` through)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        import math

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number < 0:
            self.fail(f"{value!r} is not a finite number >= 0", param, ctx)
        return number


FINITE_AGE = _FiniteNonNegative()


def _one_line(exc: BaseException) -> str:
    """The message of an unexpected but explainable failure, on one line."""
    import sqlite3

    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        what = exc.strerror or str(exc)
        return f"{where}: {what}" if where else what
    if isinstance(exc, sqlite3.Error):
        return f"database error: {exc}"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to process (RecursionError)"
    if isinstance(exc, MemoryError):
        return ("out of memory: the input needs more memory than this machine has "
                "(`neurosim validate CHIP --workload WORKLOAD` estimates it)")
    return f"{type(exc).__name__}: {exc}"


def _fmt_value(value) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        return ", ".join(
            f"{v['name']}[{v.get('size', '?')}{', input' if v.get('input') else ''}]" for v in value
        )
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _fmt_summary(summary: dict, indent: str = "  ") -> str:
    width = max(len(k) for k in summary)
    return "\n".join(f"{indent}{k:<{width}}  {_fmt_value(v)}" for k, v in summary.items())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="neurosim")
def main():
    """neurosim: cycle-accurate simulation of memristive neuromorphic hardware."""


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON.")
@click.option("--workload", "workloads", multiple=True, metavar="TRACE",
              help="Also estimate the memory of running workload TRACE (a trace folder) on each chip; repeatable.")
def validate(files, as_json, workloads):
    """Validate hardware-config FILES (paths or preset names); print errors or a chip summary.

    A chip (with each --workload) whose estimated memory exceeds what this machine has available
    (or NEUROSIM_MEMORY_LIMIT) is refused with the estimate; otherwise the summary shows it."""
    from .config import HardwareConfigError, load_hardware
    from .config.resources import check_fits
    from .errors import ResourceLimitError
    from .workload import WorkloadError, load_workload

    failed = 0
    summaries = {}
    loaded = []
    for w in workloads:
        try:
            loaded.append((w, load_workload(w)))
        except WorkloadError as exc:
            failed += 1
            click.echo(f"{w}: INVALID workload", err=True)
            click.echo(f"  {exc}", err=True)
    for f in files:
        try:
            hw = load_hardware(f)
        except HardwareConfigError as exc:
            failed += 1
            click.echo(f"{f}: INVALID ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''})", err=True)
            for issue in exc.issues:
                click.echo(f"  {issue}", err=True)
            continue
        summary = hw.summary()
        problems = []
        for w, wl in [(None, None)] + loaded:
            what = "the chip alone" if w is None else f"running {w}"
            try:
                est = check_fits(hw, wl, what=what)
            except ResourceLimitError as exc:
                problems.append(f"{hw.source_file or f}: {exc}")
                continue
            key = "memory" if w is None else f"memory with {w}"
            summary[key] = est.describe(top=1)
            if as_json:
                summary[f"{key} (bytes)"] = est.total_bytes
        if problems:
            failed += 1
            click.echo(f"{f}: TOO LARGE for this machine ({len(problems)} problem{'s' if len(problems) != 1 else ''})",
                       err=True)
            for line in problems:
                click.echo(f"  {line}", err=True)
            continue
        summaries[f] = summary
        if not as_json:
            click.echo(f"{f}: OK")
            click.echo(_fmt_summary(summary))
    if as_json:
        click.echo(json.dumps(summaries, indent=2))
    if failed:
        sys.exit(2)


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file (must not exist).")
def schema(out):
    """Print the JSON Schema of hardware-config files (for editor completion)."""
    from .config.docgen import json_schema_text

    text = json_schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    path = Path(out)
    if path.exists():
        raise _UserError(f"{path} exists; refusing to overwrite it")
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


@main.command()
@click.argument("workloads", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON.")
def info(workloads, as_json):
    """Load WORKLOADS (trace directories) and print a summary of each."""
    from .workload import WorkloadError, load_workload, summary

    failed = 0
    out = {}
    for w in workloads:
        try:
            wl = load_workload(w)
        except WorkloadError as exc:
            failed += 1
            click.echo(f"{w}: INVALID: {exc}", err=True)
            continue
        out[w] = summary(wl)
        if not as_json:
            click.echo(f"{w}:")
            click.echo(_fmt_summary(out[w]))
    if as_json:
        click.echo(json.dumps(out, indent=2, default=str))
    if failed:
        sys.exit(2)


@main.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Result store (default: SPEC with the suffix .db). An existing store is resumed, never overwritten.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Local worker processes.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://HOST:PORT); needs the 'dask' extra.")
@click.option("--max-points", type=click.IntRange(min=1), default=None,
              help="Refuse specs of more points than this (default: 20,000 or $NEUROSIM_MAX_SWEEP_POINTS).")
@click.option("--allow-code", is_flag=True,
              help="Let the spec's `function:` name any module:function, not only registered point functions. "
                   "This spec runs code: use it only for specs you trust.")
def sweep(spec, db_path, workers, scheduler, max_points, allow_code):
    """Run the sweep SPEC (YAML); resumes where a previous run stopped.

    The spec is checked completely (every key, the point count, the point function) before the
    store is opened or a point runs; a --db file that is not a neurosim result store is refused
    without being modified."""
    from .sweep import SweepSpecError, run_sweep

    db = Path(db_path) if db_path else Path(spec).with_suffix(".db")
    try:
        summary = run_sweep(spec, db, workers=workers, scheduler=scheduler, allow_code=allow_code,
                            max_points=max_points)
    except SweepSpecError as exc:
        click.echo(f"{spec}: INVALID sweep spec ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''})", err=True)
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        sys.exit(2)
    except RuntimeError as exc:
        raise _UserError(str(exc)) from None
    except OSError as exc:
        if scheduler:
            raise _UserError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        raise
    click.echo(str(summary))
    if summary.failed:
        sys.exit(1)


def _shipped_traces(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/manifest.yaml"))


@main.command()
@click.option("--traces", "traces_dir", type=click.Path(file_okay=False), default=None,
              help="Directory of shipped workloads (default: traces/ beside the package).")
def quickstart(traces_dir):
    """The main job on the shipped configs and workloads: validate every chip, summarise every workload."""
    from .config import load_hardware, preset_names
    from .workload import load_workload, summary

    click.echo(f"neurosim {__version__}: shipped hardware configs")
    for name in preset_names():
        hw = load_hardware(name)
        click.echo(f"- {name}: OK")
        click.echo(_fmt_summary(hw.summary(), indent="    "))
    root = Path(traces_dir) if traces_dir else Path(__file__).resolve().parent.parent / "traces"
    traces = _shipped_traces(root)
    click.echo(f"\nshipped workloads in {root}: {len(traces)}")
    if not traces:
        raise _UserError(f"no workloads found in {root} (expected directories holding manifest.yaml)")
    for path in traces:
        wl = load_workload(path)
        click.echo(f"- {path.name}")
        click.echo(_fmt_summary(summary(wl), indent="    "))


def _strategy_choice(value, what):
    from .mapping import STRATEGIES
    if value is not None and value not in STRATEGIES:
        raise _UserError(f"{what}: unknown mapping strategy {value!r}; choose one of {', '.join(sorted(STRATEGIES))}")
    return value


@main.command("run")
@click.argument("hwconfig")
@click.argument("workload")
@click.option("--mapping", "strategy", default="espine", show_default=True, help="Mapping strategy of the run.")
@click.option("--baseline", default=None, help="Baseline mapping strategy; lifetimes are also reported relative to it.")
@click.option("--ticks", type=click.IntRange(min=1), default=None, help="Ticks to simulate (default: the whole workload).")
@click.option("--seed", type=click.IntRange(0, SEED_MAX), default=0, show_default=True,
              help="Seed of mapping and device randomness (0 to 2**32-1).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: a new numbered folder neurosim-run-NNN in the current directory).")
@click.option("--force", is_flag=True, help="Write into an existing, non-empty --out folder (its files are overwritten).")
@click.option("--ideal/--no-ideal", default=True, show_default=True,
              help="Also run the ideal chip (ISI distortion, spike disorder, ideal accuracy).")
@click.option("--aging/--no-aging", default=True, show_default=True, help="Age the chip and rerun the workload at each age.")
@click.option("--age", "ages", type=FINITE_AGE, multiple=True,
              help="Chip age in seconds for the aging study (repeat; default: multiples of the chip lifetime).")
@click.option("--timing", type=click.Choice(["cycle", "functional"]), default="cycle", show_default=True,
              help="Engine timing model: cycle-accurate, or functional (same spikes, wear and energy without "
                   "latency; much faster, docs/engine.md §8).")
def run_cmd(hwconfig, workload, strategy, baseline, ticks, seed, out_dir, force, ideal, aging, ages, timing):
    """Map WORKLOAD onto HWCONFIG, simulate, evaluate; write results.json, CSV tables and report.html."""
    from .config import load_hardware
    from .workload import load_workload

    hw = load_hardware(hwconfig)
    wl = load_workload(workload)
    _strategy_choice(strategy, "--mapping")
    _strategy_choice(baseline, "--baseline")
    if ticks is not None and ticks > wl.n_ticks:
        raise _UserError(f"--ticks: the workload {wl.name!r} lasts {wl.n_ticks} ticks, {ticks} asked")
    from .config.resources import check_fits

    check_fits(hw, wl, ticks, what=f"neurosim run of {wl.name!r}", stage="run")
    from .engine import EngineError
    from .report import OutputExists, new_out_dir, run_study, write_outputs
    from .report.figures import MatplotlibMissing, _plt

    try:
        _plt()
    except MatplotlibMissing as exc:
        raise _UserError(str(exc)) from None
    try:
        folder = new_out_dir(out_dir, force=force)
    except OutputExists as exc:
        raise _UserError(f"--out: {exc}") from None
    folder.open()
    try:
        study = run_study(hw, wl, strategy=strategy, baseline=baseline, ticks=ticks, seed=seed, ideal=ideal,
                          aging=aging, ages_s=list(ages) or None, timing=timing)
        study.hw_source, study.workload_source = str(hwconfig), str(workload)
        out = write_outputs(study, folder)
    except (EngineError, MatplotlibMissing) as exc:
        raise _UserError(str(exc)) from None
    except OutputExists as exc:
        raise _UserError(f"--out: {exc}") from None
    finally:
        folder.discard()
    ev = study.evaluation
    from .report.html import fmt
    click.echo(f"neurosim run: {wl.name} on {hw.name}, mapping {strategy}"
               + (f" (baseline {baseline})" if baseline else "") + f", {study.ticks} ticks")
    for kind, label in (("write", "write (effective) lifetime"), ("read", "inference (read) lifetime")):
        life = ev.lifetime[kind]
        rel = life.get("relative_to_baseline")
        click.echo(f"  {label:<28} {fmt(life['chip']['inferences'])} inferences = {fmt(life['chip']['years'])} years"
                   + ((f"  ({fmt(rel)} x baseline)" if rel is not None else "  (unbounded, as the baseline)")
                      if baseline else ""))
        if kind == "write" and life["bounded"]:
            r, ra = life["rate"], life["run_average"]["chip"]
            click.echo(f"  {'  write rate':<28} {r['method']}" + ("" if r["steady"] else " (no steady state seen)")
                       + f"; run average as if steady: {fmt(ra['inferences'])} inferences = {fmt(ra['years'])} years")
    e = ev.energy
    click.echo(f"  {'energy per inference':<28} {fmt(e['per_inference_pj']['total'])} pJ"
               f"  (dynamic {fmt(e['dynamic_per_inference_pj'])} pJ, static {fmt(e['static_per_inference_pj'])} pJ "
               f"from {fmt(e.get('powered_tiles'))} of {fmt(e.get('tiles'))} tiles; power {fmt(e['power_w']['total'])} W)")
    if timing == "functional":
        click.echo(f"  {'spike latency':<28} not modelled (--timing functional)")
    else:
        click.echo(f"  {'spike latency':<28} mean {fmt(ev.latency['packet_latency_cycles']['mean'])} cycles, "
                   f"max {fmt(ev.latency['packet_latency_cycles']['max'])}; overruns {ev.latency['overruns']}")
    if ev.accuracy and ev.accuracy.get("accuracy") is not None:
        ideal_acc = ev.accuracy.get("ideal_accuracy")
        click.echo(f"  {'accuracy':<28} {fmt(ev.accuracy['accuracy'])} on {ev.accuracy['samples']} samples"
                   + (f" (ideal chip {fmt(ideal_acc)})" if ideal_acc is not None else ""))
    if ev.timing:
        t = ev.timing
        click.echo(f"  {'against the ideal chip':<28} spikes {fmt(t['spikes'])} vs {fmt(t['ideal_spikes'])}; same neuron "
                   f"and tick: recall {fmt(t['recall'])}, precision {fmt(t['precision'])}")
    rng_ = study.result.extra.get("weight_range") or {}
    for g in rng_.get("gained", []):
        click.echo(f"  {'weight range':<28} input gain {fmt(g['gain'])} on {g['neurons']} neurons of {g['population']} "
                   f"(weights beyond ±{fmt(hw.device.weight_scale)}; exact)")
    for c in rng_.get("clipped", []):
        click.echo(f"  {'weight range':<28} CLIPPED {c['synapses']} of {c['of']} synapses of {c['projection']} "
                   f"(weights in [{fmt(c['min'])}, {fmt(c['max'])}], device ±{fmt(c['range'])})")
    click.echo(f"wrote {out / 'report.html'}, {out / 'results.json'} and CSV tables")


@main.command("report")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: DB's name with _report, beside it).")
@click.option("--force", is_flag=True, help="Write into an existing, non-empty output folder.")
@click.option("--sweep", "sweep_name", default=None, help="Report only this sweep of the store.")
def report_cmd(db, out_dir, force, sweep_name):
    """Render the endurance sweep report of the result store DB (from `neurosim sweep`)."""
    from .report import OutputExists
    from .report.figures import MatplotlibMissing
    from .sweep.report import SweepReportError, write_sweep_report

    try:
        out = write_sweep_report(db, out_dir, force=force, sweep=sweep_name)
    except (SweepReportError, OutputExists, MatplotlibMissing) as exc:
        raise _UserError(str(exc)) from None
    click.echo(f"wrote {out / 'report.html'} (figures in {out / 'figures'}, CSV tables in {out})")


@main.command("map")
@click.argument("hwconfig")
@click.argument("workload")
@click.option("--strategy", default="espine", show_default=True, help="Mapping strategy.")
@click.option("--seed", type=click.IntRange(0, SEED_MAX), default=0, show_default=True,
              help="Seed of the strategy's randomness (0 to 2**32-1).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Save the mapping to this .npz file (must not exist).")
@click.option("--json", "as_json", is_flag=True, help="Print the mapping metrics as JSON.")
def map_cmd(hwconfig, workload, strategy, seed, out_path, as_json):
    """Map WORKLOAD onto HWCONFIG and print predicted metrics (traffic, hops, lifetimes)."""
    from .config import load_hardware
    from .profiling import cli_map
    from .workload import load_workload

    hw = load_hardware(hwconfig)
    wl = load_workload(workload)
    _strategy_choice(strategy, "--strategy")
    from .config.resources import check_fits

    check_fits(hw, wl, what=f"mapping {wl.name!r} (its activity is profiled by a simulation)", stage="simulate")
    out = cli_map(hw, wl, strategy=strategy, seed=seed, out_path=out_path)
    if as_json:
        from .report.results import jsonable
        click.echo(json.dumps(jsonable(out), indent=2))
        return
    click.echo(f"{wl.name} on {hw.name}, strategy {strategy}, seed {seed}:")
    click.echo(_fmt_summary({k: v for k, v in out.items() if not isinstance(v, (list, dict))}))


# ---------------------------------------------------------------------------------------- studies
@main.group("study")
def study_group():
    """Reproduce the anchor studies (docs/results.md): `espine` and `read-endurance`."""


def _study_options(fn):
    for opt in reversed([
        click.option("--quick", is_flag=True, help="The reduced form (smaller workloads, fewer ticks; what CI runs)."),
        click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
                     help="Output folder (default: a new numbered folder neurosim-study-NAME-NNN in the current directory)."),
        click.option("--force", is_flag=True, help="Write into an existing, non-empty --out folder."),
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Local worker processes."),
        click.option("--store", "store", type=click.Path(dir_okay=False), default="neurosim-studies.db", show_default=True,
                     help="Resumable result store (SQLite); points already in it are not recomputed."),
    ]):
        fn = opt(fn)
    return fn


def _run_study_cmd(name, quick, out_dir, force, workers, store):
    from .report import OutputExists, new_out_dir
    from .report.figures import MatplotlibMissing, _plt
    from .studies import run_study_plan, write_study
    from .studies.output import _pct

    try:
        _plt()
    except MatplotlibMissing as exc:
        raise _UserError(str(exc)) from None
    try:
        folder = new_out_dir(out_dir, force=force, prefix=f"neurosim-study-{name}")
    except OutputExists as exc:
        raise _UserError(f"--out: {exc}") from None
    folder.open()
    try:
        res = run_study_plan(name, quick=quick, store=store, workers=workers, log=lambda m: click.echo(m, err=True))
        cmd = f"neurosim study {name}" + (" --quick" if quick else "") + (f" --workers {workers}" if workers > 1 else "")
        with folder:
            write_study(res, folder.path, commands=[cmd])
    except RuntimeError as exc:
        raise _UserError(str(exc)) from None
    finally:
        folder.discard()
    out = folder.final
    from .report.html import fmt
    plan = res.plan
    click.echo(f"neurosim study {name}{' (quick)' if quick else ''}: {plan['hwconfig']}, lifetime normalised to "
               f"{plan['normalise_to']}")
    for r in res.tables.get("main", []):
        if r["strategy"] == plan["normalise_to"]:
            continue
        norm = r.get("lifetime_norm")
        click.echo(f"  {r['workload']:<16} {r['strategy']:<11} "
                   + (f"{norm:7.3f}x  energy {100 * r['energy_overhead']:+6.2f} % (dynamic "
                      f"{_pct(r.get('dynamic_energy_overhead'))})  latency {100 * r['latency_overhead']:+6.2f} %"
                      if norm is not None and r.get("latency_overhead") is not None else
                      (f"{norm:7.3f}x" if norm is not None else "does not fit / unbounded")))
    for s, a in res.averages.items():
        if s != plan["normalise_to"] and a.get("workloads"):
            click.echo(f"  mean {s}: arithmetic {fmt(a['lifetime_norm_arithmetic_mean'])}x, geometric "
                       f"{fmt(a['lifetime_norm_geometric_mean'])}x over {a['workloads']} workloads")
    click.echo(f"wrote {out / 'report.html'}, {out / 'results.json'}, CSV tables and figures/ "
               f"({res.timing['wall_s']:.0f} s)")


@study_group.command("espine")
@_study_options
def study_espine(quick, out_dir, force, workers, store):
    """eSpine: write lifetime of espine_pcm with on-chip learning; sequential / spinemap / espine."""
    _run_study_cmd("espine", quick, out_dir, force, workers, store)


@study_group.command("read-endurance")
@_study_options
def study_read_endurance(quick, out_dir, force, workers, store):
    """Read disturb: inference lifetime of rram_inference; sequential / spinemap / read-aware."""
    _run_study_cmd("read-endurance", quick, out_dir, force, workers, store)


def run():
    """Entry point: every failure becomes one message and a non-zero exit status, never a traceback.

    Input the user can fix (:class:`neurosim.errors.InputError`, usage errors) exits with status 2;
    a file system, database or memory failure with status 1 and its one-line cause; anything else is
    a bug in neurosim, reported as such (``NEUROSIM_DEBUG=1`` shows the traceback).
    """
    import os
    import warnings

    from .errors import InputError

    if not os.environ.get("NEUROSIM_DEBUG"):
        # warnings of the model (clipped weights, ADC saturation, no steady write rate) as one line each,
        # like errors; NEUROSIM_DEBUG=1 keeps Python's form with the source line
        warnings.formatwarning = lambda message, category, *args, **kw: f"warning: {message}\n"
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "neurosim"
        click.echo(f"error: {exc.format_message()} (see '{command} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("NEUROSIM_DEBUG"):
            raise
        import sqlite3

        if isinstance(exc, (OSError, sqlite3.Error, RecursionError, MemoryError)):
            click.echo(f"error: {_one_line(exc)}", err=True)
            sys.exit(1)
        click.echo(f"internal error: {_one_line(exc)} -- this is a bug in neurosim; rerun with "
                   "NEUROSIM_DEBUG=1 for the traceback and report it", err=True)
        sys.exit(3)


if __name__ == "__main__":
    run()
