"""Two experts in a real Chromium against the real server: one writes an entry (with a validation error
on the way) and submits it for review, the other approves it, and it is found in the search."""

import re
import time

from playwright.sync_api import expect

from .conftest import account_menu, add_user, assert_accessible, sign_in, sign_out


def test_write_review_publish_and_find(page, server, shot):
    for name in ("amara", "bruno"):
        add_user(server, name, "expert")

    # -- the first expert writes an entry --------------------------------------------------------------------
    sign_in(page, server, "amara")
    shot(page, "signed-in")
    account_menu(page).get_by_role("link", name="New entry").click()
    expect(page.get_by_role("heading", name="New entry")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Wyvernbridge seasonal workers programme")
    page.get_by_label("Labour mobility and regional integration").check()
    # countries from the picker (the script adds them in place) suggest their bloc at once
    for country in ("MX", "CA"):
        page.get_by_label("Choose a country").select_option(country)
        page.get_by_role("button", name="Add country").click()
    expect(page.locator("#f-countries")).to_have_value("MX, CA")
    expect(page.locator('label.suggested[data-bloc="NAFTA"]')).to_be_visible()
    page.get_by_label("NAFTA").check()
    # the live preview renders the Markdown on the server as one types
    page.locator("#f-body").fill("Workers travel **every season** to farms.")
    expect(page.locator("#preview strong")).to_have_text("every season")
    page.get_by_label("Kind").select_option("strength")
    page.get_by_label("Text of finding 1").fill("Recruitment goes through the public employment service.")
    page.get_by_role("button", name="Add a finding").click()
    expect(page.get_by_label("Text of finding 2")).to_be_focused()
    page.locator("#f-findings-1-kind").select_option("difficulty")
    page.get_by_label("Text of finding 2").fill("Workers are tied to one employer.")
    page.get_by_label("Title of source 1").fill("Memorandum of understanding")
    page.get_by_label("Year of source 1").fill("1974")
    page.get_by_role("button", name="Save").click()

    # the summary was forgotten: the error is listed and shown beside the field; nothing typed is lost
    expect(page.locator("#error-summary")).to_contain_text("Summary: is required")  # named as the form names it
    expect(page.locator("#f-summary-error")).to_be_visible()
    expect(page.get_by_label("Text of finding 2")).to_have_value("Workers are tied to one employer.")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Wyvernbridge seasonal workers programme")
    shot(page, "validation-error")
    page.locator("#error-summary a", has_text="summary").click()
    expect(page.locator("#f-summary")).to_be_focused()
    page.locator("#f-summary").fill("Mexican workers take seasonal jobs on Canadian farms under a bilateral programme.")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved version 1.")).to_be_visible()
    assert re.search(r"/entries/wyvernbridge-seasonal-workers-programme/review$", page.url)
    shot(page, "saved-draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".context .state")).to_have_text("in review")
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)  # not by its author
    shot(page, "submitted")
    sign_out(page)

    # not public yet
    page.goto(server.url + "/?q=wyvernbridge")
    expect(page.locator(".hits h3 a")).to_have_count(0)

    # -- a second expert approves -----------------------------------------------------------------------
    sign_in(page, server, "bruno")
    page.get_by_role("link", name="Desk").click()
    page.get_by_role("region", name="Awaiting review").get_by_role(
        "link", name="Wyvernbridge seasonal workers programme").click()
    shot(page, "to-review")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".context .state")).to_have_text("published")
    shot(page, "approved")

    # -- the public finds it in the search (within a second here; bench/search_bench.py measures it) -----
    sign_out(page)
    deadline = time.monotonic() + 5.0  # generous, so a loaded CI machine does not turn latency into a failure
    while True:
        page.goto(server.url + "/?q=wyvernbridge")
        if page.locator(".hits h3 a").count() or time.monotonic() > deadline:
            break
    expect(page.locator(".hits h3 a")).to_have_text("Wyvernbridge seasonal workers programme", timeout=1)
    shot(page, "found")
    page.locator(".hits h3 a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wyvernbridge seasonal workers programme")
    expect(page.get_by_text("Recruitment goes through the public employment service.")).to_be_visible()


def test_the_experts_pages_have_no_serious_accessibility_violations(browser, server, axe, shot):
    add_user(server, "cleo", "expert")
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline, which the CSP refuses
    page = context.new_page()
    try:
        sign_in(page, server, "cleo")
        page.goto(server.url + "/entries/new")
        page.get_by_role("button", name="Save").click()  # an empty form: errors beside every required field
        expect(page.locator("#error-summary")).to_be_visible()
        pages = {"editor-with-errors": None, "desk": "/desk", "account": "/account",
                 "review": "/entries/mercosur-residence-agreement/review",
                 "history": "/entries/mercosur-residence-agreement/history"}
        assert_accessible(page, server, axe, shot, pages)
    finally:
        context.close()
