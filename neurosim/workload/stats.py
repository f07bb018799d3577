"""One-glance statistics of a workload (what ``neurosim validate``/``info`` prints)."""
from __future__ import annotations

import numpy as np

__all__ = ["summary"]


def summary(wl) -> dict:
    """Plain-dict summary of a :class:`~neurosim.workload.Workload`.

    Keys: name, neurons, inputs, populations (list of {name, start, size, input}), synapses,
    plastic_synapses, stdp_rules, ticks, input_spikes, mean_input_rate (spikes per input neuron
    per tick), max_fan_in, max_fan_out, mean_fan_in (over non-input neurons), max_delay,
    samples, labels (number of distinct labels, 0 if none), content_hash.

    >>> from neurosim.workload import Network, Workload
    >>> import numpy as np
    >>> net = Network(name="s"); i = net.add_input("in", 2); o = net.add_population("o", 1)
    >>> _ = net.connect(i, o, weights=np.ones((2, 1)))
    >>> summary(Workload(net, inputs={"in": np.ones((4, 2), bool)}))["mean_input_rate"]
    1.0
    """
    net = wl.network
    fan_in = net.fan_in()
    fan_out = net.fan_out()
    lif = ~net.is_input
    n_in = net.n_inputs
    return {
        "name": wl.name,
        "neurons": net.n_neurons,
        "inputs": n_in,
        "populations": [
            {"name": p.name, "start": p.start, "size": p.size, "input": p.is_input}
            for p in net.populations
        ],
        "synapses": net.n_synapses,
        "plastic_synapses": net.n_plastic,
        "stdp_rules": int(len(net.stdp_rules)),
        "ticks": wl.n_ticks,
        "input_spikes": wl.n_input_spikes,
        "mean_input_rate": float(wl.n_input_spikes / (n_in * wl.n_ticks)) if n_in else 0.0,
        "max_fan_in": int(fan_in.max()) if fan_in.size else 0,
        "max_fan_out": int(fan_out.max()) if fan_out.size else 0,
        "mean_fan_in": float(fan_in[lif].mean()) if lif.any() else 0.0,
        "max_delay": net.max_delay,
        "samples": wl.n_samples,
        "labels": int(np.unique(wl.labels).size) if wl.labels is not None else 0,
        "content_hash": wl.content_hash(),
    }
