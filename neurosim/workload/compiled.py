"""The frozen, compiled network: plain numpy arrays, synapses in CSR by presynaptic neuron.

This is the representation the mapper, the crossbar models and the engines consume. Field list
and invariants (checked by :meth:`CompiledNetwork.validate`, documented in docs/formats.md):

==================  ===============  =========================================================
field               dtype, shape     meaning
==================  ===============  =========================================================
is_input            bool[n]          neuron replays input spikes
threshold           float64[n]       firing threshold (weight units)
leak                float64[n]       per-tick decay factor in [0, 1]
v_reset             float64[n]       potential after a spike
refractory          int32[n]         silent ticks after a spike (>= 0)
population_of       int32[n]         index into the population table
indptr              int64[n+1]       synapses of pre neuron i are ``indptr[i]:indptr[i+1]``
post                int32[nnz]       postsynaptic id, strictly increasing within a row
weight              float64[nnz]     synaptic weight (threshold units)
delay               int32[nnz]       delay in ticks, >= 1
plastic             bool[nnz]        synapse learns
stdp_rule           int16[nnz]       row of ``stdp_rules``; -1 iff not plastic
stdp_rules          STDP_DTYPE[r]    a_plus, a_minus, tau_plus, tau_minus, w_min, w_max
==================  ===============  =========================================================

Input parameters (threshold etc.) are filled with ``network.INPUT_DEFAULTS`` and unused.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .errors import WorkloadError
from .hashing import hash_arrays
from .network import STDP_DTYPE, Population, STDPRule

__all__ = ["CompiledNetwork", "NEURON_ARRAYS", "SYNAPSE_ARRAYS"]

#: Per-neuron arrays and their dtypes.
NEURON_ARRAYS = {
    "is_input": np.dtype(bool),
    "threshold": np.dtype("<f8"),
    "leak": np.dtype("<f8"),
    "v_reset": np.dtype("<f8"),
    "refractory": np.dtype("<i4"),
    "population_of": np.dtype("<i4"),
}
#: Per-synapse arrays (CSR by presynaptic neuron) and their dtypes; ``indptr`` has n+1 entries.
SYNAPSE_ARRAYS = {
    "indptr": np.dtype("<i8"),
    "post": np.dtype("<i4"),
    "weight": np.dtype("<f8"),
    "delay": np.dtype("<i4"),
    "plastic": np.dtype(bool),
    "stdp_rule": np.dtype("<i2"),
}


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """A frozen network (see the module docstring for every field)."""

    name: str
    population_names: tuple
    population_starts: np.ndarray
    population_sizes: np.ndarray
    is_input: np.ndarray
    threshold: np.ndarray
    leak: np.ndarray
    v_reset: np.ndarray
    refractory: np.ndarray
    population_of: np.ndarray
    indptr: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    plastic: np.ndarray
    stdp_rule: np.ndarray
    stdp_rules: np.ndarray

    def __post_init__(self):
        for arr in self.arrays().values():
            arr.flags.writeable = False

    # ------------------------------------------------------------------ sizes
    @property
    def n_neurons(self) -> int:
        """Number of neurons, inputs included."""
        return int(self.is_input.shape[0])

    @property
    def n_synapses(self) -> int:
        """Number of synapses (nnz)."""
        return int(self.post.shape[0])

    @property
    def n_inputs(self) -> int:
        """Number of input neurons."""
        return int(np.count_nonzero(self.is_input))

    @property
    def n_plastic(self) -> int:
        """Number of plastic synapses."""
        return int(np.count_nonzero(self.plastic))

    @property
    def max_delay(self) -> int:
        """Largest synaptic delay in ticks (0 when there are no synapses)."""
        return int(self.delay.max()) if self.n_synapses else 0

    @property
    def input_ids(self) -> np.ndarray:
        """Global ids of input neurons, increasing, int32."""
        return np.flatnonzero(self.is_input).astype(np.int32)

    # ------------------------------------------------------------ populations
    @property
    def populations(self) -> list[Population]:
        """Population table as :class:`Population` objects, in id order."""
        return [
            Population(str(nm), int(s), int(z), bool(self.is_input[s]))
            for nm, s, z in zip(self.population_names, self.population_starts, self.population_sizes)
        ]

    def population(self, name: str) -> Population:
        """The population called ``name``."""
        for p in self.populations:
            if p.name == name:
                return p
        raise WorkloadError(
            f"network {self.name!r}: no population {name!r} (have {list(self.population_names)})"
        )

    def stdp_rule_objects(self) -> list[STDPRule]:
        """The STDP rule table as :class:`STDPRule` objects (index = ``stdp_rule`` value)."""
        return [STDPRule(*(float(r[k]) for k in STDP_DTYPE.names)) for r in self.stdp_rules]

    # --------------------------------------------------------------- synapses
    @cached_property
    def pre(self) -> np.ndarray:
        """Presynaptic id of every synapse, int32[nnz] (expanded from ``indptr``; read-only)."""
        out = np.repeat(np.arange(self.n_neurons, dtype=np.int32), np.diff(self.indptr))
        out.flags.writeable = False
        return out

    def fan_out(self) -> np.ndarray:
        """Synapses leaving each neuron, int64[n]."""
        return np.diff(self.indptr)

    def fan_in(self) -> np.ndarray:
        """Synapses arriving at each neuron, int64[n]."""
        return np.bincount(self.post, minlength=self.n_neurons).astype(np.int64)

    def to_scipy(self, values: str = "weight") -> sp.csr_matrix:
        """n x n CSR matrix (row = pre, column = post) of ``weight`` (or ``delay``)."""
        data = {"weight": self.weight, "delay": self.delay}[values]
        return sp.csr_matrix(
            (data.copy(), self.post.copy(), self.indptr.copy()),
            shape=(self.n_neurons, self.n_neurons),
        )

    # ------------------------------------------------------------ raw arrays
    def arrays(self) -> dict:
        """All array fields by name (population table included), in a fixed order."""
        out = {
            "population_starts": self.population_starts,
            "population_sizes": self.population_sizes,
        }
        for k in NEURON_ARRAYS:
            out[k] = getattr(self, k)
        for k in SYNAPSE_ARRAYS:
            out[k] = getattr(self, k)
        out["stdp_rules"] = self.stdp_rules
        return out

    def content_hash(self) -> str:
        """sha256 over every array and the population names (not ``name``)."""
        return hash_arrays(self.arrays().items(), extra={"populations": list(self.population_names)})

    # ------------------------------------------------------------ validation
    def validate(self, source: str = "network") -> "CompiledNetwork":
        """Check every invariant; raise :class:`WorkloadError` naming ``source`` and the array."""

        def fail(what):
            raise WorkloadError(f"{source}: {what}")

        n = self.n_neurons
        for k, dt in NEURON_ARRAYS.items():
            a = getattr(self, k)
            if a.dtype != dt or a.shape != (n,):
                fail(f"array {k!r} must be {dt} of shape ({n},), got {a.dtype} {a.shape}")
        nnz = self.n_synapses
        for k, dt in SYNAPSE_ARRAYS.items():
            a = getattr(self, k)
            shape = (n + 1,) if k == "indptr" else (nnz,)
            if a.dtype != dt or a.shape != shape:
                fail(f"array {k!r} must be {dt} of shape {shape}, got {a.dtype} {a.shape}")
        if self.stdp_rules.dtype != STDP_DTYPE or self.stdp_rules.ndim != 1:
            fail(f"array 'stdp_rules' must be a 1-d array of {STDP_DTYPE.descr}")

        # population table
        names, starts, sizes = self.population_names, self.population_starts, self.population_sizes
        if len(names) != len(starts) or len(names) != len(sizes) or len(names) == 0:
            fail("population table: names, starts and sizes must have the same nonzero length")
        if len(set(names)) != len(names):
            fail(f"population table: duplicate population names {list(names)}")
        if np.any(sizes < 1) or starts[0] != 0 or np.any(starts[1:] != (starts + sizes)[:-1]):
            fail("population table: populations must be contiguous from id 0 with size >= 1")
        if int(starts[-1]) + int(sizes[-1]) != n:
            fail(f"population table covers {int(starts[-1] + sizes[-1])} neurons, arrays have {n}")
        expected_pop = np.repeat(np.arange(len(names), dtype=np.int32), sizes)
        if not np.array_equal(self.population_of, expected_pop):
            fail("array 'population_of' does not match the population table")
        first_in = self.is_input[starts]
        if not np.array_equal(self.is_input, np.repeat(first_in, sizes)):
            fail("array 'is_input' must be constant within each population")

        # neuron parameters
        def neuron(i):
            return f"neuron {i} (population {names[int(self.population_of[i])]!r})"

        for k in ("threshold", "leak", "v_reset"):
            a = getattr(self, k)
            if not np.all(np.isfinite(a)):
                i = int(np.flatnonzero(~np.isfinite(a))[0])
                fail(f"array {k!r}: {neuron(i)} has {k} {float(a[i])!r}; expected a finite number")
        bad = (self.leak < 0) | (self.leak > 1)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            fail(f"array 'leak': {neuron(i)} has leak {float(self.leak[i])!r}; must lie in [0, 1]")
        if np.any(self.refractory < 0):
            i = int(np.flatnonzero(self.refractory < 0)[0])
            fail(f"array 'refractory': {neuron(i)} has refractory {int(self.refractory[i])}; must be >= 0")

        # CSR structure
        ip = self.indptr
        if ip[0] != 0:
            fail(f"array 'indptr' must start at 0, starts at {int(ip[0])}")
        # compared, not subtracted: np.diff of int64 offsets near +-2**63 wraps around, and a wrapped
        # "increase" would reach np.repeat (``pre``) with counts whose sum overflows
        falls = ip[1:] < ip[:-1]
        if np.any(falls):
            bad = int(np.flatnonzero(falls)[0])
            fail(f"array 'indptr' is not monotone (decreases after index {bad})")
        if ip[-1] != nnz:
            fail(f"array 'indptr' ends at {int(ip[-1])} but there are {nnz} synapses")
        if nnz:
            if self.post.min() < 0 or self.post.max() >= n:
                bad = int(self.post[(self.post < 0) | (self.post >= n)][0])
                fail(f"array 'post' has neuron id {bad} out of range [0, {n})")
            same_row = np.diff(self.pre) == 0
            if np.any(same_row & (np.diff(self.post) <= 0)):
                fail("array 'post' must be strictly increasing within each row (sorted, no duplicates)")
            if np.any(self.is_input[self.post]):
                bad = int(self.post[self.is_input[self.post]][0])
                fail(f"array 'post': input neuron {bad} cannot be postsynaptic")
            if not np.all(np.isfinite(self.weight)):
                k = int(np.flatnonzero(~np.isfinite(self.weight))[0])
                fail(f"array 'weight': synapse {int(self.pre[k])} -> {int(self.post[k])} has weight "
                     f"{float(self.weight[k])!r}; weights must be finite")
            if self.delay.min() < 1:
                k = int(np.argmin(self.delay))
                fail(f"array 'delay' must be >= 1 tick, found {int(self.delay[k])} "
                     f"(synapse {int(self.pre[k])} -> {int(self.post[k])})")
            self._check_current_range(fail)
        r = len(self.stdp_rules)
        if np.any(self.stdp_rule[~self.plastic] != -1):
            fail("array 'stdp_rule' must be -1 for non-plastic synapses")
        pr = self.stdp_rule[self.plastic]
        if pr.size and (pr.min() < 0 or pr.max() >= r):
            fail(f"array 'stdp_rule' indexes a rule outside the table of {r} rules")
        for i, row in enumerate(self.stdp_rules):
            try:
                STDPRule(*(float(row[k]) for k in STDP_DTYPE.names))
            except WorkloadError as e:
                fail(f"stdp_rules[{i}]: {e}")
        return self

    def _check_current_range(self, fail) -> None:
        """The engines add currents in fixed point with one scale 2**-S for the whole network, chosen
        from (largest in-degree) x (largest |weight| or STDP bound) (:func:`neurosim.crossbar.currents.
        fixed_point_bits`); refuse the weight or rule bound that puts that product outside what a
        double-precision scale can hold, naming the synapse (or rule), its value and the limit."""
        from ..crossbar.currents import MAX_CURRENT_BOUND, MIN_CURRENT_BOUND

        fan_in = np.bincount(self.post, minlength=1)
        top = int(np.argmax(fan_in))
        deg = int(fan_in[top])
        mag = np.abs(self.weight)
        k = int(np.argmax(mag))
        wmax = float(mag[k])
        rule_max = [max(abs(float(r["w_min"])), abs(float(r["w_max"]))) for r in self.stdp_rules]
        largest = MAX_CURRENT_BOUND / deg
        where = f"neuron {top} has the largest in-degree, {deg:,}"
        if not wmax * deg <= MAX_CURRENT_BOUND:
            fail(f"array 'weight': synapse {int(self.pre[k])} -> {int(self.post[k])} has weight "
                 f"{float(self.weight[k])!r}; {where}, so the engine's fixed-point currents hold weights "
                 f"of magnitude at most {largest:.6g}")
        for i, m in enumerate(rule_max):
            if not m * deg <= MAX_CURRENT_BOUND:
                fail(f"stdp_rules[{i}]: weight bound {m!r} (w_min/w_max); {where}, so the engine's "
                     f"fixed-point currents hold weights of magnitude at most {largest:.6g}")
        if 0.0 < max([wmax, *rule_max]) * deg < MIN_CURRENT_BOUND:
            fail(f"array 'weight': the largest weight magnitude is {wmax!r} (synapse {int(self.pre[k])} -> "
                 f"{int(self.post[k])}) and {where}; the engine's fixed-point currents resolve nothing below "
                 f"{MIN_CURRENT_BOUND:.6g}, so every synapse would deliver 0")
