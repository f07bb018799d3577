"""The :class:`Mapping` data contract (docs/architecture.md, section "Mapping") and its checks.

A mapping places every neuron of a compiled network on a chip described by a
:class:`~neurosim.config.HardwareConfig`:

* ``neuron_crossbar[n]``, ``neuron_column[n]`` (int32[n]): crossbar and logical column of neuron
  n's *home* slot (its neuron circuit); -1 for input neurons.
* ``crossbar_tile[k]`` (int32[K], K = ``hw.n_crossbars``): tile of crossbar k, always
  ``k // crossbars_per_tile`` (crossbars are numbered tile by tile; placement decides which cluster
  goes to which crossbar id).
* ``crossbar_rows[k]`` (int32[K, R]): presynaptic neuron id on each word line, -1 = unused row.
* ``crossbar_columns[k]`` (int32[K, C_logical]): postsynaptic neuron id on each logical column,
  -1 = unused. A neuron whose fan-in exceeds the rows owns several columns in different crossbars
  (partial-sum slots); its home slot is the one named by ``neuron_crossbar``/``neuron_column``.
* ``synapse_crossbar[s]``, ``synapse_row[s]``, ``synapse_column[s]`` (int32[nnz], CSR order of the
  compiled network): the cell holding synapse s.

Example
-------
>>> import neurosim as ns                                             # doctest: +SKIP
>>> m = ns.map_workload(wl, ns.load_hardware("espine_pcm"), "sequential")  # doctest: +SKIP
>>> m.validate(wl, hw); m.save("run/mapping.npz")                     # doctest: +SKIP
>>> m2 = ns.mapping.load_mapping("run/mapping.npz")                   # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .netview import as_network
from ..errors import InputError

__all__ = ["Mapping", "MappingError", "load_mapping", "MAPPING_FORMAT_VERSION"]

MAPPING_FORMAT_VERSION = 1

_ARRAYS = (
    "neuron_crossbar", "neuron_column", "crossbar_tile", "crossbar_rows", "crossbar_columns",
    "synapse_crossbar", "synapse_row", "synapse_column",
)


class MappingError(InputError):
    """A mapping is invalid, cannot be built (network too large, fan-in too high, unknown
    strategy), or cannot be saved/loaded. The message names what is wrong and by how much."""


@dataclass(eq=False)
class Mapping:
    """Neuron → (tile, crossbar, row | column) placement; plain int32 arrays (see module docstring).

    ``strategy`` and ``seed`` record how it was made; ``metadata`` holds JSON-able extras
    (partition and placement statistics, the PSO convergence trace, predicted metrics)."""

    neuron_crossbar: np.ndarray
    neuron_column: np.ndarray
    crossbar_tile: np.ndarray
    crossbar_rows: np.ndarray
    crossbar_columns: np.ndarray
    synapse_crossbar: np.ndarray
    synapse_row: np.ndarray
    synapse_column: np.ndarray
    strategy: str = "custom"
    seed: int = 0
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in _ARRAYS:
            setattr(self, name, np.ascontiguousarray(np.asarray(getattr(self, name)), dtype=np.int32))

    # ------------------------------------------------------------------ views
    @property
    def n_neurons(self) -> int:
        return int(self.neuron_crossbar.shape[0])

    @property
    def n_crossbars(self) -> int:
        return int(self.crossbar_tile.shape[0])

    @property
    def neuron_tile(self) -> np.ndarray:
        """int32[n]: tile of each neuron's home slot (-1 for inputs)."""
        out = np.full(self.n_neurons, -1, np.int32)
        m = self.neuron_crossbar >= 0
        out[m] = self.crossbar_tile[self.neuron_crossbar[m]]
        return out

    def used_crossbars(self) -> np.ndarray:
        """Ids of crossbars holding at least one column, increasing."""
        return np.flatnonzero((self.crossbar_columns >= 0).any(axis=1)).astype(np.int32)

    def used_tiles(self) -> np.ndarray:
        """Ids of tiles holding at least one used crossbar, increasing."""
        return np.unique(self.crossbar_tile[self.used_crossbars()]).astype(np.int32)

    def arrays(self) -> dict:
        return {k: getattr(self, k) for k in _ARRAYS}

    def __repr__(self) -> str:
        return (f"Mapping(strategy={self.strategy!r}, seed={self.seed}, neurons={self.n_neurons}, "
                f"crossbars_used={len(self.used_crossbars())}/{self.n_crossbars}, "
                f"synapses={self.synapse_crossbar.size})")

    # ------------------------------------------------------------- validation
    def validate(self, workload_or_network, hw) -> "Mapping":
        """Check this mapping against a network and a chip; raise :class:`MappingError` naming the
        first violated rule. Rules: array shapes match the chip; crossbars are numbered tile by
        tile; every non-input neuron has a home slot that lists it and inputs have none; a neuron
        appears at most once per crossbar (rows and columns); every synapse sits in exactly one
        cell whose row holds its presynaptic and whose column its postsynaptic neuron; every used
        row and non-home column carries at least one synapse. Capacities (rows ≤
        ``tile.crossbar_rows``, columns ≤ ``hw.neurons_per_crossbar``) follow from the shapes.
        Returns ``self``."""
        net = as_network(workload_or_network)
        n, nnz = net.n_neurons, net.post.shape[0]
        K, R, C = hw.n_crossbars, hw.tile.crossbar_rows, hw.neurons_per_crossbar

        def fail(msg):
            raise MappingError(f"invalid mapping ({self.strategy}): {msg}")

        want = {
            "neuron_crossbar": (n,), "neuron_column": (n,), "crossbar_tile": (K,),
            "crossbar_rows": (K, R), "crossbar_columns": (K, C), "synapse_crossbar": (nnz,),
            "synapse_row": (nnz,), "synapse_column": (nnz,),
        }
        for k, shape in want.items():
            got = getattr(self, k).shape
            if got != shape:
                fail(f"array {k!r} has shape {got}, expected {shape} for a network of {n} neurons / "
                     f"{nnz} synapses on chip {hw.name!r} ({K} crossbars of {R} rows x {C} logical columns)")
        cpt = hw.tile.crossbars_per_tile
        if not np.array_equal(self.crossbar_tile, np.arange(K, dtype=np.int32) // cpt):
            k = int(np.flatnonzero(self.crossbar_tile != np.arange(K) // cpt)[0])
            fail(f"crossbar_tile[{k}] = {int(self.crossbar_tile[k])}, but crossbars are numbered tile by "
                 f"tile ({cpt} per tile): expected {k // cpt}")
        for k in ("crossbar_rows", "crossbar_columns"):
            a = getattr(self, k)
            if a.size and (a.min() < -1 or a.max() >= n):
                fail(f"array {k!r} holds neuron ids outside [-1, {n})")
        cols = self.crossbar_columns
        rows = self.crossbar_rows
        # inputs have no slot; every other neuron has a home slot that names it
        inp = net.is_input
        if np.any(self.neuron_crossbar[inp] != -1) or np.any(self.neuron_column[inp] != -1):
            i = int(np.flatnonzero(inp & ((self.neuron_crossbar != -1) | (self.neuron_column != -1)))[0])
            fail(f"input neuron {i} must have neuron_crossbar = neuron_column = -1")
        if np.any(inp[cols[cols >= 0]]):
            fail(f"input neuron {int(cols[cols >= 0][inp[cols[cols >= 0]]][0])} occupies a column")
        lif = np.flatnonzero(~inp)
        hk, hc = self.neuron_crossbar[lif], self.neuron_column[lif]
        bad = (hk < 0) | (hk >= K) | (hc < 0) | (hc >= C)
        if np.any(bad):
            i = int(lif[bad][0])
            fail(f"neuron {i} has no valid home slot (crossbar {int(self.neuron_crossbar[i])}, "
                 f"column {int(self.neuron_column[i])})")
        if np.any(cols[hk, hc] != lif):
            i = int(lif[cols[hk, hc] != lif][0])
            fail(f"neuron {i}'s home slot (crossbar {int(self.neuron_crossbar[i])}, column "
                 f"{int(self.neuron_column[i])}) holds neuron {int(cols[self.neuron_crossbar[i], self.neuron_column[i]])}")
        # at most once per crossbar
        for name, a in (("crossbar_columns", cols), ("crossbar_rows", rows)):
            kk, _ = np.nonzero(a >= 0)
            key = kk.astype(np.int64) * n + a[a >= 0]
            u, cnt = np.unique(key, return_counts=True)
            if np.any(cnt > 1):
                d = int(u[cnt > 1][0])
                fail(f"neuron {d % n} appears {int(cnt[cnt > 1][0])} times in {name}[{d // n}]")
        # synapses
        sk, sr, sc = self.synapse_crossbar, self.synapse_row, self.synapse_column
        if nnz:
            badk = (sk < 0) | (sk >= K) | (sr < 0) | (sr >= R) | (sc < 0) | (sc >= C)
            if np.any(badk):
                s = int(np.flatnonzero(badk)[0])
                fail(f"synapse {s} is placed outside the chip (crossbar {int(sk[s])}, row {int(sr[s])}, column {int(sc[s])})")
            pre = net.pre
            wrong_row = rows[sk, sr] != pre
            if np.any(wrong_row):
                s = int(np.flatnonzero(wrong_row)[0])
                fail(f"synapse {s} ({int(pre[s])} -> {int(net.post[s])}) sits on row {int(sr[s])} of crossbar "
                     f"{int(sk[s])}, which holds presynaptic neuron {int(rows[sk[s], sr[s]])}")
            wrong_col = cols[sk, sc] != net.post
            if np.any(wrong_col):
                s = int(np.flatnonzero(wrong_col)[0])
                fail(f"synapse {s} ({int(pre[s])} -> {int(net.post[s])}) sits in column {int(sc[s])} of crossbar "
                     f"{int(sk[s])}, which holds neuron {int(cols[sk[s], sc[s]])}")
            cell = (sk.astype(np.int64) * R + sr) * C + sc
            u, cnt = np.unique(cell, return_counts=True)
            if np.any(cnt > 1):
                c = int(u[cnt > 1][0])
                fail(f"{int(cnt[cnt > 1][0])} synapses share cell (crossbar {c // (R * C)}, row {(c // C) % R}, column {c % C})")
            used_rows = np.zeros((K, R), bool)
            used_rows[sk, sr] = True
            used_cols = np.zeros((K, C), bool)
            used_cols[sk, sc] = True
        else:
            used_rows = np.zeros((K, R), bool)
            used_cols = np.zeros((K, C), bool)
        idle_row = (rows >= 0) & ~used_rows
        if np.any(idle_row):
            k, r = (int(x[0]) for x in np.nonzero(idle_row))
            fail(f"row {r} of crossbar {k} is given to neuron {int(rows[k, r])} but holds no synapse")
        home = np.zeros((K, C), bool)
        home[hk, hc] = True
        idle_col = (cols >= 0) & ~home & ~used_cols
        if np.any(idle_col):
            k, c = (int(x[0]) for x in np.nonzero(idle_col))
            fail(f"column {c} of crossbar {k} is a partial-sum slot of neuron {int(cols[k, c])} but holds no synapse")
        return self

    # ------------------------------------------------------------------- I/O
    def save(self, path, *, overwrite: bool = False) -> Path:
        """Write an ``.npz`` file (arrays + JSON header). Refuses to replace an existing file
        unless ``overwrite=True``. Returns the path written (exactly ``path``; no suffix added)."""
        path = Path(path)
        header = {
            "format": "neurosim-mapping", "format_version": MAPPING_FORMAT_VERSION,
            "strategy": self.strategy, "seed": int(self.seed), "metadata": self.metadata,
        }
        try:
            blob = json.dumps(header, default=_json_default)
        except (TypeError, ValueError) as e:
            raise MappingError(f"{path}: mapping metadata is not JSON-serialisable ({e})") from None
        if path.exists() and not overwrite:
            raise MappingError(f"{path}: file exists; refusing to overwrite it (pass overwrite=True)")
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, header=np.frombuffer(blob.encode(), dtype=np.uint8), **self.arrays())
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise OSError(exc.errno, f"cannot write the mapping there ({exc.strerror})", str(path)) from None
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)          # atomic "create if absent"
            except FileExistsError:
                os.unlink(tmp)
                raise MappingError(f"{path}: file exists; refusing to overwrite it (pass overwrite=True)") from None
            except OSError:
                if path.exists():
                    os.unlink(tmp)
                    raise MappingError(f"{path}: file exists; refusing to overwrite it") from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
        return path


def load_mapping(path) -> Mapping:
    """Read a mapping written by :meth:`Mapping.save`; :class:`MappingError` on a bad file."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: no such mapping file")
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode())
            arrays = {k: z[k] for k in _ARRAYS}
    except (OSError, ValueError, KeyError) as e:
        raise MappingError(f"{path}: not a neurosim mapping file ({e})") from None
    if header.get("format") != "neurosim-mapping":
        raise MappingError(f"{path}: not a neurosim mapping file (format {header.get('format')!r})")
    if header.get("format_version") != MAPPING_FORMAT_VERSION:
        raise MappingError(f"{path}: mapping format version {header.get('format_version')} is not supported "
                           f"(this neurosim reads version {MAPPING_FORMAT_VERSION})")
    return Mapping(**arrays, strategy=header.get("strategy", "custom"), seed=int(header.get("seed", 0)),
                   metadata=header.get("metadata") or {})


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not serialisable")
