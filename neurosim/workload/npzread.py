"""Reading a trace's ``arrays.npz`` without trusting it: every size is checked before a byte is inflated.

An ``.npz`` file is a zip archive of ``.npy`` members, and a zip archive can lie: a 40 KB member can
inflate to 4 GB, a header can declare one size and the stream deliver another, a central directory can
list millions of entries, a member can hold a pickled object array. :func:`read_arrays` therefore

1. parses the archive's end-of-central-directory record itself and refuses an archive whose central
   directory lists more than :data:`MAX_MEMBERS` members or is larger than :data:`MAX_DIRECTORY_BYTES`
   (before :mod:`zipfile` builds an object per entry);
2. refuses duplicate member names, members the manifest does not list, encrypted members and any
   compression other than *stored* and *deflated* (the two :func:`numpy.savez` writes; the others
   cannot be inflated in bounded steps by :mod:`zipfile`);
3. reads only the ``.npy`` header of each member (a few hundred bytes, ``max_header_size`` bounded) and
   compares its dtype, shape and memory order with the manifest, and the member's declared uncompressed
   size with header + data bytes;
4. has the caller check the memory the arrays need against :func:`neurosim.limits.check_memory`
   before any data is inflated (:func:`expected_bytes`);
5. inflates each member into a preallocated array in bounded chunks, reading exactly the declared
   size: a stream that delivers more or less than its header declared, or whose CRC-32 is wrong, is
   refused. Object (pickled) dtypes never reach numpy (``allow_pickle`` is never involved).

Every problem raises :class:`~neurosim.workload.errors.WorkloadError` naming the file and member.
"""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from .errors import WorkloadError

__all__ = ["read_arrays", "expected_bytes", "MAX_MEMBERS", "MAX_DIRECTORY_BYTES", "MAX_HEADER_BYTES"]

#: Most members an arrays file may list (a trace stores at most 15 arrays).
MAX_MEMBERS = 64
#: Largest central directory (bytes) an arrays file may have (15 members need about 1 KiB).
MAX_DIRECTORY_BYTES = 64 << 10
#: Largest ``.npy`` header (bytes) read from a member (numpy's own default bound).
MAX_HEADER_BYTES = 10_000
#: Bytes inflated per step when reading a member's data (bounded working memory).
CHUNK_BYTES = 8 << 20

_EOCD = struct.Struct("<4s4H2LH")            # end of central directory record, 22 bytes
_EOCD_SIG = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")           # zip64 end of central directory locator, 20 bytes
_LOCATOR_SIG = b"PK\x06\x07"
_EOCD64 = struct.Struct("<4sQ2H2L4Q")        # zip64 end of central directory record, 56 bytes
_EOCD64_SIG = b"PK\x06\x06"


def _directory_size(fp, size: int, where: str) -> tuple[int, int]:
    """(members listed, central directory bytes) from the archive's end records, as zipfile reads them."""
    if size < _EOCD.size:
        raise WorkloadError(f"{where}: not an npz file (a zip archive): {size} bytes is too short")
    tail_len = min(size, _EOCD.size + 0xFFFF)
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    pos = tail_len - _EOCD.size if tail[-_EOCD.size:-_EOCD.size + 4] == _EOCD_SIG else tail.rfind(_EOCD_SIG)
    if pos < 0 or pos + _EOCD.size > len(tail):
        raise WorkloadError(f"{where}: not an npz file (no zip end-of-directory record; truncated or another format)")
    _, _, _, _, entries, cd_size, _, _ = _EOCD.unpack(tail[pos:pos + _EOCD.size])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc_at = size - tail_len + pos - _LOCATOR.size
        if loc_at < 0:
            raise WorkloadError(f"{where}: damaged zip archive (zip64 locator missing)")
        fp.seek(loc_at)
        sig, _, eocd64_at, _ = _LOCATOR.unpack(fp.read(_LOCATOR.size))
        if sig != _LOCATOR_SIG:
            raise WorkloadError(f"{where}: damaged zip archive (zip64 locator missing)")
        fp.seek(loc_at - _EOCD64.size)
        rec = fp.read(_EOCD64.size)
        if len(rec) != _EOCD64.size or rec[:4] != _EOCD64_SIG:
            raise WorkloadError(f"{where}: damaged zip archive (zip64 end-of-directory record missing)")
        fields = _EOCD64.unpack(rec)
        entries, cd_size = fields[7], fields[8]
    return entries, cd_size


def expected_bytes(specs: dict) -> int:
    """Bytes of data the arrays of ``specs`` (name -> (dtype, shape)) hold once read."""
    total = 0
    for dtype, shape in specs.values():
        count = 1
        for s in shape:
            count *= int(s)
        total += count * np.dtype(dtype).itemsize
    return total


def _read_header(f, where: str):
    """(shape, fortran_order, dtype, header bytes) of the ``.npy`` stream ``f``."""
    version = npy_format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(f, max_header_size=MAX_HEADER_BYTES)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(f, max_header_size=MAX_HEADER_BYTES)
    else:
        raise WorkloadError(f"{where}: unsupported .npy format version {version[0]}.{version[1]} (expected 1.0 or 2.0)")
    return shape, fortran, dtype


def _err(e: BaseException) -> str:
    """An exception as ``Type: message``, cut to 200 characters (zipfile quotes whole headers)."""
    text = str(e)
    return f"{type(e).__name__}: {text if len(text) <= 200 else text[:197] + '...'}"


class _Counting:
    """A read-only stream wrapper that counts the bytes read (the header length)."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def read(self, n=-1):
        data = self.f.read(n)
        self.n += len(data)
        return data


def read_arrays(npz_path: Path, specs: dict, manifest_name: str) -> dict:
    """Read the arrays ``specs`` (name -> (dtype str, shape tuple)) from the npz file ``npz_path``.

    The archive must hold exactly the members ``<name>.npy`` of ``specs``; each member's header must
    declare the dtype and shape of its spec, in C order, and its declared uncompressed size must be
    the header plus the data. Returns name -> array (writable, C-contiguous, exactly as stored).
    The caller has checked :func:`expected_bytes` against the memory limit.
    """
    path = str(npz_path)
    try:
        fp = open(npz_path, "rb")
    except OSError as e:
        raise WorkloadError(f"{path}: cannot read the arrays file ({e.strerror or _err(e)})") from None
    with fp:
        try:
            size = fp.seek(0, 2)
            entries, cd_size = _directory_size(fp, size, path)
        except OSError as e:
            raise WorkloadError(f"{path}: cannot read the arrays file ({e.strerror or e})") from None
        if entries > MAX_MEMBERS:
            raise WorkloadError(f"{path}: the zip directory lists {entries:,} members; an arrays file holds at "
                                f"most {MAX_MEMBERS} (one per array named in {manifest_name})")
        if cd_size > MAX_DIRECTORY_BYTES:
            raise WorkloadError(f"{path}: the zip directory is {cd_size:,} bytes; an arrays file's is at most "
                                f"{MAX_DIRECTORY_BYTES:,}")
        fp.seek(0)
        try:
            zf = zipfile.ZipFile(fp)
        except Exception as e:  # BadZipFile, struct/EOF/overflow errors of a damaged directory
            raise WorkloadError(f"{path}: not a readable npz file (zip archive): {_err(e)}") from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise WorkloadError(f"{path}: the zip directory lists {len(infos):,} members; an arrays file holds "
                                    f"at most {MAX_MEMBERS}")
            names = [i.filename for i in infos]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise WorkloadError(f"{path}: member {dup[0]!r} appears more than once in the zip archive")
            wanted = {f"{k}.npy": k for k in specs}
            extra = [n for n in names if n not in wanted]
            if extra:
                raise WorkloadError(f"{path}: member {extra[0]!r} is not an array listed in {manifest_name} "
                                    f"key 'arrays.entries'")
            for member, k in wanted.items():
                if member not in names:
                    raise WorkloadError(f"{path}: array {k!r} listed in {manifest_name} is missing")
            out = {}
            for info in infos:
                k = wanted[info.filename]
                out[k] = _read_member(zf, info, k, specs[k], path)
    return out


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, k: str, spec, path: str) -> np.ndarray:
    where = f"{path}: array {k!r}"
    dtype, shape = np.dtype(spec[0]), tuple(int(s) for s in spec[1])
    if info.flag_bits & 0x1:
        raise WorkloadError(f"{where}: the member is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise WorkloadError(f"{where}: compression method {info.compress_type} is not supported "
                            "(an arrays file is stored or deflated, as numpy.savez writes it)")
    try:
        f = zf.open(info)
    except Exception as e:  # bad local header, name mismatch, zip64 inconsistencies
        raise WorkloadError(f"{where}: unreadable zip member ({_err(e)})") from None
    with f:
        counting = _Counting(f)
        try:
            got_shape, fortran, got_dtype = _read_header(counting, where)
        except WorkloadError:
            raise
        except Exception as e:  # bad magic, header too long or not a dict, zlib/CRC errors
            raise WorkloadError(f"{where}: not a valid .npy member ({_err(e)})") from None
        if got_dtype.hasobject:
            raise WorkloadError(f"{where}: holds Python objects (a pickle); refused, expected {dtype.str}")
        if got_dtype.str != dtype.str or tuple(got_shape) != shape:
            raise WorkloadError(f"{where} is {got_dtype.str} {list(got_shape)}, manifest says "
                                f"{dtype.str} {list(shape)}")
        if fortran and len(shape) > 1:
            raise WorkloadError(f"{where}: is stored in Fortran order, expected C order")
        nbytes = expected_bytes({k: (dtype, shape)})
        if info.file_size != counting.n + nbytes:
            raise WorkloadError(f"{where}: the zip member declares {info.file_size:,} bytes, its header and "
                                f"{dtype.str} {list(shape)} data make {counting.n + nbytes:,}")
        arr = np.empty(shape, dtype=dtype)
        view = memoryview(arr).cast("B") if nbytes else memoryview(b"")
        done = 0
        try:
            while done < nbytes:
                chunk = f.read(min(CHUNK_BYTES, nbytes - done))
                if not chunk:
                    break
                view[done:done + len(chunk)] = chunk
                done += len(chunk)
            rest = f.read(1)          # reaches the end of the member: zipfile checks the CRC-32 there
        except Exception as e:  # zlib errors, CRC mismatch, truncated member
            raise WorkloadError(f"{where}: damaged data ({_err(e)})") from None
        if done < nbytes:
            raise WorkloadError(f"{where}: the member ends after {done:,} of {nbytes:,} data bytes (truncated)")
        if rest:
            raise WorkloadError(f"{where}: the member holds more data than its header declares")
    if dtype == np.bool_ and nbytes and int(arr.view(np.uint8).max()) > 1:
        raise WorkloadError(f"{where}: boolean array holds bytes other than 0 and 1")
    return arr
