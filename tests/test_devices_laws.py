"""Device laws: write endurance, Jiang read disturb (against the published figures), temperature, maps."""
import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.config.schema import ExponentialVoltage, JiangReadDisturb, PowerLawCurrent, ThermalActivated
from neurosim.devices import (crossbar_maps, drifted_conductance, endurance_from_current, onset_reads,
                              program_crossbar, reads_to_tolerance, read_endurance_map, temperature_map,
                              write_endurance_map)

from _crossbar_helpers import hw_variant

JIANG = JiangReadDisturb(law="jiang")
T_READ = 1e-8

# docs/references.md#read-disturb: reads to onset with 10 ns reads at 300 K
PUBLISHED_ONSET = [(0.2, 0, 1e10), (0.3, 0, 4e6), (0.4, 0, 2.4e4), (0.5, 0, 850), (0.2, 1e4, 1.5e6)]


def jiang_by_hand(v, n_cycles):
    """The published equations with the published parameters, written out independently."""
    kT = 1.380649e-23 * 300.0 / 1.602176634e-19
    p = 0.0068 * math.exp(0.11 * v / kT)
    t_tr = 1.55e-8 * 1.43339 ** (1 / p) * (1 - 0.003 * n_cycles ** 0.41) ** (1 / p)
    return t_tr / T_READ


@pytest.mark.parametrize("v, n, published", PUBLISHED_ONSET)
def test_jiang_onset_matches_published_figures(v, n, published):
    got = float(onset_reads(JIANG, v, T_READ, prior_cycles=n))
    assert got == pytest.approx(jiang_by_hand(v, n), rel=1e-6)
    assert published / 1.25 < got < published * 1.25        # published figures are rounded: within 25 %


def test_jiang_directions():
    base = float(reads_to_tolerance(JIANG, 0.3, T_READ))
    assert float(reads_to_tolerance(JIANG, 0.35, T_READ)) < base            # higher voltage
    assert float(reads_to_tolerance(JIANG, 0.3, T_READ, prior_cycles=1e3)) < base   # more cycling
    assert float(reads_to_tolerance(JIANG, 0.3, T_READ, temperature_k=350.0)) < base   # hotter
    assert float(reads_to_tolerance(JIANG, 0.3, T_READ, temperature_k=280.0)) > base
    assert float(reads_to_tolerance(JIANG, 0.3, T_READ, g_rel=0.1)) > base   # lower stored level lasts longer
    assert float(reads_to_tolerance(JIANG, 0.3, T_READ)) > float(onset_reads(JIANG, 0.3, T_READ))


def test_jiang_tolerance_and_drift_consistent():
    n_rd = float(reads_to_tolerance(JIANG, 0.4, T_READ))
    onset = float(onset_reads(JIANG, 0.4, T_READ))
    G = drifted_conductance(JIANG, 1e-5, [0, onset * 0.99, n_rd * 0.999, n_rd * 1.001], 0.4, T_READ)
    assert G[0] == G[1] == 1e-5
    assert abs(1 - G[2] / 1e-5) < JIANG.drift_tolerance_rel < abs(1 - G[3] / 1e-5)


def test_jiang_beyond_range():
    n_limit = (1 / JIANG.k) ** (1 / JIANG.m)          # k·N^m = 1, about 1.4e6 cycles
    assert 1e6 < n_limit < 2e6
    assert float(onset_reads(JIANG, 0.2, T_READ, prior_cycles=n_limit * 1.01)) == 0.0
    assert float(reads_to_tolerance(JIANG, 0.2, T_READ, prior_cycles=n_limit * 1.01)) == 0.0
    g = drifted_conductance(JIANG, 1e-5, [0, 5], 0.2, T_READ, prior_cycles=n_limit * 2)
    assert g[0] == 1e-5 and g[1] == pytest.approx(1e-5 * (1 - JIANG.drift_tolerance_rel))


def test_write_endurance_laws():
    I = np.array([1e-4, 2e-4, 4e-4])
    pw = PowerLawCurrent(law="power_current", current_ref_a=2e-4, endurance_ref_cycles=1e7, exponent=2.0)
    np.testing.assert_allclose(endurance_from_current(pw, I, 1e3), [4e7, 1e7, 2.5e6])
    ev = ExponentialVoltage(law="exp_voltage", voltage_ref_v=1.0, decades_per_volt=4.0, endurance_ref_cycles=1e6)
    # cell voltage = I·R_cell: 0.5, 1.0, 2.0 V
    np.testing.assert_allclose(endurance_from_current(ev, I, 5e3), [1e8, 1e6, 1e2])
    th = ThermalActivated(law="thermal", activation_energy_ev=0.6, reference_temperature_k=400.0,
                          thermal_resistance_k_per_w=1e6, endurance_ref_cycles=1e7)
    E = endurance_from_current(th, I, 2.5e3, ambient_k=300.0)      # T = 300 + 1e6·I²·2500 = 325, 400, 700 K
    assert E[1] == pytest.approx(1e7)
    assert E[2] == pytest.approx(1e7 * math.exp(0.6 / 8.617333262e-5 * (1 / 700 - 1 / 400)))
    for law in (pw, ev, th):
        assert np.all(np.diff(endurance_from_current(law, I, 2.5e3)) < 0)   # more current, shorter life


def test_espine_endurance_map_shape():
    hw = ns.load_hardware("espine_pcm")
    E = write_endurance_map(hw)
    R, C = E.shape
    assert (R, C) == (128, 128)
    assert np.unravel_index(E.argmin(), E.shape) == (R - 1, 0)      # near driver and sense amplifier
    assert np.unravel_index(E.argmax(), E.shape) == (0, C - 1)
    assert np.all(np.diff(E, axis=1) > 0) and np.all(np.diff(E, axis=0) < 0)
    assert 1.05 < E.max() / E.min() < 10      # eSpine-like asymmetry, not extreme (thermal law, E_a = 0.5 eV: 3.95x)


def test_endurance_spread_seeded():
    hw = hw_variant("espine_pcm", **{"device.write_endurance.spread_sigma_ln": 0.3})
    E1 = write_endurance_map(hw, np.random.default_rng(3))
    E2 = write_endurance_map(hw, np.random.default_rng(3))
    assert np.array_equal(E1, E2)
    med = write_endurance_map(hw_variant("espine_pcm"))
    assert np.std(np.log(E1 / med)) == pytest.approx(0.3, rel=0.05)
    with pytest.raises(ValueError, match="rng"):
        write_endurance_map(hw)


def test_endurance_of_a_block_of_cells():
    hw = hw_variant("espine_pcm", **{"device.write_endurance.spread_sigma_ln": 0.2})
    from neurosim.crossbar import program_current
    from neurosim.devices import write_endurance
    I = program_current(hw)[:10, :6]
    a = write_endurance(hw, I, np.random.default_rng(1))
    b = write_endurance_map(hw, I, np.random.default_rng(1))       # (hw, currents, rng) form
    assert a.shape == (10, 6) and np.array_equal(a, b)
    with pytest.raises(ValueError, match="rng"):
        write_endurance_map(hw, "seed")


def test_no_wear_is_infinite():
    hw = ns.load_hardware("ideal")
    assert np.all(np.isinf(write_endurance_map(hw)))


def test_temperature_map():
    hw = hw_variant("rram_inference", **{"tile.crossbar_rows": 5, "tile.crossbar_columns": 6,
                                         "device.temperature.self_heating": True,
                                         "device.temperature.thermal_resistance_k_per_w": 1e5,
                                         "device.temperature.neighbour_coupling": 0.1})
    P = np.zeros((5, 6))
    P[2, 3] = 1e-4
    T = temperature_map(hw, P)
    assert T[2, 3] == pytest.approx(310.0)
    assert T[1, 3] == T[3, 3] == T[2, 2] == T[2, 4] == pytest.approx(301.0)
    assert T[0, 0] == 300.0
    with pytest.raises(ValueError, match="power_w"):
        temperature_map(hw, -P)


def test_read_endurance_map_follows_ir_drop():
    hw = ns.load_hardware("rram_inference")
    G = program_crossbar(hw, np.full((128, 64), 0.5))
    maps = crossbar_maps(hw, G)
    V = maps.v_read_cell_v
    N = maps.read_endurance_reads
    # same stored level, different read voltage: the cell with the highest voltage fails first
    col = 0
    assert np.argmin(N[:, col]) == np.argmax(V[:, col])
    assert np.all(maps.read_onset_reads <= N)
    hot = read_endurance_map(hw, G, V, temperature_k=np.full(G.shape, 330.0))
    assert np.all(hot < N)


def test_plot_crossbar_map():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    from neurosim.devices import plot_crossbar_map
    ax = plot_crossbar_map(write_endurance_map(ns.load_hardware("espine_pcm")), title="E", marked_rows=[3], marked_cols=[5])
    assert ax.get_title() == "E"


# --- espine_pcm's PCM write-endurance law against published numbers (docs/references.md#write-endurance) ---
# The expected values below are the papers' numbers, not outputs of neurosim:
GST_MELTING_K = 900.0          # Ge2Sb2Te5 melts at ~900 K (~600-630 °C): Burr et al. JVST B 2010; Wong et al.
                               # Proc. IEEE 2010; Le Gallo & Sebastian J. Phys. D 2020 (page numbers unverified)
RESET_CURRENT_A = 0.5e-3       # "high current (~0.5 mA) presently required for ... RESET": Chen & Pop, IEEE TED
RESET_VOLTAGE_V = 1.0          # 56(7) 2009, p. 1523 (introduction), with programming at "low (~1 V) voltages"


def _espine_thermal():
    hw = ns.load_hardware("espine_pcm")
    law = hw.device.write_endurance
    assert law.law == "thermal"
    from neurosim.crossbar import program_current
    return hw, law, program_current(hw), hw.device.program_cell_resistance_ohm


def test_espine_thermal_reference_is_the_gst_melting_point():
    _, law, _, _ = _espine_thermal()
    assert abs(law.reference_temperature_k - GST_MELTING_K) <= 30.0


def test_espine_reset_currents_are_the_published_reset_current():
    _, _, I, _ = _espine_thermal()
    # every cell's RESET current within a factor 2 of the published ~0.5 mA
    assert RESET_CURRENT_A / 2 <= I.min() and I.max() <= RESET_CURRENT_A * 2


def test_espine_thermal_resistance_matches_the_published_reset_point():
    hw, law, _, _ = _espine_thermal()
    # a cell that melts at ~0.5 mA and ~1 V: R_th ≈ (T_m − T_amb)/(I·V) = 600 K / 0.5 mW = 1.2e6 K/W
    r_th_published = (GST_MELTING_K - hw.device.temperature.ambient_k) / (RESET_CURRENT_A * RESET_VOLTAGE_V)
    assert r_th_published / 2 <= law.thermal_resistance_k_per_w <= r_th_published * 2


def test_espine_reset_melts_every_cell():
    hw, law, I, r_cell = _espine_thermal()
    T = hw.device.temperature.ambient_k + law.thermal_resistance_k_per_w * I ** 2 * r_cell
    assert T.min() >= GST_MELTING_K        # a RESET must melt the cell, the farthest one included
    assert np.unravel_index(T.argmax(), T.shape) == (T.shape[0] - 1, 0)    # hottest next to driver and sense


def test_espine_thermal_endurance_by_hand():
    """Arrhenius in the peak temperature, written out independently of neurosim.devices."""
    hw, law, I, r_cell = _espine_thermal()
    E = write_endurance_map(hw)
    kb = 8.617333262e-5
    for (i, j) in [(0, 0), (0, 127), (127, 0), (127, 127), (64, 64)]:
        T = 300.0 + law.thermal_resistance_k_per_w * float(I[i, j]) ** 2 * r_cell
        by_hand = law.endurance_ref_cycles * math.exp(law.activation_energy_ev / kb * (1 / T - 1 / law.reference_temperature_k))
        assert E[i, j] == pytest.approx(by_hand, rel=1e-12)
    # a cell exactly at the melting point has the reference endurance
    i_melt = math.sqrt((law.reference_temperature_k - 300.0) / (law.thermal_resistance_k_per_w * r_cell))
    assert float(endurance_from_current(law, i_melt, r_cell, 300.0)) == pytest.approx(law.endurance_ref_cycles)


def test_pcm_endurance_falls_with_reset_current():
    # stuck-SET by elemental segregation grows with RESET current (IBM, VLSI-TSA 2012): direction only —
    # Goux et al. (IEEE TED 2009) saw no faster degradation at higher RESET current in a line cell, so no
    # published magnitude is asserted here
    _, law, I, r_cell = _espine_thermal()
    currents = np.linspace(I.min(), I.max(), 20)
    assert np.all(np.diff(endurance_from_current(law, currents, r_cell, 300.0)) < 0)


def test_shipped_level_counts_are_the_published_ones():
    assert ns.load_hardware("espine_pcm").device.levels == 16        # 4-bit PCM: Nirschl et al., IEDM 2007
    assert ns.load_hardware("rram_inference").device.levels == 8     # 8 HfOx states: Yao et al., Nature 2020
