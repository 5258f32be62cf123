"""Whether each practice of a list is still in force, in the UI language: for result lists and entries."""

from __future__ import annotations

from flask_babel import gettext as _

from ..reads.entries import lifecycles_of, published_link
from .services import kb


def lifecycle_text(status: str | None, year_end: int | None, superseded_by: str | None) -> str:
    """'No longer in force since 2020' for a completed or replaced practice, else its status in words."""
    if status == "completed" or superseded_by:
        return _("No longer in force since %(year)s", year=year_end) if year_end else _("No longer in force")
    return {"active": _("in force"), "planned": _("planned")}.get(status or "", _("status unknown"))


def lifecycles(hits) -> dict[str, str]:
    """{entry id: its lifecycle in words} for the hits of a list, in one query (the index holds no status)."""
    ids = [h.id for h in hits]
    if not ids:
        return {}
    with kb().db.session() as s:
        rows = lifecycles_of(s, ids)
        # What replaced an ended practice, at a glance in the list too (issue 15): a few rows at most.
        successors = {i: published_link(s, successor) for i, (_, _, successor) in rows.items() if successor}
    return {i: lifecycle_text(status, year_end, successor)
            + (f" — {_('replaced by')} {successors[i].title}" if successors.get(i) else "")
            for i, (status, year_end, successor) in rows.items()}
