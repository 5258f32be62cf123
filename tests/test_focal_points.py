"""Focal points for horizontal cooperation (issue 17 item 2): part of the entry format, the editor, the API
and the export; the e-mail address appears in no page, API answer, export without the flag or log; "Contact
the focal point" sends through the server with Reply-To the sender's verified address, limited per day and
logged without the text."""

from __future__ import annotations

import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from testkit.mailbox import Mailbox

from migration_kb import accounts, contact
from migration_kb.entryfiles import read_file, to_record
from migration_kb.importer import export_all, import_paths
from migration_kb.models import ContactSent, EntryRow
from migration_kb.records import ValidationError, validate_entry
from tests.conftest import MINIMAL
from tests.experts import add_people, csrf, edit_fields, signed_in
from tests.test_threads import assert_inert

pytestmark = pytest.mark.databases("sqlite", "postgresql")
ADDRESS = "focal.person@ministry.example.org"
ENTRY = "focal-practice"
FOCAL = f"""focal_point:
  name: Ana <b>Pérez</b>
  institution: Ministry of Labour
  role: Director of migration
  email: {ADDRESS}
"""


@pytest.fixture(scope="module")
def entry(app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("focal") / "entries"
    folder.mkdir()
    text_ = MINIMAL.format(id=ENTRY, title="A practice with a focal point").replace("sources:", FOCAL + "sources:")
    (folder / f"{ENTRY}.md").write_text(text_, encoding="utf-8")
    report = import_paths(app.extensions["migration_kb"].db, [folder])
    assert not report.errors, report.errors
    add_people(app, {"fp-expert": "expert", "fp-reader": "reader", "fp-writer": "reader", "fp-admin": "admin"})
    return ENTRY


def stored_email(app) -> str | None:
    with app.extensions["migration_kb"].db.session() as s:
        row = s.get(EntryRow, ENTRY)
        return (row.focal_point or {}).get("email")


def test_the_format_takes_a_focal_point_and_checks_it():
    base = {"id": "x-y", "title": "T", "summary": "S", "language": "en", "themes": ["protection"],
            "countries": ["MX"]}
    entry = validate_entry({**base, "focal_point": {"name": "Ana", "email": ADDRESS}})
    assert entry.focal_point.email == ADDRESS and entry.public().focal_point.email is None
    assert "focal_point" not in validate_entry(base).to_dict()  # an entry without one keeps its hash
    for bad, field in (({"email": ADDRESS}, "focal_point.name"), ({"name": "A", "email": "not an address"},
                                                                  "focal_point.email"),
                       ({"name": "A", "phone": "1"}, "focal_point.phone"), ("Ana", "focal_point")):
        with pytest.raises(ValidationError) as caught:
            validate_entry({**base, "focal_point": bad})
        assert field in str(caught.value) and "not an address" not in str(caught.value)


def test_the_address_is_in_no_page_api_answer_or_download(app, entry):
    expert, admin = signed_in(app, "fp-expert"), signed_in(app, "fp-admin")
    page = app.test_client().get(f"/entries/{ENTRY}").get_data(as_text=True)
    assert "Director of migration" in page and "Ministry of Labour" in page
    paths = [f"/entries/{ENTRY}", f"/entries/{ENTRY}.json", f"/entries/{ENTRY}.md", f"/api/v1/entries/{ENTRY}",
             "/api/v1/search?q=focal+point", "/search.json?q=practice", "/search.csv?q=practice",
             "/search.atom?q=practice", f"/entries/{ENTRY}/edit", f"/entries/{ENTRY}/history",
             f"/entries/{ENTRY}/review", f"/entries/{ENTRY}/diff?from=1&to=1", "/sitemap.xml",
             "/api/v1/findings?q=workers", "/api/v1/openapi.json"]
    for client in (app.test_client(), expert, admin):
        for path in paths:
            body = client.get(path).get_data(as_text=True)
            assert ADDRESS not in body and "ministry.example.org" not in body, path
    api = json.loads(app.test_client().get(f"/api/v1/entries/{ENTRY}").get_data(as_text=True))
    assert api["focal_point"] == {"name": "Ana <b>Pérez</b>", "institution": "Ministry of Labour",
                                  "role": "Director of migration", "email": None}
    assert_inert(page)  # the name's markup is text


def test_the_export_holds_the_address_only_with_the_flag(app, entry, tmp_path, cli, monkeypatch):
    db = app.extensions["migration_kb"].db
    export_all(db, tmp_path / "plain")
    assert ADDRESS not in (tmp_path / "plain" / "entries" / f"{ENTRY}.md").read_text(encoding="utf-8")
    export_all(db, tmp_path / "full", focal_emails=True)
    full = (tmp_path / "full" / "entries" / f"{ENTRY}.md")
    assert ADDRESS in full.read_text(encoding="utf-8")
    assert to_record(read_file(full)).focal_point.email == ADDRESS  # a backup restores it
    from migration_kb.cli import main
    assert any("--with-focal-emails" in p.opts for p in main.commands["export"].params)


def test_the_editor_keeps_replaces_or_removes_the_address_it_never_shows(app, entry):
    expert = signed_in(app, "fp-expert")
    form = expert.get(f"/entries/{ENTRY}/edit").get_data(as_text=True)
    assert ADDRESS not in form and "An address is on file (not shown)" in form
    response = expert.post(f"/entries/{ENTRY}/edit", data=edit_fields(expert, ENTRY, focal_role="Deputy director"))
    assert response.status_code == 302
    with app.extensions["migration_kb"].db.session() as s:  # an edit of a published entry waits for review
        pending = s.execute(text("SELECT record FROM pending_versions WHERE entry_id = :e"), {"e": ENTRY}).scalar()
    record = pending if isinstance(pending, dict) else json.loads(pending)
    assert record["focal_point"]["role"] == "Deputy director" and record["focal_point"]["email"] == ADDRESS
    bad = expert.post(f"/entries/{ENTRY}/edit", data=edit_fields(expert, ENTRY, focal_email="nobody-at-all"))
    assert bad.status_code == 422 and "is not an e-mail address" in bad.get_data(as_text=True)
    assert "nobody-at-all" not in bad.get_data(as_text=True)
    expert.post(f"/entries/{ENTRY}/edit", data=edit_fields(expert, ENTRY, focal_email_remove="1"))
    with app.extensions["migration_kb"].db.session() as s:
        record = s.execute(text("SELECT record FROM pending_versions WHERE entry_id = :e"), {"e": ENTRY}).scalar()
    record = record if isinstance(record, dict) else json.loads(record)
    assert "email" not in record["focal_point"] or record["focal_point"]["email"] is None
    assert stored_email(app) == ADDRESS  # the published text is unchanged until approved


def test_the_api_keeps_the_address_unless_the_body_names_it(app, entry):
    with app.extensions["migration_kb"].db.session() as s:
        token = accounts.new_token(s, accounts.find_user(s, "fp-admin"), "t")
        s.execute(text("DELETE FROM pending_versions WHERE entry_id = :e"), {"e": ENTRY})
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    current = client.get(f"/api/v1/entries/{ENTRY}").get_json()
    body = {k: v for k, v in current.items() if k not in ("state", "updated_at", "created_at")}
    body["focal_point"] = {k: v for k, v in body["focal_point"].items() if k != "email"}
    body["summary"] = "Changed summary."
    assert client.put(f"/api/v1/entries/{ENTRY}", json=body, headers=headers).status_code == 200
    with app.extensions["migration_kb"].db.session() as s:
        record = s.execute(text("SELECT record FROM pending_versions WHERE entry_id = :e"), {"e": ENTRY}).scalar()
        s.execute(text("DELETE FROM pending_versions WHERE entry_id = :e"), {"e": ENTRY})
    record = record if isinstance(record, dict) else json.loads(record)
    assert record["focal_point"]["email"] == ADDRESS


def verify(app, name: str, address: str) -> None:
    with app.extensions["migration_kb"].db.session() as s:
        user_id = accounts.account_named(s, name).id
        accounts.set_email(s, user_id, address)
        accounts.confirm_email(s, user_id, address)


def contact_form(client, body: str):
    return client.post(f"/entries/{ENTRY}/contact", data={"csrf_token": csrf(client, f"/entries/{ENTRY}"),
                                                          "text": body})


def test_contact_goes_through_the_server_with_the_senders_reply_to(app, entry, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger="migration_kb")
    reader = signed_in(app, "fp-reader")
    page = reader.get(f"/entries/{ENTRY}").get_data(as_text=True)
    assert "Contact the focal point" in page
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        no_address = contact_form(reader, "Hello from a delegate zzkept")
        assert no_address.status_code == 409
        assert "confirm it first" in no_address.get_data(as_text=True) and "zzkept" in no_address.get_data(as_text=True)
        verify(app, "fp-reader", "delegate@example.org")
        sent = contact_form(reader, "We run a similar programme; could we talk? zzsecret")
        assert sent.status_code == 302
        [message] = box.wait_for(ADDRESS)
    assert message["Reply-To"] == "delegate@example.org"
    assert "zzsecret" in message.get_content() and "fp-reader" in message.get_content()
    with app.extensions["migration_kb"].db.session() as s:
        rows = s.execute(select(ContactSent)).scalars().all()
        columns = set(ContactSent.__table__.columns.keys())
    assert columns == {"id", "sender_id", "entry_id", "created_at"} and len(rows) == 1
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("migration_kb"))  # (not the
    # test's own SMTP server, which logs what it receives)
    assert "focal-practice was sent" in logged
    assert ADDRESS not in logged and "zzsecret" not in logged


def test_contact_is_limited_per_sender_per_day(app, entry, monkeypatch):
    verify(app, "fp-writer", "writer@example.org")
    writer = signed_in(app, "fp-writer")
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        for i in range(contact.PER_DAY):
            assert contact_form(writer, f"message {i}").status_code == 302
        refused = contact_form(writer, "one more zzmore")
    assert refused.status_code == 429 and "zzmore" in refused.get_data(as_text=True)
    assert len(box.to(ADDRESS)) >= contact.PER_DAY


def test_contact_needs_a_session_a_token_and_a_focal_point(app, entry):
    anonymous = app.test_client()
    response = anonymous.post(f"/entries/{ENTRY}/contact", data={"csrf_token": csrf(anonymous), "text": "x"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    reader = signed_in(app, "fp-reader")
    for token in ("", "forged"):
        assert reader.post(f"/entries/{ENTRY}/contact", data={"csrf_token": token, "text": "x"}).status_code == 400
    other = reader.post("/entries/mercosur-residence-agreement/contact",
                        data={"csrf_token": csrf(reader), "text": "x"})
    assert other.status_code == 404


def test_without_smtp_the_sender_is_told_and_keeps_the_text(app, entry, monkeypatch):
    monkeypatch.delenv("MIGRATION_KB_SMTP_URL", raising=False)
    verify(app, "fp-expert", "expert@example.org")
    response = contact_form(signed_in(app, "fp-expert"), "zzoffline text")
    assert response.status_code == 503 and "zzoffline text" in response.get_data(as_text=True)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.text(max_size=5200))
def test_generated_messages_answer_4xx_or_send_never_500(app, entry, body):
    with app.extensions["migration_kb"].db.session() as s:
        s.execute(text("DELETE FROM contacts_sent"))
    with Mailbox() as box:
        import os
        os.environ["MIGRATION_KB_SMTP_URL"] = box.url
        try:
            response = contact_form(signed_in(app, "fp-writer"), body)
        finally:
            os.environ.pop("MIGRATION_KB_SMTP_URL", None)
    assert response.status_code in (302, 422), response.status_code
    assert not re.search("Traceback", response.get_data(as_text=True))
