"""An entry's permalink page, and the entry as Markdown (its file) and JSON."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ..entryfiles import entry_to_text
from ..reads import entries as reads
from ..reads.entries import EntryInfo
from ..reads.events import panel_place
from ..records import FINDING_KINDS, ID_RE, Entry
from ..render import markdown_to_html
from .auth import current_user
from .services import kb

bp = Blueprint("entries", __name__)


def visible_entry(entry_id: str) -> tuple[Entry, EntryInfo]:
    """The entry if this visitor may see it (the public sees published entries only), else 404."""
    if not ID_RE.match(entry_id or "") or len(entry_id) > 80:
        abort(404)
    with kb().db.session() as s:
        found = reads.entry_with_info(s, entry_id)
    if found is None or not reads.may_see(found[1], current_user()):
        abort(404)
    return found[0].public(), found[1]  # a focal point's e-mail address is never shown or answered


def entry_json(entry: Entry, info: EntryInfo) -> dict:
    data = entry.to_dict()
    data["findings"] = [{"id": f"{entry.id}:{i}", **f} for i, f in enumerate(data["findings"], start=1)]
    data.update(state=info.state, version=info.version, updated_at=info.updated_at.isoformat(),
                created_at=info.created_at.isoformat())
    return data


# The way back to the results: a search of this site ("/?q=...") carried in ?back=, never another site or path.
BACK_RE = re.compile(r"/(\?[^\s\\]*)?")


def back_link() -> str | None:
    back = request.args.get("back", "")
    return back if len(back) <= 2000 and BACK_RE.fullmatch(back) else None


@bp.get("/entries/<entry_id>")
def entry_page(entry_id: str):
    entry, info = visible_entry(entry_id)
    findings = {kind: [(i, f) for i, f in enumerate(entry.findings, start=1) if f.kind == kind]
                for kind in FINDING_KINDS}
    related, related_by_meaning = [], False
    if info.state == "published":  # closest in meaning, in any language; by shared tags without the encoder
        related = kb().searcher.related(entry.id, by="meaning")
        related_by_meaning = bool(related)
        related = related or kb().searcher.related(entry.id)
    with kb().db.session() as s:
        panel = panel_place(s, entry.panel) if entry.panel else None
        # The published entry that replaced this one, when there is one to link to.
        successor = reads.published_link(s, entry.superseded_by) if entry.superseded_by else None
    return render_template("entry.html", entry=entry, row=info, body=markdown_to_html(entry.body),
                           findings=findings, panel=panel, related=related, successor=successor,
                           related_by_meaning=related_by_meaning,
                           back=back_link())


@bp.get("/entries/<entry_id>.md")
def entry_markdown(entry_id: str):
    entry, _ = visible_entry(entry_id)
    return Response(entry_to_text(entry), mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{entry.id}.md"'})


@bp.get("/entries/<entry_id>.json")
def entry_download_json(entry_id: str):
    entry, info = visible_entry(entry_id)
    return jsonify(entry_json(entry, info))
