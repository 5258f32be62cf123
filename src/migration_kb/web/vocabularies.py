"""The controlled vocabularies as SKOS (`/vocabularies/<scheme>`: Turtle or JSON-LD by the Accept header, or
`.ttl` / `.jsonld`), and the schema.org JSON-LD that entry pages embed. See docs/linked-data.md."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from markupsafe import Markup

from ..lazy import lazy
from ..reads.entries import EntryInfo
from ..records import Entry
from .services import kb

bp = Blueprint("vocabularies", __name__)
linked_data = lazy("migration_kb.linked_data")  # rdflib: on first use
OFFERED = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/json": "jsonld"}


def site() -> linked_data.Site:
    return linked_data.Site(url_for("search.search_page", _external=True))


def _scheme(scheme: str, extension: str) -> Response:
    if scheme not in linked_data.SCHEMES:
        abort(404)
    graph = linked_data.vocabulary_graph(kb().taxonomy, scheme, site())
    answer = Response(linked_data.serialise(graph, extension), mimetype=linked_data.FORMATS[extension][1])
    answer.headers["Access-Control-Allow-Origin"] = "*"  # public data other portals' pages may read
    return answer


@bp.get("/vocabularies/<scheme>")
def scheme_negotiated(scheme: str):
    """Turtle unless the client prefers JSON-LD (a browser, accepting anything, gets Turtle as text)."""
    best = request.accept_mimetypes.best_match(list(OFFERED), default="text/turtle")
    answer = _scheme(scheme, OFFERED[best])
    answer.vary.add("Accept")
    return answer


@bp.get("/vocabularies/<scheme>.ttl")
def scheme_turtle(scheme: str):
    return _scheme(scheme, "ttl")


@bp.get("/vocabularies/<scheme>.jsonld")
def scheme_jsonld(scheme: str):
    return _scheme(scheme, "jsonld")


@bp.app_template_global()
def entry_jsonld(entry: Entry, info: EntryInfo) -> Markup:
    """The entry as schema.org JSON-LD, for its page's <script type="application/ld+json">."""
    return Markup(linked_data.entry_jsonld(entry, info.updated_at, site(), kb().taxonomy))  # <, >, & escaped
