"""Calls for practices: an admin opens one (title, description, scope, criteria, deadline, in one of the four
languages); experts respond with an entry, which reaches the review desk marked with the call; the call
closes by itself after its deadline day and lists the practices it gathered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from .accounts import Account
from .config import LANGUAGES
from .errors import N_, Conflict, FieldError, Invalid, NotFound
from .models import CallResponse, CallRow, EntryRow
from .records import DATE_RE, clean_text
from .taxonomy import Taxonomy
from .workflow import NotPermitted, allowed

MAX_TITLE, MAX_TEXT = 300, 10_000
SCOPES = ("themes", "topics", "blocs")  # each a list of values of its vocabulary (topics: of "topic")
VOCABULARY = {"themes": "theme", "topics": "topic", "blocs": "bloc"}


def today() -> date:
    return datetime.now(UTC).date()


def is_open(deadline: date, on: date | None = None) -> bool:
    """Open through the end of its deadline day (UTC), closed from the day after."""
    return (on or today()) <= deadline


@dataclass(frozen=True)
class CallData:
    title: str
    description: str
    language: str
    themes: tuple[str, ...]
    topics: tuple[str, ...]
    blocs: tuple[str, ...]
    criteria: str
    deadline: date


def _text(errors: list[FieldError], field: str, value, limit: int, required: bool) -> str:
    value, problem = clean_text(value if isinstance(value, str) else "")
    value = value.strip()
    if problem:
        errors.append(FieldError(field, problem))
    elif required and not value:
        errors.append(FieldError(field, N_("is required")))
    elif len(value) > limit:
        errors.append(FieldError(field, f"at most {limit:,} characters (this one has {len(value):,})"))
    return value


def validate(data: dict, taxonomy: Taxonomy, on: date | None = None) -> CallData:
    """A call from a form's fields (lists for the scopes), or Invalid listing every problem."""
    errors: list[FieldError] = []
    title = _text(errors, "title", data.get("title"), MAX_TITLE, True)
    description = _text(errors, "description", data.get("description"), MAX_TEXT, True)
    criteria = _text(errors, "criteria", data.get("criteria"), MAX_TEXT, False)
    language = data.get("language")
    if language not in LANGUAGES:
        errors.append(FieldError("language", f"one of {', '.join(LANGUAGES)}"))
    scopes = {}
    for scope in SCOPES:
        values = [v for v in data.get(scope) or [] if isinstance(v, str) and v]
        known = taxonomy.terms(VOCABULARY[scope])
        unknown = [v for v in values if v not in known]
        if unknown:
            errors.append(FieldError(scope, f"not a known value: {', '.join(repr(v[:60]) for v in unknown[:5])}"))
        scopes[scope] = tuple(dict.fromkeys(v for v in values if v in known))
    raw = data.get("deadline") if isinstance(data.get("deadline"), str) else ""
    deadline = None
    if not DATE_RE.match(raw or ""):
        errors.append(FieldError("deadline", N_("a date, YYYY-MM-DD")))
    else:
        try:
            deadline = date.fromisoformat(raw)
        except ValueError:
            errors.append(FieldError("deadline", N_("a date, YYYY-MM-DD")))
        else:
            if deadline < (on or today()):
                errors.append(FieldError("deadline", N_("the deadline has passed: choose today or a later day")))
    if errors:
        raise Invalid(errors)
    return CallData(title, description, language, scopes["themes"], scopes["topics"], scopes["blocs"],
                    criteria, deadline)


def open_call(s: Session, user: Account | None, call: CallData) -> int:
    if not allowed(user, "open_calls"):
        raise NotPermitted(N_("Only an admin opens a call for practices."))
    row = CallRow(title=call.title, description=call.description, language=call.language,
                  themes=list(call.themes), topics=list(call.topics), blocs=list(call.blocs),
                  criteria=call.criteria, deadline=call.deadline, opened_by=user.id)
    s.add(row)
    s.flush()
    return row.id


def respond(s: Session, user: Account | None, call_id: int, entry_id: str, on: date | None = None) -> None:
    """An expert's entry (one they created) answers an open call; an entry answers one call at most."""
    if not allowed(user, "write_entries"):
        raise NotPermitted(N_("Experts respond to calls with entries."))
    call = s.get(CallRow, call_id)
    if call is None:
        raise NotFound(N_("There is no such call for practices."))
    if not is_open(call.deadline, on):
        raise Conflict(N_("This call closed on %(date)s: it takes no more practices."), date=call.deadline.isoformat())
    entry = s.get(EntryRow, entry_id)
    if entry is None or (entry.author_id != user.id and not allowed(user, "publish_any")):
        raise NotFound(N_("You have no entry %(id)r to respond with."), id=entry_id[:80])
    row = s.get(CallResponse, entry_id)
    if row is None:
        s.add(CallResponse(entry_id=entry_id, call_id=call_id))
    elif row.call_id != call_id:
        raise Conflict(N_("This entry already responds to another call."))
