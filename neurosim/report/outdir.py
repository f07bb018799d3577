"""Output folders that appear complete or not at all.

Every command that writes a folder of results (``run``, ``report``, ``study``) writes it into a
hidden temporary sibling, ``.neurosim-tmp-<host>-<pid>-<token>``, and renames that into place only
once every file is written. A process killed at any moment therefore leaves, at the output path,
either the previous complete result (``--force``) or nothing — never CSVs of one run beside a
``results.json`` of another. The temporary sibling of a killed process is removed by the next
command that writes into the same parent folder.

On Linux the final step is one ``renameat2`` system call: ``RENAME_EXCHANGE`` swaps the new folder
with the old one under ``--force`` (the old one is then deleted), and ``RENAME_NOREPLACE`` claims a
numbered folder ``neurosim-run-NNN`` without racing another process. Where the call is missing, two
plain renames do the same with a moment in between where the output path is absent.
"""
from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import socket
from pathlib import Path

__all__ = ["OutputFolder", "OutputExists", "TEMP_PREFIX", "is_neurosim_output"]

TEMP_PREFIX = ".neurosim-tmp-"
#: Files by which a folder is recognised as a neurosim output that ``--force`` may replace.
OUTPUT_MARKERS = ("results.json", "report.html")

_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100


class OutputExists(FileExistsError):
    """The output folder exists and replacing it was not asked for (or is not allowed)."""


def _host() -> str:
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:32] or "host"


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(src, dst, flags)``; False where the system or file system does not offer it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def is_neurosim_output(path: Path) -> bool:
    """True for an empty folder or one holding a neurosim result (``results.json`` or ``report.html``)."""
    try:
        entries = list(path.iterdir())
    except OSError:
        return False
    return not entries or any((path / m).is_file() for m in OUTPUT_MARKERS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(parent: Path) -> list[Path]:
    """Delete the temporary folders that killed neurosim processes of this host left in ``parent``."""
    removed = []
    prefix = f"{TEMP_PREFIX}{_host()}-"
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
            continue
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


class OutputFolder:
    """A result folder written in a temporary sibling and moved into place complete.

    Parameters
    ----------
    out : the folder to write (``--out``), or None for the next free ``<prefix>-NNN`` in ``parent``.
    force : replace an existing ``out`` that holds a neurosim result (never a foreign folder).
    prefix, parent : the numbered folder's name prefix and parent (default: the current directory).

    The checks that can fail on the user's input (``out`` exists, is a file, is not empty) run in
    the constructor, before any work. Use as a context manager: files go into :attr:`path`; on a
    clean exit the folder is renamed into place and :attr:`final` names it; on an exception the
    temporary folder is removed and nothing at the output path changes.
    """

    def __init__(self, out=None, *, force: bool = False, prefix: str = "neurosim-run", parent=None):
        self.force = force
        self.prefix = prefix
        if out is not None:
            self.target: Path | None = Path(out)
            self.parent = self.target.parent
            if self.target.is_symlink():
                raise OutputExists(f"{self.target} is a symbolic link; choose another --out")
            if self.target.exists():
                if not self.target.is_dir():
                    raise OutputExists(f"{self.target} exists and is not a folder")
                if any(self.target.iterdir()):
                    if not force:
                        raise OutputExists(f"{self.target} exists and is not empty; choose another --out "
                                           "or pass --force to replace it")
                    if not is_neurosim_output(self.target):
                        raise OutputExists(f"{self.target} holds files but no neurosim result "
                                           f"({' or '.join(OUTPUT_MARKERS)}); refusing to replace it, "
                                           "even with --force")
        else:
            self.target = None
            self.parent = Path(parent) if parent is not None else Path.cwd()
        self.path: Path | None = None
        self.final: Path | None = None

    # ------------------------------------------------------------------ lifecycle
    def open(self) -> Path:
        """Create the temporary folder (and the parent folders) and return it; a second call returns
        the same folder. Call it early to learn before a long computation that the place is writable."""
        if self.path is not None:
            return self.path
        name = f"{TEMP_PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(self.parent)
            os.mkdir(self.parent / name)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write an output folder there ({exc.strerror})",
                          str(self.target or self.parent)) from None
        self.path = self.parent / name
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.path, 0o777 & ~umask)
        return self.path

    def discard(self) -> None:
        if self.path is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
        self.path = None

    def commit(self) -> Path:
        """Move the finished folder into place; returns its final path."""
        assert self.path is not None, "commit() before open()"
        if self.target is None:
            self.final = self._claim_numbered()
        else:
            self.final = self._replace_target()
        self.path = None
        return self.final

    def __enter__(self) -> "OutputFolder":
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.commit()
        else:
            self.discard()
        return False

    # ------------------------------------------------------------------ the final rename
    def _claim_numbered(self) -> Path:
        n = 1
        while True:
            dst = self.parent / f"{self.prefix}-{n:03d}"
            if not dst.exists() and not dst.is_symlink():
                try:
                    if _renameat2(self.path, dst, _RENAME_NOREPLACE):
                        return dst
                    os.mkdir(dst)               # claim the name, then replace the empty folder
                    os.rename(self.path, dst)
                    return dst
                except FileExistsError:
                    pass
                except OSError as exc:
                    if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
            n += 1

    def _replace_target(self) -> Path:
        dst = self.target
        if dst.exists() and dst.is_dir() and any(dst.iterdir()):
            if not (self.force and is_neurosim_output(dst)):   # it changed while we worked
                raise OutputExists(f"{dst} was filled by something else while this command ran; "
                                   f"its result is left in {self.path}")
            if _renameat2(self.path, dst, _RENAME_EXCHANGE):
                shutil.rmtree(self.path, ignore_errors=True)   # now holds the old result
                return dst
            old = self.parent / f"{self.path.name}-old"
            os.rename(dst, old)
            os.rename(self.path, dst)
            shutil.rmtree(old, ignore_errors=True)
            return dst
        if dst.exists():
            os.rename(self.path, dst)                           # replaces an empty folder atomically
            return dst
        if not _renameat2(self.path, dst, _RENAME_NOREPLACE):
            os.rename(self.path, dst)
        return dst
