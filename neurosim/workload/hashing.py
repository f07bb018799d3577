"""Stable content hashes of named numpy arrays (sha256, identical across runs and machines).

Each array contributes its name, its little-endian dtype string, its shape and its raw C-order
bytes, in the order given; the digest is therefore independent of platform byte order, memory
layout and Python hash seeds.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

__all__ = ["canonical", "array_sha256", "hash_arrays"]


def canonical(arr: np.ndarray) -> np.ndarray:
    """``arr`` as a C-contiguous little-endian array (a view when it already is one)."""
    arr = np.asarray(arr)
    dt = arr.dtype
    if dt.fields is None and dt.byteorder == ">":
        arr = arr.astype(dt.newbyteorder("<"))
    elif dt.fields is not None:
        little = np.dtype([(n, dt.fields[n][0].newbyteorder("<")) for n in dt.names])
        if little != dt:
            arr = arr.astype(little)
    return np.ascontiguousarray(arr)


def array_sha256(arr: np.ndarray) -> str:
    """sha256 hex digest of an array's canonical bytes (data only, no dtype or shape)."""
    return hashlib.sha256(canonical(arr).tobytes()).hexdigest()


def hash_arrays(items, extra=None) -> str:
    """sha256 over ``(name, array)`` pairs plus an optional JSON-able ``extra`` object."""
    h = hashlib.sha256()
    for name, arr in items:
        arr = canonical(arr)
        header = json.dumps([name, arr.dtype.descr if arr.dtype.fields else arr.dtype.str,
                             list(arr.shape)])
        h.update(header.encode())
        h.update(b"\0")
        h.update(arr.tobytes())
    if extra is not None:
        h.update(json.dumps(extra, sort_keys=True, separators=(",", ":")).encode())
    return h.hexdigest()
