"""A rapporteur builds a cited draft of conclusions in a real Chromium against the real server."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect


def sign_in_path(server) -> str | None:
    """Where the sign-in page lives (it is another engineer's work: /sign-in, or /auth/sign-in)."""
    for path in ("/sign-in", "/auth/sign-in"):
        try:
            with urllib.request.urlopen(server.url + path, timeout=5) as response:
                if response.status == 200:
                    return path
        except urllib.error.URLError:
            continue
    return None


def test_rapporteur_builds_and_exports_a_draft(page, server, shot):
    server.cli("users", "add", "rita", "--role", "rapporteur", input="a long password\n")
    path = sign_in_path(server)
    if path is None:
        pytest.skip("no sign-in page yet: drafts pages need a signed-in session")

    # Drafts ask for a sign-in first, then bring the rapporteur back.
    page.goto(server.url + "/drafts")
    expect(page).to_have_url(f"{server.url}{path}?next=/drafts")
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Drafts of conclusions")).to_be_visible()

    page.get_by_label("Title").fill("Conclusions and recommendations")
    page.get_by_label("The event it concludes (optional)").select_option(index=1)
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator("h1")).to_have_text("Conclusions and recommendations")
    expect(page.locator(".meta")).to_contain_text("Conclusions of")
    draft_url = page.url

    # The workbench: recommendations only, then tick two and add them.
    page.get_by_role("link", name="Find findings to add").click()
    page.locator(".facet-kind a", has_text="Recommendation").click()
    expect(page.locator(".chips")).to_contain_text("Kind of finding: Recommendation")
    expect(page.locator(".found .finding").first).to_be_visible()
    assert page.locator(".found .kind").all_inner_texts() == ["RECOMMENDATION"] * page.locator(".found .kind").count()
    page.locator(".found input[name=finding_id]").nth(0).check()
    page.locator(".found input[name=finding_id]").nth(1).check()
    page.get_by_role("button", name="Add the ticked findings").click()
    expect(page.locator(".flash")).to_contain_text("Added 2 findings to “Conclusions and recommendations”.")

    # Narrow to MERCOSUR strengths and add one by its own button.
    page.locator(".chips a", has_text="Kind of finding").click()
    page.locator(".facet-kind a", has_text="Strength").click()
    page.locator(".facet-bloc a[href*=\"bloc=MERCOSUR\"]").first.click()
    expect(page.locator(".chips")).to_contain_text("Southern Common Market")
    page.locator(".found .finding").first.get_by_role("button", name="Add to draft").click()
    expect(page.locator(".flash")).to_contain_text("Added 1 finding")

    # The draft: grouped by theme then kind, every finding cited, text of one's own, evidence gaps.
    page.goto(draft_url)
    expect(page.locator(".group > h2").first).to_be_visible()
    expect(page.locator(".section > h3", has_text="Strengths")).to_have_count(1)
    expect(page.locator(".section > h3", has_text="Recommendations").first).to_be_visible()
    expect(page.locator(".cited-finding")).to_have_count(3)
    expect(page.locator(".cited-finding .cite").first).to_have_text("[1]")
    first_text = page.locator(".section textarea").first
    first_text.fill("The workshop heard **three** lessons worth keeping.")
    page.locator(".section").first.get_by_role("button", name="Save text").click()
    expect(page.locator(".flash")).to_contain_text("Text saved.")
    expect(page.locator(".section .own-text strong").first).to_have_text("three")
    expect(page.locator(".evidence-table")).to_be_visible()
    expect(page.locator(".gaps li").first).to_contain_text("no findings on")
    expect(page.locator(".citations > li")).not_to_have_count(0)
    shot(page, "draft")

    # Print-ready HTML: its own stylesheet applies (CSP allows exactly that style), citations and sources.
    page.get_by_role("link", name="Print-ready HTML").click()
    expect(page.locator("h1")).to_have_text("Conclusions and recommendations")
    expect(page.locator("h2", has_text="Sources")).to_be_visible()
    expect(page.locator(".cite").first).to_have_text("[1]")
    expect(page.locator(".own-text strong")).to_have_text("three")
    assert "Georgia" in page.evaluate("getComputedStyle(document.body).fontFamily")
    shot(page, "export")
    page.emulate_media(media="print")
    shot(page, "export-print")
