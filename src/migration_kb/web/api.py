"""The JSON API under /api/v1 (see docs/api.md and /api/v1/openapi.json).

One error shape everywhere: {"error": "...", "errors": [{"field": ..., "message": ...}]} (the list always
for 422, and for other refusals that name a field), written by the app's one handler for errors.DomainError.
Writes take a bearer token, or a session with its CSRF header from this very site (security.check_csrf).
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from .. import pending, workflow
from ..errors import BadRequest, Conflict, NotFound
from ..reads import entries as reads
from ..reads.findings import published_findings
from ..records import FINDING_KINDS
from ..search.request import SearchError, SearchRequest
from ..store import save_entry
from .api_fields import entry_from_json
from .auth import current_user, require
from .editor import known_panels
from .entries import entry_json, visible_entry
from .openapi import openapi_document
from .services import kb

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _search_request() -> SearchRequest:
    try:
        return SearchRequest.from_args(request.args, kb().taxonomy)
    except SearchError as exc:
        raise BadRequest(str(exc)) from None


@bp.get("/search")
def search():
    return jsonify(kb().searcher.search(_search_request()).to_api())


@bp.get("/entries/<entry_id>")
def get_entry(entry_id: str):
    entry, info = visible_entry(entry_id)
    return jsonify(entry_json(entry, info))


@bp.get("/findings")
def findings():
    """Findings of the published entries that match the search filters, plus `kind`."""
    kinds = [k for k in request.args.getlist("kind") if k]
    for k in kinds:
        if k not in FINDING_KINDS:
            raise BadRequest("kind: %(kind)r is not one of %(kinds)s", field="kind", kind=k[:40],
                             kinds=", ".join(FINDING_KINDS))
    req = _search_request()
    ids = kb().searcher.ids(req)
    rank = {entry_id: i for i, entry_id in enumerate(ids)}
    with kb().db.session() as s:
        found = published_findings(s, ids)
    by_kind: dict[str, int] = {}
    chosen = []
    for finding in found:
        by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
        if not kinds or finding.kind in kinds:
            chosen.append(finding)
    chosen.sort(key=lambda f: (rank.get(f.entry_id, 0), f.position))
    start = (req.page - 1) * req.per_page
    page = chosen[start:start + req.per_page]
    return jsonify({
        "total": len(chosen), "page": req.page, "per_page": req.per_page,
        "results": [{"id": f.id, "entry_id": f.entry_id, "entry_title": f.entry_title,
                     "kind": f.kind, "text": f.text, "topics": list(f.topics)} for f in page],
        "facets": {"kind": by_kind},
    })


# -- writes ----------------------------------------------------------------------------------------
# Refusals are DomainErrors (errors.py); the app's one handler answers them as {"error", "errors"}.
def _payload() -> dict:
    try:
        data = request.get_json(silent=not request.is_json)
    except HTTPException as exc:  # werkzeug's "Failed to decode JSON object: <why>" (json_body.py)
        while isinstance(exc.__cause__, HTTPException):
            exc = exc.__cause__
        raise BadRequest(str(exc.description)[:300]) from None
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with the entry's fields (Content-Type: application/json).")
    return data


@bp.post("/entries")
@require("write_entries")
def create_entry():
    data = _payload()
    entry, _ = entry_from_json(data, None, None, known_panels())  # a new entry's version is set aside
    user = current_user()
    with kb().db.session() as s:
        if reads.exists(s, entry.id):
            raise Conflict("An entry with id %(id)r already exists; PUT /api/v1/entries/%(id)s to change it.",
                           field="id", id=entry.id)
        result = save_entry(s, entry, state="draft", author_id=user.id, message="created through the API")
    kb().written()
    return jsonify({"id": entry.id, "version": result.version, "state": "draft"}), 201


@bp.put("/entries/<entry_id>")
@require("write_entries")
def update_entry(entry_id: str):
    data, panels = _payload(), known_panels()
    minor = data.pop("minor", False)
    if not isinstance(minor, bool):
        raise BadRequest("minor: must be true or false", field="minor")
    user = current_user()
    with kb().db.session() as s:
        stored = reads.entry_info(s, entry_id)
        if stored is None:
            raise NotFound("No entry %(id)r; POST /api/v1/entries to create it.", id=entry_id[:100])
        entry, version = entry_from_json(data, entry_id, stored, panels, pending.latest_version(s, stored))
        # A client never reads the focal point's address, so it may send none: the stored one stays, unless
        # the body names "email" (null or "" removes it).
        focal = data.get("focal_point")
        if not (isinstance(focal, dict) and "email" in focal):
            current = reads.entry_with_info(s, entry_id)
            entry = entry.keeping_email_of(pending.latest_entry(s, current[1], current[0]))
        # An edit keeps the entry's state; a change to a published entry waits for a second expert.
        state = stored.state
        result = pending.edit(s, entry, author_id=user.id, expected_version=version, minor=minor,
                              message="changed through the API")
    kb().written()
    return jsonify({"id": entry_id, "version": result.version, "outcome": result.outcome, "state": state})


@bp.delete("/entries/<entry_id>")
@require("write_entries")
def remove_entry(entry_id: str):
    """Deletes an entry that is not published. A published one is archived, by an admin (it stays in the
    database and its history); an expert asks for archiving on its review page and a second expert decides."""
    version = request.args.get("version")
    if version is not None and not re.fullmatch(r"[0-9]{1,18}", version, re.ASCII):
        raise BadRequest("version: must be the whole number of the version you saw", field="version")
    expected = int(version) if version is not None else None
    with kb().db.session() as s:
        workflow.remove(s, entry_id, current_user(), expected_version=expected)
    kb().written()
    return "", 204


@bp.post("/entries/<entry_id>/publish")
@require("review_entries")
def publish(entry_id: str):
    """Publication is the workflow's "approve" step: by an admin, or an expert other than the authors, of the
    `version` they read (?version= or {"version": n}; another current version is a 409)."""
    data = request.get_json(silent=True) if request.content_length else None
    version = request.args.get("version") or (data.get("version") if isinstance(data, dict) else None)
    if isinstance(version, str) and re.fullmatch(r"[0-9]{1,18}", version, re.ASCII):
        version = int(version)
    with kb().db.session() as s:
        problem = workflow.refusal_for(s, entry_id, current_user(), "approve")
        if problem:  # who may approve is said before what is missing
            raise problem
        if isinstance(version, bool) or not isinstance(version, int):
            raise BadRequest("version: say which version you approve (the whole number you read)", field="version")
        result = workflow.act(s, entry_id, "approve", current_user(), expected_version=version)
    kb().written()
    return jsonify({"id": entry_id, "version": result.version, "state": "published"})


@bp.get("/taxonomy")
def taxonomy():
    """The vocabularies, with labels in the four languages, for clients building forms and filters."""
    tax = kb().taxonomy
    out = {name: [{"id": t.id, "labels": t.labels, **({"theme": t.theme} if t.theme else {})}
                  for t in tax.terms(name).values()]
           for name in ("theme", "topic", "target_group", "instrument", "finding_kind")}
    out["bloc"] = [{"id": b.id, "labels": b.labels, "aliases": list(b.aliases),
                    "members": [{"country": m.country, "status": m.status, "since": m.since} for m in b.members]}
                   for b in tax.blocs.values()]
    out["country"] = [{"id": c.code, "labels": c.names} for c in tax.countries.values()]
    return jsonify(out)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(kb().taxonomy))


@bp.get("/health")
def health():
    with kb().db.session() as s:
        entries = reads.published_count(s)
    follower = kb().follower
    return jsonify({"status": "ok", "published_entries": entries, "index_position": kb().index.position(),
                    "index_follower_error": follower.last_error if follower else None})
