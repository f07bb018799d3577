#!/usr/bin/env python3
"""Rebuild the shipped workloads in traces/ deterministically.

    python3 scripts/make_traces.py                  # all of them into traces/
    python3 scripts/make_traces.py --only digits --only cuba_4000 --out /tmp/traces
    python3 scripts/make_traces.py --list

Every trace comes from one entry of ``neurosim.workload.library.CATALOG`` (a seeded generator and
its parameters, recorded in the manifest). Each manifest also records the activity of the pure
discrete-time LIF model (``reference_activity``: spikes per population, synaptic events), computed
with ``neurosim.workload.reference_lif``. Entries marked ``generated`` (too big to ship) get a
manifest only; ``load_workload`` builds and caches them on first use. Needs scikit-learn for the
digit-based workloads.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from neurosim.workload import summary  # noqa: E402
from neurosim.workload.io import save_generated_manifest, save_workload  # noqa: E402
from neurosim.workload.library import CATALOG, build  # noqa: E402
from neurosim.workload.reference_lif import simulate_lif  # noqa: E402


def reference_activity(wl) -> dict:
    """Spike counts per population and synaptic events of the pure LIF model (no plasticity)."""
    ticks, neurons = simulate_lif(wl)
    net = wl.network
    per_pop = np.bincount(net.population_of[neurons], minlength=len(net.population_names))
    return {
        "model": "neurosim.workload.reference_lif (docs/design.md#neuron-model, no plasticity)",
        "spikes": {name: int(c) for name, c in zip(net.population_names, per_pop)},
        "synaptic_events": int(net.fan_out()[neurons].sum()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", metavar="NAME", help="build only NAME (repeatable)")
    ap.add_argument("--out", default=str(ROOT / "traces"), help="output directory (default traces/)")
    ap.add_argument("--list", action="store_true", help="list the catalogue and exit")
    args = ap.parse_args(argv)
    if args.list:
        for name, spec in CATALOG.items():
            print(f"{name:16s} {spec['generator']:20s}{' (generated on first use)' if spec.get('generated') else ''}")
        return 0
    names = args.only or list(CATALOG)
    unknown = [n for n in names if n not in CATALOG]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; known: {list(CATALOG)}")
    out = Path(args.out)
    for name in names:
        t0 = time.perf_counter()
        wl, generator = build(name)
        wl.metadata["reference_activity"] = reference_activity(wl)
        target = out / name
        if CATALOG[name].get("generated"):
            save_generated_manifest(wl, target, generator, overwrite=True)
        else:
            save_workload(wl, target, overwrite=True, generator=generator)
        s = summary(wl)
        size = sum(f.stat().st_size for f in target.iterdir())
        print(f"{name:16s} neurons {s['neurons']:>7d}  synapses {s['synapses']:>8d}  "
              f"ticks {s['ticks']:>6d}  input spikes {s['input_spikes']:>7d}  "
              f"{size / 1e6:6.2f} MB  {time.perf_counter() - t0:5.1f} s"
              + (f"  accuracy {wl.metadata['accuracy']:.3f}" if "accuracy" in wl.metadata else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
