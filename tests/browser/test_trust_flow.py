"""What experts and rapporteurs must be able to trust, in a real Chromium against the real server: a change
to published text waits for a second expert (issue 19.6), an edit keeps the author's tag order and text
(18.1), typed draft text is never lost (18.2), workflow steps are events, not versions (18.3), and the
history names no server path (18.4)."""

from __future__ import annotations

import json
import re
import urllib.request

import yaml
from playwright.sync_api import expect

from .conftest import add_user, sign_in, sign_out


def experts(server, *names: str) -> None:
    for name in names:
        add_user(server, name, "expert")


def public_json(server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return json.loads(response.read())


def front_matter(server, entry_id: str) -> dict:
    with urllib.request.urlopen(f"{server.url}/entries/{entry_id}.md", timeout=10) as response:
        text = response.read().decode()
    return yaml.safe_load(text.split("---\n")[1])


def test_a_change_to_published_text_waits_for_a_second_expert(page, server, shot):
    experts(server, "amara", "bruno")
    entry_id = "ar-cl-convenio-seguridad-social"
    before = public_json(server, f"/api/v1/entries/{entry_id}")
    sign_in(page, server, "amara")
    page.goto(f"{server.url}/entries/{entry_id}/edit")
    page.locator("#f-summary").fill(before["summary"] + " Zanzibarine clause.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".pending")).to_contain_text("awaits review")
    shot(page, "pending")
    # the public, the search and the API still show the approved text
    page.goto(f"{server.url}/entries/{entry_id}")
    expect(page.get_by_text("Zanzibarine")).to_have_count(0)
    assert public_json(server, f"/api/v1/entries/{entry_id}")["summary"] == before["summary"]
    assert public_json(server, "/api/v1/search?q=zanzibarine")["total"] == 0
    # the author cannot approve it
    page.goto(f"{server.url}/entries/{entry_id}/review")
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)
    sign_out(page)

    # a second expert reads what changed, then approves that very version
    sign_in(page, server, "bruno")
    page.get_by_role("link", name="Desk").click()
    page.get_by_role("region", name="Awaiting review").get_by_role("link", name=before["title"]).click()
    page.get_by_role("link", name="What changed").click()
    expect(page.locator(".word-diff ins")).to_contain_text("Zanzibarine clause.")
    shot(page, "diff")
    page.go_back()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".context .state")).to_have_text("published")
    page.goto(f"{server.url}/entries/{entry_id}")
    expect(page.locator("main")).to_contain_text("Zanzibarine clause.")
    assert public_json(server, f"/api/v1/entries/{entry_id}")["summary"].endswith("Zanzibarine clause.")


def test_an_approval_names_the_version_the_reviewer_read(page, server, browser):
    experts(server, "amara", "bruno")
    entry_id = "br-cl-convenio-previdencia-social-2007"
    sign_in(page, server, "amara")
    page.goto(f"{server.url}/entries/{entry_id}/edit")
    summary = page.locator("#f-summary").input_value()
    page.locator("#f-summary").fill(summary + " First change.")
    page.get_by_role("button", name="Save").click()
    other = browser.new_context().new_page()
    sign_in(other, server, "bruno")
    other.goto(f"{server.url}/entries/{entry_id}/review")  # bruno reads the first change
    page.goto(f"{server.url}/entries/{entry_id}/edit")  # meanwhile amara saves another
    page.locator("#f-summary").fill(summary + " Second change.")
    page.get_by_role("button", name="Save").click()
    other.get_by_role("button", name="Approve and publish").click()
    expect(other.locator("#step-error")).to_contain_text("Look at it again")
    assert "change" not in public_json(server, f"/api/v1/entries/{entry_id}")["summary"]
    other.context.close()


def test_editing_keeps_the_authors_tag_order_and_text(page, server, shot):
    experts(server, "amara", "bruno")
    entry_id = "ar-bo-acuerdo-marco-trata-de-personas-2015"
    before = front_matter(server, entry_id)
    assert before["themes"] == ["protection", "management"]  # not the taxonomy's order
    sign_in(page, server, "amara")
    page.goto(f"{server.url}/entries/{entry_id}/edit")
    # saving what is there changes nothing and writes no version
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Nothing changed: the entry is as it was.")).to_be_visible()
    page.goto(f"{server.url}/entries/{entry_id}/edit")
    words = before["summary"].split(" ")
    edited = " ".join(["Un", "acuerdo", *words[2:]])
    page.locator("#f-summary").fill(edited)
    page.get_by_role("button", name="Save").click()
    page.goto(f"{server.url}/entries/{entry_id}/history")
    page.get_by_role("button", name="Compare the chosen versions").click()
    shot(page, "diff")
    changed = page.locator(".word-diff dt").all_inner_texts()  # the fields that changed
    assert changed == ["Summary"], changed
    sign_out(page)
    sign_in(page, server, "bruno")
    page.goto(f"{server.url}/entries/{entry_id}/review")
    if page.get_by_role("button", name="Approve and publish").count():
        page.get_by_role("button", name="Approve and publish").click()
    after = front_matter(server, entry_id)
    assert after["themes"] == before["themes"]
    assert after["target_groups"] == before["target_groups"]
    assert after["summary"] == edited


def test_workflow_steps_are_events_not_versions(page, server, shot):
    experts(server, "amara", "bruno")
    sign_in(page, server, "amara")
    page.goto(server.url + "/entries/new")
    page.get_by_label("Title", exact=True).fill("Quillmoor border pass")
    page.locator("#f-summary").fill("Residents of twin towns cross with a local pass.")
    page.get_by_label("Migration management").check()
    page.locator("#f-countries").fill("AR, CL")
    page.get_by_label("Title of source 1").fill("Quillmoor agreement")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved version 1.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".context").first).to_contain_text("version 1")
    sign_out(page)
    sign_in(page, server, "bruno")
    page.goto(server.url + "/entries/quillmoor-border-pass/review")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".context").first).to_contain_text("version 1")
    page.goto(server.url + "/entries/quillmoor-border-pass/history")
    shot(page, "history")
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    steps = page.locator("table.steps tbody")
    expect(steps).to_contain_text("amara")
    expect(steps).to_contain_text("submitted for review")
    expect(steps).to_contain_text("bruno")
    expect(steps).to_contain_text("approved")


def test_the_history_names_no_server_path(page, server):
    experts(server, "amara")
    sign_in(page, server, "amara")
    # an imported entry: its history says which file, relative to the knowledge base, never the server's path
    page.goto(server.url + "/entries/mercosur-residence-agreement/history")
    message = page.locator("table.history tbody tr").last.locator("td").last.inner_text()
    messages = page.locator("table.history").inner_text()
    assert "imported entries/mercosur-residence-agreement.md" in messages, messages
    assert str(server.instance) not in messages and not re.search(r"imported /", messages), message


def test_typed_draft_texts_are_never_lost(page, server, browser, shot):
    add_user(server, "rosa", "rapporteur")
    sign_in(page, server, "rosa")
    page.goto(server.url + "/drafts")
    page.get_by_label("Title").fill("Nothing lost")
    page.get_by_role("button", name="Create draft").click()
    draft_url = page.url
    page.get_by_role("link", name="Find findings to add").click()
    page.locator(".found input[name=finding_id]").nth(0).check()
    page.get_by_role("button", name="Add the ticked findings").click()
    page.goto(draft_url)
    section = page.get_by_label("Your text for this section (Markdown)").first
    page.get_by_label("Introduction (Markdown)").fill("Our introduction.")
    section.fill("Our section text.")
    page.locator(".intro").get_by_role("button", name="Save text").click()
    expect(page.get_by_label("Introduction (Markdown)")).to_have_value("Our introduction.")
    expect(page.get_by_label("Your text for this section (Markdown)").first).to_have_value("Our section text.")
    shot(page, "both-saved")

    # leaving with unsaved text asks first
    page.get_by_label("Introduction (Markdown)").fill("Typed but not saved.")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Drafts").first.click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(page.get_by_label("Introduction (Markdown)")).to_have_value("Typed but not saved.")

    # without JavaScript, one save still keeps both
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    sign_in(plain, server, "rosa")
    plain.goto(draft_url)
    plain.get_by_label("Introduction (Markdown)").fill("Intro without script.")
    plain.get_by_label("Your text for this section (Markdown)").first.fill("Section without script.")
    plain.get_by_role("button", name="Save text").last.click()
    expect(plain.get_by_label("Introduction (Markdown)")).to_have_value("Intro without script.")
    expect(plain.get_by_label("Your text for this section (Markdown)").first).to_have_value("Section without script.")
    context.close()
