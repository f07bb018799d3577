"""Per-neuron activity (spike counts) for the activity-aware mapping strategies.

``activity`` is float64[n]: spikes of every neuron over the workload (inputs included). Unless the
user gives one, :func:`profile_activity` runs the workload on the ``ideal`` chip — whose spikes are
the pure model's spikes (docs/design.md#neuron-model) — and caches the counts by the workload's content hash.

The profiler is :func:`neurosim.engine.simulate` on the ideal chip with a sequential mapping when
the engine is available (on-chip STDP included, as the ideal chip learns), else the pure-numpy
discrete-time LIF of docs/design.md#neuron-model (:func:`neurosim.workload.reference_lif.simulate_lif`), an
exact model of the ideal chip's spikes for static weights (it does not simulate plasticity).
Input neurons count the workload's input spikes.

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

from .core import MappingError

__all__ = ["profile_activity", "activity_cache_dir", "check_activity"]


def activity_cache_dir() -> Path:
    env = os.environ.get("NEUROSIM_CACHE_DIR")
    if env:
        return Path(env) / "activity"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "neurosim" / "activity"


def check_activity(activity, n: int) -> np.ndarray:
    a = np.asarray(activity, dtype=np.float64)
    if a.shape != (n,) or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise MappingError(f"activity must be a finite, non-negative float array of shape ({n},), "
                           f"got {a.dtype} {a.shape}")
    return a


#: Bumped whenever the profiling run's semantics change, so stale cached profiles are not reused.
_PROFILE_VERSION = 2          # 2: currents summed in fixed point (docs/engine.md §2)


def _simulate_counts(workload) -> tuple[np.ndarray, str]:
    n = workload.network.n_neurons
    try:
        from neurosim.engine import simulate  # noqa: F401  (the engine may not exist yet)
        import neurosim as ns
        from .strategies import map_workload
        hw = ns.load_hardware("ideal")
        m = map_workload(workload, hw, "sequential")
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
    from neurosim.workload.reference_lif import simulate_lif
    _, neurons = simulate_lif(workload)
    return np.bincount(neurons, minlength=n).astype(np.float64), "lif/numpy"


def profile_activity(workload, activity=None, *, cache: bool = True, cache_dir=None) -> tuple[np.ndarray, str]:
    """Return ``(spike counts float64[n], source)``.

    ``source`` is ``"given"`` for a user-supplied ``activity``, ``"cache"``, ``"engine/ideal"``,
    ``"lif/numpy"``, or ``"uniform"`` for a bare network without input spikes (all ones)."""
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
    from .. import __version__

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
            warnings.warn(f"could not cache activity profile in {d}: {e}", stacklevel=2)
    return counts, source
