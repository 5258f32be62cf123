"""Every use of Whoosh-Reloaded's private internals, in one place, for exactly one version of it.

Two hot paths go under Whoosh's public API: a rebuild (`bulk.py`) writes segments with Whoosh's codec and fills
its postings writer's blocks directly, and the numpy scorer (`fastscore.py`) reads postings a block at a time
and the one-byte field lengths Whoosh scores with. None of that is promised to stay as it is: this module
refuses to load under any other Whoosh than the one it was written for (`check_version`, on import, so a
server or a command stops at start-up with the two versions named). Tests compare both paths with Whoosh's
public ones: tests/test_bulk_index.py (a bulk segment against Whoosh's writer) and tests/test_fastscore.py (the
numpy scorer against `searcher.search(q, limit=None)` with BM25F). To move to another Whoosh: change
WRITTEN_FOR and the pin in pyproject.toml together, and run those tests.
"""

from __future__ import annotations

import shutil
from array import array
from collections.abc import Callable
from pathlib import Path

import numpy as np
import whoosh
from whoosh import formats
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import _DEF_INDEX_NAME as INDEX_NAME
from whoosh.index import TOC
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

WRITTEN_FOR = "2.7.5"  # Whoosh-Reloaded, as pinned in pyproject.toml


class WhooshVersionError(RuntimeError):
    """The installed Whoosh is not the version whose internals this module reads."""


def check_version(found: str | None = None) -> None:
    """Raise WhooshVersionError unless the installed Whoosh (or `found`) is WRITTEN_FOR."""
    found = found if found is not None else whoosh.versionstring()
    if found != WRITTEN_FOR:
        raise WhooshVersionError(
            f"migration-kb's search reads private internals of Whoosh-Reloaded {WRITTEN_FOR} "
            f"(src/migration_kb/search/whoosh_internals.py), but Whoosh {found} is installed: install "
            f"Whoosh-Reloaded=={WRITTEN_FOR}, or port that module to {found} and run its tests")


check_version()


# -- reading: what the numpy scorer needs ----------------------------------------------------------------
def segment_id(leaf) -> str:
    """A name for a segment's reader that stays the same across searchers (a key for per-segment caches)."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else f"reader-{id(leaf)}"


def segment_file(leaf, ext: str) -> Path | None:
    """The path a file of the segment's with this extension has (MAIN_<segment id>.<ext>), or None when the
    reader is not a segment's in a folder."""
    segment, storage = getattr(leaf, "_segment", None), getattr(leaf, "_storage", None)
    folder = getattr(storage, "folder", None)
    return Path(folder) / f"{segment.segment_id()}.{ext}" if segment is not None and folder else None


# A length byte -> the length Whoosh scores with (0: None in Whoosh, NaN here: a field the document lacks).
_BYTE_LENGTHS = np.array([np.nan, *(byte_to_length(b) for b in range(1, 256))], dtype=np.float32)


def field_lengths(leaf, field: str) -> np.ndarray:
    """Each document's length in the field as Whoosh scores it (the stored one-byte approximation), float32:
    the segment's length column read whole (asked document by document, 0.5 s a field at 50,000 entries)."""
    n = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if hasattr(perdoc, "_cached_reader") else None
    if isinstance(column, NumericColumn.Reader) and column._typecode == "B":
        stored = np.zeros(n, dtype=np.uint8)  # documents past the column's end have the default, 0
        count = min(column._count, n)
        stored[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
        return _BYTE_LENGTHS[stored]
    return np.fromiter((leaf.doc_field_length(d, field, 1) for d in range(n)), dtype=np.float32, count=n)


def column_texts(leaf, field: str) -> list[str]:
    """Every document's value of a text column (deleted documents' too), by document number: a variable-length
    column's data read at once and cut (document by document, 0.5 s at 50,000 entries)."""
    column = leaf.column_reader(field)
    raw = column.raw_column() if hasattr(column, "raw_column") else column  # under the value translation
    if isinstance(raw, VarBytesColumn.Reader):
        offsets, lengths = raw._offsets, raw._lengths
        end = max((o + n for o, n in zip(offsets, lengths, strict=True)), default=0)
        data = raw._dbfile.get(raw._basepos, end) if end else b""
        return [data[o:o + n].decode("utf-8") for o, n in zip(offsets, lengths, strict=True)]
    return [v.decode("utf-8") if isinstance(v, bytes) else v for v in column]


def read_postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers as int32, term frequencies as float32) of one term in one segment."""
    if (field, text) not in leaf:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    m = leaf.postings(field, text)
    ids, weights = [], []
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):  # W3LeafMatcher, on disk: a block at a time
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int32))
            weights.append(np.asarray(m._weights, dtype=np.float32))
            m._next_block()
    else:  # any other matcher (in memory): posting by posting, through the public API
        pairs = []
        while m.is_active():
            pairs.append((m.id(), m.weight()))
            m.next()
        if pairs:
            ids.append(np.array([p[0] for p in pairs], dtype=np.int32))
            weights.append(np.array([p[1] for p in pairs], dtype=np.float32))
    if not ids:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    return np.concatenate(ids), np.concatenate(weights)


# -- writing: a whole segment at once, for a rebuild -----------------------------------------------------
_POSITIONS = formats.Positions()
_PACKED = [pack_uint(n) for n in range(64)]  # frequency values, shared


def encode_positions(positions: list[int]) -> bytes:
    """A posting's value in a field with positions (TEXT with phrase=True)."""
    return _POSITIONS.encode(positions)


def encode_frequency(n: int) -> bytes:
    """A posting's value in a field with frequencies (KEYWORD, TEXT with phrase=False)."""
    return _PACKED[n] if n < 64 else pack_uint(n)


def stored_length(length: int) -> int:
    """A field length as the length column keeps it (one byte, approximate): what Whoosh's writer hands
    the postings writer."""
    return byte_to_length(length_to_byte(length)) if length else 0


class SegmentFiles:
    """The files of one new segment, written with Whoosh's default codec (W3Codec): the same files its
    writer makes, read by the same readers. Stored fields and columns document by document, then the
    postings field by field, in term order."""

    def __init__(self, folder: Path):
        self.storage = FileStorage(str(folder))
        self.codec = default_codec()
        self.segment = self.codec.new_segment(self.storage, INDEX_NAME)
        self.perdoc = self.codec.per_document_writer(self.storage, self.segment)

    def add_document(self, docnum: int, fields: list[tuple[str, FieldType, object, int]]) -> None:
        """One document's (name, field, value, length) in name order; the value is stored if the field is."""
        perdoc = self.perdoc
        perdoc.start_doc(docnum)
        for name, field, value, length in fields:
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()

    def path(self, ext: str) -> Path:
        """Where a file of this segment's own goes (Whoosh deletes it with the segment)."""
        return Path(self.storage.folder) / f"{self.segment.segment_id()}.{ext}"

    def write_postings(self, fields, also: Callable[[str, bytes, array, list[float]], None] | None = None) -> None:
        """Postings of every field: (name, field, terms, lengths), where terms are (term bytes, (document
        numbers, value bytes)) in term order, and lengths each document's stored length (scorable fields).
        `also` is handed each term's (field name, term, document numbers, weights) as it is written."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        for name, field, terms, lengths in fields:
            writer.start_field(name, field)
            blocks = _Blocks(field.format, lengths)
            for btext, (docnums, values) in terms:
                writer.start_term(btext)
                weights = blocks.fill(writer._postwriter, docnums, values)
                writer.finish_term()
                if also is not None:
                    also(name, btext, docnums, weights)
            writer.finish_field()
        writer.close()

    def finish(self, doc_count: int):
        """The segment, for the index's table of contents."""
        self.segment.set_doc_count(doc_count)
        return self.segment


class _Blocks:
    """Fills W3PostingsWriter's blocks a whole block at a time, with what its add_posting would buffer
    (the field writer's finish_term writes the last block)."""

    def __init__(self, fmt: formats.Format, lengths: array | None):
        self.boost = fmt.field_boost
        self.decode_frequency = fmt.decode_frequency
        self.frequency_of: dict[bytes, int] = {}
        self.lengths = lengths

    def frequencies(self, values: list[bytes]) -> list[int]:
        known, decode = self.frequency_of, self.decode_frequency
        out = []
        for value in values:
            freq = known.get(value)
            if freq is None:
                freq = decode(value)
                if len(known) < 100_000:
                    known[value] = freq
            out.append(freq)
        return out

    def fill(self, postwriter, docnums: array, values: list[bytes]) -> list[float]:
        """Writes a term's blocks; returns its postings' weights (a posting's frequency times the boost)."""
        limit, boost, lengths = postwriter._blocklimit, self.boost, self.lengths
        all_weights = [f * boost for f in self.frequencies(values)]
        for start in range(0, len(docnums), limit):
            if start:
                postwriter._write_block()
            stop = start + limit
            ids = docnums[start:stop]
            postwriter._ids = ids
            weights = all_weights[start:stop]
            postwriter._weights = array("f", weights)
            postwriter._maxweight = max(0, max(weights))
            postwriter._values = [v for v in values[start:stop] if v]
            sizes = [lengths[d] for d in ids if lengths[d]] if lengths is not None else []
            postwriter._minlength = min(sizes) if sizes else None
            postwriter._maxlength = max(sizes, default=0)
        return all_weights


def write_toc(folder: Path, schema: Schema, segments: list) -> None:
    """Make the segments the index in `folder` (its table of contents, generation 0), and remove the
    per-document writers' scratch folder."""
    TOC(schema, segments, 0).write(FileStorage(str(folder)), INDEX_NAME)
    shutil.rmtree(Path(folder) / f"{INDEX_NAME}.tmp", ignore_errors=True)
