"""Review before publication: an entry's review page (its state, what reviewers said, the next steps) and
the experts' desk (what awaits review, one's own entries in progress)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import Conflict, Invalid
from ..reads import editing
from ..store import StaleVersion
from ..workflow import act
from .auth import current_user, no_store, require
from .calls import desk_by_call
from .entry_compare import as_it_reads, changes
from .i18n import asked_lang
from .services import kb

bp = Blueprint("review", __name__)
bp.after_request(no_store)


def step_names() -> dict[str, str]:
    return {"submit": _("Submit for review"), "approve": _("Approve and publish"),
            "request_changes": _("Request changes"), "archive": _("Archive"), "reopen": _("Reopen as a draft"),
            "request_archive": _("Ask for archiving"), "comment": _("Add a comment")}


def done_messages() -> dict[str, str]:
    return {"submit": _("Submitted for review."), "approve": _("Approved: the entry is published."),
            "request_changes": _("Changes requested: the authors will read your comment here."),
            "archive": _("Archived: the entry is hidden from the public."),
            "reopen": _("Reopened as a draft."), "comment": _("Your comment was added."),
            "request_archive": _("Archiving asked for: another expert (or an admin) decides.")}


@bp.get("/entries/<entry_id>/review")
@require("write_entries")
def review_page(entry_id: str, error: str | None = None, status: int = 200):
    user = current_user()
    with kb().db.session() as s:
        review = editing.review_state(s, entry_id, user)
        text = editing.under_review(s, entry_id) if review is not None else None
    if review is None:
        abort(404)
    since = text and text.since_version and {"version": text.since_version}
    return render_template("editor/review.html", row=review.entry, steps=review.steps, step_names=step_names(),
                           reviews=review.reviews, author_names=review.author_names, error=error,
                           is_author=review.is_author, creator=review.creator, latest=review.latest,
                           pending=review.pending, pending_by=review.pending.author if review.pending else None,
                           reads=as_it_reads(text.text) if text else None, since=since,
                           changed=changes(text.since_text, text.text) if since else []), status


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
        desk = editing.desk(s, user.id)
    by_call = desk_by_call(desk)  # marked with the call each entry answers; ?call=<id> keeps that call's
    desk = by_call.pop("desk")
    return render_template("editor/desk.html", waiting=desk.waiting, mine=desk.mine, drafts=desk.drafts, **by_call)
