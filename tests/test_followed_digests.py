"""Digests of followed searches through a real SMTP server (aiosmtpd): the right practices, never twice, nothing
for an empty period, one-click unsubscribe, never to an unverified address. Run by `migration-kb digests send`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from testkit.mailbox import Mailbox

from migration_kb import accounts, followed
from migration_kb.models import FollowedSearch, now
from migration_kb.taxonomy import load as load_taxonomy

from .conftest import MINIMAL, write_entry

pytestmark = pytest.mark.databases("sqlite", "postgresql")
PUBLIC = "http://kb.example.org"
MATCHING = MINIMAL  # labour-mobility, MX and CA
OTHER = MINIMAL.replace("themes: [labour-mobility]", "themes: [protection]")


@pytest.fixture
def site(cli, db, tmp_path, monkeypatch):
    """An instance with two practices and its index; ana has a confirmed address, bob an unconfirmed one."""
    folder = tmp_path / "kb"
    write_entry(folder, "first-labour", MATCHING.format(id="first-labour", title="First labour agreement"))
    write_entry(folder, "first-protection", OTHER.format(id="first-protection", title="First protection programme"))
    assert cli("import", str(folder)).exit_code == 0
    assert cli("reindex").exit_code == 0
    with db.session() as s:
        for name, address, confirm in (("ana", "ana@example.org", True), ("bob", "bob@example.org", False)):
            user = accounts.add_user(s, name, "reader", "a long password!")
            accounts.set_email(s, user.id, address)
            if confirm:
                accounts.confirm_email(s, user.id, address)
    monkeypatch.setenv("MIGRATION_KB_PUBLIC_URL", PUBLIC)
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        yield folder, box


def follow(db, name: str, query: str = "theme=labour-mobility", digest: str = "daily", lang: str = "en") -> int:
    with db.session() as s:
        user = accounts.account_named(s, name)
        saved, _ = followed.follow(s, user.id, f"{name}'s search", query, lang, digest, load_taxonomy())
    return saved.id


def a_day_passes(db) -> None:
    """Every digest period closed a day earlier (what waiting a day does)."""
    with db.session() as s:
        s.execute(update(FollowedSearch).values(period_closed_at=now() - timedelta(days=1)))


def publish(cli, folder, entry_id: str, title: str, text: str = MATCHING) -> None:
    write_entry(folder, entry_id, text.format(id=entry_id, title=title))
    assert cli("import", str(folder)).exit_code == 0


def test_a_digest_brings_what_is_new_once_and_nothing_for_an_empty_period(site, cli, db):
    folder, box = site
    follow(db, "ana")
    result = cli("digests", "send")
    assert "0 digest(s) sent" in result.output and "1 not due yet" in result.output  # just followed
    a_day_passes(db)
    assert "1 period(s) with nothing new" in cli("digests", "send").output  # nothing changed since following
    assert box.messages == []

    publish(cli, folder, "second-labour", "Second labour agreement")
    publish(cli, folder, "second-protection", "Second protection programme", OTHER)  # not in the search
    a_day_passes(db)
    result = cli("digests", "send")
    assert result.exit_code == 0 and "1 digest(s) sent" in result.output, result.output
    [message] = box.wait_for("ana@example.org")
    text = message.get_body(("plain",)).get_content()
    assert "Second labour agreement [new]" in text and f"{PUBLIC}/entries/second-labour" in text
    assert "protection" not in text.lower() and "First labour agreement" not in text
    assert "1 new or changed practice" in message["Subject"] and "ana's search" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith(f"<{PUBLIC}/digests/unsubscribe/")
    html = message.get_body(("html",)).get_content()
    assert 'href="http://kb.example.org/entries/second-labour?lang=en"' in html

    # Run again at once, and after another day with nothing new: nothing is sent twice.
    assert "0 digest(s) sent" in cli("digests", "send").output
    a_day_passes(db)
    assert "0 digest(s) sent" in cli("digests", "send").output
    assert len(box.to("ana@example.org")) == 1

    # A change to a practice already reported is reported as changed.
    publish(cli, folder, "second-labour", "Second labour agreement, amended")
    a_day_passes(db)
    cli("digests", "send")
    second = box.wait_for("ana@example.org", 2)[1].get_body(("plain",)).get_content()
    assert "Second labour agreement, amended [changed]" in second


def test_never_to_an_unverified_address(site, cli, db):
    folder, box = site
    follow(db, "bob")
    publish(cli, folder, "second-labour", "Second labour agreement")
    a_day_passes(db)
    result = cli("digests", "send")
    assert "0 digest(s) sent" in result.output and "1 waiting for a confirmed e-mail address" in result.output
    assert box.messages == []


def test_weekly_waits_a_week(site, cli, db):
    folder, box = site
    follow(db, "ana", digest="weekly")
    publish(cli, folder, "second-labour", "Second labour agreement")
    a_day_passes(db)
    assert "1 not due yet" in cli("digests", "send").output
    with db.session() as s:
        s.execute(update(FollowedSearch).values(period_closed_at=now() - timedelta(days=7)))
    assert "1 digest(s) sent" in cli("digests", "send").output
    assert box.wait_for("ana@example.org")


def test_one_click_unsubscribe(site, cli, db, settings):
    folder, box = site
    followed_id = follow(db, "ana", lang="es")
    publish(cli, folder, "second-labour", "Second labour agreement")
    a_day_passes(db)
    cli("digests", "send")
    [message] = box.wait_for("ana@example.org")
    assert "práctica" in message["Subject"]  # written in the language the search was followed in
    link = re.search(r"<(\S+)>", message["List-Unsubscribe"]).group(1).replace(PUBLIC, "")

    from migration_kb.web import create_app

    app = create_app(settings, testing=True)
    client = app.test_client()
    page = client.get(link).get_data(as_text=True)
    assert "Stop the digest" in page  # a GET (a mail scanner's) changes nothing
    with db.session() as s:
        assert followed.get(s, followed_id).digest == "daily"
    assert client.post(link).status_code == 200  # what a mail program's one click sends (RFC 8058)
    with db.session() as s:
        assert followed.get(s, followed_id).digest == "none"
    assert client.get(link[:-3] + "xyz").status_code == 404  # a forged token
    app.extensions["migration_kb"].db.dispose()

    publish(cli, folder, "third-labour", "Third labour agreement")
    a_day_passes(db)
    assert "0 digest(s) sent" in cli("digests", "send").output
    assert len(box.to("ana@example.org")) == 1


def test_a_refused_message_is_sent_on_the_next_run(site, cli, db, monkeypatch):
    folder, box = site
    follow(db, "ana")
    publish(cli, folder, "second-labour", "Second labour agreement")
    a_day_passes(db)
    from testkit.servers import free_port

    monkeypatch.setenv("MIGRATION_KB_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody listens there
    result = cli("digests", "send")
    assert result.exit_code == 1 and "1 failed" in result.output
    monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
    assert "1 digest(s) sent" in cli("digests", "send").output
    assert "Second labour agreement" in box.wait_for("ana@example.org")[0].get_body(("plain",)).get_content()


def test_without_a_public_address_or_smtp_server_nothing_is_marked(site, cli, db, monkeypatch):
    follow(db, "ana")
    monkeypatch.delenv("MIGRATION_KB_PUBLIC_URL")
    result = cli("digests", "send")
    assert result.exit_code != 0 and "MIGRATION_KB_PUBLIC_URL" in result.output
    monkeypatch.setenv("MIGRATION_KB_PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("MIGRATION_KB_SMTP_URL")
    result = cli("digests", "send")
    assert result.exit_code != 0 and "MIGRATION_KB_SMTP_URL" in result.output


def test_a_search_whose_vocabulary_value_went_away_is_reported_not_fatal(site, cli, db):
    folder, box = site
    follow(db, "ana")
    with db.session() as s:
        s.execute(update(FollowedSearch).values(query="theme=a-removed-theme"))
    publish(cli, folder, "second-labour", "Second labour agreement")
    a_day_passes(db)
    result = cli("digests", "send")
    assert result.exit_code == 1 and "a-removed-theme" in result.output and "1 failed" in result.output
    assert box.messages == []


@pytest.mark.parametrize("lang, new, changed", [("es", "nueva", "modificada"), ("pt", "nova", "alterada"),
                                                ("fr", "nouvelle", "modifiée")])
def test_new_and_changed_agree_with_practice_in_each_language(site, cli, db, lang, new, changed):
    """"new" and "changed" qualify a practice (feminine in es, pt, fr): both words agree with it."""
    folder, box = site
    follow(db, "ana", lang=lang)
    publish(cli, folder, "second-labour", "Second labour agreement")  # new in the period
    publish(cli, folder, "first-labour", "First labour agreement, amended")  # changed in the period
    a_day_passes(db)
    assert "1 digest(s) sent" in cli("digests", "send").output
    [message] = box.wait_for("ana@example.org")
    text = message.get_body(("plain",)).get_content()
    assert f"Second labour agreement [{new}]" in text and f"First labour agreement, amended [{changed}]" in text
    html = message.get_body(("html",)).get_content()
    assert f"<strong>{new}</strong>" in html and f"<strong>{changed}</strong>" in html
