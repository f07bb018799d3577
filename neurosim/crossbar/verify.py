"""Write-verify programming against the in-array read (``crossbar.ir_drop_compensation:
write_verify``).

A program-and-verify controller reads each cell back through the array and stops when the current it
senses matches the target. With the IR drop of a row read the sensed (apparent) conductance of cell
(i, j) is ``alpha_ij · G_ij`` (``CrossbarPhysics.effective_conductances``), so the verified cell
holds the level nearest ``g_target / alpha_ij`` (confined to the device range), and its effective
weight is the network weight up to one level's rounding instead of being attenuated by the wires
(Liu et al., "Harmonica", DAC 2015; Chen et al., "Mitigating effects of non-ideal synaptic device
characteristics", Nanotechnology 2015 — compensation of static parasitics by in-situ programming).

``alpha`` depends on the conductances of the row being read, so the initial programming iterates:
open-loop program, then ``passes`` times re-program against the alpha of the previous state. Every
pass draws the same variation numbers (the generator is rewound), so the generator ends exactly where
one open-loop programming would leave it.
"""
from __future__ import annotations

import copy

import numpy as np

from ..devices.programming import program_crossbar
from .physics import CrossbarPhysics

__all__ = ["apparent_gain", "program_verified"]


def apparent_gain(hw, G, block=None) -> np.ndarray:
    """(R, C) ratio of apparent to programmed conductance of every cell (1 where G = 0, and outside
    ``block`` = (rows_used, physical column indices) when given)."""
    G = np.asarray(G, dtype=np.float64)
    g_app = CrossbarPhysics(hw, G).effective_conductances()
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(G != 0, g_app / np.where(G != 0, G, 1.0), 1.0)
    if block is not None:
        rows_used, cols = block
        keep = np.zeros(G.shape, bool)
        keep[np.ix_(np.arange(rows_used), np.asarray(cols, np.int64))] = True
        alpha = np.where(keep, alpha, 1.0)
    return alpha


def program_verified(hw, W_logical, rng=None, *, mask=None, stuck=None, block=None, passes: int = 2) -> np.ndarray:
    """Program one crossbar with write-verify (module docstring); same arguments as
    :func:`neurosim.devices.program_crossbar`, ``block`` limits the compensation to the cells in use."""
    state = copy.deepcopy(rng.bit_generator.state) if isinstance(rng, np.random.Generator) else None
    G = program_crossbar(hw, W_logical, rng, mask=mask, stuck=stuck)
    if hw.device.type == "ideal" or hw.crossbar.ir_drop_method == "none":
        return G
    for _ in range(int(passes)):
        gain = apparent_gain(hw, G, block)
        if state is not None:
            rng.bit_generator.state = copy.deepcopy(state)
        G = program_crossbar(hw, W_logical, rng, mask=mask, stuck=stuck, gain=gain)
    return G
