"""/api/v1/drafts: a rapporteur's drafts as JSON (list, create, read, add findings; the export is in
`exports`). A refused change (DraftError) answers 422 with `error` and `errors: [{field, message}]`."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for

from ...drafting import access, edits
from ...drafting.access import DraftSummary
from ...drafting.view import build_view
from ...errors import DraftError
from ..auth import current_user, require
from ..services import kb
from .common import api, open_draft


@api.errorhandler(DraftError)
def refused(exc: DraftError):
    return jsonify({"error": str(exc), "errors": exc.details()}), exc.status


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object (Content-Type: application/json).")
    return data


def _draft_json(draft: DraftSummary) -> dict:
    return {"id": draft.id, "title": draft.title, "event_id": draft.event_id, "grouping": draft.grouping,
            "version": draft.version, "updated_at": draft.updated_at.isoformat(), "findings": draft.findings,
            "url": url_for("drafts.draft_page", draft_id=draft.id, _external=True)}


@api.get("")
@require("draft")
def api_list():
    with kb().db.session() as s:
        return jsonify({"drafts": [_draft_json(d) for d in access.drafts_of(s, current_user())]})


@api.post("")
@require("draft")
def api_create():
    data = _json_body()
    title, event_id = data.get("title"), data.get("event_id")
    if not isinstance(title, str):
        raise DraftError("send the draft's title as a string", field="title")
    if event_id is not None and not isinstance(event_id, str):
        raise DraftError("send the event's id as a string, or null", field="event_id")
    user = current_user()
    with kb().db.session() as s:
        body = _draft_json(access.summary(s, edits.create_draft(s, user, title, event_id), user))
    return jsonify(body), 201, {"Location": body["url"]}


@api.get("/<int:draft_id>")
@require("draft")
def api_get(draft_id: int):
    user = current_user()
    with kb().db.session() as s:
        draft = open_draft(s, draft_id)
        view = build_view(s, draft, kb().taxonomy)
        body = _draft_json(access.summary(s, draft, user))
    body["sections"] = [{"key": sec.key, "group": sec.group, "kind": sec.kind, "text": sec.text,
                         "findings": [{"id": c.finding_id, "item": c.item_id, "text": c.text, "citation": c.number,
                                       "changed": c.changed, "withdrawn": c.gone, "cited_text": c.cited_text}
                                      for c in sec.items]} for sec in view.sections]
    body["sources"] = [{"number": c.number, "entry_id": c.entry_id, "title": c.title,
                        "url": url_for("entries.entry_page", entry_id=c.entry_id, _external=True),
                        "sources": c.sources} for c in view.citations]
    body["gaps"] = [{"theme": t, "bloc": b} for t, b in view.evidence.gaps]
    return jsonify(body)


@api.post("/<int:draft_id>/findings")
@require("draft")
def api_add(draft_id: int):
    ids = _json_body().get("finding_ids")
    if not isinstance(ids, list):
        abort(400, description='finding_ids: send a list of finding ids, e.g. {"finding_ids": ["an-entry:1"]}')
    with kb().db.session() as s:
        result = edits.add_findings(s, open_draft(s, draft_id), current_user(), ids)
    return jsonify({"id": draft_id, "added": result.added, "already": result.already, "findings": result.findings})
