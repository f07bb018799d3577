"""Per-neuron activity (spike counts) for the activity-aware mapping strategies, and the interface
through which the run layer hands the mapping what only a simulation can measure.

``activity`` is float64[n]: spikes of every neuron over the workload (inputs included). The mapping
layer does not run the engine (docs/architecture.md "Layers"): a profiling run is the caller's, passed
in as :class:`Profilers` — plain callables that return data:

* ``spikes(workload) -> (float64[n], source)``: the spike counts of a workload;
* ``wear(workload, hw, mapping, ticks, seed) -> WearRun``: the programming pulses of every cell in a
  run of ``mapping`` on ``hw`` (the espine strategy on a learning chip ranks synapses by them).

:func:`neurosim.map_workload` passes the engine-backed profilers of :mod:`neurosim.profiling` (the
ideal-chip spike profile, cached by the workload's content hash, and a run on the target chip).
Without a ``spikes`` profiler, :func:`profile_activity` uses what the mapping can compute alone: the
pure-numpy discrete-time LIF of docs/design.md#neuron-model
(:func:`neurosim.workload.reference_lif.simulate_lif`), an exact model of the ideal chip's spikes for
static weights (it does not simulate plasticity); the source is then ``"lif/numpy"``. Without a
``wear`` profiler the espine strategy ranks synapses by pre + post spikes and says so in the
mapping's ``metadata["wear_profile"]``. Input neurons count the workload's input spikes.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .core import MappingError

__all__ = ["profile_activity", "check_activity", "Profilers", "WearRun"]


class WearRun(NamedTuple):
    """What the write-aware cell ranking reads from a profiling run."""
    n_ticks: int              #: ticks simulated
    write_pulses: int         #: programming pulses in total
    cell_writes: dict         #: crossbar id -> int array (R, C): programming pulses of every physical cell


class Profilers(NamedTuple):
    """Measurements the mapping cannot make itself; either may be ``None``."""
    spikes: Callable | None = None    #: ``spikes(workload) -> (float64[n] spike counts, source)``
    wear: Callable | None = None      #: ``wear(workload, hw, mapping, ticks, seed) -> WearRun``


def check_activity(activity, n: int) -> np.ndarray:
    a = np.asarray(activity, dtype=np.float64)
    if a.shape != (n,) or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise MappingError(f"activity must be a finite, non-negative float array of shape ({n},), "
                           f"got {a.dtype} {a.shape}")
    return a


def profile_activity(workload, activity=None, *, profilers: Profilers | None = None) -> tuple[np.ndarray, str]:
    """Return ``(spike counts float64[n], source)``.

    ``source`` is ``"given"`` for a user-supplied ``activity``, ``"uniform"`` for a bare network
    without input spikes (all ones), else what ``profilers.spikes`` returns (the run layer's:
    ``"cache"``, ``"engine/ideal"`` or ``"lif/numpy"``), or ``"lif/numpy"`` without a spikes profiler."""
    net = getattr(workload, "network", None)
    n = net.n_neurons if net is not None else getattr(workload, "n_neurons", None)
    if activity is not None:
        if n is None:
            from .netview import as_network
            n = as_network(workload).n_neurons
        return check_activity(activity, n), "given"
    if net is None or not hasattr(workload, "content_hash") or not hasattr(workload, "input_ticks"):
        from .netview import as_network
        return np.ones(as_network(workload).n_neurons), "uniform"
    spikes = getattr(profilers, "spikes", None)
    if spikes is not None:
        return spikes(workload)
    return lif_counts(workload), "lif/numpy"


def lif_counts(workload) -> np.ndarray:
    """float64[n]: spikes of every neuron (inputs: the workload's input spikes) by the pure-numpy LIF."""
    from neurosim.workload.reference_lif import simulate_lif
    _, neurons = simulate_lif(workload)
    return np.bincount(neurons, minlength=workload.network.n_neurons).astype(np.float64)
