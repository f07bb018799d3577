"""Cheap point functions: dry runs of a sweep that need no simulation.

``capacity_point`` resolves the point's hardware config and reports what the chip can hold; it
checks a sweep spec end to end (every override valid, every workload loadable) in seconds before a
long study is launched, and is what the sweep machinery's own tests run.
"""
from __future__ import annotations

import time

import numpy as np


def capacity_point(params: dict) -> dict:
    """Capacity summary of the point's chip against its workload's size.

    ``options.sleep_s`` (default 0) makes the point take at least that long (for demonstrations and
    tests of interrupted sweeps).
    """
    from ..config import load_hardware
    from ..workload import load_workload, summary

    hw = load_hardware(params["hwconfig"], overrides=params["overrides"])
    wl_summary = summary(load_workload(params["workload"]))
    sleep_s = float(params.get("options", {}).get("sleep_s", 0.0))
    if sleep_s > 0:
        time.sleep(sleep_s)
    chip = hw.summary()
    rng = np.random.default_rng(params["seed"])
    neurons = int(wl_summary.get("neurons", 0)) - int(wl_summary.get("inputs", 0))
    return {
        "chip": chip,
        "workload": {k: v for k, v in wl_summary.items() if isinstance(v, (int, float, str))},
        "fits_neurons": neurons <= chip["neuron_capacity"],
        "neuron_utilisation": neurons / chip["neuron_capacity"],
        "seed_draw": float(rng.random()),
    }
