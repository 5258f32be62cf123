"""Secure headers, CSRF protection for forms, and safe redirects."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlparse

from flask import abort, request, session

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def secure_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


# Routes whose URL carries its own signed authority and that mail programs post to without a session
# (a digest's one-click unsubscribe, RFC 8058): no session, so no CSRF token to check.
CSRF_EXEMPT = frozenset({"followed.unsubscribe"})


def check_csrf() -> None:
    """Every state-changing request signed in by the session cookie must carry the session's token: a form
    field, or the X-CSRF-Token header. An API write by cookie also must come from this very site (its
    Origin or Referer, when sent, names this host); with a bearer token the token alone decides."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in CSRF_EXEMPT:
        return
    if request.path == "/oai":
        return  # OAI-PMH takes its read-only requests by POST too; it changes nothing
    if request.path.startswith("/api/"):
        if request.headers.get("Authorization", "").startswith("Bearer ") or not session.get("user_id"):
            return  # a token, or no session at all: the route's own check answers 401/403
        _same_origin()
        if not _matches(request.headers.get("X-CSRF-Token", ""), session.get("csrf") or ""):
            abort(403, description="A signed-in browser writes through the API with the session's CSRF token "
                                   "in the X-CSRF-Token header; other clients send an API token as "
                                   "'Authorization: Bearer ...'.")
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not _matches(sent, expected):
        abort(400, description="The form expired or did not come from this site. Reload the page and try again.")


def _matches(sent: str, expected: str) -> bool:
    """The session's token, compared in constant time (as bytes: a header may carry any character)."""
    return bool(expected) and hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


def _same_origin() -> None:
    """403 unless the Origin (or, without one, the Referer) header is absent or names this host."""
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    try:
        foreign = bool(sent) and urlparse(sent).netloc != request.host
    except ValueError:  # not even an address
        foreign = True
    if foreign:
        abort(403, description="This request came from another site.")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: a sign-in link must never send the user to another site."""
    if not target:
        return default
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
