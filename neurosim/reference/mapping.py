"""Random valid mappings for the engine's equivalence tests: shuffled home slots, shuffled rows and
columns, and (with ``split > 0``) synapses moved to other crossbars as partial-sum slots."""
from __future__ import annotations

import numpy as np

__all__ = ["random_mapping"]


def random_mapping(wl, hw, rng, split=0.0):
    """A :class:`neurosim.mapping.Mapping` placing ``wl`` on ``hw`` at random.

    Every non-input neuron gets a home slot in a random crossbar; each synapse goes to its
    postsynaptic neuron's home crossbar, or with probability ``split`` to another crossbar where the
    neuron then owns a partial-sum column. Rows and columns are taken in random order. Raises
    ValueError when the chip is too small.
    """
    from ..mapping import Mapping

    net = wl.network
    n, nnz = net.n_neurons, net.n_synapses
    K, R, C = hw.n_crossbars, hw.tile.crossbar_rows, hw.neurons_per_crossbar
    cols = np.full((K, C), -1, np.int32)
    rows = np.full((K, R), -1, np.int32)
    free_cols = [list(rng.permutation(C)) for _ in range(K)]
    free_rows = [list(rng.permutation(R)) for _ in range(K)]
    ncr = np.full(n, -1, np.int32)
    ncol = np.full(n, -1, np.int32)
    col_of = {}   # (k, neuron) -> column
    row_of = {}   # (k, neuron) -> row
    for i in rng.permutation(np.flatnonzero(~net.is_input)):
        cands = [k for k in range(K) if free_cols[k]]
        if not cands:
            raise ValueError("random_mapping: not enough columns")
        k = int(rng.choice(cands))
        c = int(free_cols[k].pop())
        cols[k, c] = i
        ncr[i], ncol[i] = k, c
        col_of[(k, int(i))] = c
    sk = np.zeros(nnz, np.int32)
    sr = np.zeros(nnz, np.int32)
    sc = np.zeros(nnz, np.int32)
    pre = net.pre
    for s in range(nnz):
        i, j = int(pre[s]), int(net.post[s])
        k = int(ncr[j])
        if split > 0 and K > 1 and rng.random() < split:
            alt = int(rng.integers(K))
            if alt != k and ((alt, j) in col_of or free_cols[alt]) and ((alt, i) in row_of or free_rows[alt]):
                k = alt
        if (k, j) not in col_of:
            c = int(free_cols[k].pop())
            cols[k, c] = j
            col_of[(k, j)] = c
        if (k, i) not in row_of:
            if not free_rows[k]:
                raise ValueError("random_mapping: not enough rows")
            r = int(free_rows[k].pop())
            rows[k, r] = i
            row_of[(k, i)] = r
        sk[s], sr[s], sc[s] = k, row_of[(k, i)], col_of[(k, j)]
    m = Mapping(neuron_crossbar=ncr, neuron_column=ncol,
                crossbar_tile=np.arange(K, dtype=np.int32) // hw.tile.crossbars_per_tile,
                crossbar_rows=rows, crossbar_columns=cols, synapse_crossbar=sk, synapse_row=sr,
                synapse_column=sc, strategy="random-test", seed=0)
    m.validate(wl, hw)
    return m
