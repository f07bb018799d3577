"""Profiling runs for the mapping, and the mapping entry points that use them (run layer).

The mapping layer (:mod:`neurosim.mapping`) does not run the engine; what it needs from a
simulation it receives as data through :class:`neurosim.mapping.activity.Profilers`. This module,
above both the mapping and the engine, supplies them (:data:`PROFILERS`):

* :func:`spike_profile` — the spike counts of every neuron (inputs included) of the workload on the
  ``ideal`` chip, whose spikes are the pure model's spikes (docs/design.md#neuron-model):
  :func:`neurosim.engine.simulate` with a sequential mapping (on-chip STDP included, as the ideal
  chip learns), else — a build without the compiled engine, or a workload too large for the ideal
  chip — the pure-numpy LIF (:func:`neurosim.workload.reference_lif.simulate_lif`, exact for static
  weights). Cached by the workload's content hash (:func:`profile_activity`).
* :func:`wear_profile` — the programming pulses of every cell in a run of a preliminary mapping on
  the target chip (the espine strategy on a learning chip ranks synapses by them).

:func:`map_workload` (``neurosim.map_workload``), :func:`mapping_metrics` and :func:`cli_map` (what
``neurosim map`` calls) are the mapping functions of :mod:`neurosim.mapping` with these profilers.

Cache: ``$NEUROSIM_CACHE_DIR/activity`` if set, else ``$XDG_CACHE_HOME/neurosim/activity``
(``~/.cache/neurosim/activity``). Entries are ``<content-hash>.npy`` files written atomically and
only ever created, never overwritten; an unreadable or mismatched entry is ignored.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .mapping import MappingError
from .mapping import map_workload as _map_workload
from .mapping.activity import Profilers, WearRun, lif_counts
from .mapping.activity import profile_activity as _profile_activity

__all__ = ["map_workload", "mapping_metrics", "cli_map", "profile_activity", "spike_profile",
           "wear_profile", "PROFILERS", "activity_cache_dir"]


def activity_cache_dir() -> Path:
    env = os.environ.get("NEUROSIM_CACHE_DIR")
    if env:
        return Path(env) / "activity"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "neurosim" / "activity"


#: Bumped whenever the profiling run's semantics change, so stale cached profiles are not reused.
_PROFILE_VERSION = 2          # 2: currents summed in fixed point (docs/engine.md §2)


def _simulate_counts(workload) -> tuple[np.ndarray, str]:
    n = workload.network.n_neurons
    try:
        from .engine import simulate  # noqa: F401  (the engine may not exist yet)
        from .config import load_hardware
        hw = load_hardware("ideal")
        m = _map_workload(workload, hw, "sequential")
        res = simulate(workload, hw, m, seed=0, timing="functional")   # only the spikes are used
        spk = np.asarray(res.spikes["neuron"], np.int64)
        counts = np.bincount(spk, minlength=n).astype(np.float64)
        if not np.any(workload.network.is_input[spk]):
            # the engine reports the network's own spikes; inputs replay the workload's spikes
            counts += np.bincount(np.asarray(workload.input_neurons, np.int64), minlength=n)
        return counts, "engine/ideal"
    except ImportError:  # a build without the compiled engine
        pass
    except MappingError:  # the workload does not fit the ideal chip: profile with the pure model
        pass
    return lif_counts(workload), "lif/numpy"


def _cached_counts(workload, *, cache: bool = True, cache_dir=None) -> tuple[np.ndarray, str]:
    from . import __version__

    n = workload.network.n_neurons
    # the profile depends on the workload and on the simulator that produced it
    key = hashlib.sha256(f"{workload.content_hash()}:{__version__}:{_PROFILE_VERSION}".encode()).hexdigest()
    d = Path(cache_dir) if cache_dir is not None else activity_cache_dir()
    entry = d / f"{key}.npy"
    if cache and entry.is_file():
        try:
            a = np.load(entry, allow_pickle=False)
            if a.shape == (n,) and a.dtype == np.float64 and np.all(np.isfinite(a)):
                return a, "cache"
        except (OSError, ValueError):
            pass
    counts, source = _simulate_counts(workload)
    if cache:
        try:
            d.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{key[:16]}-", suffix=".npy")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, counts)
            try:
                os.link(tmp, entry)                 # create only; never replace an existing file
            except FileExistsError:
                pass
            except OSError:
                if not entry.exists():
                    os.replace(tmp, entry)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as e:
            warnings.warn(f"could not cache activity profile in {d}: {e}", stacklevel=3)
    return counts, source


def spike_profile(workload) -> tuple[np.ndarray, str]:
    """``Profilers.spikes``: the cached ideal-chip spike counts of ``workload`` and their source
    (``"cache"``, ``"engine/ideal"`` or ``"lif/numpy"``)."""
    return _cached_counts(workload)


def wear_profile(workload, hw, mapping, ticks, seed) -> WearRun:
    """``Profilers.wear``: programming pulses of every cell in a run of ``mapping`` on ``hw``."""
    from .engine import simulate
    res = simulate(workload, hw, mapping, ticks=ticks, seed=seed, timing="functional")   # writes only: timing-free
    return WearRun(n_ticks=int(res.n_ticks), write_pulses=int(res.counts["write_pulses"]),
                   cell_writes={int(x.crossbar): x.cell_writes(full=True) for x in res.crossbars})


#: The engine-backed profilers :func:`map_workload` passes to the mapping.
PROFILERS = Profilers(spikes=spike_profile, wear=wear_profile)


def profile_activity(workload, activity=None, *, cache: bool = True, cache_dir=None) -> tuple[np.ndarray, str]:
    """Return ``(spike counts float64[n], source)``.

    ``source`` is ``"given"`` for a user-supplied ``activity``, ``"cache"``, ``"engine/ideal"``,
    ``"lif/numpy"``, or ``"uniform"`` for a bare network without input spikes (all ones)."""
    spikes = lambda wl: _cached_counts(wl, cache=cache, cache_dir=cache_dir)  # noqa: E731
    return _profile_activity(workload, activity, profilers=Profilers(spikes=spikes))


def map_workload(workload, hw, strategy: str = "sequential", *, seed: int = 0, activity=None,
                 split_fanin: bool = True, options: dict | None = None):
    """:func:`neurosim.mapping.map_workload` with the engine-backed profilers (:data:`PROFILERS`):
    activity-aware strategies weight traffic by the cached ideal-chip spike profile, and espine on a
    learning chip ranks synapses by the wear of a profiling run on ``hw``. This is ``neurosim.map_workload``."""
    return _map_workload(workload, hw, strategy, seed=seed, activity=activity, split_fanin=split_fanin,
                         options=options, profilers=PROFILERS)


def mapping_metrics(workload, hw, mapping, activity=None) -> dict:
    """:func:`neurosim.mapping.metrics.mapping_metrics` with the cached ideal-chip spike profile."""
    from .mapping.metrics import mapping_metrics as _metrics
    return _metrics(workload, hw, mapping, activity, profilers=PROFILERS)


def cli_map(hw, workload, strategy: str = "espine", seed: int = 0, out_path=None) -> dict:
    """The function behind ``neurosim map HWCONFIG WORKLOAD --strategy S``: map ``workload`` onto
    ``hw`` (objects, or a hwconfig name/path and a trace path), save the mapping to ``out_path`` if
    given (never overwriting an existing file), and return the :func:`mapping_metrics` dict plus
    ``"mapping_path"`` and timing/partition summaries."""
    import time

    if isinstance(hw, (str, Path)):
        from .config import load_hardware
        hw = load_hardware(str(hw))
    if isinstance(workload, (str, Path)):
        from .workload import load_workload
        workload = load_workload(workload)
    if out_path is not None and Path(out_path).exists():
        raise MappingError(f"{out_path}: file exists; refusing to overwrite it")
    t0 = time.perf_counter()
    m = map_workload(workload, hw, strategy, seed=seed)
    t_map = time.perf_counter() - t0
    out = mapping_metrics(workload, hw, m)
    out["mapping_time_s"] = t_map
    part = m.metadata.get("partition", {})
    if part:
        out["partition_km1_objective"] = part.get("km1")
    pl = m.metadata.get("placement", {})
    for k in ("random", "ls_only", "pso", "pso+ls"):
        if k in pl:
            out[f"placement_{k}_hop_traffic"] = pl[k]["hop_traffic"]
    if out_path is not None:
        m.save(out_path)
        out["mapping_path"] = str(out_path)
    return out
