"""Shared helpers of the crossbar/device tests (not a test module)."""
import numpy as np

import neurosim as ns
from neurosim.config import validate_data


def hw_variant(name, **changes):
    """A shipped chip with dotted-key changes, e.g. ``hw_variant("espine_pcm", **{"tile.access_device": "0T1R"})``."""
    data = ns.load_hardware(name).model_dump()
    for key, value in changes.items():
        d = data
        parts = key.split(".")
        for p in parts[:-1]:
            d = d[p]
        d[parts[-1]] = value
    return validate_data(data)


def random_weights(hw, rng, density=0.5):
    shape = (hw.tile.crossbar_rows, hw.neurons_per_crossbar)
    return rng.uniform(-hw.device.weight_scale, hw.device.weight_scale, shape) * (rng.random(shape) < density)
