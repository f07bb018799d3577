"""A workload: a compiled network plus the input spikes that drive it (and optional labels).

Input spikes are stored sparsely, sorted by (tick, neuron): input neuron ``input_neurons[k]``
spikes in tick ``input_ticks[k]``; its synapses deliver in tick ``input_ticks[k] + delay``. A
workload lasts ``n_ticks`` ticks (0 .. n_ticks-1). Optional samples split the run into windows
``[sample_starts[i], sample_starts[i] + sample_ticks[i])`` with ``labels[i]`` (a classification
target); the gaps between windows, if any, are rest periods.

Example
-------
>>> import numpy as np
>>> from neurosim.workload import Network, Workload
>>> net = Network(name="demo")
>>> inp = net.add_input("in", 2)
>>> out = net.add_population("out", 1)
>>> _ = net.connect(inp, out, weights=np.ones((2, 1)))
>>> raster = np.array([[1, 0], [0, 0], [1, 1]], dtype=bool)
>>> wl = Workload(net, inputs={"in": raster}, name="demo")
>>> wl.n_ticks, wl.input_ticks.tolist(), wl.input_neurons.tolist()
(3, [0, 2, 2], [0, 0, 1])
"""
from __future__ import annotations

import copy
import json

import numpy as np

from .compiled import CompiledNetwork
from .errors import WorkloadError
from .hashing import hash_arrays
from .network import Network

__all__ = ["Workload"]

_INT32_MAX = int(np.iinfo(np.int32).max)


def _int_array(value, name, where):
    arr = np.asarray(value)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise WorkloadError(f"{where}: {name!r} must be a 1-d integer array, got {arr.dtype} {arr.shape}")
    return arr


class Workload:
    """A compiled network, its input spikes, and optional labelled samples.

    Parameters
    ----------
    network : Network or CompiledNetwork
        A builder is compiled on the spot.
    inputs : dict name -> bool array (ticks, population size), optional
        One raster per input population (row = tick). Populations left out stay silent. All
        rasters must have the same number of rows.
    labels : int array (n_samples,), optional
        Class label of each sample; needs ``sample_ticks`` (and optionally ``sample_starts``).
    name : str
        Workload name (defaults to the network's).
    n_ticks : int, optional
        Duration; defaults to the rasters' length (required when ``inputs`` is empty).
    sample_starts : int array, optional
        Tick at which each sample begins; defaults to back-to-back windows of ``sample_ticks``.
    sample_ticks : int or int array, optional
        Length of each sample window in ticks.
    metadata : dict, optional
        Free-form, YAML-serialisable information (description, family, generator parameters,
        recorded accuracy...). The network builder's own ``metadata`` is merged in underneath.
    """

    def __init__(
        self,
        network,
        inputs=None,
        labels=None,
        name=None,
        *,
        n_ticks=None,
        sample_starts=None,
        sample_ticks=None,
        metadata=None,
    ):
        meta = {}
        if isinstance(network, Network):
            meta.update(copy.deepcopy(network.metadata))
            network = network.compile()
        if not isinstance(network, CompiledNetwork):
            raise WorkloadError(f"Workload: expected a Network or CompiledNetwork, got {type(network).__name__}")
        meta.update(metadata or {})
        name = name if name is not None else network.name
        where = f"workload {name!r}"
        inputs = dict(inputs or {})
        ticks_parts, neuron_parts = [], []
        lengths = set()
        for pop_name, raster in inputs.items():
            pop = network.population(pop_name)
            if not pop.is_input:
                raise WorkloadError(f"{where}: inputs[{pop_name!r}]: {pop_name!r} is not an input population")
            r = np.asarray(raster)
            if r.ndim != 2 or r.shape[1] != pop.size:
                raise WorkloadError(
                    f"{where}: inputs[{pop_name!r}] must have shape (ticks, {pop.size}), got {r.shape}"
                )
            if r.dtype != bool:
                if not np.all((r == 0) | (r == 1)):
                    raise WorkloadError(f"{where}: inputs[{pop_name!r}] must be boolean (0/1)")
                r = r.astype(bool)
            lengths.add(r.shape[0])
            t, j = np.nonzero(r)
            ticks_parts.append(t)
            neuron_parts.append(j + pop.start)
        if len(lengths) > 1:
            raise WorkloadError(f"{where}: input rasters have different lengths {sorted(lengths)}")
        if n_ticks is None:
            if not lengths:
                raise WorkloadError(f"{where}: give n_ticks when there are no input rasters")
            n_ticks = lengths.pop()
        elif lengths and lengths.pop() > n_ticks:
            raise WorkloadError(f"{where}: input rasters are longer than n_ticks={n_ticks}")
        ticks = np.concatenate(ticks_parts) if ticks_parts else np.zeros(0, np.int64)
        neurons = np.concatenate(neuron_parts) if neuron_parts else np.zeros(0, np.int64)

        if sample_ticks is not None and sample_starts is None:
            st = np.asarray(sample_ticks)
            if st.ndim == 0:
                count = len(labels) if labels is not None else int(n_ticks) // int(st)
                st = np.full(count, int(st))
            sample_starts = np.concatenate([[0], np.cumsum(st)[:-1]]) if len(st) else np.zeros(0)
            sample_ticks = st
        elif sample_ticks is not None and np.ndim(sample_ticks) == 0 and sample_starts is not None:
            sample_ticks = np.full(len(sample_starts), int(sample_ticks))
        self._init_arrays(
            network, ticks, neurons, n_ticks, labels, sample_starts, sample_ticks, name, meta, where
        )

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_arrays(
        cls,
        network: CompiledNetwork,
        input_ticks,
        input_neurons,
        n_ticks: int,
        *,
        labels=None,
        sample_starts=None,
        sample_ticks=None,
        name=None,
        metadata=None,
        source=None,
    ) -> "Workload":
        """Build from sparse spike arrays (any order; sorted here). ``source`` names the origin
        (e.g. a file) in error messages."""
        self = cls.__new__(cls)
        name = name if name is not None else network.name
        where = source or f"workload {name!r}"
        self._init_arrays(
            network, input_ticks, input_neurons, n_ticks, labels, sample_starts, sample_ticks,
            name, dict(metadata or {}), where,
        )
        return self

    def _init_arrays(self, network, ticks, neurons, n_ticks, labels, starts, sticks, name, meta, where):
        if not isinstance(n_ticks, (int, np.integer)) or isinstance(n_ticks, bool) or n_ticks < 1:
            raise WorkloadError(f"{where}: n_ticks must be an integer >= 1, got {n_ticks!r}")
        n_ticks = int(n_ticks)
        if n_ticks > _INT32_MAX:
            raise WorkloadError(f"{where}: n_ticks exceeds int32 range")
        ticks = _int_array(ticks, "input_ticks", where)
        neurons = _int_array(neurons, "input_neurons", where)
        if ticks.shape != neurons.shape:
            raise WorkloadError(
                f"{where}: 'input_ticks' has {ticks.size} entries but 'input_neurons' has {neurons.size}"
            )
        if ticks.size:
            if ticks.min() < 0 or ticks.max() >= n_ticks:
                bad = int(ticks[(ticks < 0) | (ticks >= n_ticks)][0])
                raise WorkloadError(f"{where}: 'input_ticks' has tick {bad} out of range [0, {n_ticks})")
            n = network.n_neurons
            if neurons.min() < 0 or neurons.max() >= n:
                bad = int(neurons[(neurons < 0) | (neurons >= n)][0])
                raise WorkloadError(f"{where}: 'input_neurons' has neuron id {bad} out of range [0, {n})")
            non_input = ~network.is_input[neurons]
            if np.any(non_input):
                k = int(np.flatnonzero(non_input)[0])
                raise WorkloadError(
                    f"{where}: input spike on non-input neuron {int(neurons[k])} at tick {int(ticks[k])}"
                )
        ticks = ticks.astype(np.int32)
        neurons = neurons.astype(np.int32)
        order = np.lexsort((neurons, ticks))
        ticks, neurons = ticks[order], neurons[order]
        if ticks.size > 1:
            dup = (np.diff(ticks) == 0) & (np.diff(neurons) == 0)
            if np.any(dup):
                k = int(np.flatnonzero(dup)[0])
                raise WorkloadError(
                    f"{where}: duplicate input spike (neuron {int(neurons[k])}, tick {int(ticks[k])})"
                )

        if labels is not None and sticks is None:
            raise WorkloadError(f"{where}: labels need sample_ticks (the window of each sample)")
        if sticks is not None:
            starts = _int_array(starts, "sample_starts", where).astype(np.int64)
            sticks = _int_array(sticks, "sample_ticks", where).astype(np.int64)
            if starts.shape != sticks.shape:
                raise WorkloadError(
                    f"{where}: 'sample_starts' has {starts.size} entries but 'sample_ticks' has {sticks.size}"
                )
            if sticks.size:
                if np.any(sticks < 1):
                    raise WorkloadError(f"{where}: 'sample_ticks' must be >= 1")
                if starts.min() < 0 or np.any(starts + sticks > n_ticks):
                    raise WorkloadError(f"{where}: a sample window runs outside [0, n_ticks={n_ticks})")
                if np.any(starts[1:] < starts[:-1] + sticks[:-1]):
                    raise WorkloadError(f"{where}: sample windows must be in order and not overlap")
            starts, sticks = starts.astype(np.int32), sticks.astype(np.int32)
            if labels is not None:
                labels = _int_array(labels, "labels", where)
                if labels.shape != starts.shape:
                    raise WorkloadError(
                        f"{where}: 'labels' has {labels.size} entries but there are {starts.size} samples"
                    )
                if labels.size and labels.min() < 0:
                    raise WorkloadError(f"{where}: 'labels' must be >= 0")
                labels = labels.astype(np.int32)
        elif starts is not None:
            raise WorkloadError(f"{where}: sample_starts given without sample_ticks")

        try:
            json.dumps(meta, default=_json_default)
        except (TypeError, ValueError) as e:
            raise WorkloadError(f"{where}: metadata must be JSON/YAML-serialisable ({e})") from None

        for arr in (ticks, neurons, labels, starts, sticks):
            if arr is not None:
                arr.flags.writeable = False
        self.network: CompiledNetwork = network
        self.n_ticks: int = n_ticks
        self.input_ticks: np.ndarray = ticks
        self.input_neurons: np.ndarray = neurons
        self.labels = labels
        self.sample_starts = starts
        self.sample_ticks = sticks
        self.name: str = str(name)
        self.metadata: dict = meta

    # ------------------------------------------------------------------ views
    @property
    def n_input_spikes(self) -> int:
        return int(self.input_ticks.size)

    @property
    def n_samples(self) -> int:
        """Number of sample windows (0 when the workload has none)."""
        return 0 if self.sample_starts is None else int(self.sample_starts.size)

    def tick_indptr(self) -> np.ndarray:
        """int64[n_ticks+1]: input spikes of tick t are ``input_neurons[ip[t]:ip[t+1]]``."""
        return np.searchsorted(self.input_ticks, np.arange(self.n_ticks + 1), side="left").astype(np.int64)

    def raster(self, start: int = 0, stop: int | None = None, population: str | None = None) -> np.ndarray:
        """Dense bool raster of input spikes for ticks ``start..stop-1``.

        Columns are the neurons of ``population`` (an input population name), or, by default, all
        input neurons in global id order (``network.input_ids``).
        """
        stop = self.n_ticks if stop is None else int(stop)
        start = int(start)
        if not 0 <= start <= stop <= self.n_ticks:
            raise WorkloadError(f"workload {self.name!r}: raster window [{start}, {stop}) not within [0, {self.n_ticks}]")
        lo, hi = np.searchsorted(self.input_ticks, [start, stop], side="left")
        t = self.input_ticks[lo:hi] - start
        nrn = self.input_neurons[lo:hi]
        if population is not None:
            pop = self.network.population(population)
            if not pop.is_input:
                raise WorkloadError(f"workload {self.name!r}: {population!r} is not an input population")
            sel = (nrn >= pop.start) & (nrn < pop.stop)
            out = np.zeros((stop - start, pop.size), dtype=bool)
            out[t[sel], nrn[sel] - pop.start] = True
            return out
        col = np.searchsorted(self.network.input_ids, nrn)
        out = np.zeros((stop - start, self.network.n_inputs), dtype=bool)
        out[t, col] = True
        return out

    def arrays(self) -> dict:
        """Workload-level arrays (inputs and samples) by name; absent ones are left out."""
        out = {"input_ticks": self.input_ticks, "input_neurons": self.input_neurons}
        if self.sample_starts is not None:
            out["sample_starts"] = self.sample_starts
            out["sample_ticks"] = self.sample_ticks
        if self.labels is not None:
            out["labels"] = self.labels
        return out

    def content_hash(self) -> str:
        """sha256 over everything that determines a simulation: all network arrays, population
        names, input spikes, n_ticks, samples and labels. ``name`` and ``metadata`` are excluded,
        so renaming or re-describing a workload keeps its hash. Stable across runs and machines."""
        items = list(self.network.arrays().items()) + list(self.arrays().items())
        extra = {"populations": list(self.network.population_names), "n_ticks": self.n_ticks,
                 "format_version": 1}
        return hash_arrays(items, extra=extra)

    def __repr__(self) -> str:
        return (
            f"Workload(name={self.name!r}, neurons={self.network.n_neurons}, "
            f"synapses={self.network.n_synapses}, ticks={self.n_ticks}, "
            f"input_spikes={self.n_input_spikes}, samples={self.n_samples})"
        )


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not serialisable")
