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

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml

from .compiled import NEURON_ARRAYS, SYNAPSE_ARRAYS, CompiledNetwork
from .errors import WorkloadError
from .hashing import array_sha256, canonical
from .network import INPUT_DEFAULTS, STDP_DTYPE
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
    """Parse and structurally check a manifest; returns (manifest path, dict)."""
    _, mpath = _resolve(path)
    try:
        text = mpath.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise WorkloadError(f"{mpath}: cannot read manifest ({e})") from None
    from ..config.yamlsource import YamlLocationError, load_yaml_with_lines

    try:
        data, sources = load_yaml_with_lines(mpath)
    except YamlLocationError as e:
        where = f"{mpath}:{e.line}" if e.line else str(mpath)
        raise WorkloadError(f"{where}: invalid YAML ({e.message})") from None
    _SOURCES[str(mpath)] = sources
    if not isinstance(data, dict):
        raise WorkloadError(f"{mpath}: manifest must be a YAML mapping, got {type(data).__name__}")
    if data.get("format") != FORMAT_NAME:
        raise WorkloadError(
            f"{mpath}: key 'format' must be {FORMAT_NAME!r}, got {data.get('format')!r}"
        )
    if data.get("format_version") != FORMAT_VERSION:
        raise WorkloadError(
            f"{mpath}: unsupported format_version {data.get('format_version')!r} "
            f"(this neurosim reads version {FORMAT_VERSION})"
        )
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


def _expect(cond, mpath, key, what):
    if not cond:
        sources = _SOURCES.get(str(mpath))
        where = sources.where(_key_path(key)) if sources is not None else None
        loc = f"{mpath}:{where[1]}" if where else str(mpath)
        raise WorkloadError(f"{loc}: key {key!r}: {what}")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _load_npz(mpath: Path, manifest: dict) -> tuple[Path, dict]:
    spec = manifest["arrays"]
    _expect(isinstance(spec, dict) and isinstance(spec.get("entries"), dict), mpath, "arrays",
            "expected a mapping with 'file' and 'entries'")
    fname = spec.get("file")
    _expect(isinstance(fname, str) and fname and "/" not in fname and "\\" not in fname,
            mpath, "arrays.file", f"expected a file name inside the trace directory, got {fname!r}")
    entries = spec["entries"]
    known = {**REQUIRED_ARRAYS, **OPTIONAL_ARRAYS}
    for k in REQUIRED_ARRAYS:
        _expect(k in entries, mpath, "arrays.entries", f"missing entry for required array {k!r}")
    for k, e in entries.items():
        _expect(k in known, mpath, f"arrays.entries.{k}", "unknown array name")
        _expect(isinstance(e, dict) and {"dtype", "shape", "sha256"} <= set(e), mpath,
                f"arrays.entries.{k}", "expected a mapping with dtype, shape and sha256")
        _expect(np.dtype(known[k]).str == e["dtype"], mpath, f"arrays.entries.{k}.dtype",
                f"expected {np.dtype(known[k]).str!r}, got {e['dtype']!r}")
    npz_path = mpath.parent / fname
    if not npz_path.is_file():
        raise WorkloadError(f"{npz_path}: array file missing (named in {mpath.name} key 'arrays.file')")
    out = {}
    try:
        with np.load(npz_path, allow_pickle=False) as z:
            present = set(z.files)
            for k, e in entries.items():
                if k not in present:
                    raise WorkloadError(f"{npz_path}: array {k!r} listed in {mpath.name} is missing")
                try:
                    arr = z[k]
                except WorkloadError:
                    raise
                except Exception as err:  # zlib/zip/format errors from a damaged member
                    raise WorkloadError(f"{npz_path}: array {k!r} is unreadable ({err})") from None
                if arr.dtype.str != e["dtype"] or list(arr.shape) != list(e["shape"]):
                    raise WorkloadError(
                        f"{npz_path}: array {k!r} is {arr.dtype.str} {list(arr.shape)}, "
                        f"manifest says {e['dtype']} {e['shape']}"
                    )
                if array_sha256(arr) != e["sha256"]:
                    raise WorkloadError(f"{npz_path}: checksum mismatch for array {k!r} (file is corrupt "
                                        f"or does not belong to this manifest)")
                out[k] = arr
    except WorkloadError:
        raise
    except Exception as err:  # not a zip, truncated central directory, permission...
        raise WorkloadError(f"{npz_path}: unreadable npz file ({type(err).__name__}: {err})") from None
    return npz_path, out


def _network_from(mpath: Path, npz_path: Path, manifest: dict, arrays: dict) -> CompiledNetwork:
    pops = manifest["populations"]
    _expect(isinstance(pops, list) and pops, mpath, "populations", "expected a non-empty list")
    names, starts, sizes, inputs = [], [], [], []
    for i, p in enumerate(pops):
        key = f"populations[{i}]"
        _expect(isinstance(p, dict), mpath, key, "expected a mapping")
        for k in ("name", "start", "size", "input"):
            _expect(k in p, mpath, key, f"missing key {k!r}")
        _expect(isinstance(p["name"], str) and p["name"], mpath, f"{key}.name", "expected a non-empty string")
        _expect(_is_int(p["start"]) and p["start"] >= 0, mpath, f"{key}.start", "expected an integer >= 0")
        _expect(_is_int(p["size"]) and p["size"] >= 1, mpath, f"{key}.size", "expected an integer >= 1")
        _expect(isinstance(p["input"], bool), mpath, f"{key}.input", "expected true or false")
        names.append(p["name"])
        starts.append(p["start"])
        sizes.append(p["size"])
        inputs.append(p["input"])
    n = sum(sizes)
    _expect(len(arrays["indptr"]) == n + 1, mpath, "populations",
            f"populations hold {n} neurons but {npz_path.name} array 'indptr' has "
            f"{len(arrays['indptr'])} entries (expected {n + 1})")
    params = {k: np.empty(n, dtype=NEURON_ARRAYS[k]) for k in PARAMS}
    for k in PARAMS:
        if k in arrays:
            _expect(arrays[k].shape == (n,), mpath, f"arrays.entries.{k}", f"expected shape [{n}]")
    is_input = np.zeros(n, dtype=bool)
    for i, p in enumerate(pops):
        sl = slice(p["start"], p["start"] + p["size"])
        is_input[sl] = p["input"]
        for k in PARAMS:
            if p["input"]:
                params[k][sl] = INPUT_DEFAULTS[k]
                continue
            key = f"populations[{i}].{k}"
            _expect(k in p, mpath, f"populations[{i}]", f"missing neuron parameter {k!r}")
            v = p[k]
            if isinstance(v, dict):
                _expect(v == {"array": k}, mpath, key, f"expected a number or {{array: {k}}}")
                _expect(k in arrays, mpath, key, f"points to array {k!r}, which is not in the trace")
                params[k][sl] = arrays[k][sl]
            else:
                ok = _is_int(v) if k == "refractory" else _is_num(v)
                _expect(ok, mpath, key, "expected an integer" if k == "refractory" else "expected a number")
                params[k][sl] = v
    rules = manifest["stdp_rules"]
    _expect(isinstance(rules, list), mpath, "stdp_rules", "expected a list")
    table = np.zeros(len(rules), dtype=STDP_DTYPE)
    for i, r in enumerate(rules):
        _expect(isinstance(r, dict) and set(r) == set(STDP_DTYPE.names), mpath, f"stdp_rules[{i}]",
                f"expected exactly the keys {list(STDP_DTYPE.names)}")
        for k in STDP_DTYPE.names:
            _expect(_is_num(r[k]), mpath, f"stdp_rules[{i}].{k}", "expected a number")
            table[i][k] = r[k]
    return CompiledNetwork(
        name=str(manifest["name"]),
        population_names=tuple(names),
        population_starts=np.array(starts, dtype=np.int32),
        population_sizes=np.array(sizes, dtype=np.int32),
        is_input=is_input,
        threshold=params["threshold"],
        leak=params["leak"],
        v_reset=params["v_reset"],
        refractory=params["refractory"],
        population_of=np.repeat(np.arange(len(pops), dtype=np.int32), np.array(sizes, dtype=np.int64)),
        **{k: arrays[k] for k in SYNAPSE_ARRAYS},
        stdp_rules=table,
    )


def load_workload(path, *, cache: bool = True) -> Workload:
    """Load a trace directory (or its ``manifest.yaml``) as a :class:`Workload`.

    Checks the format version, every array's dtype, shape and sha256, every network invariant,
    the recorded counts and the content hash; any problem raises :class:`WorkloadError` naming the
    file. A ``generated: true`` manifest is built by its generator (and cached when ``cache``).
    """
    mpath, manifest = read_manifest(path)
    if manifest.get("generated"):
        from .generated import materialise

        return materialise(mpath, manifest, cache=cache)
    _expect(_is_int(manifest["n_ticks"]) and manifest["n_ticks"] >= 1, mpath, "n_ticks",
            "expected an integer >= 1")
    _expect(isinstance(manifest["name"], str), mpath, "name", "expected a string")
    meta = manifest.get("metadata") or {}
    _expect(isinstance(meta, dict), mpath, "metadata", "expected a mapping")
    npz_path, arrays = _load_npz(mpath, manifest)
    net = _network_from(mpath, npz_path, manifest, arrays)
    net.validate(source=str(npz_path))
    has_samples = "sample_starts" in arrays or "sample_ticks" in arrays
    if has_samples and not ("sample_starts" in arrays and "sample_ticks" in arrays):
        raise WorkloadError(f"{npz_path}: 'sample_starts' and 'sample_ticks' must be stored together")
    if "labels" in arrays and not has_samples:
        raise WorkloadError(f"{npz_path}: 'labels' stored without 'sample_starts'/'sample_ticks'")
    meta = dict(meta)
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
    counts = manifest["counts"]
    _expect(isinstance(counts, dict), mpath, "counts", "expected a mapping")
    actual = _counts(wl)
    for k, v in actual.items():
        if k in counts and counts[k] != v:
            raise WorkloadError(f"{mpath}: key 'counts.{k}' says {counts[k]!r} but the arrays hold {v}")
    if manifest.get("n_ticks") != wl.n_ticks:
        raise WorkloadError(f"{mpath}: key 'n_ticks' says {manifest.get('n_ticks')!r}, workload has {wl.n_ticks}")
