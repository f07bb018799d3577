"""The column ADC of a crossbar: its step (LSB) per synapse, from the chip and the programmed weights.

Rows are read one at a time (one spike, one row read), so the ADC converts one row's column
currents: what a synapse delivers is its effective weight w read as ``round(w / LSB)`` codes,
saturating at ±q_max = ±(2^(bits−1) − 1), times LSB. LSB = full scale / q_max, the full scale per
crossbar being (``peripherals.adc_range``) the largest weight programmed into it plus one device
level (``calibrated``: the bound of a plastic synapse's STDP rule counts; capped at the device range)
or the device range ±weight_scale (``device``). Device variation or drift can still carry a weight
past the full scale: the reading saturates, and the engine counts and reports it. Weights are in device units (after the input gain, neurosim.devices.gain).
The engine and the SimPy reference both quantise with this LSB.
"""
from __future__ import annotations

import numpy as np

__all__ = ["adc_qmax", "adc_lsb"]


def adc_qmax(hw) -> int:
    """Largest code magnitude of the chip's ADC; 0 for ideal sensing (``adc_bits`` null)."""
    bits = hw.peripherals.adc_bits
    return 0 if bits is None else (1 << (int(bits) - 1)) - 1


def adc_lsb(net, hw, syn_crossbar) -> np.ndarray:
    """ADC step (network units of the device) of each synapse's crossbar, float64[n_synapses];
    ``net`` is the (gained) network the chip stores, ``syn_crossbar`` each synapse's crossbar."""
    q = adc_qmax(hw)
    s = float(hw.device.weight_scale)
    sk = np.asarray(syn_crossbar, np.int64)
    if q == 0:
        return np.ones(sk.size)
    if hw.peripherals.adc_range == "device" or sk.size == 0:
        return np.full(sk.size, s / q)
    from ..devices.gain import weight_reach
    need = weight_reach(net)
    uk, inv = np.unique(sk, return_inverse=True)
    fs = np.zeros(uk.size)
    np.maximum.at(fs, inv, need)
    # margin: the level grid rounds a weight to the nearest of `levels` steps of s / (levels - 1)
    levels = hw.device.levels
    margin = s / (levels - 1) if levels else 0.0
    fs = np.where(fs > 0, np.minimum(fs + margin, s), s)
    return (fs / q)[inv]
