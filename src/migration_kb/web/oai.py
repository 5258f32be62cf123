"""OAI-PMH 2.0 at /oai (GET or POST): libraries and portals harvest the collection as Dublin Core records.
The protocol is in migration_kb.oai, what is harvested in reads/harvest.py; see docs/oai-pmh.md."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Blueprint, Response, request, url_for

from ..lazy import lazy
from ..oai import protocol
from ..oai.protocol import OAIError
from ..reads import harvest
from .services import kb

bp = Blueprint("oai", __name__)
response = lazy("migration_kb.oai.response")  # lxml: on first use
PAGE = 50  # records (or headers) per answer; a resumption token brings the next ones
REPOSITORY_NAME = "migration-kb: bilateral migration-cooperation practices of the Americas"


@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    pairs = list((request.form if request.method == "POST" else request.args).items(multi=True))
    base_url = url_for("oai.endpoint", _external=True)
    try:
        req = protocol.read(pairs)
    except OAIError as exc:
        # badVerb and badArgument answer without the request's attributes (they may be what was wrong).
        echo = exc.code not in ("badVerb", "badArgument")
        verb = dict(pairs).get("verb") if echo else None
        root = response.envelope(base_url, verb, protocol.echoable(dict(pairs)) if echo else {})
        response.error(root, exc.code, exc.message)
        return _xml(root)
    root = response.envelope(base_url, req.verb, protocol.echoable(req.args))
    try:
        ANSWERS[req.verb](root, req, base_url)
    except OAIError as exc:
        root = response.envelope(base_url, req.verb, protocol.echoable(req.args))
        response.error(root, exc.code, exc.message)
    return _xml(root)


def _xml(root) -> Response:
    return Response(response.serialise(root), mimetype="text/xml")  # the protocol's media type, UTF-8


def _identify(root, req, base_url):
    with kb().db.session() as s:
        earliest = harvest.earliest(s)
    response.identify(root, name=REPOSITORY_NAME, base_url=base_url, admin_email=_admin_email(),
                      earliest=earliest or datetime.now(UTC))


def _admin_email() -> str:
    """MIGRATION_KB_OAI_ADMIN_EMAIL, else webmaster@ the site's host (the protocol requires one)."""
    host = request.host.split(":")[0]
    return os.environ.get("MIGRATION_KB_OAI_ADMIN_EMAIL") or (
        f"webmaster@{host}" if "." in host else "webmaster@localhost.localdomain")


def _metadata_formats(root, req, base_url):
    if "identifier" in req.args:
        _one(req.args["identifier"])  # idDoesNotExist for an unknown one
    response.metadata_formats(root)


def _sets(root, req, base_url):
    response.sets(root, kb().taxonomy)


def _one(identifier: str):
    entry_id = protocol.entry_id_of(identifier)
    found = None
    if entry_id:
        with kb().db.session() as s:
            found = harvest.one(s, entry_id)
    if found is None:
        raise OAIError("idDoesNotExist", f"{identifier[:200]!r} is not an identifier of this repository.")
    return found


def _get_record(root, req, base_url):
    found = _one(req.args["identifier"])
    node = response.container(root, "GetRecord")
    response.record(node, found, _permalink(found.id), kb().taxonomy)


def _list(root, req, base_url):
    listing = req.listing
    since, until = listing.bounds()
    with kb().db.session() as s:
        found = harvest.page(s, harvest.Selection(since, until, listing.set_spec), after=listing.after,
                             limit=PAGE + 1)
    more, found = len(found) > PAGE, found[:PAGE]
    if not found:  # also when the records after a token's place went meanwhile (deleted ones stay)
        raise OAIError("noRecordsMatch", "No record matches these arguments.")
    node = response.container(root, req.verb)
    taxonomy = kb().taxonomy
    for item in found:
        if req.verb == "ListRecords":
            response.record(node, item, _permalink(item.id), taxonomy)
        else:
            response.header(node, item)
    if more:
        response.resumption(node, protocol.encode_token(listing, found[-1].id, listing.cursor + len(found)),
                            listing.cursor)
    elif listing.after is not None:
        response.resumption(node, "", listing.cursor)


def _permalink(entry_id: str) -> str:
    return url_for("entries.entry_page", entry_id=entry_id, _external=True)


ANSWERS = {"Identify": _identify, "ListMetadataFormats": _metadata_formats, "ListSets": _sets,
           "GetRecord": _get_record, "ListIdentifiers": _list, "ListRecords": _list}
