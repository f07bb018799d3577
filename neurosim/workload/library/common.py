"""Helpers shared by the workload generators: seeded rate coding, digit images, windows."""
from __future__ import annotations

import numpy as np

from ..errors import WorkloadError

__all__ = ["rate_code", "quantise", "load_digit_images", "sample_layout"]


def rate_code(rng: np.random.Generator, intensities: np.ndarray, ticks: int, rest: int,
              max_rate: float) -> np.ndarray:
    """Bernoulli ("Poisson") spike raster for a sequence of images.

    ``intensities`` is (n_samples, n_pixels) in [0, 1]; pixel p of sample i spikes in each of
    the ``ticks`` ticks of its window with probability ``max_rate * intensities[i, p]``; ``rest``
    silent ticks follow every window. Returns bool (n_samples * (ticks + rest), n_pixels).
    """
    x = np.clip(np.asarray(intensities, dtype=np.float64), 0.0, 1.0)
    n, p = x.shape
    u = rng.random((n, ticks, p))
    active = u < (max_rate * x)[:, None, :]
    out = np.zeros((n, ticks + rest, p), dtype=bool)
    out[:, :ticks] = active
    return out.reshape(n * (ticks + rest), p)


def quantise(w: np.ndarray, step: float) -> np.ndarray:
    """Round weights to multiples of ``step`` (keeps traces small: few distinct values compress
    well, and hardware weights are quantised anyway)."""
    return np.round(np.asarray(w, dtype=np.float64) / step) * step


def sample_layout(n: int, ticks: int, rest: int):
    """(sample_starts, sample_ticks, n_ticks) for ``n`` back-to-back windows with rests."""
    starts = np.arange(n, dtype=np.int64) * (ticks + rest)
    return starts, np.full(n, ticks, dtype=np.int64), int(n * (ticks + rest))


def load_digit_images():
    """scikit-learn's 8x8 digits (1,797 images shipped inside the package, no download):
    returns (images float64 (n, 8, 8) scaled to [0, 1], labels int64 (n,))."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise WorkloadError(
            "this workload generator needs scikit-learn's digits data: pip install scikit-learn"
        ) from None
    d = load_digits()
    return d.images / 16.0, d.target.astype(np.int64)
