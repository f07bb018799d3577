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

from ..metrics.fields import HW_AXES, SWEEP_AGING_KEYS, flat_result
from .runner import TIMING_KEY

__all__ = ["run_point", "HW_AXES"]

#: The options :func:`run_point` takes (sweep specs are checked against them before any point runs).
OPTIONS = ("ideal", "ages_s", "mapping_options")


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
                         ideal=bool(opts.get("ideal")), aging=opts.get("ages_s") or None, maps=False,
                         mapping_options=opts.get("mapping_options"), fits_stage="simulate")
    out = flat_result(run, aging_keys=SWEEP_AGING_KEYS)
    out[TIMING_KEY] = {**run.timing, "total_s": time.perf_counter() - run.started}
    return out
