"""Sign-in attempts limited per user name and per client address.

Failures are counted in the database (SignInAttempt rows, one per key and window), so the limit holds
across every app server sharing it. The count covers the current window and the one before it, so a burst
at a window's edge does not double the allowance.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..models import SignInAttempt

WINDOW = timedelta(minutes=15)
LIMITS = {"user": 5, "addr": 20}  # failures per key over (about) two windows
KEEP = timedelta(days=1)  # older rows are removed as new failures arrive


def keys(name: str, address: str | None) -> list[str]:
    return [f"user:{name.strip().casefold()[:150]}", f"addr:{address or 'unknown'}"]


def _window(at: datetime) -> datetime:
    seconds = int(WINDOW.total_seconds())
    return datetime.fromtimestamp(int(at.timestamp()) // seconds * seconds, UTC)


def _counts(db: Database, key_list: list[str], at: datetime) -> dict[str, int]:
    current = _window(at)
    with db.session() as s:
        rows = s.execute(select(SignInAttempt.key, SignInAttempt.failures)
                         .where(SignInAttempt.key.in_(key_list),
                                SignInAttempt.window_start.in_([current, current - WINDOW]))).all()
    out = dict.fromkeys(key_list, 0)
    for key, failures in rows:
        out[key] += failures
    return out


def retry_after(db: Database, key_list: list[str], at: datetime | None = None) -> int | None:
    """Seconds until another attempt is allowed, or None when the keys are under their limits."""
    at = at or datetime.now(UTC)
    for key, failures in _counts(db, key_list, at).items():
        if failures >= LIMITS[key.split(":", 1)[0]]:
            return int((_window(at) + WINDOW - at).total_seconds()) + int(WINDOW.total_seconds())
    return None


def record_failure(db: Database, key_list: list[str], at: datetime | None = None) -> None:
    at = at or datetime.now(UTC)
    window = _window(at)
    for attempt in range(3):  # another server may insert the same row at the same moment
        try:
            with db.session() as s:
                for key in key_list:
                    row = s.get(SignInAttempt, (key, window))
                    if row is None:
                        s.add(SignInAttempt(key=key, window_start=window, failures=1))
                    else:
                        row.failures += 1
                s.execute(delete(SignInAttempt).where(SignInAttempt.window_start < at - KEEP)
                          .execution_options(synchronize_session=False))
            return
        except IntegrityError:
            if attempt == 2:
                raise


def clear(db: Database, key: str) -> None:
    """A successful sign-in forgives that user name's failures (not the address's)."""
    with db.session() as s:
        s.execute(delete(SignInAttempt).where(SignInAttempt.key == key))
