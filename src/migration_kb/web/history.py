"""An entry's history: every revision (who, when, message), a diff between any two, and restoring one."""

from __future__ import annotations

import difflib
import re

import yaml
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import pending
from ..entryfiles import entry_to_text
from ..errors import Invalid
from ..reads import editing
from ..reads.entries import EntryInfo, entry_info
from ..records import ValidationError, validate_entry
from ..store import revision_entry
from .auth import current_user, no_store, require
from .services import kb

bp = Blueprint("history", __name__)
bp.after_request(no_store)


def revision_text(record: dict | None) -> str:
    """A revision as the entry file it was (empty for a deletion), so diffs read like file diffs."""
    if record is None:
        return ""
    try:
        return entry_to_text(validate_entry(record, taxonomy=kb().taxonomy).public())
    except ValidationError:  # the vocabularies changed since: show the stored record as it is (but the address)
        if isinstance(record.get("focal_point"), dict):
            record = {**record, "focal_point": {k: v for k, v in record["focal_point"].items() if k != "email"}}
        return yaml.safe_dump(record, allow_unicode=True, sort_keys=False)


SERVER_PATH = re.compile(r"^imported (?:[A-Za-z]:)?[/\\].*?[/\\]((?:entries|events)[/\\][^/\\]+|[^/\\]+)$")


def shown_message(message: str | None) -> str:
    """A revision's message as the history shows it: older imports named the server's absolute path of the
    file; show it from the knowledge base's `entries/` (or the file's name), as imports now record it."""
    if not message:
        return ""
    return SERVER_PATH.sub(lambda m: "imported " + m.group(1).replace("\\", "/"), message)


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff: kind is 'head', 'hunk', 'del', 'add' or 'same'. Templates
    escape the lines like any other text."""
    out = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=3):
        if line.startswith(("---", "+++")):
            kind = "head"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = {"-": "del", "+": "add"}.get(line[:1], "same")
        out.append((kind, line))
    return out


def _revisions(entry_id: str) -> tuple[EntryInfo, list[editing.RevisionLine]]:
    with kb().db.session() as s:
        info = entry_info(s, entry_id)
        if info is None:
            abort(404)
        return info, editing.revisions(s, entry_id)


def _steps(entry_id: str) -> list[tuple[editing.StepLine, str | None]]:
    """The workflow steps taken on the entry (who, what, on which version, when), newest first."""
    with kb().db.session() as s:
        return editing.steps(s, entry_id)


@bp.get("/entries/<entry_id>/history")
@require("write_entries")
def history_page(entry_id: str):
    row, revisions = _revisions(entry_id)
    with kb().db.session() as s:
        latest = pending.latest_version(s, row)
    return render_template("editor/history.html", row=row, revisions=revisions, steps=_steps(entry_id),
                           message=shown_message, latest=latest)


@bp.get("/entries/<entry_id>/diff")
@require("write_entries")
def diff_page(entry_id: str):
    row, revisions = _revisions(entry_id)
    by_version = {rev.version: rev for rev in revisions}
    try:
        old, new = (int(request.args.get(k, "")) for k in ("from", "to"))
    except ValueError:
        abort(400, description=_("Choose two versions to compare (from and to)."))
    if old not in by_version or new not in by_version:
        abort(404, description=_("There is no such version of this entry."))
    lines = diff_lines(revision_text(by_version[old].record), revision_text(by_version[new].record))
    return render_template("editor/diff.html", row=row, old=by_version[old], new=by_version[new], lines=lines,
                           versions=sorted(by_version), message=shown_message)


@bp.post("/entries/<entry_id>/history/<int:version>/restore")
@require("write_entries")
def restore(entry_id: str, version: int):
    seen = request.form.get("version", type=int)
    try:
        with kb().db.session() as s:
            info = entry_info(s, entry_id)
            if info is None:
                abort(404)
            latest = pending.latest_version(s, info)
            if seen is not None and seen != latest:
                flash(_("Someone saved this entry after you opened its history (now version %(v)d). "
                        "Look again before restoring.", v=latest))
                return redirect(url_for("history.history_page", entry_id=entry_id))
            # Restoring is an edit like any other: of a published entry, a change that awaits review.
            result = pending.edit(s, revision_entry(s, entry_id, version), author_id=current_user().id,
                                  message=f"restored version {version}")
    except Invalid as exc:
        # The history page says why: e.g. a published entry cannot go back to a version without sources,
        # or the vocabularies changed since that version. No such version: the app's 404.
        flash(_(exc.template, **exc.values))
        return redirect(url_for("history.history_page", entry_id=entry_id))
    kb().written()
    if result.outcome == "unchanged":
        flash(_("Version %(v)d is the same as the current text; nothing changed.", v=version))
    elif result.outcome == "pending":
        flash(_("Version %(old)d was saved again as version %(new)d, which awaits review.", old=version,
                new=result.version))
    else:
        flash(_("Version %(old)d was restored as version %(new)d.", old=version, new=result.version))
    return redirect(url_for("history.history_page", entry_id=entry_id))
