"""Synthetic workloads: all-to-all layered nets, a CUBA-like recurrent net, a 100k sparse net."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..network import Network
from ..workload import Workload
from .common import quantise

__all__ = ["layered_all_to_all", "cuba", "sparse_layered"]


def layered_all_to_all(n_input=500, layers=(500, 500), ticks=200, input_rate=0.05,
                       w_mean=0.004, w_std=0.03, w_step=1 / 256, threshold=1.0, leak=0.9,
                       refractory=1, seed=0, name="synth") -> Workload:
    """Fully connected feed-forward layers (the "synth" workloads of eSpine/SpiNeMap, e.g.
    synth_1000 = 500 inputs -> 500 -> 500).

    Every neuron of a layer receives a synapse from every neuron of the previous one; weights are
    normal(w_mean, w_std) rounded to multiples of ``w_step`` (values that round to 0 are nudged
    to +-w_step so that the layer stays all-to-all). Inputs spike with probability
    ``input_rate`` per tick.
    """
    rng = np.random.default_rng(seed)
    net = Network(name=name)
    prev = net.add_input("in", n_input)
    for k, size in enumerate(layers):
        pop = net.add_population(f"layer{k + 1}", size, threshold=threshold, leak=leak,
                                 v_reset=0.0, refractory=refractory)
        w = quantise(rng.normal(w_mean, w_std, size=(prev.size, size)), w_step)
        w[w == 0.0] = np.where(rng.random(np.count_nonzero(w == 0.0)) < 0.5, -w_step, w_step)
        net.connect(prev, pop, weights=w, delay=1)
        prev = pop
    raster = rng.random((ticks, n_input)) < input_rate
    total = n_input + sum(layers)
    return Workload(net, inputs={"in": raster}, name=name, metadata={
        "description": "synthetic all-to-all layered network %s (%d neurons)"
                       % (" -> ".join(str(s) for s in (n_input, *layers)), total),
        "family": "synthetic all-to-all layered",
    })


def cuba(n=4000, n_input=1000, exc_fraction=0.8, p_connect=0.02, input_rate=0.02,
         w_exc=4 / 64, w_inh=-28 / 64, w_input=10 / 64, leak=29 / 32, threshold=1.0,
         v_reset=0.0, refractory=0, delay=1, ticks=1000, seed=0, name="cuba_4000") -> Workload:
    """Recurrent CUBA-like network (after the Brian2/Vogels & Abbott 2005 CUBA benchmark,
    discretised as in docs/references.md#workloads).

    ``n`` LIF neurons, the first ``exc_fraction`` excitatory (outgoing weight ``w_exc``), the rest
    inhibitory (``w_inh``); every ordered pair of distinct neurons is connected with probability
    ``p_connect`` (no autapses); ``n_input`` inputs spike with probability ``input_rate`` per tick
    and connect to each neuron with probability ``p_connect`` (weight ``w_input``). All delays
    ``delay`` ticks.
    """
    rng = np.random.default_rng(seed)
    n_exc = int(round(n * exc_fraction))
    net = Network(name=name)
    inp = net.add_input("in", n_input)
    exc = net.add_population("exc", n_exc, threshold=threshold, leak=leak, v_reset=v_reset,
                             refractory=refractory)
    inh = net.add_population("inh", n - n_exc, threshold=threshold, leak=leak, v_reset=v_reset,
                             refractory=refractory)
    mask = rng.random((n, n)) < p_connect
    np.fill_diagonal(mask, False)
    sign = np.where(np.arange(n) < n_exc, w_exc, w_inh)[:, None]
    rec = sp.csr_matrix(mask * sign)
    blocks = {(exc, exc): rec[:n_exc, :n_exc], (exc, inh): rec[:n_exc, n_exc:],
              (inh, exc): rec[n_exc:, :n_exc], (inh, inh): rec[n_exc:, n_exc:]}
    in_mask = rng.random((n_input, n)) < p_connect
    w_in = sp.csr_matrix(in_mask * w_input)
    net.connect(inp, exc, weights=w_in[:, :n_exc], delay=delay)
    net.connect(inp, inh, weights=w_in[:, n_exc:], delay=delay)
    for (a, b), w in blocks.items():
        net.connect(a, b, weights=w, delay=delay)
    raster = rng.random((ticks, n_input)) < input_rate
    return Workload(net, inputs={"in": raster}, name=name, metadata={
        "description": "recurrent CUBA-like network: %d LIF (%d%% excitatory) + %d Poisson "
                       "inputs, p=%g, %d ticks" % (n, round(100 * exc_fraction), n_input,
                                                   p_connect, ticks),
        "family": "recurrent balanced (CUBA benchmark)",
    })


def sparse_layered(n_input=10000, layers=(30000, 30000, 30000), fan_in=20, window=200,
                   ticks=20, input_rate=0.1, w_mean=0.16, w_std=0.06, inhibitory_fraction=0.2,
                   w_step=1 / 256, threshold=1.0, leak=0.9, refractory=2, seed=0,
                   name="large_100k") -> Workload:
    """Large sparse feed-forward network with local receptive fields.

    Neuron j of a layer of size m draws ``fan_in`` distinct presynaptic neurons from a
    ``window``-wide block of the previous layer centred at j * n_prev / m (wrapping around), so
    the graph has spatial locality for the partitioner to find. Weights are |normal(w_mean,
    w_std)| rounded to ``w_step`` (at least one step), negated for a random
    ``inhibitory_fraction`` of synapses. Vectorised: one argsort per layer, no per-synapse loop.
    """
    rng = np.random.default_rng(seed)
    net = Network(name=name)
    prev = net.add_input("in", n_input)
    for k, size in enumerate(layers):
        pop = net.add_population(f"layer{k + 1}", size, threshold=threshold, leak=leak,
                                 v_reset=0.0, refractory=refractory)
        w_eff = min(window, prev.size)
        offs = np.argsort(rng.random((size, w_eff)), axis=1)[:, :fan_in]
        centre = (np.arange(size, dtype=np.int64) * prev.size) // size
        pre = (centre[:, None] - w_eff // 2 + offs) % prev.size
        post = np.repeat(np.arange(size, dtype=np.int64), offs.shape[1])
        w = np.maximum(quantise(np.abs(rng.normal(w_mean, w_std, size=post.size)), w_step), w_step)
        w[rng.random(post.size) < inhibitory_fraction] *= -1.0
        mat = sp.csr_matrix((w, (pre.ravel(), post)), shape=(prev.size, size))
        net.connect(prev, pop, weights=mat, delay=1)
        prev = pop
    raster = rng.random((ticks, n_input)) < input_rate
    total = n_input + sum(layers)
    return Workload(net, inputs={"in": raster}, name=name, metadata={
        "description": "large sparse layered network, %d neurons (%s), fan-in %d from local "
                       "windows of %d" % (total, " -> ".join(str(s) for s in (n_input, *layers)),
                                          fan_in, window),
        "family": "synthetic large sparse",
    })
