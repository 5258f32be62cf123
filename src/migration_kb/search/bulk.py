"""Writing a whole index segment at once, for a rebuild.

Whoosh's writer sends every field of every document through its analyzer chain and every posting
through a pickled, sorted temporary pool; at 100,000 entries that was most of a four-minute rebuild.
A rebuild knows its documents up front, so this gathers the postings in memory, per field and term,
and writes them with Whoosh's own codec (through `whoosh_internals.SegmentFiles`): the same files, read by
the same readers.
The text fields of `schema.document` arrive already stemmed and space-separated, so analysing them is
a split. tests/test_bulk_index.py checks that a segment written here equals one Whoosh's writer makes
from the same documents.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import selectors
import signal
import subprocess
import sys
import traceback
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from whoosh import formats
from whoosh.fields import ID, KEYWORD, Schema

from ..config import Settings
from ..db import Database
from . import postings
from .postings import PostingsWriter
from .schema import FACETS, TEXT_PARTS, build_schema, folded_words, published_documents
from .whoosh_internals import SegmentFiles, encode_frequency, encode_positions, stored_length, write_toc

SCORED = {*TEXT_PARTS, *FACETS}  # the fields whose postings the numpy scorer reads (fastscore.py)
_ONE_POSITION: dict[int, bytes] = {}  # position -> the encoded value of a word occurring once, there

# A field's terms: term -> (document numbers, value bytes), in document order. Two appends per posting:
# the frequency is read back from the value and the field length from the document when writing.
Terms = dict[str | bytes, tuple[array, list[bytes]]]


class SegmentBuilder:
    """Postings, lengths, stored values and columns of one new segment, written on `finish()`."""

    def __init__(self, folder: Path, schema: Schema):
        self.schema = schema
        self.files = SegmentFiles(folder)
        indexed = [name for name in schema.names() if schema[name].indexed]
        self.terms: dict[str, Terms] = {name: {} for name in indexed}
        # Per scorable field, each document's length as the length column keeps it (one byte), which is
        # what Whoosh's writer hands the postings writer.
        self.lengths: dict[str, array] = {name: array("I") for name in indexed if schema[name].scorable}
        self.docnum = 0
        self._index = {name: self._analysis_of(name) for name in indexed}

    def _analysis_of(self, name: str) -> Callable[[object, int, Terms], int]:
        """How a field's value becomes postings (added to its terms), as Whoosh's analysis would make
        them; returns the field's length in that document."""
        field = self.schema[name]
        if name in TEXT_PARTS:
            return lambda value, docnum, terms: _add_positions(value.split(), docnum, terms)
        if name == "spell":
            return lambda value, docnum, terms: _add_frequencies(folded_words(value), docnum, terms)
        if isinstance(field, KEYWORD) and isinstance(field.format, formats.Frequency):
            # CommaSeparatedTokenizer: each non-empty run between commas, stripped
            return lambda value, docnum, terms: _add_frequencies(
                [w.strip() for w in value.split(",") if w], docnum, terms)
        if type(field) is ID and isinstance(field.format, formats.Existence):
            return _add_whole

        def whoosh_index(value, docnum: int, terms: Terms) -> int:  # anything else: Whoosh's own analysis
            length = 0
            for term, freq, _weight, vbytes in field.index(value):
                _add(terms, term, docnum, vbytes)
                length += freq
            return length
        return whoosh_index

    def add(self, doc: dict) -> None:
        docnum, schema = self.docnum, self.schema
        for lengths in self.lengths.values():
            lengths.append(0)
        fields = []
        for name in sorted(doc):
            value = doc[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                length = self._index[name](value, docnum, self.terms[name])
                if field.scorable:
                    self.lengths[name][docnum] = stored_length(length)
                else:
                    length = 0
            fields.append((name, field, value, length))
        self.files.add_document(docnum, fields)
        self.docnum += 1

    def finish(self):
        """Write the postings (Whoosh's, and the scorer's file: postings.py) and close the segment's files;
        returns the segment for the index's TOC."""
        listed = PostingsWriter(self.files.path(postings.EXT))
        try:
            self.files.write_postings(self._fields(), also=lambda name, term, docnums, weights: (
                listed.add(name, term, docnums, weights) if name in SCORED else None))
            listed.close()
        except BaseException:
            listed.cancel()
            raise
        return self.files.finish(self.docnum)

    def _fields(self) -> Iterator[tuple]:
        """Each field's postings in term order, one field at a time (its unsorted terms freed first)."""
        for name in sorted(self.terms):
            terms = self.terms.pop(name)
            if not terms:
                continue
            encoded = sorted((t if isinstance(t, bytes) else t.encode("utf-8"), p) for t, p in terms.items())
            del terms
            yield name, self.schema[name], encoded, self.lengths.get(name)


def _add(terms: Terms, term, docnum: int, value: bytes) -> None:
    found = terms.get(term)
    if found is None:
        found = terms[term] = (array("I"), [])
    found[0].append(docnum)
    found[1].append(value)


def _add_whole(value: str, docnum: int, terms: Terms) -> int:
    """An ID field: the whole value is the one term."""
    _add(terms, value, docnum, b"")
    return 1


def _add_positions(words: list[str], docnum: int, terms: Terms) -> int:
    # Where each word first occurs, and how often the repeated ones occur, in C (dict, zip, Counter):
    # a Python loop over every word was the slowest part of a rebuild.
    n = len(words)
    first = dict(zip(reversed(words), range(n - 1, -1, -1), strict=True))
    repeated = {w: c for w, c in Counter(words).items() if c > 1} if len(first) < n else {}
    encode, single = encode_positions, _ONE_POSITION
    for word, pos in first.items():
        count = repeated.get(word)
        if count is None:  # most postings: one occurrence, its encoding shared by every such posting
            value = single.get(pos)
            if value is None:
                value = single[pos] = encode([pos])
        else:
            poses = [pos]
            for _ in range(count - 1):
                poses.append(words.index(word, poses[-1] + 1))
            value = encode(poses)
        found = terms.get(word)  # _add, inlined: this runs for most postings
        if found is None:
            found = terms[word] = (array("I"), [])
        found[0].append(docnum)
        found[1].append(value)
    return n


def _add_frequencies(words: list[str], docnum: int, terms: Terms) -> int:
    counts: dict[str, int] = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    for word, n in counts.items():
        _add(terms, word, docnum, encode_frequency(n))
    return len(words)


# -- a rebuild: segments written by one process, or several in parallel ---------------------------------
PR_SET_PDEATHSIG = 1  # prctl(2)
SEGMENT_ENTRIES = 50_000  # entries per segment written at once: about 500 MB of postings in memory


class BuildFailed(Exception):
    """A process writing part of the index failed; the message says which and why."""


def write_index(folder: Path, db: Database, ids: list[str], procs: int = 1,
                progress: Callable[[int], None] | None = None) -> int:
    """Write a complete index of the published entries among `ids` into the empty folder `folder`.

    The ids are cut into runs of at most SEGMENT_ENTRIES (a run's postings are held in memory until
    written), each written as a segment. With procs > 1, by that many worker processes at a time
    (new processes, so a server's threads and connections are never forked). Returns the entries written.
    """
    progress = progress or (lambda n: None)
    schema = build_schema()
    size = max(1, min(SEGMENT_ENTRIES, -(-len(ids) // max(procs, 1))))
    runs = [ids[start:start + size] for start in range(0, len(ids), size)] or [[]]
    if procs <= 1 or len(runs) == 1:
        segments = [_write_segment(folder, schema, db, run, progress) for run in runs]
    else:
        segments = _in_workers(folder, db.settings, runs, procs, progress)
    write_toc(folder, schema, [segment for segment in segments if segment.doc_count_all()])
    return sum(segment.doc_count_all() for segment in segments)


def _write_segment(folder: Path, schema: Schema, db: Database, ids: list[str], progress) -> object:
    # Millions of small postings objects and no reference cycles: the cyclic collector would only walk
    # them again and again (that more than doubled a 100,000-entry build).
    collecting = gc.isenabled()
    gc.disable()
    try:
        builder = SegmentBuilder(folder, schema)
        for docs in published_documents(db, ids):
            for doc in docs:
                builder.add(doc)
            progress(len(docs))
        return builder.finish()
    finally:
        if collecting:
            gc.enable()


class _Worker:
    """One run written by `python -m migration_kb.search.bulk`: it reads the run's ids from part-N.ids,
    prints its progress on stdout and leaves its segment, pickled, in part-N.segment."""

    def __init__(self, folder: Path, n: int, ids: list[str], settings: Settings):
        self.part = folder / f"part-{n}"
        self.file("ids").write_text("\n".join(ids))
        env = {**os.environ, "MIGRATION_KB_DATABASE_URL": settings.database_url}  # not argv: it may hold a password
        with self.file("log").open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(settings.instance), str(self.part), str(os.getpid())],
                stdout=subprocess.PIPE, stderr=log, env=env)

    def file(self, kind: str) -> Path:
        return self.part.with_suffix(f".{kind}")

    def result(self):
        """The segment, once the process has ended; raises BuildFailed with its last words if it failed."""
        if self.proc.wait() != 0:
            tail = self.file("log").read_text(errors="replace").strip().splitlines()[-1:]
            raise BuildFailed(f"the process writing {self.part.name} of the index failed"
                              + (f": {tail[0]}" if tail else f" (exit status {self.proc.returncode})"))
        return pickle.loads(self.file("segment").read_bytes())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        for kind in ("ids", "log", "segment"):
            self.file(kind).unlink(missing_ok=True)


def _in_workers(folder: Path, settings: Settings, runs: list[list[str]], procs: int, progress) -> list:
    """Write each run in a worker process, `procs` at a time, passing their progress on."""
    pending = list(enumerate(runs))
    segments, started = {}, []
    try:
        with selectors.DefaultSelector() as selector:
            while pending or selector.get_map():
                while pending and len(selector.get_map()) < procs:
                    worker = _Worker(folder, *pending.pop(0), settings)
                    started.append(worker)
                    selector.register(worker.proc.stdout, selectors.EVENT_READ, worker)
                for key, _ in selector.select():
                    worker = key.data
                    line = worker.proc.stdout.readline()
                    if line:
                        progress(int(line))
                    else:  # the worker closed its output: it has ended
                        selector.unregister(worker.proc.stdout)
                        segments[worker.part.name] = worker.result()
    finally:
        for worker in started:
            worker.close()
    return [segments[worker.part.name] for worker in started]  # in the order of the ids, as one process would


def _worker(instance: str, part: str, parent: str) -> int:
    """In a worker process: write the segment of the ids listed in `part`.ids. Returns the exit status."""
    _die_with(int(parent))
    part_path = Path(part)
    db = Database(Settings.load(instance))
    try:
        ids = [i for i in part_path.with_suffix(".ids").read_text().split("\n") if i]
        segment = _write_segment(part_path.parent, build_schema(), db, ids, lambda n: print(n, flush=True))
        tmp = part_path.with_suffix(".segment.tmp")
        tmp.write_bytes(pickle.dumps(segment))
        os.replace(tmp, part_path.with_suffix(".segment"))
        return 0
    except Exception as exc:
        traceback.print_exc()
        print(f"{exc.__class__.__name__}: {exc}".splitlines()[0], file=sys.stderr)  # the line the parent reports
        return 1
    finally:
        db.dispose()


def _die_with(parent: int) -> None:
    """A worker must not outlive the rebuild that started it (say, a server killed mid-rebuild): Linux
    kills it when its parent dies; and if the parent died before that was asked, it stops now."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(_worker(*sys.argv[1:4]))
