"""An entry's permalink page, and the entry as Markdown (its file) and JSON."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ..entryfiles import entry_to_text
from ..models import EntryRow, EventRow
from ..records import FINDING_KINDS, ID_RE, Entry
from ..render import markdown_to_html
from ..store import row_to_entry
from .services import kb

bp = Blueprint("entries", __name__)


def visible_entry(entry_id: str) -> tuple[Entry, EntryRow]:
    """The entry if this visitor may see it (the public sees published entries only), else 404."""
    if not ID_RE.match(entry_id or "") or len(entry_id) > 80:
        abort(404)
    with kb().db.session() as s:
        row = s.get(EntryRow, entry_id)
        if row is None or not may_see(row):
            abort(404)
        return row_to_entry(row), row


def may_see(row: EntryRow) -> bool:
    if row.state == "published":
        return True
    from .auth import current_user

    user = current_user()
    return user is not None and (user.role in ("expert", "admin") or user.id == row.author_id)


def panel_of(entry: Entry) -> dict | None:
    if not entry.panel:
        return None
    event_id, panel_id = entry.panel.split("/", 1)
    with kb().db.session() as s:
        event = s.get(EventRow, event_id)
        if event is None:
            from sqlalchemy import select

            event = next((e for e in s.scalars(select(EventRow)) if event_id in (e.aliases or [])), None)
        if event is None:
            return None
        panel = next((p for p in event.panels if p.id == panel_id), None)
        return {"event_id": event.id, "event_title": event.title, "date": event.date, "panel_id": panel_id,
                "number": panel.number if panel else None, "title": panel.title if panel else panel_id}


def entry_json(entry: Entry, row: EntryRow) -> dict:
    data = entry.to_dict()
    data["findings"] = [{"id": f"{entry.id}:{i}", **f} for i, f in enumerate(data["findings"], start=1)]
    data.update(state=row.state, version=row.version, updated_at=row.updated_at.isoformat(),
                created_at=row.created_at.isoformat())
    return data


def successor_of(entry: Entry) -> dict | None:
    """The published entry that replaced this one, as {id, title}; None when there is none to link to."""
    if not entry.superseded_by:
        return None
    with kb().db.session() as s:
        row = s.get(EntryRow, entry.superseded_by)
        return {"id": row.id, "title": row.title} if row is not None and row.state == "published" else None


# The way back to the results: a search of this site ("/?q=...") carried in ?back=, never another site or path.
BACK_RE = re.compile(r"/(\?[^\s\\]*)?")


def back_link() -> str | None:
    back = request.args.get("back", "")
    return back if len(back) <= 2000 and BACK_RE.fullmatch(back) else None


@bp.get("/entries/<entry_id>")
def entry_page(entry_id: str):
    entry, row = visible_entry(entry_id)
    findings = {kind: [(i, f) for i, f in enumerate(entry.findings, start=1) if f.kind == kind]
                for kind in FINDING_KINDS}
    related = kb().searcher.related(entry.id) if row.state == "published" else []
    return render_template("entry.html", entry=entry, row=row, body=markdown_to_html(entry.body),
                           findings=findings, panel=panel_of(entry), related=related, successor=successor_of(entry),
                           back=back_link())


@bp.get("/entries/<entry_id>.md")
def entry_markdown(entry_id: str):
    entry, _ = visible_entry(entry_id)
    return Response(entry_to_text(entry), mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{entry.id}.md"'})


@bp.get("/entries/<entry_id>.json")
def entry_download_json(entry_id: str):
    entry, row = visible_entry(entry_id)
    return jsonify(entry_json(entry, row))
