"""The field tables of the HTML reports and ``summary.csv``: every flat result field a report's runs
produced, with its unit and meaning from :mod:`neurosim.metrics.fields` — one renderer for
``neurosim run``, sweep and study reports, so a field added there appears in all three."""
from __future__ import annotations

import math
import numbers
from pathlib import Path

from ..metrics.fields import describe
from .html import esc, fmt, table
from .tables import write_csv

__all__ = ["fields_section", "write_summary_csv"]


def _scalar(v) -> bool:
    return v is None or isinstance(v, (bool, str, numbers.Number))


def _number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, str):
        return float(v) if v in ("inf", "-inf") else None
    return float(v) if isinstance(v, numbers.Real) and not math.isnan(float(v)) else None


def _keys(rows) -> list:
    keys = []
    for r in rows:
        for k, v in r.items():
            if k not in keys and not k.startswith("_") and _scalar(v):
                keys.append(k)
    return keys


def fields_section(rows: list, *, title: str = "All result fields") -> str:
    """A collapsed HTML table of every scalar key of ``rows`` (flat results). One row: each field's
    value; several: how many results have it and its range (numbers) or values (text)."""
    keys = _keys(rows)
    if not keys:
        return ""
    body = []
    for k in keys:
        unit, doc = describe(k)
        vals = [r[k] for r in rows if k in r]
        if len(rows) == 1:
            body.append([f"<code>{esc(k)}</code>", fmt(vals[0]), esc(unit), esc(doc) or "—"])
            continue
        nums = [x for x in (_number(v) for v in vals) if x is not None]
        if nums and len(nums) == len([v for v in vals if v is not None]):
            spread = f"{fmt(min(nums))} … {fmt(max(nums))}" if min(nums) != max(nums) else fmt(nums[0])
        else:
            distinct = list(dict.fromkeys(str(v) for v in vals))
            spread = esc(", ".join(distinct[:4]) + (f", … ({len(distinct)} values)" if len(distinct) > 4 else ""))
        body.append([f"<code>{esc(k)}</code>", esc(unit), esc(doc) or "—", f"{len(vals)}", spread])
    header = (["field", "value", "unit", "meaning"] if len(rows) == 1
              else ["field", "unit", "meaning", "results", "range or values"])
    return (f"<details><summary>{esc(title)} ({len(keys)}; units and meanings: neurosim.metrics.fields, "
            f"docs/results_format.md)</summary>{table(header, body)}</details>")


def write_summary_csv(path: Path, flat: dict) -> None:
    """``field, value, unit, meaning`` of one flat result."""
    write_csv(path, ["field", "value", "unit", "meaning"],
              ([k, v, *describe(k)] for k, v in flat.items() if not k.startswith("_") and _scalar(v)))
