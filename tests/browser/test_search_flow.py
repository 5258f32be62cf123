"""A delegate searches, narrows, reads and shares, in a real Chromium against the real server."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from playwright.sync_api import expect

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def facet(page, name: str):
    return page.locator("details.facet", has=page.locator("summary", has_text=name))


def total(page) -> int:
    text = page.locator(".total").inner_text()
    return int(re.findall(r"\d+", text)[-1])


def test_search_narrow_read_and_share(page, server, shot):
    page.goto(server.url + "/")
    page.get_by_label("Search practices in any language").fill("migrant workers")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".total")).to_contain_text("practices")
    expect(page.locator(".hits mark").first).to_be_visible()
    everything = total(page)
    shot(page, "1-search")

    # narrow by two facets: a theme, then a bloc
    facet(page, "Theme").get_by_role("link", name=re.compile("Labour mobility")).click()
    expect(page.locator(".chips")).to_contain_text("Theme: Labour mobility")
    facet(page, "Region bloc").locator("a").first.click()
    expect(page.locator(".chip")).to_have_count(2)
    narrowed = total(page)
    assert narrowed < everything
    assert "theme=labour-mobility" in page.url and "bloc=" in page.url
    shot(page, "2-two-facets")

    # remove a chip: the theme goes, the bloc stays
    page.locator(".chip", has_text="Theme:").click()
    expect(page.locator(".chip")).to_have_count(1)
    assert "theme=" not in page.url and "bloc=" in page.url
    assert total(page) >= narrowed
    shot(page, "3-chip-removed")

    # paginate: the whole knowledge base, by title
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator(".chip")).to_have_count(0)
    page.get_by_role("link", name="title (A–Z)").click()
    first_titles = page.locator(".hits h3").all_inner_texts()
    page.get_by_role("navigation", name="Pages of results").get_by_role("link", name="Next").click()
    expect(page.locator(".pages [aria-current=page]")).to_have_text(re.compile("2"))
    assert "page=2" in page.url
    assert not set(page.locator(".hits h3").all_inner_texts()) & set(first_titles)
    shot(page, "4-page-2")

    # open an entry, then follow one of its tags to a search
    page.locator(".hits h3 a").first.click()
    assert re.search(r"/entries/[a-z0-9-]+\?back=", page.url)  # the entry, with the way back to the results
    expect(page.locator("article.entry h1")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Themes")
    shot(page, "5-entry")
    tag = page.locator(".facts dd a.tag").first
    tag_name = tag.inner_text()
    tag.click()
    expect(page.locator(".chip")).to_contain_text(tag_name)
    assert total(page) >= 1
    shot(page, "6-tag-search")


def test_switch_language_mid_search(page, server, shot):
    page.goto(server.url + "/?q=seasonal+workers&country=CA")
    before = total(page)
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert "q=seasonal+workers" in page.url and "country=CA" in page.url
    expect(page.get_by_label("Busque prácticas en cualquier idioma")).to_have_value("seasonal workers")
    expect(page.locator(".chip")).to_contain_text("País: Canadá")
    assert total(page) == before
    shot(page, "es")
    # the language stays while navigating: the next page, an entry, the coverage map
    page.locator(".hits h3 a").first.click()
    expect(page.locator(".facts")).to_contain_text("Temas")
    page.get_by_role("link", name="Mapa de cobertura").first.click()
    expect(page.locator("h1")).to_have_text("Cobertura: dónde hay evidencia")
    shot(page, "es-coverage")


def test_export_csv_of_a_search(page, server, shot, tmp_path):
    page.goto(server.url + "/?bloc=CAN")
    shown = total(page)
    shot(page, "search")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename == "migration-kb-search.csv"
    path = tmp_path / "export.csv"
    download.save_as(path)
    # UTF-8 with a BOM, columns labelled in the UI language (issue 18.17)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == shown
    assert all("CAN" in row["Region blocs"].split("; ") for row in rows)
    page.goto(rows[0]["Address"])
    expect(page.locator("article.entry h1")).to_have_text(rows[0]["Title"])
    shot(page, "first-row-entry")


def test_works_without_javascript(browser, server, shot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/?q=trafficking")
    # facets (collapsible without script), years, sort and pager are plain links and forms
    facet(page, "Country").locator("a").first.click()
    expect(page.locator(".chip")).to_have_count(1)
    page.get_by_label("From").fill("2000")
    page.get_by_label("To").fill("2010")
    page.get_by_role("button", name="Apply years").click()
    expect(page.locator(".chip")).to_have_count(2)
    assert "year_from=2000" in page.url and "q=trafficking" in page.url
    topic = facet(page, "Topic")
    expect(topic).not_to_have_attribute("open", "")
    topic.locator("> summary").click()  # its own summary, not its "Show N more"
    expect(topic).to_have_attribute("open", "")
    shot(page, "no-js")
    context.close()


def test_keyboard_alone(page, server, shot):
    page.goto(server.url + "/?q=residence")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    page.keyboard.press("/")  # site.js: "/" jumps to the search box
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("End")  # the query is selected, ready to be replaced; add to it instead
    page.keyboard.type(" agreement")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=residence\+agreement"))
    # focus is visible: the outline of a focused link is drawn
    link = page.locator(".hits h3 a").first
    link.focus()
    outline = link.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px")
    shot(page, "focus")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/entries/[a-z0-9-]+\?back="))


def test_readme_screenshots(page, server, shot):
    """The README's pictures of the search page and the coverage map (UPDATE_SCREENSHOTS=1 rewrites them)."""
    update = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(server.url + "/?q=social+security&theme=protection")
    expect(page.locator(".hits mark").first).to_be_visible()
    shot(page, "search")
    if update:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / "search.png"))
    page.set_viewport_size({"width": 1280, "height": 560})
    page.goto(server.url + "/coverage")
    expect(page.locator("table.coverage tbody td")).to_have_count(24)  # 4 themes x (5 blocs + "no bloc")
    expect(page.locator("table.coverage")).to_contain_text("MERCOSUR")
    shot(page, "coverage")
    if update:
        page.screenshot(path=str(DOCS_SCREENSHOTS / "coverage-map.png"))
