"""The hostile-input corpus: each case runs ``neurosim`` as a user would, in a subprocess, in its own
temporary folder, and checks that the input was refused cleanly.

A case asserts:
- the exit status (2 for input the user can fix, unless the case says otherwise);
- no Python traceback on stdout or stderr;
- one line of stderr that names the culprit (every string of ``names`` on that line);
- a peak resident memory below ``max_mb`` (``ru_maxrss`` of the command, measured by a small launcher
  process that forks it), with an address-space limit as a safety net so that a runaway dies instead
  of taking the machine;
- for files: every input file byte-identical afterwards, and no new file or folder outside the paths
  the case allows (``may_create``, glob patterns relative to the case folder).

Cases live in ``cases_*.py`` modules beside this file, each defining ``CASES: list[Case]``.
"""
from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Callable, Optional, Union

ROOT = Path(__file__).resolve().parents[2]

#: Address-space cap of every case's process (bytes): far above what a refusal needs (numpy, scipy
#: and pydantic map ~1 GB of address space), far below what would endanger the machine.
AS_LIMIT = 6 * 1024 ** 3


@dataclass
class Case:
    """One hostile or careless input and what neurosim must do with it."""

    id: str
    args: list                                   # after ``neurosim``; "{tmp}" expands to the case folder
    files: dict = field(default_factory=dict)    # relative path -> str | bytes, written before the run
    setup: Optional[Callable[[Path], None]] = None  # for inputs easier built in Python
    rc: int = 2
    names: tuple = ()                            # substrings that must share one stderr line
    max_lines: int = 6                           # stderr lines at most (one message, maybe a header)
    max_mb: int = 700                            # peak resident memory (MiB)
    timeout_s: float = 60.0
    may_create: tuple = ()                       # glob patterns (relative) of paths the run may create
    env: dict = field(default_factory=dict)
    stdout_names: tuple = ()                     # substrings that must appear in stdout (rc 0 cases)
    check: Optional[Callable[[Path, "Outcome"], None]] = None  # extra assertions


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str
    peak_mb: float
    elapsed_s: float


#: Runs ``python -m neurosim ARGS`` as its child and reports the child's peak resident memory.
#: The measurement must come from a small parent: Linux starts a forked process's ``ru_maxrss`` at
#: its parent's resident size, so a child forked by a large pytest worker would report the worker's.
_LAUNCHER = r"""
import os, resource, sys
limit, report = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.setsid()
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "neurosim", *sys.argv[3:]])
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""


def run_neurosim(args: list, cwd: Path, env: dict | None = None, timeout_s: float = 60.0) -> Outcome:
    """Run ``python -m neurosim ARGS`` in ``cwd`` (in its own session, under the address-space cap);
    return its exit status (128 + signal if killed), output and peak resident memory."""
    full_env = dict(os.environ)
    full_env.update({"HOME": str(cwd / ".home"), "NEUROSIM_CACHE_DIR": str(cwd / ".cache"),
                     "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT),
                     "COLUMNS": "200"})
    full_env.pop("NEUROSIM_DEBUG", None)
    full_env.update(env or {})
    out_path, err_path, rss_path = cwd / ".stdout", cwd / ".stderr", cwd / ".maxrss"
    start = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(AS_LIMIT), str(rss_path), *args],
                                cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(f"neurosim {' '.join(args)} ran longer than {timeout_s} s") from None
    try:        # nothing the case started may live on
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    peak_kib = int(rss_path.read_text()) if rss_path.is_file() else 0
    outcome = Outcome(proc.returncode, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                      peak_kib / 1024.0, time.perf_counter() - start)
    for p in (out_path, err_path, rss_path):
        p.unlink(missing_ok=True)
    return outcome


def snapshot(folder: Path) -> dict:
    """Relative path -> sha256 (regular files), the target (symbolic links), the file type (FIFOs,
    sockets: never opened) or None (folders) of everything under ``folder``."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = Path(dirpath).relative_to(folder)
        for d in dirnames:
            snap[str(rel_dir / d)] = None
        for f in filenames:
            p = Path(dirpath) / f
            mode = os.lstat(p).st_mode
            if stat.S_ISLNK(mode):
                snap[str(rel_dir / f)] = f"link:{os.readlink(p)}"
            elif not stat.S_ISREG(mode):      # a FIFO or socket: opening it could block
                snap[str(rel_dir / f)] = f"special:{stat.S_IFMT(mode)}"
            else:
                try:
                    digest = hashlib.sha256()
                    with open(p, "rb") as fh:
                        for chunk in iter(lambda: fh.read(1 << 20), b""):
                            digest.update(chunk)
                    snap[str(rel_dir / f)] = digest.hexdigest()
                except OSError:
                    snap[str(rel_dir / f)] = "unreadable"
    return snap


def expand(arg, tmp: Path):
    return str(arg).replace("{tmp}", str(tmp)).replace("{root}", str(ROOT))


_IGNORED = (".home", ".home/*", ".cache", ".cache/*", ".stdout", ".stderr", ".maxrss")


def run_case(case: Case, tmp: Path) -> Outcome:
    """Lay out the case's files in ``tmp``, run it, and assert everything the corpus promises."""
    for rel, content in case.files.items():
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    if case.setup is not None:
        case.setup(tmp)
    before = snapshot(tmp)
    outcome = run_neurosim([expand(a, tmp) for a in case.args], tmp, case.env, case.timeout_s)
    after = snapshot(tmp)
    both = outcome.stdout + outcome.stderr
    context = f"\n--- stdout ---\n{outcome.stdout[-3000:]}\n--- stderr ---\n{outcome.stderr[-3000:]}"
    assert "Traceback (most recent call last)" not in both, f"traceback{context}"
    assert outcome.rc == case.rc, f"exit status {outcome.rc}, expected {case.rc}{context}"
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if case.rc != 0:
        assert len(lines) <= case.max_lines, f"{len(lines)} stderr lines, expected at most {case.max_lines}{context}"
    if case.names:
        names = [expand(n, tmp) for n in case.names]
        assert any(all(n in line for n in names) for line in lines), \
            f"no stderr line names all of {names}{context}"
    for name in case.stdout_names:
        assert expand(name, tmp) in outcome.stdout, f"stdout lacks {name!r}{context}"
    assert outcome.peak_mb <= case.max_mb, f"peak memory {outcome.peak_mb:.0f} MiB > {case.max_mb} MiB{context}"
    for rel, digest in before.items():
        assert after.get(rel, "gone") == digest, f"input {rel} was changed or removed{context}"
    allowed = _IGNORED + tuple(case.may_create)
    created = [rel for rel in after if rel not in before and not any(fnmatch(rel, pat) for pat in allowed)]
    assert not created, f"the run created {created}{context}"
    if case.check is not None:
        case.check(tmp, outcome)
    return outcome
