"""CARLsim-style image-processing workloads on 28x28 images (8x8 digits upscaled 3.5x).

* :func:`smoothing` — each output neuron (i, j) integrates a normalised gaussian receptive
  field (``sigma`` pixels, radius ``radius``) of the rate-coded input image: a spiking
  gaussian blur (CARLsim's image-smoothing example; Beyeler et al., Neuroinformatics 2015).
* :func:`edge_detection` — centre-surround (difference of gaussians) edge detection with
  separate excitatory and inhibitory paths: input -> ``edge`` (narrow excitatory centre, delay
  2) and input -> ``inh`` (one-to-one relay, delay 1) -> ``edge`` (wide inhibitory surround,
  delay 1), so centre and surround arrive in the same tick.

Images: scikit-learn's 8x8 digits bilinearly upscaled to 28x28 (scipy.ndimage.zoom), so no data
is downloaded.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import ndimage

from ..network import Network
from ..workload import Workload
from .common import load_digit_images, quantise, rate_code, sample_layout

__all__ = ["smoothing", "edge_detection", "gaussian_field", "images_28"]


def images_28(n: int, seed: int):
    """``n`` digit images upscaled to 28x28, intensities in [0, 1], and their labels."""
    images, labels = load_digit_images()
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(images), size=n, replace=False)
    big = np.stack([ndimage.zoom(images[i], 3.5, order=1) for i in pick])
    return np.clip(big, 0.0, 1.0).reshape(n, 28 * 28), labels[pick]


def gaussian_field(side: int, sigma: float, radius: int, gain: float, step: float) -> sp.csr_matrix:
    """(side², side²) sparse matrix: pre pixel -> post pixel weight ``gain * g / sum(g)`` with g
    a gaussian of the distance (pixels) over the (2 radius + 1)² neighbourhood, clipped at the
    image border, rounded to multiples of ``step``."""
    d = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(d, d, indexing="ij")
    g = np.exp(-(dx**2 + dy**2) / (2.0 * sigma**2))
    g = g / g.sum() * gain
    yy, xx = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    rows, cols, vals = [], [], []
    for (oy, ox), w in np.ndenumerate(g):
        sy, sx = yy + d[oy], xx + d[ox]
        ok = (sy >= 0) & (sy < side) & (sx >= 0) & (sx < side)
        rows.append((sy * side + sx)[ok])
        cols.append((yy * side + xx)[ok])
        vals.append(np.full(np.count_nonzero(ok), w))
    vals = quantise(np.concatenate(vals), step)
    return sp.csr_matrix((vals, (np.concatenate(rows), np.concatenate(cols))),
                         shape=(side * side, side * side))


def smoothing(n_images=20, ticks=40, rest=10, max_rate=0.5, sigma=1.0, radius=2, gain=0.8,
              leak=0.8, seed=0) -> Workload:
    """Spiking gaussian smoothing of ``n_images`` 28x28 images (784 inputs -> 784 LIF)."""
    rng = np.random.default_rng(seed)
    x, y = images_28(n_images, seed)
    net = Network(name="smoothing")
    inp = net.add_input("image", 784)
    out = net.add_population("smoothed", 784, threshold=1.0, leak=leak, v_reset=0.0, refractory=1)
    net.connect(inp, out, weights=gaussian_field(28, sigma, radius, gain, 1 / 256), delay=1)
    starts, sticks, _ = sample_layout(n_images, ticks, rest)
    return Workload(net, inputs={"image": rate_code(rng, x, ticks, rest, max_rate)},
                    name="smoothing", sample_starts=starts, sample_ticks=sticks, metadata={
        "description": "CARLsim-style image smoothing: 28x28 rate-coded digit images through "
                       "%dx%d gaussian receptive fields (sigma %g px)" % (2 * radius + 1,
                                                                          2 * radius + 1, sigma),
        "family": "image processing (CARLsim)",
        "image_labels": y.tolist(),
    })


def edge_detection(n_images=20, ticks=40, rest=10, max_rate=0.5, sigma_centre=0.6,
                   sigma_surround=1.6, centre_gain=2.0, surround_gain=-2.0, relay_weight=1.0,
                   leak=0.8, seed=1) -> Workload:
    """Centre-surround edge detection (784 inputs, 784 inhibitory relays, 784 edge neurons)."""
    rng = np.random.default_rng(seed)
    x, y = images_28(n_images, seed)
    net = Network(name="edge_detection")
    inp = net.add_input("image", 784)
    inh = net.add_population("inh", 784, threshold=1.0, leak=0.0, v_reset=0.0, refractory=0)
    edge = net.add_population("edge", 784, threshold=1.0, leak=leak, v_reset=0.0, refractory=1)
    net.connect(inp, edge, weights=gaussian_field(28, sigma_centre, 1, centre_gain, 1 / 256), delay=2)
    net.connect(inp, inh, weights=sp.identity(784, format="csr") * relay_weight, delay=1)
    net.connect(inh, edge, weights=gaussian_field(28, sigma_surround, 3, surround_gain, 1 / 256), delay=1)
    starts, sticks, _ = sample_layout(n_images, ticks, rest)
    return Workload(net, inputs={"image": rate_code(rng, x, ticks, rest, max_rate)},
                    name="edge_detection", sample_starts=starts, sample_ticks=sticks, metadata={
        "description": "CARLsim-style edge detection: difference-of-gaussians receptive fields "
                       "with an excitatory centre path and an inhibitory surround path on 28x28 "
                       "rate-coded digit images",
        "family": "image processing (CARLsim)",
        "image_labels": y.tolist(),
    })
