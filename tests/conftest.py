import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def hwconfig_dir():
    return ROOT / "hwconfigs"


@pytest.fixture(scope="session")
def traces_dir():
    return ROOT / "traces"
