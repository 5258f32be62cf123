"""What a day of real use turned up on the experts' and rapporteurs' screens (issue 18, items 9, 13, 16, 17),
seen where a person sees it: in Chromium against the real server."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import markdown
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser import conftest
from tests.browser.conftest import ROOT, add_user, assert_accessible

ENTRY = "mercosur-residence-agreement"


def sign_in(page, server, name: str, role: str) -> None:
    add_user(server, name, role)
    conftest.sign_in(page, server, name)


def new_draft(page, server, title: str, workbench_query: str) -> str:
    """A draft made in the pages, with every finding the workbench shows for the query; its URL."""
    page.goto(server.url + "/drafts")
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator("h1")).to_have_text(title)
    draft_url = page.url
    draft_id = draft_url.rstrip("/").rsplit("/", 1)[1]
    page.goto(f"{server.url}/findings?{workbench_query}&draft={draft_id}&per_page=100")
    boxes = page.locator(".found input[name=finding_id]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="Add the ticked findings").click()
    expect(page.locator(".flash")).to_contain_text("Added")
    page.goto(draft_url)
    return draft_url


# -- 9: evidence gaps within the draft's scope -------------------------------------------------------------
def test_a_drafts_evidence_gaps_stay_within_its_scope(page, server, shot):
    sign_in(page, server, "rosa", "rapporteur")
    new_draft(page, server, "Protection in SICA", "theme=protection&bloc=SICA")
    cited = page.locator(".cited-finding").count()
    assert cited >= 3
    shot(page, "draft")
    # nothing "from MERCOSUR" (or any bloc the draft does not draw on): only SICA (and "outside a bloc")
    heads = page.locator(".evidence-table thead th").all_inner_texts()
    assert "MERCOSUR" not in heads and "SICA" in heads
    for line in page.locator(".gaps li").all_inner_texts():
        assert "SICA" in line, line
    # each finding counted once: the table adds up to the findings cited
    cells = page.locator(".evidence-table tbody td").all_inner_texts()
    assert sum(int(c) for c in cells if c.strip().isdigit()) == cited


# -- 17: exports ------------------------------------------------------------------------------------------
def test_exports_are_named_valid_and_lead_back(page, server, shot):
    sign_in(page, server, "rosa", "rapporteur")
    draft_url = new_draft(page, server, "Migrant workers’ rights: CAN", "theme=labour-mobility&bloc=CAN")
    citations = page.locator(".citations > li").count()
    assert citations >= 2

    with page.expect_download() as dl:
        page.get_by_role("link", name="Markdown").click()
    assert dl.value.suggested_filename == "migrant-workers-rights-can.md"
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    html = markdown.markdown(text, extensions=["sane_lists"])
    sources = html.split("<h2>Sources</h2>", 1)[1]
    # a list: one item per cited entry, its own sources a list inside that item
    assert sources.lstrip().startswith(("<ul>", "<ol>")), sources[:300]
    assert sources.count("<li>") > citations and sources.count("<ul>") >= 2, sources[:600]
    assert not re.search(r"<p>\[\d+\]", sources)

    with page.expect_download() as dl:
        page.get_by_role("link", name="Word (DOCX)").click()
    assert dl.value.suggested_filename == "migrant-workers-rights-can.docx"

    page.get_by_role("link", name="Print-ready HTML").click()
    back = page.get_by_role("link", name="Back to the draft")
    expect(back).to_be_visible()
    shot(page, "html-export")
    back.click()
    expect(page).to_have_url(draft_url)


def test_the_search_csv_opens_in_a_spreadsheet_in_the_ui_language(page, server):
    page.goto(server.url + "/?q=residencia&lang=es")
    with page.expect_download() as dl:
        page.get_by_role("link", name="CSV").click()
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]  # UTF-8 with BOM: spreadsheets then read the accents
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    head = rows[0]
    assert "Título" in head and "Situación" in head and "Hallazgos" in head, head
    residence = next(r for r in rows[1:] if r[0] == ENTRY)
    assert residence[head.index("Situación")]  # the practice's status, in words
    assert "Fortaleza" in residence[head.index("Hallazgos")]  # kinds of finding in the UI language


# -- 16: the experts' screens -----------------------------------------------------------------------------
def test_the_review_page_shows_the_entry_and_a_word_level_diff(page, server, shot):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server, "eva", "expert")
    page.goto(f"{server.url}/entries/{ENTRY}/edit")
    summary = page.locator("#f-summary")
    old = summary.input_value()
    summary.fill(old.replace("Southern", "Southern Cone", 1) if "Southern" in old else old + " Wyvern")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Saved version")

    # the review page: the entry as it will read, and what changed, word by word
    preview = page.locator(".entry-preview")
    expect(preview.locator(".findings li").first).to_be_visible()
    expect(preview.locator(".sources li").first).to_be_visible()
    expect(preview.locator(".tags").first).to_be_visible()
    changes = page.locator(".word-diff")
    expect(changes.locator("ins").first).to_be_visible()
    assert "themes: [" not in changes.inner_text() and "@@" not in changes.inner_text()
    shot(page, "review")

    # the history's diff is word by word too, field by field, single spaced
    page.goto(f"{server.url}/entries/{ENTRY}/history")
    page.get_by_role("button", name="Compare the chosen versions").click()
    diff = page.locator(".word-diff")
    expect(diff.locator("ins").first).to_be_visible()
    assert "+++" not in diff.inner_text()
    shot(page, "diff")

    # the editor's preview shows findings, tags and sources, not only the body
    page.goto(f"{server.url}/entries/{ENTRY}/edit")
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.locator(".preview")
    expect(preview.locator(".findings li").first).to_be_visible()
    expect(preview.locator(".sources li").first).to_be_visible()
    expect(preview.locator(".tags").first).to_be_visible()
    # the source URL field looks like its neighbours
    style = ("el => { const s = getComputedStyle(el); "
             "return [s.borderTopWidth, s.borderTopStyle, s.padding, s.width, s.fontSize]; }")
    assert page.locator("#f-sources-0-url").evaluate(style) == page.locator("#f-sources-0-title").evaluate(style)


def test_the_signed_in_header_holds_on_one_line_at_1280_px(page, server, shot):
    sign_in(page, server, "evangelina", "admin")  # the longest account menu
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "/desk")
    shown = page.locator("header.site a, header.site button, header.site summary").all()
    tops = {round(el.bounding_box()["y"]) for el in shown if el.is_visible()}
    shot(page, "header")
    assert max(tops) - min(tops) < 12, tops
    # every tool is one click away, and the open menu fits a phone's screen
    page.set_viewport_size({"width": 390, "height": 800})
    page.locator("nav.account summary").click()
    for name in ("New entry", "Drafts", "Findings workbench", "Users", "Your account"):
        expect(page.locator("nav.account details.menu").get_by_role("link", name=name)).to_be_visible()
    box = page.locator("nav.account details.menu > ul").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    shot(page, "header-menu-phone")
    page.keyboard.press("Escape")
    expect(page.locator("nav.account details.menu > ul")).to_be_hidden()


def test_the_workbench_marks_findings_already_in_the_draft(page, server, shot):
    sign_in(page, server, "rosa", "rapporteur")
    draft_url = new_draft(page, server, "Andean mobility", "theme=labour-mobility&bloc=CAN&kind=strength")
    draft_id = draft_url.rsplit("/", 1)[1]
    page.goto(f"{server.url}/findings?theme=labour-mobility&bloc=CAN&draft={draft_id}")
    marked = page.locator(".found .finding.in-draft")
    expect(marked.first).to_be_visible()
    expect(marked.first).to_contain_text("Already in this draft")
    assert marked.count() == page.locator(".found .finding.kind-strength").count()
    shot(page, "workbench")


# -- 13: the UI language -----------------------------------------------------------------------------------
def english_ui_strings() -> set[str]:
    """The catalogue's English strings that Spanish changes (two words or more, no placeholder)."""
    with open(ROOT / "src/migration_kb/web/translations/es/LC_MESSAGES/messages.po", "rb") as fh:
        po = read_po(fh)
    return {m.id for m in po if isinstance(m.id, str) and m.string and m.string != m.id and "%" not in m.id
            and len(m.id.split()) >= 2}


ENGLISH_WORDS = re.compile(r"\b(the|and|of|with|is|are|from|for|this|your|not|no findings|required|needs)\b")


def spanish_page_text(page) -> str:
    """The page's visible text without the entries' own text: what is marked with its language, and the
    bibliographic lines of their sources (titles as published, in whatever language)."""
    return page.evaluate("""() => {
        const copy = document.body.cloneNode(true);
        copy.querySelectorAll('[lang]:not([lang="es"]), script, style, .langs, .citations ul')
            .forEach(el => el.remove());
        document.body.appendChild(copy); copy.style.display = 'block';
        const text = copy.innerText; copy.remove(); return text; }""")


def assert_spanish(page, name: str, shot) -> None:
    text = spanish_page_text(page)
    leftovers = sorted(s for s in english_ui_strings() if s in text)
    words = sorted({text[max(0, m.start() - 40):m.end() + 40] for m in ENGLISH_WORDS.finditer(text)})
    if leftovers or words:
        shot(page, name)
    assert not leftovers and not words, (name, leftovers[:10], words)


def test_the_experts_and_rapporteurs_pages_speak_spanish(page, server, shot):
    sign_in(page, server, "lucia", "admin")
    page.goto(server.url + "/entries/new?lang=es")
    page.locator("#f-findings-0-text").fill("Un hallazgo sin tipo.")
    page.get_by_role("button", name="Guardar", exact=True).click()
    # a failed save stays in Spanish, and names fields as the form does
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert "lang=es" in page.url
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Resumen")
    expect(summary).to_contain_text("Hallazgo 1, tipo")
    assert "findings[0]" not in summary.inner_text() and "summary:" not in summary.inner_text()
    # language names in the UI language
    assert "inglés" in page.locator("#f-language").inner_text().lower()
    shot(page, "editor-errors")
    assert_spanish(page, "editor", shot)

    page.goto(f"{server.url}/entries/{ENTRY}/review?lang=es")
    assert_spanish(page, "review", shot)
    page.goto(f"{server.url}/entries/{ENTRY}/diff?from=x&to=y&lang=es")
    expect(page.locator("h1")).to_contain_text("Solicitud incorrecta")
    assert_spanish(page, "bad-request", shot)

    page.goto(server.url + "/findings?lang=es")
    assert_spanish(page, "workbench", shot)

    draft_url = new_draft(page, server, "Borrador de prueba", "bloc=MERCOSUR&bloc=SICA")
    page.goto(draft_url + "?lang=es")
    expect(page.locator(".gaps li").first).to_contain_text("no hay hallazgos")
    assert_spanish(page, "draft", shot)
    with page.expect_download() as dl:
        page.get_by_role("link", name="Markdown").click()
    exported = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "## Fuentes" in exported and "Sources" not in exported


@pytest.fixture(autouse=True)
def _wide(page):
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_changed_pages_have_no_serious_accessibility_violations(browser, server, axe, shot):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})  # axe is inline
    page = context.new_page()
    try:
        sign_in(page, server, "alba", "admin")
        draft_url = new_draft(page, server, "Accessible draft", "theme=protection&bloc=SICA")
        draft_id = draft_url.rsplit("/", 1)[1]
        page.goto(f"{server.url}/entries/{ENTRY}/edit")
        page.get_by_role("button", name="Preview", exact=True).click()
        expect(page.locator(".preview .findings li").first).to_be_visible()
        pages = {"editor-preview": None, "review": f"/entries/{ENTRY}/review?lang=es",
                 "diff": f"/entries/{ENTRY}/diff?from=1&to=1",
                 "workbench": f"/findings?theme=protection&bloc=SICA&draft={draft_id}",
                 "draft": f"/drafts/{draft_id}?lang=es", "export": f"/drafts/{draft_id}/export?format=html"}
        assert_accessible(page, server, axe, shot, pages)
    finally:
        context.close()
