"""A delegate searches, narrows, reads and shares, in a real Chromium against the real server."""

import re

from playwright.sync_api import expect


def test_search_narrow_read(page, server, shot):
    page.goto(server.url + "/")
    page.get_by_label("Search practices in any language").fill("trata de personas")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".total")).to_contain_text("practice")
    expect(page.locator("mark").first).to_be_visible()
    shot(page, "results")
    page.locator(".hits a").first.click()
    expect(page.locator("h1")).to_be_visible()
    assert re.search(r"/entries/[a-z0-9-]+", page.url)
    shot(page, "entry")
