"""Calls for practices: the public list and page of each call, the admin's form to open one, an expert's
response with an entry, the open calls on the home page, and the call a new entry answers (editor)."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import calls as domain
from ..errors import Invalid
from ..reads import calls as reads
from ..reads import editing
from ..records import MAX_ROW_ID, whole_number
from ..render import markdown_to_html
from .auth import can, current_user, require
from .services import kb

bp = Blueprint("calls", __name__)


@bp.app_template_global()
def open_calls_now() -> list[reads.Call]:
    """The home page lists the calls open today."""
    with kb().db.session() as s:
        return reads.open_calls(s)


@bp.get("/calls")
def call_list():
    with kb().db.session() as s:
        calls = reads.all_calls(s)
    return render_template("calls/list.html", calls=calls)


@bp.get("/calls/<int:call_id>")
def call_page(call_id: int, error: str | None = None, status: int = 200):
    user = current_user()
    with kb().db.session() as s:
        call = reads.call(s, call_id)
        if call is None:
            abort(404)
        practices = reads.gathered(s, call_id)
        # An expert's own entries not yet answering a call: what "respond" offers.
        mine = []
        if user is not None and can("write_entries"):
            desk = editing.desk(s, user.id)
            marks = reads.responses_of(s, [e.id for e in desk.mine])
            mine = [e for e in desk.mine if e.id not in marks]
    return render_template("calls/call.html", call=call, practices=practices, mine=mine, error=error,
                           describe=markdown_to_html), status


@bp.route("/calls/new", methods=["GET", "POST"])
@require("open_calls")
def new_call():
    tax = kb().taxonomy
    if request.method == "GET":
        values = {"title": request.args.get("q", "")[:300], "language": request.args.get("lang") or "en"}
        return render_template("calls/new.html", values=values, errors={}, tax=tax)
    values = {name: request.form.get(name, "") for name in ("title", "description", "language", "criteria",
                                                            "deadline")}
    values.update({scope: request.form.getlist(scope) for scope in domain.SCOPES})
    try:
        data = domain.validate(values, tax)
        with kb().db.session() as s:
            call_id = domain.open_call(s, current_user(), data)
    except Invalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field, []).append(_(e.message))
        return render_template("calls/new.html", values=values, errors=errors, tax=tax), 422
    flash(_("The call is open: it is listed on the home page until its deadline."))
    return redirect(url_for("calls.call_page", call_id=call_id))


@bp.post("/calls/<int:call_id>/respond")
@require("write_entries")
def respond(call_id: int):
    entry_id = request.form.get("entry_id", "")
    with kb().db.session() as s:
        domain.respond(s, current_user(), call_id, entry_id)
    flash(_("Your entry responds to this call: the review desk shows it with the call's name."))
    return redirect(url_for("calls.call_page", call_id=call_id))


def respond_from_editor(entry_id: str) -> None:
    """After the editor created an entry from a call's "Write an entry" link: mark it as answering the call.
    The entry is saved whatever happens here; a call closed in between is said, not an error."""
    call_id = whole_number(request.form.get("call", ""), MAX_ROW_ID)
    if call_id is None:
        return
    try:
        with kb().db.session() as s:
            domain.respond(s, current_user(), call_id, entry_id)
    except domain.Conflict as exc:
        flash(_(exc.template, **exc.values))
    except domain.NotFound:
        pass


@bp.app_template_global()
def call_of(entry_id: str) -> reads.CallMark | None:
    """The call an entry answers (the desk and the review page mark it)."""
    with kb().db.session() as s:
        return reads.answering(s, entry_id)


def desk_by_call(desk) -> dict:
    """The desk marked with the call each entry answers, and filtered to one call with ?call=<id>."""
    chosen = whole_number(request.args.get("call", ""), MAX_ROW_ID)
    with kb().db.session() as s:
        marks = reads.responses_of(s, [e.id for e in (*desk.waiting, *desk.mine, *desk.drafts)])
        calls = reads.all_calls(s)
    if chosen is not None:
        keep = [e for e in (*desk.waiting, *desk.mine, *desk.drafts) if e.id in marks and marks[e.id].id == chosen]
        desk = replace(desk, waiting=[e for e in desk.waiting if e in keep], mine=[e for e in desk.mine if e in keep],
                       drafts=[e for e in desk.drafts if e in keep])
    return {"desk": desk, "call_marks": marks, "calls": calls, "chosen_call": chosen}
