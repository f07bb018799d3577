"""``results.json`` (schema ``neurosim-results`` v1, docs/results_format.md) and the CSV tables of a run.

JSON conventions: SI units in key names; unbounded values (a lifetime of a cell that is never
written) are the string ``"inf"``; values that do not apply are ``null``.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

__all__ = ["RESULTS_SCHEMA", "RESULTS_SCHEMA_VERSION", "jsonable", "results_dict", "write_json", "write_tables",
           "load_results", "new_out_dir", "OutputExists"]

RESULTS_SCHEMA = "neurosim-results"
RESULTS_SCHEMA_VERSION = 1


from .outdir import OutputExists, OutputFolder  # noqa: E402  (re-exported)


def jsonable(obj):
    """Plain JSON types: numpy scalars and arrays converted, inf → "inf", -inf → "-inf", nan → null."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def results_dict(study) -> dict:
    """The results.json document of a :class:`~neurosim.report.study.Study`."""
    from .. import __version__

    ev = study.evaluation
    doc = {
        "schema": RESULTS_SCHEMA,
        "schema_version": RESULTS_SCHEMA_VERSION,
        "neurosim_version": __version__,
        "inputs": {
            "hwconfig": {"name": study.hw.name, "source": study.hw_source, "clock_hz": study.hw.clock_hz,
                         "tick_period_s": study.hw.tick_period_s, "summary": study.hw.summary()},
            "workload": {"name": study.workload.name, "source": study.workload_source,
                         "content_hash": study.workload_hash, "n_ticks": int(study.workload.n_ticks),
                         "samples": int(study.workload.n_samples)},
            "mapping": {"strategy": study.mapping.strategy, "seed": int(study.mapping.seed),
                        "crossbars_used": int(len(study.mapping.used_crossbars())),
                        "tiles_used": int(len(study.mapping.used_tiles()))},
            "baseline": None if study.baseline_mapping is None else {"strategy": study.baseline_mapping.strategy},
            "ticks": int(study.ticks),
            "seed": int(study.seed),
            "ideal_reference": study.ideal_result is not None,
        },
        # every flat result field (neurosim.metrics.fields): the same keys as a sweep or study point
        "summary": study.summary,
        **ev.to_dict(),
        "aging": study.aging,
        "files": study.files,
        # when and how long: the only keys that differ between two runs of the same inputs
        "provenance": {"created_utc": study.created_utc, "elapsed_s": study.elapsed},
    }
    return jsonable(doc)


def write_json(doc: dict, path: Path) -> None:
    path.write_text(json.dumps(jsonable(doc), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def load_results(path) -> dict:
    """Read a results.json, checking its schema name and version."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("schema") != RESULTS_SCHEMA:
        raise ValueError(f"{path}: not a neurosim results file (schema {doc.get('schema')!r})")
    if int(doc.get("schema_version", 0)) > RESULTS_SCHEMA_VERSION:
        raise ValueError(f"{path}: results schema v{doc['schema_version']} is newer than this neurosim "
                         f"(reads up to v{RESULTS_SCHEMA_VERSION})")
    return doc


def write_tables(study, out: Path) -> list[str]:
    """CSV tables of a run; returns the file names written."""
    from .tables import write_csv
    ev = study.evaluation
    names = []
    cols = ["crossbar", "tile", "rows_used", "cells_used", "write_lifetime_inferences", "write_lifetime_seconds",
            "write_lifetime_run_average_inferences", "read_lifetime_inferences", "read_lifetime_seconds", "writes_per_inference_max",
            "reads_per_inference_max", "write_endurance_min", "read_endurance_min", "failed_cells"]
    write_csv(out / "crossbars.csv", cols, ([row[c] for c in cols] for row in ev.crossbar_table))
    names.append("crossbars.csv")
    e = ev.energy
    comps = [k for k in e["run_pj"]]
    rows = [[c, e["run_pj"][c], e["per_inference_pj"][c], e["power_w"][c], e["fraction"].get(c, 1.0)] for c in comps]
    n_inf = e["run_pj"]["total"] / e["per_inference_pj"]["total"] if e["per_inference_pj"]["total"] else None
    for part, frac in (("dynamic", 1.0 - e["static_fraction"]), ("static", e["static_fraction"])):
        per = e[f"{part}_per_inference_pj"]
        rows.append([f"{part} (subtotal)", None if n_inf is None else per * n_inf, per,
                     e["power_w"]["total"] * frac, frac])
    write_csv(out / "energy.csv", ["component", "run_pj", "per_inference_pj", "power_w", "fraction"], rows)
    names.append("energy.csv")
    h = ev.latency["packet_latency_histogram"]
    write_csv(out / "latency_histogram.csv", ["latency_cycles", "packets"], zip(h["cycles"], h["count"]))
    names.append("latency_histogram.csv")
    res = study.result
    if res.traffic_end_cycle is None:        # timing="functional": the real-time schedule, no traffic timing
        busy = [None] * res.n_ticks
    else:
        busy = (np.asarray(res.traffic_end_cycle) - np.asarray(res.tick_start_cycle[:-1])).tolist()
    from ..metrics.writerate import window_table
    wrows = window_table(ev.lifetime["write"].get("rate") or {})
    if wrows:
        write_csv(out / "write_rate.csv", list(wrows[0]), ([r[c] for c in wrows[0]] for r in wrows))
        names.append("write_rate.csv")
    write_csv(out / "ticks.csv", ["tick", "start_cycle", "cycles", "busy_cycles"],
              zip(range(res.n_ticks), res.tick_start_cycle[:-1].tolist(), res.cycles_per_tick.tolist(), busy))
    names.append("ticks.csv")
    write_csv(out / "spikes.csv", ["tick", "neuron", "cycle"],
              zip(res.spikes["tick"].tolist(), res.spikes["neuron"].tolist(), res.spikes["cycle"].tolist()))
    names.append("spikes.csv")
    if study.aging:
        from ..metrics.fields import aging_rows
        write_csv(out / "aging.csv", None, aging_rows(study.aging))
        names.append("aging.csv")
    from .fields import write_summary_csv
    write_summary_csv(out / "summary.csv", study.summary)
    names.append("summary.csv")
    return names


def new_out_dir(out, *, force: bool = False, prefix: str = "neurosim-run", parent=None) -> OutputFolder:
    """The folder a command writes to, checked now and moved into place complete (see
    :class:`~neurosim.report.outdir.OutputFolder`). ``out`` given: it must not exist (or be empty)
    unless ``force`` and it holds a neurosim result; otherwise the next free ``<prefix>-NNN`` under
    ``parent`` (default: the current directory)."""
    return OutputFolder(out, force=force, prefix=prefix, parent=parent)
