"""The entry editor: create and edit an entry in a web form, with the same validation as files, a
server-rendered preview, and a clear conflict page when someone saved in between (never a lost update)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import pending
from ..entryfiles import entry_to_text
from ..errors import N_, Invalid, NotFound
from ..reads import entries as reads
from ..records import Entry, panel_refs, validate_entry
from ..store import StaleVersion, all_events, save_entry
from .auth import current_user, no_store, require
from .calls import respond_from_editor
from .entry_compare import as_it_reads, changes
from .entry_form import EntryForm, dom_id, resolve_countries
from .form_messages import field_label, translated_message
from .i18n import asked_lang
from .services import kb

bp = Blueprint("editor", __name__)
bp.after_request(no_store)


def known_panels() -> set[str]:
    with kb().db.session() as s:
        return panel_refs(all_events(s))


def _panel_choices() -> list[tuple[str, str]]:
    with kb().db.session() as s:
        return [(f"{ev.id}/{p.id}", f"{p.number + '. ' if p.number else ''}{p.title} — {ev.title}")
                for ev in all_events(s) for p in ev.panels if p.theme]


def _entry(entry_id: str) -> tuple[Entry, reads.EntryInfo]:
    with kb().db.session() as s:
        found = reads.entry_with_info(s, entry_id)
    if found is None:
        raise NotFound(N_("There is no entry %(id)r."), id=entry_id)
    return found


def _render(form: EntryForm, entry_id: str | None, status: int = 200, template: str = "editor/edit.html",
            **extra):
    return render_template(template, form=form, entry_id=entry_id, v=form.values, tax=kb().taxonomy,
                           suggested_blocs=form.suggested_blocs(kb().taxonomy), panels=_panel_choices(),
                           dom_id=dom_id, field_label=field_label, message=translated_message, **extra), status


@bp.route("/entries/new", methods=["GET", "POST"])
@require("write_entries")
def new_entry():
    if request.method == "GET":
        return _render(EntryForm.blank(), None)
    return _submit(EntryForm.from_request(request.form), None)


@bp.route("/entries/<entry_id>/edit", methods=["GET", "POST"])
@require("write_entries")
def edit_entry(entry_id: str):
    entry, info = _entry(entry_id)  # NotFound: the app's handler answers 404
    with kb().db.session() as s:
        # Experts edit the newest text: a change awaiting review, else the entry's own.
        form = EntryForm.from_entry(pending.latest_entry(s, info, entry), pending.latest_version(s, info))
    if request.method == "GET":
        return _render(form, entry_id)
    form = EntryForm.from_request(request.form)
    if form.version < 1:
        abort(400, description=_("The form lost the version it was editing. Open the editor again."))
    return _submit(form, entry_id)


@bp.post("/entries/preview")
@require("write_entries")
def preview():
    """The entry as its page will read (body sanitised, findings, tags, sources); the editor's script asks for
    it as one types."""
    html = render_template("editor/_entry_preview.html", reads=_reads(EntryForm.from_request(request.form)))
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


def _reads(form: EntryForm) -> dict:
    """The form's values as the entry will read, countries resolved as the save resolves them."""
    return as_it_reads({**form.values, "countries": resolve_countries(form.values.get("countries", ""),
                                                                      kb().taxonomy)})


def _submit(form: EntryForm, entry_id: str | None):
    op = request.form.get("op", "save")
    if form.apply(op):
        return _render(form, entry_id)
    if op == "preview":
        return _render(form, entry_id, reads=_reads(form))
    form.prune()
    message = " ".join(form.values["message"].split())[:500] or None
    # The form is where its errors are shown: an invalid entry (the validator's errors, or the store's, such
    # as a published entry losing its last source) comes back beside its fields, a stale one as the conflict
    # page. Any other refusal goes to the app's error handler.
    try:
        entry = validate_entry(form.data(kb().taxonomy, entry_id), expected_id=entry_id,
                               known_panels=known_panels(), taxonomy=kb().taxonomy)
        with kb().db.session() as s:
            if entry_id is not None:  # the address on file stays unless the expert removes or replaces it
                stored = reads.entry_with_info(s, entry_id)
                entry = entry.keeping_email_of(pending.latest_entry(s, stored[1], stored[0]) if stored else None,
                                               remove=form.values["focal_email_remove"] == "1")
            if entry_id is None and reads.exists(s, entry.id):
                form.errors["id"] = [_("another entry already has this id; choose another")]
                form.focus = "error-summary"
                return _render(form, entry_id, 422)
            if entry_id is None:
                result = save_entry(s, entry, author_id=current_user().id, expected_version=form.version,
                                    message=message or "created on the web")
            else:
                result = pending.edit(s, entry, author_id=current_user().id, expected_version=form.version,
                                      message=message or "edited on the web", minor=form.values["minor"] == "1")
    except StaleVersion as exc:
        return _conflict(form, entry, exc)
    except Invalid as exc:
        form.set_errors(exc)
        return _render(form, entry_id, exc.status)
    kb().written()
    if entry_id is None:
        respond_from_editor(entry.id)  # written from a call's "Write an entry in response"
    if result.outcome == "unchanged":
        flash(_("Nothing changed: the entry is as it was."))
    elif result.outcome == "pending":
        flash(_("Saved version %(v)d. It awaits review: the public sees the published version until another "
                "expert approves this one.", v=result.version))
    else:
        flash(_("Saved version %(v)d.", v=result.version))
    return redirect(url_for("review.review_page", entry_id=entry.id, lang=asked_lang()))


def _conflict(form: EntryForm, mine: Entry, exc: StaleVersion):
    """Someone saved in between: show their version and this one side by side; saving again from here
    replaces theirs knowingly (the form now carries their version number)."""
    theirs, info = _entry(mine.id)
    with kb().db.session() as s:
        theirs = pending.latest_entry(s, info, theirs)
    theirs_text, mine_text = entry_to_text(theirs.public()), entry_to_text(mine.public())
    form.version = exc.current
    changed = changes(theirs.public().to_dict(), mine.public().to_dict())
    return _render(form, mine.id, 409, template="editor/conflict.html", row=info, theirs=theirs_text,
                   mine=mine_text, changed=changed, seen=exc.expected)
