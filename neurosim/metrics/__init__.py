"""Metrics of a simulated run: lifetime (write and read), energy, latency, timing fidelity, accuracy,
and aging (fast-forwarding a chip to a given age).

>>> import neurosim as ns                                                  # doctest: +SKIP
>>> ev = ns.evaluate(res, hw, m, workload=wl, ideal=res_ideal)              # doctest: +SKIP
>>> ev.lifetime["write"]["chip"]["seconds"], ev.energy["per_inference_pj"]  # doctest: +SKIP

Definitions: docs/design.md#lifetimes (lifetimes), docs/references.md#timing-metrics (timing);
docs/results_format.md.
"""
from .accuracy import complete_samples, inferences_in_run, run_accuracy
from .energy import energy_report
from .evaluate import Evaluation, evaluate, ratio
from .lifetime import (CrossbarLifetime, absolute_lifetime, cell_lifetime, crossbar_lifetimes, mapped_lines,
                       min_lifetime, used_block_mask)
from .timing import (compare_to_ideal, cycles_per_tick_stats, histogram_stats, isi_distortion, match_spikes,
                     spike_disorder)

__all__ = [
    "evaluate", "Evaluation", "ratio", "cell_lifetime", "min_lifetime", "absolute_lifetime",
    "crossbar_lifetimes", "CrossbarLifetime", "used_block_mask", "mapped_lines", "energy_report",
    "match_spikes", "isi_distortion", "spike_disorder", "compare_to_ideal", "histogram_stats",
    "cycles_per_tick_stats", "inferences_in_run", "complete_samples", "run_accuracy",
    "age_chip", "aging_study", "AgedChip",
]


def __getattr__(name):
    if name in ("age_chip", "aging_study", "AgedChip"):
        from . import aging
        return getattr(aging, name)
    raise AttributeError(f"module 'neurosim.metrics' has no attribute {name!r}")
