"""Standard workload generators and the catalogue of shipped traces (traces/<name>/).

``GENERATORS`` maps a generator name (as written in a manifest's ``generator.name``) to a
function returning a :class:`~neurosim.workload.Workload`; every generator is deterministic in
its parameters (seeded ``numpy.random.Generator``). ``CATALOG`` lists the shipped traces:
``scripts/make_traces.py`` rebuilds them from it, and ``generated: true`` entries are shipped as a
manifest only and built on first use by :func:`neurosim.workload.load_workload`.
"""
from __future__ import annotations

import inspect

from .digits import diehl_cook, digits_classifier
from .synthetic import cuba, layered_all_to_all, sparse_layered
from .vision import edge_detection, smoothing

__all__ = ["GENERATORS", "CATALOG", "resolved_params", "build"]

GENERATORS = {
    "digits_classifier": digits_classifier,
    "diehl_cook": diehl_cook,
    "smoothing": smoothing,
    "edge_detection": edge_detection,
    "layered_all_to_all": layered_all_to_all,
    "cuba": cuba,
    "sparse_layered": sparse_layered,
}

#: name -> {"generator": name in GENERATORS, "params": overrides, "generated": bool}
CATALOG = {
    "digits": {"generator": "digits_classifier", "params": {}},
    "diehl_cook": {"generator": "diehl_cook", "params": {}},
    "smoothing": {"generator": "smoothing", "params": {}},
    "edge_detection": {"generator": "edge_detection", "params": {}},
    "synth_1000": {"generator": "layered_all_to_all",
                   "params": {"n_input": 500, "layers": [500, 500], "name": "synth_1000"}},
    "synth_layered": {"generator": "layered_all_to_all",
                      "params": {"n_input": 100, "layers": [200, 100], "w_mean": 0.02,
                                 "w_std": 0.08, "name": "synth_layered"}},
    "cuba_4000": {"generator": "cuba", "params": {"name": "cuba_4000"}},
    "large_100k": {"generator": "sparse_layered", "params": {"name": "large_100k"},
                   "generated": True},
}


def resolved_params(generator: str, params: dict) -> dict:
    """``params`` completed with the generator's defaults (tuples become lists), so that a
    manifest records every parameter that shaped the workload."""
    sig = inspect.signature(GENERATORS[generator])
    out = {}
    for k, p in sig.parameters.items():
        v = params.get(k, p.default)
        out[k] = list(v) if isinstance(v, tuple) else v
    unknown = set(params) - set(sig.parameters)
    if unknown:
        raise TypeError(f"generator {generator!r} has no parameters {sorted(unknown)}")
    return out


def build(name: str):
    """Build catalogue entry ``name``; returns (workload, generator record for the manifest)."""
    spec = CATALOG[name]
    params = resolved_params(spec["generator"], spec["params"])
    wl = GENERATORS[spec["generator"]](**params)
    return wl, {"name": spec["generator"], "params": params}
