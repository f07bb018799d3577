"""The network builder: populations of discrete-time LIF neurons and the synapses between them.

A :class:`Network` is a mutable, declarative description. :meth:`Network.compile` freezes it into a
:class:`~neurosim.workload.compiled.CompiledNetwork` of plain numpy arrays (CSR by presynaptic
neuron), which is what the mapper, crossbar models and engines consume.

Neuron model (docs/design.md#neuron-model), one update per tick t::

    v <- leak * v + I(t);  if v >= threshold: spike, v <- v_reset, silent for `refractory` ticks

Weights are in the same (dimensionless) units as ``threshold``; delays are in ticks (>= 1).

Example
-------
>>> import numpy as np
>>> net = Network(name="demo")
>>> inp = net.add_input("in", 3)
>>> out = net.add_population("out", 2, threshold=1.0, leak=0.9)
>>> _ = net.connect(inp, out, weights=np.array([[0.5, 0.0], [0.0, 1.0], [0.2, 0.2]]), delay=1)
>>> c = net.compile()
>>> c.n_neurons, c.n_synapses, out.start
(5, 4, 3)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .errors import WorkloadError

__all__ = ["Population", "STDPRule", "Network", "STDP_DTYPE", "INPUT_DEFAULTS"]

#: Parameters written into the per-neuron arrays for input neurons (never used by the model:
#: input neurons replay the workload's input spikes).
INPUT_DEFAULTS = {"threshold": 1.0, "leak": 0.0, "v_reset": 0.0, "refractory": 0}

#: numpy dtype of the STDP rule table in a compiled network (one row per distinct rule).
STDP_DTYPE = np.dtype(
    [
        ("a_plus", "<f8"),
        ("a_minus", "<f8"),
        ("tau_plus", "<f8"),
        ("tau_minus", "<f8"),
        ("w_min", "<f8"),
        ("w_max", "<f8"),
    ]
)

_INT32_MAX = int(np.iinfo(np.int32).max)


@dataclass(frozen=True)
class Population:
    """A named, contiguous block of neurons: global ids ``start .. start + size - 1``.

    ``is_input`` populations replay input spikes and can never be postsynaptic.
    """

    name: str
    start: int
    size: int
    is_input: bool = False

    @property
    def stop(self) -> int:
        """One past the last global id."""
        return self.start + self.size

    @property
    def ids(self) -> np.ndarray:
        """Global neuron ids of this population, int32."""
        return np.arange(self.start, self.stop, dtype=np.int32)

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True)
class STDPRule:
    """Pair-based, additive spike-timing-dependent plasticity with exponential windows.

    For a presynaptic spike at tick t_pre and a postsynaptic spike at tick t_post (dt =
    t_post - t_pre, in ticks; the synaptic delay is not included):

    * dt >= 0 (pre before post, potentiation): ``w += a_plus * exp(-dt / tau_plus)``
    * dt < 0  (post before pre, depression):   ``w -= a_minus * exp(dt / tau_minus)``

    and w is clipped to ``[w_min, w_max]``. Amplitudes are in weight units, time constants in
    ticks. This is the rule of Song, Miller & Abbott (Nat. Neurosci. 2000) as used by Diehl & Cook
    (Front. Comput. Neurosci. 2015); engines decide how pairs are enumerated (e.g. nearest
    neighbour traces) and must document it. Each weight update of a plastic synapse is one device
    write (PCM programming event).
    """

    a_plus: float = 0.01
    a_minus: float = 0.012
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    w_min: float = 0.0
    w_max: float = 1.0

    def __post_init__(self):
        for key in ("a_plus", "a_minus", "tau_plus", "tau_minus", "w_min", "w_max"):
            value = getattr(self, key)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise WorkloadError(f"STDPRule.{key}: expected a number, got {value!r}") from None
            if not math.isfinite(value):
                raise WorkloadError(f"STDPRule.{key}: expected a finite number, got {value!r}")
            object.__setattr__(self, key, value)
        if self.a_plus < 0 or self.a_minus < 0:
            raise WorkloadError(
                f"STDPRule: a_plus and a_minus must be >= 0 (got {self.a_plus}, {self.a_minus})"
            )
        if self.tau_plus <= 0 or self.tau_minus <= 0:
            raise WorkloadError(
                f"STDPRule: tau_plus and tau_minus must be > 0 ticks "
                f"(got {self.tau_plus}, {self.tau_minus})"
            )
        if self.w_min > self.w_max:
            raise WorkloadError(f"STDPRule: w_min ({self.w_min}) > w_max ({self.w_max})")

    def as_tuple(self) -> tuple:
        """Parameters in :data:`STDP_DTYPE` field order."""
        return tuple(getattr(self, k) for k in STDP_DTYPE.names)

    def as_dict(self) -> dict:
        """Parameters as a plain dict of floats."""
        return {k: getattr(self, k) for k in STDP_DTYPE.names}


@dataclass
class _Projection:
    pre: Population
    post: Population
    pre_local: np.ndarray  # int64 row index inside pre
    post_local: np.ndarray  # int64 column index inside post
    weight: np.ndarray  # float64
    delay: np.ndarray  # int32
    plastic: bool
    stdp: STDPRule | None


def _neuron_param(name, value, size, pop_name, *, integer=False):
    """Broadcast a scalar or per-neuron array to shape (size,) and validate it."""
    where = f"population {pop_name!r} parameter {name!r}"
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise WorkloadError(f"{where}: expected a number or numeric array, got {value!r}")
    if arr.ndim == 0:
        arr = np.full(size, arr.item())
    elif arr.shape != (size,):
        raise WorkloadError(f"{where}: expected a scalar or shape ({size},), got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise WorkloadError(f"{where}: values must be finite")
    if integer:
        if np.any(arr != np.round(arr)) or np.any(arr < 0) or np.any(arr > _INT32_MAX):
            raise WorkloadError(f"{where}: expected integers >= 0 (ticks)")
        return arr.astype(np.int32)
    return arr


def _as_coo(weights, shape, where):
    """Nonzero entries of a dense or scipy.sparse weight matrix as (row, col, value)."""
    if sp.issparse(weights):
        if weights.shape != shape:
            raise WorkloadError(f"{where}: weights have shape {weights.shape}, expected {shape}")
        coo = sp.coo_matrix(weights)
        coo.sum_duplicates()
        row, col, val = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    else:
        dense = np.asarray(weights)
        if dense.dtype == object or not (np.issubdtype(dense.dtype, np.number) or dense.dtype == bool):
            raise WorkloadError(f"{where}: weights must be numeric, got dtype {dense.dtype}")
        if dense.shape != shape:
            raise WorkloadError(f"{where}: weights have shape {dense.shape}, expected {shape}")
        row, col = np.nonzero(dense)
        row, col, val = row.astype(np.int64), col.astype(np.int64), dense[row, col]
    val = np.asarray(val, dtype=np.float64)
    keep = val != 0.0
    row, col, val = row[keep], col[keep], val[keep]
    if not np.all(np.isfinite(val)):
        raise WorkloadError(f"{where}: weights must be finite (found NaN or inf)")
    order = np.lexsort((col, row))
    return row[order], col[order], val[order]


def _delays(delay, row, col, shape, where):
    """Per-synapse integer delays (>= 1 tick) for the synapses at (row, col)."""
    if sp.issparse(delay):
        if delay.shape != shape:
            raise WorkloadError(f"{where}: delay has shape {delay.shape}, expected {shape}")
        d = np.asarray(sp.csr_matrix(delay)[row, col]).ravel() if row.size else np.zeros(0)
    else:
        arr = np.asarray(delay)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise WorkloadError(f"{where}: delay must be an integer or integer array, got {delay!r}")
        if arr.ndim == 0:
            d = np.full(row.size, arr.item(), dtype=np.float64)
        elif arr.shape == shape:
            d = arr[row, col]
        else:
            raise WorkloadError(
                f"{where}: delay must be a scalar or have the weights' shape {shape}, "
                f"got shape {arr.shape}"
            )
    d = np.asarray(d, dtype=np.float64)
    if not np.all(np.isfinite(d)) or np.any(d != np.round(d)):
        raise WorkloadError(f"{where}: delays must be whole numbers of ticks")
    if np.any(d < 1):
        raise WorkloadError(
            f"{where}: every synapse needs a delay >= 1 tick (found {int(d.min())}; a sparse "
            "delay matrix must store a value wherever the weights do)"
        )
    if np.any(d > _INT32_MAX):
        raise WorkloadError(f"{where}: delay exceeds int32 range")
    return d.astype(np.int32)


@dataclass
class Network:
    """Builder of a spiking network (see the module docstring for the neuron model).

    Global neuron ids follow population creation order, input populations included. Connecting
    the same (pre, post) population pair twice is an error: build the combined weight matrix
    first. Input populations can only be presynaptic.
    """

    name: str = "network"
    metadata: dict = field(default_factory=dict)
    _pops: list = field(default_factory=list, repr=False)
    _params: dict = field(default_factory=dict, repr=False)
    _projections: list = field(default_factory=list, repr=False)

    # ----------------------------------------------------------------- populations
    @property
    def populations(self) -> list[Population]:
        """Populations in creation (= global id) order."""
        return list(self._pops)

    @property
    def n_neurons(self) -> int:
        """Total neurons so far, inputs included."""
        return self._pops[-1].stop if self._pops else 0

    def population(self, name: str) -> Population:
        """The population called ``name`` (WorkloadError if there is none)."""
        for p in self._pops:
            if p.name == name:
                return p
        raise WorkloadError(
            f"network {self.name!r}: no population {name!r} "
            f"(have {[p.name for p in self._pops]})"
        )

    def _check_new(self, name, size):
        if not isinstance(name, str) or not name:
            raise WorkloadError(f"network {self.name!r}: population name must be a non-empty string")
        if any(p.name == name for p in self._pops):
            raise WorkloadError(f"network {self.name!r}: population {name!r} already exists")
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise WorkloadError(f"population {name!r}: size must be an integer >= 1, got {size!r}")
        if self.n_neurons + int(size) > _INT32_MAX:
            raise WorkloadError(f"population {name!r}: network would exceed 2**31-1 neurons")

    def _new_pop(self, name, size, is_input):
        self._check_new(name, size)
        pop = Population(name=name, start=self.n_neurons, size=int(size), is_input=is_input)
        self._pops.append(pop)
        return pop

    def add_input(self, name: str, size: int) -> Population:
        """Add ``size`` input neurons that replay the workload's input spikes."""
        return self._new_pop(name, size, True)

    def add_population(
        self,
        name: str,
        size: int,
        threshold=1.0,
        leak=1.0,
        v_reset=0.0,
        refractory=0,
    ) -> Population:
        """Add ``size`` LIF neurons. Each parameter is a scalar or a per-neuron array.

        ``threshold`` and ``v_reset`` are in weight units; ``leak`` is the per-tick decay factor
        in [0, 1] (1 = no leak, i.e. integrate-and-fire); ``refractory`` is in ticks (>= 0).
        """
        self._check_new(name, size)
        n = int(size)
        params = {"threshold": _neuron_param("threshold", threshold, n, name)}
        params["leak"] = _neuron_param("leak", leak, n, name)
        if np.any(params["leak"] < 0) or np.any(params["leak"] > 1):
            raise WorkloadError(f"population {name!r} parameter 'leak': expected values in [0, 1]")
        params["v_reset"] = _neuron_param("v_reset", v_reset, n, name)
        params["refractory"] = _neuron_param("refractory", refractory, n, name, integer=True)
        pop = self._new_pop(name, size, False)
        self._params[name] = params
        return pop

    # ----------------------------------------------------------------- synapses
    def _resolve(self, pop) -> Population:
        if isinstance(pop, Population):
            mine = self.population(pop.name)
            if mine != pop:
                raise WorkloadError(f"population {pop.name!r} does not belong to network {self.name!r}")
            return mine
        if isinstance(pop, str):
            return self.population(pop)
        raise WorkloadError(f"expected a Population or population name, got {pop!r}")

    def connect(self, pre, post, weights, delay=1, plastic=None, stdp: STDPRule | None = None):
        """Connect population ``pre`` to ``post``.

        Parameters
        ----------
        pre, post : Population or str
        weights : array (n_pre, n_post) or scipy.sparse matrix
            Synaptic weights in threshold units; an exact 0 means *no synapse* (explicitly stored
            zeros of a sparse matrix are dropped too).
        delay : int or array
            Axonal+synaptic delay in ticks, >= 1: a scalar, a dense array of the weights' shape,
            or a sparse matrix with a value at every synapse.
        plastic : bool, optional
            Whether the synapses learn. Defaults to ``stdp is not None``.
        stdp : STDPRule, optional
            The learning rule (required semantics for plastic synapses; the default
            :class:`STDPRule` is used when ``plastic=True`` and no rule is given).

        Returns the number of synapses created.
        """
        pre, post = self._resolve(pre), self._resolve(post)
        where = f"network {self.name!r} connect({pre.name!r} -> {post.name!r})"
        if post.is_input:
            raise WorkloadError(f"{where}: input population {post.name!r} cannot be postsynaptic")
        if any(pr.pre.name == pre.name and pr.post.name == post.name for pr in self._projections):
            raise WorkloadError(
                f"{where}: these populations are already connected; combine the weight matrices "
                "into one connect() call"
            )
        if plastic is None:
            plastic = stdp is not None
        if not isinstance(plastic, (bool, np.bool_)):
            raise WorkloadError(f"{where}: plastic must be True or False, got {plastic!r}")
        if stdp is not None and not isinstance(stdp, STDPRule):
            raise WorkloadError(f"{where}: stdp must be an STDPRule, got {type(stdp).__name__}")
        if stdp is not None and not plastic:
            raise WorkloadError(f"{where}: an stdp rule was given but plastic=False")
        if plastic and stdp is None:
            stdp = STDPRule()
        shape = (pre.size, post.size)
        row, col, val = _as_coo(weights, shape, where)
        d = _delays(delay, row, col, shape, where)
        self._projections.append(
            _Projection(pre, post, row, col, val, d, bool(plastic), stdp if plastic else None)
        )
        return int(row.size)

    # ----------------------------------------------------------------- freezing
    def compile(self):
        """Freeze into a :class:`~neurosim.workload.compiled.CompiledNetwork` (CSR arrays)."""
        from .compiled import CompiledNetwork

        if not self._pops:
            raise WorkloadError(f"network {self.name!r} has no populations")
        n = self.n_neurons
        arrays = {k: np.empty(n, dtype=np.float64) for k in ("threshold", "leak", "v_reset")}
        arrays["refractory"] = np.empty(n, dtype=np.int32)
        is_input = np.zeros(n, dtype=bool)
        population_of = np.empty(n, dtype=np.int32)
        for k, p in enumerate(self._pops):
            sl = slice(p.start, p.stop)
            population_of[sl] = k
            if p.is_input:
                is_input[sl] = True
                for key, value in INPUT_DEFAULTS.items():
                    arrays[key][sl] = value
            else:
                for key, value in self._params[p.name].items():
                    arrays[key][sl] = value

        rules: list[STDPRule] = []
        pre_l, post_l, w_l, d_l, pl_l, r_l = [], [], [], [], [], []
        for pr in self._projections:
            pre_l.append(pr.pre_local + pr.pre.start)
            post_l.append(pr.post_local + pr.post.start)
            w_l.append(pr.weight)
            d_l.append(pr.delay)
            pl_l.append(np.full(pr.weight.size, pr.plastic, dtype=bool))
            rid = -1
            if pr.plastic:
                if pr.stdp not in rules:
                    rules.append(pr.stdp)
                rid = rules.index(pr.stdp)
            r_l.append(np.full(pr.weight.size, rid, dtype=np.int16))

        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)

        pre = cat(pre_l, np.int64)
        post = cat(post_l, np.int64)
        order = np.lexsort((post, pre))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre, minlength=n), out=indptr[1:])
        table = np.array([r.as_tuple() for r in rules], dtype=STDP_DTYPE)
        return CompiledNetwork(
            name=self.name,
            population_names=tuple(p.name for p in self._pops),
            population_starts=np.array([p.start for p in self._pops], dtype=np.int32),
            population_sizes=np.array([p.size for p in self._pops], dtype=np.int32),
            is_input=is_input,
            threshold=arrays["threshold"],
            leak=arrays["leak"],
            v_reset=arrays["v_reset"],
            refractory=arrays["refractory"],
            population_of=population_of,
            indptr=indptr,
            post=post[order].astype(np.int32),
            weight=cat(w_l, np.float64)[order],
            delay=cat(d_l, np.int32)[order],
            plastic=cat(pl_l, bool)[order],
            stdp_rule=cat(r_l, np.int16)[order],
            stdp_rules=table,
        )

