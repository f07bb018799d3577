"""Row-restricted rebuilds of a crossbar's physics between ticks (CrossbarState.rebuild,
CrossbarPhysics._adopt, csrc/crossbar_rows.pyx) give the results of the whole rebuild bit for bit.

The reference here is independent of the compiled path: the NumPy ladder (``single_row_reads``) or a
fresh ``CrossbarPhysics`` of the whole array, the rebuild rule of ``CrossbarPhysics.update`` written
out over the whole array, and the gains/voltages/energies of ``CrossbarState._from_phys``.
"""
import numpy as np
import pytest

import neurosim as ns
from neurosim.crossbar import CrossbarPhysics, circuit_resistances, single_row_reads
from neurosim.devices import decode_conductances, device_params
from neurosim.crossbar import state as eph
from neurosim.crossbar.state import CrossbarState

from _crossbar_helpers import hw_variant

_SMALL = {"tile.crossbar_rows": 24, "tile.crossbar_columns": 16}

CONFIGS = {
    "espine_pcm": ("espine_pcm", {}),
    "espine_pcm_small_fast_0T1R": ("espine_pcm", {**_SMALL, "tile.access_device": "0T1R",
                                                  "tile.access_resistance_ohm": 0.0,
                                                  "crossbar.ir_drop_method": "fast"}),
    "espine_pcm_small_exact_0T1R": ("espine_pcm", {**_SMALL, "tile.access_device": "0T1R",
                                                   "tile.access_resistance_ohm": 0.0}),
    "espine_pcm_fast_1T1R": ("espine_pcm", {**_SMALL, "crossbar.ir_drop_method": "fast"}),
    "rram_inference": ("rram_inference", {}),
    "reference_column": ("espine_pcm", {"tile.crossbar_rows": 20, "tile.crossbar_columns": 13,
                                        "device.weight_encoding": "reference_column"}),
    "no_row_wire": ("espine_pcm", {**_SMALL, "crossbar.wire_resistance_row_ohm": 0.0}),
    "no_driver_no_access": ("espine_pcm", {**_SMALL, "crossbar.driver_resistance_ohm": 0.0,
                                           "tile.access_resistance_ohm": 0.0}),
    "no_write_verify": ("espine_pcm", {**_SMALL, "crossbar.ir_drop_compensation": "none"}),
    "ideal_device_ir_drop": ("espine_pcm", {**_SMALL, "device.type": "ideal", "device.levels": None,
                                             "device.write_endurance": {"law": "none"}}),
    "ideal_signed_ir_drop": ("espine_pcm", {**_SMALL, "device.type": "ideal", "device.levels": None,
                                             "device.write_endurance": {"law": "none"},
                                             "device.weight_encoding": "signed"}),
}


def _hw(name):
    base, changes = CONFIGS[name]
    return hw_variant(base, **changes)


def _weights(hw, rng, rows, cols):
    W = rng.uniform(-1.0, 1.0, (rows, cols)) * hw.device.weight_scale
    mask = rng.random((rows, cols)) < 0.6
    return W * mask, mask


class _Reference:
    """The whole-array semantics of CrossbarState.rebuild, in plain NumPy."""

    def __init__(self, hw, st):
        self.hw, self.st = hw, st
        self.G_full = st.G_full.copy()
        self.G_built = st.phys.conductances.copy()
        self.p = device_params(hw)
        R = hw.tile.crossbar_rows
        if st.cells is None:
            self.sl = (np.repeat(np.arange(st.R_used), st.layout.n), np.tile(st.layout.phys, st.R_used))
        else:
            self.sl = (st.cells[0], st.layout.phys[st.cells[1]])
        self.R = R

    def rebuild(self, g):
        self.G_full[self.sl] = g.reshape(-1)
        G, old = self.G_full, self.G_built
        rel = self.hw.crossbar.effective_weight_rebuild_rel
        floor = 1e-12 * max(self.p.delta_g, np.abs(old).max(initial=0.0), 1e-300)
        changed = np.abs(G - old) > rel * np.maximum(np.abs(old), floor)
        if not changed.any():
            return False
        if self.hw.tile.access_device == "0T1R":
            self.G_built = G.copy()
        else:
            rows = np.flatnonzero(changed.any(axis=1))
            self.G_built[rows] = G[rows]
        return True

    def physics(self):
        """(g_app, v_cell, i_row, W) of a whole solve of the built conductances, without the compiled rows."""
        G = self.G_built
        hw = self.hw
        if hw.tile.access_device == "1T1R":
            r = circuit_resistances(hw)
            v_read = hw.crossbar.read_voltage_v
            v_cell, i_col, i_row = single_row_reads(G, v_read, r["r_wire_row"], r["r_wire_col"], r["r_driver"],
                                                    r["r_sense"], r["r_access"],
                                                    _allow_negative=self.p.encoding == "signed")
            g_app = i_col / v_read
            return g_app, v_cell, i_row, decode_conductances(self.p, g_app)
        ph = CrossbarPhysics(hw, G)
        return ph.effective_conductances(), ph.read_cell_voltage(), ph.row_read_current(), ph.effective_weights()

    def check(self, st):
        g_app, v_cell, i_row, W = self.physics()
        hw = self.hw
        G = self.G_built[self.sl]
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = np.where(G != 0, g_app[self.sl] / np.where(G != 0, G, 1.0), 1.0)
        if hw.device.type == "ideal":
            energy = np.zeros(self.R)
        else:
            energy = hw.crossbar.read_voltage_v * i_row * hw.crossbar.read_pulse_s * 1e12
        def same(a, b):                                 # bit for bit (signed zeros included)
            b = np.ascontiguousarray(b)
            return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))
        got_alpha = st.alpha.reshape(-1) if st.cells is None else st.alpha_cells
        got_v = st.v_cell.reshape(-1) if st.cells is None else st.v_cells
        assert same(st.G_full, self.G_full)
        assert same(st.phys.conductances, self.G_built)
        assert same(st.W_eff, W)
        assert same(got_alpha, alpha)
        assert same(got_v, v_cell[self.sl])
        assert same(st.row_energy, energy[: st.R_used])


def _states(hw, seed, cells_mode):
    rng = np.random.default_rng(seed)
    R_used = hw.tile.crossbar_rows - 3
    n_log = max(1, hw.neurons_per_crossbar - 2)
    W, mask = _weights(hw, rng, R_used, n_log)
    B = eph.BlockLayout(hw, n_log).n
    cells = None
    if cells_mode:
        keep = rng.random((R_used, B)) < 0.7
        cr, cb = np.nonzero(keep)
        cells = (cr, cb)
    st = CrossbarState(hw, 0, R_used, n_log, W, mask, np.random.default_rng(seed), cells=cells)
    return st, rng


def _step(rng, g, built, rel):
    """New conductances: a few cells moved beyond the tolerance, some below it, some set back to their
    built value, the rest as they were."""
    g = g.copy()
    n = g.size
    k = int(rng.integers(1, 4))
    big = rng.choice(n, size=min(k, n), replace=False)
    g[big] *= 1 + rng.choice([-1, 1], big.size) * rng.uniform(5, 200, big.size) * rel
    small = rng.choice(n, size=min(3, n), replace=False)
    g[small] *= 1 + rng.uniform(-0.4, 0.4, small.size) * rel
    if rng.random() < 0.5:                             # around the tolerance
        near = rng.choice(n, size=min(2, n), replace=False)
        g[near] = built[near] * (1 + rng.choice([-1, 1], near.size) * rng.uniform(0.6, 1.6, near.size) * rel)
    if rng.random() < 0.3:
        back = rng.choice(n, size=min(2, n), replace=False)
        g[back] = built[back]
    return g


@pytest.mark.parametrize("cells_mode", [True, False], ids=["cells", "block"])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_restricted_rebuild_equals_whole_rebuild(name, cells_mode):
    hw = _hw(name)
    st, rng = _states(hw, 3, cells_mode)
    assert st.phys is not None
    ref = _Reference(hw, st)
    ref.check(st)
    rel = hw.crossbar.effective_weight_rebuild_rel
    g = st.G_cells.copy() if cells_mode else st.G_block.copy()
    built = g.copy()
    flat = g.reshape(-1)
    n_true = 0
    for t in range(40 if hw.tile.crossbar_rows <= 32 else 12):
        flat = _step(rng, flat, built.reshape(-1), rel)
        G_in = flat.reshape(g.shape)
        got = st.rebuild(G_in)
        want = ref.rebuild(flat)
        assert got == want
        n_true += got
        ref.check(st)
        built = ref.G_built[ref.sl].reshape(g.shape)
    assert n_true > 0
    # unchanged input: nothing to do
    assert st.rebuild(flat.reshape(g.shape)) is False
    ref.check(st)


def test_sub_threshold_drift_accumulates_until_rebuild():
    """Cells that moved below the tolerance are remembered (against the last build, not the last call)
    and trigger a rebuild once their total move passes it; a rebuilt row adopts them all."""
    hw = _hw("no_write_verify")
    st, rng = _states(hw, 5, True)
    ref = _Reference(hw, st)
    rel = hw.crossbar.effective_weight_rebuild_rel
    g = st.G_cells.copy()
    i = 7
    rebuilt = []
    for _ in range(8):
        g[i] *= 1 + 0.4 * rel
        rebuilt.append(st.rebuild(g))
        assert rebuilt[-1] == ref.rebuild(g)
        ref.check(st)
    assert rebuilt[:2] == [False, False] and any(rebuilt)


def test_signed_zero_and_exact_values_land_like_a_whole_assignment():
    hw = _hw("no_write_verify")
    st, rng = _states(hw, 6, True)
    ref = _Reference(hw, st)
    g = st.G_cells.copy()
    g[:5] *= 1.5                                       # rebuild these rows
    assert st.rebuild(g) == ref.rebuild(g) is True
    ref.check(st)
    g2 = g.copy()
    assert st.rebuild(g2) is False and ref.rebuild(g2) is False
    ref.check(st)


@pytest.mark.parametrize("bad", [np.nan, -1e-6, np.inf])
def test_bad_conductances_raise_as_before(bad):
    hw = _hw("no_write_verify")
    st, _ = _states(hw, 7, True)
    g = st.G_cells.copy()
    g[3] = bad
    with pytest.raises(ValueError, match="G_new"):
        st.rebuild(g)
    g[3] = st.G_cells[3] * 2                           # a valid value afterwards is adopted normally
    ref = _Reference(hw, st)
    ref.G_built = st.phys.conductances.copy()
    assert st.rebuild(g) == ref.rebuild(g)
    ref.check(st)


def test_other_shapes_take_the_whole_path():
    hw = _hw("no_write_verify")
    st, _ = _states(hw, 8, False)
    ref = _Reference(hw, st)
    G = np.full(st.layout.n, hw.device.g_max_s * 0.5)   # broadcast over the block's rows
    whole = np.broadcast_to(G, (st.R_used, st.layout.n)).copy()
    assert st.rebuild(G) == ref.rebuild(whole) is True
    ref.check(st)
    whole[1, 0] *= 3
    assert st.rebuild(whole) == ref.rebuild(whole) is True     # back on the restricted path
    ref.check(st)


@pytest.mark.parametrize("C, enc", [(C, enc) for C in (2, 3, 16, 128)
                                    for enc in ("signed", "differential", "reference_column")
                                    if not (enc == "differential" and C % 2)])   # pairs need even C
@pytest.mark.parametrize("r_drv, r_acc", [(100.0, 500.0), (0.0, 0.0), (37.5, 0.0)])
def test_compiled_rows_equal_numpy_ladder(C, r_drv, r_acc, enc):
    from neurosim._core.crossbar_rows import solve_rows
    ideal = {"device.type": "ideal", "device.levels": None, "device.write_endurance": {"law": "none"}}
    hw = hw_variant("espine_pcm", **{"tile.crossbar_rows": 9, "tile.crossbar_columns": C,
                                      "device.weight_encoding": enc, **(ideal if enc == "signed" else {})})
    p = device_params(hw)
    rng = np.random.default_rng(C)
    R = 9
    G = rng.uniform(-1e-4 if enc == "signed" else 0.0, 1e-4, (R, C))
    G[0, 0] = 0.0
    v_read = 0.2
    args = (1.3, 3.0, r_drv, 100.0, r_acc)
    v_ref, i_ref, ir_ref = single_row_reads(G, v_read, *args, _allow_negative=True)
    W_ref = decode_conductances(p, i_ref / v_read)
    for rows in (np.arange(R), np.array([4]), np.array([0, 3, 8])):
        Gb = np.zeros((R, C))
        v = np.full((R, C), -7.0)
        ga = np.full((R, C), -7.0)
        am = np.full(R, -7.0)
        W = np.full(W_ref.shape, -7.0)
        code = {"signed": 0, "differential": 1, "reference_column": 2}[enc]
        i_col = solve_rows(Gb, rows.astype(np.int64), G, am, v_read, *args, v, ga, W, code, p.scale, p.delta_g)
        same = lambda a, b: np.array_equal(a.view(np.int64), np.ascontiguousarray(b).view(np.int64))
        assert same(Gb[rows], G[rows]) and same(i_col, i_ref[rows]) and same(v[rows], v_ref[rows])
        assert same(ga[rows], i_ref[rows] / v_read) and same(W[rows], W_ref[rows])
        assert same(i_col.sum(axis=1), ir_ref[rows]) and same(am[rows], np.abs(G[rows]).max(axis=1))
        others = np.setdiff1d(np.arange(R), rows)
        assert np.all(v[others] == -7.0) and np.all(W[others] == -7.0)


def test_simulate_identical_with_whole_rebuilds(monkeypatch):
    """The engine's results with the restricted rebuild equal those of the whole-array path."""
    from test_engine import chip, small_net
    cases = [(small_net(15, plastic=True, ticks=60, rate=0.3),
              chip("espine_pcm", noc__mesh_width=2, noc__mesh_height=2)),
             (small_net(15, plastic=True, ticks=15, rate=0.3),
              chip("espine_pcm", noc__mesh_width=4, noc__mesh_height=4, tile__access_device="0T1R",
                   tile__access_resistance_ohm=0.0, tile__crossbar_rows=16, tile__crossbar_columns=16))]
    for wl, hw in cases:
        m = ns.map_workload(wl, hw, "sequential")
        rec = ("spikes", "weights", "effective_weights")
        a = ns.simulate(wl, hw, m, record=rec)
        with monkeypatch.context() as mp:
            mp.setattr(CrossbarState, "rebuild", CrossbarState._rebuild_whole)
            b = ns.simulate(wl, hw, m, record=rec)
        assert a.counts["weight_rebuilds"] > 0 and a.counts == b.counts and a.energy_pj == b.energy_pj
        assert np.array_equal(a.spikes, b.spikes)
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.effective_weights, b.effective_weights)
        for x, y in zip(a.crossbars, b.crossbars):
            assert np.array_equal(x.cell_conductance, y.cell_conductance)
