"""The list of a rapporteur's drafts, starting a new one, and adding findings to a draft from a form
(the workbench's ticked findings, or an entry page's)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from ...drafting import access, edits
from ...drafting.view import event_choices
from ...errors import DraftError
from ..auth import current_user
from ..ids import form_id
from ..security import safe_next
from ..services import kb
from .common import bp, open_draft, rapporteur_page


@bp.get("/drafts")
@rapporteur_page
def draft_list():
    with kb().db.session() as s:
        drafts = access.drafts_of(s, current_user())
        events = event_choices(s)
    return render_template("drafts/list.html", drafts=drafts, events=events)


# Refusals of a form (DraftError) come back to the page it was sent from, with the reason, not as an error page.
@bp.post("/drafts")
@rapporteur_page
def create():
    try:
        with kb().db.session() as s:
            draft_id = edits.create_draft(s, current_user(), request.form.get("title", ""),
                                          request.form.get("event_id") or None).id
    except DraftError as exc:
        flash(str(exc), "error")
        return redirect(safe_next(request.form.get("next"), url_for("drafts.draft_list")))
    flash(gettext("Draft created."), "done")
    return redirect(safe_next(request.form.get("next"), url_for("drafts.draft_page", draft_id=draft_id)))


@bp.post("/drafts/add")
@rapporteur_page
def add_from_form():
    """From the workbench or an entry page: the ticked findings, or the one whose button was pressed."""
    only = request.args.get("only")
    ids = [only] if only else request.form.getlist("finding_id")
    back = safe_next(request.form.get("next"), url_for("drafts.workbench"))
    draft_id = form_id("draft_id")
    if draft_id is None:
        flash(gettext("Choose a draft to add the findings to."), "error")
        return redirect(back)
    try:
        with kb().db.session() as s:
            draft = open_draft(s, draft_id)
            result = edits.add_findings(s, draft, current_user(), ids)
            title = draft.title
    except DraftError as exc:
        flash(str(exc), "error")
        return redirect(back)
    message = ngettext("Added %(num)d finding to “%(title)s”.", "Added %(num)d findings to “%(title)s”.",
                       len(result.added), title=title)
    if result.already:
        message += " " + ngettext("%(num)d was already in it.", "%(num)d were already in it.", len(result.already))
    flash(message, "done")
    return redirect(back)
