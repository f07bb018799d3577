"""The memory estimate (neurosim.config.resources) against reality and the machine."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurosim import limits
from neurosim.config import load_hardware, preset_names
from neurosim.config.resources import STAGES, check_fits, estimate_memory
from neurosim.errors import ResourceLimitError

ROOT = Path(__file__).resolve().parents[1]
TRACES = sorted(p.parent for p in (ROOT / "traces").glob("*/manifest.yaml"))

#: Runs a small simulation in a fresh interpreter: peak resident memory growth from after the imports
#: (and the chip) to the end of map + simulate, and the estimate of that stage.
_MEASURE = r"""
import json, sys
from neurosim.config import load_hardware
from neurosim.config.resources import estimate_memory
from neurosim.engine import simulate
from neurosim.mapping import map_workload
from neurosim.workload import load_workload
import neurosim._core.engine_core
def status(key):
    # VmHWM, not ru_maxrss: the latter starts at the parent's resident size when a large process
    # (a pytest worker that ran Brian2) forks this one
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
hw = load_hardware(sys.argv[1])
base = status("VmRSS:")
wl = load_workload(sys.argv[2])
est = estimate_memory(hw, wl, stage="simulate")
m = map_workload(wl, hw, "sequential")
simulate(wl, hw, m)
peak = status("VmHWM:")
print(json.dumps({"growth": peak - base, "estimate": est.total_bytes,
                  "with_mapping": estimate_memory(hw, wl, mapping=m, stage="simulate").total_bytes}))
"""


@pytest.mark.parametrize("chip, trace", [("espine_pcm", "smoothing"), ("ideal", "synth_layered")])
def test_estimate_is_within_a_factor_of_the_real_peak(chip, trace):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _MEASURE, chip, str(ROOT / "traces" / trace)], env=env,
                         capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("estimate", "with_mapping"):
        ratio = got[key] / got["growth"]
        assert 0.3 <= ratio <= 3.0, (key, ratio, got)


def test_chip_alone_has_named_parts():
    est = estimate_memory(load_hardware("espine_pcm"))
    assert est.total_bytes == sum(est.parts.values())
    assert {"noc", "mapping_tables", "crossbar_programming", "evaluation_maps"} <= set(est.parts)
    assert "about" in est.describe()


def test_stages_grow():
    hw = load_hardware("espine_pcm")
    from neurosim.workload import load_workload
    wl = load_workload(ROOT / "traces" / "digits")
    sizes = [estimate_memory(hw, wl, stage=s).total_bytes for s in STAGES]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    with pytest.raises(ValueError):
        estimate_memory(hw, wl, stage="everything")


def test_delay_ring_follows_the_largest_delay():
    from neurosim.workload import load_workload
    hw = load_hardware("ideal")
    net = load_workload(ROOT / "traces" / "digits").network
    ring = estimate_memory(hw, net, 10).parts["delay_ring"]
    from dataclasses import replace
    import numpy as np
    delay = np.asarray(net.delay).copy()
    delay[0] = 100
    longer = replace(net, delay=delay)
    assert estimate_memory(hw, longer, 10).parts["delay_ring"] > 10 * ring


@pytest.mark.parametrize("overrides, part, text", [
    ({"noc.mesh_width": 100_000, "noc.mesh_height": 100_000}, "mapping_tables", "40,000,000,000 crossbars"),
    ({"tile.crossbar_rows": 1_000_000, "tile.crossbar_columns": 1_000_000}, "crossbar_programming", "1000000x1000000"),
])
def test_absurd_chips_are_refused(overrides, part, text, monkeypatch):
    monkeypatch.delenv(limits.MEMORY.env, raising=False)
    hw = load_hardware("espine_pcm", overrides=overrides)
    with pytest.raises(ResourceLimitError) as exc:
        check_fits(hw, what="the run")
    msg = str(exc.value)
    assert text in msg and "needs about" in msg and limits.MEMORY.env in msg
    assert estimate_memory(hw).dominant()[0] == part


def test_memory_limit_env_is_used(monkeypatch):
    monkeypatch.setenv(limits.MEMORY.env, "1M")
    with pytest.raises(ResourceLimitError, match=f"{limits.MEMORY.env}=1M"):
        check_fits(load_hardware("ideal"))


@pytest.mark.parametrize("chip", preset_names())
def test_every_shipped_chip_and_fitting_trace_passes(chip, monkeypatch):
    """At the real machine size, every shipped chip passes alone and with every shipped trace that
    fits it (a sequential packing needs no more crossbars than the chip has)."""
    from neurosim.config.resources import _packing
    from neurosim.workload import load_workload
    import numpy as np

    monkeypatch.delenv(limits.MEMORY.env, raising=False)
    hw = load_hardware(chip)
    check_fits(hw)
    checked = 0
    for trace in TRACES:
        wl = load_workload(trace)
        lif = np.flatnonzero(~np.asarray(wl.network.is_input))
        crossbars, _, _ = _packing(wl.network, hw.tile.crossbar_rows, hw.neurons_per_crossbar, lif)
        if crossbars > hw.n_crossbars:
            continue
        check_fits(hw, wl, what=f"{trace.name} on {chip}")
        checked += 1
    assert checked >= 3
