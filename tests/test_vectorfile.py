"""The vectors file a rebuild writes beside each segment (search/vectorfile.py): searches read the vectors from
it instead of holding them, with the same similarities, results and related practices as from the database."""

from __future__ import annotations

import numpy as np
import pytest

from migration_kb import encoder
from migration_kb.search import meaning, vectorfile
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from migration_kb.store import save_entry

from .test_meaning import _record, _save_schooling

pytestmark = [pytest.mark.databases("sqlite"),
              pytest.mark.skipif(not encoder.available(), reason="the sentence encoder is not installed")]

QUESTIONS = ["harvest workers crossing a border", "documents for nationals living abroad",
             "niños que aprenden en dos idiomas"]


def _rows(n: int, dim: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    present = rng.random(n) > 0.2
    matrix = rng.integers(-127, 128, size=(n, dim), dtype=np.int8) * present[:, None].astype(np.int8)
    return matrix, rng.random(n).astype(np.float32) * present, present


def test_rows_scales_and_flags_come_back_as_written(tmp_path):
    matrix, scales, present = _rows(1_300)
    path = tmp_path / f"MAIN_x.{vectorfile.EXT}"
    vectorfile.write(path, matrix, scales, present)
    got = vectorfile.beside(path, 1_300, 8)
    assert np.array_equal(got.scales, scales) and np.array_equal(got.present, present)
    buffer = np.empty((512, 8), dtype=np.int8)
    rows = np.concatenate([got.read_rows(start, buffer).copy() for start in range(0, 1_300, 512)])
    assert np.array_equal(rows, matrix) and len(got.read_rows(1_299, buffer)) == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_a_file_that_is_not_the_segments_is_not_read(tmp_path):
    matrix, scales, present = _rows(100)
    path = tmp_path / f"MAIN_x.{vectorfile.EXT}"
    vectorfile.write(path, matrix, scales, present)
    assert vectorfile.beside(path, 99, 8) is None  # another segment's size
    assert vectorfile.beside(path, 100, 16) is None  # another model's vectors
    path.write_bytes(path.read_bytes()[:-1])
    assert vectorfile.beside(path, 100, 8) is None  # cut short
    assert vectorfile.beside(tmp_path / "none", 100, 8) is None


@pytest.fixture
def rebuilt(db, settings):
    with db.session() as s:
        for n, (title, summary) in enumerate([
                ("Seasonal farm work between two countries", "Workers travel each year for the harvest."),
                ("Consular offices issue identity cards", "Nationals abroad get documents at the consulate."),
                ("Return and reintegration of nationals", "Help for citizens who come back home.")]):
            save_entry(s, _record(id=f"xx-file-{n}", title=title, summary=summary), state="published")
    index = SearchIndex(settings.index_dir)
    index.rebuild(db)
    return index


def _answers(searcher: Searcher) -> list:
    out = []
    for q in QUESTIONS:
        for mode in ("meaning", "hybrid"):
            result = searcher.search(SearchRequest(q=q, mode=mode))
            out.append([(h.id, round(h.score, 6), h.by_meaning) for h in result.hits])
    out.append([h.id for h in searcher.related("xx-file-0", by="meaning")])
    return out


def test_a_rebuild_writes_them_and_searches_read_them_not_hold_them(db, rebuilt):
    [written] = list(rebuilt.current_dir().glob(f"*.{vectorfile.EXT}"))
    searcher = Searcher(rebuilt, db)
    try:
        from_file = _answers(searcher)
        [(_, block)] = searcher._vectors.blocks
        assert isinstance(block, vectorfile.VectorFile)  # 5 bytes an entry held, not 517
    finally:
        searcher.close()
    written.unlink()  # as an index written before these files: the vectors come from the database
    searcher = Searcher(rebuilt, db)
    try:
        assert _answers(searcher) == from_file
        [(_, block)] = searcher._vectors.blocks
        assert isinstance(block, meaning.SegmentVectors)
    finally:
        searcher.close()


def test_a_saves_segment_is_held_beside_the_rebuilds_file(db, rebuilt):
    searcher = Searcher(rebuilt, db)
    try:
        searcher.search(SearchRequest(q="seasonal work", mode="meaning"))
        _save_schooling(db, rebuilt, searcher, "xx-file-new")
        hits = searcher.search(SearchRequest(q="children taught in two languages", mode="meaning")).hits
        assert hits[0].id == "xx-file-new"
        kinds = [type(block) for _, block in searcher._vectors.blocks]
        assert kinds == [vectorfile.VectorFile, meaning.SegmentVectors]
        related = [h.id for h in searcher.related("xx-file-new", by="meaning")]  # its vector from memory,
        assert set(related) <= {"xx-file-0", "xx-file-1", "xx-file-2"} and related  # the others' from the file
    finally:
        searcher.close()
