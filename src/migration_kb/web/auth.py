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
            # A password change or a disabled account ends every session (see accounts.session_epoch).
            user = signed_in(s, session["user_id"], session.get("epoch"))
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
    """Sign in: a fresh session (no fixation), its own CSRF token, tied to the password (epoch)."""
    session.clear()
    session.permanent = True
    now = int(time.time())
    session.update(user_id=user.id, epoch=user.epoch, started=now, seen=now)
    g.user = user


def end_session() -> None:
    session.clear()
    g.user = None


def no_store(response):
    """For pages about one user's work (editor, account): never kept by a browser or a shared cache."""
    response.headers["Cache-Control"] = "no-store"
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
