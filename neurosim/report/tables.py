"""The one CSV writer of every renderer (run folders, studies, sweep reports)."""
from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["write_csv", "csv_cell"]


def csv_cell(v):
    """One value-formatting rule for every CSV cell: strings unchanged, ``None`` and NaN empty,
    numpy scalars as plain Python numbers, ±inf as ``inf``/``-inf``, lists and tuples space-separated."""
    from .results import jsonable
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return " ".join(str(csv_cell(x)) for x in v)
    v = jsonable(v)
    return "" if v is None else v


def write_csv(path, columns: list | None, rows) -> None:
    """Write ``rows`` under the header ``columns`` to ``path``.

    A row is a sequence (one value per column, in order) or a dict (looked up by column name; a
    missing key is an empty cell). With ``columns=None`` the rows must be dicts and the header is
    every key in first-seen order."""
    rows = list(rows) if columns is None else rows
    if columns is None:
        columns = []
        for r in rows:
            for k in r:
                if k not in columns:
                    columns.append(k)
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            values = [r.get(c) for c in columns] if isinstance(r, dict) else r
            w.writerow([csv_cell(v) for v in values])
