"""Hostile and broken workload traces: manifests, arrays files (zip bombs, lying headers, pickles),
networks the engine cannot hold, and generated traces whose name or parameters attack the machine.

Every case builds a small valid trace in its folder (``t/``), breaks one thing, and runs ``neurosim
info``, ``run`` or ``map`` on it. Zip archives that :mod:`zipfile` would refuse to write (duplicate
members, lying sizes, bzip2, the encryption flag) are written byte by byte by :func:`zip_bytes`.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import yaml

from .harness import Case

T = "{tmp}/t"
INFO = ["info", T]
RUN = ["run", "ideal", T, "--ticks", "5", "--no-aging", "--no-ideal", "--timing", "functional"]
MAP = ["map", "ideal", T, "--strategy", "sequential"]


# ----------------------------------------------------------------------------- building traces
def small_workload(weights_scale: float = 1.0, delay_ab: int = 2):
    """8 inputs -> a (6, per-neuron thresholds) <-> b (3, plastic synapses from a, delay ``delay_ab``),
    40 ticks, 4 samples."""
    from neurosim.workload import Network, STDPRule, Workload

    rng = np.random.default_rng(7)
    net = Network(name="hostile")
    i = net.add_input("in", 8)
    a = net.add_population("a", 6, threshold=rng.uniform(1, 2, 6), leak=0.75, refractory=2)
    b = net.add_population("b", 3, threshold=1.0, leak=0.5, v_reset=-0.25)
    net.connect(i, a, weights=weights_scale * rng.normal(size=(8, 6)) * (rng.random((8, 6)) < 0.7),
                delay=rng.integers(1, 5, (8, 6)))
    net.connect(a, b, weights=weights_scale * rng.normal(size=(6, 3)), delay=delay_ab, stdp=STDPRule(a_plus=0.02))
    net.connect(b, a, weights=-np.ones((3, 6)) * 0.125 * weights_scale, delay=1)
    return Workload(net, inputs={"in": rng.random((40, 8)) < 0.3}, labels=[3, 1, 4, 1],
                    sample_ticks=[8, 8, 8, 8], sample_starts=[0, 10, 20, 30], name="hostile")


def save_small(tmp: Path, **kw) -> Path:
    from neurosim.workload import save_workload

    return save_workload(small_workload(**kw), tmp / "t")


def read_manifest(tmp: Path) -> dict:
    return yaml.safe_load((tmp / "t" / "manifest.yaml").read_text())


def write_manifest(tmp: Path, m: dict) -> None:
    (tmp / "t" / "manifest.yaml").write_text(yaml.safe_dump(m, sort_keys=False))


def manifest(fn):
    """Setup: a small trace whose manifest ``fn(m)`` edits in place."""
    def setup(tmp):
        save_small(tmp)
        m = read_manifest(tmp)
        fn(m)
        write_manifest(tmp, m)
    return setup


def manifest_text(old: str, new: str):
    """Setup: a small trace with one exact text replacement in its manifest (for YAML ``yaml.safe_dump``
    would not write, e.g. a 400-digit integer)."""
    def setup(tmp):
        save_small(tmp)
        p = tmp / "t" / "manifest.yaml"
        text = p.read_text()
        assert old in text, old
        p.write_text(text.replace(old, new, 1))
    return setup


def arrays(fn, manifest_fn=None):
    """Setup: a small trace whose arrays ``fn(a)`` edits (and manifest ``manifest_fn(m)``); the
    manifest's entries (dtype, shape, sha256) are updated to match, so only the network's own checks
    can refuse it."""
    def setup(tmp):
        from neurosim.workload.hashing import array_sha256

        save_small(tmp)
        with np.load(tmp / "t" / "arrays.npz") as z:
            a = {k: z[k].copy() for k in z.files}
        fn(a)
        np.savez_compressed(tmp / "t" / "arrays.npz", **a)
        m = read_manifest(tmp)
        m["arrays"]["entries"] = {k: {"dtype": v.dtype.str, "shape": list(v.shape), "sha256": array_sha256(v)}
                                  for k, v in a.items()}
        if manifest_fn:
            manifest_fn(m)
        write_manifest(tmp, m)
    return setup


def npy_bytes(arr, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, **kw)
    return buf.getvalue()


def zip_bytes(members: list) -> bytes:
    """A zip archive written field by field. Each member is a dict: ``name``, ``payload`` (bytes as
    stored), optional ``method`` (0 stored, 8 deflated, 12 bzip2), ``crc``, ``size`` (declared
    uncompressed size), ``flags``; defaults describe ``payload`` honestly as stored data."""
    out, central = bytearray(), bytearray()
    for m in members:
        name = m["name"].encode()
        payload = m["payload"]
        method = m.get("method", 0)
        crc = m.get("crc", zlib.crc32(payload))
        size = m.get("size", len(payload))
        flags = m.get("flags", 0)
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 33, crc, len(payload), size,
                           len(name), 0) + name + payload
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, 0, 33, crc, len(payload),
                               size, len(name), 0, 0, 0, 0, 0, offset) + name
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + eocd)


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zeros_stream(prefix: bytes, n_mib: int) -> bytes:
    """A raw deflate stream of ``prefix`` followed by ``n_mib`` MiB of zero bytes, built from one
    compressed MiB repeated (full flushes make the pieces independent): 4 GiB costs 4 MiB and no time."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return head + piece * n_mib + b"\x03\x00"          # an empty final block ends the stream


def npz_members(tmp: Path) -> dict:
    """name -> .npy bytes of the saved small trace's arrays."""
    with np.load(tmp / "t" / "arrays.npz") as z:
        return {f"{k}.npy": npy_bytes(z[k]) for k in z.files}


def npz(fn):
    """Setup: a small trace whose arrays file is rewritten by ``fn(members) -> list of zip_bytes members``
    (``members``: name -> honest .npy bytes); the manifest stays as saved."""
    def setup(tmp):
        save_small(tmp)
        members = npz_members(tmp)
        (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(fn(members)))
    return setup


def stored(members: dict) -> list:
    return [{"name": k, "payload": v} for k, v in members.items()]


def replace_member(name, **fields):
    def fn(members):
        out = stored(members)
        for m in out:
            if m["name"] == name:
                m.update(fields)
        return out
    return fn


def fast(seconds: float):
    """A check: the refusal took less than ``seconds`` (process start included)."""
    def check(tmp, outcome):
        assert outcome.elapsed_s < seconds, f"took {outcome.elapsed_s:.1f} s"
    return check


# ----------------------------------------------------------------------------- setups needing code
def set_pop(i, **kv):
    return manifest(lambda m: m["populations"][i].update(kv))


def set_rule(**kv):
    return manifest(lambda m: m["stdp_rules"][0].update(kv))


def set_entry(name, **kv):
    return manifest(lambda m: m["arrays"]["entries"][name].update(kv))


def all_synapse_shapes(n):
    def fn(m):
        for k in ("post", "weight", "delay", "plastic", "stdp_rule"):
            m["arrays"]["entries"][k]["shape"] = [n]
    return manifest(fn)


def set_weight(k, value):
    return arrays(lambda a: a["weight"].__setitem__(k, value))


def bomb_honest(tmp):
    """The manifest and the npy header both declare 2 GiB of weights (and every synapse array to
    match); the member really inflates to 2 GiB."""
    save_small(tmp)
    n = 1 << 28
    m = read_manifest(tmp)
    for k in ("post", "weight", "delay", "plastic", "stdp_rule"):
        m["arrays"]["entries"][k]["shape"] = [n]
    write_manifest(tmp, m)
    members = npz_members(tmp)
    header = _npy_header("<f8", n)
    stream = zeros_stream(header, 2048)
    members.pop("weight.npy")
    out = stored(members) + [{"name": "weight.npy", "payload": stream, "method": 8, "crc": 0,
                              "size": len(header) + 8 * n}]
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(out))


def _npy_header(descr: str, n: int) -> bytes:
    """The .npy (version 1.0) header of a 1-d C-order array of ``n`` elements of ``descr``."""
    d = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({n},), }}"
    pad = 64 - (10 + len(d) + 1) % 64
    text = (d + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def bomb_lying(tmp):
    """The weight member declares (in its zip header and its npy header) the true weights, but its
    deflate stream goes on for 4 GiB of zeros."""
    save_small(tmp)
    members = npz_members(tmp)
    true = members.pop("weight.npy")
    n = (len(true) - 128) // 8
    header = _npy_header("<f8", n)
    stream = zeros_stream(header, 4096)
    out = stored(members) + [{"name": "weight.npy", "payload": stream, "method": 8, "crc": zlib.crc32(true),
                              "size": len(true)}]
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(out))


def bomb_header_says_big(tmp):
    """The manifest gives the true number of weights; the member's npy header says 2**28 (2 GiB) and its stream inflates to that."""
    save_small(tmp)
    members = npz_members(tmp)
    members.pop("weight.npy")
    header = _npy_header("<f8", 1 << 28)
    out = stored(members) + [{"name": "weight.npy", "payload": zeros_stream(header, 2048), "method": 8,
                              "crc": 0, "size": len(header) + (8 << 28)}]
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(out))


def zip_declares_huge(tmp):
    """The weight member's zip header declares 4 GiB uncompressed although its npy header is honest."""
    save_small(tmp)
    members = npz_members(tmp)
    out = stored(members)
    for m in out:
        if m["name"] == "weight.npy":
            m.update(payload=deflate(m["payload"]), method=8, crc=zlib.crc32(m["payload"]), size=(1 << 32) - 1)
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(out))


def pickled_member(tmp):
    save_small(tmp)
    members = npz_members(tmp)
    members["weight.npy"] = npy_bytes(np.array([{"x": 1}] * 68, dtype=object), allow_pickle=True)
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(stored(members)))


def wrong_dtype_member(tmp):
    save_small(tmp)
    members = npz_members(tmp)
    with np.load(tmp / "t" / "arrays.npz") as z:
        members["weight.npy"] = npy_bytes(z["weight"].astype("<f4"))
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(stored(members)))


def bool_byte_two(tmp):
    save_small(tmp)
    members = npz_members(tmp)
    raw = bytearray(members["plastic.npy"])
    raw[-1] = 2
    members["plastic.npy"] = bytes(raw)
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(stored(members)))


def npy_version_3(tmp):
    save_small(tmp)
    members = npz_members(tmp)
    raw = bytearray(members["delay.npy"])
    raw[6] = 3
    members["delay.npy"] = bytes(raw)
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(stored(members)))


def npy_huge_header(tmp):
    save_small(tmp)
    members = npz_members(tmp)
    d = "{'descr': '<i4', 'fortran_order': False, 'shape': (68,), " + " " * 60000 + "}\n"
    members["delay.npy"] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode()
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(stored(members)))


def many_members(tmp):
    save_small(tmp)
    members = npz_members(tmp)
    out = stored(members) + [{"name": f"junk{i}.npy", "payload": b""} for i in range(5000)]
    (tmp / "t" / "arrays.npz").write_bytes(zip_bytes(out))


def npz_is_folder(tmp):
    save_small(tmp)
    (tmp / "t" / "arrays.npz").unlink()
    (tmp / "t" / "arrays.npz").mkdir()


def generated(fn=None, params=None):
    """Setup: a ``generated: true`` manifest for a tiny layered_all_to_all workload, edited by ``fn(m)``
    (or with ``params`` merged into ``generator.params``)."""
    def setup(tmp):
        from neurosim.workload.io import save_generated_manifest
        from neurosim.workload.library import resolved_params
        from neurosim.workload.library.synthetic import layered_all_to_all

        p = resolved_params("layered_all_to_all", {"n_input": 12, "layers": [8, 4], "ticks": 10, "name": "tiny"})
        save_generated_manifest(layered_all_to_all(**p), tmp / "t", {"name": "layered_all_to_all", "params": p})
        m = read_manifest(tmp)
        if params:
            m["generator"]["params"].update(params)
        if fn:
            fn(m)
        write_manifest(tmp, m)
    return setup


def generator_as(name, params):
    def fn(m):
        m["generator"] = {"name": name, "params": params}
    return generated(fn)


def nothing_escaped(tmp, outcome):
    """No file or folder appeared beside the case folder (a name such as ``../x`` went nowhere)."""
    parent = tmp.parent
    stray = [p.name for p in parent.iterdir() if p.name.startswith(("escape", "x-"))]
    assert not stray, stray


def cached_inside(tmp, outcome):
    entries = list((tmp / ".cache" / "workloads").iterdir())
    assert len(entries) == 1 and entries[0].name.startswith("tiny-"), entries
    assert not (tmp / "t" / ".neurosim-cache").exists()


M = ("manifest.yaml",)

CASES = [
    # ----------------------------------------------------------------------- manifest numbers
    Case("n-ticks-bool", INFO, setup=manifest(lambda m: m.update(n_ticks=True)),
         names=M + ("'n_ticks'", "expected an integer", "True")),
    Case("n-ticks-float", INFO, setup=manifest(lambda m: m.update(n_ticks=40.0)),
         names=M + ("'n_ticks'", "expected an integer")),
    Case("n-ticks-huge", INFO, setup=manifest(lambda m: m.update(n_ticks=10 ** 12)),
         names=M + ("'n_ticks'", "2,147,483,647")),
    Case("n-ticks-negative", INFO, setup=manifest(lambda m: m.update(n_ticks=-3)), names=M + ("'n_ticks'",)),
    Case("n-ticks-string", INFO, setup=manifest(lambda m: m.update(n_ticks="forty")), names=M + ("'n_ticks'",)),
    Case("n-ticks-inf", INFO, setup=manifest(lambda m: m.update(n_ticks=float("inf"))),
         names=M + ("'n_ticks'", "inf")),
    Case("format-version-bool", INFO, setup=manifest(lambda m: m.update(format_version=True)),
         names=M + ("format_version", "True")),
    Case("format-version-float", INFO, setup=manifest(lambda m: m.update(format_version=1.0)),
         names=M + ("format_version",)),
    Case("generated-string", INFO, setup=manifest(lambda m: m.update(generated="no")),
         names=M + ("'generated'", "true or false")),
    Case("name-huge", INFO, setup=manifest(lambda m: m.update(name="n" * 100_000)),
         names=M + ("'name'", "at most 256"), max_lines=2),
    Case("name-escape-codes", INFO, setup=manifest(lambda m: m.update(name="\x1b[2J\x1b[31mowned")),
         names=M + ("'name'", "printable")),
    Case("content-hash-not-hex", INFO, setup=manifest(lambda m: m.update(content_hash=5)),
         names=M + ("'content_hash'", "hex")),
    Case("counts-bool", INFO, setup=manifest(lambda m: m["counts"].update(synapses=True)),
         names=M + ("'counts.synapses'", "integer")),
    Case("counts-negative", INFO, setup=manifest(lambda m: m["counts"].update(neurons=-1)),
         names=M + ("'counts.neurons'",)),
    Case("metadata-list", INFO, setup=manifest(lambda m: m.update(metadata=[1, 2])),
         names=M + ("'metadata'", "mapping")),
    # ---------------------------------------------------------------------------- populations
    Case("population-size-1e12", INFO, setup=set_pop(2, size=10 ** 12), names=M + ("'populations'", "neurons", "needs about")),
    Case("population-size-1e12-run", RUN, setup=set_pop(2, size=10 ** 12), names=M + ("'populations'", "needs about")),
    Case("population-size-int32", INFO, setup=set_pop(2, size=2 ** 31),
         env={"NEUROSIM_MEMORY_LIMIT": "1T"}, names=M + ("'populations'", "int32")),
    Case("population-size-bool", INFO, setup=set_pop(1, size=True), names=M + ("'populations[1].size'",)),
    Case("population-size-zero", INFO, setup=set_pop(1, size=0), names=M + ("'populations[1].size'", ">= 1")),
    Case("population-size-float", INFO, setup=set_pop(1, size=6.0), names=M + ("'populations[1].size'",)),
    Case("population-start-negative", INFO, setup=set_pop(0, start=-8), names=M + ("'populations[0].start'",)),
    Case("population-start-overlap", INFO, setup=set_pop(1, start=0),
         names=M + ("'populations[1].start'", "expected 8", "contiguous")),
    Case("population-start-gap", INFO, setup=set_pop(2, start=100), names=M + ("'populations[2].start'", "expected 14")),
    Case("population-name-duplicate", INFO, setup=set_pop(2, name="a"), names=M + ("'populations[2].name'", "twice")),
    Case("population-name-empty", INFO, setup=set_pop(1, name=""), names=M + ("'populations[1].name'",)),
    Case("population-input-string", INFO, setup=set_pop(0, input="yes"), names=M + ("'populations[0].input'",)),
    Case("threshold-inf", INFO, setup=set_pop(2, threshold=float("inf")),
         names=M + ("'populations[2].threshold'", "finite", "inf")),
    Case("threshold-nan", INFO, setup=set_pop(2, threshold=float("nan")), names=M + ("'populations[2].threshold'", "nan")),
    Case("threshold-string", INFO, setup=set_pop(2, threshold="1.0"), names=M + ("'populations[2].threshold'", "a number")),
    Case("threshold-bool", INFO, setup=set_pop(2, threshold=True), names=M + ("'populations[2].threshold'",)),
    Case("v-reset-400-digits", INFO, setup=manifest_text("v_reset: -0.25", "v_reset: -" + "9" * 400),
         names=M + ("'populations[2].v_reset'", "finite")),
    Case("leak-above-one", INFO, setup=set_pop(2, leak=1.5), names=M + ("'populations[2].leak'", "[0.0, 1.0]")),
    Case("leak-minus-inf", INFO, setup=set_pop(2, leak=float("-inf")), names=M + ("'populations[2].leak'",)),
    Case("refractory-float", INFO, setup=set_pop(2, refractory=2.5), names=M + ("'populations[2].refractory'", "integer")),
    Case("refractory-2e40", INFO, setup=set_pop(2, refractory=2 ** 40), names=M + ("'populations[2].refractory'",)),
    Case("refractory-bool", INFO, setup=set_pop(2, refractory=False), names=M + ("'populations[2].refractory'",)),
    Case("param-array-wrong-name", INFO, setup=set_pop(2, leak={"array": "threshold"}),
         names=M + ("'populations[2].leak'", "array: leak")),
    # ----------------------------------------------------------------------------- STDP rules
    Case("stdp-a-plus-nan", INFO, setup=set_rule(a_plus=float("nan")), names=M + ("'stdp_rules[0].a_plus'", "finite")),
    Case("stdp-tau-zero", INFO, setup=set_rule(tau_plus=0), names=M + ("'stdp_rules[0]'", "tau_plus")),
    Case("stdp-w-max-inf", INFO, setup=set_rule(w_max=float("inf")), names=M + ("'stdp_rules[0].w_max'",)),
    Case("stdp-w-max-1e308", INFO, setup=set_rule(w_max=1e308),
         names=("arrays.npz", "stdp_rules[0]", "1e+308", "at most")),
    Case("stdp-key-missing", INFO, setup=manifest(lambda m: m["stdp_rules"][0].pop("tau_minus")),
         names=M + ("'stdp_rules[0]'", "exactly the keys")),
    Case("stdp-value-list", INFO, setup=set_rule(a_minus=[1, 2]), names=M + ("'stdp_rules[0].a_minus'",)),
    # ------------------------------------------------------------------------ arrays entries
    Case("arrays-file-parent", INFO, setup=manifest(lambda m: m["arrays"].update(file="../../../etc/passwd")),
         names=M + ("'arrays.file'", "../../../etc/passwd")),
    Case("arrays-file-absolute", INFO, setup=manifest(lambda m: m["arrays"].update(file="/etc/passwd")),
         names=M + ("'arrays.file'",)),
    Case("arrays-file-nul", INFO, setup=manifest(lambda m: m["arrays"].update(file="arrays\0.npz")),
         names=M + ("'arrays.file'",)),
    Case("arrays-file-manifest", INFO, setup=manifest(lambda m: m["arrays"].update(file="manifest.yaml")),
         names=M + ("'arrays.file'",)),
    Case("arrays-file-dotdot", INFO, setup=manifest(lambda m: m["arrays"].update(file="..")),
         names=M + ("'arrays.file'",)),
    Case("entry-shape-2d", INFO, setup=set_entry("weight", shape=[4, 17]), names=M + ("'arrays.entries.weight.shape'",)),
    Case("entry-shape-negative", INFO, setup=set_entry("labels", shape=[-1]), names=M + ("'arrays.entries.labels.shape'",)),
    Case("entry-shape-bool", INFO, setup=set_entry("labels", shape=[True]), names=M + ("'arrays.entries.labels.shape'",)),
    Case("entry-dtype-object", INFO, setup=set_entry("weight", dtype="|O"), names=M + ("'arrays.entries.weight.dtype'",)),
    Case("entry-sha-not-hex", INFO, setup=set_entry("weight", sha256="zz"), names=M + ("'arrays.entries.weight.sha256'",)),
    Case("entry-synapse-count-disagrees", INFO, setup=set_entry("delay", shape=[3]),
         names=M + ("'arrays.entries.delay.shape'", "one per synapse")),
    Case("entries-claim-5e11-synapses", INFO, setup=all_synapse_shapes(5 * 10 ** 11),
         names=("arrays.npz", "needs about"), max_mb=300, check=fast(15)),
    # ------------------------------------------------------------------------- the npz file
    Case("npz-not-zip", INFO, setup=lambda tmp: (save_small(tmp), (tmp / "t" / "arrays.npz").write_text("hello")),
         names=("arrays.npz", "not an npz file")),
    Case("npz-empty", INFO, setup=lambda tmp: (save_small(tmp), (tmp / "t" / "arrays.npz").write_bytes(b"")),
         names=("arrays.npz", "not an npz file")),
    Case("npz-truncated", INFO, setup=lambda tmp: (save_small(tmp), (tmp / "t" / "arrays.npz").write_bytes(
        (tmp / "t" / "arrays.npz").read_bytes()[:1500])), names=("arrays.npz",)),
    Case("npz-folder", INFO, setup=npz_is_folder, names=("arrays.npz", "not a regular file")),
    Case("npz-bomb-honest", INFO, setup=bomb_honest, env={"NEUROSIM_MEMORY_LIMIT": "2G"},
         names=("arrays.npz", "needs about", "NEUROSIM_MEMORY_LIMIT"), max_mb=300, check=fast(15)),
    Case("npz-bomb-lying-stream", INFO, setup=bomb_lying, names=("arrays.npz", "'weight'"), max_mb=300, check=fast(15)),
    Case("npz-bomb-header-big", INFO, setup=bomb_header_says_big,
         names=("arrays.npz", "'weight'", "268435456", "manifest says <f8 ["), max_mb=300, check=fast(15)),
    Case("npz-zip-size-lies", INFO, setup=zip_declares_huge,
         names=("arrays.npz", "'weight'", "4,294,967,295"), max_mb=300, check=fast(15)),
    Case("npz-pickle", INFO, setup=pickled_member, names=("arrays.npz", "'weight'", "pickle")),
    Case("npz-pickle-run", RUN, setup=pickled_member, names=("arrays.npz", "'weight'", "pickle")),
    Case("npz-duplicate-member", INFO, setup=npz(lambda ms: stored(ms) + [{"name": "weight.npy",
                                                                            "payload": ms["weight.npy"]}]),
         names=("arrays.npz", "'weight.npy'", "more than once")),
    Case("npz-extra-member", INFO, setup=npz(lambda ms: stored(ms) + [{"name": "evil.npy", "payload": b"x"}]),
         names=("arrays.npz", "'evil.npy'")),
    Case("npz-member-missing", INFO, setup=npz(lambda ms: [m for m in stored(ms) if m["name"] != "delay.npy"]),
         names=("arrays.npz", "'delay'", "missing")),
    Case("npz-wrong-dtype", INFO, setup=wrong_dtype_member, names=("arrays.npz", "'weight'", "<f4")),
    Case("npz-bzip2", INFO, setup=npz(replace_member("weight.npy", method=12)),
         names=("arrays.npz", "'weight'", "compression method 12")),
    Case("npz-encrypted", INFO, setup=npz(replace_member("weight.npy", flags=1)),
         names=("arrays.npz", "'weight'", "encrypted")),
    Case("npz-bad-crc", INFO, setup=npz(replace_member("post.npy", crc=12345)), names=("arrays.npz", "'post'")),
    Case("npz-5000-members", INFO, setup=many_members, names=("arrays.npz", "members; an arrays file holds at most 64")),
    Case("npz-bool-byte-two", INFO, setup=bool_byte_two, names=("arrays.npz", "'plastic'", "0 and 1")),
    Case("npz-npy-version-3", INFO, setup=npy_version_3, names=("arrays.npz", "'delay'", "version")),
    Case("npz-npy-huge-header", INFO, setup=npy_huge_header, names=("arrays.npz", "'delay'")),
    # ----------------------------------------------------------- networks the engine cannot hold
    Case("weight-nan", INFO, setup=set_weight(3, np.nan), names=("arrays.npz", "'weight'", "synapse", "nan")),
    Case("weight-inf-run", RUN, setup=set_weight(0, np.inf), names=("arrays.npz", "synapse 0 ->", "inf")),
    Case("weight-1e308", INFO, setup=set_weight(5, 1e308), names=("arrays.npz", "synapse", "1e+308", "at most")),
    Case("weight-1e308-map", MAP, setup=set_weight(5, 1e308), names=("arrays.npz", "synapse", "1e+308", "at most")),
    Case("weights-all-1e-300", INFO, setup=arrays(lambda a: a.update(weight=np.full_like(a["weight"], 1e-300)),
                                                  lambda m: m["stdp_rules"][0].update(w_min=0.0, w_max=1e-300)),
         names=("arrays.npz", "1e-300", "resolve nothing")),
    Case("threshold-array-nan", INFO, setup=arrays(lambda a: a["threshold"].__setitem__(9, np.nan)),
         names=("arrays.npz", "'threshold'", "neuron 9", "population 'a'")),
    Case("delay-zero", INFO, setup=arrays(lambda a: a["delay"].__setitem__(2, 0)), names=("arrays.npz", "'delay'", ">= 1")),
    Case("delay-negative-run", RUN, setup=arrays(lambda a: a["delay"].__setitem__(2, -5)),
         names=("arrays.npz", "'delay'", "-5")),
    Case("delay-int32-max-allowed", INFO, setup=lambda tmp: save_small(tmp, delay_ab=2 ** 31 - 1), rc=0,
         stdout_names=("2147483647",)),
    # ... but running it would need a delay ring of 2**31 ticks: refused before anything is allocated
    Case("delay-int32-max-run-refused", RUN, setup=lambda tmp: save_small(tmp, delay_ab=2 ** 31 - 1),
         names=("neurosim run", "delay", "needs about", "NEUROSIM_MEMORY_LIMIT")),
    Case("delay-int32-max-map-refused", MAP, setup=lambda tmp: save_small(tmp, delay_ab=2 ** 31 - 1),
         names=("mapping", "delay", "needs about")),
    Case("delay-int32-max-validate-refused", ["validate", "ideal", "--workload", T],
         setup=lambda tmp: save_small(tmp, delay_ab=2 ** 31 - 1), names=("delay", "needs about")),
    Case("post-out-of-range", INFO, setup=arrays(lambda a: a["post"].__setitem__(-1, 10 ** 6)),
         names=("arrays.npz", "'post'", "1000000")),
    Case("indptr-decreasing", INFO, setup=arrays(lambda a: a["indptr"].__setitem__(3, 10 ** 9)),
         names=("arrays.npz", "'indptr'")),
    Case("indptr-wrapping-differences", INFO,       # found by the fuzzer: np.repeat crashed on the wrapped counts
         setup=arrays(lambda a: a["indptr"].__setitem__(slice(1, 3), [2 ** 62, -2 ** 62 - 5])),
         names=("arrays.npz", "'indptr'", "not monotone")),
    Case("input-tick-beyond", INFO, setup=arrays(lambda a: a["input_ticks"].__setitem__(-1, 10 ** 6)),
         names=("arrays.npz", "'input_ticks'", "1000000")),
    # ------------------------------------------------------------------------ generated traces
    Case("generated-ok-cached-inside", INFO, setup=generated(), rc=0, stdout_names=("tiny",), check=cached_inside),
    Case("generated-name-parent", INFO, setup=generated(lambda m: m.update(name="../../escape")),
         names=M + ("'name'", "../../escape"), check=nothing_escaped),
    Case("generated-name-absolute", INFO, setup=generated(lambda m: m.update(name="/tmp/escape")),
         names=M + ("'name'",)),
    Case("generated-name-empty", INFO, setup=generated(lambda m: m.update(name="")), names=M + ("'name'",)),
    Case("generated-name-hidden", INFO, setup=generated(lambda m: m.update(name=".hidden")), names=M + ("'name'",)),
    Case("generated-name-nul", INFO, setup=generated(lambda m: m.update(name="x\0y")), names=M + ("'name'",)),
    Case("generated-name-huge", INFO, setup=generated(lambda m: m.update(name="x" * 5000)), names=M + ("'name'",)),
    Case("generated-name-number", INFO, setup=generated(lambda m: m.update(name=12)), names=M + ("'name'",)),
    Case("generated-n-input-1e12", INFO, setup=generated(params={"n_input": 10 ** 12}),
         names=M + ("'generator.params.n_input'", "2,147,483,647"), max_mb=300, check=fast(15)),
    Case("generated-layers-huge", INFO, setup=generated(params={"layers": [10 ** 6, 10 ** 6]}),
         names=M + ("'generator.params'", "needs about"), max_mb=300),
    Case("generated-layers-negative", INFO, setup=generated(params={"layers": [8, -4]}),
         names=M + ("'generator.params.layers'",)),
    Case("generated-ticks-string", INFO, setup=generated(params={"ticks": "many"}),
         names=M + ("'generator.params.ticks'", "integer")),
    Case("generated-rate-inf", INFO, setup=generated(params={"input_rate": float("inf")}),
         names=M + ("'generator.params.input_rate'",)),
    Case("generated-seed-negative", INFO, setup=generated(params={"seed": -1}),
         names=M + ("'generator.params.seed'",)),
    Case("generated-param-unknown", INFO, setup=generated(params={"os_system": "rm -rf /"}),
         names=M + ("'generator.params'", "os_system")),
    Case("generated-params-list", INFO, setup=generated(lambda m: m["generator"].update(params=[1, 2])),
         names=M + ("'generator'",)),
    Case("generated-unknown-generator", INFO, setup=generated(lambda m: m["generator"].update(name="os.system")),
         names=M + ("'generator.name'", "os.system")),
    Case("generated-hash-not-hex", INFO, setup=generated(lambda m: m.update(content_hash="../../x")),
         names=M + ("'content_hash'",)),
    Case("generated-smoothing-images", INFO, setup=generator_as("smoothing", {"n_images": 5000}),
         names=M + ("'generator.params.n_images'", "1,797")),
    Case("generated-digits-hidden", INFO, setup=generator_as("digits_classifier", {"hidden": 10 ** 6}),
         names=M + ("'generator.params.hidden'",)),
    Case("generated-cuba-n", INFO, setup=generator_as("cuba", {"n": 10 ** 7}),
         names=M + ("'generator.params'", "needs about"), max_mb=300),
    Case("generated-diehl-cook-bool", INFO, setup=generator_as("diehl_cook", {"n_exc": True}),
         names=M + ("'generator.params.n_exc'",)),
    Case("generated-sparse-window", INFO, setup=generator_as("sparse_layered", {"window": 0}),
         names=M + ("'generator.params.window'",)),
]
