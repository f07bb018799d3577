"""The column ADC (peripherals.adc_bits, neurosim/crossbar/adc.py): every effective weight a row read
delivers is a whole number of ADC steps of its crossbar, within half a step of the analog value,
saturations are counted, conversions cost energy and latency, and the engine and the SimPy
reference agree with the ADC in play."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.crossbar.adc import adc_lsb, adc_qmax
from neurosim.devices.gain import apply_input_gains, input_gains
from neurosim.engine.core import ADCSaturationWarning, pack, run_packed
from neurosim.engine.session import EngineOptions
from neurosim.reference import random_mapping

from test_reference_equivalence import CHIPS, PCM_SMALL, make_chip, make_workload, run_both


def digits_run(bits, **over):
    wl = ns.load_workload("traces/digits")
    hw = ns.load_hardware("rram_inference", overrides={"peripherals.adc_bits": bits, **over})
    m = ns.map_workload(wl, hw, "sequential")
    return wl, hw, m, ns.simulate(wl, hw, m, ticks=150, record=("spikes", "effective_weights"))


@pytest.mark.parametrize("bits", [3, 6])
def test_effective_weights_are_whole_adc_steps_within_half_a_step(bits):
    wl, hw, m, q = digits_run(bits)
    *_, analog = digits_run(None)
    gains = input_gains(wl.network, hw).gains
    step = adc_lsb(apply_input_gains(wl.network, gains), hw, m.synapse_crossbar)     # device units
    step = step * gains[np.asarray(wl.network.post)]                                  # network units, as reported
    codes = q.effective_weights / step
    assert np.allclose(codes, np.round(codes), atol=1e-9)
    assert np.max(np.abs(np.round(codes))) <= adc_qmax(hw) == 2 ** (bits - 1) - 1
    assert q.counts["adc_saturations"] == 0            # calibrated to the programmed weights, IR drop only lowers them
    err = np.abs(q.effective_weights - analog.effective_weights)
    assert np.all(err <= step / 2 + 1e-12)
    assert np.any(err > 0)                              # the setting does something


def test_fewer_bits_move_the_computation():
    *_, analog = digits_run(None)
    *_, three = digits_run(3)
    *_, eight = digits_run(8)
    differs = lambda r: not np.array_equal(r.spikes, analog.spikes)  # noqa: E731
    assert differs(three)
    assert abs(eight.spikes.size - analog.spikes.size) <= abs(three.spikes.size - analog.spikes.size)


def test_device_range_uses_the_whole_device_scale():
    wl, hw, m, _ = digits_run(4, **{"peripherals.adc_range": "device"})
    step = adc_lsb(wl.network, hw, m.synapse_crossbar)
    assert np.all(step == hw.device.weight_scale / 7)


def test_saturation_is_counted_and_holds_the_largest_code():
    wl, hw, m, _ = digits_run(4)
    cfg, a, s, info = pack(wl, hw, m, 50, np.random.default_rng(0))
    a["adc_lsb"] = a["adc_lsb"] * 0.05                 # a full scale far below the weights
    with pytest.warns(ADCSaturationWarning, match=r"ADC saturation: [\d,]+ effective-weight readings of 'rram_inference'"):
        res = run_packed(wl, hw, m, cfg, a, s, info, 50, {"spikes", "effective_weights"}, "cycle", EngineOptions())
    assert res.counts["adc_saturations"] > 0
    codes = res.effective_weights / a["adc_lsb"][info["syn_pos"]]
    assert np.allclose(np.abs(codes[np.abs(codes) > 6.5]), 7.0)


def test_conversions_cost_energy_and_latency():
    over = {"peripherals.adc_energy_per_conversion_pj": 0.5, "peripherals.adc_latency_cycles": 3}
    _, hw, _, base = digits_run(6)
    _, hw2, _, costly = digits_run(6, **over)
    extra = costly.energy_pj["row_peripherals"] - base.energy_pj["row_peripherals"]
    assert extra == pytest.approx(0.5 * hw.tile.crossbar_columns * costly.counts["row_reads"])
    assert np.array_equal(costly.spikes["neuron"], base.spikes["neuron"])
    busy = lambda r: int(np.sum(r.traffic_end_cycle - r.tick_start_cycle[:-1]))  # noqa: E731
    assert busy(costly) > busy(base)                    # reads take longer: the ticks' traffic ends later
    # no ADC, no conversion cost
    *_, none = digits_run(None, **over)
    *_, none0 = digits_run(None)
    assert none.energy_pj == none0.energy_pj and none.total_cycles == none0.total_cycles


@pytest.mark.parametrize("chip,d,plastic", [("pcm", PCM_SMALL, True), ("pcm_verify", {**PCM_SMALL, "period": 800}, True),
                                            ("rram_disturb", dict(w=2, h=1, cpt=2, mc="router", period=300), False)])
def test_engine_and_reference_agree_with_an_adc(chip, d, plastic):
    rng = np.random.default_rng(21)
    base = CHIPS[chip](d)
    hw = base.model_copy(update={"peripherals": base.peripherals.model_copy(
        update={"adc_bits": 4, "adc_energy_per_conversion_pj": 0.25, "adc_latency_cycles": 2})})
    wl = make_workload(rng, 6, 8, 40, plastic, 2)
    m = random_mapping(wl, hw, rng)
    res = run_both(wl, hw, m)
    assert "adc_saturations" in res.counts
