"""A tiny pure-numpy simulator of the discrete-time LIF model (docs/design.md#neuron-model).

It is the workload module's own yardstick: it computes the accuracy recorded in a trace's
manifest (e.g. ``digits``) and the activity statistics of generated traces. It is *not* the
project's test oracle for the engine (that is :mod:`neurosim.reference`), and it ignores
plasticity (weights stay at their stored values).

Semantics, per tick t = 0 .. n_ticks-1, in this order:

1. ``I = ring[t % D]`` (sum of weights of synapses whose spike arrives in tick t); the slot is
   cleared. ``D = max_delay + 1``.
2. Non-input neurons that are refractory (``counter > 0``) decrement the counter, ignore ``I``
   and cannot spike; ``v`` stays at ``v_reset``. All other non-input neurons do
   ``v = leak * v + I``; if ``v >= threshold`` they spike, ``v = v_reset`` and
   ``counter = refractory``. So ``refractory = r`` makes ticks t+1 .. t+r silent.
3. Input neurons spike exactly at their listed ticks.
4. Every spike of tick t adds ``weight`` to ``ring[(t + delay) % D]`` at its postsynaptic neuron.

All potentials start at 0, counters at 0. Cost: O(ticks · n) + O(synaptic events).
"""
from __future__ import annotations

import numpy as np

from .errors import WorkloadError, WorkloadLimitError

__all__ = ["simulate_lif", "spike_counts", "classify", "accuracy"]


def simulate_lif(wl, n_ticks: int | None = None, *, record_potential: bool = False):
    """Run ``wl`` and return ``(ticks, neurons)`` int32 arrays of all spikes (inputs included),
    sorted by (tick, neuron). With ``record_potential`` also returns the final potentials."""
    net = wl.network
    n = net.n_neurons
    T = wl.n_ticks if n_ticks is None else min(int(n_ticks), wl.n_ticks)
    D = max(net.max_delay, 0) + 1
    from ..errors import ResourceLimitError
    from ..limits import check_memory

    try:   # the ring: one int64 current per neuron and delay slot (8 D n bytes); per tick, its spike index
        check_memory(8 * D * n + 64 * n + 16 * net.n_synapses + 16 * (wl.n_ticks + 1),
                     f"the reference LIF simulation of workload {wl.name!r} ({D:,} delay slots x {n:,} neurons)")
    except ResourceLimitError as e:
        raise WorkloadLimitError(str(e)) from None
    ring = np.zeros((D, n), dtype=np.int64)
    flat = ring.reshape(-1)
    v = np.zeros(n, dtype=np.float64)
    counter = np.zeros(n, dtype=np.int64)
    lif = ~net.is_input
    lif_ids = np.flatnonzero(lif)
    leak, thr, vres, refr = (a[lif_ids] for a in (net.leak, net.threshold, net.v_reset, net.refractory))
    vl = v[lif_ids]
    cl = counter[lif_ids]
    indptr, post, delay = net.indptr, net.post.astype(np.int64), net.delay.astype(np.int64)
    # the engines sum currents exactly in fixed point (neurosim.crossbar.currents; an ideal chip's
    # scale): so does this loop, with int64 slots, so that its sums are theirs bit for bit
    from ..crossbar.currents import exact_bincount, fixed_point_bits
    bits = fixed_point_bits(net, None, where=f"workload {wl.name!r}")
    wq = np.rint(np.asarray(net.weight, np.float64) * 2.0 ** bits).astype(np.int64)
    inv = 2.0 ** -bits
    tick_ptr = wl.tick_indptr()
    out_t, out_n = [], []
    for t in range(T):
        slot = t % D
        cur = ring[slot, lif_ids].astype(np.float64) * inv
        ring[slot, :] = 0
        refractory_now = cl > 0
        cl[refractory_now] -= 1
        active = ~refractory_now
        vl[active] = leak[active] * vl[active] + cur[active]
        fired = active & (vl >= thr)
        vl[fired] = vres[fired]
        cl[fired] = refr[fired]
        spk = np.concatenate([wl.input_neurons[tick_ptr[t]:tick_ptr[t + 1]], lif_ids[fired]])
        if spk.size == 0:
            continue
        spk.sort()
        out_t.append(np.full(spk.size, t, dtype=np.int32))
        out_n.append(spk.astype(np.int32))
        starts, stops = indptr[spk], indptr[spk + 1]
        lens = stops - starts
        total = int(lens.sum())
        if total == 0:
            continue
        # indices of all synapses of the spiking neurons, without a Python loop per neuron
        offs = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        target = ((t + delay[offs]) % D) * n + post[offs]
        flat += exact_bincount(target, wq[offs], D * n)
    ticks = np.concatenate(out_t) if out_t else np.zeros(0, np.int32)
    neurons = np.concatenate(out_n) if out_n else np.zeros(0, np.int32)
    if record_potential:
        v[lif_ids] = vl
        return ticks, neurons, v
    return ticks, neurons


def _readout(wl, population=None):
    if population is None:
        population = (wl.metadata.get("readout") or {}).get("population")
    if population is None:
        raise WorkloadError(f"workload {wl.name!r}: no readout population (metadata 'readout.population')")
    return wl.network.population(population)


def spike_counts(wl, ticks, neurons, population=None) -> np.ndarray:
    """int64 (n_samples, population size): spikes of each readout neuron inside each sample
    window ``[sample_starts[i], sample_starts[i] + sample_ticks[i])``."""
    if wl.n_samples == 0:
        raise WorkloadError(f"workload {wl.name!r} has no sample windows")
    pop = _readout(wl, population)
    ticks = np.asarray(ticks)
    neurons = np.asarray(neurons)
    sel = (neurons >= pop.start) & (neurons < pop.stop)
    t, j = ticks[sel], neurons[sel] - pop.start
    starts = wl.sample_starts.astype(np.int64)
    k = np.searchsorted(starts, t, side="right") - 1
    inside = (k >= 0) & (t < starts[np.clip(k, 0, None)] + wl.sample_ticks[np.clip(k, 0, None)])
    counts = np.zeros((wl.n_samples, pop.size), dtype=np.int64)
    np.add.at(counts, (k[inside], j[inside]), 1)
    return counts


def classify(wl, ticks, neurons, population=None) -> np.ndarray:
    """Predicted class per sample: the readout neuron with most spikes in the window (ties go
    to the lowest index); -1 when the readout population is silent."""
    counts = spike_counts(wl, ticks, neurons, population)
    pred = counts.argmax(axis=1)
    pred[counts.max(axis=1) == 0] = -1
    return pred


def accuracy(wl, ticks=None, neurons=None, population=None) -> float:
    """Fraction of samples classified correctly (spikes from :func:`simulate_lif` by default)."""
    if wl.labels is None:
        raise WorkloadError(f"workload {wl.name!r} has no labels")
    if ticks is None:
        ticks, neurons = simulate_lif(wl)
    return float(np.mean(classify(wl, ticks, neurons, population) == wl.labels))
