"""Argument checks shared by the crossbar solvers: one clear ``ValueError`` naming the argument."""
from __future__ import annotations

import math

import numpy as np


def check_conductances(G, name: str = "G", *, allow_negative: bool = False) -> np.ndarray:
    """Return ``G`` as a C-contiguous float64 (R, C) array; raise ``ValueError`` naming ``name``."""
    arr = np.asarray(G, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name}: expected a 2-D (rows, columns) array of conductances in siemens, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: conductances must be finite (found NaN or inf)")
    if not allow_negative and np.any(arr < 0):
        i, j = np.argwhere(arr < 0)[0]
        raise ValueError(f"{name}: conductances must be >= 0 siemens; {name}[{i}, {j}] = {arr[i, j]:g}")
    return np.ascontiguousarray(arr)


def check_resistance(value, name: str) -> float:
    """A non-negative finite resistance in ohms."""
    try:
        r = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a resistance in ohms (a number), got {value!r}") from None
    if not math.isfinite(r) or r < 0:
        raise ValueError(f"{name}: must be a finite resistance >= 0 ohm, got {value!r}")
    return r


def check_inputs(v_in, n_rows: int, name: str = "v_in"):
    """Return ``(V, batched)``: ``V`` is a float64 (B, R) array; ``batched`` says whether ``v_in`` was 2-D."""
    arr = np.asarray(v_in, dtype=np.float64)
    if arr.ndim == 1:
        batched = False
        arr = arr[None, :]
    elif arr.ndim == 2:
        batched = True
    else:
        raise ValueError(f"{name}: expected shape ({n_rows},) or (batch, {n_rows}), got {arr.shape}")
    if arr.shape[1] != n_rows:
        raise ValueError(f"{name}: has {arr.shape[1]} word-line voltages but the crossbar has {n_rows} rows")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: voltages must be finite")
    return np.ascontiguousarray(arr), batched
