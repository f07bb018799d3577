"""Hostile and careless command lines: arguments, options, output folders that cannot be written.

As root (CI) permission bits do not stop writes, so unwritable places are ones the kernel refuses to
anyone: /sys (sysfs) and a path through a regular file.
"""
from __future__ import annotations

import json
from pathlib import Path

from .harness import ROOT, Case

TRACE = "{root}/traces/synth_layered"
RUN = ["run", "ideal", TRACE, "--ticks", "5", "--mapping", "sequential", "--no-aging", "--no-ideal",
       "--timing", "functional"]
UNWRITABLE = "/sys/kernel/neurosim-out"


def _old_result(tmp: Path) -> None:
    out = tmp / "out"
    out.mkdir()
    (out / "results.json").write_text(json.dumps({"schema": "neurosim-results", "files": []}))
    (out / "report.html").write_text("<html>old</html>")


def _foreign_folder(tmp: Path) -> None:
    out = tmp / "out"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")


def _existing_mapping(tmp: Path) -> None:
    (tmp / "m.npz").write_bytes(b"not yours to replace")


CASES = [
    # ---- commands and options that do not exist
    Case("unknown-command", ["bogus"], names=("No such command", "bogus")),
    Case("unknown-option", ["run", "ideal", TRACE, "--frobnicate"], names=("--frobnicate",)),
    Case("run-missing-arguments", ["run"], names=("Missing argument", "HWCONFIG")),
    Case("validate-no-files", ["validate"], names=("Missing argument", "FILES")),
    Case("info-no-workload", ["info"], names=("Missing argument",)),
    Case("study-unknown-name", ["study", "espinee"], names=("No such command", "espinee")),
    # ---- files that are not there or not what they should be
    Case("validate-missing-file", ["validate", "nowhere.yaml"], names=("nowhere.yaml", "no such config file")),
    Case("validate-folder", ["validate", "{tmp}/folder"], setup=lambda t: (t / "folder").mkdir(),
         names=("folder", "no such config file")),
    Case("run-missing-chip", ["run", "nochip", TRACE], names=("nochip", "no such config file")),
    Case("run-missing-trace", ["run", "ideal", "{tmp}/nothing"], names=("nothing", "no such trace")),
    Case("run-trace-is-a-yaml-chip", ["run", "ideal", "{root}/hwconfigs/ideal.yaml"], names=("ideal.yaml", "format")),
    Case("info-folder-without-manifest", ["info", "{tmp}/empty"], setup=lambda t: (t / "empty").mkdir(),
         names=("empty", "manifest.yaml")),
    Case("map-missing-trace", ["map", "ideal", "{tmp}/gone"], names=("gone", "no such trace")),
    Case("report-missing-store", ["report", "{tmp}/none.db"], names=("none.db",)),
    # ---- numbers out of range or of the wrong kind
    Case("run-ticks-zero", RUN[:3] + ["--ticks", "0"], names=("--ticks", "0")),
    Case("run-ticks-negative", RUN[:3] + ["--ticks", "-5"], names=("--ticks", "-5")),
    Case("run-ticks-text", RUN[:3] + ["--ticks", "many"], names=("--ticks", "many")),
    Case("run-ticks-beyond-workload", RUN[:3] + ["--ticks", "10000000"], names=("--ticks", "10000000")),
    Case("run-ticks-float", RUN[:3] + ["--ticks", "2.5"], names=("--ticks", "2.5")),
    Case("run-seed-negative", RUN + ["--seed", "-1"], names=("--seed", "-1")),
    Case("run-seed-huge", RUN + ["--seed", str(2**64)], names=("--seed", str(2**64))),
    Case("run-seed-text", RUN + ["--seed", "abc"], names=("--seed", "abc")),
    Case("run-seed-float", RUN + ["--seed", "1.5"], names=("--seed", "1.5")),
    Case("run-age-inf", RUN[:9] + ["--age", "inf"], names=("--age", "inf")),
    Case("run-age-nan", RUN[:9] + ["--age", "nan"], names=("--age", "nan")),
    Case("run-age-negative", RUN[:9] + ["--age", "-3"], names=("--age", "-3")),
    Case("run-age-text", RUN[:9] + ["--age", "old"], names=("--age", "old")),
    Case("run-timing-bogus", RUN[:9] + ["--timing", "quantum"], names=("--timing", "quantum")),
    Case("map-seed-negative", ["map", "ideal", TRACE, "--seed", "-7"], names=("--seed", "-7")),
    Case("map-seed-huge", ["map", "ideal", TRACE, "--seed", "99999999999999999999"], names=("--seed",)),
    Case("sweep-workers-zero", ["sweep", "{root}/sweeps/read_voltage.yaml", "--workers", "0"], names=("--workers", "0")),
    Case("study-workers-negative", ["study", "espine", "--quick", "--workers", "-2"], names=("--workers", "-2")),
    # ---- strategies
    Case("run-unknown-strategy", RUN[:3] + ["--mapping", "bogus"], names=("--mapping", "bogus")),
    Case("run-unknown-baseline", RUN + ["--baseline", "magic"], names=("--baseline", "magic")),
    Case("map-unknown-strategy", ["map", "ideal", TRACE, "--strategy", "random!"], names=("--strategy", "random!")),
    # ---- output places
    Case("run-out-is-a-file", RUN + ["--out", "{tmp}/f.txt"], files={"f.txt": "keep me"}, names=("--out", "f.txt")),
    Case("run-out-not-empty", RUN + ["--out", "{tmp}/out"], setup=_old_result, names=("--out", "not empty", "--force")),
    Case("run-force-foreign-folder", RUN + ["--out", "{tmp}/out", "--force"], setup=_foreign_folder,
         names=("out", "no neurosim result")),
    Case("run-out-unwritable", RUN + ["--out", UNWRITABLE], rc=1, names=(UNWRITABLE, "cannot write")),
    Case("run-out-through-a-file", RUN + ["--out", "{tmp}/f.txt/out"], files={"f.txt": "x"}, rc=1,
         names=("f.txt", "cannot write")),
    Case("run-out-symlink", RUN + ["--out", "{tmp}/link"], setup=lambda t: (t / "link").symlink_to(t / "elsewhere"),
         names=("link", "symbolic link")),
    Case("map-out-exists", ["map", "ideal", TRACE, "--strategy", "sequential", "--out", "{tmp}/m.npz"],
         setup=_existing_mapping, names=("m.npz", "exists")),
    Case("map-out-unwritable", ["map", "ideal", TRACE, "--strategy", "sequential", "--out", UNWRITABLE + ".npz"],
         rc=1, names=("/sys/kernel",)),
    Case("schema-out-exists", ["schema", "--out", "{tmp}/s.json"], files={"s.json": "{}"}, names=("s.json", "exists")),
    Case("schema-out-unwritable", ["schema", "--out", UNWRITABLE + ".json"], rc=1, names=("/sys/kernel",)),
    Case("study-out-is-a-file", ["study", "espine", "--quick", "--out", "{tmp}/f.txt"], files={"f.txt": "x"},
         names=("--out", "f.txt")),
    Case("study-out-not-empty", ["study", "espine", "--quick", "--out", "{tmp}/out"], setup=_foreign_folder,
         names=("--out", "not empty")),
    Case("report-out-not-empty", ["report", "{root}/sweeps/read_voltage.yaml", "--out", "{tmp}/out"],
         setup=_foreign_folder, names=("read_voltage.yaml",)),
    # ---- a good command still works and writes only its output (the corpus' control case)
    Case("run-ok-control", RUN + ["--out", "{tmp}/ok"], rc=0, stdout_names=("wrote",), may_create=("ok", "ok/*")),
    Case("validate-ok-control", ["validate", "espine_pcm"], rc=0, stdout_names=("espine_pcm: OK",)),
]
