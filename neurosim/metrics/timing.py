"""Latency, ISI distortion and spike disorder (SpiNeMap's NoC-simulator metrics, docs/references.md#timing-metrics).

SpiNeMap (Balaji et al., IEEE TVLSI 2020) compares the times spikes are *received* with the times
they were *generated*:

* spike latency ``t_recv − t_gen`` per delivered spike — the engine's packet latencies;
* ISI distortion, for consecutive spikes k−1, k of one train:
  ``(t_recv,k − t_recv,k−1) − (t_gen,k − t_gen,k−1)`` in clock cycles (max, min, mean);
* spike disorder: spikes received with ``t_gen,k < t_gen,k−1`` (arrival order differs from
  generation order).

neurosim measures the last two against the ``ideal`` chip: ``t_gen`` is the time (s) a neuron fires
on the ideal chip (no parasitics, exact weights), ``t_recv`` the time the same spike happens on the
chip under study. Spikes are matched by (neuron, tick) — a spike of neuron n in tick t on both chips;
spikes present on one chip only are counted as extra / missing. Trains are per neuron (every
destination of a neuron sees the same train, shifted by its route).
"""
from __future__ import annotations

import numpy as np

__all__ = ["match_spikes", "isi_distortion", "spike_disorder", "compare_to_ideal",
           "histogram_stats", "cycles_per_tick_stats"]


def match_spikes(neuron, tick, ref_neuron, ref_tick) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(i, j)`` of spikes present in both trains: ``(neuron[i], tick[i]) == (ref_neuron[j],
    ref_tick[j])``. Each (neuron, tick) pair is unique per chip (one spike per neuron per tick).

    >>> match_spikes([1, 2, 3], [0, 0, 5], [2, 3], [0, 4])
    (array([1]), array([0]))
    """
    n = np.asarray(neuron, np.int64)
    t = np.asarray(tick, np.int64)
    rn = np.asarray(ref_neuron, np.int64)
    rt = np.asarray(ref_tick, np.int64)
    span = int(max(t.max(initial=0), rt.max(initial=0))) + 1
    key = n * span + t
    rkey = rn * span + rt
    common, i, j = np.intersect1d(key, rkey, assume_unique=False, return_indices=True)
    return i, j


def isi_distortion(neuron, t_recv, t_gen) -> np.ndarray:
    """Per consecutive pair of spikes of the same neuron (ordered by ``t_gen``):
    ``(t_recv,k − t_recv,k−1) − (t_gen,k − t_gen,k−1)``, same unit as the inputs.

    >>> isi_distortion([0, 0, 0, 1], [10, 25, 31, 4], [10, 20, 30, 4]).tolist()
    [5, -4]
    """
    n = np.asarray(neuron, np.int64)
    r = np.asarray(t_recv)
    g = np.asarray(t_gen)
    if n.size < 2:
        return np.zeros(0, dtype=np.result_type(r, g))
    order = np.lexsort((g, n))
    n, r, g = n[order], r[order], g[order]
    same = n[1:] == n[:-1]
    return (np.diff(r) - np.diff(g))[same]


def spike_disorder(t_recv, t_gen) -> int:
    """Spikes whose generation time is earlier than that of the spike received just before them
    (arrival order by ``t_recv``, ties kept in generation order).

    >>> spike_disorder([1, 2, 3, 4], [10, 30, 20, 40])
    1
    """
    r = np.asarray(t_recv)
    g = np.asarray(t_gen)
    if r.size < 2:
        return 0
    order = np.lexsort((g, r))
    gs = g[order]
    return int(np.count_nonzero(gs[1:] < gs[:-1]))


def _stats(a) -> dict:
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0:
        return {"count": 0, "max": 0.0, "min": 0.0, "mean": 0.0, "mean_abs": 0.0}
    return {"count": int(a.size), "max": float(a.max()), "min": float(a.min()), "mean": float(a.mean()),
            "mean_abs": float(np.abs(a).mean())}


def compare_to_ideal(spikes, clock_hz: float, ideal_spikes, ideal_clock_hz: float) -> dict:
    """Spike-train fidelity, ISI distortion (cycles of this chip) and spike disorder of ``spikes``
    (structured array: tick, neuron, cycle) against ``ideal_spikes`` from the ideal chip."""
    i, j = match_spikes(spikes["neuron"], spikes["tick"], ideal_spikes["neuron"], ideal_spikes["tick"])
    # both in clock cycles of this chip (exact integers when the clocks agree)
    t_recv = np.asarray(spikes["cycle"], np.int64)[i]
    t_gen = np.asarray(ideal_spikes["cycle"], np.int64)[j]
    if float(ideal_clock_hz) != float(clock_hz):
        t_gen = t_gen * (float(clock_hz) / float(ideal_clock_hz))
    nrn = np.asarray(spikes["neuron"])[i]
    isi = isi_distortion(nrn, t_recv, t_gen)
    n, n_ref, m = int(len(spikes)), int(len(ideal_spikes)), int(i.size)
    dis = spike_disorder(t_recv, t_gen)
    return {
        "spikes": n,
        "ideal_spikes": n_ref,
        "matched_spikes": m,
        "missing_spikes": n_ref - m,
        "extra_spikes": n - m,
        "precision": m / n if n else 1.0,
        "recall": m / n_ref if n_ref else 1.0,
        "isi_distortion_cycles": _stats(isi),
        "spike_disorder": dis,
        "spike_disorder_fraction": dis / m if m else 0.0,
    }


def histogram_stats(hist, *, overflow_last: bool = True) -> dict:
    """Count, mean, min, max and percentiles (p50, p95, p99) of values given as a histogram
    ``hist[v]`` = occurrences of value v (the last bin collects values ≥ its index).

    >>> histogram_stats([0, 2, 0, 2])["mean"]
    2.0
    """
    h = np.asarray(hist, dtype=np.float64)
    total = float(h.sum())
    if total == 0:
        return {"count": 0, "mean": 0.0, "min": 0, "max": 0, "p50": 0, "p95": 0, "p99": 0,
                "overflow": 0}
    v = np.arange(h.size)
    cdf = np.cumsum(h) / total
    nz = np.flatnonzero(h)

    def pct(q):
        return int(np.searchsorted(cdf, q - 1e-12))

    return {
        "count": int(total), "mean": float((h * v).sum() / total), "min": int(nz[0]), "max": int(nz[-1]),
        "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
        "overflow": int(h[-1]) if overflow_last else 0,
    }


def cycles_per_tick_stats(cycles_per_tick, budget_cycles: int) -> dict:
    """Mean, max and percentiles of the cycles each tick took, against the tick budget."""
    c = np.asarray(cycles_per_tick, dtype=np.float64)
    if c.size == 0:
        return {"ticks": 0, "mean": 0.0, "max": 0.0, "p50": 0.0, "p95": 0.0, "budget": int(budget_cycles),
                "max_over_budget": 0.0}
    return {
        "ticks": int(c.size), "mean": float(c.mean()), "max": float(c.max()), "min": float(c.min()),
        "p50": float(np.percentile(c, 50)), "p95": float(np.percentile(c, 95)),
        "budget": int(budget_cycles), "max_over_budget": float(c.max() / budget_cycles) if budget_cycles else 0.0,
    }
