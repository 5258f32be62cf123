"""The one write path: a save writes entry, revision and change-log row together, or nothing."""

import pytest
from sqlalchemy import func, select

from migration_kb.errors import Invalid
from migration_kb.models import Change, EntryRow, FindingRow, Revision
from migration_kb.records import validate_entry
from migration_kb.store import (
    NotFound,
    StaleVersion,
    delete_entry,
    get_entry,
    restore_revision,
    save_entry,
    set_state,
)

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def entry(**changes):
    data = {"id": "mx-ca-test", "title": "Test practice", "summary": "Summary.", "language": "en",
            "themes": ["labour-mobility"], "countries": ["MX", "CA"],
            "sources": [{"title": "An agreement", "publisher": "A ministry"}],
            "findings": [{"kind": "strength", "text": "One."}, {"kind": "lesson", "text": "Two."}]}
    data.update(changes)
    return validate_entry(data)


def counts(s):
    return tuple(s.scalar(select(func.count()).select_from(m)) for m in (EntryRow, Revision, Change))


def test_new_entry_starts_as_draft_with_revision_and_change(db):
    with db.session() as s:
        result = save_entry(s, entry())
        assert (result.outcome, result.version) == ("added", 1)
        assert counts(s) == (1, 1, 1)
        assert s.get(EntryRow, "mx-ca-test").state == "draft"
        assert get_entry(s, "mx-ca-test")[0] == entry()


def test_unchanged_save_writes_nothing(db):
    with db.session() as s:
        save_entry(s, entry())
        assert save_entry(s, entry()).outcome == "unchanged"
        assert counts(s) == (1, 1, 1)


def test_stale_version_is_refused(db):
    with db.session() as s:
        save_entry(s, entry())
        save_entry(s, entry(title="Second"), expected_version=1)
        with pytest.raises(StaleVersion) as exc:
            save_entry(s, entry(title="Third"), expected_version=1)
        assert "current version is 2" in str(exc.value)


def test_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError), db.session() as s:
        save_entry(s, entry())
        raise RuntimeError("crash after the save, before the commit")
    with db.session() as s:
        assert counts(s) == (0, 0, 0)


def test_finding_ids_survive_an_edit_of_their_text(db):
    with db.session() as s:
        save_entry(s, entry())
        ids = [f.id for f in s.scalars(select(FindingRow).order_by(FindingRow.position))]
        save_entry(s, entry(findings=[{"kind": "strength", "text": "One, edited."}]))
        rows = list(s.scalars(select(FindingRow)))
        assert [(f.id, f.text) for f in rows] == [(ids[0], "One, edited.")]


def test_publish_requires_sources(db):
    with db.session() as s:
        save_entry(s, entry(sources=[]))
        with pytest.raises(Invalid, match="at least one source"):
            set_state(s, "mx-ca-test", "published")


def test_delete_and_restore(db):
    with db.session() as s:
        save_entry(s, entry())
        save_entry(s, entry(title="Changed"))
        assert restore_revision(s, "mx-ca-test", 1).version == 3
        assert s.get(EntryRow, "mx-ca-test").title == "Test practice"
        delete_entry(s, "mx-ca-test")
        assert s.get(EntryRow, "mx-ca-test") is None
        ops = [c.op for c in s.scalars(select(Change).order_by(Change.seq))]
        assert ops == ["upsert", "upsert", "upsert", "delete"]
        with pytest.raises(NotFound):
            delete_entry(s, "mx-ca-test")


def test_runs_on_the_database_asked_for(db, backend):
    assert db.engine.dialect.name == backend


def test_an_id_used_again_after_a_delete_goes_on_from_its_history(db):
    with db.session() as s:
        save_entry(s, entry())
        save_entry(s, entry(title="Second title"))
        delete_entry(s, "mx-ca-test")
    with db.session() as s:
        result = save_entry(s, entry(title="Third life"))
        assert (result.outcome, result.version) == ("added", 4)  # 1, 2, deleted as 3
        versions = s.scalars(select(Revision.version).where(Revision.entry_id == "mx-ca-test")
                             .order_by(Revision.version)).all()
        assert versions == [1, 2, 3, 4]


def test_an_import_brings_back_a_deleted_id_after_its_history(db, tmp_path):
    from migration_kb.importer import import_paths
    from tests.conftest import write_entry

    with db.session() as s:
        save_entry(s, entry(id="mx-ca-gone"))
        delete_entry(s, "mx-ca-gone")
    report = import_paths(db, [write_entry(tmp_path, "mx-ca-gone")])
    assert report.imported and report.entries["added"] == 1
    with db.session() as s:
        assert s.get(EntryRow, "mx-ca-gone").version == 3
