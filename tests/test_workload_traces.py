"""The shipped workloads in traces/: load, exact round trip, regeneration, recorded numbers."""
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from neurosim.workload import load_workload, save_workload, summary
from neurosim.workload.library import CATALOG, build
from neurosim.workload.reference_lif import accuracy, simulate_lif

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT / "traces"
SHIPPED = [n for n, s in CATALOG.items() if not s.get("generated")]


def manifest(name):
    return yaml.safe_load((TRACES / name / "manifest.yaml").read_text())


def test_catalogue_is_complete_and_small():
    names = sorted(p.name for p in TRACES.iterdir() if (p / "manifest.yaml").is_file())
    assert names == sorted(CATALOG)
    assert len(names) >= 8
    total = sum(f.stat().st_size for d in TRACES.iterdir() if d.is_dir() and not d.name.startswith(".")
                for f in d.iterdir() if f.is_file())
    assert total < 15e6


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_trace_round_trips_exactly(name, tmp_path):
    m = manifest(name)
    assert m["description"] and m["family"] and m["generator"]["name"] and m["generator"]["params"]
    wl = load_workload(TRACES / name)
    assert wl.content_hash() == m["content_hash"]
    save_workload(wl, tmp_path / name)
    back = load_workload(tmp_path / name)
    assert back.content_hash() == wl.content_hash()
    for k, v in {**wl.network.arrays(), **wl.arrays()}.items():
        w = {**back.network.arrays(), **back.arrays()}[k]
        assert v.dtype == w.dtype and v.shape == w.shape and v.tobytes() == w.tobytes(), k
    assert back.metadata == wl.metadata


@pytest.mark.parametrize("name", ["synth_1000", "synth_layered", "cuba_4000"])
def test_regeneration_is_deterministic(name):
    wl, _ = build(name)
    assert wl.content_hash() == manifest(name)["content_hash"]


@pytest.mark.parametrize("name", ["diehl_cook", "smoothing", "edge_detection"])
def test_regeneration_of_digit_based_traces(name):
    pytest.importorskip("sklearn", reason="scikit-learn provides the 8x8 digits these traces use")
    wl, _ = build(name)
    assert wl.content_hash() == manifest(name)["content_hash"]


def test_digits_accuracy_is_reproduced_by_reference():
    wl = load_workload(TRACES / "digits")
    recorded = manifest("digits")["metadata"]["accuracy"]
    assert recorded > 0.8
    assert wl.n_samples >= 300 and wl.labels is not None
    assert accuracy(wl) == pytest.approx(recorded, abs=1e-12)


def test_reference_activity_recorded_in_manifests():
    for name in ("cuba_4000", "synth_layered"):
        wl = load_workload(TRACES / name)
        t, n = simulate_lif(wl)
        act = manifest(name)["metadata"]["reference_activity"]
        assert act["synaptic_events"] == int(wl.network.fan_out()[n].sum())
        counts = np.bincount(wl.network.population_of[n], minlength=len(wl.network.population_names))
        assert act["spikes"] == dict(zip(wl.network.population_names, counts.tolist()))


def test_cuba_4000_matches_its_specification():
    wl = load_workload(TRACES / "cuba_4000")
    c = wl.network
    assert [(p.name, p.size, p.is_input) for p in c.populations] == [
        ("in", 1000, True), ("exc", 3200, False), ("inh", 800, False)]
    lif = ~c.is_input
    assert np.all(c.leak[lif] == 29 / 32) and np.all(c.threshold[lif] == 1.0)
    assert np.all(c.v_reset[lif] == 0.0) and np.all(c.refractory[lif] == 0)
    assert np.all(c.delay == 1) and not c.plastic.any()
    pre = c.pre
    assert not np.any(pre == c.post), "no autapses"
    assert np.all(c.weight[pre < 1000] == 10 / 64)
    assert np.all(c.weight[(pre >= 1000) & (pre < 4200)] == 4 / 64)
    assert np.all(c.weight[pre >= 4200] == -28 / 64)
    p_rec = np.count_nonzero(pre >= 1000) / (4000 * 3999)
    p_in = np.count_nonzero(pre < 1000) / (1000 * 4000)
    assert abs(p_rec - 0.02) < 0.001 and abs(p_in - 0.02) < 0.001
    assert wl.n_ticks == 1000 and abs(wl.n_input_spikes / (1000 * 1000) - 0.02) < 0.002


def test_synth_1000_is_all_to_all():
    c = load_workload(TRACES / "synth_1000").network
    assert [p.size for p in c.populations] == [500, 500, 500]
    assert c.n_synapses == 2 * 500 * 500
    assert np.all(c.fan_in()[500:] == 500) and np.all(c.fan_out()[:1000] == 500)


def test_diehl_cook_structure():
    c = load_workload(TRACES / "diehl_cook").network
    inp, exc, inh = (c.population(n) for n in ("input", "exc", "inh"))
    pre, post = c.pre, c.post
    from_in = pre < inp.stop
    assert np.all(c.plastic == from_in) and np.count_nonzero(from_in) == inp.size * exc.size
    e2i = (pre >= exc.start) & (pre < exc.stop)
    np.testing.assert_array_equal(post[e2i] - inh.start, pre[e2i] - exc.start)
    i2e = pre >= inh.start
    assert np.count_nonzero(i2e) == inh.size * (exc.size - 1) and np.all(c.weight[i2e] < 0)
    assert not np.any(post[i2e] - exc.start == pre[i2e] - inh.start)


def test_sizes_span_hundreds_to_100k():
    sizes = {n: manifest(n)["counts"]["neurons"] for n in CATALOG}
    assert min(sizes.values()) < 500 and max(sizes.values()) >= 100_000


def test_large_100k_generated_deterministically(tmp_path, monkeypatch):
    # isolate from caches other tests or users built: a private copy of the manifest and private cache dirs
    monkeypatch.setenv("NEUROSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    trace = tmp_path / "large_100k"
    trace.mkdir()
    shutil.copy(TRACES / "large_100k" / "manifest.yaml", trace / "manifest.yaml")
    m = manifest("large_100k")
    assert m["generated"] is True and "arrays" not in m
    a = load_workload(trace, cache=False)
    assert not (tmp_path / "cache").exists()
    b = load_workload(trace)          # builds and writes the cache
    c = load_workload(trace)          # reads the cache
    assert a.content_hash() == b.content_hash() == c.content_hash() == m["content_hash"]
    assert len(list((tmp_path / "cache" / "workloads").iterdir())) == 1
    s = summary(c)
    assert s["neurons"] >= 100_000 and s["max_fan_in"] <= 100
    assert c.name == "large_100k" and c.metadata["generator"]["name"] == "sparse_layered"
