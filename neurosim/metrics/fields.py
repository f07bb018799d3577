"""Every flat result field, defined once: key, unit, meaning and how it is computed.

A run's flat result (what a sweep or study point stores, ``results.json``'s ``summary``, the
``summary.csv`` of ``neurosim run``, the sweep's ``points.csv``, the study's ``points.csv``, and
the field tables of the three HTML reports) is built here and only here. To add a result field,
add one :class:`Field` to :data:`EVALUATION_FIELDS` (computed from the
:class:`~neurosim.metrics.Evaluation`) or :data:`RUN_FIELDS` (from the chip, workload, mapping and
engine result); docs/architecture.md has the recipe.

Values are scalars (numbers, strings, booleans or None); unbounded lifetimes are ``inf``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

__all__ = ["Field", "EVALUATION_FIELDS", "RUN_FIELDS", "AGING_FIELDS", "SWEEP_AGING_KEYS", "HW_AXES",
           "flat_evaluation", "flat_result", "describe", "all_fields", "markdown_table"]


@dataclass(frozen=True)
class Field:
    """One flat result field: ``key``, ``unit`` ("" for counts and names, "1" for ratios), ``doc``
    (one line), ``get(obj)`` (the value; ``obj`` an Evaluation for evaluation fields, a run for run
    fields) and ``when(obj)`` (False: the field is absent from this result)."""

    key: str
    unit: str
    doc: str
    get: Callable[[Any], Any]
    when: Optional[Callable[[Any], bool]] = None


def _life(kind, unit):
    return lambda ev: ev.lifetime[kind]["chip"][unit]


def _lat(block, stat):
    return lambda ev: ev.latency[block][stat]


def _energy_fields():
    from ..engine.result import ENERGY_CLASSES
    return [Field(f"energy_per_inference_pj.{k}", "pJ", f"energy per inference in the engine's class {k!r} "
                  "(docs/engine.md, Energy)", (lambda k: lambda ev: ev.energy["per_inference_pj"][k])(k))
            for k in ENERGY_CLASSES + ("total",)]


_LIFE_UNITS = {"inferences": "inferences", "seconds": "s", "years": "years", "clock_cycles": "cycles"}

#: Fields computed from the :class:`~neurosim.metrics.Evaluation` of a run (``Evaluation.flat()``).
EVALUATION_FIELDS: list = [
    Field("hw", "", "chip name", lambda ev: ev.hw_name),
    Field("workload", "", "workload name", lambda ev: ev.workload_name),
    Field("strategy", "", "mapping strategy", lambda ev: ev.strategy),
    Field("ticks", "ticks", "ticks simulated", lambda ev: ev.run["ticks"]),
    Field("inferences", "inferences", "inferences in the ticks simulated (sample windows; the whole run is one without them)",
          lambda ev: ev.run["inferences"]),
    Field("run_seconds", "s", "simulated time of the run", lambda ev: ev.run["seconds"]),
    Field("spikes", "", "spikes of non-input neurons", lambda ev: ev.run["spikes"]),
    Field("crossbars_used", "", "crossbars holding synapses or neuron circuits", lambda ev: ev.run["crossbars_used"]),
    Field("tiles_used", "", "tiles holding used crossbars", lambda ev: ev.run["tiles_used"]),
] + [
    Field(f"{kind}_lifetime_{unit}", u,
          "write (effective) lifetime of the chip: its weakest used cell, at the steady-state write rate "
          "(write_rate_method; docs/design.md#lifetimes)" if kind == "write" else
          "inference (read) lifetime of the chip: its weakest used cell", _life(kind, unit))
    for kind in ("write", "read") for unit, u in _LIFE_UNITS.items()
] + [
    Field(f"write_lifetime_run_average_{unit}", u, "write lifetime with each cell's average write rate of the run "
          "taken as steady from tick 0 (the write lifetime before issue 15; grows with the run on learning chips)",
          (lambda unit: lambda ev: ev.lifetime["write"]["run_average"]["chip"][unit])(unit))
    for unit, u in _LIFE_UNITS.items()
] + [
    Field("write_rate_method", "", "how the write lifetime's rate was found: steady_state (seen in the run), "
          "latest_rate (each cell's rate after the transient or over the last third, not shown steady: a lower "
          "bound), run_average (too few windows, or no write history), no_writes",
          lambda ev: ev.lifetime["write"]["rate"]["method"]),
] + [
    Field(f"write_lifetime_fit_{unit}", u, "write lifetime extrapolated along the decay model fitted to the "
          "per-window writes (a model extrapolation beside the write lifetime; null without a usable fit)",
          (lambda unit: lambda ev: (ev.lifetime["write"]["rate"].get("fit_extrapolated") or {}).get(unit))(unit))
    for unit, u in (("inferences", "inferences"), ("years", "years"))
] + [
    Field("write_rate_steady", "", "true when the run reached a steady write rate (else the write lifetime is a "
          "lower bound from the latest rates or a run average, and a warning says so)",
          lambda ev: ev.lifetime["write"]["rate"]["steady"]),
    Field("write_rate_fit_r2", "1", "deviance R² of the decay model fitted to the per-window write counts "
          "(Poisson; 1 - D(model) / D(constant rate); null: no fit)",
          lambda ev: (ev.lifetime["write"]["rate"]["fit"] or {}).get("r2")),
    Field("write_rate_steady_per_inference", "pulses", "programming pulses per inference of the chip at the rate "
          "the write lifetime uses (over the tail it takes the cells' rates from; null for run_average)",
          lambda ev: ev.lifetime["write"]["rate"]["steady_per_inference"]),
    Field("write_rate_run_average_per_inference", "pulses", "programming pulses per inference of the chip over the run",
          lambda ev: ev.lifetime["write"]["rate"]["run_average_per_inference"]),
    Field("write_rate_onset_inferences", "inferences", "where the steady write rate starts (the fitted transient "
          "falls to 10 % of it; null when unknown)", lambda ev: ev.lifetime["write"]["rate"]["onset_inferences"]),
] + [
    Field(f"{kind}_lifetime_rel_baseline", "1", f"{kind} lifetime / the baseline strategy's (null without a baseline, "
          "or when both are unbounded)", (lambda kind: lambda ev: ev.lifetime[kind].get("relative_to_baseline"))(kind))
    for kind in ("write", "read")
] + [
    Field("lifetime_inferences", "inferences", "min(write, read) lifetime",
          lambda ev: min(_life("write", "inferences")(ev), _life("read", "inferences")(ev))),
    Field("lifetime_seconds", "s", "min(write, read) lifetime",
          lambda ev: min(_life("write", "seconds")(ev), _life("read", "seconds")(ev))),
] + _energy_fields() + [
    Field("energy_per_inference_pj", "pJ", "total energy per inference (leakage included)",
          lambda ev: ev.energy["per_inference_pj"]["total"]),
    Field("energy_dynamic_per_inference_pj", "pJ", "dynamic energy per inference: every event class but leakage "
          "(what a mapping controls)", lambda ev: ev.energy["dynamic_per_inference_pj"]),
    Field("energy_static_per_inference_pj", "pJ", "static energy per inference: leakage of the powered tiles",
          lambda ev: ev.energy["static_per_inference_pj"]),
    Field("powered_tiles", "", "tiles that leak (leakage.gating: idle_tiles = tiles with used crossbars or router "
          "traffic; none = all)", lambda ev: ev.energy.get("powered_tiles")),
    Field("power_w", "W", "mean power over the run", lambda ev: ev.energy["power_w"]["total"]),
    Field("busy_cycles_per_tick_mean", "cycles", "mean cycles from a tick's start until its spike traffic ended",
          _lat("busy_cycles_per_tick", "mean")),
    Field("busy_cycles_per_tick_max", "cycles", "max of the same", _lat("busy_cycles_per_tick", "max")),
    Field("cycles_per_tick_mean", "cycles", "mean tick length (the period, or longer on overrun)",
          _lat("cycles_per_tick", "mean")),
    Field("packet_latency_mean_cycles", "cycles", "mean spike delivery latency of a packet",
          _lat("packet_latency_cycles", "mean")),
    Field("packet_latency_p99_cycles", "cycles", "99th percentile of the same", _lat("packet_latency_cycles", "p99")),
    Field("packet_latency_max_cycles", "cycles", "max of the same", _lat("packet_latency_cycles", "max")),
    Field("overruns", "ticks", "ticks whose work exceeded the tick period", lambda ev: ev.latency["overruns"]),
    Field("isi_distortion_mean_abs_cycles", "cycles", "mean |ISI change| against the ideal chip (SpiNeMap)",
          lambda ev: ev.timing["isi_distortion_cycles"]["mean_abs"], when=lambda ev: bool(ev.timing)),
    Field("isi_distortion_max_cycles", "cycles", "max ISI change against the ideal chip",
          lambda ev: ev.timing["isi_distortion_cycles"]["max"], when=lambda ev: bool(ev.timing)),
    Field("spike_disorder", "", "spikes received out of order against the ideal chip (SpiNeMap)",
          lambda ev: ev.timing["spike_disorder"], when=lambda ev: bool(ev.timing)),
    Field("spike_recall", "1", "fraction of the ideal chip's spikes also fired here (same neuron, same tick)",
          lambda ev: ev.timing["recall"], when=lambda ev: bool(ev.timing)),
    Field("spike_precision", "1", "fraction of this chip's spikes also fired on the ideal chip (same neuron, same tick)",
          lambda ev: ev.timing["precision"], when=lambda ev: bool(ev.timing)),
    Field("accuracy", "1", "classification accuracy of the labelled samples in the run",
          lambda ev: ev.accuracy["accuracy"], when=lambda ev: bool(ev.accuracy) and ev.accuracy.get("accuracy") is not None),
]

#: Chip parameters copied into every point result (``hw.<name>``), so reports can plot against
#: them even when a sweep does not override them.
HW_AXES = {
    "crossbar_rows": lambda hw: hw.tile.crossbar_rows,
    "crossbar_columns": lambda hw: hw.tile.crossbar_columns,
    "crossbars_per_tile": lambda hw: hw.tile.crossbars_per_tile,
    "wire_resistance_row_ohm": lambda hw: hw.crossbar.wire_resistance_row_ohm,
    "wire_resistance_col_ohm": lambda hw: hw.crossbar.wire_resistance_col_ohm,
    "read_voltage_v": lambda hw: hw.crossbar.read_voltage_v,
    "program_voltage_v": lambda hw: hw.crossbar.program_voltage_v,
    "ambient_k": lambda hw: hw.device.temperature.ambient_k,
    "device": lambda hw: hw.device.type,
    "levels": lambda hw: hw.device.levels,
    "n_tiles": lambda hw: hw.n_tiles,
}
_HW_UNITS = {"wire_resistance_row_ohm": "ohm", "wire_resistance_col_ohm": "ohm", "read_voltage_v": "V",
             "program_voltage_v": "V", "ambient_k": "K"}

_COUNTS = {"write_pulses": "programming pulses applied (learning and refresh)",
           "row_reads": "crossbar row reads", "synaptic_events": "synapses read (spikes × fan-out on chip)",
           "packets": "spike packets injected into the network on chip", "flit_hops": "flits moved by routers",
           "failed_cells": "cells worn out (stuck) by the end of the run", "refresh_writes": "refresh writes of drifted cells",
           "adc_saturations": "effective-weight readings beyond the ADC full scale (read as its largest code)"}


def _cells(run, key):
    return ((run.mapping.metadata or {}).get("cells") or {}).get(key)


#: Fields computed from the run's chip (``run.hw``), workload, mapping and engine result.
RUN_FIELDS: list = [
    Field("workload_name", "", "name of the workload (after any study transform)", lambda r: r.workload.name),
    Field("plastic_synapses", "", "synapses that learn on chip", lambda r: int(r.workload.network.n_plastic)),
    Field("synapses", "", "synapses of the network", lambda r: int(r.workload.network.n_synapses)),
] + [
    Field(f"hw.{name}", _HW_UNITS.get(name, ""), f"chip parameter {name}", (lambda g: lambda r: g(r.hw))(get))
    for name, get in HW_AXES.items()
] + [
    Field("map.cell_lifetime_neuron_order", "inferences", "cell-placement objective before placement (neuron order)",
          lambda r: _cells(r, "cell_lifetime_neuron_order")),
    Field("map.cell_lifetime_placed", "inferences", "cell-placement objective after placement",
          lambda r: _cells(r, "cell_lifetime_placed")),
    Field("map.cell_moves", "", "rows and columns moved by cell placement", lambda r: _cells(r, "cell_moves")),
    Field("weight_range.gained_neurons", "", "neurons given an input gain for weights beyond the device range "
          "(neurosim.devices.gain)", lambda r: sum(g["neurons"] for g in r.result.extra.get("weight_range", {}).get("gained", []))),
    Field("weight_range.clipped_synapses", "", "synapses whose weights were clipped to the device range (a warning "
          "names each projection)",
          lambda r: sum(c["synapses"] for c in r.result.extra.get("weight_range", {}).get("clipped", []))),
] + [
    Field(f"counts.{k}", "", doc, (lambda k: lambda r: r.result.counts[k])(k), when=(lambda k: lambda r: k in r.result.counts)(k))
    for k, doc in _COUNTS.items()
]

#: Per-age fields of an aging study (``aging.<i>.<key>`` in flat results, a row of aging.csv).
AGING_FIELDS: list = [
    Field("age_rel", "1", "age as a multiple of the chip's inference (else write) lifetime", lambda a: a["age_rel"],
          when=lambda a: "age_rel" in a),
    Field("age_s", "s", "age of the chip", lambda a: a["age_s"]),
    Field("age_years", "years", "age of the chip", lambda a: a["age_years"]),
    Field("age_inferences", "inferences", "inferences run by that age", lambda a: a["age_inferences"]),
    Field("accuracy", "1", "accuracy of the aged chip", lambda a: a["accuracy"]),
    Field("energy_per_inference_pj", "pJ", "energy per inference of the aged chip", lambda a: a["energy_per_inference_pj"]),
    Field("packet_latency_mean_cycles", "cycles", "mean spike latency of the aged chip",
          lambda a: a["packet_latency_mean_cycles"]),
    Field("packet_latency_p99_cycles", "cycles", "p99 spike latency of the aged chip", lambda a: a["packet_latency_p99_cycles"]),
    Field("busy_cycles_per_tick_mean", "cycles", "mean busy cycles per tick of the aged chip",
          lambda a: a["busy_cycles_per_tick_mean"]),
    Field("overruns", "ticks", "overruns of the aged chip", lambda a: a["overruns"]),
    Field("worn_cells", "", "used cells worn out (stuck) by that age", lambda a: a["worn_cells"]),
    Field("drifted_cells", "", "used cells whose conductance drifted by that age", lambda a: a["drifted_cells"]),
    Field("out_of_tolerance_cells", "", "cells drifted past the refresh tolerance", lambda a: a["out_of_tolerance_cells"]),
    Field("max_rel_drift", "1", "largest relative conductance drift", lambda a: a["max_rel_drift"]),
    Field("refresh_writes", "", "refresh writes by that age (policy reprogram)", lambda a: a["refresh_writes"]),
    Field("changed_synapses", "", "synapses whose weight the aging changed", lambda a: a["changed_synapses"]),
    Field("mean_abs_weight_change", "", "mean |weight change| of the synapses (network units)",
          lambda a: a["mean_abs_weight_change"]),
    Field("simulated", "", "true when the aged chip was simulated (false: nothing changed, the new chip's metrics)",
          lambda a: a["simulated"]),
]

#: The per-age keys sweep points store (a subset, to keep sweep stores small).
SWEEP_AGING_KEYS = ("age_s", "accuracy", "energy_per_inference_pj", "packet_latency_mean_cycles", "worn_cells",
                    "drifted_cells", "refresh_writes")


def _emit(fields, obj, out: dict, prefix: str = "") -> dict:
    for f in fields:
        if f.when is None or f.when(obj):
            out[prefix + f.key] = f.get(obj)
    return out


def flat_evaluation(ev) -> dict:
    """The :data:`EVALUATION_FIELDS` of an Evaluation (``Evaluation.flat()``)."""
    return _emit(EVALUATION_FIELDS, ev, {})


def aging_rows(aging: Optional[dict], keys=None) -> list:
    """The :data:`AGING_FIELDS` of each age of an aging study (``keys``: only these)."""
    fields = AGING_FIELDS if keys is None else [f for f in AGING_FIELDS if f.key in keys]
    return [_emit(fields, row, {}) for row in (aging or {}).get("ages", [])]


def flat_result(run, *, aging_keys=None) -> dict:
    """The flat result of a run (a :class:`neurosim.experiment.Run`): evaluation fields, run fields,
    and with an aging study ``aging.n``, ``aging.<i>.<key>`` and ``time_to_first_reprogram_s``."""
    out = flat_evaluation(run.evaluation)
    _emit(RUN_FIELDS, run, out)
    if run.aging is not None:
        rows = aging_rows(run.aging, aging_keys)
        out["aging.n"] = len(rows)
        for i, row in enumerate(rows):
            for k, v in row.items():
                out[f"aging.{i}.{k}"] = v
        out["time_to_first_reprogram_s"] = run.aging["time_to_first_reprogram_s"]
    return out


def all_fields() -> list:
    """Every field, with the prefix it is stored under: (key, unit, doc)."""
    rows = [(f.key, f.unit, f.doc) for f in EVALUATION_FIELDS + RUN_FIELDS]
    rows.append(("aging.n", "", "ages in the aging study"))
    rows += [(f"aging.<i>.{f.key}", f.unit, f.doc) for f in AGING_FIELDS]
    rows.append(("time_to_first_reprogram_s", "s", "the chip's inference (read) lifetime: first drift past tolerance"))
    return rows


def describe(key: str) -> tuple:
    """(unit, doc) of a flat key (``aging.3.accuracy`` is looked up as ``aging.<i>.accuracy``);
    ("", "") for keys no field defines (a point function's own keys)."""
    import re
    k = re.sub(r"^aging\.\d+\.", "aging.<i>.", key)
    for name, unit, doc in all_fields():
        if name == k:
            return unit, doc
    return "", ""


def markdown_table() -> str:
    """The field table of docs/results_format.md (``python scripts/gen_fields_docs.py`` writes it)."""
    from ..engine.result import ENERGY_CLASSES
    lines = ["| field | unit | meaning |", "|---|---|---|"]
    for key, unit, doc in all_fields():
        if key.startswith("energy_per_inference_pj.") and not key.endswith(f".{ENERGY_CLASSES[0]}"):
            continue
        if key.startswith("energy_per_inference_pj."):
            key = "energy_per_inference_pj.<class>"
            doc = "energy per inference in one engine class: " + ", ".join(ENERGY_CLASSES + ("total",))
        if key.startswith("hw.") and key != f"hw.{next(iter(HW_AXES))}":
            continue
        if key.startswith("hw."):
            key, unit = "hw.<name>", "as the chip key"
            doc = "chip parameters copied into every point: " + ", ".join(HW_AXES)
        lines.append(f"| `{key}` | {unit or '—'} | {doc} |")
    return "\n".join(lines) + "\n"
