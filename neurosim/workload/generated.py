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
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

from .errors import WorkloadError

__all__ = ["materialise", "cache_dirs", "cache_key"]


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
                      sort_keys=True, separators=(",", ":"))
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
    """Build (or fetch from cache) the workload described by a ``generated: true`` manifest."""
    from .io import check_counts, load_workload, save_workload
    from .library import GENERATORS

    gen = manifest.get("generator")
    if not (isinstance(gen, dict) and isinstance(gen.get("name"), str)
            and isinstance(gen.get("params", {}), dict)):
        raise WorkloadError(f"{mpath}: generated trace needs key 'generator' with 'name' and 'params'")
    fn = GENERATORS.get(gen["name"])
    if fn is None:
        raise WorkloadError(
            f"{mpath}: key 'generator.name': unknown generator {gen['name']!r} "
            f"(known: {sorted(GENERATORS)})"
        )
    expected = manifest["content_hash"]
    key = cache_key(gen, expected)
    entry_name = f"{manifest['name']}-{key}"
    if cache:
        for d in cache_dirs(mpath.parent):
            entry = d / entry_name
            if (entry / "manifest.yaml").is_file():
                try:
                    wl = load_workload(entry)
                except WorkloadError as e:
                    warnings.warn(f"ignoring damaged workload cache entry {entry}: {e}", stacklevel=2)
                    continue
                if wl.content_hash() == expected:
                    return _finish(wl, mpath, manifest)
    try:
        wl = fn(**gen.get("params", {}))
    except TypeError as e:
        raise WorkloadError(f"{mpath}: key 'generator.params' does not fit generator {gen['name']!r} ({e})") from None
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
            if _writable(d):
                entry = d / entry_name
                try:
                    save_workload(wl, entry, overwrite=entry.exists(), compress=False, generator=gen)
                except (WorkloadError, OSError) as e:
                    warnings.warn(f"could not cache generated workload in {entry}: {e}", stacklevel=2)
                    continue
                break
    return wl
