"""What each registered generator accepts, checked before it runs, and the memory it would need.

A ``generated: true`` manifest hands its ``generator.params`` to a generator function; a hostile or
careless manifest could ask it for 10^12 neurons, a negative size, ``inf`` or a string. Every
parameter of every generator in :data:`neurosim.workload.library.GENERATORS` has a rule here (type and
range); :func:`check_params` applies them and then compares the generator's memory estimate
(:func:`memory_bytes`, bytes, counting its dense temporaries) with
:func:`neurosim.limits.check_memory`, so a refusal costs microseconds. Caps that bound running time
rather than memory (the hidden layer the digit classifier trains, a receptive-field radius) are part of
the rules.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from ...errors import ResourceLimitError
from ...limits import check_memory
from ..errors import WorkloadError, WorkloadLimitError

__all__ = ["RULES", "check_params", "memory_bytes", "DIGIT_IMAGES"]

_I32 = 2 ** 31 - 1
#: Images in scikit-learn's digits data set (the pool the digit and vision generators draw from).
DIGIT_IMAGES = 1797


@dataclass(frozen=True)
class Rule:
    """One parameter: ``kind`` is ``int``, ``real``, ``ints`` (a list of integers) or ``text``;
    ``lo``/``hi`` bound the value (each element of a list); ``open_lo`` makes the lower bound strict;
    ``max_len`` bounds a list's length or a text's characters."""

    kind: str
    lo: float | None = None
    hi: float | None = None
    open_lo: bool = False
    max_len: int = 64

    def problem(self, v) -> str | None:
        """Why ``v`` breaks this rule, or None."""
        if self.kind == "text":
            if not isinstance(v, str) or not 0 < len(v) <= self.max_len or any(
                    unicodedata.category(c)[0] == "C" for c in v):
                return f"expected a name of 1 to {self.max_len} printable characters"
            return None
        if self.kind == "ints":
            if not isinstance(v, (list, tuple)) or not 1 <= len(v) <= self.max_len:
                return f"expected a list of 1 to {self.max_len} integers"
            for x in v:
                p = Rule("int", self.lo, self.hi).problem(x)
                if p:
                    return f"every element: {p}"
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return "expected an integer" if self.kind == "int" else "expected a number"
        if self.kind == "int" and not isinstance(v, int):
            return "expected an integer"
        if self.kind == "real":
            try:
                if not math.isfinite(float(v)):
                    return "expected a finite number"
            except OverflowError:
                return "expected a finite number"
        lo_ok = self.lo is None or (v > self.lo if self.open_lo else v >= self.lo)
        if not lo_ok or (self.hi is not None and v > self.hi):
            lo = "-inf" if self.lo is None else (f"{self.lo:,}" if self.kind == "int" else f"{self.lo:g}")
            hi = "inf" if self.hi is None else (f"{self.hi:,}" if self.kind == "int" else f"{self.hi:g}")
            what = "an integer" if self.kind == "int" else "a number"
            return f"expected {what} in {'(' if self.open_lo else '['}{lo}, {hi}]"
        return None


def _int(lo=0, hi=_I32):
    return Rule("int", lo, hi)


def _real(lo=None, hi=None, open_lo=False):
    return Rule("real", lo, hi, open_lo)


_SEED = _int(0, 2 ** 63 - 1)
_UNIT = _real(0.0, 1.0)
_ANY = _real()
_NAME = Rule("text", max_len=128)

#: generator name -> parameter name -> :class:`Rule`.
RULES = {
    "layered_all_to_all": {
        "n_input": _int(1), "layers": Rule("ints", 1, _I32, max_len=64), "ticks": _int(1),
        "input_rate": _UNIT, "w_mean": _ANY, "w_std": _real(0.0), "w_step": _real(0.0, open_lo=True),
        "threshold": _ANY, "leak": _UNIT, "refractory": _int(0), "seed": _SEED, "name": _NAME,
    },
    "cuba": {
        "n": _int(2), "n_input": _int(1), "exc_fraction": _UNIT, "p_connect": _UNIT, "input_rate": _UNIT,
        "w_exc": _ANY, "w_inh": _ANY, "w_input": _ANY, "leak": _UNIT, "threshold": _ANY, "v_reset": _ANY,
        "refractory": _int(0), "delay": _int(1), "ticks": _int(1), "seed": _SEED, "name": _NAME,
    },
    "sparse_layered": {
        "n_input": _int(1), "layers": Rule("ints", 1, _I32, max_len=64), "fan_in": _int(1), "window": _int(1),
        "ticks": _int(1), "input_rate": _UNIT, "w_mean": _ANY, "w_std": _real(0.0), "inhibitory_fraction": _UNIT,
        "w_step": _real(0.0, open_lo=True), "threshold": _ANY, "leak": _UNIT, "refractory": _int(0),
        "seed": _SEED, "name": _NAME,
    },
    "smoothing": {
        "n_images": _int(1, DIGIT_IMAGES), "ticks": _int(1), "rest": _int(0), "max_rate": _UNIT,
        "sigma": _real(0.0, open_lo=True), "radius": _int(0, 27), "gain": _ANY, "leak": _UNIT, "seed": _SEED,
    },
    "edge_detection": {
        "n_images": _int(1, DIGIT_IMAGES), "ticks": _int(1), "rest": _int(0), "max_rate": _UNIT,
        "sigma_centre": _real(0.0, open_lo=True), "sigma_surround": _real(0.0, open_lo=True),
        "centre_gain": _ANY, "surround_gain": _ANY, "relay_weight": _ANY, "leak": _UNIT, "seed": _SEED,
    },
    "digits_classifier": {
        "hidden": _int(1, 4096), "n_test": _int(1, DIGIT_IMAGES - 1), "ticks": _int(1), "rest": _int(0),
        "max_rate": _UNIT, "leak": _UNIT, "seed": _SEED,
    },
    "diehl_cook": {
        "n_exc": _int(1), "n_samples": _int(1, DIGIT_IMAGES), "ticks": _int(1), "rest": _int(0),
        "max_rate": _UNIT, "w_init_max": _real(0.0, open_lo=True), "exc_threshold": _ANY, "exc_leak": _UNIT,
        "exc_refractory": _int(0), "w_exc_inh": _ANY, "w_inh_exc": _ANY, "seed": _SEED,
    },
}

#: Bytes a generator needs per element of its largest temporaries (a float64 random draw, its
#: comparison or product, the compiled copy): dense matrices and rasters are drawn as float64.
_DENSE = 24
#: Bytes per synapse of the built network (builder arrays, CSR arrays, sort order and hash copies).
_SYN = 96
#: Bytes per neuron of the built network.
_NEURON = 128


def memory_bytes(generator: str, p: dict) -> int:
    """Estimated peak memory (bytes) of ``generator`` called with the complete parameters ``p``: its
    dense random draws and masks (float64), its input raster, and the network and workload it builds.
    Python integers throughout, so an absurd parameter gives a large number, never an overflow."""
    if generator == "layered_all_to_all":
        sizes = [p["n_input"], *p["layers"]]
        dense = sum(a * b for a, b in zip(sizes, sizes[1:]))
        return _DENSE * dense + _SYN * dense + _DENSE * p["ticks"] * p["n_input"] + _NEURON * sum(sizes)
    if generator == "cuba":
        n, m = p["n"], p["n_input"]
        syn = math.ceil(p["p_connect"] * (n * n + m * n))
        return _DENSE * (n * n + m * n) + _SYN * syn + _DENSE * p["ticks"] * m + _NEURON * (n + m)
    if generator == "sparse_layered":
        sizes = [p["n_input"], *p["layers"]]
        draws = sum(b * min(p["window"], a) for a, b in zip(sizes, sizes[1:]))
        syn = sum(b * min(p["fan_in"], p["window"], a) for a, b in zip(sizes, sizes[1:]))
        return _DENSE * draws + _SYN * syn + _DENSE * p["ticks"] * p["n_input"] + _NEURON * sum(sizes)
    if generator in ("smoothing", "edge_detection"):
        raster = p["n_images"] * (p["ticks"] + p["rest"]) * 784
        return _DENSE * raster + _SYN * 784 * 60 + _NEURON * 3 * 784
    if generator == "digits_classifier":
        raster = p["n_test"] * (p["ticks"] + p["rest"]) * 65
        h = p["hidden"]
        return _DENSE * raster + _SYN * (65 * h + 11 * h) + _DENSE * DIGIT_IMAGES * h * 4 + _NEURON * (75 + h)
    if generator == "diehl_cook":
        raster = p["n_samples"] * (p["ticks"] + p["rest"]) * 64
        e = p["n_exc"]
        return _DENSE * (raster + e * e + 64 * e) + _SYN * (e * e + 65 * e) + _NEURON * (64 + 2 * e)
    raise KeyError(generator)


def check_params(generator: str, params: dict, defaults: dict, where) -> dict:
    """Check ``params`` of ``generator`` (completed with ``defaults``) and return the complete keyword
    arguments (lists become tuples). ``where(key)`` gives the location prefix of a message (file,
    line) for key ``generator.params.<name>``. Raises :class:`WorkloadError` naming the parameter and
    what it expects, or :class:`WorkloadLimitError` when the generator would need more memory than the
    limit allows."""
    rules = RULES[generator]
    if not isinstance(params, dict):
        raise WorkloadError(f"{where('generator.params')}: key 'generator.params': expected a mapping")
    unknown = sorted(str(k) for k in params if k not in rules)
    if unknown:
        raise WorkloadError(f"{where('generator.params')}: key 'generator.params': generator {generator!r} has no "
                            f"parameter {unknown[0][:60]!r} (it takes {sorted(rules)})")
    full = {**defaults, **params}
    for k, rule in rules.items():
        problem = rule.problem(full[k])
        if problem:
            shown = repr(full[k])
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise WorkloadError(f"{where(f'generator.params.{k}')}: key 'generator.params.{k}': {problem}, "
                                f"got {shown}")
    try:
        check_memory(memory_bytes(generator, full), f"generator {generator!r} with these parameters")
    except ResourceLimitError as e:
        raise WorkloadLimitError(f"{where('generator.params')}: key 'generator.params': {e}") from None
    return {k: tuple(v) if isinstance(v, list) else v for k, v in full.items()}
