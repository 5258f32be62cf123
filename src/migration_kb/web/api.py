"""The JSON API under /api/v1 (see ../shared/spec/interfaces.md and /api/v1/openapi.json).

One error shape everywhere: {"error": "...", "errors": [{"field": ..., "message": ...}]} (the list only
for invalid entries, 422).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import func, select

from .. import workflow
from ..models import EntryRow, FindingRow
from ..records import FINDING_KINDS, ValidationError, validate_entry
from ..search.request import MAX_PER_PAGE, SearchError, SearchRequest
from ..store import NotFound, StaleVersion, StoreError, delete_entry, save_entry
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
        abort(400, description=str(exc))


@bp.get("/search")
def search():
    return jsonify(kb().searcher.search(_search_request()).to_api())


@bp.get("/entries/<entry_id>")
def get_entry(entry_id: str):
    entry, row = visible_entry(entry_id)
    return jsonify(entry_json(entry, row))


@bp.get("/findings")
def findings():
    """Findings of the published entries that match the search filters, plus `kind`."""
    kinds = [k for k in request.args.getlist("kind") if k]
    for k in kinds:
        if k not in FINDING_KINDS:
            abort(400, description=f"kind: {k[:40]!r} is not one of {', '.join(FINDING_KINDS)}")
    req = _search_request()
    ids = kb().searcher.ids(req)
    rank = {entry_id: i for i, entry_id in enumerate(ids)}
    with kb().db.session() as s:
        rows = s.execute(select(FindingRow, EntryRow.title).join(EntryRow, EntryRow.id == FindingRow.entry_id)
                         .where(FindingRow.entry_id.in_(ids) if ids else False,
                                EntryRow.state == "published")).all()
    by_kind: dict[str, int] = {}
    chosen = []
    for finding, title in rows:
        by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
        if not kinds or finding.kind in kinds:
            chosen.append((finding, title))
    chosen.sort(key=lambda ft: (rank.get(ft[0].entry_id, 0), ft[0].position))
    start = (req.page - 1) * req.per_page
    page = chosen[start:start + req.per_page]
    return jsonify({
        "total": len(chosen), "page": req.page, "per_page": req.per_page,
        "results": [{"id": f"{f.entry_id}:{f.position}", "entry_id": f.entry_id, "entry_title": title,
                     "kind": f.kind, "text": f.text, "topics": list(f.topics or [])} for f, title in page],
        "facets": {"kind": by_kind},
    })


# -- writes ----------------------------------------------------------------------------------------
def _payload() -> tuple[dict, int | None]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object with the entry's fields (Content-Type: application/json).")
    version = data.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        abort(400, description="version: must be the whole number of the version you edited")
    return data, version


def _invalid(exc: ValidationError):
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    response = jsonify({"error": "The entry is not valid: " + "; ".join(f"{e['field']}: {e['message']}"
                                                                         for e in errors[:5]), "errors": errors})
    return response, 422


@bp.post("/entries")
@require("write_entries")
def create_entry():
    data, _ = _payload()
    try:
        entry = validate_entry(data, known_panels=known_panels())
    except ValidationError as exc:
        return _invalid(exc)
    user = current_user()
    with kb().db.session() as s:
        if s.get(EntryRow, entry.id) is not None:
            abort(409, description=f"An entry with id {entry.id!r} already exists; PUT /api/v1/entries/{entry.id} "
                                   "to change it.")
        result = save_entry(s, entry, state="draft", author_id=user.id, message="created through the API")
    kb().written()
    return jsonify({"id": entry.id, "version": result.version, "state": "draft"}), 201


@bp.put("/entries/<entry_id>")
@require("write_entries")
def update_entry(entry_id: str):
    data, version = _payload()
    try:
        entry = validate_entry(data, expected_id=entry_id, known_panels=known_panels())
    except ValidationError as exc:
        return _invalid(exc)
    user = current_user()
    try:
        with kb().db.session() as s:
            row = s.get(EntryRow, entry_id)
            if row is None:
                abort(404, description=f"No entry {entry_id!r}; POST /api/v1/entries to create it.")
            # An edit keeps the entry's state: publication itself is the step a second expert approves.
            state = row.state
            result = save_entry(s, entry, author_id=user.id, expected_version=version,
                                message="changed through the API")
    except StaleVersion as exc:
        abort(409, description=str(exc))
    kb().written()
    return jsonify({"id": entry_id, "version": result.version, "outcome": result.outcome, "state": state})


@bp.delete("/entries/<entry_id>")
@require("write_entries")
def remove_entry(entry_id: str):
    version = request.args.get("version", type=int)
    try:
        with kb().db.session() as s:
            delete_entry(s, entry_id, author_id=current_user().id, expected_version=version)
    except NotFound:
        abort(404, description=f"No entry {entry_id!r}.")
    except StaleVersion as exc:
        abort(409, description=str(exc))
    kb().written()
    return "", 204


@bp.post("/entries/<entry_id>/publish")
@require("review_entries")
def publish(entry_id: str):
    """Publication is the workflow's "approve" step: by an admin, or an expert other than the authors."""
    try:
        with kb().db.session() as s:
            result = workflow.act(s, entry_id, "approve", current_user())
    except NotFound:
        abort(404, description=f"No entry {entry_id!r}.")
    except workflow.NotPermitted as exc:
        abort(403, description=str(exc))
    except workflow.WorkflowError as exc:  # already published, or archived
        abort(409, description=str(exc))
    except StoreError as exc:  # e.g. no source yet
        abort(422, description=str(exc))
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
    return jsonify(openapi_document(MAX_PER_PAGE))


@bp.get("/health")
def health():
    with kb().db.session() as s:
        entries = s.scalar(select(func.count()).select_from(EntryRow).where(EntryRow.state == "published"))
    follower = kb().follower
    return jsonify({"status": "ok", "published_entries": entries, "index_position": kb().index.position(),
                    "index_follower_error": follower.last_error if follower else None})
