"""The search page, and the same search as CSV, JSON and an Atom feed."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from ..search.request import SearchError, SearchRequest
from ..search.schema import FACETS
from ..spreadsheets import SafeCSVWriter
from ..store import published_entries
from .compare import basket
from .criteria import Criteria
from .i18n import asked_lang, ui_lang
from .labels import practice_status
from .search_log import note_search
from .services import kb

bp = Blueprint("search", __name__)
FACET_SHOWN = 6  # values shown before "show more"


def read_request() -> SearchRequest:
    try:
        return SearchRequest.from_args(request.args, kb().taxonomy)
    except SearchError as exc:
        abort(400, description=str(exc))


@dataclass
class YearSpan:
    year_from: int | None
    year_to: int | None
    count: int
    url: str
    selected: bool

    @property
    def name(self) -> str:
        if self.year_from is None:
            return _("before %(year)d", year=self.year_to + 1)
        if self.year_to is None:
            return _("%(year)d onwards", year=self.year_from)
        return f"{self.year_from}–{self.year_to}"


def year_spans(result, criteria: Criteria) -> list[YearSpan]:
    """How many practices of this search (years aside) were in force in each span, as links that select it."""
    spans = []
    for (year_from, year_to), count in result.years.items():
        selected = criteria.years_selected(year_from, year_to)
        if count or selected:
            spans.append(YearSpan(year_from, year_to, count, criteria.years_url(year_from, year_to), selected))
    return spans


@bp.get("/")
def search_page():
    req = read_request()
    criteria = Criteria(req, asked_lang(), "/", ",".join(basket()))
    result = kb().searcher.search(req)
    # What delegates could not find (never fails the search). Practices found by meaning alone do not count:
    # when every match is on this page, the log counts those matching the words.
    by_words = sum(not h.by_meaning for h in result.hits) if result.total <= len(result.hits) else result.total
    note_search(req, by_words)
    pages = max(1, -(-result.total // req.per_page))
    facets = {f: result.facets.get(f, {}) for f in FACETS}
    return render_template("search.html", criteria=criteria, result=result, pages=pages, facets=facets,
                           facet_shown=FACET_SHOWN, years=year_spans(result, criteria))


def _all_hits(req: SearchRequest):
    """Every matching entry (no page limit), in one pass over the index."""
    return kb().searcher.all_hits(req)


EXPORT_COLUMNS = ("id", "title", "summary", "language", "themes", "blocs", "countries", "topics", "year_start",
                  "year_end", "url")


def _csv_columns() -> list[str]:
    """The CSV's column labels, in the UI language (the order of `_csv_row`)."""
    return [_("Identifier"), _("Title"), _("Summary"), _("Language"), _("Themes"), _("Region blocs"),
            _("Countries"), _("Topics"), _("From year"), _("To year"), _("Status"), _("Findings"), _("Address")]


def _csv_row(entry, lang: str) -> list:
    """An entry as spreadsheet cells: tags by their names in the UI language, findings one a line."""
    tax = kb().taxonomy

    def names(vocabulary: str, values) -> str:
        return "; ".join(tax.label(vocabulary, v, lang) for v in values)

    findings = "\n".join(f"{tax.label('finding_kind', f.kind, lang)}: {f.text}" for f in entry.findings)
    return [entry.id, entry.title, entry.summary, tax.label("language", entry.language, lang),
            names("theme", entry.themes), "; ".join(entry.blocs), names("country", entry.countries),
            names("topic", entry.topics), entry.year_start or "", entry.year_end or "",
            practice_status(entry.status) if entry.status else "", findings,
            url_for("entries.entry_page", entry_id=entry.id, _external=True)]


@bp.get("/search.csv")
def export_csv():
    """Every match as a spreadsheet opens it: UTF-8 with a byte-order mark (without it Excel reads the accents
    as Latin-1), labels in the UI language, the practice's status and its findings."""
    req = read_request()
    lang = ui_lang()

    def rows():
        buffer = io.StringIO()
        writer = SafeCSVWriter(buffer)  # cells a spreadsheet would run as formulas are neutralised
        writer.writerow(_csv_columns())
        yield "\ufeff" + buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        hits = [hit.id for hit in _all_hits(req)]
        for start in range(0, len(hits), 200):
            with kb().db.session() as s:
                entries = {e.id: e for e, _version, _updated in published_entries(s, hits[start:start + 200])}
            for entry_id in hits[start:start + 200]:
                if entry_id in entries:
                    writer.writerow(_csv_row(entries[entry_id], lang))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="migration-kb-search.csv"'})


@bp.get("/search.json")
def export_json():
    req = read_request()

    def chunks():
        yield '{"query": ' + json.dumps(req.q, ensure_ascii=False) + ', "results": ['
        for i, hit in enumerate(_all_hits(req)):
            data = {k: getattr(hit, k) for k in EXPORT_COLUMNS if k != "url"}
            data["url"] = url_for("entries.entry_page", entry_id=hit.id, _external=True)
            yield ("," if i else "") + json.dumps(data, ensure_ascii=False)
        yield "]}"

    return Response(stream_with_context(chunks()), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="migration-kb-search.json"'})


@bp.get("/search.atom")
def feed():
    """New or updated practices matching the search, newest change first."""
    return atom(read_request(), request.url)


def atom(req: SearchRequest, self_url: str) -> Response:
    """The Atom feed of a search (also a followed search's private feed)."""
    req.page, req.per_page = 1, 50
    hits = sorted(kb().searcher.search(req).hits, key=lambda h: h.updated, reverse=True)
    updated = max((h.updated for h in hits), default=0)
    xml = render_template("feed.xml", hits=hits, req=req, updated=_iso(updated), iso=_iso,
                          self_url=self_url, page_url=Criteria(req, asked_lang()).url("/"))
    return Response(xml, mimetype="application/atom+xml")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp or 0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
