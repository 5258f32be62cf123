"""Sign-in attempts limited per user name and per client address.

Failures are counted in the database (through `accounts`, one count per key and window), so the limit holds
across every app server sharing it. The count covers the current window and the one before it, so a burst
at a window's edge does not double the allowance.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .. import accounts
from ..db import Database

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
        return accounts.sign_in_failures(s, key_list, [current, current - WINDOW])


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
                accounts.add_sign_in_failure(s, key_list, window, at - KEEP)
            return
        except accounts.LostRace:
            if attempt == 2:
                raise


def clear(db: Database, key: str) -> None:
    """A successful sign-in forgives that user name's failures (not the address's)."""
    with db.session() as s:
        accounts.forget_sign_in_failures(s, key)
