"""Digest e-mails of followed searches: written in the follower's language, sent through mail.py.

`migration-kb digests send` (cron) calls `send_all`; followed.send_digests decides what is due and what is new.
Links in the mail are absolute, from MIGRATION_KB_PUBLIC_URL (a command has no request to take a host from).
"""

from __future__ import annotations

import os
from datetime import datetime
from email.message import EmailMessage

from flask import Flask, current_app, render_template, url_for
from flask_babel import force_locale, ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from .. import followed, mail
from ..followed import Digest, DigestReport
from .criteria import Criteria
from .public_url import parse_public_url


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="digest-unsubscribe")


def unsubscribe_token(followed_id: int) -> str:
    return _signer().dumps(followed_id)


def read_unsubscribe_token(token: str) -> int | None:
    try:
        value = _signer().loads(token[:200])
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def compose(digest: Digest) -> EmailMessage:
    """The digest as plain text and HTML, with a one-click unsubscribe (List-Unsubscribe, RFC 8058)."""
    f = digest.followed
    with force_locale(f.lang):
        tax = current_app.extensions["migration_kb"].taxonomy
        search_url = url_for("search.search_page", _external=True).rstrip("/") + "/"
        query = Criteria(followed.search_request(f.query, tax), f.lang).url("")
        links = {"search": search_url + query, "manage": url_for("followed.followed_page", lang=f.lang, _external=True),
                 "unsubscribe": url_for("followed.unsubscribe", token=unsubscribe_token(f.id), _external=True),
                 "entry": lambda i: url_for("entries.entry_page", entry_id=i, lang=f.lang, _external=True)}
        count = len(digest.entries) + digest.more
        subject = "migration-kb: " + ngettext("%(num)d new or changed practice in “%(name)s”",
                                              "%(num)d new or changed practices in “%(name)s”", count, name=f.name)
        context = {"digest": digest, "links": links, "count": count, "lang": f.lang}
        text = render_template("delegates/digest.txt", **context)
        html = render_template("delegates/digest_mail.html", **context)
    return mail.compose(digest.email, subject, text, html=html,
                        headers={"List-Unsubscribe": f"<{links['unsubscribe']}>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def send_all(app: Flask, at: datetime | None = None) -> DigestReport:
    """Send every due digest of this instance (the search index must be current: the command catches it up)."""
    public = os.environ.get("MIGRATION_KB_PUBLIC_URL", "").strip()
    if not public:
        raise mail.MailNotConfigured("MIGRATION_KB_PUBLIC_URL is not set: a digest's links need the site's address")
    scheme, host = parse_public_url(public)
    server = mail.configured_server()  # MailNotConfigured before anything is marked as sent
    services = app.extensions["migration_kb"]
    with app.test_request_context("/", base_url=f"{scheme}://{host}"):
        return followed.send_digests(services.db, lambda req: services.searcher.ids(req, limit=1_000_000),
                                     services.taxonomy, lambda d: mail.send(compose(d), server), at)
