"""Run every case of the hostile-input corpus (``cases_*.py``) through :func:`harness.run_case`."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from .harness import ROOT, run_case, snapshot

HERE = Path(__file__).resolve().parent


def _load_cases():
    cases = []
    for path in sorted(HERE.glob("cases_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for case in module.CASES:
            cases.append(pytest.param(case, id=f"{path.stem[6:]}-{case.id}"))
    return cases


CASES = _load_cases()


def test_corpus_is_large_and_ids_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(ids) >= 150, len(ids)


@pytest.fixture(scope="module")
def shipped_tree_unchanged():
    """Nothing a case does may touch the shipped chips, traces or sweeps."""
    folders = [ROOT / "hwconfigs", ROOT / "neurosim" / "hwconfigs", ROOT / "traces", ROOT / "sweeps"]
    before = {str(f): snapshot(f) for f in folders}
    yield
    for f in folders:
        assert snapshot(f) == before[str(f)], f"{f} changed"


@pytest.mark.parametrize("case", CASES)
def test_hostile_input(case, tmp_path, shipped_tree_unchanged):
    run_case(case, tmp_path)
