"""An account's e-mail address, verified through a real SMTP server before anything may be sent to it."""

from __future__ import annotations

import html
import re

import pytest
from testkit.mailbox import Mailbox

from migration_kb import accounts
from tests.experts import add_people, csrf, signed_in

LINK_RE = re.compile(r"(http://\S+/account/email/verify\?token=\S+)")


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"mia": "reader", "noe": "expert"})


@pytest.fixture
def mailbox(monkeypatch):
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        yield box


def verified(app, name: str) -> str | None:
    with app.extensions["migration_kb"].db.session() as s:
        return accounts.verified_email(s, accounts.account_named(s, name).id)


def save_address(client, address: str, lang: str = "en"):
    return client.post(f"/account/email?lang={lang}", data={"csrf_token": csrf(client, "/account"),
                                                             "email": address})


def test_an_address_is_used_only_after_its_owner_follows_the_link(app, people, mailbox):
    client = signed_in(app, "mia")
    assert save_address(client, "mia@example.org").status_code == 302
    assert verified(app, "mia") is None
    page = client.get("/account").get_data(as_text=True)
    assert "mia@example.org" in page and "not confirmed yet" in page
    [message] = mailbox.wait_for("mia@example.org")
    link = LINK_RE.search(message.get_content()).group(1)
    # The link works in another browser too (it names the account), and says what it did.
    answer = app.test_client().get(link.split("localhost", 1)[-1])
    assert answer.status_code == 200 and "mia@example.org is confirmed" in answer.get_data(as_text=True)
    assert verified(app, "mia") == "mia@example.org"
    # A new address is unconfirmed again, and the old link no longer confirms anything.
    save_address(client, "mia@example.net")
    assert verified(app, "mia") is None
    again = app.test_client().get(link.split("localhost", 1)[-1])
    assert again.status_code == 400 and "not valid" in again.get_data(as_text=True)
    assert verified(app, "mia") is None


def test_a_forged_or_broken_link_confirms_nothing(app, people):
    client = app.test_client()
    for token in ("", "abc", "W3sxLCJhQGIuYyJdXQ.forged.sig", "x" * 5000):
        answer = client.get("/account/email/verify", query_string={"token": token})
        assert answer.status_code == 400 and "not valid" in answer.get_data(as_text=True)


@pytest.mark.parametrize("address", ["not an address", "a@b", "a@@b.org", "a b@c.org", "x" * 250 + "@e.org",
                                     "a@b.org\nBcc: c@d.org"])
def test_a_wrong_address_is_refused_at_its_field_and_kept_for_correction(app, people, address):
    client = signed_in(app, "noe")
    answer = save_address(client, address, lang="es")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert html.escape(address.strip()[:254]) in page  # kept in the field, to correct
    assert 'id="account-email-error">esta no es una dirección de correo electrónico' in page  # in Spanish


def test_without_a_mail_server_the_user_is_told_no_link_can_come(app, people, monkeypatch):
    monkeypatch.delenv("MIGRATION_KB_SMTP_URL", raising=False)
    client = signed_in(app, "noe")
    save_address(client, "noe@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "not set up to send e-mail" in page
    assert verified(app, "noe") is None


def test_the_form_needs_its_csrf_token(app, people):
    client = signed_in(app, "noe")
    answer = client.post("/account/email", data={"email": "noe@example.org"})
    assert answer.status_code == 400


def account_of(app, name: str) -> accounts.Account:
    with app.extensions["migration_kb"].db.session() as s:
        return accounts.account_named(s, name)


def test_the_language_of_the_e_mails_is_chosen_with_the_address(app, people, mailbox):
    add_people(app, {"lia": "expert"})
    client = signed_in(app, "lia")
    # No language chosen yet: the form offers the page's own language.
    page = client.get("/account?lang=es").get_data(as_text=True)
    assert '<label for="account-email-lang">Idioma de los correos</label>' in page
    assert '<option value="es" lang="es" selected>Español</option>' in page
    client.post("/account/email", data={"csrf_token": csrf(client, "/account"), "email": "lia@example.org",
                                        "email_lang": "es"})
    [message] = mailbox.wait_for("lia@example.org")
    assert message["Subject"] == "Confirm your e-mail address for migration-kb"  # the page's language, as before
    app.test_client().get(LINK_RE.search(message.get_content()).group(1).split("localhost", 1)[-1])
    assert account_of(app, "lia").email_lang == "es" and verified(app, "lia") == "lia@example.org"
    page = client.get("/account").get_data(as_text=True)  # an English page shows the chosen language
    assert '<option value="es" lang="es" selected>Español</option>' in page
    # Another language for the same address: it stays confirmed, and the user is told what changed.
    client.post("/account/email", data={"csrf_token": csrf(client, "/account"), "email": "lia@example.org",
                                        "email_lang": "pt"})
    page = client.get("/account").get_data(as_text=True)
    assert "unchanged and confirmed; e-mails to it are now written in Português" in page
    assert account_of(app, "lia").email_lang == "pt" and verified(app, "lia") == "lia@example.org"
    client.post("/account/email", data={"csrf_token": csrf(client, "/account"), "email": "lia@example.org",
                                        "email_lang": "pt"})
    assert "Your e-mail address is unchanged and confirmed.</" in client.get("/account").get_data(as_text=True)
    assert len(mailbox.to("lia@example.org")) == 1  # no new link for a confirmed address


@pytest.mark.parametrize("lang", ["", "xx", "ES", "en ", "de", "e" * 300])
def test_a_language_not_offered_is_refused_in_place_and_nothing_is_saved(app, people, lang):
    add_people(app, {"ana": "reader"})
    client = signed_in(app, "ana")
    before = account_of(app, "ana")
    answer = client.post("/account/email?lang=es", data={"csrf_token": csrf(client, "/account"),
                                                         "email": "ana@example.org", "email_lang": lang})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert ('id="account-email-lang-error">elija uno de los idiomas ofrecidos (en, es, pt, fr)' in page)
    assert 'aria-describedby="account-email-lang-error"' in page
    assert 'value="ana@example.org"' in page  # the address typed is kept, to send again
    assert account_of(app, "ana") == before
