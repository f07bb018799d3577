"""Each neuron's weight range mapped onto the device: a per-neuron input gain, or clipping that is reported.

A memristive device holds weights in ±s (``device.weight_scale``: the conductance range) on a few
levels. A projection whose weights exceed it (diehl_cook's excitatory → inhibitory weight 2.0 on a
chip with s = 1) would be clipped and compute another network; weights far below it (digits' hidden
layer, max |w| ≈ 0.14) use only a few of the levels. Mixed-signal chips scale the sensed column
current instead: a neuron gets an input gain g, its synapses store w / g, and the neuron circuit
integrates in units of g. neurosim implements the gain exactly (``neuron.input_gain``):

* g is a power of two (a shift in the neuron circuit): g = 2^ceil(log2(max|w| / s)) over the
  neuron's incoming synapses (for plastic synapses the STDP rule's bounds count too), so the
  largest stored weight lies in (s/2, s]. ``fit`` (the default) applies it to every neuron;
  ``expand`` only where weights exceed the range (g > 1); ``none`` never;
* the neuron's state is kept in units of g: synaptic weights w / g, threshold θ / g, reset v_reset / g
  (the leak is a factor, unchanged), so with v' = v / g the update v' ← leak·v' + Σ w/g and the test
  v' ≥ θ/g fire exactly when v ← leak·v + Σ w and v ≥ θ do. Division by a power of two is exact in
  floating point unless it underflows, so the gained network computes the same spikes.

What cannot be gained is clipped, with a warning naming the projection, its weight range, the
device range and the fraction of synapses clipped: neurons with plastic inputs (a gain would change
the learning rule's step and bounds) when their weights or rule bounds exceed the range, and every
neuron under ``neuron.input_gain: none``. ``ideal`` devices are not range-limited: no gain, no clip.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["RangePlan", "input_gains", "apply_input_gains", "weight_reach", "WeightRangeWarning"]


class WeightRangeWarning(UserWarning):
    """Weights beyond the device range were clipped (the message names the projection and how many)."""


@dataclass
class RangePlan:
    """Per-neuron input gains (float64[n], 1 for input neurons and neurons that fit) and what was
    gained or clipped, per projection (pre population → post population)."""

    gains: np.ndarray
    gained: list = field(default_factory=list)     # {"population", "gain", "neurons"}
    clipped: list = field(default_factory=list)    # {"projection", "synapses", "of", "min", "max", "range"}

    @property
    def any_gain(self) -> bool:
        return bool(np.any(self.gains != 1.0))

    def to_dict(self) -> dict:
        return {"gained": self.gained, "clipped": self.clipped}


def weight_reach(net) -> np.ndarray:
    """The largest magnitude each synapse's weight can take (float64[n_synapses]): |w|, and for a
    plastic synapse also the bounds of its STDP rule (learning may carry it there)."""
    need = np.abs(np.asarray(net.weight, np.float64))
    plastic = np.asarray(net.plastic, bool)
    if plastic.any() and len(net.stdp_rules):
        rules = np.asarray(net.stdp_rules)
        bound = np.maximum(np.abs(rules["w_min"]), np.abs(rules["w_max"]))
        idx = np.asarray(net.stdp_rule, np.int64)
        need[plastic] = np.maximum(need[plastic], bound[idx[plastic]])
    return need


def _projection_name(net, a, b) -> str:
    names = net.population_names
    return f"{names[a]} -> {names[b]}"


def input_gains(net, hw) -> RangePlan:
    """The :class:`RangePlan` of network ``net`` (a CompiledNetwork) on chip ``hw`` (module docstring)."""
    n = net.n_neurons
    gains = np.ones(n)
    d = hw.device
    if d.type == "ideal" or net.n_synapses == 0:
        return RangePlan(gains)
    s = float(d.weight_scale)
    post = np.asarray(net.post, np.int64)
    w = np.abs(np.asarray(net.weight, np.float64))
    plastic = np.asarray(net.plastic, bool)
    need = weight_reach(net)
    m = np.zeros(n)
    np.maximum.at(m, post, need)
    has_plastic = np.zeros(n, bool)
    has_plastic[post[plastic]] = True
    over = m > s
    mode = hw.neuron.input_gain
    if mode == "fit":
        allow = (m > 0) & ~has_plastic
    else:
        allow = over & ~has_plastic & (mode == "expand")
    if allow.any():
        gains[allow] = 2.0 ** np.ceil(np.log2(m[allow] / s))
    allow &= gains != 1.0
    plan = RangePlan(gains)
    pop = np.asarray(net.population_of, np.int64)
    for p in np.unique(pop[allow]):
        sel = allow & (pop == p)
        for g in np.unique(gains[sel]):
            plan.gained.append({"population": net.population_names[int(p)], "gain": float(g),
                                "neurons": int(np.count_nonzero(sel & (gains == g)))})
    clip_syn = (w > s) & (gains[post] == 1.0)
    if clip_syn.any():
        pre = np.asarray(net.pre, np.int64)
        raw = np.asarray(net.weight, np.float64)
        for a, b in sorted({(int(x), int(y)) for x, y in zip(pop[pre[clip_syn]], pop[post[clip_syn]])}):
            proj = (pop[pre] == a) & (pop[post] == b)
            hit = proj & clip_syn
            plan.clipped.append({"projection": _projection_name(net, a, b), "synapses": int(hit.sum()),
                                 "of": int(proj.sum()), "min": float(raw[proj].min()), "max": float(raw[proj].max()),
                                 "range": s})
    return plan


def warn_clipped(plan: RangePlan, hw, *, stacklevel: int = 3) -> None:
    """One :class:`WeightRangeWarning` per clipped projection of ``plan``."""
    why = ("neuron.input_gain is none" if hw.neuron.input_gain == "none"
           else "its target neurons learn on chip, so no input gain is applied")
    for c in plan.clipped:
        warnings.warn(
            f"weights beyond the device range: projection {c['projection']} has weights in "
            f"[{c['min']:.4g}, {c['max']:.4g}], device {hw.name!r} holds ±{c['range']:.4g}: {c['synapses']} of "
            f"{c['of']} synapses ({100 * c['synapses'] / c['of']:.1f}%) clipped to ±{c['range']:.4g} ({why})",
            WeightRangeWarning, stacklevel=stacklevel)


def apply_input_gains(net, gains: np.ndarray):
    """``net`` with each neuron's incoming weights, threshold and reset divided by its gain (a new
    CompiledNetwork; ``net`` itself when every gain is 1)."""
    gains = np.asarray(gains, np.float64)
    if np.all(gains == 1.0):
        return net
    post = np.asarray(net.post, np.int64)
    return dataclasses.replace(
        net, weight=np.asarray(net.weight, np.float64) / gains[post],
        threshold=np.asarray(net.threshold, np.float64) / gains,
        v_reset=np.asarray(net.v_reset, np.float64) / gains)
