"""The documentation is self-contained: a user who clones the repository can follow every citation.

* No tracked file cites the private design notes (the two background files kept outside the
  repository); design and sources are docs/design.md and docs/references.md.
* Every relative markdown link in docs/*.md and README.md points to an existing file and, for a
  ``#anchor`` into a markdown file, to an existing heading (GitHub's slug rules).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Spelled in pieces so that this file does not match itself.
PRIVATE_NOTES = ("DESIGN" + ".md", "REFERENCES" + ".md")

#: Generated or vendored files that are not ours to word (none at present).
EXCLUDED_PREFIXES: tuple = ()


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def test_no_tracked_file_cites_the_private_design_notes():
    offenders = []
    for rel in _tracked_files():
        if rel.startswith(EXCLUDED_PREFIXES):
            continue
        path = ROOT / rel
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        for name in PRIVATE_NOTES:
            if name.encode() in data:
                lines = [i + 1 for i, line in enumerate(data.splitlines()) if name.encode() in line]
                offenders.append(f"{rel}:{lines[0]}: cites {name}")
    assert not offenders, ("cite docs/design.md or docs/references.md (or the public paper) instead:\n"
                           + "\n".join(offenders))


_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def _strip_code(text: str) -> str:
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed (letters,
    digits, spaces, '-' and '_' kept), each space a '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)    # links keep their text
    text = re.sub(r"<[^>]+>", "", text)                       # inline HTML
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def heading_anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for m in _HEADING.finditer(_FENCE.sub("", text)):
        slug = github_slug(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    anchors.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", text))
    return anchors


def _documents() -> list[Path]:
    return sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def test_github_slug_examples():
    assert github_slug("Crossbar electrics") == "crossbar-electrics"
    assert github_slug("### `lifetime`") .endswith("lifetime")
    assert github_slug("1.4 Series single-path model — `series_path_resistance`, `x`") == \
        "14-series-single-path-model--series_path_resistance-x"
    assert heading_anchors("# A\n## A\n```\n# B\n```\n") == {"a", "a-1"}


@pytest.mark.parametrize("doc", _documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(doc):
    text = _strip_code(doc.read_text(encoding="utf-8"))
    broken = []
    for m in list(_LINK.finditer(text)) + list(_IMAGE.finditer(text)):
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):      # http:, https:, mailto: ...
            continue
        path_part, _, anchor = target.partition("#")
        dest = doc if not path_part else (doc.parent / path_part).resolve()
        if not dest.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and dest.suffix == ".md":
            if anchor not in heading_anchors(dest.read_text(encoding="utf-8")):
                broken.append(f"{target}: no heading with anchor #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{doc.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)
