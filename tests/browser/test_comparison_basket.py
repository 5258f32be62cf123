"""Gathering practices to compare, with JavaScript (issue 15): "Add to comparison" keeps the delegate on the
results (no reload, same scroll and page), the basket follows them to a new search, an entry and the
comparison; the four-practice limit says so; in Spanish with no English word; on a phone; axe-core. And the
same links without JavaScript still lead through the URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible
from .test_real_use import UI_TEXT, english_ui_strings

HITS = "ol.hits li.hit"
LIMIT = "At most 4 practices can be compared side by side; 5 were chosen. Remove 1 from the list."


def open_page(browser, server, path: str, width: int = 1280, **options):
    """A page of its own (a tab of its own: its own sessionStorage), whose console errors (a refused script,
    a CSP violation) are collected in page.errors."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 844}, **options)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.url + path)
    page.evaluate("window.stayed = true")  # gone if the page is ever reloaded or left
    return page


def add(page, n: int):
    """Click "Add to comparison" on the n-th practice of the list; its title."""
    hit = page.locator(HITS).nth(n)
    hit.locator(".add-compare").click()
    return hit.locator("h3").inner_text()


def add_next(page) -> None:
    """Click "Add to comparison" on the first practice of the list not gathered yet."""
    page.locator(f"{HITS} .add-compare").first.click()


def bar(page):
    return page.locator(".basket-bar")


def test_gathering_keeps_the_delegate_on_the_results(browser, server, shot):
    page = open_page(browser, server, "/?page=2")
    hits = page.locator(HITS)
    hits.nth(6).evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 150)")
    assert page.evaluate("window.scrollY") > 300
    where = "[window.scrollY, document.querySelectorAll('ol.hits li.hit')[6].getBoundingClientRect().top]"
    before = page.evaluate(where)

    first = add(page, 6)
    expect(bar(page)).to_contain_text("1 practice gathered for a comparison.")
    after = page.evaluate(where)
    assert page.evaluate("window.stayed"), "the page was reloaded"
    assert abs(after[1] - before[1]) <= 2, (before, after)  # the practice clicked has not moved on the screen
    assert "page=2" in page.url and "compare=" in page.url  # the address says the page and the basket
    slot = hits.nth(6).locator(".compare-slot")
    expect(slot).to_contain_text("In the comparison")
    remove = slot.get_by_role("button", name=f"Remove “{first}” from the comparison")
    expect(remove).to_be_focused()  # the keyboard stays on the practice

    second = add(page, 8)
    expect(bar(page)).to_contain_text("2 practices gathered for a comparison.")
    expect(bar(page)).to_have_attribute("role", "status")
    # Removed, then added again: the same two.
    hits.nth(8).get_by_role("button", name=re.compile("Remove")).click()
    expect(bar(page)).to_contain_text("1 practice gathered")
    expect(hits.nth(8).locator(".add-compare")).to_be_focused()
    add(page, 8)
    expect(bar(page)).to_contain_text("2 practices gathered")
    assert page.evaluate("window.stayed") and page.evaluate("window.scrollY") > 300
    shot(page, "two-gathered")

    # The next page of results, then a new search: the basket comes along.
    page.locator("nav.pages a[rel=next]").click()
    expect(bar(page)).to_contain_text("2 practices gathered")
    page.locator("#q").fill("residence")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=residence"))
    expect(bar(page)).to_contain_text("2 practices gathered")
    # An address without it (the site's menu): the basket is kept in this tab, and written back into the address.
    page.goto(server.url + "/?q=visa")
    expect(bar(page)).to_contain_text("2 practices gathered")
    assert "compare=" in page.url
    # An entry page knows the basket too; it compares them.
    page.locator(HITS).filter(has=page.locator(".add-compare")).first.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/entries/"))
    expect(bar(page)).to_contain_text("2 practices gathered")
    # One more added on the entry: back on the results (an older address), the basket is the newest.
    page.locator(".entry-foot .compare-slot .add-compare").click()
    expect(bar(page)).to_contain_text("3 practices gathered")
    page.go_back()
    expect(bar(page)).to_contain_text("3 practices gathered")
    page.go_forward()
    page.locator(".entry-foot .compare-slot .remove-compare").click()
    expect(bar(page)).to_contain_text("2 practices gathered")
    bar(page).get_by_role("link", name="Compare them").click()
    expect(page.locator("table.compare caption")).to_have_text("2 practices side by side")
    heads = page.locator("table.compare thead th")
    expect(heads.nth(0)).to_contain_text(first)
    expect(heads.nth(1)).to_contain_text(second)
    shot(page, "compared")

    # Removed on the comparison, gone from the basket; four more asked for: the fifth is refused, clearly.
    heads.nth(0).locator("a.remove").click()
    expect(page.locator("table.compare thead th")).to_have_count(1)
    page.get_by_role("link", name="Add another practice from the search").click()
    expect(bar(page)).to_contain_text("1 practice gathered")
    page.evaluate("window.stayed = true")
    for n in (2, 3, 4):
        add_next(page)
        expect(bar(page)).to_contain_text(f"{n} practices gathered")
    add_next(page)
    expect(bar(page)).to_contain_text(LIMIT)
    expect(bar(page)).to_contain_text("4 practices gathered")
    assert page.evaluate("window.stayed")
    shot(page, "limit")
    bar(page).get_by_role("button", name="Start again").click()
    expect(bar(page)).to_have_text("")
    assert "compare=" not in page.url
    page.goto(server.url + "/?q=visa")
    expect(page.locator(".basket")).to_have_count(0)  # started again means empty, here too
    assert page.errors == []
    page.context.close()


def test_in_spanish_with_no_english_word(browser, server, shot):
    page = open_page(browser, server, "/?lang=es&page=2")
    add(page, 1)
    add(page, 2)
    expect(bar(page)).to_contain_text("2 prácticas reunidas para comparar.")
    expect(page.locator(HITS).nth(1).locator(".compare-slot")).to_contain_text("En la comparación")
    for n in (3, 4, 5):
        add(page, n)
    expect(bar(page)).to_contain_text("como máximo 4 prácticas")
    english = english_ui_strings()
    text = page.evaluate(UI_TEXT)
    left = [w for w in english if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    labels = " ".join(page.locator(".remove-compare").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"))
    shot(page, "es")
    assert not left, left
    assert "Remove" not in labels and "comparación" in labels
    bar(page).get_by_role("link").click()
    expect(page.locator("table.compare caption")).to_have_text("4 prácticas lado a lado")
    page.context.close()


def test_on_a_phone(browser, server, shot):
    page = open_page(browser, server, "/?q=residence", width=390, is_mobile=True, has_touch=True)
    page.locator(HITS).nth(0).locator(".add-compare").tap()
    page.locator(HITS).nth(1).locator(".add-compare").tap()
    expect(bar(page)).to_contain_text("2 practices gathered")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    shot(page, "phone")
    assert width[0] <= width[1], width
    targets = [page.locator(HITS).nth(0).locator(".remove-compare"), page.locator(HITS).nth(2).locator(".add-compare"),
               bar(page).get_by_role("link", name="Compare them"), bar(page).get_by_role("button", name="Start again")]
    for target in targets:
        box = target.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box  # a finger's width
    assert page.evaluate("window.stayed")
    page.context.close()


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is injected as an inline script, which the site's CSP (rightly) refuses: let the test in."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_serious_accessibility_violations_with_the_basket(page, server, axe, shot, lang):
    page.goto(server.url + f"/?q=residence&lang={lang}")
    add(page, 0)
    add(page, 1)
    expect(page.locator(".basket")).to_be_visible()
    assert_accessible(page, server, axe, shot, {f"basket-{lang}": None})
    page.locator(HITS).first.locator("h3 a").click()
    assert_accessible(page, server, axe, shot, {f"entry-basket-{lang}": None})


def test_without_javascript_the_links_still_lead_through_the_url(browser, server, shot):
    page = open_page(browser, server, "/?q=residence", java_script_enabled=False)
    add_next(page)
    page.wait_for_url(re.compile(r"/compare\?ids="))
    expect(page.locator(".notice")).to_contain_text("add at least one more")
    for _ in range(3):
        page.get_by_role("link", name="Add another practice from the search").click()
        add_next(page)
    expect(page.locator("table.compare caption")).to_have_text("4 practices side by side")
    four = page.url.split("ids=")[1].split("&")[0]
    page.goto(server.url + f"/?q=visa&compare={four}")  # back to a search with the four
    expect(page.locator(".basket")).to_contain_text("4 practices gathered")
    expect(page.locator(".compare-slot", has_text="In the comparison")).not_to_have_count(0)
    add_next(page)  # a fifth: the same words as with JavaScript, rather than the first one silently dropped
    expect(page.get_by_text(LIMIT)).to_be_visible()
    shot(page, "no-js-limit")
    page.context.close()
