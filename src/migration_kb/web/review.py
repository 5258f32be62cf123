"""Review before publication: an entry's review page (its state, what reviewers said, the next steps) and
the experts' desk (what awaits review, one's own entries in progress)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Conflict, Invalid
from ..models import EntryRow, Review, Revision, User
from ..store import StaleVersion
from ..workflow import act, authors, available
from .auth import current_user, no_store, require
from .entry_compare import as_it_reads, changes
from .i18n import asked_lang
from .services import kb

bp = Blueprint("review", __name__)
bp.after_request(no_store)


def step_names() -> dict[str, str]:
    return {"submit": _("Submit for review"), "approve": _("Approve and publish"),
            "request_changes": _("Request changes"), "archive": _("Archive"), "reopen": _("Reopen as a draft"),
            "comment": _("Add a comment")}


def done_messages() -> dict[str, str]:
    return {"submit": _("Submitted for review."), "approve": _("Approved: the entry is published."),
            "request_changes": _("Changes requested: the authors will read your comment here."),
            "archive": _("Archived: the entry is hidden from the public."),
            "reopen": _("Reopened as a draft."), "comment": _("Your comment was added.")}


@bp.get("/entries/<entry_id>/review")
@require("write_entries")
def review_page(entry_id: str, error: str | None = None, status: int = 200):
    user = current_user()
    with kb().db.session() as s:
        row = s.get(EntryRow, entry_id)
        if row is None:
            abort(404)
        steps = available(s, row, user)
        author_ids = authors(s, row)
        author_names = list(s.scalars(select(User.name).where(User.id.in_(author_ids)).order_by(User.name)))
        reviews = s.execute(select(Review, User.name).outerjoin(User, User.id == Review.reviewer_id)
                            .where(Review.entry_id == entry_id).order_by(Review.created_at.desc())).all()
        records = s.execute(select(Revision.version, Revision.state, Revision.record)
                            .where(Revision.entry_id == entry_id).order_by(Revision.version.desc())).all()
        s.expunge(row)
    current, since = _under_review(records)
    return render_template("editor/review.html", row=row, steps=steps, step_names=step_names(),
                           reviews=reviews, author_names=author_names, error=error,
                           is_author=user.id in author_ids, reads=as_it_reads(current) if current else None,
                           since=since, changed=changes(since[2], current) if since else []), status


def _under_review(records) -> tuple[dict | None, tuple | None]:
    """The entry's text now, and the version to compare it with: the last published text that differs
    from it, else the last text that differs (None for an entry that never read otherwise)."""
    if not records or records[0].record is None:
        return None, None
    current = records[0].record
    older = [r for r in records[1:] if r.record is not None and r.record != current]
    since = next((r for r in older if r.state == "published"), older[0] if older else None)
    return current, since


@bp.post("/entries/<entry_id>/review")
@require("write_entries")
def take_step(entry_id: str):
    step, comment = request.form.get("step", ""), request.form.get("comment", "")
    # A step refused for the entry's state or content is said on the review page itself, with the refusal's
    # status; anything else (no such entry, a role that may not) goes to the app's error handler.
    try:
        with kb().db.session() as s:
            act(s, entry_id, step, current_user(), comment=comment,
                expected_version=request.form.get("version", type=int))
    except StaleVersion as exc:
        return review_page(entry_id, error=_("Someone saved the entry while you were looking at it (you saw "
                                             "version %(seen)d; it is now version %(now)d). Look at it again "
                                             "before you decide.", seen=exc.expected, now=exc.current),
                           status=exc.status)
    except (Conflict, Invalid) as exc:
        return review_page(entry_id, error=_(exc.template, **exc.values), status=exc.status)
    kb().written()
    flash(done_messages()[step])
    return redirect(url_for("review.review_page", entry_id=entry_id, lang=asked_lang()))


@bp.get("/desk")
@require("write_entries")
def desk():
    """An expert's start page: entries awaiting review by others, and their own entries in progress."""
    user = current_user()
    with kb().db.session() as s:
        waiting = list(s.scalars(select(EntryRow).where(EntryRow.state == "review")
                                 .order_by(EntryRow.updated_at)))
        mine = list(s.scalars(select(EntryRow).where(EntryRow.author_id == user.id,
                                                     EntryRow.state != "published")
                              .order_by(EntryRow.updated_at.desc())))
        drafts = list(s.scalars(select(EntryRow).where(EntryRow.state == "draft", EntryRow.author_id != user.id)
                                .order_by(EntryRow.updated_at.desc()).limit(50)))
    return render_template("editor/desk.html", waiting=waiting, mine=mine, drafts=drafts)
