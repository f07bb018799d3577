"""A programmed chip that runs several times: pack and program once, simulate many.

In the spirit of SANA-FE's ``SpikingChip(arch).load(net).sim(...)``:

>>> import neurosim as ns                                                          # doctest: +SKIP
>>> chip = ns.Chip(hw, wl, mapping, seed=0)         # packs the arrays, programs every crossbar
>>> cyc = chip.run()                                 # the cycle model
>>> fun = chip.run(timing="functional")              # the same chip, from its programmed state
>>> other = chip.run(inputs=wl_test, ticks=500)      # other input spikes on the same network

A :class:`Chip` is one chip *instance*: its ``seed`` draws the device-to-device variation, stuck
cells and endurance spread when it is programmed, so another seed is another chip (another
:class:`Chip`). Every :meth:`Chip.run` starts from the freshly programmed state (learning writes,
read-disturb drift and refreshes of one run do not carry into the next) and gives the result
:func:`neurosim.simulate` gives with the same arguments, bit for bit (tests/test_session.py).

What a run reuses is the packing (index arrays of rows, slots, routes and cells) and the
programming of every used crossbar (write-verify, IR-drop physics, effective weights), which is
most of a ``simulate()`` call on chips with IR drop (docs/performance_engine.md). A run that
changes the weights (an aged chip) is a new programming, so it is a new :class:`Chip`.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np

from .core import EngineError, _as_workload, check_run_args, input_arrays, pack, run_packed

__all__ = ["Chip", "EngineOptions"]

_XY_TREE_STORES = ("auto", "nodes", "columns")


@dataclass(frozen=True)
class EngineOptions:
    """How the compiled loop stores what it needs; no option changes a result (tests compare them).

    ``xy_trees``: how multicast XY trees are stored — ``"nodes"`` (one 32-byte node per router of
    each tree, any mesh), ``"columns"`` (per neuron a 64-bit mask of destination rows per mesh
    column; meshes up to 64 rows) or ``"auto"`` (nodes while all trees take at most 24 MB, columns
    beyond: on CUBA the nodes are ~5 % faster on ``ideal``, 12 MB of trees, the masks ~10 % faster
    on a 32 × 32 ``espine_pcm``, 89 MB; docs/engine.md §1).

    ``stdp_lut_ticks``: STDP factors exp(−Δt/τ) are tabulated for spike-time differences below this
    many ticks (the same expression, so the same bits); longer ones are computed.
    """

    xy_trees: str = "auto"
    stdp_lut_ticks: int = 4096

    def __post_init__(self):
        if self.xy_trees not in _XY_TREE_STORES:
            raise EngineError(f"options.xy_trees: expected one of {', '.join(_XY_TREE_STORES)}, got {self.xy_trees!r}")
        if not isinstance(self.stdp_lut_ticks, (int, np.integer)) or self.stdp_lut_ticks < 1:
            raise EngineError(f"options.stdp_lut_ticks: expected an integer >= 1, got {self.stdp_lut_ticks!r}")


def _same_network(a, b) -> bool:
    if a is b:
        return True
    x, y = a.arrays(), b.arrays()
    return x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)


class Chip:
    """``workload``'s network programmed onto chip ``hw`` placed by ``mapping`` (module docstring).

    Parameters
    ----------
    hw, workload, mapping, seed
        As for :func:`neurosim.simulate`; ``seed`` draws this chip instance's variation.
    ticks : int, optional
        The longest run this chip will be asked for (default: the workload's ``n_ticks``).
    options : EngineOptions, optional
    reusable : bool
        Keep a pristine copy of the programmed state so that :meth:`run` can be called again
        (default). ``False`` (what :func:`neurosim.simulate` uses) saves that copy; the chip then runs once.

    Attributes
    ----------
    program_s : float
        Wall time (s) of packing and programming.
    """

    def __init__(self, hw, workload, mapping, *, seed: int = 0, ticks=None, options: EngineOptions | None = None,
                 reusable: bool = True):
        wl = _as_workload(workload)
        self.ticks, _ = check_run_args(wl, ticks, "cycle", ("spikes",))
        self.hw, self.workload, self.mapping, self.seed = hw, wl, mapping, int(seed)
        self.options = options if options is not None else EngineOptions()
        if not isinstance(self.options, EngineOptions):
            raise EngineError(f"options: expected a neurosim.engine.EngineOptions, got {type(self.options).__name__}")
        t0 = time.perf_counter()
        self._cfg, self._a, s, info = pack(wl, hw, mapping, self.ticks, np.random.default_rng(seed))
        self._live = (s, info)
        self._pristine = copy.deepcopy((s, info)) if reusable else None
        self.reusable = bool(reusable)
        self.runs = 0
        self.program_s = time.perf_counter() - t0

    def run(self, *, ticks=None, timing: str = "cycle", record=("spikes",), inputs=None):
        """Simulate from the programmed state; returns a :class:`~neurosim.engine.SimResult`.

        ``ticks``: at most the chip's ``ticks`` (default: all of them). ``timing``, ``record``: as
        for :func:`neurosim.simulate`. ``inputs``: a :class:`~neurosim.workload.Workload` on the same
        network whose input spikes (and labels, for accuracy) replace the chip's workload's.
        """
        wl = self.workload if inputs is None else _as_workload(inputs)
        if wl is not self.workload and not _same_network(wl.network, self.workload.network):
            raise EngineError(f"inputs: workload {wl.name!r} has another network than the one programmed "
                              f"({self.workload.name!r}); program it as a new Chip")
        T, rec = check_run_args(wl, self.ticks if ticks is None else ticks, timing, record)
        if T > self.ticks:
            raise EngineError(f"ticks: this chip was packed for {self.ticks} ticks, {T} asked")
        if self._live is None:
            if self._pristine is None:
                raise EngineError("this Chip was made with reusable=False and has run; make a new Chip")
            self._live = copy.deepcopy(self._pristine)
        s, info = self._live
        self._live = None
        a = self._a if wl is self.workload else {**self._a, **input_arrays(wl, self.ticks)}
        self.runs += 1
        return run_packed(wl, self.hw, self.mapping, self._cfg, a, s, info, T, rec, timing, self.options)

