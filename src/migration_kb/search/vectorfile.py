"""The vectors file a rebuild writes beside each segment it makes: the segment's entries' vectors by document
number, read a block of rows at a time by every search instead of held in each server's memory.

At 100,000 entries the vectors are 51 MB of int8. Held in the process, they were a quarter of `serve`'s
memory, in every server process, and read from the database at each start. In a file, they sit in the page
cache once for all the processes that search the index, and a search reads them in blocks that fit the
processor's cache (~7 ms per 100,000 entries on this machine, beside a search's ~30 ms there).

Layout, little-endian: MAGIC, then rows (uint64) and dimensions (uint32), then each row's scale (float32),
then whether it has a vector (uint8), then the int8 rows from the first multiple of 64 bytes. Written to a
temporary file, then renamed. Named like the segment's own files (`MAIN_<segment id>.mkbvec`), so Whoosh
deletes it with its segment.
"""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

import numpy as np

EXT = "mkbvec"
MAGIC = b"MKBVEC1\n"
HEADER = struct.Struct("<QI")
ALIGN = 64


def _layout(rows: int) -> tuple[int, int, int]:
    """Where the scales, the present flags and the rows start."""
    scales = len(MAGIC) + HEADER.size
    present = scales + 4 * rows
    start = -(-(present + rows) // ALIGN) * ALIGN
    return scales, present, start


def write(path: Path, matrix: np.ndarray, scales: np.ndarray, present: np.ndarray) -> None:
    """Write a segment's vectors (int8 rows, their scales, which rows have a vector) as one file."""
    rows, dim = matrix.shape
    _, at_present, at_rows = _layout(rows)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + HEADER.pack(rows, dim))
            f.write(np.ascontiguousarray(scales, dtype="<f4").tobytes())
            f.write(np.ascontiguousarray(present, dtype=np.uint8).tobytes())
            f.write(b"\0" * (at_rows - at_present - rows))
            f.write(np.ascontiguousarray(matrix, dtype=np.int8).tobytes())
        os.chmod(tmp, 0o644)  # as the segment's own files: readable by a server running as another user
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class VectorFile:
    """A segment's vectors file: its scales and flags in memory (5 bytes an entry), its rows read on demand."""

    def __init__(self, path: Path, rows: int, dim: int):
        self._fd = os.open(path, os.O_RDONLY)
        try:
            at_scales, at_present, self._start = _layout(rows)
            head = os.pread(self._fd, len(MAGIC) + HEADER.size, 0)
            if head[:len(MAGIC)] != MAGIC or HEADER.unpack(head[len(MAGIC):]) != (rows, dim):
                raise ValueError(f"{path} is not the vectors of a segment of {rows} entries")
            if os.fstat(self._fd).st_size != self._start + rows * dim:
                raise ValueError(f"{path} is cut short")
            self.scales = np.frombuffer(os.pread(self._fd, 4 * rows, at_scales), dtype="<f4").astype(np.float32)
            self.present = np.frombuffer(os.pread(self._fd, rows, at_present), dtype=np.uint8).astype(bool)
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise
        self.rows, self.dim = rows, dim

    def __len__(self) -> int:
        return self.rows

    def read_rows(self, start: int, out: np.ndarray) -> np.ndarray:
        """Rows start.. into `out` (int8, as many rows as it holds, fewer at the end); the rows read."""
        count = min(len(out), self.rows - start)
        part = out[:count]
        if count and os.preadv(self._fd, [memoryview(part).cast("B")], self._start + start * self.dim) != part.nbytes:
            raise OSError("the vectors file ended early")
        return part

    def __del__(self):
        # Closed when no searcher generation holds it any more: a search still running on the generation a
        # merge replaced reads it to the end.
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            os.close(fd)


def beside(path: Path | None, rows: int, dim: int) -> VectorFile | None:
    """The vectors file at `path`, or None when there is none or it is not whole (the database is read then)."""
    if path is None or not path.exists():
        return None
    try:
        return VectorFile(path, rows, dim)
    except (OSError, ValueError):
        return None
