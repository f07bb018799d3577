"""Trace format: exact round trip, refusal to overwrite, and one clear WorkloadError per defect."""
import os
import warnings

import numpy as np
import pytest
import yaml

from neurosim.workload import Network, STDPRule, Workload, WorkloadError, load_workload, save_workload
from neurosim.workload.hashing import array_sha256
from neurosim.workload.io import save_generated_manifest
from neurosim.workload.library import resolved_params
from neurosim.workload.library.synthetic import layered_all_to_all


def make_wl():
    rng = np.random.default_rng(1)
    net = Network(name="io")
    i = net.add_input("in", 8)
    a = net.add_population("a", 6, threshold=rng.uniform(1, 2, 6), leak=0.75, refractory=2)
    b = net.add_population("b", 3, threshold=1.0, leak=np.array([0.5, 0.6, 0.7]), v_reset=-0.25)
    net.connect(i, a, weights=rng.normal(size=(8, 6)) * (rng.random((8, 6)) < 0.7),
                delay=rng.integers(1, 5, (8, 6)))
    net.connect(a, b, weights=rng.normal(size=(6, 3)), delay=2, stdp=STDPRule(a_plus=0.02))
    net.connect(b, a, weights=-np.ones((3, 6)) * 0.125, delay=1)
    return Workload(net, inputs={"in": rng.random((40, 8)) < 0.3}, labels=[3, 1, 4, 1],
                    sample_ticks=[8, 8, 8, 8], sample_starts=[0, 10, 20, 30], name="io",
                    metadata={"description": "test trace", "family": "unit", "accuracy": 0.5,
                              "nested": {"k": [1, 2, 3]}})


@pytest.fixture()
def trace(tmp_path):
    path = tmp_path / "io"
    save_workload(make_wl(), path)
    return path


def assert_same(a, b):
    assert a.content_hash() == b.content_hash()
    na, nb = a.network.arrays(), b.network.arrays()
    assert list(na) == list(nb)
    for k in na:
        assert na[k].dtype == nb[k].dtype and na[k].tobytes() == nb[k].tobytes(), k
    for k, v in a.arrays().items():
        assert v.dtype == b.arrays()[k].dtype and v.tobytes() == b.arrays()[k].tobytes(), k
    assert a.network.population_names == b.network.population_names
    assert a.n_ticks == b.n_ticks and a.name == b.name


def test_round_trip_exact(trace):
    wl = make_wl()
    back = load_workload(trace)
    assert_same(wl, back)
    assert back.metadata["description"] == "test trace" and back.metadata["nested"] == {"k": [1, 2, 3]}
    assert_same(wl, load_workload(trace / "manifest.yaml"))
    # and again through a second save
    save_workload(back, trace.parent / "again")
    assert_same(wl, load_workload(trace.parent / "again"))
    m = yaml.safe_load((trace / "manifest.yaml").read_text())
    assert m["format"] == "neurosim-workload" and m["format_version"] == 1
    assert m["populations"][2]["leak"] == {"array": "leak"} and m["populations"][2]["threshold"] == 1.0


def test_save_refuses_to_overwrite(trace, tmp_path):
    with pytest.raises(WorkloadError, match="already exists; pass overwrite=True"):
        save_workload(make_wl(), trace)
    save_workload(make_wl(), trace, overwrite=True)
    load_workload(trace)
    user_dir = tmp_path / "mine"
    user_dir.mkdir()
    (user_dir / "notes.txt").write_text("precious")
    with pytest.raises(WorkloadError, match="not a neurosim trace"):
        save_workload(make_wl(), user_dir, overwrite=True)
    assert (user_dir / "notes.txt").read_text() == "precious"
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(WorkloadError, match="not a trace directory"):
        save_workload(make_wl(), f, overwrite=True)


# ----------------------------------------------------------------------------- helpers
def edit_manifest(path, fn):
    m = yaml.safe_load((path / "manifest.yaml").read_text())
    fn(m)
    (path / "manifest.yaml").write_text(yaml.safe_dump(m, sort_keys=False))


def edit_arrays(path, fn, fix_checksums=True):
    with np.load(path / "arrays.npz") as z:
        arrays = {k: z[k] for k in z.files}
    fn(arrays)
    np.savez_compressed(path / "arrays.npz", **arrays)
    if fix_checksums:
        def fix(m):
            m["arrays"]["entries"] = {
                k: {"dtype": v.dtype.str, "shape": list(v.shape), "sha256": array_sha256(v)}
                for k, v in arrays.items()
            }
        edit_manifest(path, fix)


def expect(path, match, name="manifest.yaml"):
    with pytest.raises(WorkloadError) as e:
        load_workload(path)
    msg = str(e.value)
    assert name in msg, msg
    assert __import__("re").search(match, msg), msg
    return msg


# --------------------------------------------------------------------- manifest defects
def test_missing_path(tmp_path):
    expect(tmp_path / "nope", "no such trace", name="nope")
    (tmp_path / "empty").mkdir()
    expect(tmp_path / "empty", "no manifest.yaml inside", name="empty")


@pytest.mark.parametrize("key", ["populations", "counts", "arrays", "content_hash", "n_ticks", "name"])
def test_missing_manifest_key(trace, key):
    edit_manifest(trace, lambda m: m.pop(key))
    expect(trace, f"missing manifest key '{key}'")


def test_wrong_format_version(trace):
    edit_manifest(trace, lambda m: m.update(format_version=2))
    expect(trace, "unsupported format_version 2")


def test_wrong_format_name(trace):
    edit_manifest(trace, lambda m: m.update(format="something-else"))
    expect(trace, "'format' must be 'neurosim-workload'")


def test_invalid_yaml(trace):
    (trace / "manifest.yaml").write_text("format: neurosim-workload\nname: [unclosed\n")
    expect(trace, r"manifest.yaml:\d+: invalid YAML")


def test_manifest_not_mapping(trace):
    (trace / "manifest.yaml").write_text("- 1\n- 2\n")
    expect(trace, "must be a YAML mapping")


def test_counts_mismatch(trace):
    edit_manifest(trace, lambda m: m["counts"].update(synapses=1))
    expect(trace, r"counts.synapses' says 1")


def test_content_hash_mismatch(trace):
    edit_manifest(trace, lambda m: m.update(content_hash="0" * 64))
    expect(trace, "content_hash does not match")


def test_population_param_wrong_type(trace):
    edit_manifest(trace, lambda m: m["populations"][1].update(leak="fast"))
    expect(trace, r"populations\[1\].leak': expected a number")


def test_population_param_pointer_to_missing_array(trace):
    edit_manifest(trace, lambda m: m["populations"][1].update(v_reset={"array": "v_reset"}))
    expect(trace, "points to array 'v_reset', which is not in the trace")


def test_population_sizes_disagree_with_arrays(trace):
    edit_manifest(trace, lambda m: m["populations"][2].update(size=4))
    expect(trace, "populations hold 18 neurons but arrays.npz array 'indptr' has 18 entries")


def test_bad_stdp_rule(trace):
    edit_manifest(trace, lambda m: m["stdp_rules"][0].update(tau_plus=0.0))
    expect(trace, r"stdp_rules\[0\]': STDPRule: tau_plus")


def test_entry_dtype_mismatch(trace):
    edit_manifest(trace, lambda m: m["arrays"]["entries"]["post"].update(dtype="<i8"))
    expect(trace, r"arrays.entries.post.dtype': expected '<i4'")


def test_unknown_array_entry(trace):
    edit_manifest(trace, lambda m: m["arrays"]["entries"].update(extra={"dtype": "<i4", "shape": [1], "sha256": "x"}))
    expect(trace, "arrays.entries.extra': unknown array name")


def test_arrays_file_outside_trace(trace):
    edit_manifest(trace, lambda m: m["arrays"].update(file="../elsewhere.npz"))
    expect(trace, "arrays.file': expected a file name inside the trace directory")


# ------------------------------------------------------------------------ npz defects
def test_missing_npz(trace):
    os.remove(trace / "arrays.npz")
    expect(trace, "array file missing", name="arrays.npz")


def test_unreadable_npz(trace):
    (trace / "arrays.npz").write_bytes(b"this is not a zip file at all")
    expect(trace, "not an npz file", name="arrays.npz")


def test_truncated_npz(trace):
    data = (trace / "arrays.npz").read_bytes()
    (trace / "arrays.npz").write_bytes(data[: len(data) // 2])
    expect(trace, "not an npz file", name="arrays.npz")


def test_checksum_mismatch(trace):
    edit_arrays(trace, lambda a: a["weight"].__setitem__(0, a["weight"][0] + 1.0), fix_checksums=False)
    expect(trace, "checksum mismatch for array 'weight'", name="arrays.npz")


def test_array_missing_from_npz(trace):
    edit_arrays(trace, lambda a: a.pop("delay"), fix_checksums=False)
    expect(trace, "array 'delay' listed in manifest.yaml is missing", name="arrays.npz")


def test_shape_differs_from_manifest(trace):
    def fix(a):
        a["labels"] = a["labels"][:2]
    edit_arrays(trace, fix, fix_checksums=False)
    expect(trace, r"array 'labels' is <i4 \[2\], manifest says <i4 \[4\]", name="arrays.npz")


def test_array_length_mismatch(trace):
    edit_arrays(trace, lambda a: a.update(weight=a["weight"][:-1]))
    expect(trace, r"arrays.entries.weight.shape': array 'weight' has 67 entries but 'post' has 68")


def test_indptr_not_monotone(trace):
    def fix(a):
        ip = a["indptr"].copy()
        ip[3], ip[4] = ip[4], ip[3] - 1 if ip[3] > 0 else 0
        ip[3] = ip[4] + 2
        a["indptr"] = ip
    edit_arrays(trace, fix)
    expect(trace, "'indptr' is not monotone", name="arrays.npz")


def test_indptr_whose_differences_wrap_is_not_monotone(trace):
    """int64 offsets near +-2**62: subtracting them wraps to a positive "increase"; the check compares
    instead (the fuzzer found np.repeat crashing the process on such offsets)."""
    edit_arrays(trace, lambda a: a["indptr"].__setitem__(slice(1, 3), [2 ** 62, -2 ** 62 - 5]))
    expect(trace, "'indptr' is not monotone", name="arrays.npz")


def test_post_out_of_range(trace):
    edit_arrays(trace, lambda a: a["post"].__setitem__(-1, 999))
    expect(trace, r"'post' has neuron id 999 out of range \[0, 17\)", name="arrays.npz")


def test_post_on_input_neuron(trace):
    def fix(a):
        a["post"][a["indptr"][8]] = 0  # first synapse of neuron 8 (in population a) -> input 0
    edit_arrays(trace, fix)
    expect(trace, "input neuron 0 cannot be postsynaptic|strictly increasing", name="arrays.npz")


def test_delay_below_one(trace):
    edit_arrays(trace, lambda a: a["delay"].__setitem__(2, 0))
    expect(trace, r"'delay' must be >= 1 tick, found 0", name="arrays.npz")


def test_input_spike_on_non_input_neuron(trace):
    edit_arrays(trace, lambda a: a["input_neurons"].__setitem__(0, 10))
    expect(trace, "input spike on non-input neuron 10", name="arrays.npz")


def test_input_tick_out_of_range(trace):
    edit_arrays(trace, lambda a: a["input_ticks"].__setitem__(-1, 40))
    expect(trace, r"'input_ticks' has tick 40 out of range \[0, 40\)", name="arrays.npz")


def test_unsorted_input_spikes(trace):
    def fix(a):
        a["input_ticks"] = a["input_ticks"][::-1].copy()
        a["input_neurons"] = a["input_neurons"][::-1].copy()
    edit_arrays(trace, fix)
    expect(trace, r"sorted by \(tick, neuron\)", name="arrays.npz")


def test_stdp_index_out_of_table(trace):
    def fix(a):
        k = int(np.flatnonzero(a["plastic"])[0])
        a["stdp_rule"][k] = 5
    edit_arrays(trace, fix)
    expect(trace, "outside the table of 1 rules", name="arrays.npz")


def test_labels_without_samples(trace):
    def fix(a):
        a.pop("sample_starts")
        a.pop("sample_ticks")
    edit_arrays(trace, fix)
    expect(trace, "'labels' stored without", name="arrays.npz")


# ------------------------------------------------------------------- generated traces
SMALL = {"n_input": 30, "layers": [20, 10], "ticks": 15, "name": "gen_small"}


def test_generated_manifest_builds_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROSIM_CACHE_DIR", str(tmp_path / "cache"))
    params = resolved_params("layered_all_to_all", SMALL)
    wl = layered_all_to_all(**params)
    gen = {"name": "layered_all_to_all", "params": params}
    save_generated_manifest(wl, tmp_path / "gen_small", gen)
    assert not (tmp_path / "gen_small" / "arrays.npz").exists()
    a = load_workload(tmp_path / "gen_small")
    entries = list((tmp_path / "cache" / "workloads").iterdir())
    assert len(entries) == 1 and (entries[0] / "manifest.yaml").is_file()
    b = load_workload(tmp_path / "gen_small")  # from the cache
    assert_same(a, b)
    assert a.content_hash() == wl.content_hash()
    # a damaged cache entry is ignored (with a warning) and rebuilt
    (entries[0] / "arrays.npz").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="damaged workload cache entry"):
        c = load_workload(tmp_path / "gen_small")
    assert_same(a, c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_workload(tmp_path / "gen_small")


def test_generated_manifest_hash_mismatch_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROSIM_CACHE_DIR", str(tmp_path / "cache"))
    params = resolved_params("layered_all_to_all", SMALL)
    save_generated_manifest(layered_all_to_all(**params), tmp_path / "g",
                            {"name": "layered_all_to_all", "params": params})
    edit_manifest(tmp_path / "g", lambda m: m["generator"]["params"].update(seed=1))
    expect(tmp_path / "g", "built a workload whose content hash")


def test_generated_manifest_unknown_generator(tmp_path):
    params = resolved_params("layered_all_to_all", SMALL)
    save_generated_manifest(layered_all_to_all(**params), tmp_path / "g",
                            {"name": "layered_all_to_all", "params": params})
    edit_manifest(tmp_path / "g", lambda m: m["generator"].update(name="nonesuch"))
    expect(tmp_path / "g", "unknown generator 'nonesuch'")
    edit_manifest(tmp_path / "g", lambda m: m["generator"].update(name="layered_all_to_all", params={"bogus": 1}))
    expect(tmp_path / "g", "generator.params': generator 'layered_all_to_all' has no parameter 'bogus'")


def test_manifest_errors_name_the_line(trace):
    edit_manifest(trace, lambda m: m["populations"][1].__setitem__("size", -4))
    lines = (trace / "manifest.yaml").read_text().splitlines()
    # the line of the second population entry's size (computed from the file, not assumed)
    pop_start = next(i for i, ln in enumerate(lines) if ln.startswith("populations:"))
    items = [i for i in range(pop_start + 1, len(lines)) if lines[i].lstrip().startswith("- ")]
    size_line = next(i for i in range(items[1], len(lines)) if "size:" in lines[i]) + 1
    msg = expect(trace, r"key 'populations\[1\]\.size': expected an integer >= 1")
    assert f"manifest.yaml:{size_line}:" in msg, msg


# ------------------------------------------------------------------- hostile input (issue 13)
def test_memory_refusal_is_a_workload_and_a_resource_error(trace, monkeypatch):
    from neurosim.errors import ResourceLimitError

    monkeypatch.setenv("NEUROSIM_MEMORY_LIMIT", "3k")
    with pytest.raises(WorkloadError) as e:
        load_workload(trace)
    assert isinstance(e.value, ResourceLimitError)
    assert "arrays.npz" in str(e.value) and "NEUROSIM_MEMORY_LIMIT=3k" in str(e.value)


def test_population_of_1e12_neurons_refused_before_allocation(trace):
    edit_manifest(trace, lambda m: m["populations"][2].update(size=10 ** 12))
    expect(trace, r"key 'populations': 1,000,000,000,014 neurons needs about")


@pytest.mark.parametrize("value, match", [(True, "expected an integer, got True"), (40.0, "expected an integer"),
                                          (2 ** 31, r"\[1, 2,147,483,647\]")])
def test_n_ticks_must_be_a_plain_integer(trace, value, match):
    edit_manifest(trace, lambda m: m.update(n_ticks=value))
    expect(trace, match)


def test_inf_threshold_in_manifest_names_the_key(trace):
    edit_manifest(trace, lambda m: m["populations"][2].update(threshold=float("inf")))
    expect(trace, r"populations\[2\].threshold': expected a finite number, got inf")


def test_lying_zip_member_reads_only_what_it_declares(tmp_path):
    from tests.hostile.cases_workload import bomb_lying

    bomb_lying(tmp_path)
    import time
    start = time.perf_counter()
    expect(tmp_path / "t", "array 'weight'", name="arrays.npz")
    assert time.perf_counter() - start < 5


def test_pickled_member_refused(tmp_path):
    from tests.hostile.cases_workload import pickled_member

    pickled_member(tmp_path)
    expect(tmp_path / "t", "holds Python objects", name="arrays.npz")


def test_weight_beyond_fixed_point_range_names_synapse(trace):
    def fix(a):
        a["weight"][4] = 1e308
    edit_arrays(trace, fix)
    msg = expect(trace, r"synapse \d+ -> \d+ has weight 1e\+308; neuron \d+ has the largest in-degree", name="arrays.npz")
    assert "at most" in msg


def test_fixed_point_bits_refuses_instead_of_overflowing():
    from neurosim.crossbar.currents import fixed_point_bits

    net = make_wl().network
    huge = type("N", (), {"n_synapses": net.n_synapses, "weight": np.full(net.n_synapses, 1e308),
                          "post": net.post, "stdp_rules": None})()
    with pytest.raises(ValueError, match="currents hold at most"):
        fixed_point_bits(huge, where="w")
    tiny = type("N", (), {"n_synapses": net.n_synapses, "weight": np.full(net.n_synapses, 1e-300),
                          "post": net.post, "stdp_rules": None})()
    with pytest.raises(ValueError, match="resolve nothing"):
        fixed_point_bits(tiny, where="w")


@pytest.mark.parametrize("name", ["../../escape", "/tmp/x", "", ".hidden", "a/b", "x" * 200, 7])
def test_generated_name_must_be_a_safe_file_name(tmp_path, monkeypatch, name):
    monkeypatch.setenv("NEUROSIM_CACHE_DIR", str(tmp_path / "cache"))
    params = resolved_params("layered_all_to_all", SMALL)
    save_generated_manifest(layered_all_to_all(**params), tmp_path / "g",
                            {"name": "layered_all_to_all", "params": params})
    edit_manifest(tmp_path / "g", lambda m: m.update(name=name))
    expect(tmp_path / "g", "key 'name': a generated trace's name names its cache entry")
    assert not (tmp_path / "cache").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]


@pytest.mark.parametrize("params, match", [
    ({"n_input": 10 ** 12}, r"generator.params.n_input': expected an integer in \[1, 2,147,483,647\]"),
    ({"layers": [10 ** 6, 10 ** 6]}, "generator.params': generator 'layered_all_to_all' with these parameters needs"),
    ({"input_rate": float("nan")}, "generator.params.input_rate': expected a finite number"),
    ({"ticks": "many"}, "generator.params.ticks': expected an integer, got 'many'"),
])
def test_generator_params_refused_before_the_generator_runs(tmp_path, monkeypatch, params, match):
    import neurosim.workload.library as lib

    monkeypatch.setenv("NEUROSIM_CACHE_DIR", str(tmp_path / "cache"))
    p = resolved_params("layered_all_to_all", SMALL)
    save_generated_manifest(layered_all_to_all(**p), tmp_path / "g", {"name": "layered_all_to_all", "params": p})
    edit_manifest(tmp_path / "g", lambda m: m["generator"]["params"].update(params))

    def boom(**kw):
        raise AssertionError("the generator ran")
    monkeypatch.setitem(lib.GENERATORS, "layered_all_to_all", boom)
    expect(tmp_path / "g", match)


def test_save_refuses_to_replace_a_symlink(trace, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(trace)
    with pytest.raises(WorkloadError, match="symbolic link"):
        save_workload(load_workload(trace), link, overwrite=True)
    assert link.is_symlink()
