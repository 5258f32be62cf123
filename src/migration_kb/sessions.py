"""Browser sessions kept on the server (the `sessions` table): rows keyed by the SHA-256 of a random id.

The web's session interface (web/sessions.py) reads and writes them through these functions; `end_sessions`
signs a user out everywhere when their password, role or account changes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .models import SessionRow, now

LIFETIME = timedelta(hours=8)  # a row older than this is gone whatever the activity (auth checks it sooner)


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def read(s: Session, sid: str) -> dict | None:
    """The data of a live session, None when the id is unknown, ended or expired."""
    return s.scalar(select(SessionRow.data).where(SessionRow.id == _key(sid),
                                                  SessionRow.updated_at >= now() - LIFETIME))


def forget(s: Session, sid: str) -> None:
    s.execute(delete(SessionRow).where(SessionRow.id == _key(sid)))


def store(s: Session, sid: str | None, data: dict) -> str:
    """Write the data under `sid` if that session still exists, else under a new random id; returns the id."""
    if sid and s.execute(update(SessionRow).where(SessionRow.id == _key(sid))
                         .values(data=data, user_id=data.get("user_id"), updated_at=now())).rowcount:
        return sid
    sid = secrets.token_urlsafe(32)
    s.add(SessionRow(id=_key(sid), user_id=data.get("user_id"), data=data, updated_at=now()))
    # Rows nobody came back for (anonymous visitors, sessions never signed out) go as new ones start.
    s.execute(delete(SessionRow).where(SessionRow.updated_at < now() - LIFETIME)
              .execution_options(synchronize_session=False))
    return sid


def end_sessions(s: Session, user_id: int) -> int:
    """Sign the user out everywhere (a new password, another role, a disabled account): every browser
    session of theirs is deleted on the server. Their API tokens are theirs to revoke (disabling stops them)."""
    return s.execute(delete(SessionRow).where(SessionRow.user_id == user_id)
                     .execution_options(synchronize_session=False)).rowcount
