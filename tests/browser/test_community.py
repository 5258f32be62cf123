"""The community in a real Chromium against a real `migration-kb serve` with a real SMTP server (issue 17):
a reader asks on an entry, an expert answers, the contributor receives the e-mail; an admin hides a post; an
expert responds to a call and the desk shows it; a search that found nothing reaches the experts' page; the
new pages on a phone (390 px) and in Spanish."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect
from testkit.mailbox import Mailbox
from testkit.servers import AppServer

from migration_kb import accounts
from migration_kb.config import Settings
from migration_kb.db import open_database

from .conftest import PASSWORD, account_menu, assert_accessible, sign_in, sign_out
from .test_real_use import UI_TEXT, english_ui_strings, overflow

ENTRY = "mercosur-residence-agreement"
PEOPLE = {"delegate": "reader", "contributor": "expert", "answerer": "expert", "moderator": "admin"}


@pytest.fixture(scope="module")
def box():
    with Mailbox() as mailbox:
        yield mailbox


@pytest.fixture(scope="module")
def site(tmp_path_factory, box):
    """Its own server, sending mail to the test's SMTP server; the contributor of ENTRY has a verified address."""
    srv = AppServer(tmp_path_factory.mktemp("community") / "instance", start=False)
    srv.env["MIGRATION_KB_SMTP_URL"] = box.url
    srv.start()
    for name, role in PEOPLE.items():
        srv.cli("users", "add", name, "--role", role, input=PASSWORD + "\n")
    db = open_database(Settings.load(srv.instance))
    try:
        with db.session() as s:
            contributor = accounts.account_named(s, "contributor").id
            accounts.set_email(s, contributor, "contributor@example.org")
            accounts.confirm_email(s, contributor, "contributor@example.org")
            s.connection().exec_driver_sql("UPDATE entries SET author_id = ? WHERE id = ?", (contributor, ENTRY))
    finally:
        db.dispose()
    yield srv
    srv.stop()




def test_a_reader_asks_an_expert_answers_the_contributor_is_mailed_an_admin_hides(page, site, box, shot):
    sign_in(page, site, "delegate")
    page.goto(f"{site.url}/entries/{ENTRY}")
    page.get_by_label("Ask a question or comment").fill("Does it apply to **Bolivian** nationals living in Chile?")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_text("Your question or comment is posted.")).to_be_visible()
    question = page.locator(".thread .post").first
    expect(question.locator("strong", has_text="Bolivian")).to_be_visible()
    shot(page, "asked")
    [mail] = box.wait_for("contributor@example.org")
    assert "New post on" in mail["Subject"]
    link = re.search(r"(http://\S+/posts/\d+)", mail.get_content()).group(1)
    sign_out(page)

    sign_in(page, site, "answerer")
    page.goto(link)  # the e-mail's link leads to the post
    assert f"/entries/{ENTRY}#post-" in page.url
    page.locator(".thread summary", has_text="Answer").first.click()
    page.get_by_label("Your answer").first.fill("Yes: Bolivia and Chile apply the agreement since 2009.")
    page.get_by_role("button", name="Post the answer").first.click()
    expect(page.get_by_text("Your answer is posted.")).to_be_visible()
    answer = page.locator(".answers .post").first
    expect(answer.locator(".badge")).to_have_text("Expert")
    shot(page, "answered")
    assert len(box.wait_for("contributor@example.org", count=2)) == 2
    sign_out(page)

    sign_in(page, site, "moderator")
    page.goto(f"{site.url}/entries/{ENTRY}")
    page.locator(".answers .post summary", has_text="Hide").first.click()
    page.locator(".answers .post").first.get_by_label("Reason (kept in the post's history)").fill("Off topic")
    page.get_by_role("button", name="Hide the post").first.click()
    expect(page.get_by_text("The post is hidden from everyone but moderators.").first).to_be_visible()
    expect(page.locator(".post-hidden .hidden-note")).to_contain_text("Off topic")
    shot(page, "hidden-for-moderators")
    sign_out(page)
    page.goto(f"{site.url}/entries/{ENTRY}")
    expect(page.get_by_text("Bolivia and Chile apply")).to_have_count(0)
    expect(page.get_by_text("Does it apply to")).to_be_visible()
    shot(page, "public-after-hiding")


def test_an_expert_responds_to_a_call_and_the_desk_shows_it(page, site, shot):
    sign_in(page, site, "moderator")
    page.goto(site.url + "/calls/new")
    page.get_by_label("Title").fill("Portability of pensions for returning migrants")
    page.get_by_label("Description (Markdown)").fill("Which bilateral agreements let pensions follow the worker?")
    page.get_by_label("Social protection", exact=False).first.check() if page.get_by_label(
        "Social protection", exact=False).count() else None
    page.get_by_label("Deadline (the call closes by itself the day after)").fill("2099-06-30")
    page.get_by_role("button", name="Open the call").click()
    expect(page.get_by_text("The call is open")).to_be_visible()
    call_url = page.url
    shot(page, "call-opened")
    sign_out(page)
    page.goto(site.url + "/")
    expect(page.locator(".open-calls")).to_contain_text("Portability of pensions for returning migrants")

    token = site.token("responder", "expert")
    body = json.dumps({"id": "pension-portability-draft", "title": "Pension portability between A and B",
                       "summary": "Pensions follow the worker.", "language": "en", "themes": ["protection"],
                       "countries": ["AR", "CL"], "body": "Text."}).encode()
    request = urllib.request.Request(site.url + "/api/v1/entries", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    with open_database_of(site) as db, db.session() as s:
        accounts.change_password(s, accounts.account_named(s, "responder").id, PASSWORD)
    sign_in(page, site, "responder")
    page.goto(call_url)
    page.get_by_label("Or respond with one of your entries in progress").select_option("pension-portability-draft")
    page.get_by_role("button", name="Respond with this entry").click()
    expect(page.get_by_text("Your entry responds to this call")).to_be_visible()
    page.get_by_role("link", name="Desk").click()
    mark = page.locator(".desk-list li", has_text="Pension portability between A and B").locator(".call-mark")
    expect(mark).to_have_text("In response to the call “Portability of pensions for returning migrants”")
    page.get_by_label("Calls for practices").select_option(label="Portability of pensions for returning migrants")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".desk-list li")).to_have_count(1)
    shot(page, "desk-by-call")


class open_database_of:
    def __init__(self, srv):
        self.db = open_database(Settings.load(srv.instance))

    def __enter__(self):
        return self.db

    def __exit__(self, *exc):
        self.db.dispose()


def test_a_search_that_found_nothing_appears_on_the_experts_page(page, site, shot):
    page.goto(site.url + "/?lang=es")
    page.locator("#q").fill("zzqwombat quokkaqq")
    page.locator("form.query button[type=submit]").click()
    expect(page.locator(".hits a")).to_have_count(0)
    sign_in(page, site, "answerer")
    account_menu(page).get_by_role("link", name="Searches that found little").click()
    row = page.locator("table.search-log tr", has_text="zzqwombat quokkaqq")
    expect(row).to_contain_text("es")
    expect(row.get_by_role("link", name="Search again")).to_be_visible()
    shot(page, "search-log")


NEW_PAGES = {"calls": "/calls", "call": "/calls/1", "entry-threads": f"/entries/{ENTRY}",
             "event-threads": "/events/oas-2011-bilateral-cooperation"}
SIGNED_IN_PAGES = {"search-log": "/search-log", "call-form": "/calls/new", "desk": "/desk",
                   "entry-signed-in": f"/entries/{ENTRY}", "account": "/account"}


@pytest.mark.parametrize("width", [1280, 390])
def test_the_new_pages_fit_a_phone_and_speak_spanish(browser, site, shot, width):
    english = [*english_ui_strings(), "Questions and comments", "Calls for practices"]
    english = [w for w in english if w not in ("Authorization", "Bearer …")]  # the API's header, in any language
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    wide, left = {}, {}

    def check(name: str, path: str) -> None:
        page.goto(site.url + path + ("&" if "?" in path else "?") + "lang=es")
        document, viewport = overflow(page)
        if document > viewport:
            wide[name] = document
        text = page.evaluate(UI_TEXT)
        found = [w for w in english if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
        if found:
            left[name] = found
        if found or document > viewport:
            shot(page, name)

    for name, path in NEW_PAGES.items():
        check(name, path)
    sign_in(page, site, "moderator")
    for name, path in SIGNED_IN_PAGES.items():
        check(name, path)
    context.close()
    assert not wide, f"wider than {width} px: {wide}"
    assert not left, left


def test_the_new_pages_have_no_serious_accessibility_violations(browser, site, axe, shot):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe runs inline
    page = context.new_page()
    sign_in(page, site, "moderator")
    try:
        assert_accessible(page, site, axe, shot, {**NEW_PAGES, **SIGNED_IN_PAGES})
    finally:
        context.close()


def test_a_spanish_speaking_delegate_gets_notices_in_spanish_on_a_phone(browser, site, box, shot):
    """The e-mails' language is chosen on the account page (a phone, in Spanish); the answer's notice comes in it."""
    site.cli("users", "add", "delegada", "--role", "reader", input=PASSWORD + "\n")
    entry = "/entries/accord-nord-americain-cooperation-travail"  # not the contributor's: their mail is counted
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, site, "delegada")
    page.goto(site.url + "/account?lang=es")
    expect(page.get_by_label("Idioma de los correos")).to_have_value("es")  # the page's language, until chosen
    page.get_by_label("Dirección (déjela vacía para quitarla)").fill("delegada@example.org")
    page.locator("form[action='/account/email'] button[type=submit]").click()
    [confirm] = box.wait_for("delegada@example.org")
    page.goto(re.search(r"(http://\S+/account/email/verify\?token=\S+)", confirm.get_content()).group(1))
    page.goto(site.url + "/account?lang=es")
    expect(page.locator("#email-title + p + p")).to_contain_text("confirmada")
    expect(page.get_by_label("Idioma de los correos")).to_have_value("es")
    assert overflow(page)[0] <= 390
    shot(page, "account-email-language-phone")
    page.goto(site.url + entry + "?lang=es")
    page.get_by_label("Haga una pregunta o un comentario").fill("¿Se aplica a los trabajadores de temporada?")
    page.get_by_role("button", name="Publicar", exact=True).click()
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, site, "answerer")  # reads the site in English
    page.goto(site.url + entry)
    thread = page.locator(".thread", has_text="trabajadores de temporada")
    thread.locator("summary", has_text="Answer").click()
    thread.get_by_label("Your answer").fill("Yes, since 2019.")
    thread.get_by_role("button", name="Post the answer").click()
    expect(page.get_by_text("Your answer is posted.")).to_be_visible()
    desk.close()
    notice = box.wait_for("delegada@example.org", count=2)[1]
    assert notice["Subject"].startswith("Nueva publicación sobre «")
    assert "Recibe este mensaje porque" in notice.get_content()
    assert re.search(r"http://\S+/posts/\d+", notice.get_content())
