"""Who is asking: a signed-in session or an API bearer token; and what each role may do."""

from __future__ import annotations

import time
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from ..accounts import Account, account_for_token, signed_in
from ..workflow import PERMISSIONS, allowed
from .services import kb

__all__ = ["PERMISSIONS", "SIGNED_IN", "can", "current_user", "end_session", "no_store", "require", "start_session"]

IDLE_TIMEOUT = 2 * 3600  # seconds without a request before a session ends
SESSION_LIFETIME = 8 * 3600  # seconds after sign-in, whatever the activity (as PERMANENT_SESSION_LIFETIME)
_TOUCH_EVERY = 60  # refresh the idle clock at most this often
SIGNED_IN = None  # require(SIGNED_IN): any signed-in user, whatever the role


def current_user() -> Account | None:
    if "user" in g:
        return g.user
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        with kb().db.session() as s:
            user = account_for_token(s, header[7:].strip())
    elif session.get("user_id") and _session_alive():
        with kb().db.session() as s:
            # A password, role or account change deletes the user's sessions (accounts.end_sessions).
            user = signed_in(s, session["user_id"])
        if user is None:
            end_session()
    g.user = user
    return user


def _session_alive() -> bool:
    """False (and the session ended) once it idled too long or outlived its lifetime."""
    now = time.time()
    started, seen = session.get("started", 0), session.get("seen", 0)
    if now - started > SESSION_LIFETIME or now - seen > IDLE_TIMEOUT:
        end_session()
        return False
    if now - seen > _TOUCH_EVERY:
        session["seen"] = int(now)
    return True


def start_session(user: Account) -> None:
    """Sign in: a session with a new id (no fixation) and its own CSRF token, kept on the server
    (web/sessions.py)."""
    session.clear()
    session.renew()
    session.permanent = True
    now = int(time.time())
    session.update(user_id=user.id, started=now, seen=now)
    g.user = user


def end_session() -> None:
    """Sign out: the session's row is deleted, so a copy of the cookie opens nothing (what is stored next,
    a flash message, goes under a new id)."""
    session.clear()
    session.renew()
    g.user = None


def no_store(response):
    """For pages about one user's work or not yet public (editor, account, drafts, unpublished entries):
    never kept by a browser or a shared cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def private_answers(response):
    """Every answer that depended on who asked (a signed-in session or an API token): drafts, their history and
    exports, the workbench, unpublished entries and their API answers, and any page showing the account menu,
    is kept by no browser or shared cache. What the anonymous get is public and may be cached."""
    if g.get("user") is not None:
        no_store(response)
    return response


def can(permission: str, user: Account | None = None) -> bool:
    return allowed(user if user is not None else current_user(), permission)


def require(permission: str | None):
    """Nobody: 401 on the API (a token is needed), a redirect to sign in on web pages; a role that lacks
    the permission: 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                if not request.path.startswith("/api/"):
                    back = request.full_path if request.method == "GET" else request.path
                    return redirect(url_for("account.sign_in", next=back.rstrip("?")))
                abort(401, description="Sign in, or send an API token as 'Authorization: Bearer ...'.")
            if permission is not SIGNED_IN and not can(permission, user):
                abort(403, description=f"Your role ({user.role}) may not do this.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
