"""The on-disk trace format (``format: neurosim-workload``, ``format_version: 1``).

A trace is a directory holding ``manifest.yaml`` (human-readable description, population table,
STDP rules, counts, per-array checksums, metadata) and ``arrays.npz`` (numpy arrays,
``np.savez_compressed``). docs/formats.md documents every key and array. A manifest with
``generated: true`` holds no arrays: the workload is built deterministically by a registered
generator on first use and cached (see :mod:`neurosim.workload.generated`).

Everything that can be wrong with a trace raises :class:`WorkloadError` naming the file and the
problem; nothing is ever overwritten unless ``overwrite=True``.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputError, ResourceLimitError
from ..limits import check_memory, fmt_bytes
from .compiled import NEURON_ARRAYS, SYNAPSE_ARRAYS, CompiledNetwork
from .errors import WorkloadError, WorkloadLimitError
from .hashing import array_sha256, canonical
from .network import INPUT_DEFAULTS, STDP_DTYPE, STDPRule
from .npzread import expected_bytes, read_arrays
from .workload import Workload, _json_default

__all__ = ["save_workload", "load_workload", "read_manifest", "FORMAT_NAME", "FORMAT_VERSION",
           "MANIFEST", "ARRAYS_FILE"]

FORMAT_NAME = "neurosim-workload"
FORMAT_VERSION = 1
MANIFEST = "manifest.yaml"
ARRAYS_FILE = "arrays.npz"

#: Neuron parameters written per population (scalar when uniform, else a slice of an array).
PARAMS = ("threshold", "leak", "v_reset", "refractory")
#: Arrays every (non-generated) trace holds, with their dtypes.
REQUIRED_ARRAYS = {
    **{k: v for k, v in SYNAPSE_ARRAYS.items()},
    "input_ticks": np.dtype("<i4"),
    "input_neurons": np.dtype("<i4"),
}
#: Arrays a trace may hold.
OPTIONAL_ARRAYS = {
    "sample_starts": np.dtype("<i4"),
    "sample_ticks": np.dtype("<i4"),
    "labels": np.dtype("<i4"),
    **{k: NEURON_ARRAYS[k] for k in PARAMS},
}
REQUIRED_KEYS = ("format", "format_version", "name", "n_ticks", "counts", "populations",
                 "stdp_rules", "arrays", "content_hash")


# ======================================================================== writing
def _plain(obj):
    """Metadata converted to plain YAML types (numpy scalars/arrays to Python)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.generic, np.ndarray)):
        return _plain(_json_default(obj))
    return obj


def _counts(wl: Workload) -> dict:
    net = wl.network
    return {
        "neurons": net.n_neurons,
        "inputs": net.n_inputs,
        "populations": len(net.population_names),
        "synapses": net.n_synapses,
        "plastic_synapses": net.n_plastic,
        "input_spikes": wl.n_input_spikes,
        "samples": wl.n_samples,
    }


def build_manifest(wl: Workload, entries: dict | None, *, generator=None, generated=False) -> dict:
    """The manifest dict of ``wl`` (``entries``: per-array dtype/shape/sha256, None if generated)."""
    net = wl.network
    meta = _plain(dict(wl.metadata))
    description = meta.pop("description", "")
    family = meta.pop("family", "")
    recorded = meta.pop("generator", None)
    generator = generator if generator is not None else recorded
    pops = []
    for p in net.populations:
        entry = {"name": p.name, "start": p.start, "size": p.size, "input": p.is_input}
        if not p.is_input:
            for k in PARAMS:
                vals = getattr(net, k)[p.start:p.stop]
                if np.all(vals == vals[0]):
                    entry[k] = vals[0].item()
                else:
                    entry[k] = {"array": k}
        pops.append(entry)
    m = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "name": wl.name,
        "description": str(description),
        "family": str(family),
        "generated": bool(generated),
        "content_hash": wl.content_hash(),
        "n_ticks": wl.n_ticks,
        "counts": _counts(wl),
        "populations": pops,
        "stdp_rules": [r.as_dict() for r in net.stdp_rule_objects()],
    }
    if generator is not None:
        m["generator"] = _plain(generator)
    if entries is not None:
        m["arrays"] = {"file": ARRAYS_FILE, "entries": entries}
    m["metadata"] = meta
    return m


def _npz_arrays(wl: Workload) -> dict:
    net = wl.network
    arrays = {k: getattr(net, k) for k in SYNAPSE_ARRAYS}
    arrays.update(wl.arrays())
    for p in net.populations:
        if p.is_input:
            continue
        for k in PARAMS:
            vals = getattr(net, k)[p.start:p.stop]
            if not np.all(vals == vals[0]):
                arrays[k] = getattr(net, k)
    return {k: canonical(v) for k, v in arrays.items()}


def _dump_yaml(data: dict, path: Path):
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False, default_flow_style=None, width=100)


def _prepare_target(path: Path, overwrite: bool) -> None:
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise WorkloadError(f"{path}: already exists; pass overwrite=True to replace it")
        if path.is_symlink():
            raise WorkloadError(f"{path}: is a symbolic link; refusing to replace it (give the real directory)")
        if not path.is_dir():
            raise WorkloadError(f"{path}: exists and is not a trace directory; refusing to replace it")
        contents = list(path.iterdir())
        if contents and not (path / MANIFEST).is_file():
            raise WorkloadError(
                f"{path}: exists and holds no {MANIFEST}; refusing to replace a directory that is "
                "not a neurosim trace"
            )


def _install(tmp: Path, path: Path) -> None:
    """Move the finished temporary directory ``tmp`` to ``path``, replacing an old trace."""
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        os.rmdir(old)
        os.replace(path, old)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; a trace should look like any directory
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def save_workload(wl: Workload, path, *, overwrite: bool = False, compress: bool = True,
                  generator: dict | None = None) -> Path:
    """Write ``wl`` as a trace directory at ``path`` and return the path.

    Refuses to touch an existing ``path`` unless ``overwrite=True`` (and even then only replaces
    an empty directory or an existing trace). ``generator`` (``{"name": ..., "params": ...}``)
    records how the trace was made. The directory appears atomically: a crash never leaves half
    a trace behind.
    """
    if not isinstance(wl, Workload):
        raise WorkloadError(f"save_workload: expected a Workload, got {type(wl).__name__}")
    path = Path(path)
    _prepare_target(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = _npz_arrays(wl)
    entries = {
        k: {"dtype": v.dtype.str, "shape": list(v.shape), "sha256": array_sha256(v)}
        for k, v in arrays.items()
    }
    manifest = build_manifest(wl, entries, generator=generator)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        (np.savez_compressed if compress else np.savez)(tmp / ARRAYS_FILE, **arrays)
        _dump_yaml(manifest, tmp / MANIFEST)
        _install(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def save_generated_manifest(wl: Workload, path, generator: dict, *, overwrite: bool = False) -> Path:
    """Write a ``generated: true`` manifest (no arrays) for a workload built by ``generator``.

    ``wl`` is the generator's output; its counts and content hash are recorded so that a later
    build can be checked to be the same workload."""
    path = Path(path)
    _prepare_target(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        _dump_yaml(build_manifest(wl, None, generator=generator, generated=True), tmp / MANIFEST)
        _install(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


# ======================================================================== reading
#: Longest population or workload name (characters) a manifest may give.
MAX_NAME_CHARS = 256
#: Largest count of neurons, synapses, ticks or array entries (the engine indexes them with int32 or
#: int64; every per-element array is sized from these).
_INT32_MAX = int(np.iinfo(np.int32).max)
#: Working memory per neuron while a trace is loaded (bytes): the four parameter arrays, the population
#: index, fan-in/fan-out counts and the validation's temporaries.
LOAD_BYTES_PER_NEURON = 96
#: Working memory per synapse while a trace is loaded (bytes): presynaptic ids, row and order checks.
LOAD_BYTES_PER_SYNAPSE = 24
#: Working memory per input spike while a trace is loaded (bytes): the (tick, neuron) sort and its copies.
LOAD_BYTES_PER_SPIKE = 32
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}$")


def _show(v, limit: int = 60) -> str:
    """``repr(v)`` cut to ``limit`` characters, so that a hostile value never floods a message."""
    try:
        r = repr(v)
    except Exception:  # a repr that itself fails (never for YAML data, but cheap to guard)
        r = f"<{type(v).__name__}>"
    return r if len(r) <= limit else r[:limit - 3] + "..."


def _printable_name(v) -> bool:
    return (isinstance(v, str) and 0 < len(v) <= MAX_NAME_CHARS
            and not any(unicodedata.category(c)[0] == "C" for c in v))


def _resolve(path) -> tuple[Path, Path]:
    path = Path(path)
    if path.is_dir():
        manifest = path / MANIFEST
        if not manifest.is_file():
            raise WorkloadError(f"{path}: not a neurosim trace (no {MANIFEST} inside)")
        return path, manifest
    if path.is_file():
        return path.parent, path
    raise WorkloadError(f"{path}: no such trace directory or manifest")


def read_manifest(path) -> tuple[Path, dict]:
    """Parse and structurally check a manifest; returns (manifest path, dict).

    Reading is bounded by :mod:`neurosim.limits` (file size, nesting, aliases); the format name and
    version, the type of ``generated`` and the presence of every required key are checked."""
    _, mpath = _resolve(path)
    from .._util.yamlsource import YamlLocationError, load_yaml_with_lines

    try:
        data, sources = load_yaml_with_lines(mpath)
    except YamlLocationError as e:
        where = f"{mpath}:{e.line}" if e.line else str(mpath)
        cls = WorkloadLimitError if isinstance(e, ResourceLimitError) else WorkloadError
        what = "invalid YAML" if e.line else "cannot read manifest"
        raise cls(f"{where}: {what} ({e.message})") from None
    except InputError as e:
        raise WorkloadError(f"{mpath}: cannot read manifest ({e})") from None
    _SOURCES[str(mpath)] = sources
    if not isinstance(data, dict):
        raise WorkloadError(f"{mpath}: manifest must be a YAML mapping, got {type(data).__name__}")
    if data.get("format") != FORMAT_NAME:
        _expect(False, mpath, "format", f"'format' must be {FORMAT_NAME!r}, got {_show(data.get('format'))}")
    version = data.get("format_version")
    _expect(_is_int(version) and version == FORMAT_VERSION, mpath, "format_version",
            f"unsupported format_version {_show(version)} (this neurosim reads version {FORMAT_VERSION})")
    _expect(isinstance(data.get("generated", False), bool), mpath, "generated",
            f"expected true or false, got {_show(data.get('generated'))}")
    required = [k for k in REQUIRED_KEYS if not (data.get("generated") and k == "arrays")]
    for key in required:
        if key not in data:
            raise WorkloadError(f"{mpath}: missing manifest key {key!r}")
    return mpath, data


#: Line numbers of the manifests read in this process (manifest path -> SourceMap), for messages.
_SOURCES: dict = {}


def _key_path(key: str) -> tuple:
    """``"populations[2].size"`` -> ``("populations", 2, "size")``."""
    out: list = []
    for part in key.split("."):
        name, *indices = part.replace("]", "").split("[")
        if name:
            out.append(name)
        out.extend(int(i) for i in indices if i.isdigit())
    return tuple(out)


def _where(mpath, key) -> str:
    sources = _SOURCES.get(str(mpath))
    where = sources.where(_key_path(key)) if sources is not None else None
    return f"{mpath}:{where[1]}" if where else str(mpath)


def _expect(cond, mpath, key, what):
    if not cond:
        raise WorkloadError(f"{_where(mpath, key)}: key {key!r}: {what}")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _int(mpath, key, v, lo: int, hi: int) -> int:
    """``v`` as an integer in ``[lo, hi]`` (booleans and floats refused)."""
    _expect(_is_int(v), mpath, key, f"expected an integer, got {_show(v)}")
    _expect(lo <= v <= hi, mpath, key, f"expected an integer in [{lo:,}, {hi:,}], got {_show(v)}")
    return v


def _real(mpath, key, v, lo=None, hi=None) -> float:
    """``v`` as a finite float (optionally in ``[lo, hi]``); booleans, strings, inf and NaN refused."""
    _expect(_is_num(v), mpath, key, f"expected a number, got {_show(v)}")
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    _expect(math.isfinite(x), mpath, key, f"expected a finite number, got {_show(v)}")
    if lo is not None or hi is not None:
        _expect((lo is None or x >= lo) and (hi is None or x <= hi), mpath, key,
                f"expected a number in [{lo}, {hi}], got {_show(v)}")
    return x


def _check_memory(needed: int, what: str, where: str) -> None:
    """:func:`neurosim.limits.check_memory`, its refusal re-raised naming ``where``."""
    try:
        check_memory(needed, what)
    except ResourceLimitError as e:
        raise WorkloadLimitError(f"{where}: {e}") from None


def _check_header(mpath: Path, m: dict) -> dict:
    """Top-level keys of a (non-generated) manifest: name, n_ticks, metadata, counts, content_hash."""
    _expect(isinstance(m["name"], str) and (m["name"] == "" or _printable_name(m["name"])), mpath, "name",
            f"expected a string of at most {MAX_NAME_CHARS} printable characters, got {_show(m['name'])}")
    _int(mpath, "n_ticks", m["n_ticks"], 1, _INT32_MAX)
    for k in ("description", "family"):
        _expect(m.get(k) is None or isinstance(m[k], str), mpath, k, f"expected a string, got {_show(m.get(k))}")
    meta = m.get("metadata")
    _expect(meta is None or isinstance(meta, dict), mpath, "metadata", f"expected a mapping, got {_show(meta)}")
    gen = m.get("generator")
    _expect(gen is None or isinstance(gen, dict), mpath, "generator", f"expected a mapping, got {_show(gen)}")
    for key, value in (("generator", gen), ("metadata", meta)):
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError) as e:
            _expect(False, mpath, key, f"expected plain YAML data (strings, numbers, lists, mappings): {e}")
    _expect(isinstance(m["content_hash"], str) and _HEX64.match(m["content_hash"]), mpath, "content_hash",
            f"expected 64 lowercase hex digits (a sha256), got {_show(m['content_hash'])}")
    check_count_types(mpath, m)
    return dict(meta or {})


def check_count_types(mpath: Path, m: dict) -> None:
    """``counts`` must map count names to integers >= 0."""
    counts = m["counts"]
    _expect(isinstance(counts, dict), mpath, "counts", f"expected a mapping, got {_show(counts)}")
    for k, v in counts.items():
        _expect(_is_int(v) and v >= 0, mpath, f"counts.{k}", f"expected an integer >= 0, got {_show(v)}")


def _check_populations(mpath: Path, m: dict) -> list[dict]:
    """The population table: names, contiguous starts, sizes, input flags and neuron parameters.

    Returns one dict per population (name, start, size, input and, for non-input populations,
    each parameter as a float/int or the string ``"array"``). Refuses a network larger than the
    memory limit (:data:`LOAD_BYTES_PER_NEURON` per neuron) or than int32 neuron ids."""
    pops = m["populations"]
    _expect(isinstance(pops, list) and pops, mpath, "populations", "expected a non-empty list")
    out, seen, start = [], set(), 0
    for i, p in enumerate(pops):
        key = f"populations[{i}]"
        _expect(isinstance(p, dict), mpath, key, f"expected a mapping, got {_show(p)}")
        for k in ("name", "start", "size", "input"):
            _expect(k in p, mpath, key, f"missing key {k!r}")
        _expect(_printable_name(p["name"]), mpath, f"{key}.name",
                f"expected a non-empty string of at most {MAX_NAME_CHARS} printable characters, got {_show(p['name'])}")
        _expect(p["name"] not in seen, mpath, f"{key}.name", f"population {p['name']!r} is named twice")
        seen.add(p["name"])
        _expect(_is_int(p["start"]), mpath, f"{key}.start", f"expected an integer, got {_show(p['start'])}")
        _expect(p["start"] == start, mpath, f"{key}.start",
                f"expected {start} (populations are contiguous from neuron 0, in order), got {_show(p['start'])}")
        _expect(_is_int(p["size"]) and p["size"] >= 1, mpath, f"{key}.size",
                f"expected an integer >= 1, got {_show(p['size'])}")
        _expect(isinstance(p["input"], bool), mpath, f"{key}.input", f"expected true or false, got {_show(p['input'])}")
        entry = {"name": p["name"], "start": start, "size": p["size"], "input": p["input"]}
        if not p["input"]:
            for k in PARAMS:
                pk = f"{key}.{k}"
                _expect(k in p, mpath, key, f"missing neuron parameter {k!r}")
                v = p[k]
                if isinstance(v, dict):
                    _expect(v == {"array": k}, mpath, pk, f"expected a number or {{array: {k}}}, got {_show(v)}")
                    entry[k] = "array"
                elif k == "refractory":
                    entry[k] = _int(mpath, pk, v, 0, _INT32_MAX)
                elif k == "leak":
                    entry[k] = _real(mpath, pk, v, 0.0, 1.0)
                else:
                    entry[k] = _real(mpath, pk, v)
        out.append(entry)
        start += p["size"]
    _check_memory(start * LOAD_BYTES_PER_NEURON, f"{start:,} neurons",
                  f"{_where(mpath, 'populations')}: key 'populations'")
    _expect(start <= _INT32_MAX, mpath, "populations",
            f"the populations hold {start:,} neurons; neuron ids are int32, at most {_INT32_MAX:,}")
    return out


def _check_rules(mpath: Path, m: dict) -> np.ndarray:
    """The STDP rule table: finite numbers, valid rules (:class:`STDPRule`), at most int16 many."""
    rules = m["stdp_rules"]
    _expect(isinstance(rules, list), mpath, "stdp_rules", f"expected a list, got {_show(rules)}")
    _expect(len(rules) <= np.iinfo(np.int16).max, mpath, "stdp_rules",
            f"{len(rules):,} rules; synapses index the table with int16, at most {np.iinfo(np.int16).max:,}")
    table = np.zeros(len(rules), dtype=STDP_DTYPE)
    for i, r in enumerate(rules):
        key = f"stdp_rules[{i}]"
        _expect(isinstance(r, dict) and set(r) == set(STDP_DTYPE.names), mpath, key,
                f"expected exactly the keys {list(STDP_DTYPE.names)}")
        values = {k: _real(mpath, f"{key}.{k}", r[k]) for k in STDP_DTYPE.names}
        try:
            rule = STDPRule(**values)
        except WorkloadError as e:
            raise WorkloadError(f"{_where(mpath, key)}: key {key!r}: {e}") from None
        table[i] = rule.as_tuple()
    return table


def _check_entries(mpath: Path, m: dict) -> tuple[Path, dict, dict]:
    """``arrays``: the file name (a plain name inside the trace directory) and each entry's dtype,
    1-d shape and sha256. Returns (npz path, name -> (dtype, shape), name -> sha256)."""
    spec = m["arrays"]
    _expect(isinstance(spec, dict) and isinstance(spec.get("entries"), dict), mpath, "arrays",
            "expected a mapping with 'file' and 'entries'")
    fname = spec.get("file")
    ok = isinstance(fname, str) and bool(_FILE_NAME.match(fname)) and fname != MANIFEST
    _expect(ok, mpath, "arrays.file", f"expected a file name inside the trace directory (letters, digits, "
                                      f"'._+-', no path separators), got {_show(fname)}")
    npz_path = mpath.parent / fname
    _expect(os.path.dirname(os.path.normpath(npz_path)) == os.path.normpath(mpath.parent), mpath, "arrays.file",
            f"{fname!r} does not stay inside the trace directory")
    entries = spec["entries"]
    known = {**REQUIRED_ARRAYS, **OPTIONAL_ARRAYS}
    for k in REQUIRED_ARRAYS:
        _expect(k in entries, mpath, "arrays.entries", f"missing entry for required array {k!r}")
    specs, sums = {}, {}
    for k, e in entries.items():
        key = f"arrays.entries.{k}"
        _expect(k in known, mpath, key, "unknown array name")
        _expect(isinstance(e, dict) and {"dtype", "shape", "sha256"} <= set(e), mpath, key,
                "expected a mapping with dtype, shape and sha256")
        _expect(np.dtype(known[k]).str == e["dtype"], mpath, f"{key}.dtype",
                f"expected {np.dtype(known[k]).str!r}, got {_show(e['dtype'])}")
        shape = e["shape"]
        _expect(isinstance(shape, list) and len(shape) == 1 and _is_int(shape[0]) and 0 <= shape[0] <= 2 ** 62,
                mpath, f"{key}.shape", f"expected [length] with a length >= 0, got {_show(shape)}")
        _expect(isinstance(e["sha256"], str) and _HEX64.match(e["sha256"]), mpath, f"{key}.sha256",
                f"expected 64 lowercase hex digits, got {_show(e['sha256'])}")
        specs[k] = (known[k].str, (shape[0],))
        sums[k] = e["sha256"]
    nnz = specs["post"][1][0]
    for k in SYNAPSE_ARRAYS:
        if k != "indptr":
            _expect(specs[k][1][0] == nnz, mpath, f"arrays.entries.{k}.shape",
                    f"array {k!r} has {specs[k][1][0]:,} entries but 'post' has {nnz:,} (one per synapse)")
    _expect(nnz <= 2 ** 62, mpath, "arrays.entries.post.shape", "too many synapses")
    _expect(specs["input_ticks"][1] == specs["input_neurons"][1], mpath, "arrays.entries.input_neurons.shape",
            f"'input_ticks' has {specs['input_ticks'][1][0]:,} entries but 'input_neurons' has "
            f"{specs['input_neurons'][1][0]:,}")
    return npz_path, specs, sums


def _network_from(mpath: Path, npz_path: Path, manifest: dict, pops: list, table: np.ndarray,
                  arrays: dict) -> CompiledNetwork:
    n = sum(p["size"] for p in pops)
    params = {k: np.empty(n, dtype=NEURON_ARRAYS[k]) for k in PARAMS}
    is_input = np.zeros(n, dtype=bool)
    for i, p in enumerate(pops):
        sl = slice(p["start"], p["start"] + p["size"])
        is_input[sl] = p["input"]
        for k in PARAMS:
            if p["input"]:
                params[k][sl] = INPUT_DEFAULTS[k]
            elif p[k] == "array":
                params[k][sl] = arrays[k][sl]
            else:
                params[k][sl] = p[k]
    sizes = np.array([p["size"] for p in pops], dtype=np.int64)
    return CompiledNetwork(
        name=str(manifest["name"]),
        population_names=tuple(p["name"] for p in pops),
        population_starts=np.array([p["start"] for p in pops], dtype=np.int32),
        population_sizes=sizes.astype(np.int32),
        is_input=is_input,
        threshold=params["threshold"],
        leak=params["leak"],
        v_reset=params["v_reset"],
        refractory=params["refractory"],
        population_of=np.repeat(np.arange(len(pops), dtype=np.int32), sizes),
        **{k: arrays[k] for k in SYNAPSE_ARRAYS},
        stdp_rules=table,
    )


def load_memory_bytes(specs: dict, n_neurons: int) -> int:
    """Memory (bytes) loading a trace needs: its arrays once read, plus the working memory of the
    checks and of the workload's sorted spike arrays (:data:`LOAD_BYTES_PER_NEURON`,
    :data:`LOAD_BYTES_PER_SYNAPSE`, :data:`LOAD_BYTES_PER_SPIKE`) and one copy of the largest array
    (the checksums hash a canonical copy)."""
    stored = expected_bytes(specs)
    largest = max(expected_bytes({k: v}) for k, v in specs.items())
    return (stored + largest + LOAD_BYTES_PER_NEURON * n_neurons
            + LOAD_BYTES_PER_SYNAPSE * specs["post"][1][0] + LOAD_BYTES_PER_SPIKE * specs["input_ticks"][1][0])


def load_workload(path, *, cache: bool = True) -> Workload:
    """Load a trace directory (or its ``manifest.yaml``) as a :class:`Workload`.

    The manifest is checked completely before any array is read (types, ranges, finite numbers,
    contiguous populations, array dtypes and 1-d shapes), then the memory the arrays need is checked
    against the memory limit (:func:`neurosim.limits.check_memory`), then each array is read from the
    npz file without trusting its zip headers (:mod:`neurosim.workload.npzread`) and compared with its
    sha256; then every network invariant, the recorded counts and the content hash. Any problem raises
    :class:`WorkloadError` naming the file (and key or array); a memory refusal is a
    :class:`~neurosim.workload.errors.WorkloadLimitError`. A ``generated: true`` manifest is built by its
    generator (and cached when ``cache``).
    """
    mpath, manifest = read_manifest(path)
    if manifest.get("generated"):
        from .generated import materialise

        return materialise(mpath, manifest, cache=cache)
    meta = _check_header(mpath, manifest)
    pops = _check_populations(mpath, manifest)
    table = _check_rules(mpath, manifest)
    npz_path, specs, sums = _check_entries(mpath, manifest)
    n = sum(p["size"] for p in pops)
    _expect(specs["indptr"][1][0] == n + 1, mpath, "populations",
            f"populations hold {n} neurons but {npz_path.name} array 'indptr' has "
            f"{specs['indptr'][1][0]} entries (expected {n + 1})")
    for i, p in enumerate(pops):
        for k in PARAMS:
            if p.get(k) == "array":
                _expect(k in specs, mpath, f"populations[{i}].{k}",
                        f"points to array {k!r}, which is not in the trace")
    for k in PARAMS:
        if k in specs:
            _expect(specs[k][1] == (n,), mpath, f"arrays.entries.{k}.shape", f"expected [{n}] (one per neuron)")
    try:
        st = os.stat(npz_path)
    except (OSError, ValueError):
        raise WorkloadError(f"{npz_path}: array file missing (named in {mpath.name} key 'arrays.file')") from None
    if not stat.S_ISREG(st.st_mode):
        raise WorkloadError(f"{npz_path}: not a regular file (named in {mpath.name} key 'arrays.file')")
    need = load_memory_bytes(specs, n)
    _check_memory(need, f"loading its arrays ({fmt_bytes(expected_bytes(specs))} once inflated)", str(npz_path))
    arrays = read_arrays(npz_path, specs, mpath.name)
    for k, arr in arrays.items():
        if array_sha256(arr) != sums[k]:
            raise WorkloadError(f"{npz_path}: checksum mismatch for array {k!r} (file is corrupt "
                                f"or does not belong to this manifest)")
    net = _network_from(mpath, npz_path, manifest, pops, table, arrays)
    net.validate(source=str(npz_path))
    has_samples = "sample_starts" in arrays or "sample_ticks" in arrays
    if has_samples and not ("sample_starts" in arrays and "sample_ticks" in arrays):
        raise WorkloadError(f"{npz_path}: 'sample_starts' and 'sample_ticks' must be stored together")
    if "labels" in arrays and not has_samples:
        raise WorkloadError(f"{npz_path}: 'labels' stored without 'sample_starts'/'sample_ticks'")
    for k in ("description", "family"):
        if manifest.get(k):
            meta[k] = manifest[k]
    wl = Workload.from_arrays(
        net, arrays["input_ticks"], arrays["input_neurons"], manifest["n_ticks"],
        labels=arrays.get("labels"), sample_starts=arrays.get("sample_starts"),
        sample_ticks=arrays.get("sample_ticks"), name=manifest["name"], metadata=meta,
        source=str(npz_path),
    )
    if not (np.array_equal(wl.input_ticks, arrays["input_ticks"])
            and np.array_equal(wl.input_neurons, arrays["input_neurons"])):
        raise WorkloadError(f"{npz_path}: input spikes must be sorted by (tick, neuron)")
    check_counts(mpath, manifest, wl)
    if manifest["content_hash"] != wl.content_hash():
        raise WorkloadError(
            f"{mpath}: content_hash does not match the arrays (manifest and {npz_path.name} disagree)"
        )
    if manifest.get("generator") is not None:
        wl.metadata.setdefault("generator", manifest["generator"])
    return wl


def check_counts(mpath: Path, manifest: dict, wl: Workload) -> None:
    """Compare the manifest's ``counts`` with the loaded workload."""
    check_count_types(mpath, manifest)
    counts = manifest["counts"]
    actual = _counts(wl)
    for k, v in actual.items():
        if k in counts and counts[k] != v:
            raise WorkloadError(f"{_where(mpath, f'counts.{k}')}: key 'counts.{k}' says {_show(counts[k])} "
                                f"but the arrays hold {v}")
    if manifest.get("n_ticks") != wl.n_ticks:
        raise WorkloadError(f"{_where(mpath, 'n_ticks')}: key 'n_ticks' says {_show(manifest.get('n_ticks'))}, "
                            f"workload has {wl.n_ticks}")
