"""Digit recognition workloads on scikit-learn's 8x8 digits.

* :func:`digits_classifier` — a 64-hidden-10 ReLU network trained offline (scikit-learn's
  ``MLPClassifier``), converted to rate-coded LIF neurons with data-based weight normalisation
  (Diehl et al., "Fast-classifying, high-accuracy spiking deep networks through weight and
  threshold balancing", IJCNN 2015): layer-l weights are scaled by lambda_{l-1}/lambda_l, where
  lambda_l is the 99.9th percentile of layer l's ReLU activations on the training set. Biases
  become weights from an always-on ``bias`` input neuron (scaled by max_rate/lambda_l, so that in
  rate terms the drive is proportional to W x + b). Decision: the output neuron with most
  spikes in the sample window.
* :func:`diehl_cook` — the unsupervised STDP network of Diehl & Cook (Front. Comput. Neurosci.
  9:99, 2015), on 8x8 instead of 28x28 inputs: Poisson inputs -> excitatory layer through
  plastic STDP synapses; each excitatory neuron drives one inhibitory neuron, which inhibits all
  *other* excitatory neurons (winner-take-all). This is the workload that drives on-chip
  learning (synaptic writes).
"""
from __future__ import annotations

import numpy as np

from ..network import Network, STDPRule
from ..workload import Workload
from .common import load_digit_images, rate_code, sample_layout

__all__ = ["digits_classifier", "diehl_cook"]


def _split(n_test: int, seed: int):
    images, labels = load_digit_images()
    x = images.reshape(len(images), 64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    test, train = order[:n_test], order[n_test:]
    return x[train], labels[train], x[test], labels[test]


def digits_classifier(hidden=100, n_test=360, ticks=32, rest=8, max_rate=0.8, leak=0.95,
                      seed=0) -> Workload:
    """Rate-coded LIF digit classifier 64 (+1 bias) -> ``hidden`` -> 10 (see module docstring).

    Each of the ``n_test`` held-out images is shown for ``ticks`` ticks (pixel spike
    probability per tick = max_rate * intensity) followed by ``rest`` silent ticks. The metadata
    records the ANN's accuracy and the pure discrete-time LIF accuracy computed by
    :func:`neurosim.workload.reference_lif.accuracy`.
    """
    from sklearn.neural_network import MLPClassifier

    from ..reference_lif import accuracy

    xtr, ytr, xte, yte = _split(n_test, seed)
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", alpha=1e-3,
                        max_iter=600, random_state=seed).fit(xtr, ytr)
    ann_acc = float(clf.score(xte, yte))
    w1, w2 = clf.coefs_
    b1, b2 = clf.intercepts_
    h = np.maximum(xtr @ w1 + b1, 0.0)
    lam1 = float(np.percentile(h, 99.9))
    lam2 = float(np.percentile(np.maximum(h @ w2 + b2, 0.0), 99.9))

    net = Network(name="digits")
    pix = net.add_input("pixels", 64)
    bias = net.add_input("bias", 1)
    hid = net.add_population("hidden", hidden, threshold=1.0, leak=leak, v_reset=0.0)
    out = net.add_population("out", 10, threshold=1.0, leak=leak, v_reset=0.0)
    net.connect(pix, hid, weights=w1 / lam1)
    net.connect(bias, hid, weights=(b1 * max_rate / lam1)[None, :])
    net.connect(hid, out, weights=w2 * lam1 / lam2)
    net.connect(bias, out, weights=(b2 * max_rate / lam2)[None, :])

    rng = np.random.default_rng(seed + 1)
    starts, sticks, n_ticks = sample_layout(len(xte), ticks, rest)
    raster = rate_code(rng, xte, ticks, rest, max_rate)
    on = rate_code(rng, np.ones((len(xte), 1)), ticks, rest, 1.0)
    wl = Workload(
        net, inputs={"pixels": raster, "bias": on}, labels=yte, name="digits",
        sample_starts=starts, sample_ticks=sticks,
        metadata={
            "description": "8x8 digit classifier (64-%d-10 ReLU MLP converted to rate-coded LIF), "
                           "%d held-out test images" % (hidden, len(xte)),
            "family": "converted ANN classifier",
            "readout": {"population": "out", "decision": "most spikes in sample window"},
            "ann_accuracy": ann_acc,
            "normalisation": {"lambda_hidden": lam1, "lambda_out": lam2},
        },
    )
    wl.metadata["accuracy"] = accuracy(wl)
    return wl


def diehl_cook(n_exc=100, n_samples=200, ticks=50, rest=10, max_rate=0.25, w_init_max=0.3,
               exc_threshold=4.0, exc_leak=0.95, exc_refractory=2, w_exc_inh=2.0,
               w_inh_exc=-0.5, seed=0) -> Workload:
    """Diehl & Cook-style STDP network on 8x8 digits (see module docstring).

    Populations: ``input`` (64 Poisson pixels), ``exc`` (``n_exc`` LIF, plastic input synapses
    initialised uniform in (0, w_init_max], STDP a+ 0.01, a- 0.012, tau 20 ticks, w in [0, 1]),
    ``inh`` (``n_exc`` LIF, one-to-one from ``exc`` with weight ``w_exc_inh``; each inhibits
    every excitatory neuron except its partner with ``w_inh_exc``). Training images (labels
    included for unsupervised label assignment) are shown for ``ticks`` ticks plus ``rest``.
    """
    images, labels = load_digit_images()
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(images), size=n_samples, replace=False)
    x = images.reshape(len(images), 64)[pick]
    y = labels[pick]

    net = Network(name="diehl_cook")
    inp = net.add_input("input", 64)
    exc = net.add_population("exc", n_exc, threshold=exc_threshold, leak=exc_leak,
                             v_reset=0.0, refractory=exc_refractory)
    inh = net.add_population("inh", n_exc, threshold=1.0, leak=0.5, v_reset=0.0, refractory=1)
    w = rng.uniform(0.0, w_init_max, size=(64, n_exc))
    w = np.where(w == 0.0, w_init_max, w)  # exact 0 would mean "no synapse"
    rule = STDPRule(a_plus=0.01, a_minus=0.012, tau_plus=20.0, tau_minus=20.0, w_min=0.0, w_max=1.0)
    net.connect(inp, exc, weights=w, delay=1, plastic=True, stdp=rule)
    net.connect(exc, inh, weights=np.eye(n_exc) * w_exc_inh, delay=1)
    net.connect(inh, exc, weights=(1.0 - np.eye(n_exc)) * w_inh_exc, delay=1)

    starts, sticks, n_ticks = sample_layout(n_samples, ticks, rest)
    raster = rate_code(rng, x, ticks, rest, max_rate)
    return Workload(
        net, inputs={"input": raster}, labels=y, name="diehl_cook",
        sample_starts=starts, sample_ticks=sticks,
        metadata={
            "description": "Diehl & Cook (2015)-style unsupervised STDP network: 64 Poisson "
                           "pixel inputs -> %d excitatory (plastic) <-> %d inhibitory, "
                           "%d training digits" % (n_exc, n_exc, n_samples),
            "family": "STDP learning (on-chip writes)",
            "readout": {"population": "exc", "decision": "label assignment after learning"},
        },
    )
