"""Who is asking: a signed-in session or an API bearer token; and what each role may do."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request, session

from ..accounts import user_for_token
from ..models import User
from .services import kb

# What each role may do; a role holds only what it needs (least privilege).
PERMISSIONS = {
    "reader": set(),
    "expert": {"write_entries", "review_entries"},
    "rapporteur": {"draft"},
    "admin": {"write_entries", "review_entries", "publish_any", "manage_users", "draft"},
}


def current_user() -> User | None:
    if "user" in g:
        return g.user
    user = None
    header = request.headers.get("Authorization", "")
    with kb().db.session() as s:
        if header.startswith("Bearer "):
            user = user_for_token(s, header[7:].strip())
        elif session.get("user_id"):
            found = s.get(User, session["user_id"])
            # A password change or a disabled account ends every session (see session_epoch).
            if found and not found.disabled and session.get("epoch") == session_epoch(found):
                user = found
        if user is not None:
            s.expunge(user)
    g.user = user
    return user


def session_epoch(user: User) -> str:
    return user.password_hash[-16:]


def can(permission: str, user: User | None = None) -> bool:
    user = user if user is not None else current_user()
    return user is not None and permission in PERMISSIONS.get(user.role, set())


def require(permission: str):
    """401 for nobody (API: a token is needed), 403 for a user whose role lacks the permission."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                abort(401, description="Sign in, or send an API token as 'Authorization: Bearer ...'.")
            if not can(permission, user):
                abort(403, description=f"Your role ({user.role}) may not do this.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
