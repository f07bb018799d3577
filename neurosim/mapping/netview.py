"""A thin, read-only view of a network's synapse arrays, whatever it came from.

The mapper needs only the CSR-by-presynaptic-neuron arrays of docs/formats.md (``indptr``,
``post``, ``plastic``, ``is_input``). :func:`as_network` accepts a
:class:`~neurosim.workload.Workload`, a :class:`~neurosim.workload.CompiledNetwork`, a
:class:`~neurosim.workload.Network` builder, or a square ``scipy.sparse`` matrix (row = pre,
column = post; neurons without incoming synapses are taken as inputs), so that small test networks
can be written as matrices.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

__all__ = ["NetView", "as_network", "from_sparse"]


@dataclass(frozen=True, eq=False)
class NetView:
    """CSR synapse arrays by presynaptic neuron (int64 ``indptr``, int32 ``post``, bool ``plastic``,
    bool ``is_input``) plus the source object (``source``)."""

    indptr: np.ndarray
    post: np.ndarray
    plastic: np.ndarray
    is_input: np.ndarray
    weight: np.ndarray
    source: object = None

    @property
    def n_neurons(self) -> int:
        return int(self.is_input.shape[0])

    @property
    def n_synapses(self) -> int:
        return int(self.post.shape[0])

    @cached_property
    def pre(self) -> np.ndarray:
        """Presynaptic neuron of each synapse, int32[nnz]."""
        return np.repeat(np.arange(self.n_neurons, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def fan_in(self) -> np.ndarray:
        return np.bincount(self.post, minlength=self.n_neurons).astype(np.int64)


def from_sparse(matrix, is_input=None, plastic=None) -> NetView:
    """A :class:`NetView` from a square sparse (or dense) weight matrix, row = pre, column = post.
    ``is_input`` defaults to the neurons without incoming synapses; ``plastic`` (bool per stored
    entry in CSR order, or a scalar) defaults to False."""
    m = sp.csr_matrix(matrix)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    n = m.shape[0]
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"connectivity matrix must be square, got {m.shape}")
    post = m.indices.astype(np.int32)
    if is_input is None:
        is_input = np.bincount(post, minlength=n) == 0
    is_input = np.asarray(is_input, bool)
    if np.any(is_input[post]):
        raise ValueError("an input neuron cannot be postsynaptic")
    if plastic is None:
        plastic = np.zeros(post.size, bool)
    elif np.ndim(plastic) == 0:
        plastic = np.full(post.size, bool(plastic))
    return NetView(m.indptr.astype(np.int64), post, np.asarray(plastic, bool), is_input,
                   m.data.astype(np.float64), source=None)


def as_network(obj) -> NetView:
    """The :class:`NetView` of a workload, compiled network, network builder, sparse matrix, or
    an existing view."""
    if isinstance(obj, NetView):
        return obj
    if sp.issparse(obj):
        return from_sparse(obj)
    net = getattr(obj, "network", None)
    if net is None and hasattr(obj, "compile") and not hasattr(obj, "indptr"):
        net = obj.compile()
    if net is None:
        net = obj
    try:
        indptr, post, is_input = net.indptr, net.post, net.is_input
    except AttributeError:
        raise TypeError(
            f"expected a Workload, CompiledNetwork, Network or scipy.sparse matrix, got {type(obj).__name__}"
        ) from None
    plastic = getattr(net, "plastic", None)
    if plastic is None:
        plastic = np.zeros(len(post), bool)
    weight = getattr(net, "weight", None)
    if weight is None:
        weight = np.ones(len(post))
    return NetView(np.asarray(indptr, np.int64), np.asarray(post, np.int32), np.asarray(plastic, bool),
                   np.asarray(is_input, bool), np.asarray(weight, np.float64), source=obj)
