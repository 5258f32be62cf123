"""The read layer (migration_kb.reads) and the accounts functions pages use, against a real database: what
each named query returns as plain data, and who may see what through the one permission table."""

import dataclasses

import pytest

from migration_kb import accounts, sessions, workflow
from migration_kb.reads import editing, entries, events, findings
from migration_kb.records import validate_entry, validate_event
from migration_kb.store import save_entry, save_event, set_state

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def entry(entry_id: str, **changes):
    data = {"id": entry_id, "title": f"Practice {entry_id}", "summary": "Summary.", "language": "en",
            "themes": ["labour-mobility"], "countries": ["MX", "CA"],
            "sources": [{"title": "An agreement", "publisher": "A ministry"}],
            "findings": [{"kind": "strength", "text": "One."}, {"kind": "lesson", "text": "Two."}]}
    data.update(changes)
    return validate_entry(data)


@pytest.fixture
def world(db):
    """A workshop known by an old id too, two experts, an admin, a reader and a rapporteur, a published
    entry presented at the workshop (named by the old id), a draft by the first expert, and one in review."""
    with db.session() as s:
        save_event(s, validate_event({"id": "ws-2011", "title": "Workshop", "date": "2011-04-12",
                                      "aliases": ["old-ws"],
                                      "panels": [{"id": "p1", "number": "1", "title": "Labour"}]}))
        people = {name: accounts.add_user(s, name, role, "a long password").id
                  for name, role in (("eve", "expert"), ("ed", "expert"), ("ada", "admin"), ("rob", "reader"),
                                     ("ria", "rapporteur"))}
        save_entry(s, entry("pub", panel="old-ws/p1"), state="published", author_id=people["eve"])
        save_entry(s, entry("draft-eve", superseded_by="pub"), author_id=people["eve"])
        save_entry(s, entry("in-review"), author_id=people["ed"])
        set_state(s, "in-review", "review")  # a step, not a version: it names no author
    return db, people


def account(db, user_id):
    with db.session() as s:
        return next(a for a in accounts.list_users(s) if a.id == user_id)


def test_an_entry_is_read_as_its_record_and_plain_info(world):
    db, people = world
    with db.session() as s:
        record, info = entries.entry_with_info(s, "pub")
        assert entries.entry_with_info(s, "nothing") is None
        assert not entries.exists(s, "nothing") and entries.exists(s, "draft-eve")
    assert record == entry("pub", panel="old-ws/p1")
    assert (info.id, info.state, info.version, info.author_id) == ("pub", "published", 1, people["eve"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.state = "draft"


def test_who_sees_an_unpublished_entry_is_the_permission_tables_answer(world):
    db, people = world
    with db.session() as s:
        draft, published = entries.entry_info(s, "draft-eve"), entries.entry_info(s, "pub")
    seen_by = {name: entries.may_see(draft, account(db, uid)) for name, uid in people.items()}
    # Its creator, and the roles holding "see_unpublished": not a reader, nor a rapporteur.
    assert seen_by == {"eve": True, "ed": True, "ada": True, "rob": False, "ria": False}
    assert not entries.may_see(draft, None)
    assert all(entries.may_see(published, u) for u in (None, account(db, people["rob"])))
    assert {r for r, p in workflow.PERMISSIONS.items() if "see_unpublished" in p} == {"expert", "admin"}


def test_only_published_entries_are_linked_counted_and_listed(world):
    db, _ = world
    with db.session() as s:
        assert entries.published_link(s, "pub") == entries.EntryLink("pub", "Practice pub", "en")
        assert entries.published_link(s, "draft-eve") is None and entries.published_link(s, "gone") is None
        assert [i for i, _ in entries.published_dates(s)] == ["pub"]
        assert entries.published_count(s) == 1 and not entries.is_empty(s)


def test_a_new_database_is_empty(db):
    with db.session() as s:
        assert entries.is_empty(s) and entries.published_count(s) == 0


def test_an_event_is_found_by_its_old_id_and_lists_what_was_presented(world):
    db, _ = world
    with db.session() as s:
        event = events.event_named(s, "old-ws")
        assert event.id == "ws-2011" and events.event_named(s, "nothing") is None
        assert events.presented(s, event) == {"p1": [events.PanelPractice("pub", "Practice pub", "en", None, None)]}
        place = events.panel_place(s, "old-ws/p1")
        gone = events.panel_place(s, "ws-2011/p9")
        assert events.panel_place(s, "nothing/p1") is None
        assert events.event_ids(s) == ["ws-2011"]
    assert (place.event_id, place.event_title, place.number, place.title) == ("ws-2011", "Workshop", "1", "Labour")
    assert (gone.number, gone.title) == (None, "p9")  # a panel the event no longer has is named by its id


def test_findings_of_published_entries_only(world):
    db, _ = world
    with db.session() as s:
        found = findings.published_findings(s, ["pub", "draft-eve", "in-review"])
        assert findings.published_findings(s, []) == []
    assert sorted((f.id, f.kind, f.entry_title) for f in found) == [
        ("pub:1", "strength", "Practice pub"), ("pub:2", "lesson", "Practice pub")]


def test_history_and_review_read_as_plain_lines(world):
    db, people = world
    with db.session() as s:
        workflow.act(s, "in-review", "request_changes", account(db, people["eve"]), comment="Cite the treaty.")
    with db.session() as s:
        history = editing.revisions(s, "in-review")
        by_author = editing.review_state(s, "in-review", account(db, people["ed"]))
        by_other = editing.review_state(s, "in-review", account(db, people["ada"]))
        assert editing.review_state(s, "nothing", account(db, people["ed"])) is None
    # submitting and requesting changes are steps, not versions: one version, two steps
    assert [(r.version, r.state, r.author) for r in history] == [(1, "draft", "ed")]
    with db.session() as s:
        step, name = editing.steps(s, "in-review")[0]  # newest first
    assert (step.decision, name) == ("changes", "eve")
    assert by_author.author_names == ("ed",) and by_author.is_author and not by_other.is_author
    assert [(r.decision, r.reviewer, r.comment) for r in by_author.reviews] == [("changes", "eve",
                                                                                "Cite the treaty.")]
    assert by_author.entry.state == "draft" and "submit" in by_author.steps


def test_the_desk_splits_work_by_who_wrote_it(world):
    db, people = world
    with db.session() as s:
        eve, ed = editing.desk(s, people["eve"]), editing.desk(s, people["ed"])
    assert [e.id for e in eve.waiting] == ["in-review"] == [e.id for e in ed.waiting]
    assert [e.id for e in eve.mine] == ["draft-eve"] and [e.id for e in ed.mine] == ["in-review"]
    assert [e.id for e in eve.drafts] == [] and [e.id for e in ed.drafts] == ["draft-eve"]


def test_accounts_change_users_and_hand_out_plain_accounts(world):
    db, people = world
    with db.session() as s:
        accounts.set_role(s, people["rob"], "expert")
        accounts.set_disabled(s, people["ria"])
        with pytest.raises(accounts.AccountError) as bad_role:
            accounts.set_role(s, people["rob"], "owner")
        with pytest.raises(accounts.AccountError) as nobody:
            accounts.set_disabled(s, 10**6)
        listed = {a.name: (a.role, a.disabled) for a in accounts.list_users(s)}
    assert bad_role.value.field == "role" and nobody.value.status == 404
    assert listed == {"ada": ("admin", False), "ed": ("expert", False), "eve": ("expert", False),
                      "ria": ("rapporteur", True), "rob": ("expert", False)}
    assert not hasattr(account(db, people["rob"]), "password_hash")
    with db.session() as s:
        assert accounts.sign_in(s, "ria", "a long password") is None  # disabled
        accounts.set_disabled(s, people["ria"], False)
        assert accounts.sign_in(s, "ria", "a long password").role == "rapporteur"


def test_a_new_password_ends_the_users_sessions_on_the_server(world):
    db, people = world
    with db.session() as s:
        before = accounts.sign_in(s, "eve", "a long password")
        sid = sessions.store(s, None, {"user_id": before.id})
        assert accounts.signed_in(s, people["eve"]) == before
        with pytest.raises(accounts.AccountError) as short:
            accounts.change_password(s, people["eve"], "short")
        assert sessions.read(s, sid) == {"user_id": before.id}  # a refused change ends nothing
        after = accounts.change_password(s, people["eve"], "three unrelated words: kettle, orbit, saffron")
    assert short.value.field == "password"
    with db.session() as s:
        assert sessions.read(s, sid) is None
        assert accounts.signed_in(s, people["eve"]) == after
        assert accounts.sign_in(s, "eve", "a long password") is None
        accounts.set_disabled(s, people["eve"])
        assert accounts.signed_in(s, people["eve"]) is None


def test_a_users_tokens_are_listed_without_the_token(world):
    db, _ = world
    with db.session() as s:
        eve = accounts.sign_in(s, "eve", "a long password")
        old = accounts.new_token(s, eve, "old")
        accounts.new_token(s, eve, "new")
        accounts.revoke_token(s, accounts.tokens_of(s, eve.id)[-1].id, eve)
        listed = accounts.tokens_of(s, eve.id)
        assert accounts.account_for_token(s, old) is None
    assert [(t.label, t.revoked_at is None) for t in listed] == [("new", True), ("old", False)]
    assert all(old not in repr(t) for t in listed)
