"""A draft's page, the changes its forms post (each one a new version), and its history."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext

from ...drafting import access, edits
from ...drafting.history import old_snapshot, restore, revisions
from ...drafting.sections import section_choices
from ...drafting.view import build_view, event_choices
from ...errors import DraftError
from ..auth import current_user
from ..ids import form_id
from ..services import kb
from .common import bp, open_draft, rapporteur_page, template_words


@bp.get("/drafts/<int:draft_id>")
@rapporteur_page
def draft_page(draft_id: int):
    tax = kb().taxonomy
    with kb().db.session() as s:
        draft = open_draft(s, draft_id)
        view = build_view(s, draft, tax)
        people = access.people(s, draft)
        events = event_choices(s)
    return render_template("drafts/draft.html", view=view, owner=people.owner,
                           is_owner=people.owner.id == current_user().id, shared=people.colleagues, events=events,
                           choices=section_choices(view.grouping, tax), **template_words(view.grouping))


def _item_id() -> int:
    value = form_id("item")
    if value is None:
        raise DraftError("which finding? (the form lost it; reload the page)", field="item")
    return value


def _move(s, draft, user) -> None:
    tax = kb().taxonomy
    where = request.form.get("do", "")
    if where == "to":
        edits.move_to_section(s, draft, user, _item_id(), request.form.get("section", ""), tax)
    else:
        edits.move_item(s, draft, user, _item_id(), where, tax)


ANCHOR = re.compile(r"(#[A-Za-z0-9_.-]{1,100})?", re.ASCII)  # the forms' own anchors, or none


# What each form of the page changes: (session, draft, user) -> None.
ACTIONS = {
    "settings": lambda s, d, u: edits.update_settings(s, d, u, title=request.form.get("title", ""),
                                                      event_id=request.form.get("event_id") or None,
                                                      grouping=request.form.get("grouping", "theme")),
    "text": lambda s, d, u: edits.set_text(s, d, u, request.form.get("section", ""), request.form.get("text", ""),
                                           kb().taxonomy),
    # Every text box of the page belongs to one form (`text:<section>`), so a save keeps them all.
    "texts": lambda s, d, u: edits.set_texts(s, d, u, {k[5:]: v for k, v in request.form.items()
                                                        if k.startswith("text:")}, kb().taxonomy),
    "move": _move,
    "remove": lambda s, d, u: edits.remove_item(s, d, u, _item_id()),
    "accept": lambda s, d, u: edits.accept_change(s, d, u, _item_id()),
    "share": lambda s, d, u: edits.share(s, d, u, request.form.get("colleague", "")),
    "unshare": lambda s, d, u: edits.unshare(s, d, u, form_id("user") or 0),
    "restore": lambda s, d, u: restore(s, d, u, form_id("version") or 0),
    "delete": lambda s, d, u: edits.delete_draft(s, d, u),
}
DONE = {"settings": lazy_gettext("Settings saved."), "text": lazy_gettext("Text saved."),
        "texts": lazy_gettext("Text saved."),
        "move": lazy_gettext("Moved."), "remove": lazy_gettext("Removed from the draft."),
        "accept": lazy_gettext("The draft now cites the current text."), "share": lazy_gettext("Shared."),
        "unshare": lazy_gettext("No longer shared."), "restore": lazy_gettext("Version restored."),
        "delete": lazy_gettext("Draft deleted.")}


@bp.post("/drafts/<int:draft_id>/<action>")
@rapporteur_page
def change(draft_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    anchor = request.form.get("anchor", "")
    if not ANCHOR.fullmatch(anchor):  # checked before anything is saved: it ends up in the redirect's address
        abort(400, description="anchor: a place on the draft's page such as #item-3")
    back = url_for("drafts.draft_page", draft_id=draft_id) + anchor
    try:
        with kb().db.session() as s:
            ACTIONS[action](s, open_draft(s, draft_id), current_user())
    except DraftError as exc:  # refused: back to the draft, with the reason
        flash(str(exc), "error")
        return redirect(back)
    flash(str(DONE[action]), "done")
    return redirect(url_for("drafts.draft_list") if action == "delete" else back)


@bp.get("/drafts/<int:draft_id>/history")
@rapporteur_page
def history(draft_id: int):
    with kb().db.session() as s:
        draft = open_draft(s, draft_id)
        versions = revisions(s, draft)
        title, current = draft.title, draft.version
    return render_template("drafts/history.html", draft_id=draft_id, title=title, revisions=versions,
                           current=current)


@bp.get("/drafts/<int:draft_id>/history/<int:version>")
@rapporteur_page
def old_version(draft_id: int, version: int):
    with kb().db.session() as s:
        draft = open_draft(s, draft_id)
        snapshot = old_snapshot(s, draft, version)
        current = draft.version
    if snapshot is None:
        abort(404)
    return render_template("drafts/version.html", draft_id=draft_id, version=version, snap=snapshot,
                           current=current, **template_words(snapshot["grouping"]))
