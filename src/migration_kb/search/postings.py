"""A rebuild's postings as plain arrays, in a file beside each segment it writes, for the numpy scorer.

Whoosh keeps a term's postings in pickled, compressed blocks of 128 with every word's positions; at 100,000
entries decoding them was most of a search's time (a query's words and its concepts' wordings read ~200
posting lists, a common word's body postings ~10 ms each). A rebuild holds every posting anyway, so it also
writes them as the scorer keeps them in memory (document numbers as uint16 gaps or int32, weights in the
smallest type that holds them): a term is then one `os.pread` and two `np.frombuffer`.

The file is named like the segment's own files (`MAIN_<segment id>.mkbpst`), so Whoosh deletes it with its
segment after a merge. Segments Whoosh's writer makes (the follower's commits, merges) have none and are
read from Whoosh's blocks; so is a term this file does not list (absent, or its key shared by two terms).
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import numpy as np

from .whoosh_internals import segment_file

EXT = "mkbpst"
MAGIC = b"MKBPST1\n"
FOOTER = struct.Struct("<qq")  # where the table starts, its rows
# One row per (field, term), sorted by key: a 64-bit hash of the two (a lookup is a binary search).
TABLE = np.dtype([("key", "<u8"), ("offset", "<i8"), ("count", "<u4"), ("ids", "u1"), ("weights", "u1")])
ID_TYPES = (np.dtype("<u2"), np.dtype("<i4"))
WEIGHT_TYPES = (np.dtype("u1"), np.dtype("<u2"), np.dtype("<f4"))
SAMPLE = 64  # keys of the table per block (see PostingsFile)


def compact(values: np.ndarray) -> np.ndarray:
    """Term frequencies or field lengths in the smallest type that holds them exactly."""
    if not len(values) or not np.array_equal(values, np.round(values)) or values.min() < 0:
        return values.astype(np.float32)
    top = values.max()
    return values.astype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.float32)


def pack_ids(ids: np.ndarray) -> np.ndarray:
    """Ascending document numbers as uint16 gaps when every gap fits, else as they are (int32)."""
    if len(ids):
        gaps = np.diff(ids, prepend=0)
        if gaps.max() < 2**16:
            return gaps.astype(np.uint16)
    return ids.astype(np.int32)


def unpack_ids(stored: np.ndarray) -> np.ndarray:
    return np.cumsum(stored, dtype=np.int32) if stored.dtype == np.uint16 else stored


def key(field: str, term: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(field.encode() + b"\0" + term, digest_size=8).digest(), "little")


class PostingsWriter:
    """Writes one segment's file, term by term, then its table (to a temporary name, renamed when whole)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tmp = self.path.with_suffix(".tmp")
        self._file = self._tmp.open("wb")
        self._file.write(MAGIC)
        self._rows: list[tuple[int, int, int, int, int]] = []

    def add(self, field: str, term: bytes, ids, weights) -> None:
        ids = pack_ids(np.asarray(ids, dtype=np.int64))
        weights = compact(np.asarray(weights, dtype=np.float32))
        offset = self._file.tell()
        self._file.write(ids.astype(ID_TYPES[ids.dtype != np.uint16]).tobytes())
        self._file.write(weights.astype(WEIGHT_TYPES[_weight_code(weights)]).tobytes())
        self._rows.append((key(field, term), offset, len(ids), int(ids.dtype != np.uint16), _weight_code(weights)))

    def close(self) -> None:
        table = np.array(self._rows, dtype=TABLE)
        table.sort(order="key")
        shared = np.zeros(len(table), dtype=bool)  # two terms with one key: both are left to Whoosh
        same = table["key"][1:] == table["key"][:-1]
        shared[1:] |= same
        shared[:-1] |= same
        table = table[~shared]
        start = self._file.tell()
        self._file.write(table.tobytes())
        self._file.write(FOOTER.pack(start, len(table)))
        self._file.close()
        os.replace(self._tmp, self.path)

    def cancel(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def _weight_code(weights: np.ndarray) -> int:
    return {np.dtype(np.uint8): 0, np.dtype(np.uint16): 1}.get(weights.dtype, 2)


class PostingsFile:
    """Reads a segment's file: its table mapped (a lookup touches a few pages), each term's arrays read."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(self._fd).st_size
            if size < len(MAGIC) + FOOTER.size or os.pread(self._fd, len(MAGIC), 0) != MAGIC:
                raise ValueError(f"{path} is not a postings file")
            start, rows = FOOTER.unpack(os.pread(self._fd, FOOTER.size, size - FOOTER.size))
            # A plain array over the mapping: slicing a np.memmap runs its Python __array_finalize__ (~8 us)
            self._table = np.memmap(path, dtype=TABLE, mode="r", offset=start, shape=(rows,)).view(np.ndarray) \
                if rows else np.zeros(0, dtype=TABLE)
        except BaseException:
            os.close(self._fd)
            raise
        self._keys = self._table["key"]
        # Every SAMPLE-th key, in memory: the block of the table a key is in. numpy's binary search copies a
        # strided column (the keys inside the table's rows) whole first: ~10 us a term, ~200 terms a query.
        self._sample = np.ascontiguousarray(self._keys[::SAMPLE])

    def _row(self, k: int) -> int | None:
        block = int(np.searchsorted(self._sample, k, side="right")) - 1  # sample[block] <= k < sample[block+1]
        if block < 0:
            return None
        keys = self._keys[block * SAMPLE:(block + 1) * SAMPLE]
        i = int(np.searchsorted(keys, k))
        return block * SAMPLE + i if i < len(keys) and keys[i] == k else None

    def get(self, field: str, term: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers as stored: uint16 gaps or int32, weights), or None when not listed here."""
        i = self._row(key(field, term))
        if i is None:
            return None
        row = self._table[i]
        count = int(row["count"])
        id_type, weight_type = ID_TYPES[row["ids"]], WEIGHT_TYPES[row["weights"]]
        data = os.pread(self._fd, count * (id_type.itemsize + weight_type.itemsize), int(row["offset"]))
        ids = np.frombuffer(data, dtype=id_type, count=count)
        weights = np.frombuffer(data, dtype=weight_type, count=count, offset=count * id_type.itemsize)
        return ids, weights

    def close(self) -> None:
        os.close(self._fd)


def beside(leaf) -> PostingsFile | None:
    """The postings file a rebuild wrote beside this segment, or None (Whoosh's writer made the segment, or
    the file cannot be read: Whoosh's own postings are still there)."""
    path = segment_file(leaf, EXT)
    try:
        return PostingsFile(path) if path is not None else None
    except (OSError, ValueError):
        return None
