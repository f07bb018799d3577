"""Make every workload learn on chip: :func:`make_plastic`.

eSpine's write-endurance study (Titirsha et al., IEEE TPDS 2021, arXiv 2103.05707) runs each
workload with on-chip learning, so that every synapse that learns is reprogrammed by its learning
rule. Among neurosim's shipped traces only ``diehl_cook`` has plastic (STDP) synapses; the others
are inference networks. :func:`make_plastic` is the documented transform the study applies to them.

Transform (``rule="pair"``, the default)
    For every *projection* — the synapses from one population into one non-input population — that
    has no plastic synapse yet, all its synapses become plastic with one pair-based, additive,
    nearest-spike STDP rule (:class:`neurosim.STDPRule`, the rule ``diehl_cook`` uses) scaled to the
    projection's own weights:

    * bounds from the weights: ``w_min = min(0, min w)``, ``w_max = max(0, max w)`` (an excitatory
      projection learns in ``[0, max w]``, an inhibitory one in ``[min w, 0]``, a mixed one in
      ``[min w, max w]``);
    * amplitudes ``a_plus = eta·(w_max − w_min)`` and ``a_minus = ratio·a_plus``
      (defaults ``eta = 0.01``, ``ratio = 1.2``: ``diehl_cook``'s 0.01 / 0.012 of its [0, 1] range);
    * time constants ``tau_plus = tau_minus = tau`` ticks (default 20, as ``diehl_cook``).

    Weights, delays, neuron parameters, inputs, labels and sample windows are unchanged. A workload
    whose network already has plastic synapses keeps them and their rules; with
    ``keep_existing=True`` (default) such a workload is returned unchanged, so ``diehl_cook`` learns
    exactly as shipped. ``populations`` restricts the transform to projections *into* the named
    populations.

Each weight update whose quantised conductance level changes is one programming pulse on the cell
(docs/engine.md §3), so a plastic workload wears its PCM cells.
"""
from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["make_plastic", "plastic_projections", "PLASTIC_DEFAULTS"]

#: Default parameters of the ``pair`` rule (see the module docstring).
PLASTIC_DEFAULTS = {"eta": 0.01, "ratio": 1.2, "tau": 20.0}


def plastic_projections(network) -> list[dict]:
    """One dict per projection (pre population → post population) of a compiled network:
    ``pre``, ``post`` (population names), ``synapses``, ``plastic`` (count), ``w_min``, ``w_max``."""
    pop = np.asarray(network.population_of)
    names = network.population_names
    pre_pop = pop[network.pre]
    post_pop = pop[network.post]
    out = []
    if network.n_synapses == 0:
        return out
    key = pre_pop.astype(np.int64) * len(names) + post_pop
    for k in np.unique(key):
        sel = key == k
        w = network.weight[sel]
        out.append({"pre": names[int(k) // len(names)], "post": names[int(k) % len(names)],
                    "synapses": int(sel.sum()), "plastic": int(network.plastic[sel].sum()),
                    "w_min": float(w.min()), "w_max": float(w.max())})
    return out


def make_plastic(workload, rule: str = "pair", *, eta: float = PLASTIC_DEFAULTS["eta"],
                 ratio: float = PLASTIC_DEFAULTS["ratio"], tau: float = PLASTIC_DEFAULTS["tau"],
                 populations=None, keep_existing: bool = True):
    """Return a copy of ``workload`` whose synapses into non-input populations learn by STDP.

    Parameters
    ----------
    workload : neurosim.Workload
    rule : ``"pair"`` — pair-based additive STDP (:class:`neurosim.STDPRule`), the only rule so far.
    eta, ratio, tau : amplitude as a fraction of each projection's weight range, depression /
        potentiation ratio, time constants in ticks (module docstring).
    populations : iterable of population names, optional — only projections into these.
    keep_existing : a workload that already has plastic synapses is returned unchanged.

    Returns
    -------
    neurosim.Workload
        Same inputs, labels and samples; ``metadata["plastic_transform"]`` records what was done
        (rule parameters and, per projection, the STDP rule). The network's content hash changes.

    Examples
    --------
    >>> import neurosim as ns                                               # doctest: +SKIP
    >>> wl = make_plastic(ns.load_workload("traces/smoothing"))             # doctest: +SKIP
    >>> wl.network.n_plastic == wl.network.n_synapses                       # doctest: +SKIP
    True
    """
    from ..workload import STDPRule, Workload
    from ..workload.network import STDP_DTYPE

    if rule != "pair":
        raise ValueError(f"make_plastic: unknown rule {rule!r}; expected 'pair'")
    if not (eta > 0 and ratio >= 0 and tau > 0):
        raise ValueError(f"make_plastic: need eta > 0, ratio >= 0, tau > 0 (got {eta}, {ratio}, {tau})")
    net = workload.network
    params = {"rule": rule, "eta": float(eta), "ratio": float(ratio), "tau": float(tau)}
    meta = dict(workload.metadata or {})
    if keep_existing and net.n_plastic > 0:
        meta["plastic_transform"] = {**params, "applied": False,
                                     "reason": "the workload already has plastic synapses; kept as shipped",
                                     "projections": plastic_projections(net)}
        return _rebuild(workload, net, meta)
    names = net.population_names
    pop = np.asarray(net.population_of)
    wanted = None if populations is None else set(populations)
    if wanted is not None and not wanted <= set(names):
        raise ValueError(f"make_plastic: unknown population(s) {sorted(wanted - set(names))}; the network has {list(names)}")
    pre_pop = pop[net.pre]
    post_pop = pop[net.post]
    plastic = np.array(net.plastic, copy=True)
    stdp_rule = np.array(net.stdp_rule, copy=True)
    rules = [tuple(r) for r in net.stdp_rules.tolist()]
    key = pre_pop.astype(np.int64) * len(names) + post_pop
    record = []
    for k in np.unique(key):
        sel = key == k
        pre_name, post_name = names[int(k) // len(names)], names[int(k) % len(names)]
        if (wanted is not None and post_name not in wanted) or np.any(net.plastic[sel]):
            continue
        w = net.weight[sel]
        w_min, w_max = min(0.0, float(w.min())), max(0.0, float(w.max()))
        if w_max - w_min <= 0:
            continue
        a_plus = eta * (w_max - w_min)
        r = STDPRule(a_plus=a_plus, a_minus=ratio * a_plus, tau_plus=tau, tau_minus=tau, w_min=w_min, w_max=w_max)
        t = r.as_tuple()
        if t not in rules:
            rules.append(t)
        plastic[sel] = True
        stdp_rule[sel] = rules.index(t)
        record.append({"pre": pre_name, "post": post_name, "synapses": int(sel.sum()), **r.as_dict()})
    table = np.array(rules, dtype=STDP_DTYPE)
    new = dataclasses.replace(net, plastic=plastic, stdp_rule=stdp_rule.astype(np.int16), stdp_rules=table,
                              name=net.name)
    new.validate(f"make_plastic({workload.name})")
    meta["plastic_transform"] = {**params, "applied": True, "projections": record}
    return _rebuild(workload, new, meta)


def _rebuild(workload, network, meta):
    from ..workload import Workload
    return Workload.from_arrays(network, workload.input_ticks, workload.input_neurons, workload.n_ticks,
                                labels=workload.labels, sample_starts=workload.sample_starts,
                                sample_ticks=workload.sample_ticks, name=workload.name, metadata=meta)
