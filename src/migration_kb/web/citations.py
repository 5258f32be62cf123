"""Citing practices: the formatted reference on an entry's page, and RIS, BibTeX and CSL-JSON downloads of one
entry (`/entries/<id>.ris`, `.bib`, `.csl.json`) or of every entry a search finds (`/search.ris`, ...,
streamed as the search's CSV is)."""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context, url_for
from markupsafe import Markup

from ..lazy import lazy
from ..reads import entries as reads
from ..reads.entries import EntryInfo
from ..records import Entry
from .entries import visible_entry
from .i18n import ui_lang
from .search import read_request
from .services import kb

bp = Blueprint("citations", __name__)
citations = lazy("migration_kb.citations")  # citeproc-py, rispy, bibtexparser: on first use
BATCH = 200  # entries read from the database at a time while a search's references stream out


def permalink(entry_id: str) -> str:
    return url_for("entries.entry_page", entry_id=entry_id, _external=True)


def cited(entry: Entry, info: EntryInfo) -> citations.Cited:
    return citations.Cited(entry, info.updated_at, permalink(entry.id))


@bp.app_template_global()
def cite_reference(entry: Entry, info: EntryInfo) -> Markup:
    """The entry's reference in APA style, in the UI language, for the "Cite this practice" box."""
    return Markup(citations.formatted(cited(entry, info), ui_lang()))  # escaped and cleaned there


def _download(body, name: str, extension: str) -> Response:
    return Response(body, mimetype=citations.MEDIA_TYPES[extension],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'})


def _entry_reference(entry_id: str, extension: str) -> Response:
    entry, info = visible_entry(entry_id)
    return _download(citations.WRITERS[extension]([cited(entry, info)]), entry.id, extension)


@bp.get("/entries/<entry_id>.ris")
def entry_ris(entry_id: str):
    return _entry_reference(entry_id, "ris")


@bp.get("/entries/<entry_id>.bib")
def entry_bibtex(entry_id: str):
    return _entry_reference(entry_id, "bib")


@bp.get("/entries/<entry_id>.csl.json")
def entry_csl_json(entry_id: str):
    return _entry_reference(entry_id, "csl.json")


def _search_references(extension: str) -> Response:
    """Every entry the search finds, in its order, read from the database a batch at a time."""
    req = read_request()

    def batches():
        ids = []
        for hit in kb().searcher.all_hits(req):  # every match, in one pass over the index
            ids.append(hit.id)
            if len(ids) == BATCH:
                yield _read(ids)
                ids = []
        if ids:
            yield _read(ids)

    def chunks():
        if extension == "csl.json":  # one JSON array across the batches
            yield "["
            first = True
            for batch in batches():
                for item in batch:
                    yield ("" if first else ",\n") + citations.csl_json_item(item)
                    first = False
            yield "]\n"
            return
        for batch in batches():
            yield citations.WRITERS[extension](batch)

    return _download(stream_with_context(chunks()), "migration-kb-search", extension)


def _read(ids: list[str]) -> list[citations.Cited]:
    with kb().db.session() as s:
        found = reads.published_with_dates(s, ids)
    return [citations.Cited(entry, updated, permalink(entry.id)) for entry, updated in found]


@bp.get("/search.ris")
def search_ris():
    return _search_references("ris")


@bp.get("/search.bib")
def search_bibtex():
    return _search_references("bib")


@bp.get("/search.csl.json")
def search_csl_json():
    return _search_references("csl.json")
