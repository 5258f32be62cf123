"""Sending e-mail through the SMTP server the deployment names, and nothing else.

One setting, `MIGRATION_KB_SMTP_URL`:

    smtp://host:25                      plain SMTP (a local relay)
    smtp+starttls://user:pass@host:587  STARTTLS, then log in
    smtps://user:pass@host:465          TLS from the first byte

and `MIGRATION_KB_MAIL_FROM` for the sender (default `migration-kb@localhost`). Followed-search digests
and community notices both send through `send`; a deployment without the setting sends nothing and says so
(`MailNotConfigured`), so a caller can tell a user that no e-mail will come instead of failing later.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

TIMEOUT_S = 20  # a stuck server must not hold a request or a cron run for ever


class MailNotConfigured(RuntimeError):
    """MIGRATION_KB_SMTP_URL is not set."""


class MailFailed(RuntimeError):
    """The SMTP server refused the message or could not be reached (the message says which)."""


@dataclass(frozen=True)
class SMTPServer:
    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SMTPServer:
        parts = urlsplit(url)
        security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError(f"MIGRATION_KB_SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587"
                             f" or smtps://user:pass@host:465, not {parts.scheme}://…")
        port = parts.port or {"none": 25, "starttls": 587, "tls": 465}[security]
        return cls(parts.hostname, port, security,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


def configured_server() -> SMTPServer:
    url = os.environ.get("MIGRATION_KB_SMTP_URL", "").strip()
    if not url:
        raise MailNotConfigured("MIGRATION_KB_SMTP_URL is not set: no e-mail can be sent")
    return SMTPServer.from_url(url)


def sender() -> str:
    return os.environ.get("MIGRATION_KB_MAIL_FROM", "").strip() or "migration-kb@localhost"


def compose(to: str, subject: str, text: str, *, html: str | None = None, reply_to: str | None = None,
            headers: dict[str, str] | None = None, sender_name: str = "migration-kb") -> EmailMessage:
    """A plain-text message (with an optional HTML alternative); header values never carry line breaks."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender()))
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain=sender().rpartition("@")[2] or "localhost")
    if reply_to:
        message["Reply-To"] = reply_to
    for name, value in (headers or {}).items():
        message[name] = " ".join(value.split())
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, server: SMTPServer | None = None) -> None:
    """Deliver one message; raise MailFailed with the server's reason when it is not accepted."""
    server = server or configured_server()
    try:
        if server.security == "tls":
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_S,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_S)
        with client:
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if server.user:
                client.login(server.user, server.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"the SMTP server {server.host}:{server.port} did not take the message: {exc}") from exc
