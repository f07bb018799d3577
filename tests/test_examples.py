"""The example scripts run as a user runs them and use only the public API."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
EXPECT = {
    "compare_mappings.py": [r"sequential: write lifetime [0-9.e+]+ runs", r"espine: write lifetime [0-9.e+]+ runs .*x sequential"],
    "crossbar_size.py": [r"64x64 .*\d", r"128x128 .*\d", r"256x256 .*\d"],
    "age_chip.py": [r"refresh policy 'none': first reprogram after", r"refresh policy 'reprogram'", r"age +10\.00 y: accuracy"],
}


def test_at_least_three_examples():
    assert {p.name for p in EXAMPLES} >= set(EXPECT)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, env=ENV)
    assert r.returncode == 0, r.stderr
    for pattern in EXPECT.get(script.name, []):
        assert re.search(pattern, r.stdout), (pattern, r.stdout)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_uses_public_api_only(script):
    text = script.read_text()
    imports = re.findall(r"^\s*(?:from|import)\s+(neurosim[\w.]*)", text, re.M)
    assert imports, "an example must use neurosim"
    for mod in imports:
        assert mod in ("neurosim", "neurosim.metrics"), mod
    assert "._" not in text.replace("__file__", "")
