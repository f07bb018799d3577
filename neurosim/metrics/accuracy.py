"""Work units and classification accuracy of a simulated run.

An *inference* is one sample window of a labelled (or windowed) workload; a workload without sample
windows counts its whole simulated run as one inference. Accuracy uses the workload's readout rule
(``metadata["readout"]``, :func:`neurosim.workload.reference_lif.classify`) on the samples whose
window lies entirely inside the simulated ticks. Workloads whose readout is not "most spikes in the
sample window" (e.g. label assignment after unsupervised STDP learning) report no accuracy.
"""
from __future__ import annotations

import numpy as np

__all__ = ["inferences_in_run", "complete_samples", "run_accuracy"]


def complete_samples(wl, ticks: int) -> np.ndarray:
    """Indices of the samples whose window ``[start, start + length)`` ends within ``ticks``."""
    if wl is None or getattr(wl, "n_samples", 0) == 0:
        return np.zeros(0, np.int64)
    end = np.asarray(wl.sample_starts, np.int64) + np.asarray(wl.sample_ticks, np.int64)
    return np.flatnonzero(end <= int(ticks))


def inferences_in_run(wl, ticks: int) -> tuple[float, float, str]:
    """``(inferences, ticks per inference, unit)`` for a run of ``ticks`` ticks.

    With sample windows: the run covers ``ticks / mean sample period`` inferences (the sample period is
    the spacing of sample starts, which includes any gap between windows). Without: one inference =
    the whole run.
    """
    ticks = int(ticks)
    if wl is not None and getattr(wl, "n_samples", 0) > 0:
        starts = np.asarray(wl.sample_starts, np.int64)
        if starts.size > 1:
            period = float(np.mean(np.diff(starts)))
        else:
            period = float(np.asarray(wl.sample_ticks)[0])
        period = max(period, 1.0)
        return ticks / period, period, "sample"
    return 1.0, float(ticks), "run"


def run_accuracy(wl, spikes, ticks: int) -> dict | None:
    """Accuracy of the run's spikes on the complete samples; ``None`` for unlabelled workloads or
    workloads without a readout population."""
    if wl is None or getattr(wl, "labels", None) is None or getattr(wl, "n_samples", 0) == 0:
        return None
    readout = wl.metadata.get("readout") or {}
    if not readout.get("population"):
        return None
    decision = str(readout.get("decision", "most spikes"))
    if not decision.startswith("most spikes"):
        return None  # e.g. label assignment after unsupervised learning: not a fixed readout rule
    from ..workload.reference_lif import classify
    idx = complete_samples(wl, ticks)
    if idx.size == 0:
        return {"samples": 0, "correct": 0, "accuracy": None, "silent": 0,
                "note": f"no complete sample window in {ticks} ticks"}
    pred = classify(wl, spikes["tick"], spikes["neuron"])[idx]
    labels = np.asarray(wl.labels)[idx]
    correct = int(np.count_nonzero(pred == labels))
    return {"samples": int(idx.size), "correct": correct, "accuracy": correct / idx.size,
            "silent": int(np.count_nonzero(pred < 0))}
