"""Resource limits on what neurosim reads and builds, and how a user raises them.

Inputs are data, and data can ask for more than a machine has: a 500-byte YAML alias bomb expands
to gigabytes, a crossbar of 10^6 x 10^6 cells needs terabytes, a sweep grid of ten keys with ten
values each is 10^10 points. Every such input is refused *before* the memory is spent, with a message
that gives the number needed, the limit, and the environment variable (or option) that raises it.

Each limit is read from the environment at the moment it is checked, so a user (or a test) can set
it for one command: ``NEUROSIM_MAX_SWEEP_POINTS=200000 neurosim sweep big.yaml``. docs/security.md
lists them all.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class Limit:
    """One limit: its environment variable, default, unit and what it bounds."""

    env: str
    default: int
    unit: str
    what: str

    def value(self) -> int:
        """The limit in force: the environment variable if set (``k``/``M``/``G`` suffixes for bytes)."""
        raw = os.environ.get(self.env)
        if raw is None or raw.strip() == "":
            return self.default
        try:
            return parse_size(raw) if self.unit == "bytes" else int(raw)
        except ValueError:
            raise InputError(f"environment variable {self.env}={raw!r}: expected a whole number"
                             + (" of bytes, optionally with a k, M, G or T suffix" if self.unit == "bytes" else ""))

    def exceeded(self, needed, what: str | None = None) -> str:
        """The message for an input that needs ``needed`` (in this limit's unit) against the limit."""
        shown = fmt_bytes(needed) if self.unit == "bytes" else f"{needed:,}"
        cap = fmt_bytes(self.value()) if self.unit == "bytes" else f"{self.value():,}"
        return (f"{what or self.what} needs {shown} {'' if self.unit == 'bytes' else self.unit}".rstrip()
                + f", above the limit of {cap} (raise it with the environment variable {self.env})")


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?\s*$")


def parse_size(text: str) -> int:
    """``"512M"`` -> 536870912; plain digits are bytes."""
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(text)
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


def fmt_bytes(n) -> str:
    """Bytes in binary units, 3 significant digits: ``fmt_bytes(3 << 30)`` -> ``"3.00 GiB"``."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(n) < 1024 or unit == "EiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} EiB"


#: Largest YAML file (chip, manifest, sweep spec) read, in bytes.
YAML_BYTES = Limit("NEUROSIM_MAX_YAML_BYTES", 4 << 20, "bytes", "a YAML file")
#: Deepest nesting of mappings and lists in a YAML document.
YAML_DEPTH = Limit("NEUROSIM_MAX_YAML_DEPTH", 64, "levels", "YAML nesting")
#: Most nodes a YAML document may expand to once its aliases are followed.
YAML_NODES = Limit("NEUROSIM_MAX_YAML_NODES", 200_000, "nodes", "a YAML document (aliases expanded)")
#: Most points one sweep spec may expand to.
SWEEP_POINTS = Limit("NEUROSIM_MAX_SWEEP_POINTS", 20_000, "points", "the sweep")


def available_memory_bytes() -> int:
    """Memory a run may plan to use: ``NEUROSIM_MEMORY_LIMIT`` if set, else the memory available now
    (``MemAvailable`` of /proc/meminfo; physical memory where that file does not exist)."""
    raw = os.environ.get(MEMORY.env)
    if raw:
        return MEMORY.value()
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


#: Memory a chip and a workload may need (default: what the machine has available).
MEMORY = Limit("NEUROSIM_MEMORY_LIMIT", 0, "bytes", "the run")


def check_memory(needed_bytes: int, what: str) -> None:
    """Raise :class:`~neurosim.errors.ResourceLimitError` when ``needed_bytes`` exceeds the memory limit."""
    from .errors import ResourceLimitError

    cap = available_memory_bytes()
    if needed_bytes > cap:
        source = (f"the limit {MEMORY.env}={os.environ[MEMORY.env]}" if os.environ.get(MEMORY.env)
                  else "the memory available on this machine")
        raise ResourceLimitError(f"{what} needs about {fmt_bytes(needed_bytes)}, more than {fmt_bytes(cap)} "
                                 f"({source}; set {MEMORY.env} to plan for a larger machine)")
