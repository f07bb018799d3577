"""``simulate``: pack a workload, a chip and a mapping into flat arrays, run the compiled event loop
(:mod:`neurosim._core.engine_core`), and return a :class:`SimResult`. Semantics: docs/engine.md."""
from __future__ import annotations

import numpy as np

from ..devices import device_params
from ..errors import InputError
from ..crossbar.adc import adc_lsb, adc_qmax
from ..devices.program_verify import verify_params
from ..crossbar.currents import fixed_point_bits
from ..crossbar.state import CrossbarState, cells_direct, drifted, encode_synapse_cells, read_disturb_params
from .result import HISTORY_CELL_ENTRIES, CrossbarRecord, SimResult, WriteHistory, energy_breakdown, powered_tiles

__all__ = ["simulate", "EngineError", "pack", "run_packed", "check_run_args", "input_arrays"]

_RECORD = {"spikes", "voltages", "weights", "effective_weights"}
#: Encoding codes of the compiled loop (its own numbering).
_ENC = {"signed": 0, "differential": 1, "reference_column": 2}


class ADCSaturationWarning(UserWarning):
    """Effective weights beyond the ADC full scale were read as its largest code (counted)."""


class EngineError(InputError):
    """Invalid arguments to :func:`simulate` (the message names the argument and the problem)."""


def _as_workload(wl):
    from ..workload import Workload
    if not isinstance(wl, Workload):
        raise EngineError(f"workload: expected a neurosim Workload, got {type(wl).__name__}")
    return wl


def _i32(a):
    return np.ascontiguousarray(a, dtype=np.int32)


def _i64(a):
    return np.ascontiguousarray(a, dtype=np.int64)


def _f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def _stable_argsort(keys, bound):
    """``np.argsort(keys, kind="stable")`` for integer keys in ``[0, bound)`` (NumPy radix-sorts
    16-bit keys: same permutation, several times faster)."""
    if keys.size < 2 or np.all(keys[1:] >= keys[:-1]):
        return np.arange(keys.size)                       # sorted already: the identity
    if bound <= np.iinfo(np.int16).max and 0 <= keys.min() and keys.max() < bound:
        keys = keys.astype(np.int16)
    return np.argsort(keys, kind="stable")


def _lexsort(keys, bounds):
    """``np.lexsort(keys)`` (last key primary) for integer keys with ``0 <= keys[i] < bounds[i]``,
    same permutation: one stable sort of a combined key, or, when each key fits 16 bits but their
    product does not, one stable (radix) sort per key from the last-but-one to the first."""
    if any(k.size and (k.min() < 0 or k.max() >= b) for k, b in zip(keys, bounds)):
        return np.lexsort(keys)
    bounds = [max(int(b), 1) for b in bounds]
    total = 1
    for b in bounds:
        total *= b
    i16 = np.iinfo(np.int16).max
    if total > i16 and all(b <= i16 for b in bounds):
        perm = None
        for k, b in zip(keys, bounds):       # least significant first
            o = _stable_argsort(k if perm is None else k[perm], b)
            perm = o if perm is None else perm[o]
        return perm
    if total >= (1 << 62):
        return np.lexsort(keys)
    comb = np.zeros(np.shape(keys[0]), np.int64)
    for k, b in zip(keys[::-1], bounds[::-1]):
        comb *= b
        comb += k
    return _stable_argsort(comb, total)


def _dense_ok(keys, bound):
    return bool(keys.size) and bound <= max(4 * keys.size, 1 << 20) and 0 <= keys.min() and keys.max() < bound


def _unique(keys, bound):
    """``np.unique(keys)`` for integer keys, by marking a table when they lie in ``[0, bound)``
    and ``bound`` is not much larger than the number of keys."""
    if not _dense_ok(keys, bound):
        return np.unique(keys)
    mark = np.zeros(bound, bool)
    mark[keys] = True
    return np.flatnonzero(mark)


def _unique_inverse(keys, bound):
    """``np.unique(keys, return_inverse=True)`` (sorted unique keys, index of each key among them),
    by a marked table and its running count when the keys lie in ``[0, bound)`` (see ``_unique``)."""
    if not _dense_ok(keys, bound):
        uk, inv = np.unique(keys, return_inverse=True)
        return uk, inv.reshape(-1)
    mark = np.zeros(bound, bool)
    mark[keys] = True
    rank = np.cumsum(mark, dtype=np.int64)
    rank -= 1
    return np.flatnonzero(mark), rank[keys]


def _csr(keys, n, order_by=None, order_bound=None):
    """Indptr over ``n`` groups and the permutation sorting items by (key, order_by), stable.
    ``order_bound``: an exclusive upper bound of ``order_by`` (default: its maximum + 1)."""
    keys = np.asarray(keys, dtype=np.int64)
    if order_by is None:
        perm = _stable_argsort(keys, n)
    else:
        order_by = np.asarray(order_by, dtype=np.int64)
        if order_bound is None:
            order_bound = int(order_by.max()) + 1 if order_by.size else 1
        perm = _lexsort((order_by, keys), (order_bound, n))
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, perm


def input_arrays(wl, T: int) -> dict:
    """The compiled loop's input spikes of ``wl`` for ticks ``0 .. T-1``: ``in_ticks``,
    ``in_neurons`` (int32, tick order) and ``in_ptr`` (int64, T + 1: the spikes of tick t are
    ``in_ptr[t] .. in_ptr[t+1]-1``)."""
    in_t = np.asarray(wl.input_ticks)
    keep = in_t < T
    in_ptr = np.searchsorted(in_t[keep], np.arange(T + 1), side="left").astype(np.int64)
    return dict(in_ticks=_i32(in_t[keep]), in_neurons=_i32(np.asarray(wl.input_neurons)[keep]), in_ptr=_i64(in_ptr))


def pack(wl, hw, m, n_ticks, rng):
    """All arrays of the compiled loop (``cfg`` scalars, ``a`` read-only, ``s`` state) and the
    per-crossbar physics. Exposed for the reference model's tests and the benchmarks."""
    from ..devices.gain import apply_input_gains, input_gains, warn_clipped

    plan = input_gains(wl.network, hw)           # weights beyond the device range: gain or clip (reported)
    warn_clipped(plan, hw, stacklevel=5)
    net = apply_input_gains(wl.network, plan.gains)
    n, nnz = net.n_neurons, net.n_synapses
    K_all = hw.n_crossbars
    cpt = hw.tile.crossbars_per_tile
    mesh_w, mesh_h = hw.noc.mesh_width, hw.noc.mesh_height
    n_tiles = hw.n_tiles
    if n_tiles * 6 >= (1 << 40) or n + 1 >= (1 << 31):
        raise EngineError("chip or network too large for the engine's event encoding")
    ncr = np.asarray(m.neuron_crossbar, np.int64)
    ncol = np.asarray(m.neuron_column, np.int64)
    sk = np.asarray(m.synapse_crossbar, np.int64)
    sr = np.asarray(m.synapse_row, np.int64)
    sc = np.asarray(m.synapse_column, np.int64)
    xtile = np.asarray(getattr(m, "crossbar_tile", np.arange(K_all) // cpt), np.int64)
    if ncr.shape != (n,) or sk.shape != (nnz,):
        raise EngineError(f"mapping: built for {ncr.shape[0]} neurons / {sk.shape[0]} synapses, the workload has {n} / {nnz}")
    lif = ~net.is_input
    if np.any(ncr[lif] < 0):
        raise EngineError(f"mapping: neuron {int(np.flatnonzero(lif & (ncr < 0))[0])} has no home crossbar")
    # ---- crossbars in use (local index kk, increasing global id)
    used = _unique(np.concatenate([ncr[lif], sk]), K_all)
    K = used.size
    loc = np.full(K_all, -1, np.int64)
    loc[used] = np.arange(K)
    pre = np.asarray(net.pre, np.int64)
    post = np.asarray(net.post, np.int64)
    # ---- slots: (crossbar, logical column) -> neuron
    slot_keys = np.concatenate([ncr[lif] * hw.neurons_per_crossbar + ncol[lif], sk * hw.neurons_per_crossbar + sc])
    slot_nrn = np.concatenate([np.flatnonzero(lif), post])
    uk, inv = _unique_inverse(slot_keys, K_all * hw.neurons_per_crossbar)
    slot_neuron = np.empty(uk.size, np.int64)
    slot_neuron[inv] = slot_nrn           # any of a slot's neurons: they must all be the same
    if np.any(slot_nrn != slot_neuron[inv]):
        raise EngineError("mapping: a logical column holds synapses of two different postsynaptic neurons")
    n_slots = uk.size
    slot_xbar = loc[uk // hw.neurons_per_crossbar]
    slot_col = uk % hw.neurons_per_crossbar
    home_slot = np.full(n, -1, np.int64)
    home_slot[lif] = inv[: int(lif.sum())]
    syn_slot = inv[int(lif.sum()):]
    is_home = np.zeros(n_slots, bool)
    is_home[home_slot[lif]] = True
    nonhome = np.flatnonzero(~is_home)
    # partial-sum slots of each neuron, ordered by crossbar id
    ps_ptr, perm = _csr(slot_neuron[nonhome], n, order_by=slot_xbar[nonhome])
    ps_slot = nonhome[perm]
    # neuron circuits: home neurons of each crossbar in column order
    lif_ids = np.flatnonzero(lif)
    upd_ptr, perm = _csr(slot_xbar[home_slot[lif_ids]], K, order_by=slot_col[home_slot[lif_ids]])
    upd_neuron = lif_ids[perm]
    # ---- rows: the used block of each crossbar
    rows_used = np.zeros(K, np.int64)
    lcols_used = np.zeros(K, np.int64)
    if nnz:
        np.maximum.at(rows_used, loc[sk], sr + 1)
    np.maximum.at(lcols_used, slot_xbar, slot_col + 1)
    xb_row_off = np.zeros(K + 1, np.int64)
    np.cumsum(rows_used, out=xb_row_off[1:])
    n_rows = int(xb_row_off[-1])
    grow = xb_row_off[loc[sk]] + sr if nnz else np.zeros(0, np.int64)
    row_xbar = np.repeat(np.arange(K), rows_used)
    row_pre = np.full(n_rows, -1, np.int64)
    row_pre[grow] = pre
    if nnz and np.any(row_pre[grow] != pre):
        raise EngineError("mapping: a crossbar row holds synapses of two different presynaptic neurons")
    # synapses by (row, column): grow orders rows as (crossbar, row) does
    row_ptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(grow, minlength=n_rows), out=row_ptr[1:])
    perm = _lexsort((sc, sr, loc[sk]), (hw.neurons_per_crossbar, hw.tile.crossbar_rows, K))
    row_syn_id = perm.astype(np.int64)
    syn_pos = np.empty(nnz, np.int64)
    syn_pos[row_syn_id] = np.arange(nnz)
    # rows of each presynaptic neuron, grouped by destination tile
    real_rows = np.flatnonzero(row_pre >= 0)
    r_tile = xtile[used[row_xbar[real_rows]]]
    order = _lexsort((used[row_xbar[real_rows]], r_tile, row_pre[real_rows]), (K_all, n_tiles, n))
    nrow = real_rows[order]
    nrow_pre = row_pre[nrow]
    nrow_tile = xtile[used[row_xbar[nrow]]]
    # (neuron, tile) groups
    if nrow.size:
        newgrp = np.ones(nrow.size, bool)
        newgrp[1:] = (nrow_pre[1:] != nrow_pre[:-1]) | (nrow_tile[1:] != nrow_tile[:-1])
        gstart = np.flatnonzero(newgrp)
    else:
        gstart = np.zeros(0, np.int64)
    ndst_tile = nrow_tile[gstart]
    ndst_rptr = np.append(gstart, nrow.size).astype(np.int64)
    ndst_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(nrow_pre[gstart], minlength=n), out=ndst_ptr[1:])
    # entry tile: home tile, or for inputs the tile of the lowest-numbered crossbar holding a row
    entry = np.full(n, -1, np.int64)
    entry[lif] = xtile[ncr[lif]]
    if nrow.size:
        inp_rows = real_rows[net.is_input[row_pre[real_rows]]]
        if inp_rows.size:
            gk = used[row_xbar[inp_rows]]
            o = _lexsort((gk, row_pre[inp_rows]), (K_all, n))
            p_ = row_pre[inp_rows][o]
            firsts = np.ones(o.size, bool)
            firsts[1:] = p_[1:] != p_[:-1]
            entry[p_[firsts]] = xtile[gk[o][firsts]]
    # ---- plasticity
    learning = bool(hw.learning.enabled) and bool(net.plastic.any())
    plastic = np.flatnonzero(net.plastic) if learning else np.zeros(0, np.int64)
    pin_ptr, perm = _csr(post[plastic], n, order_by=plastic)
    pin_syn = plastic[perm]
    pout_ptr, perm = _csr(pre[plastic], n, order_by=plastic)
    pout_syn = plastic[perm]
    rules = np.zeros((max(len(net.stdp_rules), 1), 6))
    for i, r in enumerate(net.stdp_rules):
        rules[i] = [r["a_plus"], r["a_minus"], r["tau_plus"], r["tau_minus"], r["w_min"], r["w_max"]]
    # ---- cells: per-cell state only for cells holding a synapse (G+ and G- of differential pairs)
    # and, with reference_column, the reference cell of every used row. Per crossbar (increasing
    # id): its synapses' cells in synapse order (a differential pair's G+ then G-), then its
    # reference cells in row order.
    syn_loc = loc[sk]
    by_xb_ptr, by_xb = _csr(syn_loc, K)
    enc = hw.device.weight_encoding
    cps = 2 if enc == "differential" else 1
    nsyn_xb = np.diff(by_xb_ptr)
    nref_xb = rows_used if enc == "reference_column" else np.zeros(K, np.int64)
    cell_off = np.zeros(K + 1, np.int64)
    np.cumsum(cps * nsyn_xb + nref_xb, out=cell_off[1:])
    ncell = int(cell_off[-1])
    xk = syn_loc[by_xb]                                       # crossbar of each synapse, sorted
    posA = cell_off[xk] + cps * (np.arange(nnz) - by_xb_ptr[xk])
    syn_cellA = np.full(nnz, -1, np.int64)
    syn_cellB = np.full(nnz, -1, np.int64)
    syn_cellA[by_xb] = posA
    cell_r = np.empty(ncell, np.int64)
    cell_b = np.empty(ncell, np.int64)
    sr_x, sc_x = sr[by_xb], sc[by_xb]
    cell_r[posA] = sr_x
    cell_b[posA] = cps * sc_x
    if enc == "differential":
        syn_cellB[by_xb] = posA + 1
        cell_r[posA + 1] = sr_x
        cell_b[posA + 1] = 2 * sc_x + 1
    row_refcell = np.full(n_rows, -1, np.int64)
    if enc == "reference_column":
        r_loc = np.arange(n_rows) - xb_row_off[row_xbar]
        row_refcell[:] = cell_off[row_xbar] + nsyn_xb[row_xbar] + r_loc
        cell_r[row_refcell] = r_loc
        cell_b[row_refcell] = lcols_used[row_xbar]
    cell_xbar = np.repeat(np.arange(K), np.diff(cell_off))
    cell_grow = xb_row_off[cell_xbar] + cell_r
    # ---- physics per crossbar
    states = []
    bcols = np.zeros(K, np.int64)
    if cells_direct(hw):
        # ideal device, no IR drop, no wear law: the cells' conductances are their encoded weights;
        # no block is built (the constructor would encode the used block and draw nothing)
        p = device_params(hw)
        wx = net.weight[by_xb]
        gA, gB = encode_synapse_cells(p, wx)
        G = np.empty(ncell)
        G[posA] = gA
        if gB is not None:
            G[posA + 1] = gB
        if enc == "reference_column":
            G[row_refcell] = p.g_mid
        alpha, endurance = np.ones(ncell), np.full(ncell, np.inf)
        stuck_cells = np.zeros(ncell, np.uint8)
        v_cells = np.full(ncell, hw.crossbar.read_voltage_v)
        row_energy = np.zeros(n_rows)
        # the states' own (initial) values: conductances copied, constants as read-only views
        st_G = G.copy()
        st_alpha, st_end = np.broadcast_to(1.0, (ncell,)), np.broadcast_to(np.inf, (ncell,))
        st_stuck = np.broadcast_to(False, (ncell,))
        for kk in range(K):
            cs = slice(cell_off[kk], cell_off[kk + 1])
            st = CrossbarState.from_cells(hw, used[kk], rows_used[kk], lcols_used[kk], (cell_r[cs], cell_b[cs]),
                                          st_G[cs], stuck=st_stuck[cs], endurance=st_end[cs],
                                          alpha=st_alpha[cs], v_cells=v_cells[cs], p=p)
            states.append(st)
            bcols[kk] = st.layout.n
    else:
        row_energy = np.empty(n_rows)
        G_parts, a_parts, e_parts, v_parts, f_parts = [], [], [], [], []
        for kk in range(K):
            ids = by_xb[by_xb_ptr[kk]:by_xb_ptr[kk + 1]]
            Ru, Lu = int(rows_used[kk]), int(lcols_used[kk])
            Wb = np.zeros((Ru, Lu))
            mb = np.zeros(Wb.shape, bool)
            Wb[sr[ids], sc[ids]] = net.weight[ids]
            mb[sr[ids], sc[ids]] = True
            cs = slice(cell_off[kk], cell_off[kk + 1])
            st = CrossbarState(hw, used[kk], Ru, Lu, Wb, mb, rng, cells=(cell_r[cs], cell_b[cs]))
            states.append(st)
            bcols[kk] = st.layout.n
            G_parts.append(st.G_cells)
            a_parts.append(st.alpha_cells)
            e_parts.append(st.endurance_cells)
            f_parts.append(st.stuck_cells)
            v_parts.append(st.v_cells)
            row_energy[xb_row_off[kk]:xb_row_off[kk + 1]] = st.row_energy
        cat = lambda parts, dt: np.ascontiguousarray(np.concatenate(parts) if parts else np.zeros(0), dtype=dt)
        G = cat(G_parts, np.float64)
        alpha = cat(a_parts, np.float64)
        endurance = cat(e_parts, np.float64)
        stuck_cells = cat(f_parts, np.uint8)
        v_cells = cat(v_parts, np.float64)
    # ---- inputs
    T = n_ticks
    adc_q = adc_qmax(hw)
    D = int(net.max_delay) + 1
    try:
        fx_bits = fixed_point_bits(net, hw, where=f"workload {getattr(wl, 'name', '')!r}".replace(" ''", ""))
    except ValueError as e:
        raise EngineError(str(e)) from None
    cfg = dict(
        n=n, n_slots=n_slots, K=K, n_rows=n_rows, n_tiles=n_tiles, mesh_w=mesh_w, mesh_h=mesh_h, D=D,
        P=hw.tick_period_cycles, F=hw.noc.flits_per_packet, B=hw.noc.buffer_depth_flits,
        router_lat=hw.noc.router_latency_cycles, link_lat=hw.noc.link_latency_cycles,
        upd_lat=hw.neuron.update_latency_cycles, so_lat=hw.neuron.spike_out_latency_cycles,
        par=hw.neuron.neurons_update_in_parallel,
        read_lat=hw.peripherals.row_read_latency_cycles + (hw.peripherals.adc_latency_cycles if adc_q else 0),
        write_lat=hw.peripherals.write_latency_cycles, multicast=hw.noc.multicast == "router",
        learning=learning, encoding=_ENC[hw.device.weight_encoding], g_min=float(hw.device.g_min_s),
        g_max=float(hw.device.g_max_s), wscale=float(hw.device.weight_scale),
        min_change=float(hw.learning.min_weight_change_rel), levels=int(hw.device.levels or 0),
        accumulate=hw.learning.level_update == "accumulate",
        compensate=(hw.crossbar.ir_drop_compensation == "write_verify" and hw.crossbar.ir_drop_method != "none"
                    and hw.device.type != "ideal"),
        stuck_g=float(hw.device.g_min_s if hw.device.faults.wearout_stuck_level == "g_min" else hw.device.g_max_s),
        clip=hw.device.type != "ideal", n_ticks=T, n_syn=nnz, fx_bits=fx_bits, adc_qmax=adc_q,
    )
    if hw.noc.flits_per_packet > hw.noc.buffer_depth_flits:
        raise EngineError(f"hw.noc: a packet of {hw.noc.flits_per_packet} flits does not fit a buffer of "
                          f"{hw.noc.buffer_depth_flits} flits")
    tiles = np.arange(n_tiles)
    a = dict(
        is_input=np.ascontiguousarray(net.is_input, dtype=np.uint8), threshold=_f64(net.threshold),
        leak=_f64(net.leak), v_reset=_f64(net.v_reset), refractory=_i32(net.refractory),
        home_slot=_i32(home_slot), ps_ptr=_i64(ps_ptr), ps_slot=_i32(ps_slot), slot_xbar=_i32(slot_xbar),
        slot_neuron=_i32(slot_neuron), nonhome_slots=_i32(nonhome), xbar_tile=_i32(xtile[used]),
        upd_ptr=_i64(upd_ptr), upd_neuron=_i32(upd_neuron), entry_tile=_i32(entry), ndst_ptr=_i64(ndst_ptr),
        ndst_tile=_i32(ndst_tile), ndst_rptr=_i64(ndst_rptr), nrow=_i32(nrow), nrow_xbar=_i32(row_xbar[nrow]), row_xbar=_i32(row_xbar),
        row_ptr=_i64(row_ptr), row_syn_slot=_i32(syn_slot[row_syn_id]),
        row_syn_delay=_i32(np.asarray(net.delay)[row_syn_id]), row_syn_id=_i64(row_syn_id),
        syn_pos=_i64(syn_pos),
        tile_x=_i32(tiles % mesh_w), tile_y=_i32(tiles // mesh_w),
        **input_arrays(wl, T),
        csr_ptr=_i64(net.indptr), csr_post=_i32(post), pin_ptr=_i64(pin_ptr), pin_syn=_i64(pin_syn),
        pout_ptr=_i64(pout_ptr), pout_syn=_i64(pout_syn), syn_pre=_i32(pre), syn_post=_i32(post),
        syn_rule=np.ascontiguousarray(net.stdp_rule, dtype=np.int16), rules=_f64(rules),
        syn_xbar=_i32(syn_loc), syn_row=_i32(sr), syn_col=_i32(sc), syn_cellA=_i64(syn_cellA),
        syn_cellB=_i64(syn_cellB), row_refcell=_i64(row_refcell), xb_row_off=_i64(xb_row_off),
        row_pre=_i32(row_pre),
    )
    if adc_q:
        lsb = np.empty(nnz)
        lsb[syn_pos] = adc_lsb(net, hw, sk)
        a["adc_lsb"] = lsb
    verify, log1mp, vmax = verify_params(hw) if learning else (False, 0.0, 1)
    if verify:
        # program-and-verify draws are keyed by (crossbar, row, physical column): the reference's cell names
        R, C = hw.tile.crossbar_rows, hw.tile.crossbar_columns
        key = np.empty(ncell, np.uint64)
        for kk, st in enumerate(states):
            cs = slice(cell_off[kk], cell_off[kk + 1])
            key[cs] = ((used[kk] * R + cell_r[cs]) * C + st.layout.phys[cell_b[cs]]).astype(np.uint64)
        a["cell_key"] = key
        cfg.update(verify=True, verify_log1mp=log1mp, verify_max=vmax,
                   verify_seed=int(rng.integers(0, 2 ** 63)),     # the last draw of pack: earlier ones unchanged
                   write_lat=cfg["write_lat"] + hw.peripherals.row_read_latency_cycles)
    s = dict(
        v=np.zeros(n), rcount=np.zeros(n, np.int32), acc=np.zeros(D * n_slots, np.int64), accf=np.zeros(D * n_slots, np.uint8),
        ps_val=np.zeros(n_slots, np.int64), ps_got=np.zeros(n_slots, np.uint8), w_eff=np.zeros(nnz),
        alpha=alpha, w_log=_f64(net.weight).copy(), G=G, G0=G.copy(), endurance=endurance,
        writes=np.zeros(ncell, np.int64), writes_set=np.zeros(ncell, np.int64),
        writes_reset=np.zeros(ncell, np.int64), reads_at_prog=np.zeros(ncell, np.int64),
        failed=stuck_cells.copy(), row_reads=np.zeros(n_rows, np.int64),
        link_flits=np.zeros(n_tiles * 6, np.int64), lat_hist=np.zeros(4097, np.int64),
        tick_start=np.zeros(T + 1, np.int64), tick_traffic_end=np.zeros(T, np.int64),
        xb_writes_tick=np.zeros(max(K, 1), np.int64), last_pre=np.full(n, -1, np.int32),
        last_post=np.full(n, -1, np.int32),
    )
    # effective weight of every synapse: the physics' effective weights (IR drop included)
    for kk, st in enumerate(states):
        ids = by_xb[by_xb_ptr[kk]:by_xb_ptr[kk + 1]]
        if st.phys is None:
            continue
        s["w_eff"][syn_pos[ids]] = st.W_eff[sr[ids], sc[ids]]
    info = dict(range_plan=plan, states=states, used=used, xbar_tile=xtile[used], rows_used=rows_used, bcols=bcols, cell_off=cell_off,
                cell_r=cell_r, cell_b=cell_b, cell_grow=cell_grow, v_cells=v_cells,
                xb_row_off=xb_row_off, row_energy=row_energy, by_xb_ptr=by_xb_ptr, by_xb=by_xb,
                row_pre=row_pre, syn_per_row=np.diff(row_ptr), lcols_used=lcols_used, syn_pos=syn_pos)
    return cfg, a, s, info


def simulate(workload, hw, mapping, *, ticks=None, seed=0, record=("spikes",), timing="cycle", options=None):
    """Run ``workload`` on chip ``hw`` placed by ``mapping``; return a :class:`SimResult`.

    One-shot form of :class:`neurosim.engine.Chip`: ``Chip(hw, workload, mapping, seed=seed,
    ticks=ticks, options=options).run(timing=timing, record=record)`` without keeping a pristine copy
    of the programmed chip (use a :class:`~neurosim.engine.Chip` to run one chip several times).

    Parameters
    ----------
    workload : neurosim.Workload
    hw : neurosim.HardwareConfig
    mapping : neurosim.Mapping (or any object with the Mapping arrays)
    ticks : int, optional
        Simulate ticks ``0 .. ticks-1`` (default: the workload's ``n_ticks``).
    seed : int
        Seeds the one ``numpy.random.Generator`` used for device variation, faults and endurance spread.
    record : iterable of str
        ``"spikes"`` (always recorded), ``"voltages"`` (membrane potential of every neuron after each
        tick: a (ticks, n) float64 array, the only output that grows with ticks x neurons), ``"weights"``
        (the learning circuit's final weight of every synapse), ``"effective_weights"`` (the final
        effective — IR-distorted, quantised, drifted — weight every synapse delivers; CSR order).
    timing : {"cycle", "functional"}
        ``"cycle"`` (default): the cycle-accurate model — packets hop by hop, queued row reads, tick
        stretching. ``"functional"``: no timing model — every spike reads its rows at once; spikes,
        per-cell counters, conductances, flit and packet counts and every energy class but leakage
        (and so the total) are those of ``"cycle"`` bit for bit; timing fields are ``None`` and ticks
        follow the real-time period (docs/engine.md §8).
    options : neurosim.engine.EngineOptions, optional
        Storage choices of the compiled loop that never change a result (multicast tree store, STDP
        table length); default ``EngineOptions()``.

    Returns
    -------
    SimResult
        Spikes (tick, neuron, cycle), per-crossbar counters and conductances, cycles per tick,
        packet latencies, link utilisation, energy by event class, overruns (docs/engine.md).

    Examples
    --------
    >>> import neurosim as ns                                                    # doctest: +SKIP
    >>> hw = ns.load_hardware("ideal"); wl = ns.load_workload("traces/digits")   # doctest: +SKIP
    >>> res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"))          # doctest: +SKIP
    >>> res.spikes[:3], res.energy_pj["total"], res.overruns                     # doctest: +SKIP
    """
    from .session import Chip

    return Chip(hw, workload, mapping, seed=seed, ticks=ticks, options=options, reusable=False).run(
        timing=timing, record=record)


def check_run_args(wl, ticks, timing, record):
    """(ticks, record set) of a run, or :class:`EngineError` naming the bad argument."""
    T = wl.n_ticks if ticks is None else int(ticks)
    if T < 1:
        raise EngineError(f"ticks: must be >= 1, got {ticks}")
    if T > wl.n_ticks:
        raise EngineError(f"ticks: the workload lasts {wl.n_ticks} ticks, {T} asked")
    if timing not in ("cycle", "functional"):
        raise EngineError(f"timing: expected 'cycle' or 'functional', got {timing!r}")
    rec = set([record] if isinstance(record, str) else record)
    bad = rec - _RECORD
    if bad:
        raise EngineError(f"record: unknown item(s) {sorted(bad)}; choose from {sorted(_RECORD)}")
    return T, rec


def run_packed(wl, hw, mapping, cfg, a, s, info, T, rec, timing, options):
    """Run the compiled loop for ``T`` ticks over packed arrays (from :func:`pack`, for at least
    ``T`` ticks; ``s`` and ``info`` are consumed) and build the :class:`SimResult`."""
    from .._core import engine_core

    cfg = dict(cfg)
    cfg["functional"] = timing == "functional"
    cfg["xy_trees"] = options.xy_trees
    cfg["stdp_lut_ticks"] = options.stdp_lut_ticks
    if cfg["functional"] and cfg["D"] * cfg["n_slots"] >= 2 ** 31:
        raise EngineError(f"timing: 'functional' indexes (max delay + 1) x column slots = "
                          f"{cfg['D'] * cfg['n_slots']:,} accumulator entries with 31 bits; use timing='cycle'")
    # ideal decode for chips without IR drop; physics values were written for the others
    core = engine_core.Core(cfg, a, s)
    no_ir = [kk for kk, st in enumerate(info["states"]) if st.phys is None]
    if no_ir:
        ids = np.concatenate([info["by_xb"][info["by_xb_ptr"][kk]:info["by_xb_ptr"][kk + 1]] for kk in no_ir])
        core.refresh_weff(_i64(ids))
    disturb = hw.device.read_disturb.law != "none"
    rebuild = any(st.phys is not None for st in info["states"]) and cfg["learning"]
    per_tick = disturb or rebuild or "voltages" in rec
    maint = _Maintenance(hw, core, a, s, info, disturb) if (disturb or rebuild) else None
    volts = np.zeros((T, cfg["n"])) if "voltages" in rec else None
    # cells can be programmed in this run: keep the write history (read-only copies at boundaries)
    writes_run = cfg["learning"] or (disturb and hw.refresh.policy == "reprogram")
    hist = _WriteLog(wl, s, info, T, core, maint) if per_tick and writes_run else None
    if not per_tick:
        core.run(T)
    else:
        for t in range(T):
            if hist is not None:
                hist.at(t)
            wend = core.step()
            if maint is not None:
                wend = maint.after_tick(t, wend)
            core.close_tick(wend)
            if volts is not None:
                volts[t] = s["v"]
    core.sync()
    core.account()
    if maint is not None:
        maint.finish()
    if hist is not None:
        hist.at(T)
    return _result(wl, hw, mapping, cfg, s, info, core, T, rec, volts, maint, hist)


def history_boundaries(wl, T: int) -> tuple[np.ndarray, str]:
    """``(boundary ticks, kind)`` of the write-history windows of a ``T``-tick run: 0, every sample
    start inside the run, and ``T`` (``"samples"``); without samples, up to 64 equal tick windows
    (``"ticks"``)."""
    T = int(T)
    starts = np.asarray(getattr(wl, "sample_starts", None) if getattr(wl, "n_samples", 0) else [], np.int64)
    if starts.size:
        inner = starts[(starts > 0) & (starts < T)]
        return np.unique(np.concatenate([[0], inner, [T]])).astype(np.int64), "samples"
    return np.unique(np.round(np.linspace(0, T, min(T, 64) + 1)).astype(np.int64)), "ticks"


def history_cell_copies(n_boundaries: int, n_cells: int, budget: int = HISTORY_CELL_ENTRIES) -> np.ndarray:
    """Indices of the boundaries at which per-cell counts are copied: all of them when
    ``n_boundaries x n_cells <= budget``, else ``max(2, budget // n_cells)`` geometrically spaced
    ones (dense early), always the first and the last.

    >>> history_cell_copies(5, 10).tolist()
    [0, 1, 2, 3, 4]
    >>> history_cell_copies(101, 10, budget=60).tolist()
    [0, 2, 5, 15, 39, 100]
    """
    nb = int(n_boundaries)
    if nb * max(int(n_cells), 1) <= budget:
        return np.arange(nb)
    S = max(2, budget // max(int(n_cells), 1))
    idx = np.unique(np.round(np.geomspace(1, nb, S)).astype(np.int64) - 1)
    return np.unique(np.concatenate([[0], idx, [nb - 1]]))


class _WriteLog:
    """Cumulative programming pulses at window boundaries of a run stepped tick by tick
    (:class:`~neurosim.engine.result.WriteHistory`): :meth:`at` is called before each tick and at the
    end. The chip total comes from the engine's counters (O(1) per boundary); per-cell and
    per-crossbar counts are copied only at the bounded :func:`history_cell_copies` boundaries."""

    def __init__(self, wl, s, info, T, core, maint):
        self.s, self.core, self.maint = s, core, maint
        self.off = np.asarray(info["cell_off"], np.int64)
        self.ticks, self.kind = history_boundaries(wl, T)
        nb, ncell = self.ticks.size, int(s["writes"].size)
        self.copy_at = history_cell_copies(nb, ncell)
        self.chip = np.zeros(nb, np.int64)
        self.xbar = np.zeros((self.off.size - 1, self.copy_at.size), np.int64)
        self.cells = np.zeros((self.copy_at.size, ncell), np.int32)
        self.i = self.j = 0

    def at(self, t):
        if self.i >= self.ticks.size or self.ticks[self.i] != t:
            return
        # learning pulses (ignored ones to worn cells included) and refresh pulses: every s["writes"] increment
        self.chip[self.i] = int(self.core.n_write_pulses) + (int(self.maint.n_refresh) if self.maint else 0)
        if self.j < self.copy_at.size and self.copy_at[self.j] == self.i:
            w = self.s["writes"]
            cs = np.concatenate([[0], np.cumsum(w)])
            self.xbar[:, self.j] = cs[self.off[1:]] - cs[self.off[:-1]]
            self.cells[self.j] = w
            self.j += 1
        self.i += 1

    def history(self) -> WriteHistory:
        return WriteHistory(ticks=self.ticks.copy(), chip=self.chip, crossbars=self.xbar,
                            cell_ticks=self.ticks[self.copy_at].copy(), windows=self.kind)


class _Maintenance:
    """Between ticks (Python, vectorised per crossbar): read-disturb drift, refresh writes and
    lazy rebuilds of the IR-distorted effective weights (docs/engine.md, "Physics")."""

    def __init__(self, hw, core, a, s, info, disturb):
        self.hw, self.core, self.s, self.info, self.disturb = hw, core, s, info, disturb
        self.syn_row, self.syn_col = a["syn_row"], a["syn_col"]
        d = hw.device
        self.stuck = float(d.g_min_s if d.faults.wearout_stuck_level == "g_min" else d.g_max_s)
        self.refresh = hw.refresh.policy == "reprogram"
        self.tol = hw.refresh.drift_tolerance_rel
        self.n_refresh = 0
        self.rebuilds = 0
        self.energy_epoch = np.zeros(info["row_energy"].size)   # pJ charged for reads of past epochs
        self.reads_epoch = np.zeros(info["row_energy"].size, np.int64)
        self.params = []
        for kk, st in enumerate(info["states"]):
            self.params.append(self._disturb_params(kk) if disturb else None)

    def _cells(self, kk):
        o = self.info["cell_off"]
        return slice(o[kk], o[kk + 1])

    def _rows(self, kk):  # noqa: E301
        o = self.info["xb_row_off"]
        return slice(o[kk], o[kk + 1])

    def _disturb_params(self, kk):
        st, c = self.info["states"][kk], self._cells(kk)
        return read_disturb_params(self.hw, st.v_cells, self.s["G0"][c], self.s["writes"][c])

    def after_tick(self, t, wend):
        s, info = self.s, self.info
        self._synced = False
        if self.disturb:
            self.core.sync()
            self._synced = True
        rr = s["row_reads"]
        extra = 0
        # without read disturb only crossbars written this tick can change
        todo = range(len(info["states"])) if self.disturb else np.flatnonzero(s["xb_writes_tick"]).tolist()
        for kk in todo:
            st = info["states"][kk]
            cells = self._cells(kk)
            changed = False
            if self.disturb and self.s["xb_writes_tick"][kk] > 0:
                self.params[kk] = self._disturb_params(kk)   # this tick's writes moved levels and counts
            if self.disturb:
                onset = self.params[kk]
                reads = rr[info["cell_grow"][cells]]
                n_since = reads - s["reads_at_prog"][cells]
                drifting = (n_since > onset) & (s["failed"][cells] == 0)
                if drifting.any():
                    G0 = s["G0"][cells]
                    Gv = s["G"][cells]
                    newG = np.where(drifting, drifted(self.hw, G0, n_since, st.v_cells, s["writes"][cells]), Gv)
                    if self.refresh:
                        bad = drifting & (np.abs(newG - G0) > self.tol * np.abs(G0))
                        if bad.any():
                            # reprogram: a write pulse per cell back to its programmed level
                            idx = np.flatnonzero(bad)
                            flat = idx + cells.start
                            s["writes"][flat] += 1
                            s["writes_set"][flat] += 1
                            s["reads_at_prog"][flat] = reads[idx]
                            newG[idx] = G0[idx]
                            nb = int(idx.size)
                            self.n_refresh += nb
                            extra = max(extra, nb * self.hw.peripherals.write_latency_cycles)
                            worn = s["writes"][flat] >= s["endurance"][flat]
                            if worn.any():
                                wf = flat[worn]
                                s["failed"][wf] = 1
                                s["G0"][wf] = self.stuck
                                newG[idx[worn]] = self.stuck
                            self.params[kk] = None
                    if not np.array_equal(newG, Gv):
                        s["G"][cells] = newG
                        changed = True
            if st.phys is not None:
                if changed or self.s["xb_writes_tick"][kk] > 0:
                    if st.rebuild(s["G"][cells]):
                        self._epoch_energy(kk)
                        self.rebuilds += 1
                        s["alpha"][cells] = st.alpha_cells
                        ids = info["by_xb"][info["by_xb_ptr"][kk]:info["by_xb_ptr"][kk + 1]]
                        sr, sc = self.syn_row[ids], self.syn_col[ids]
                        self.core.set_weff(_i64(info["syn_pos"][ids]), _f64(st.W_eff[sr, sc]))
                        if self.disturb:
                            self.params[kk] = None
                        changed = False
            if changed:
                ids = info["by_xb"][info["by_xb_ptr"][kk]:info["by_xb_ptr"][kk + 1]]
                self.core.refresh_weff(_i64(ids))
            if self.disturb and self.params[kk] is None:
                self.params[kk] = self._disturb_params(kk)
        return wend + extra

    def _epoch_energy(self, kk):
        if not self._synced:
            self.core.sync()          # row counters of this tick, once
            self._synced = True
        rows = self._rows(kk)
        st = self.info["states"][kk]
        rr = self.s["row_reads"][rows]
        self.energy_epoch[rows] += (rr - self.reads_epoch[rows]) * self.info["row_energy"][rows]
        self.reads_epoch[rows] = rr
        self.info["row_energy"][rows] = st.row_energy

    def finish(self):
        rr = self.s["row_reads"]
        self.energy_epoch += (rr - self.reads_epoch) * self.info["row_energy"]
        self.reads_epoch = rr.copy()


def _result(wl, hw, m, cfg, s, info, core, T, rec, volts, maint, hist=None):
    t, nn, c = core.spikes()
    spikes = np.zeros(t.size, dtype=[("tick", np.int32), ("neuron", np.int32), ("cycle", np.int64)])
    spikes["tick"], spikes["neuron"], spikes["cycle"] = t, nn, c
    key = spikes["tick"].astype(np.int64) * max(cfg["n"], 1) + spikes["neuron"]
    if key.size > 1 and not np.all(key[1:] > key[:-1]):      # sort by (tick, neuron) unless already
        spikes = spikes[_lexsort((spikes["neuron"], spikes["tick"]), (max(cfg["n"], 1), max(T, 1)))]
    tick_start = s["tick_start"][: T + 1].copy()     # the arrays may be packed for more ticks than run
    crossbars = []
    from ..devices import device_params
    from ..crossbar.physics import program_current
    g_unused = device_params(hw).g_unused
    if hw.device.type != "ideal":
        from ..devices import quantise
        g_unused = float(quantise(hw, [g_unused])[0])     # as programmed (snapped to a level)

    def endurance_fn(shape, phys):
        if hw.device.write_endurance.law == "none":
            return np.full(shape, np.inf)
        law = hw.device.write_endurance
        nominal = law.model_copy(update={"spread_sigma_ln": 0.0})
        from ..devices import endurance_from_current, program_cell_resistance
        return endurance_from_current(nominal, program_current(hw)[: shape[0]][:, phys],
                                      program_cell_resistance(hw), hw.device.temperature.ambient_k)

    # one copy of each engine array; the records hold slices of it
    row_reads, cell_r, cell_b = s["row_reads"].copy(), info["cell_r"].copy(), info["cell_b"].copy()
    writes, G, failed, endur = s["writes"].copy(), s["G"].copy(), s["failed"].astype(bool), s["endurance"].copy()
    xb_tile = np.asarray(m.crossbar_tile)[info["used"]].tolist()
    shape = (hw.tile.crossbar_rows, hw.tile.crossbar_columns)
    co, ro = info["cell_off"].tolist(), info["xb_row_off"].tolist()
    for kk, (st, k) in enumerate(zip(info["states"], info["used"].tolist())):
        cs = slice(co[kk], co[kk + 1])
        crossbars.append(CrossbarRecord(
            crossbar=k, tile=int(xb_tile[kk]), physical_columns=st.layout.phys.copy(),
            row_reads=row_reads[ro[kk]:ro[kk + 1]], shape=shape, cell_rows=cell_r[cs], cell_cols=cell_b[cs],
            writes=writes[cs], conductance=G[cs], failed=failed[cs], endurance=endur[cs], g_unused=g_unused,
            endurance_fn=endurance_fn, writes_history=None if hist is None else hist.cells[:, cs],
        ))
    if core.n_adc_saturated:
        import warnings
        warnings.warn(f"ADC saturation: {int(core.n_adc_saturated):,} effective-weight readings of {hw.name!r} were "
                      f"beyond the {hw.peripherals.adc_range} full scale of their crossbar's {hw.peripherals.adc_bits}-bit "
                      f"ADC and read as its largest code (counts['adc_saturations']; docs/engine.md §2)",
                      ADCSaturationWarning, stacklevel=4)
    # results in network units: the neurons' input gains (devices/gain.py) undone
    plan = info["range_plan"]
    syn_gain = plan.gains[np.asarray(wl.network.post, np.int64)]
    if volts is not None and plan.any_gain:
        volts *= plan.gains
    lf = s["link_flits"].reshape(hw.n_tiles, 6)
    total_cycles = int(tick_start[T])
    n_powered = powered_tiles(hw, cfg, s, info)
    energy = energy_breakdown(hw, cfg, s, info, core, total_cycles, maint, n_powered)
    timed = not cfg.get("functional", False)
    lat = dict(count=int(core.lat_count), mean=(core.lat_sum / core.lat_count) if core.lat_count else 0.0,
               max=int(core.lat_max), min=int(core.lat_min) if core.lat_count else 0) if timed else None
    res = SimResult(
        spikes=spikes, n_ticks=T, tick_start_cycle=tick_start, cycles_per_tick=np.diff(tick_start),
        traffic_end_cycle=s["tick_traffic_end"][:T].copy() if timed else None,
        overruns=int(core.overruns) if timed else None,
        total_cycles=total_cycles, latency_s=total_cycles / hw.clock_hz, crossbars=crossbars,
        packet_latency=lat, packet_latency_hist=s["lat_hist"].copy() if timed else None, link_flits=lf[:, :4].copy(),
        ejection_flits=lf[:, 4].copy(), injection_flits=lf[:, 5].copy(),
        link_utilisation=lf[:, :4] / max(total_cycles, 1), energy_pj=energy,
        counts=dict(neuron_updates=int(core.n_updates), spikes_out=int(core.n_spikes_out),
                    packets=int(core.n_packets), partial_sum_packets=int(core.n_ps_packets),
                    deliveries=int(core.n_deliveries), row_reads=int(core.n_row_reads),
                    synaptic_events=int(core.n_syn_events), write_pulses=int(core.n_write_pulses),
                    ignored_writes=int(core.n_ignored_writes), failed_cells=int(np.count_nonzero(s["failed"])),
                    refresh_writes=int(maint.n_refresh) if maint else 0,
                    weight_rebuilds=int(maint.rebuilds) if maint else 0,
                    flit_hops=int(lf[:, :5].sum()), powered_tiles=n_powered,
                    adc_saturations=int(core.n_adc_saturated), verify_reads=int(core.n_verify_reads),
                    verify_gave_up=int(core.n_verify_gave_up)),
        voltages=volts, weights=s["w_log"] * syn_gain if "weights" in rec else None,
        effective_weights=s["w_eff"][info["syn_pos"]] * syn_gain if "effective_weights" in rec else None,
        hw_name=hw.name, workload_name=wl.name, timing="cycle" if timed else "functional",
        extra=dict(xy_trees=("columns" if core.colmask else "nodes") if timed and cfg["multicast"] else None,
                   weight_range=plan.to_dict()),
        write_history=None if hist is None else hist.history(),
    )
    return res
