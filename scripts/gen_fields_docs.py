"""Regenerate the result-field table of docs/results_format.md from neurosim.metrics.fields."""
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurosim.metrics.fields import markdown_table  # noqa: E402

START, END = "<!-- fields:start (scripts/gen_fields_docs.py) -->\n", "<!-- fields:end -->\n"
path = ROOT / "docs" / "results_format.md"
text = path.read_text(encoding="utf-8")
a, b = text.index(START) + len(START), text.index(END)
path.write_text(text[:a] + markdown_table() + text[b:], encoding="utf-8")
print("wrote the field table of docs/results_format.md")
