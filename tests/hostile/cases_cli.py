"""Hostile and careless command lines: arguments, options, output folders."""
from __future__ import annotations

from .harness import Case

CASES = [
    Case("validate-missing-file", ["validate", "nowhere.yaml"], names=("nowhere.yaml", "no such config file")),
    Case("run-unknown-strategy", ["run", "ideal", "{root}/traces/digits", "--mapping", "bogus"],
         names=("--mapping", "bogus")),
]
