"""The mail module against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from testkit.mailbox import Mailbox
from testkit.servers import free_port

from migration_kb import mail


@pytest.fixture
def mailbox(monkeypatch):
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        monkeypatch.setenv("MIGRATION_KB_MAIL_FROM", "kb@example.org")
        yield box


def test_a_message_arrives_with_its_text_and_reply_to(mailbox):
    message = mail.compose("delegate@example.org", "New practices", "Two practices changed.\nSeñal: ñ",
                           reply_to="expert@example.org")
    mail.send(message)
    [got] = mailbox.wait_for("delegate@example.org")
    assert got["Subject"] == "New practices"
    assert got["Reply-To"] == "expert@example.org"
    assert "kb@example.org" in got["From"]
    assert "Señal: ñ" in got.get_content()


def test_a_line_break_in_a_subject_cannot_add_a_header(mailbox):
    mail.send(mail.compose("a@example.org", "Hello\r\nBcc: victim@example.org", "text"))
    [got] = mailbox.wait_for("a@example.org")
    assert got["Bcc"] is None
    assert len(mailbox.messages) == 1 and mailbox.messages[0][0] == ["a@example.org"]


def test_without_the_setting_nothing_is_sent_and_the_reason_is_clear(monkeypatch):
    monkeypatch.delenv("MIGRATION_KB_SMTP_URL", raising=False)
    with pytest.raises(mail.MailNotConfigured, match="MIGRATION_KB_SMTP_URL"):
        mail.send(mail.compose("a@example.org", "s", "t"))


def test_a_server_that_is_down_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("MIGRATION_KB_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(mail.MailFailed, match=r"127\.0\.0\.1"):
        mail.send(mail.compose("a@example.org", "s", "t"))


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://relay", mail.SMTPServer("relay", 25, "none")),
    ("smtp+starttls://me%40x.org:p%3Ass@mail.x.org:2525", mail.SMTPServer("mail.x.org", 2525, "starttls",
                                                                        "me@x.org", "p:ss")),
    ("smtps://u:p@mail.x.org", mail.SMTPServer("mail.x.org", 465, "tls", "u", "p")),
])
def test_server_urls(url, expected):
    assert mail.SMTPServer.from_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.x.org", "smtp://", "mail.x.org:25"])
def test_a_wrong_server_url_says_what_it_should_look_like(url):
    with pytest.raises(ValueError, match="smtp://host:25"):
        mail.SMTPServer.from_url(url)
