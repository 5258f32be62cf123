"""Rapporteurs' drafts: collecting cited findings, sections, evidence gaps, changes, history and exports."""

from __future__ import annotations

import io
import re

import markdown
import pytest
from docx import Document

from migration_kb import accounts, errors, models
from migration_kb.drafting import access, edits, export_docx, export_html, export_markdown, words
from migration_kb.drafting.history import old_snapshot, restore, revisions
from migration_kb.drafting.view import build_view, event_choices
from migration_kb.drafting.workbench import panel_titles
from migration_kb.records import validate_entry, validate_event
from migration_kb.store import get_entry, save_entry, save_event
from migration_kb.taxonomy import load as load_taxonomy

TAX = load_taxonomy()


def entry(entry_id: str, title: str, themes: list[str], blocs: list[str], countries: list[str],
          findings: list[tuple[str, str]]) -> dict:
    return {"id": entry_id, "title": title, "summary": "A summary.", "language": "en", "themes": themes,
            "blocs": blocs, "countries": countries,
            "sources": [{"title": f"Source of {title}", "publisher": "A ministry", "year": 2005,
                         "url": f"https://example.org/{entry_id}"}],
            "findings": [{"kind": k, "text": t} for k, t in findings], "body": "Body."}


ENTRIES = [
    entry("andean-card", "Andean migration card", ["management"], ["CAN"], ["CO", "EC"],
          [("strength", "One card replaces four forms."), ("difficulty", "Border posts lack scanners.")]),
    entry("mercosur-residence", "MERCOSUR residence agreement", ["management"], ["MERCOSUR"], ["AR", "BR"],
          [("strength", "Residence for nationals of member states."), ("recommendation", "Extend it to CAN.")]),
    entry("mx-gt-workers", "Mexico–Guatemala border worker card", ["labour-mobility", "protection"], [],
          ["MX", "GT"], [("lesson", "Workers need labour inspections in their language.")]),
]


@pytest.fixture
def kb(db):
    """Three published entries and three people: two rapporteurs and a reader."""
    with db.session() as s:
        for data in ENTRIES:
            save_entry(s, validate_entry(data), state="published")
        rita = accounts.add_user(s, "rita", "rapporteur", "a long password")
        raul = accounts.add_user(s, "raul", "rapporteur", "a long password")
        accounts.add_user(s, "rhea", "reader", "a long password")
        ids = {"rita": rita.id, "raul": raul.id}
    return db, ids


def user(s, name):
    return accounts.find_user(s, name)


def new_draft(db, findings=("andean-card:1", "andean-card:2", "mercosur-residence:1", "mx-gt-workers:1")) -> int:
    with db.session() as s:
        draft = edits.create_draft(s, user(s, "rita"), "  Conclusions  and recommendations ")
        edits.add_findings(s, draft, user(s, "rita"), list(findings))
        return draft.id


def edit_entry(db, entry_id, change):
    """An expert's edit of an entry's findings, through the one write path."""
    with db.session() as s:
        data = get_entry(s, entry_id)[0].to_dict()
        change(data["findings"])
        save_entry(s, validate_entry(data))


def view_of(db, draft_id):
    with db.session() as s:
        return build_view(s, s.get(models.Draft, draft_id), TAX)


def test_findings_are_grouped_by_theme_then_kind_and_cited_by_entry(kb):
    db, _ = kb
    view = view_of(db, new_draft(db))
    assert view.title == "Conclusions and recommendations"
    keys = [s.key for s in view.sections]
    assert keys == ["theme:management/strength", "theme:management/difficulty", "theme:labour-mobility/lesson"]
    assert [g for g, _ in view.groups] == ["management", "labour-mobility"]
    strengths = view.sections[0].items
    assert [c.finding_id for c in strengths] == ["andean-card:1", "mercosur-residence:1"]
    # one number per entry, in the order the draft first cites it
    assert [(c.number, c.entry_id) for c in view.citations] == [
        (1, "andean-card"), (2, "mercosur-residence"), (3, "mx-gt-workers")]
    assert view.sections[1].items[0].number == 1


def test_grouping_by_bloc_and_moving_items(kb):
    db, _ = kb
    draft_id = new_draft(db)
    with db.session() as s:
        draft, rita = s.get(models.Draft, draft_id), user(s, "rita")
        edits.update_settings(s, draft, rita, title=draft.title, event_id=None, grouping="bloc")
    view = view_of(db, draft_id)
    assert [s.key for s in view.sections] == ["bloc:MERCOSUR/strength", "bloc:CAN/strength", "bloc:CAN/difficulty",
                                              "bloc:-/lesson"]
    mercosur = view.sections[0].items[0]
    with db.session() as s:
        draft, rita = s.get(models.Draft, draft_id), user(s, "rita")
        edits.move_to_section(s, draft, rita, mercosur.item_id, "bloc:CAN/strength", TAX)
        with pytest.raises(errors.DraftError, match="not a section"):
            edits.move_to_section(s, draft, rita, mercosur.item_id, "bloc:NOWHERE/strength", TAX)
    can_strengths = view_of(db, draft_id).sections[0]
    assert can_strengths.key == "bloc:CAN/strength"
    assert [c.finding_id for c in can_strengths.items] == ["andean-card:1", "mercosur-residence:1"]
    assert can_strengths.items[1].pinned
    with db.session() as s:
        edits.move_item(s, s.get(models.Draft, draft_id), user(s, "rita"), mercosur.item_id, "up", TAX)
    assert [c.finding_id for c in view_of(db, draft_id).sections[0].items] == ["mercosur-residence:1",
                                                                               "andean-card:1"]


def test_evidence_gaps_stay_within_the_drafts_scope_and_count_each_finding_once(kb):
    db, _ = kb
    ev = view_of(db, new_draft(db)).evidence
    # the draft's themes and blocs only; mx-gt-workers (labour mobility and protection, no bloc) counts once,
    # under the section it is in (labour mobility), not under protection too
    assert ev.themes == ["management", "labour-mobility"] and ev.blocs == ["MERCOSUR", "CAN"]
    assert ev.counts[("management", "CAN")] == 2
    assert ev.counts[("management", "MERCOSUR")] == 1
    assert ev.without_bloc == {"management": 0, "labour-mobility": 1}
    assert ev.total == 4  # the draft's four findings, each once
    assert ev.gaps == [("labour-mobility", "MERCOSUR"), ("labour-mobility", "CAN")]
    assert words.gap_sentence("protection", "CAN", TAX) == "no findings on migrant protection from CAN"


def test_bad_finding_ids_are_named_and_nothing_is_added(kb):
    db, _ = kb
    draft_id = new_draft(db, ["andean-card:1"])
    with db.session() as s:
        draft = s.get(models.Draft, draft_id)
        version = draft.version
        with pytest.raises(errors.BadFindings) as caught:
            edits.add_findings(s, draft, user(s, "rita"), ["andean-card:2", "andean-card:9", "nonsense", 7])
    assert [fid for fid, _ in caught.value.problems] == ["nonsense", "7", "andean-card:9"]
    assert "andean-card:9: no such finding" in str(caught.value)
    with db.session() as s:
        draft = s.get(models.Draft, draft_id)
        assert len(draft.items) == 1 and draft.version == version
        again = edits.add_findings(s, draft, user(s, "rita"), ["andean-card:1", "andean-card:2"])
    assert again.added == ["andean-card:2"] and again.already == ["andean-card:1"]


def test_an_edited_finding_is_marked_changed_until_its_new_text_is_accepted(kb):
    db, _ = kb
    draft_id = new_draft(db)
    edit_entry(db, "andean-card", lambda found: found[0].update(text="One card replaces four forms, and is free."))
    view = view_of(db, draft_id)
    cited = view.sections[0].items[0]
    assert cited.changed and not cited.gone
    assert cited.text == "One card replaces four forms, and is free."
    assert cited.cited_text == "One card replaces four forms."
    assert [c.finding_id for c in view.changed] == ["andean-card:1"]
    md = export_markdown.to_markdown(view, words.ExportContext(TAX, lambda e: f"https://kb.example/entries/{e}"))
    assert "One card replaces four forms, and is free. [1]" in md
    assert "*(changed: Changed since cited. Text as cited: “One card replaces four forms.”)*" in md
    with db.session() as s:
        edits.accept_change(s, s.get(models.Draft, draft_id), user(s, "rita"), cited.item_id)
    assert not view_of(db, draft_id).changed


def test_a_finding_removed_from_its_entry_is_marked_withdrawn(kb):
    db, _ = kb
    draft_id = new_draft(db)
    edit_entry(db, "andean-card", lambda findings: findings.pop())
    gone = [c for c in view_of(db, draft_id).changed]
    assert [(c.finding_id, c.gone, c.text) for c in gone] == [("andean-card:2", True, "Border posts lack scanners.")]


def test_drafts_are_private_until_shared_with_a_named_colleague(kb):
    db, _ = kb
    draft_id = new_draft(db)
    with db.session() as s:
        raul, rita = user(s, "raul"), user(s, "rita")
        assert access.draft_for(s, draft_id, raul) is None
        assert access.drafts_of(s, raul) == []
        draft = access.draft_for(s, draft_id, rita)
        with pytest.raises(errors.DraftError, match="only rapporteurs and admins draft"):
            edits.share(s, draft, rita, "rhea")
        with pytest.raises(errors.DraftError, match="no active user named 'nobody'"):
            edits.share(s, draft, rita, "nobody")
        with pytest.raises(errors.DraftError, match="only the draft's owner"):
            edits.share(s, draft, raul, "rita")
        edits.share(s, draft, rita, "raul")
    with db.session() as s:
        raul = user(s, "raul")
        shared = access.draft_for(s, draft_id, raul)
        assert shared is not None and [d.id for d in access.drafts_of(s, raul)] == [draft_id]
        edits.set_text(s, shared, raul, "theme:management/strength", "Cards **work**.", TAX)
        edits.unshare(s, shared, user(s, "rita"), raul.id)
    with db.session() as s:
        assert access.draft_for(s, draft_id, user(s, "raul")) is None


def test_every_change_is_a_version_and_an_old_version_can_be_restored(kb):
    db, _ = kb
    draft_id = new_draft(db)
    with db.session() as s:
        draft, rita = s.get(models.Draft, draft_id), user(s, "rita")
        edits.set_text(s, draft, rita, "", "An introduction.", TAX)
        item = draft.items[0].id
        edits.remove_item(s, draft, rita, item)
        history = revisions(s, draft)
    assert [r.message for r, _ in history][:3] == ["removed andean-card:1", "wrote the introduction",
                                                   "added andean-card:1, andean-card:2, mercosur-residence:1, "
                                                   "mx-gt-workers:1"]
    assert [r.version for r, _ in history] == [4, 3, 2, 1] and history[0][1] == "rita"
    with db.session() as s:
        restore(s, s.get(models.Draft, draft_id), user(s, "rita"), 2)
    view = view_of(db, draft_id)
    assert view.version == 5 and view.count == 4 and view.intro == ""


EXPORT = words.ExportContext(TAX, lambda entry_id: f"https://kb.example/entries/{entry_id}")


def test_markdown_export_has_headings_citations_and_sources(kb):
    db, _ = kb
    draft_id = new_draft(db)
    with db.session() as s:
        edits.set_text(s, s.get(models.Draft, draft_id), user(s, "rita"), "theme:management/strength",
                          "Cards **work**.", TAX)
    md = export_markdown.to_markdown(view_of(db, draft_id), EXPORT)
    assert md.startswith("# Conclusions and recommendations\n")
    assert "## Migration management\n\n### Strengths\n\nCards **work**.\n\n- One card replaces four forms. [1]" in md
    assert "- Residence for nationals of member states. [2]" in md
    assert "- Workers need labour inspections in their language. [3]" in md
    assert "## Sources" in md
    assert "- **[3]** Mexico–Guatemala border worker card. <https://kb.example/entries/mx-gt-workers>" in md
    # the sources are a list, each entry's own sources a list inside its item
    sources = markdown.markdown(md, extensions=["sane_lists"]).split("<h2>Sources</h2>", 1)[1]
    assert sources.lstrip().startswith("<ul>") and sources.count("<ul>") == 4 and "<p>[" not in sources
    assert ("    - Source of Mexico–Guatemala border worker card, A ministry (2005). "
            "https://example.org/mx-gt-workers") in md


def test_docx_export_reopens_with_headings_numbered_citations_and_a_source_list(kb):
    db, _ = kb
    draft_id = new_draft(db)
    with db.session() as s:
        edits.set_text(s, s.get(models.Draft, draft_id), user(s, "rita"), "",
                          "Our *first* reading.\n\n- one point\n- another", TAX)
    doc = Document(io.BytesIO(export_docx.to_docx(view_of(db, draft_id), EXPORT)))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [("Title", "Conclusions and recommendations"), ("Heading 1", "Migration management"),
                        ("Heading 2", "Strengths"), ("Heading 2", "Difficulties"),
                        ("Heading 1", "Labour mobility and regional integration"), ("Heading 2", "Lessons learned"),
                        ("Heading 1", "Sources")]
    texts = [p.text for p in doc.paragraphs]
    assert "One card replaces four forms. [1]" in texts
    assert "Border posts lack scanners. [1]" in texts
    assert "Residence for nationals of member states. [2]" in texts
    assert "Workers need labour inspections in their language. [3]" in texts
    sources = texts[texts.index("Sources") + 1:]
    assert sources[0] == "[1] Andean migration card. https://kb.example/entries/andean-card"
    assert sources[1] == "Source of Andean migration card, A ministry (2005). https://example.org/andean-card"
    assert [t for t in sources if t.startswith("[")] == [
        "[1] Andean migration card. https://kb.example/entries/andean-card",
        "[2] MERCOSUR residence agreement. https://kb.example/entries/mercosur-residence",
        "[3] Mexico–Guatemala border worker card. https://kb.example/entries/mx-gt-workers"]
    intro = doc.paragraphs[1]
    assert intro.text == "Our first reading." and any(r.italic and r.text == "first" for r in intro.runs)
    assert [p.style.name for p in doc.paragraphs[2:4]] == ["List Bullet", "List Bullet"]
    assert doc.core_properties.title == "Conclusions and recommendations"


def test_a_title_is_required_and_the_event_must_exist(kb):
    db, _ = kb
    with db.session() as s:
        with pytest.raises(errors.DraftError, match="title: a draft needs a title"):
            edits.create_draft(s, user(s, "rita"), "   ")
        with pytest.raises(errors.DraftError, match="event: there is no event 'nope'"):
            edits.create_draft(s, user(s, "rita"), "T", "nope")


# -- the reads pages and the API use -------------------------------------------------------------------------
def test_a_users_drafts_are_listed_newest_first_with_owner_and_count(kb):
    db, ids = kb
    older = new_draft(db)
    with db.session() as s:
        raul = user(s, "raul")
        theirs = edits.create_draft(s, raul, "Raul's notes")
        edits.share(s, theirs, raul, "rita")
        theirs_id = theirs.id
    with db.session() as s:
        listed = access.drafts_of(s, user(s, "rita"))
        assert [(d.id, d.title, d.owner, d.mine, d.findings) for d in listed] == [
            (theirs_id, "Raul's notes", "raul", False, 0), (older, "Conclusions and recommendations", "rita", True, 4)]
        assert access.summary(s, s.get(models.Draft, older), user(s, "rita")) == listed[1]
        assert access.draft_titles(s, user(s, "rita")) == [(d.id, d.title) for d in listed]
        edits.set_text(s, s.get(models.Draft, older), user(s, "rita"), "", "Newer now.", TAX)
    with db.session() as s:
        assert [d.id for d in access.drafts_of(s, user(s, "rita"))] == [older, theirs_id]
        people = access.people(s, s.get(models.Draft, theirs_id))
    assert people.owner == access.Person(ids["raul"], "raul")
    assert people.colleagues == [access.Person(ids["rita"], "rita")]


def test_an_old_version_reads_as_it_was(kb):
    db, _ = kb
    draft_id = new_draft(db)
    with db.session() as s:
        draft = s.get(models.Draft, draft_id)
        edits.update_settings(s, draft, user(s, "rita"), title="Renamed", event_id=None, grouping="bloc")
        first, second = old_snapshot(s, draft, 1), old_snapshot(s, draft, 2)
        assert old_snapshot(s, draft, 99) is None
        latest, author = revisions(s, draft)[0]
    assert (first["title"], first["items"]) == ("Conclusions and recommendations", [])
    assert [i["entry_id"] for i in second["items"]] == ["andean-card", "andean-card", "mercosur-residence",
                                                        "mx-gt-workers"]
    assert (latest.version, latest.message, author) == (3, "settings", "rita")


def test_events_to_conclude_newest_first_and_panel_names_under_every_alias(kb):
    db, _ = kb
    with db.session() as s:
        save_event(s, validate_event({"id": "ws-2009", "title": "Older workshop", "date": "2009-05-01"}))
        save_event(s, validate_event({
            "id": "ws-2011", "title": "Newer workshop", "date": "2011-04-12", "aliases": ["ws"],
            "panels": [{"id": "opening", "title": "Opening"},
                       {"id": "protection", "number": "II", "title": "Protection"}]}))
        assert event_choices(s) == [("ws-2011", "Newer workshop"), ("ws-2009", "Older workshop")]
        assert panel_titles(s) == {"ws-2011/opening": "Opening", "ws/opening": "Opening",
                                   "ws-2011/protection": "II. Protection", "ws/protection": "II. Protection"}


def test_html_export_is_one_escaped_document_with_its_own_stylesheet(kb):
    db, _ = kb
    draft_id = new_draft(db)
    edit_entry(db, "andean-card", lambda found: found[0].update(text="One card <b>replaces</b> four & more."))
    with db.session() as s:
        edits.set_text(s, s.get(models.Draft, draft_id), user(s, "rita"), "", "We *heard* it.", TAX)
    html = export_html.to_html(view_of(db, draft_id), EXPORT, "body { margin: 0 }")
    assert html.startswith("<!doctype html>") and "<style>body { margin: 0 }</style>" in html
    assert "<h1>Conclusions and recommendations</h1>" in html and "<em>heard</em>" in html
    assert "One card &lt;b&gt;replaces&lt;/b&gt; four &amp; more." in html and "<b>replaces" not in html
    assert "(changed: Changed since cited. Text as cited: “One card replaces four forms.”)" in html
    assert [h for h in re.findall(r"<h[23]>([^<]*)</h[23]>", html)] == [
        "Migration management", "Strengths", "Difficulties", "Labour mobility and regional integration",
        "Lessons learned", "Sources"]
    assert '<a href="https://kb.example/entries/mx-gt-workers">' in html
