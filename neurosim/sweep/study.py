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
    from ..config import load_hardware
    from ..engine import simulate
    from ..profiling import map_workload
    from ..metrics import evaluate
    from ..workload import load_workload

    opts = dict(params.get("options") or {})
    unknown = set(opts) - {"ideal", "ages_s", "mapping_options"}
    if unknown:
        raise ValueError(f"options: unknown key(s) {sorted(unknown)} for neurosim.sweep.study:run_point; "
                         "expected ideal, ages_s, mapping_options")
    seed = int(params.get("seed", 0))
    t0 = time.perf_counter()
    hw = load_hardware(params["hwconfig"], overrides=params.get("overrides") or {})
    wl = load_workload(params["workload"])
    T = wl.n_ticks if params.get("ticks") is None else int(params["ticks"])
    from ..config.resources import check_fits

    check_fits(hw, wl, T, what=f"the point {params['strategy']} on {wl.name!r}", stage="simulate")
    t1 = time.perf_counter()
    m = map_workload(wl, hw, params["strategy"], seed=seed,
                     options={"profile_ticks": T, **(opts.get("mapping_options") or {})})
    t2 = time.perf_counter()
    res = simulate(wl, hw, m, ticks=T, seed=seed)
    t3 = time.perf_counter()
    ideal = None
    if opts.get("ideal"):
        hwi = load_hardware("ideal")
        ideal = simulate(wl, hwi, map_workload(wl, hwi, "sequential", seed=seed), ticks=T, seed=seed)
    ev = evaluate(res, hw, m, ideal=ideal, workload=wl, maps=False)
    t4 = time.perf_counter()
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
    out[TIMING_KEY] = {
        "load_s": t1 - t0,
        "map_s": t2 - t1,
        "simulate_s": t3 - t2,
        "evaluate_s": t4 - t3,
        "total_s": time.perf_counter() - t0,
    }
    return out
