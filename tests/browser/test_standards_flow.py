"""The open standards as their users meet them, in a real Chromium: a delegate on a phone cites a practice in
Spanish and takes its RIS; a rapporteur takes a search's BibTeX; an expert downloads the spreadsheet template."""

from __future__ import annotations

import io
from pathlib import Path

import bibtexparser
import rispy
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

ENTRY = "/entries/mercosur-residence-agreement"


def test_a_delegate_on_a_phone_cites_a_practice(browser, server, shot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + ENTRY + "?lang=es")
    box = page.locator("section.cite")
    expect(box.get_by_role("heading", name="Citar esta práctica")).to_be_visible()
    reference = box.locator(".reference")
    expect(reference).to_contain_text("migration-kb.")
    expect(reference).to_contain_text(server.url + ENTRY)
    expect(reference.locator("i")).to_have_count(1)  # the title, in italics as APA sets it
    box.scroll_into_view_if_needed()
    shot(page, "cite-phone-es")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    with page.expect_download() as got:
        box.get_by_role("link", name="RIS").click()
    download = got.value
    assert download.suggested_filename == "mercosur-residence-agreement.ris"
    [ref] = rispy.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert ref["urls"] == [server.url + ENTRY] and ref["publisher"] == "migration-kb"
    context.close()


def test_a_rapporteur_takes_a_searchs_references(browser, server, shot):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/?q=seasonal+workers&country=CA")
    shown = page.locator(".hits h3 a").count()
    with page.expect_download() as got:
        page.locator(".exports").get_by_role("link", name="BibTeX").click()
    entries = bibtexparser.loads(Path(got.value.path()).read_text(encoding="utf-8")).entries
    assert len(entries) >= shown >= 1
    context.close()


def test_an_expert_downloads_the_spreadsheet_template(browser, server, shot):
    server.cli("users", "add", "sheet-expert", "--role", "expert", input=PASSWORD + "\n")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, server, "sheet-expert")
    page.goto(server.url + "/desk?lang=pt")
    link = page.get_by_role("link", name="Baixar o modelo de planilha (xlsx)")
    expect(link).to_be_visible()
    shot(page, "desk-template-pt")
    with page.expect_download() as got:
        link.click()
    assert got.value.suggested_filename == "migration-kb-entries-template.xlsx"
    book = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert book.sheetnames == ["entries", "findings", "sources", "vocabularies"]
    context.close()
