"""The two-person rule after publication (issue 19.6), steps as events (18.3) and import paths (18.4), through
the JSON API and the store, on SQLite and PostgreSQL."""

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from migration_kb import accounts, pending
from migration_kb.importer import import_paths
from migration_kb.models import EntryRow, PendingVersion, Review, Revision
from migration_kb.store import revision_entry

pytestmark = pytest.mark.databases("sqlite", "postgresql")
ENTRY = "ar-cl-convenio-seguridad-social"


@pytest.fixture(scope="module")
def tokens(app):
    with app.extensions["migration_kb"].db.session() as s:
        return {name: accounts.new_token(s, accounts.add_user(s, name, role, "a long password!"))
                for name, role in [("ana", "expert"), ("ben", "expert"), ("ada", "admin")]}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def found(client, word: str, wanted: bool) -> bool:
    deadline = time.monotonic() + 3
    while True:
        hit = client.get(f"/api/v1/search?q={word}").get_json()["total"] > 0
        if hit == wanted or time.monotonic() > deadline:
            return hit


def test_a_change_to_published_text_waits_for_a_second_expert(app, client, tokens):
    before = client.get(f"/api/v1/entries/{ENTRY}").get_json()
    sent = {**before, "summary": before["summary"] + " Quetzalplume clause.", "minor": True}
    saved = client.put(f"/api/v1/entries/{ENTRY}", json=sent, headers=auth(tokens["ana"]))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["outcome"] == "pending" and saved.get_json()["version"] == before["version"] + 1
    # the public read, the search and the entry page keep the published version
    assert client.get(f"/api/v1/entries/{ENTRY}").get_json()["summary"] == before["summary"]
    assert "Quetzalplume" not in client.get(f"/entries/{ENTRY}").get_data(as_text=True)
    assert not found(client, "quetzalplume", False)
    # not by its editor; and only the version read
    url = f"/api/v1/entries/{ENTRY}/publish"
    assert client.post(f"{url}?version={before['version'] + 1}", headers=auth(tokens["ana"])).status_code == 403
    assert client.post(url, headers=auth(tokens["ben"])).status_code == 400
    assert client.post(f"{url}?version={before['version']}", headers=auth(tokens["ben"])).status_code == 409
    assert client.post(f"{url}?version={before['version'] + 1}", headers=auth(tokens["ben"])).status_code == 200
    after = client.get(f"/api/v1/entries/{ENTRY}").get_json()
    assert after["summary"].endswith("Quetzalplume clause.") and after["version"] == before["version"] + 1
    assert found(client, "quetzalplume", True)
    with app.extensions["migration_kb"].db.session() as s:
        assert s.get(PendingVersion, ENTRY) is None
        steps = list(s.scalars(select(Review.decision).where(Review.entry_id == ENTRY)))
        assert steps == ["approve"]


def test_restoring_an_old_version_of_published_text_also_waits(app, client, tokens):
    db = app.extensions["migration_kb"].db
    with db.session() as s:
        row = s.get(EntryRow, "br-cl-convenio-previdencia-social-2007")
        published = row.version
        edited = revision_entry(s, row.id, published)
        edited = type(edited)(**{**edited.__dict__, "title": edited.title + " (edited)"})
        assert pending.edit(s, edited, author_id=None, message="edited").outcome == "pending"
    with db.session() as s:
        row = s.get(EntryRow, "br-cl-convenio-previdencia-social-2007")
        assert row.version == published and not row.title.endswith("(edited)")
        result = pending.edit(s, revision_entry(s, row.id, published), author_id=None, message="restored")
        assert result.outcome == "pending" and result.version == published + 2


def test_a_published_entry_is_archived_not_deleted(app, client, tokens):
    entry = "br-de-acordo-previdencia-social-2009"
    assert client.delete(f"/api/v1/entries/{entry}", headers=auth(tokens["ana"])).status_code == 403
    assert client.get(f"/api/v1/entries/{entry}").status_code == 200
    assert client.delete(f"/api/v1/entries/{entry}", headers=auth(tokens["ada"])).status_code == 204
    assert client.get(f"/api/v1/entries/{entry}").status_code == 404
    with app.extensions["migration_kb"].db.session() as s:
        assert s.get(EntryRow, entry).state == "archived"  # kept, with its history
        assert s.scalar(select(func.count()).select_from(Revision).where(Revision.entry_id == entry)) >= 1


def test_submit_and_approve_are_events_not_versions(app, client, tokens):
    new = {"id": "two-person-events", "title": "Events not versions", "summary": "S.", "language": "en",
           "themes": ["protection", "management"], "countries": ["AR"], "sources": [{"title": "A law"}]}
    assert client.post("/api/v1/entries", json=new, headers=auth(tokens["ana"])).status_code == 201
    approved = client.post("/api/v1/entries/two-person-events/publish?version=1", headers=auth(tokens["ben"]))
    assert approved.status_code == 200 and approved.get_json()["version"] == 1
    with app.extensions["migration_kb"].db.session() as s:
        assert list(s.scalars(select(Revision.version).where(Revision.entry_id == "two-person-events"))) == [1]
    assert client.get("/api/v1/entries/two-person-events").get_json()["themes"] == ["protection", "management"]


def test_an_import_publishes_directly_and_records_the_path_inside_the_kb(app, tmp_path: Path):
    folder = tmp_path / "kb"
    (folder / "entries").mkdir(parents=True)
    (folder / "entries" / "imported-direct.md").write_text(
        "---\nid: imported-direct\ntitle: Imported\nsummary: S.\nlanguage: en\nthemes: [management]\n"
        "countries: [AR]\nsources:\n  - {title: A law}\n---\n\nBody.\n", encoding="utf-8")
    db = app.extensions["migration_kb"].db
    assert import_paths(db, [folder.resolve()]).imported
    with db.session() as s:
        assert s.get(EntryRow, "imported-direct").state == "published"
        message = s.scalar(select(Revision.message).where(Revision.entry_id == "imported-direct"))
    assert message == "imported entries/imported-direct.md"


def test_archiving_drops_a_pending_change_and_later_versions_go_past_it(app, client, tokens):
    entry = "br-es-convenio-seguridade-social-1991"
    before = client.get(f"/api/v1/entries/{entry}").get_json()
    sent = {**before, "title": before["title"] + " (pending)"}
    saved = client.put(f"/api/v1/entries/{entry}", json=sent, headers=auth(tokens["ana"]))
    pending_version = saved.get_json()["version"]
    assert client.delete(f"/api/v1/entries/{entry}", headers=auth(tokens["ada"])).status_code == 204
    db = app.extensions["migration_kb"].db
    with db.session() as s:
        assert s.get(PendingVersion, entry) is None and s.get(EntryRow, entry).version == before["version"]
        edited = revision_entry(s, entry, before["version"])
        edited = type(edited)(**{**edited.__dict__, "title": edited.title + " (archived edit)"})
        result = pending.edit(s, edited, author_id=None, message="edited while archived")
    assert result.outcome == "changed" and result.version == pending_version + 1
