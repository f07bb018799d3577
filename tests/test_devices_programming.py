"""Weight encodings, quantisation, variation and stuck-at faults."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.devices import (apply_wearout, decode_conductances, device_params, encode_weights,
                              program_crossbar, quantise)

from _crossbar_helpers import hw_variant, random_weights


@pytest.mark.parametrize("enc, cols", [("differential", 8), ("reference_column", 7)])
def test_encode_decode_roundtrip(enc, cols):
    hw = hw_variant("rram_inference", **{"tile.crossbar_rows": 5, "tile.crossbar_columns": cols,
                                         "device.weight_encoding": enc, "device.levels": None})
    rng = np.random.default_rng(0)
    W = random_weights(hw, rng, 0.7)
    G = encode_weights(hw, W)
    assert G.shape == (5, cols) and G.min() >= hw.device.g_min_s - 1e-18 and G.max() <= hw.device.g_max_s + 1e-18
    np.testing.assert_allclose(decode_conductances(hw, G), W, atol=1e-12)
    if enc == "differential":
        assert np.all(G[:, 0::2][W <= 0] == hw.device.g_min_s)
    else:
        assert np.all(G[:, -1] == device_params(hw).g_mid)
        assert np.all(G[:, :-1][W == 0] == device_params(hw).g_mid)   # no synapse: the zero-weight level


def test_clipping_and_quantisation():
    hw = ns.load_hardware("espine_pcm")
    W = np.zeros((128, 64))
    W[0, :3] = [5.0, -5.0, 0.5]
    G = program_crossbar(hw, W)
    p = device_params(hw)
    assert G[0, 0] == p.g_max and G[0, 3] == p.g_max      # clipped to +-scale
    levels = p.g_min + np.arange(p.levels) * p.delta_g / (p.levels - 1)
    assert np.all(np.min(np.abs(G.ravel()[:, None] - levels[None, :]), axis=1) < 1e-18)
    assert np.all(quantise(hw, G) == G)
    assert abs(decode_conductances(hw, G)[0, 2] - 0.5) <= 0.5 / (p.levels - 1) + 1e-12


def test_variation_and_faults_seeded():
    hw = hw_variant("rram_inference", **{"device.variation.d2d_sigma_rel": 0.05, "device.variation.c2c_sigma_rel": 0.01,
                                         "device.faults.stuck_at_rate": 0.05, "device.levels": 4})
    W = random_weights(hw, np.random.default_rng(1))
    G1 = program_crossbar(hw, W, np.random.default_rng(7))
    G2 = program_crossbar(hw, W, np.random.default_rng(7))
    G3 = program_crossbar(hw, W, np.random.default_rng(8))
    assert np.array_equal(G1, G2) and not np.array_equal(G1, G3)
    assert G1.min() >= hw.device.g_min_s and G1.max() <= hw.device.g_max_s
    assert 0.02 < np.mean(G1 == hw.device.g_min_s) < 0.9
    with pytest.raises(ValueError, match="rng"):
        program_crossbar(hw, W)


def test_wearout():
    hw = ns.load_hardware("espine_pcm")
    G = np.full((2, 2), 1e-5)
    G2, worn = apply_wearout(hw, G, [[0, 10], [5, 5]], [[1, 10], [6, 4]])
    assert worn.tolist() == [[False, True], [False, True]]
    assert G2[0, 1] == hw.device.g_max_s and G2[0, 0] == 1e-5


def test_bad_weights_shape():
    hw = ns.load_hardware("espine_pcm")
    with pytest.raises(ValueError, match="W_logical"):
        program_crossbar(hw, np.zeros((129, 64)))
