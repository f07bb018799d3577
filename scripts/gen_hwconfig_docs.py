"""Regenerate docs/hwconfig.md and neurosim/schema/hwconfig.schema.json from the config schema."""
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurosim.config.docgen import json_schema_text, markdown  # noqa: E402

(ROOT / "docs" / "hwconfig.md").write_text(markdown(), encoding="utf-8")
(ROOT / "neurosim" / "schema" / "hwconfig.schema.json").write_text(json_schema_text(), encoding="utf-8")
print("wrote docs/hwconfig.md and neurosim/schema/hwconfig.schema.json")
