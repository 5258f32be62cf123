"""The entry editor, review before publication, history and conflicts, against the real app, database and index."""

import re
import time
from html import unescape

import pytest
from click.testing import CliRunner

from migration_kb.models import EntryRow, Revision
from tests.experts import add_people, csrf, edit_fields, entry_fields, entry_state, signed_in


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"ana": "expert", "ben": "expert", "ada": "admin", "rita": "reader"})


@pytest.fixture
def ana(app, people):
    return signed_in(app, "ana")


@pytest.fixture
def ben(app, people):
    return signed_in(app, "ben")


def create(client, **changes) -> str:
    """Create an entry through the form; returns its id (from the address the editor moves to)."""
    response = client.post("/entries/new", data=entry_fields(csrf(client, "/entries/new"), **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return re.match(r"^/entries/([a-z0-9-]+)/review$", response.headers["Location"]).group(1)


def step(client, entry_id: str, name: str, comment: str = "", **extra):
    token = csrf(client, f"/entries/{entry_id}/review")
    version = re.search(r'name="version" value="(\d+)"', client.get(f"/entries/{entry_id}/review").get_data(
        as_text=True))
    data = {"csrf_token": token, "step": name, "comment": comment, **extra}
    if version and "version" not in extra:
        data["version"] = version.group(1)
    return client.post(f"/entries/{entry_id}/review", data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the form ---------------------------------------------------------------------------------------------
def test_a_failed_save_keeps_every_field_and_marks_each_error_beside_its_field(app, ana):
    fields = entry_fields(csrf(ana, "/entries/new"), id="failed-save-entry", summary="", year_start="19x5",
                          themes=["labor"], countries="MX, Atlantis", body="The body I *typed*.",
                          **{"findings-0-kind": "", "findings-0-text": "A finding I typed.",
                             "sources-0-url": "javascript:alert(1)", "contributor_name": "Juana Pérez"})
    response = ana.post("/entries/new", data=fields)
    assert response.status_code == 422
    page = text(response)
    # every field as typed
    for typed in ("failed-save-entry", "Consular mobile units", "19x5", "MX, Atlantis", "The body I *typed*.",
                  "A finding I typed.", "Annual report", "javascript:alert(1)", "Juana Pérez"):
        assert typed in page, typed
    # each error beside its field, tied to it for screen readers, and listed at the top
    for slot, dom in [("summary", "f-summary"), ("year_start", "f-year_start"), ("themes", "f-themes"),
                      ("countries", "f-countries"), ("findings[0].kind", "f-findings-0-kind"),
                      ("sources[0].url", "f-sources-0-url")]:
        assert f'id="{dom}-error"' in page, slot
        assert f'aria-describedby="{dom}-error"' in page, slot
        assert f'href="#{dom}"' in page, slot
    assert "'Atlantis' is not a country code" in unescape(page)  # the same message `migration-kb check` gives
    assert "'labor' is not a theme (did you mean" in unescape(page)
    assert entry_state(app, "failed-save-entry") is None  # nothing half-written


def test_findings_are_added_reordered_and_removed_in_place_without_javascript(app, ana):
    fields = entry_fields(csrf(ana, "/entries/new"), id="findings-in-place")
    added = ana.post("/entries/new", data={**fields, "op": "add:findings"})
    assert added.status_code == 200
    assert 'name="findings-1-text"' in text(added) and 'autofocus' in text(added)
    fields.update({"findings-1-kind": "difficulty", "findings-1-text": "Second finding.",
                   "findings-2-kind": "lesson", "findings-2-text": "Third finding."})
    moved = text(ana.post("/entries/new", data={**fields, "op": "up:findings:2"}))
    assert moved.index("Third finding.") < moved.index("Second finding.")
    removed = text(ana.post("/entries/new", data={**fields, "op": "remove:findings:0"}))
    assert "Workers get documents" not in removed and "Second finding." in removed
    # the rows the server re-rendered are what gets saved, in that order
    fields = {**fields, "findings-0-kind": "lesson", "findings-0-text": "Third finding.",
              "findings-1-kind": "difficulty", "findings-1-text": "Second finding.", "findings-2-text": ""}
    del fields["findings-2-kind"]
    assert ana.post("/entries/new", data=fields).status_code == 302
    entry = ana.get("/api/v1/entries/findings-in-place").get_json()
    assert [(f["kind"], f["text"]) for f in entry["findings"]] == [("lesson", "Third finding."),
                                                                     ("difficulty", "Second finding.")]
    assert entry["state"] == "draft" and entry["countries"] == ["MX", "US"]


def test_countries_by_name_and_blocs_suggested_from_them(app, ana):
    fields = entry_fields(csrf(ana, "/entries/new"), countries="Argentina, brasil", country_pick="UY")
    page = text(ana.post("/entries/new", data={**fields, "op": "add:country"}))
    assert 'value="Argentina, brasil, UY"' in page
    assert re.search(r'class="choice suggested" data-bloc="MERCOSUR"', page)
    assert "Suggested from the countries: MERCOSUR" in page
    assert ana.post("/entries/new", data={**fields, "id": "by-country-names"}).status_code == 302
    assert ana.get("/api/v1/entries/by-country-names").get_json()["countries"] == ["AR", "BR"]


def test_labels_of_the_pickers_follow_the_ui_language(app, ana):
    page = text(ana.get("/entries/new?lang=es"))
    assert "Protección de las personas migrantes" in page or "Protección" in page
    assert "México" in page


def test_preview_is_server_rendered_and_sanitised(app, ana):
    token = csrf(ana, "/entries/new")
    live = ana.post("/entries/preview", data={"csrf_token": token,
                                              "body": "**Bold** <script>alert(1)</script> [x](javascript:alert(2))"})
    assert live.status_code == 200
    assert "<strong>Bold</strong>" in text(live)
    assert "<script" not in text(live) and "javascript:" not in text(live)
    button = ana.post("/entries/new", data=entry_fields(token, op="preview", body="A *preview* <img src=x onerror=y>"))
    assert "A <em>preview</em>" in text(button) and "onerror" not in text(button).split('id="preview"')[1]
    assert ana.post("/entries/preview", data={"body": "x"}).status_code == 400  # CSRF here too


# -- workflow ------------------------------------------------------------------------------------------------
def test_review_before_publication_by_a_second_expert(app, ana, ben):
    entry_id = create(ana, id="reviewed-entry", title="Kelvinator seasonal exchange")
    review = text(ana.get(f"/entries/{entry_id}/review"))
    assert "Submit for review" in review and "Approve and publish" not in review
    assert step(ana, entry_id, "submit").status_code == 302
    assert entry_state(app, entry_id)[0] == "review"
    # the author cannot approve their own entry
    assert "Approve and publish" not in text(ana.get(f"/entries/{entry_id}/review"))
    assert step(ana, entry_id, "approve").status_code == 403
    # a reviewer who asks for changes says what
    refused = step(ben, entry_id, "request_changes", comment="")
    assert refused.status_code == 422 and "say what should change" in text(refused)
    assert step(ben, entry_id, "request_changes", comment="Add the 2012 evaluation.").status_code == 302
    assert entry_state(app, entry_id)[0] == "draft"
    seen_by_author = text(ana.get(f"/entries/{entry_id}/review"))
    assert "Add the 2012 evaluation." in seen_by_author and "requested changes" in seen_by_author
    assert step(ana, entry_id, "submit").status_code == 302
    assert ana.get("/desk").status_code == 200 and "Kelvinator" in text(ben.get("/desk"))
    assert step(ben, entry_id, "approve").status_code == 302
    assert entry_state(app, entry_id)[0] == "published"
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and "reviewed-entry" not in text(app.test_client().get("/?q=kelvinator")):
        time.sleep(0.05)
    assert "/entries/reviewed-entry" in text(app.test_client().get("/?q=kelvinator"))
    # archived (an expert asks, another decides): gone from the public again
    assert step(ben, entry_id, "archive").status_code == 403
    assert step(ana, entry_id, "request_archive", comment="Replaced by a newer programme.").status_code == 302
    assert step(ben, entry_id, "archive").status_code == 302
    assert app.test_client().get(f"/entries/{entry_id}").status_code == 404


def test_an_admin_may_publish_their_own_entry_and_publishing_needs_a_source(app, people):
    ada = signed_in(app, "ada")
    unsourced = create(ada, id="admin-own-entry", **{"sources-0-title": "", "sources-0-publisher": "",
                                                     "sources-0-year": "", "sources-0-url": ""})
    refused = step(ada, unsourced, "approve")
    assert refused.status_code == 422 and "needs at least one source" in text(refused)
    ada.post(f"/entries/{unsourced}/edit", data=edit_fields(ada, unsourced, **{"sources-0-title": "A decree"}))
    assert step(ada, unsourced, "approve").status_code == 302
    assert entry_state(app, unsourced)[0] == "published"


def test_a_draft_shows_its_state_and_edit_link_to_experts(app, ana):
    entry_id = create(ana, id="draft-with-banner")
    page = text(ana.get(f"/entries/{entry_id}"))
    assert "Not published" in page and f'href="/entries/{entry_id}/edit"' in page
    assert app.test_client().get(f"/entries/{entry_id}").status_code == 404


# -- conflicts and history --------------------------------------------------------------------------------
def test_a_stale_edit_conflicts_and_shows_both_versions(app, ana, ben):
    entry_id = create(ana, id="contested-entry", title="Original title")
    stale = edit_fields(ana, entry_id, title="Ana's title")
    theirs = edit_fields(ben, entry_id, title="Ben's title")
    assert ben.post(f"/entries/{entry_id}/edit", data=theirs).status_code == 302
    conflict = ana.post(f"/entries/{entry_id}/edit", data=stale)
    assert conflict.status_code == 409
    page = text(conflict)
    assert "Someone else saved this entry" in page
    theirs, mine = page.split('id="theirs-title"')[1], page.split('id="mine-title"')[1]
    assert "title: Ben's title" in unescape(theirs.split("</pre>")[0])
    assert "title: Ana's title" in unescape(mine.split("</pre>")[0])
    assert entry_state(app, entry_id)[2] == "Ben's title"  # never a silent overwrite
    # the form on the conflict page carries the current version: saving from it is a deliberate choice
    assert 'name="version" value="2"' in page
    again = ana.post(f"/entries/{entry_id}/edit", data={**stale, "version": "2"})
    assert again.status_code == 302 and entry_state(app, entry_id)[2] == "Ana's title"


def test_history_lists_every_revision_diffs_any_two_and_restores_as_a_new_one(app, ana, ben):
    entry_id = create(ana, id="entry-with-history", title="First title")
    ben.post(f"/entries/{entry_id}/edit", data=edit_fields(ben, entry_id, title="Second title",
                                                          message="clearer title"))
    history = text(ana.get(f"/entries/{entry_id}/history"))
    assert "clearer title" in history and "created on the web" in history
    assert ">ben<" in history and ">ana<" in history
    diff = text(ana.get(f"/entries/{entry_id}/diff?from=1&to=2"))
    # field by field, word by word: the changed word struck out and the new one added, the rest as it reads
    assert "<dt>Title</dt><dd><del>First</del><ins>Second</ins> title</dd>" in diff
    token = csrf(ana, f"/entries/{entry_id}/history")
    restored = ana.post(f"/entries/{entry_id}/history/1/restore", data={"csrf_token": token, "version": "2"})
    assert restored.status_code == 302
    assert entry_state(app, entry_id)[1:] == (3, "First title")
    with app.extensions["migration_kb"].db.session() as s:
        messages = [r.message for r in s.query(Revision).filter_by(entry_id=entry_id).order_by(Revision.version)]
    assert messages == ["created on the web", "clearer title", "restored version 1"]
    assert "Version 1 was restored as version 3" in text(ana.get(f"/entries/{entry_id}/history"))
    # a restore from a stale history page does nothing
    ana.post(f"/entries/{entry_id}/history/2/restore", data={"csrf_token": token, "version": "2"})
    assert entry_state(app, entry_id)[1] == 3


def test_bad_revision_numbers_answer_clearly(app, ana):
    entry_id = create(ana, id="entry-bad-diff")
    assert ana.get(f"/entries/{entry_id}/diff?from=1&to=9").status_code == 404
    assert ana.get(f"/entries/{entry_id}/diff?from=x").status_code == 400
    assert ana.get("/entries/no-such-entry/history").status_code == 404


# -- files and the web stay one --------------------------------------------------------------------------------
def test_entries_edited_on_the_web_round_trip_through_export_and_import(app, ana, ben, tmp_path):
    from migration_kb.cli import main
    from migration_kb.entryfiles import entry_to_text
    from migration_kb.store import row_to_entry

    entry_id = create(ana, id="web-round-trip", title="Édition «web» — ida y vuelta", contributor_name="Zoë",
                      body="## Context\n\nLine one.\n\n- a list item\n", **{
                          "findings-1-kind": "recommendation", "findings-1-text": "Keep: colons, #hashes.",
                          "findings-1-topics": ["remittances", "documentation"]})
    step(ana, entry_id, "submit")
    step(ben, entry_id, "approve")
    instance = str(app.extensions["migration_kb"].settings.instance)
    runner = CliRunner()
    out = runner.invoke(main, ["--instance", instance, "export", str(tmp_path / "out")], catch_exceptions=False)
    assert out.exit_code == 0
    with app.extensions["migration_kb"].db.session() as s:
        entry = row_to_entry(s.get(EntryRow, entry_id))
    written = (tmp_path / "out" / "entries" / f"{entry_id}.md").read_text(encoding="utf-8")
    assert written == entry_to_text(entry)
    # the same files re-import unchanged here, and into a fresh instance as the same record
    again = runner.invoke(main, ["--instance", instance, "import", str(tmp_path / "out")], catch_exceptions=False)
    assert again.exit_code == 0 and "entries: 0 added, 0 changed" in again.output, again.output
    assert entry_state(app, "draft-with-banner")[0] == "draft"  # re-importing an export publishes no draft
    fresh = str(tmp_path / "fresh")
    exported = tmp_path / "out" / "entries" / f"{entry_id}.md"
    into_fresh = runner.invoke(main, ["--instance", fresh, "import", str(exported), str(tmp_path / "out" / "events")],
                               catch_exceptions=False)
    assert into_fresh.exit_code == 0, into_fresh.output
    from migration_kb.config import Settings
    from migration_kb.db import open_database

    other = open_database(Settings.load(fresh))
    with other.session() as s:
        assert row_to_entry(s.get(EntryRow, entry_id)) == entry
    other.dispose()


def test_whoever_wrote_the_text_under_review_cannot_approve_it(app, ana, ben):
    add_people(app, {"cy": "expert"})
    entry_id = create(ana, id="edited-by-reviewer")
    step(ana, entry_id, "submit")
    ben.post(f"/entries/{entry_id}/edit", data=edit_fields(ben, entry_id, summary="Ben rewrote the summary."))
    assert entry_state(app, entry_id)[0] == "review"  # an edit keeps the state
    assert step(ben, entry_id, "approve").status_code == 403  # ben wrote this version
    assert step(signed_in(app, "cy"), entry_id, "approve").status_code == 302


def test_a_new_entry_cannot_take_an_existing_id(app, ana):
    response = ana.post("/entries/new", data=entry_fields(csrf(ana, "/entries/new"), id="mercosur-residence-agreement"))
    assert response.status_code == 422
    assert "another entry already has this id" in text(response)
    assert entry_state(app, "mercosur-residence-agreement")[2] != "Consular mobile units"
