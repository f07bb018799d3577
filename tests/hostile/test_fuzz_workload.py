"""Fuzzing the trace reader: whatever a manifest or an arrays file holds, ``load_workload`` returns a
Workload or raises WorkloadError, nothing else; generator parameters and NIR files likewise.

Runs in-process (hypothesis), with ``NEUROSIM_MEMORY_LIMIT`` at 1 GiB so that a mutation asking for
terabytes is refused by the memory check rather than by the machine.
"""
from __future__ import annotations

import os
import random
import shutil
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurosim.workload import Workload, WorkloadError, load_workload

from .cases_workload import npy_bytes, save_small, stored, zip_bytes
from .docpaths import del_path, set_path

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def memory_limit():
    old = os.environ.get("NEUROSIM_MEMORY_LIMIT")
    os.environ["NEUROSIM_MEMORY_LIMIT"] = "1G"
    yield
    if old is None:
        os.environ.pop("NEUROSIM_MEMORY_LIMIT", None)
    else:
        os.environ["NEUROSIM_MEMORY_LIMIT"] = old


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A small valid trace (folder ``t`` inside the returned folder)."""
    root = tmp_path_factory.mktemp("fuzz")
    save_small(root)
    assert isinstance(load_workload(root / "t"), Workload)
    return root / "t"


def load_outcome(path: Path):
    """The one promise: a Workload or a WorkloadError."""
    try:
        return load_workload(path)
    except WorkloadError as e:
        msg = str(e)
        assert msg and "\n" not in msg, msg            # one line, as the command line prints it
        assert len(msg) < 2000, msg[:300]              # a hostile value never floods the message
        OUTCOMES[type(e).__name__] = OUTCOMES.get(type(e).__name__, 0) + 1
        return e


#: Outcome counts of this run (for a look with ``-s``; the tests assert only the promise).
OUTCOMES: dict = {}


def copy_of(good: Path) -> tuple[tempfile.TemporaryDirectory, Path]:
    d = tempfile.TemporaryDirectory()
    target = Path(d.name) / "t"
    shutil.copytree(good, target)
    return d, target


# ----------------------------------------------------------------------------- manifest mutations
def key_paths(obj, prefix=()):
    """Every key path of a nested dict/list manifest, parents included."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(prefix + (k,))
            out += key_paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.append(prefix + (i,))
            out += key_paths(v, prefix + (i,))
    return out


VALUES = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.sampled_from([0, 1, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 63, 10 ** 12, 10 ** 400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 1e-320]),
    st.text(max_size=12),
    st.sampled_from(["../../x", "/etc/passwd", "a\0b", "", ".", "..", "x" * 3000, "\x1b[31m"]),
    st.lists(st.integers(min_value=-5, max_value=2 ** 40), max_size=3),
    st.dictionaries(st.sampled_from(["array", "name", "x"]), st.sampled_from(["weight", "leak", 1]), max_size=2),
)


@FUZZ
@given(data=st.data())
def test_mutated_manifest_loads_or_refuses(good, data):
    m = yaml.safe_load((good / "manifest.yaml").read_text())
    paths = key_paths(m)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        action = data.draw(st.sampled_from(["set", "set", "set", "delete", "extra"]), label="action")
        path = data.draw(st.sampled_from(paths), label="path")
        try:
            if action == "set":
                set_path(m, path, data.draw(VALUES, label="value"))
            elif action == "delete":
                del_path(m, path)
            else:
                set_path(m, path[:-1] + ("extra_key",), data.draw(VALUES, label="value"))
        except (KeyError, IndexError, TypeError):
            continue               # an earlier mutation removed or retyped this path's parent
    d, t = copy_of(good)
    with d:
        (t / "manifest.yaml").write_text(yaml.safe_dump(m, sort_keys=False, allow_unicode=False))
        load_outcome(t)


# ----------------------------------------------------------------------------- arrays mutations
@FUZZ
@given(cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_npz(good, cut):
    d, t = copy_of(good)
    with d:
        raw = (t / "arrays.npz").read_bytes()
        (t / "arrays.npz").write_bytes(raw[:int(len(raw) * cut)])
        assert isinstance(load_outcome(t), WorkloadError)


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flipped_npz(good, flips):
    d, t = copy_of(good)
    with d:
        raw = bytearray((t / "arrays.npz").read_bytes())
        for where, bit in flips:
            raw[int(len(raw) * where)] ^= 1 << bit
        (t / "arrays.npz").write_bytes(bytes(raw))
        load_outcome(t)


def members_of(good: Path) -> dict:
    with np.load(good / "arrays.npz") as z:
        return {k: z[k] for k in z.files}


DTYPES = st.sampled_from(["<f8", "<f4", "<i4", "<i8", "<i2", "|b1", ">f8", ">i4", "<u8", "<c16", "|u1"])


@FUZZ
@given(data=st.data())
def test_wrong_or_extra_members(good, data):
    arrays = members_of(good)
    members = {f"{k}.npy": npy_bytes(v) for k, v in arrays.items()}
    names = sorted(members)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        kind = data.draw(st.sampled_from(["dtype", "shape", "extra", "duplicate", "drop", "2d", "fortran"]),
                         label="kind")
        name = data.draw(st.sampled_from(names), label="member")
        if name not in members:
            continue
        arr = np.load(__import__("io").BytesIO(members[name]))
        if kind == "dtype":
            members[name] = npy_bytes(arr.astype(data.draw(DTYPES, label="dtype")))
        elif kind == "shape":
            n = data.draw(st.integers(0, 3 * max(arr.size, 1)), label="n")
            members[name] = npy_bytes(np.resize(arr, n))
        elif kind == "extra":
            members[data.draw(st.sampled_from(["x.npy", "../evil.npy", "weight", "a/b.npy"]), label="extra")] = \
                npy_bytes(np.arange(3))
        elif kind == "duplicate":
            members = dict(members)
            dup = [{"name": name, "payload": npy_bytes(np.resize(arr, 2))}]
            d, t = copy_of(good)
            with d:
                (t / "arrays.npz").write_bytes(zip_bytes(stored(members) + dup))
                assert isinstance(load_outcome(t), WorkloadError)
            return
        elif kind == "drop":
            members.pop(name)
        elif kind == "2d":
            members[name] = npy_bytes(np.resize(arr, (2, max(arr.size, 1))))
        else:
            members[name] = npy_bytes(np.asfortranarray(np.resize(arr, (max(arr.size, 1), 1))))
    compress = data.draw(st.booleans(), label="deflate")
    listing = []
    for k, payload in members.items():
        if compress:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            listing.append({"name": k, "payload": c.compress(payload) + c.flush(), "method": 8,
                            "crc": zlib.crc32(payload), "size": len(payload)})
        else:
            listing.append({"name": k, "payload": payload})
    d, t = copy_of(good)
    with d:
        (t / "arrays.npz").write_bytes(zip_bytes(listing))
        load_outcome(t)


@FUZZ
@given(data=st.data())
def test_changed_values_with_matching_checksums(good, data):
    """Array values anywhere in range, with the manifest's checksums updated so that only the
    network's and the workload's own checks stand between the values and the engine."""
    from neurosim.workload.hashing import array_sha256

    arrays = {k: v.copy() for k, v in members_of(good).items()}
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        k = data.draw(st.sampled_from(sorted(arrays)), label="array")
        a = arrays[k]
        if a.size == 0:
            continue
        i = data.draw(st.integers(0, a.size - 1), label="index")
        if a.dtype.kind == "f":
            a[i] = data.draw(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                       st.sampled_from([1e308, -1e308, 1e-300, 0.0])), label="value")
        elif a.dtype.kind == "b":
            a[i] = not a[i]
        else:
            info = np.iinfo(a.dtype)
            a[i] = data.draw(st.one_of(st.integers(int(info.min), int(info.max)),
                                       st.sampled_from([int(info.min), int(info.max), -1, 0])), label="value")
    d, t = copy_of(good)
    with d:
        np.savez_compressed(t / "arrays.npz", **arrays)
        m = yaml.safe_load((t / "manifest.yaml").read_text())
        for k, v in arrays.items():
            m["arrays"]["entries"][k]["sha256"] = array_sha256(v)
        (t / "manifest.yaml").write_text(yaml.safe_dump(m, sort_keys=False))
        load_outcome(t)


def test_reads_no_more_than_declared(good):
    """A member whose stream inflates far beyond its declared size costs only the declared size."""
    import resource

    from .cases_workload import bomb_lying

    d = tempfile.TemporaryDirectory()
    with d:
        bomb_lying(Path(d.name))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert isinstance(load_outcome(Path(d.name) / "t"), WorkloadError)
        grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert grown_mib < 200, grown_mib


# ----------------------------------------------------------------------------- generator parameters
@FUZZ
@given(data=st.data())
def test_generator_params_checked_before_running(data):
    from neurosim.workload.library import GENERATORS, resolved_params
    from neurosim.workload.library.params import RULES, check_params

    gen = data.draw(st.sampled_from(sorted(GENERATORS)), label="generator")
    params = {}
    for _ in range(data.draw(st.integers(1, 3), label="n")):
        key = data.draw(st.one_of(st.sampled_from(sorted(RULES[gen])), st.text(max_size=6)), label="key")
        params[key] = data.draw(VALUES, label="value")
    try:
        out = check_params(gen, params, resolved_params(gen, {}), lambda key: "manifest.yaml")
    except WorkloadError as e:
        assert "generator.params" in str(e)
    else:
        assert set(out) == set(RULES[gen])


# ----------------------------------------------------------------------------- NIR files
@pytest.fixture(scope="module")
def nir_file(tmp_path_factory):
    nir = pytest.importorskip("nir")
    g = nir.NIRGraph(
        nodes={"in": nir.Input({"input": np.array([2])}), "fc": nir.Linear(np.ones((3, 2))),
               "lif": nir.LIF(tau=np.full(3, 10.0), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3)),
               "out": nir.Output({"output": np.array([3])})},
        edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")])
    p = tmp_path_factory.mktemp("nir") / "ok.nir"
    nir.write(p, g)
    return p


def _nir_edits():
    def replace(key, value):
        def fn(f):
            del f[key]
            f[key] = value
        return fn

    def huge(f):
        del f["node/nodes/fc/weight"]
        f.create_dataset("node/nodes/fc/weight", shape=(200_000, 200_000), dtype="f8")

    return {
        "tau-missing": lambda f: f["node/nodes/lif"].__delitem__("tau"),
        "tau-text": replace("node/nodes/lif/tau", np.array([b"a", b"b", b"c"])),
        "tau-nan": lambda f: f["node/nodes/lif/tau"].__setitem__(Ellipsis, np.nan),
        "tau-negative": lambda f: f["node/nodes/lif/tau"].__setitem__(Ellipsis, -1.0),
        "threshold-inf": lambda f: f["node/nodes/lif/v_threshold"].__setitem__(Ellipsis, np.inf),
        "weight-inf": lambda f: f["node/nodes/fc/weight"].__setitem__(Ellipsis, np.inf),
        "weight-3d": replace("node/nodes/fc/weight", np.ones((3, 2, 2))),
        "weight-shape": replace("node/nodes/fc/weight", np.ones((4, 2))),
        "weight-huge": huge,
        "type-unknown": replace("node/nodes/lif/type", b"Bogus"),
        "edge-unknown-node": replace("node/edges", np.array([[b"in", b"zz"]])),
        "edges-empty": replace("node/edges", np.zeros((0, 2), dtype="S2")),
        "input-shape-zero": lambda f: f["node/nodes/in/shape"].__setitem__(Ellipsis, 0),
        "input-shape-huge": replace("node/nodes/in/shape", np.array([10 ** 12])),
        "input-shape-text": replace("node/nodes/in/shape", np.array([b"x"])),
    }


@pytest.mark.parametrize("edit", sorted(_nir_edits()))
def test_malformed_nir_file(nir_file, tmp_path, edit):
    h5py = pytest.importorskip("h5py")
    from neurosim.workload.nir_import import from_nir

    p = tmp_path / f"{edit}.nir"
    shutil.copy(nir_file, p)
    with h5py.File(p, "r+") as f:
        _nir_edits()[edit](f)
    try:
        from_nir(p)
    except WorkloadError as e:
        assert str(p) in str(e), str(e)


@pytest.mark.parametrize("content", [b"", b"hello", b"\x89HDF\r\n\x1a\n" + bytes(100)])
def test_non_nir_file(tmp_path, content):
    from neurosim.workload.nir_import import from_nir

    p = tmp_path / "x.nir"
    p.write_bytes(content)
    with pytest.raises(WorkloadError, match="x.nir"):
        from_nir(p)


def test_nir_truncated(nir_file, tmp_path):
    from neurosim.workload.nir_import import from_nir

    raw = nir_file.read_bytes()
    rng = random.Random(3)
    for cut in sorted(rng.sample(range(1, len(raw)), 10)):
        p = tmp_path / f"cut{cut}.nir"
        p.write_bytes(raw[:cut])
        with pytest.raises(WorkloadError, match=f"cut{cut}.nir"):
            from_nir(p)
