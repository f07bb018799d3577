"""Workloads too large to ship: built on first use from a ``generated: true`` manifest, then cached.

The manifest names a generator registered in :data:`neurosim.workload.library.GENERATORS` and its
parameters, and records the expected ``content_hash``. A build whose hash differs (e.g. a numpy
release changed a random stream) is refused rather than silently used.

Cache location, first usable of:

1. ``$NEUROSIM_CACHE_DIR/workloads``
2. ``<trace dir>/.neurosim-cache`` (git-ignored) when the trace directory is writable
3. ``$XDG_CACHE_HOME/neurosim/workloads`` (default ``~/.cache/neurosim/workloads``)

Each entry is an ordinary trace directory ``<name>-<key>`` where ``key`` hashes the generator,
its parameters and the expected content hash, so entries never collide and a changed manifest
never reuses a stale build. Only entries inside these cache directories are ever replaced.

Because the manifest's ``name`` becomes part of a path, it must be a plain file name (letters, digits
and ``._+-``, starting with a letter or digit, at most :data:`MAX_NAME_CHARS` characters); every entry
path is checked to stay directly inside its cache directory, and an entry that is a symbolic link is
neither read nor replaced. The generator's parameters are checked (type, range, memory) by
:func:`neurosim.workload.library.params.check_params` before the generator runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import warnings
from pathlib import Path

from .errors import WorkloadError

__all__ = ["materialise", "cache_dirs", "cache_key", "safe_name", "MAX_NAME_CHARS"]

#: Longest name of a generated trace (it names a cache entry, with 17 more characters).
MAX_NAME_CHARS = 128
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def safe_name(name) -> bool:
    """Whether ``name`` can be a file name in any folder: letters, digits and ``._+-``, starting with a
    letter or digit (so never ``.``, ``..``, hidden, absolute or holding a separator), at most
    :data:`MAX_NAME_CHARS` characters."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_CHARS and bool(_SAFE.match(name))


def _inside(folder: Path, entry: Path) -> bool:
    """Whether ``entry`` is directly inside ``folder``, by its text and, for the folder, as resolved."""
    try:
        return (entry.parent == folder and entry.name not in ("", ".", "..")
                and entry.parent.resolve() == folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def cache_dirs(trace_dir: Path) -> list[Path]:
    """Candidate cache directories, in order of preference."""
    out = []
    env = os.environ.get("NEUROSIM_CACHE_DIR")
    if env:
        out.append(Path(env) / "workloads")
    out.append(Path(trace_dir) / ".neurosim-cache")
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    out.append(Path(xdg) / "neurosim" / "workloads")
    return out


def cache_key(generator: dict, content_hash: str) -> str:
    """16 hex digits identifying one generator call and its expected result."""
    blob = json.dumps({"generator": generator, "content_hash": content_hash, "format_version": 1},
                      sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _writable(d: Path) -> bool:
    try:
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=d):
            pass
        return True
    except OSError:
        return False


def _finish(wl, mpath, manifest):
    """Give a built or cached workload the generated manifest's name and description."""
    wl.name = str(manifest["name"])
    meta = dict(wl.metadata)
    meta.update(manifest.get("metadata") or {})
    for k in ("description", "family"):
        if manifest.get(k):
            meta[k] = manifest[k]
    meta["generator"] = manifest["generator"]
    wl.metadata = meta
    return wl


def materialise(mpath: Path, manifest: dict, *, cache: bool = True):
    """Build (or fetch from cache) the workload described by a ``generated: true`` manifest.

    Checks the manifest's name (a safe file name), content hash, counts, ``n_ticks`` and generator
    parameters before anything is built or written."""
    from .io import _expect, _is_int, _show, _where, check_count_types, check_counts, load_workload, save_workload
    from .library import GENERATORS, resolved_params
    from .library.params import check_params

    name = manifest["name"]
    _expect(safe_name(name), mpath, "name",
            f"a generated trace's name names its cache entry: expected 1 to {MAX_NAME_CHARS} letters, digits "
            f"or '._+-', starting with a letter or digit, got {_show(name)}")
    expected = manifest["content_hash"]
    _expect(isinstance(expected, str) and re.fullmatch(r"[0-9a-f]{64}", expected), mpath, "content_hash",
            f"expected 64 lowercase hex digits (a sha256), got {_show(expected)}")
    _expect(_is_int(manifest["n_ticks"]) and 1 <= manifest["n_ticks"] <= 2 ** 31 - 1, mpath, "n_ticks",
            f"expected an integer in [1, 2,147,483,647], got {_show(manifest['n_ticks'])}")
    check_count_types(mpath, manifest)
    for k in ("description", "family"):
        _expect(manifest.get(k) is None or isinstance(manifest[k], str), mpath, k,
                f"expected a string, got {_show(manifest.get(k))}")
    _expect(manifest.get("metadata") is None or isinstance(manifest["metadata"], dict), mpath, "metadata",
            f"expected a mapping, got {_show(manifest.get('metadata'))}")
    gen = manifest.get("generator")
    if not (isinstance(gen, dict) and isinstance(gen.get("name"), str)
            and isinstance(gen.get("params", {}), dict)):
        raise WorkloadError(f"{_where(mpath, 'generator')}: generated trace needs key 'generator' with 'name' "
                            "and 'params' (a mapping)")
    fn = GENERATORS.get(gen["name"])
    if fn is None:
        raise WorkloadError(
            f"{_where(mpath, 'generator.name')}: key 'generator.name': unknown generator {_show(gen['name'])} "
            f"(known: {sorted(GENERATORS)})"
        )
    params = gen.get("params", {})
    kwargs = check_params(gen["name"], params, resolved_params(gen["name"], {}), lambda key: _where(mpath, key))
    key = cache_key(gen, expected)
    entry_name = f"{name}-{key}"
    if cache:
        for d in cache_dirs(mpath.parent):
            entry = d / entry_name
            if not _inside(d, entry) or entry.is_symlink():
                continue
            if (entry / "manifest.yaml").is_file():
                try:
                    wl = load_workload(entry)
                except WorkloadError as e:
                    warnings.warn(f"ignoring damaged workload cache entry {entry}: {e}", stacklevel=2)
                    continue
                if wl.content_hash() == expected:
                    return _finish(wl, mpath, manifest)
    try:
        wl = fn(**kwargs)
    except WorkloadError as e:
        raise WorkloadError(f"{_where(mpath, 'generator.params')}: generator {gen['name']!r} refused its "
                            f"parameters: {e}") from None
    except (TypeError, ValueError, ArithmeticError, IndexError) as e:
        raise WorkloadError(f"{_where(mpath, 'generator.params')}: key 'generator.params' does not fit "
                            f"generator {gen['name']!r} ({type(e).__name__}: {str(e)[:200]})") from None
    if wl.content_hash() != expected:
        raise WorkloadError(
            f"{mpath}: generator {gen['name']!r} built a workload whose content hash "
            f"{wl.content_hash()[:16]}... differs from the recorded {str(expected)[:16]}... "
            "(the generator or numpy's random streams changed; regenerate with scripts/make_traces.py)"
        )
    check_counts(mpath, manifest, wl)
    wl = _finish(wl, mpath, manifest)
    if cache:
        for d in cache_dirs(mpath.parent):
            entry = d / entry_name
            if not _inside(d, entry) or entry.is_symlink() or not _writable(d):
                continue
            try:
                save_workload(wl, entry, overwrite=entry.exists(), compress=False, generator=gen)
            except (WorkloadError, OSError) as e:
                warnings.warn(f"could not cache generated workload in {entry}: {e}", stacklevel=2)
                continue
            break
    return wl
