"""The default point function of a sweep: map → simulate → evaluate → one flat result dict.

``run_point(params)`` is what ``neurosim sweep`` calls for every design point (``function:
neurosim.sweep.study:run_point``, the spec's default). ``params`` holds ``hwconfig``, ``overrides``
(dotted hwconfig keys), ``workload``, ``strategy``, ``seed``, ``ticks`` and ``options``:

``options`` (all optional)
    ``ideal: true``          also run the ideal chip and report ISI distortion / spike disorder;
    ``ages_s: [..]``         age the chip to these ages (s) and report accuracy / energy / latency at each;
    ``mapping_options: {}``  passed to :func:`neurosim.map_workload` as ``options``.

The result is flat (every value a number, string, bool or null; unbounded lifetimes are ``inf``,
stored as ``"inf"``): the metrics of :meth:`neurosim.metrics.Evaluation.flat`, the chip parameters
that sweeps vary (``hw.*``). The time each stage took is returned under ``_timing`` and stored
apart from the result (the result stays bit-identical across runs). docs/sweeps.md lists every key.
"""
from __future__ import annotations

import time

from .runner import TIMING_KEY

__all__ = ["run_point", "HW_AXES"]

#: Chip parameters copied into every result (``hw.<name>``), so reports can plot against them even
#: when a sweep does not override them.
#: The options :func:`run_point` takes (sweep specs are checked against them before any point runs).
OPTIONS = ("ideal", "ages_s", "mapping_options")

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


def run_point(params: dict) -> dict:
    """Evaluate one sweep point; returns a flat dict of metrics (see the module docstring)."""
    from ..experiment import run_experiment

    opts = dict(params.get("options") or {})
    unknown = set(opts) - set(OPTIONS)
    if unknown:
        raise ValueError(f"options: unknown key(s) {sorted(unknown)} for neurosim.sweep.study:run_point; "
                         f"expected {', '.join(OPTIONS)}")
    run = run_experiment(params["hwconfig"], params["workload"], params["strategy"],
                         overrides=params.get("overrides"), seed=int(params.get("seed", 0)), ticks=params.get("ticks"),
                         ideal=bool(opts.get("ideal")), maps=False, mapping_options=opts.get("mapping_options"),
                         fits_stage="simulate")
    hw, wl, m, ev, T, seed = run.hw, run.workload, run.mapping, run.evaluation, run.ticks, run.seed
    out = ev.flat()
    for name, get in HW_AXES.items():
        out[f"hw.{name}"] = get(hw)
    if opts.get("ages_s"):
        from ..metrics.aging import aging_study
        aged = aging_study(ev, wl, hw, m, ages_s=[float(a) for a in opts["ages_s"]], ticks=T, seed=seed)
        for i, row in enumerate(aged["ages"]):
            for k in ("age_s", "accuracy", "energy_per_inference_pj", "packet_latency_mean_cycles", "worn_cells",
                      "drifted_cells", "refresh_writes"):
                out[f"aging.{i}.{k}"] = row[k]
        out["time_to_first_reprogram_s"] = aged["time_to_first_reprogram_s"]
    out[TIMING_KEY] = {**run.timing, "total_s": time.perf_counter() - run.started}
    return out
