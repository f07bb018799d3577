"""Cell placement inside each crossbar: which word line each presynaptic neuron drives and which
logical column each slot uses (eSpine, Titirsha et al. TPDS 2021; read-disturb-aware mapping, Song
et al. ASAP 2021; Paul et al. D&T 2022 — docs/references.md#anchor-studies).

Per synapse s an *intensity* I_s (wear per unit of work) is set against the endurance map E of its
cell; lifetime = E[i, j] / I_s and the objective is the minimum over synapses (docs/design.md#lifetimes).

* ``write`` (PCM with on-chip STDP): I_s = pre spikes + post spikes on plastic synapses, 0 on
  static ones. Pair-based STDP updates a plastic synapse when its presynaptic neuron spikes
  (depression against the post trace) and when its postsynaptic neuron spikes (potentiation
  against the pre trace), and each update is one programming pulse on the cell; this counts every
  such event as one write (an upper bound when small changes are skipped, see
  ``learning.min_weight_change_rel``). No on-chip learning → no writes.
* ``read`` (RRAM inference): I_s = reads of its row (spikes of the presynaptic neuron) ·
  (G_s/g_max)^level_exponent, against the read-endurance map at level 1 (see
  :mod:`neurosim.mapping.endurance`), so that the lifetime is N_RD(V_ij, G_s)/reads.

Method: rows sorted by their largest intensity go onto physical rows sorted by their median
endurance (best first), columns likewise (greedy), then the compiled bottleneck-swap search of
``csrc/mapping_cells.pyx``.
"""
from __future__ import annotations

import numpy as np

from .endurance import weight_level
from .netview import NetView

__all__ = ["synapse_intensity", "place_cells"]


def synapse_intensity(net: NetView, hw, spikes: np.ndarray, kind: str) -> np.ndarray:
    """float64[nnz] wear intensity per synapse (module docstring) for ``kind`` in {write, read}."""
    spikes = np.asarray(spikes, np.float64)
    pre = net.pre
    if kind == "write":
        if not hw.learning.enabled:
            return np.zeros(net.n_synapses)
        return np.where(net.plastic, spikes[pre] + spikes[net.post], 0.0)
    if kind == "read":
        le = getattr(hw.device.read_disturb, "level_exponent", 0.0)
        return spikes[pre] * weight_level(hw, net.weight) ** le
    raise ValueError(f"unknown intensity kind {kind!r} (write, read)")


def place_cells(net: NetView, hw, slots, slot_xbar: np.ndarray, intensity: np.ndarray,
                maps: np.ndarray, *, max_iter: int = 2000, gain=None, measured_in_place: bool = False):
    """Return ``(slot_col int64[S], row_perm, stats)`` for :func:`assemble_mapping`.

    ``maps`` is (1 or K, R, C_logical) endurance; crossbar k uses ``maps[k % len(maps)]``.
    ``gain`` (R, C_logical), with write-verify programming: a cell's writes scale as 1/gain (one
    weight step spans 1/gain as many levels), so the map is judged as ``E·gain``; with
    ``measured_in_place`` the intensities were counted with the synapses at their neuron-order cells
    and are first brought to gain 1 (multiplied by the gain there)."""
    from neurosim._core.mapping_cells import improve_cells
    n = net.n_neurons
    R, C = hw.tile.crossbar_rows, hw.neurons_per_crossbar
    slot_xbar = np.asarray(slot_xbar, np.int64)
    sk = slot_xbar[slots.slot_of_syn]
    key = sk * n + net.pre
    ukey, inv = np.unique(key, return_inverse=True)
    uk = ukey // n
    first_row = np.searchsorted(uk, uk, side="left")
    loc_row = np.arange(ukey.size) - first_row                 # row index in pre-id order
    # slots per crossbar in id order
    sorder = np.lexsort((np.arange(slots.n), slot_xbar))
    sx = slot_xbar[sorder]
    loc_col_sorted = np.arange(slots.n) - np.searchsorted(sx, sx, side="left")
    loc_col = np.empty(slots.n, np.int64)
    loc_col[sorder] = loc_col_sorted
    slot_col = loc_col.copy()
    rows_out = loc_row.copy()
    syn_row = loc_row[inv]
    syn_col = loc_col[slots.slot_of_syn]
    xbars = np.unique(slot_xbar)
    syn_by_k = np.argsort(sk, kind="stable")
    sk_sorted = sk[syn_by_k]
    bounds = np.searchsorted(sk_sorted, np.concatenate([xbars, [np.iinfo(np.int64).max]]))
    ubounds = np.searchsorted(uk, np.concatenate([xbars, [np.iinfo(np.int64).max]]))
    sbounds = np.searchsorted(sx, np.concatenate([xbars, [np.iinfo(np.int64).max]]))
    per = []
    total_before = np.inf
    total_after = np.inf
    moves = 0
    for t, k in enumerate(xbars):
        E = np.ascontiguousarray(maps[int(k) % len(maps)], np.float64)
        syn = syn_by_k[bounds[t]:bounds[t + 1]]
        nr = int(ubounds[t + 1] - ubounds[t])
        ncol = int(sbounds[t + 1] - sbounds[t])
        I = np.zeros((nr, ncol))
        I[syn_row[syn], syn_col[syn]] = intensity[syn]
        if gain is not None:
            E = E * gain
            if measured_in_place:
                I = I * gain[:nr, :ncol]
        if not np.any(I > 0) or not np.all(np.isfinite(E)):
            per.append(np.inf)
            continue
        # greedy: busiest lines onto the most enduring lines
        row_q = np.median(E, axis=1)
        col_q = np.median(E, axis=0)
        r_rank = np.argsort(-I.max(axis=1), kind="stable")
        c_rank = np.argsort(-I.max(axis=0), kind="stable")
        rpos = np.empty(nr, np.int32)
        cpos = np.empty(ncol, np.int32)
        rpos[r_rank] = np.argsort(-row_q, kind="stable")[:nr]
        cpos[c_rank] = np.argsort(-col_q, kind="stable")[:ncol]
        g0, g1, mv = improve_cells(I, E, rpos, cpos, int(max_iter))
        # default (neuron-order) lifetime for the record
        d = np.where(I > 0, E[:nr, :ncol] / np.where(I > 0, I, 1.0), np.inf).min()
        total_before = min(total_before, d)
        total_after = min(total_after, g1)
        moves += mv
        per.append(g1)
        rows_out[ubounds[t]:ubounds[t + 1]] = rpos
        cols_here = sorder[sbounds[t]:sbounds[t + 1]]
        slot_col[cols_here] = cpos[loc_col[cols_here]]
    # row_perm needs keys sorted with their row index
    stats = {"cell_lifetime_neuron_order": float(total_before), "cell_lifetime_placed": float(total_after),
             "cell_moves": int(moves)}
    return slot_col, (ukey, rows_out), stats
