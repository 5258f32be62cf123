"""An entry's history: every revision (who, when, message), a diff between any two, and restoring one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Invalid
from ..models import EntryRow, Revision, User
from ..store import restore_revision
from .auth import current_user, no_store, require
from .entry_compare import changes
from .services import kb

bp = Blueprint("history", __name__)
bp.after_request(no_store)


def _revisions(entry_id: str) -> tuple[EntryRow, list[tuple[Revision, str | None]]]:
    with kb().db.session() as s:
        row = s.get(EntryRow, entry_id)
        if row is None:
            abort(404)
        s.expunge(row)
        found = s.execute(select(Revision, User.name).outerjoin(User, User.id == Revision.author_id)
                          .where(Revision.entry_id == entry_id).order_by(Revision.version.desc())).all()
        return row, [(rev, name) for rev, name in found]


@bp.get("/entries/<entry_id>/history")
@require("write_entries")
def history_page(entry_id: str):
    row, revisions = _revisions(entry_id)
    return render_template("editor/history.html", row=row, revisions=revisions)


@bp.get("/entries/<entry_id>/diff")
@require("write_entries")
def diff_page(entry_id: str):
    row, revisions = _revisions(entry_id)
    by_version = {rev.version: (rev, name) for rev, name in revisions}
    try:
        old, new = (int(request.args.get(k, "")) for k in ("from", "to"))
    except ValueError:
        abort(400, description=_("Choose two versions to compare (from and to)."))
    if old not in by_version or new not in by_version:
        abort(404, description=_("There is no such version of this entry."))
    changed = changes(by_version[old][0].record, by_version[new][0].record)
    return render_template("editor/diff.html", row=row, old=by_version[old], new=by_version[new], changed=changed,
                           versions=sorted(by_version))


@bp.post("/entries/<entry_id>/history/<int:version>/restore")
@require("write_entries")
def restore(entry_id: str, version: int):
    seen = request.form.get("version", type=int)
    try:
        with kb().db.session() as s:
            row = s.get(EntryRow, entry_id)
            if row is None:
                abort(404)
            if seen is not None and seen != row.version:
                flash(_("Someone saved this entry after you opened its history (now version %(v)d). "
                        "Look again before restoring.", v=row.version))
                return redirect(url_for("history.history_page", entry_id=entry_id))
            result = restore_revision(s, entry_id, version, author_id=current_user().id)
    except Invalid as exc:
        # The history page says why: e.g. a published entry cannot go back to a version without sources,
        # or the vocabularies changed since that version. No such version: the app's 404.
        flash(_(exc.template, **exc.values))
        return redirect(url_for("history.history_page", entry_id=entry_id))
    kb().written()
    if result.outcome == "unchanged":
        flash(_("Version %(v)d is the same as the current text; nothing changed.", v=version))
    else:
        flash(_("Version %(old)d was restored as version %(new)d.", old=version, new=result.version))
    return redirect(url_for("history.history_page", entry_id=entry_id))
