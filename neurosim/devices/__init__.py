"""Memristive device models (docs/models.md): weight encodings and levels, programming with
variation and faults, write endurance, read disturb, temperature, per-crossbar maps."""
from .encoding import ENCODING_CODES, DeviceParams, decode_conductances, device_params, encode_weights
from .faults import apply_stuck, apply_wearout, fabrication_stuck_mask, stuck_value
from .levels import level_index, quantise
from .programming import program_crossbar
from .variation import c2c_noise, d2d_factors
from .endurance import endurance_from_current, program_cell_resistance, write_endurance, write_endurance_map
from .read_disturb import (cycling_factor, drift_exponent, drifted_conductance, onset_reads, onset_time_s,
                           read_endurance_map, reads_to_tolerance)
from .temperature import temperature_map
from .maps import CrossbarMaps, crossbar_maps, plot_crossbar_map

__all__ = [
    "DeviceParams", "device_params", "encode_weights", "decode_conductances", "ENCODING_CODES",
    "quantise", "level_index", "program_crossbar", "d2d_factors", "c2c_noise",
    "fabrication_stuck_mask", "apply_stuck", "apply_wearout", "stuck_value",
    "endurance_from_current", "program_cell_resistance", "write_endurance", "write_endurance_map",
    "drift_exponent", "cycling_factor", "onset_time_s", "onset_reads", "reads_to_tolerance",
    "drifted_conductance", "read_endurance_map", "temperature_map",
    "CrossbarMaps", "crossbar_maps", "plot_crossbar_map",
]
