"""neurosim's ``loihi_like`` against SANA-FE's Loihi model with equal per-event energies
(docs/validation_energy.md). Needs a python with ``sanafe`` in ``NEUROSIM_SANAFE_PYTHON``; skipped
(with the reason) otherwise, so the normal suite does not need sanafe."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

# loaded by path: benchmarks/ is not put on sys.path (its networks.py would shadow other modules)
_spec = importlib.util.spec_from_file_location(
    "compare_sanafe_energy", Path(__file__).resolve().parents[1] / "benchmarks" / "compare_sanafe_energy.py")
cse = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = cse
_spec.loader.exec_module(cse)

PY = os.environ.get("NEUROSIM_SANAFE_PYTHON")
WHY = cse.sanafe_available(PY)
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"SANA-FE comparison not run: {WHY}")

EXACT = ("neuron_updates", "spikes_out", "input_spikes", "deliveries (messages)", "synaptic_events")


@pytest.fixture(scope="module", params=["synth_layered", "smoothing"])
def result(request):
    ticks = 300 if request.param == "smoothing" else None
    r = cse.compare(request.param, PY, ticks=ticks)
    assert "skipped" not in r, r
    return r


def test_same_spikes(result):
    s = result["spikes"]
    assert s["neurosim"] > 0
    assert s["only_neurosim"] == 0 and s["only_sanafe"] == 0, s


def test_same_event_counts(result):
    ns, sf = result["events"]["neurosim"], result["events"]["sanafe"]
    for k in EXACT:
        assert ns[k] == sf[k], (k, ns[k], sf[k])
    assert ns["partial_sum_packets"] == 0


def test_dynamic_energy_within_10_percent(result):
    d = result["dynamic_pj_per_inference"]
    assert abs(d["ratio"] - 1.0) <= 0.10, d
    en, es = result["energy_pj_per_inference"]["neurosim"], result["energy_pj_per_inference"]["sanafe"]
    for k in ("neuron_update", "spike_out", "noc_local_delivery", "row_peripherals"):
        assert en[k] == pytest.approx(es[k], rel=1e-9, abs=1e-6), k
    assert abs(result["sanafe_soma_check_pj"]) <= 1e-6 * max(1.0, es["neuron_update"])


def test_hops_follow_placement_on_many_cores():
    """cuba_4000 (48 crossbars, first 100 ticks): both simulators' hop counters equal the hops the
    placement predicts; the topologies differ (16 x 8 one-core routers vs 8 x 4 four-core tiles),
    so hop energy differs, but dynamic energy stays within 10 %."""
    r = cse.compare("cuba_4000", PY, ticks=100)
    assert r["spikes"]["only_neurosim"] == 0 and r["spikes"]["only_sanafe"] == 0
    for side in ("neurosim", "sanafe"):
        ev = r["events"][side]
        assert ev["link_hops_EW"] == ev["geometry: hops_EW"] and ev["link_hops_NS"] == ev["geometry: hops_NS"], side
    assert r["events"]["neurosim"]["ejection_hops"] == r["events"]["neurosim"]["geometry: messages"]
    for k in EXACT:
        assert r["events"]["neurosim"][k] == r["events"]["sanafe"][k], k
    assert abs(r["dynamic_pj_per_inference"]["ratio"] - 1.0) <= 0.10
