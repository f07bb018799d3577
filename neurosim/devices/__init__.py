"""Memristive device models (docs/models.md): weight encodings and levels, programming with
variation and faults, write endurance, read disturb, temperature, per-crossbar maps."""
from .encoding import ENCODING_CODES, DeviceParams, decode_conductances, device_params, encode_weights
from .faults import apply_stuck, apply_wearout, fabrication_stuck_mask, stuck_value
from .levels import level_index, quantise
from .programming import program_crossbar
from .variation import c2c_noise, d2d_factors

__all__ = [
    "DeviceParams", "device_params", "encode_weights", "decode_conductances", "ENCODING_CODES",
    "quantise", "level_index", "program_crossbar", "d2d_factors", "c2c_noise",
    "fabrication_stuck_mask", "apply_stuck", "apply_wearout", "stuck_value",
]
