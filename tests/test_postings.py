"""The postings file a rebuild writes beside each segment (search/postings.py): it lists every scored term
exactly as Whoosh's blocks hold it, the numpy scorer reads it instead of Whoosh's blocks, and without it (a
merge, a damaged file, two terms with one key) the scores stay Whoosh's."""

import shutil

import numpy as np
import pytest
from whoosh import index as whoosh_index

from migration_kb.search import fastscore, postings
from migration_kb.search.bulk import SCORED
from migration_kb.search.postings import PostingsFile, PostingsWriter, unpack_ids
from migration_kb.search.whoosh_internals import read_postings, segment_file

from .test_fastscore import assert_scored_as_whoosh_does, kb_index  # noqa: F401 (a fixture)


def _copy(index, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(index.current_dir(), folder)
    return folder


def test_every_scored_term_is_listed_as_whooshs_blocks_hold_it(kb_index):  # noqa: F811
    index, _ = kb_index
    with index.open().reader() as reader:
        [(leaf, _)] = reader.leaf_readers()
        listed = PostingsFile(segment_file(leaf, postings.EXT))
        try:
            checked = 0
            for field in sorted(SCORED):
                for term in leaf.lexicon(field):
                    ids, weights = read_postings(leaf, field, term.decode())
                    found = listed.get(field, term)
                    assert found is not None, (field, term)
                    assert np.array_equal(unpack_ids(found[0]), ids), (field, term)
                    assert np.array_equal(found[1].astype(np.float32), weights), (field, term)
                    checked += 1
            assert checked > 10_000  # the shipped kb's words in four fields, and the facet values
            assert listed.get("body", b"zzznotaword") is None
            assert listed.get("spell", next(iter(leaf.lexicon("spell")))) is None  # not scored: not listed
        finally:
            listed.close()


def test_the_scorer_reads_a_rebuilt_segment_from_its_file(kb_index, monkeypatch):  # noqa: F811
    index, _ = kb_index
    from_whoosh = []

    def counted(leaf, field, text):
        found = read_postings(leaf, field, text)
        from_whoosh.append(len(found[0]))
        return found

    monkeypatch.setattr(fastscore, "read_postings", counted)
    assert_scored_as_whoosh_does(index.open())
    assert not any(from_whoosh), "a listed term was read from Whoosh's blocks"  # only absent terms were asked


def test_a_merge_deletes_the_file_with_its_segment_and_scores_stay_whooshs(kb_index, tmp_path):  # noqa: F811
    index, db = kb_index
    from migration_kb.search.schema import published_documents

    folder = _copy(index, tmp_path)
    assert len(list(folder.glob(f"*.{postings.EXT}"))) == 1
    ix = whoosh_index.open_dir(str(folder))
    writer = ix.writer()
    for doc in [doc for batch in published_documents(db) for doc in batch][::5]:
        writer.update_document(**doc)
    writer.commit(optimize=True)  # one new segment, written by Whoosh
    assert not list(folder.glob(f"*.{postings.EXT}"))
    assert_scored_as_whoosh_does(whoosh_index.open_dir(str(folder)))


def test_a_damaged_file_is_passed_over(kb_index, tmp_path):  # noqa: F811
    index, _ = kb_index
    folder = _copy(index, tmp_path)
    [path] = folder.glob(f"*.{postings.EXT}")
    path.write_bytes(path.read_bytes()[:5])
    with pytest.raises(ValueError):
        PostingsFile(path)
    assert_scored_as_whoosh_does(whoosh_index.open_dir(str(folder)))


def test_two_terms_with_one_key_are_left_to_whoosh(tmp_path, monkeypatch):
    path = tmp_path / f"MAIN_x.{postings.EXT}"
    writer = PostingsWriter(path)
    monkeypatch.setattr(postings, "key", lambda field, term: 7 if term in (b"a", b"b") else 9)
    writer.add("body", b"a", [1, 5], [1.0, 2.0])
    writer.add("body", b"b", [2], [1.0])
    writer.add("body", b"c", [3, 70_000, 70_001], [300.0, 1.0, 0.5])  # int32 ids, float weights
    writer.close()
    listed = PostingsFile(path)
    try:
        assert listed.get("body", b"a") is None and listed.get("body", b"b") is None
        ids, weights = listed.get("body", b"c")
        assert unpack_ids(ids).tolist() == [3, 70_000, 70_001] and weights.tolist() == [300.0, 1.0, 0.5]
    finally:
        listed.close()
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("terms", [0, 1, 63, 64, 65, 1000])
def test_each_term_is_found_in_its_block_of_the_table_and_no_other(tmp_path, terms):
    """Lookups go through every 64th key, then one block of the table: terms at a block's edges, before the
    first and after the last are found, or not, as the whole table says."""
    path = tmp_path / f"MAIN_x.{postings.EXT}"
    writer = PostingsWriter(path)
    for n in range(terms):
        writer.add("summary", f"t{n}".encode(), [n, n + 3], [1.0, float(n % 7 + 1)])
    writer.close()
    listed = PostingsFile(path)
    try:
        for n in range(terms):
            ids, weights = listed.get("summary", f"t{n}".encode())
            assert unpack_ids(ids).tolist() == [n, n + 3] and weights.tolist() == [1.0, n % 7 + 1], n
        keys = np.sort([postings.key("summary", f"t{n}".encode()) for n in range(terms)])
        absent = [f"u{n}".encode() for n in range(2000)]  # keys before, between and after the listed ones
        assert not [a for a in absent if listed.get("summary", a) is not None]
        assert any(postings.key("summary", a) < keys.min(initial=2**64 - 1) for a in absent)
        assert any(postings.key("summary", a) > keys.max(initial=0) for a in absent)
    finally:
        listed.close()
