"""Self-contained HTML pages: inline CSS, figures embedded as base64 PNG data URIs, no scripts and no
external URLs, so a report opens anywhere (also offline, in a headless browser, or as an e-mail
attachment)."""
from __future__ import annotations

import base64
import html
import math

__all__ = ["page", "figure", "table", "fmt", "esc"]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:1.5em auto;max-width:1100px;
color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
h3{font-size:1.0em;margin-bottom:.3em}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.2em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555;max-width:560px}
.kpi{display:flex;flex-wrap:wrap;gap:.8em;margin:.8em 0}
.kpi div{border:1px solid #ddd;border-radius:6px;padding:.5em .8em;min-width:150px}
.kpi b{display:block;font-size:1.25em}.kpi span{font-size:.8em;color:#666}
.note{font-size:.85em;color:#555}
code{background:#f4f4f4;padding:0 .25em}
"""


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def fmt(value, digits: int = 4) -> str:
    """Human-readable number: ``inf`` as ∞, None as —, floats with ``digits`` significant digits."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return "∞" if value == "inf" else esc(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if math.isnan(v):
        return "—"
    if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits}g}"


def figure(png_bytes: bytes, alt: str, caption: str = "", fig_id: str = "") -> str:
    data = base64.b64encode(png_bytes).decode("ascii")
    ident = f' id="{esc(fig_id)}"' if fig_id else ""
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure{ident}><img alt="{esc(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def table(header, rows) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )
