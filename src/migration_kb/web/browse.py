"""Browse pages with stable URLs: themes, blocs, countries, workshops, and the coverage map."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask import Blueprint, Response, abort, render_template, request, url_for
from sqlalchemy import select

from ..models import EntryRow, EventRow
from ..render import markdown_to_html
from ..search.request import SearchRequest
from ..store import row_to_event
from .criteria import Criteria
from .i18n import asked_lang, ui_lang
from .services import kb

bp = Blueprint("browse", __name__)
LISTED = 50


def search(**filters) -> tuple:
    req = SearchRequest(filters={k: [v] for k, v in filters.items()}, per_page=LISTED, sort="title")
    return kb().searcher.search(req), Criteria(req, asked_lang())


SHADES = 5  # colour steps of the coverage map above "none"


@dataclass
class Coverage:
    """Counts of published entries for each row value x column value, and their shade on the map."""

    rows: list[str]
    columns: list[str]
    counts: dict[str, dict[str, int]]

    def count(self, row: str, column: str) -> int:
        return self.counts[row].get(column, 0)

    @property
    def top(self) -> int:
        return max((self.count(r, c) for r in self.rows for c in self.columns), default=0)

    def level(self, n: int) -> int:
        """0 for a gap, else 1..SHADES in proportion to the fullest cell."""
        return 0 if n <= 0 else max(1, ceil(SHADES * n / max(self.top, 1)))

    def legend(self) -> list[tuple[int, int, int]]:
        """(level, lowest count, highest count) for each shade some count can take."""
        out: dict[int, list[int]] = {}
        for n in range(0, self.top + 1):
            out.setdefault(self.level(n), []).append(n)
        return [(level, ns[0], ns[-1]) for level, ns in out.items()]


NO_BLOC = ""  # the column of the practices tagged with no region bloc (bilateral or national)
TAGS = {"theme": "themes", "bloc": "blocs", "country": "countries", "topic": "topics"}


def coverage(rows: list[str], columns: list[str], row_facet: str, column_facet: str, **filters) -> Coverage:
    """The coverage map of rows x columns under the given filters, counted over every matching practice (one
    search); the column NO_BLOC counts the practices with no bloc."""
    req = SearchRequest(filters={k: [v] for k, v in filters.items()})
    counts: dict[str, dict[str, int]] = {r: {} for r in rows}
    for hit in kb().searcher.all_hits(req):
        in_columns = getattr(hit, TAGS[column_facet]) or [NO_BLOC]
        for r in getattr(hit, TAGS[row_facet]):
            if r in counts:
                for c in in_columns:
                    counts[r][c] = counts[r].get(c, 0) + 1
    return Coverage(rows, columns, counts)


def search_link(*mappings: dict, **filters) -> str:
    """The search URL for these filters (a value or a list of values per facet)."""
    for mapping in mappings:
        filters.update(mapping)
    lists = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in filters.items()}
    return Criteria(SearchRequest(filters=lists), asked_lang()).url("/")


@bp.get("/themes/<theme_id>")
def theme_page(theme_id: str):
    tax = kb().taxonomy
    if theme_id not in tax.themes:
        abort(404)
    result, criteria = search(theme=theme_id)
    topics = [t for t in tax.topics.values() if t.theme == theme_id]
    matrix = coverage([theme_id], list(tax.blocs), "theme", "bloc")
    return render_template("theme.html", theme=tax.themes[theme_id], result=result, criteria=criteria,
                           topics=topics, matrix=matrix)


@bp.get("/blocs/<bloc_id>")
def bloc_page(bloc_id: str):
    tax = kb().taxonomy
    canonical = tax.canonical_bloc(bloc_id)
    if canonical is None:
        abort(404)
    bloc = tax.blocs[canonical]
    result, criteria = search(bloc=canonical)
    members = sorted(bloc.members, key=lambda m: (("full", "associate", "suspended", "observer").index(m.status),
                                                 tax.label("country", m.country)))
    matrix = coverage(list(tax.themes), [m.country for m in members], "theme", "country", bloc=canonical)
    return render_template("bloc.html", bloc=bloc, result=result, criteria=criteria, members=members,
                           matrix=matrix)


@bp.get("/countries/<code>")
def country_page(code: str):
    tax = kb().taxonomy
    code = code.upper()
    if code not in tax.countries:
        abort(404)
    result, criteria = search(country=code)
    # Bilateral partners: the other states named in its practices, each with the practices they share.
    partners: dict[str, list] = {}
    for hit in kb().searcher.all_hits(criteria.request):
        for c in hit.countries:
            if c != code:
                partners.setdefault(c, []).append(hit)
    partners = dict(sorted(partners.items(), key=lambda p: (-len(p[1]), tax.label("country", p[0], ui_lang()))))
    blocs = [(b, m) for b in tax.blocs.values() for m in b.members if m.country == code]
    return render_template("country.html", country=tax.countries[code], result=result, criteria=criteria,
                           partners=partners, blocs=blocs)


@bp.get("/events/<event_id>")
def event_page(event_id: str):
    with kb().db.session() as s:
        row = s.get(EventRow, event_id)
        if row is None:
            row = next((e for e in s.scalars(select(EventRow)) if event_id in (e.aliases or [])), None)
        if row is None:
            abort(404)
        event = row_to_event(row)
        refs = [f"{name}/{p.id}" for name in (event.id, *event.aliases) for p in event.panels]
        # Practices tagged with a panel are on its subject, of any year: shown dated, oldest first.
        on_subject = s.execute(select(EntryRow.panel, EntryRow.id, EntryRow.title, EntryRow.language,
                                      EntryRow.year_start, EntryRow.year_end)
                               .where(EntryRow.panel.in_(refs), EntryRow.state == "published")
                               .order_by(EntryRow.year_start, EntryRow.title)).all()
    by_panel: dict[str, list] = {}
    for panel, *practice in on_subject:
        by_panel.setdefault(panel.split("/", 1)[1], []).append(tuple(practice))
    return render_template("event.html", event=event, body=markdown_to_html(event.body), by_panel=by_panel,
                           describe=markdown_to_html)


@bp.get("/coverage")
def coverage_page():
    """Theme x bloc, with a column for the practices with no bloc; or (?by=country) theme x country."""
    tax = kb().taxonomy
    everything = kb().searcher.all_hits(SearchRequest())
    by_country = request.args.get("by") == "country"
    if by_country:
        countries = sorted({c for h in everything for c in h.countries},
                           key=lambda c: tax.label("country", c, ui_lang()))
        matrix = coverage(list(tax.themes), countries, "theme", "country")
    else:
        matrix = coverage(list(tax.themes), [*tax.blocs, NO_BLOC], "theme", "bloc")
    no_bloc = [h for h in everything if not h.blocs]
    by_theme = {t: [h for h in no_bloc if t in h.themes] for t in tax.themes}
    return render_template("coverage.html", matrix=matrix, total=len(everything), no_bloc=no_bloc,
                           no_bloc_by_theme=by_theme, by_country=by_country)


@bp.get("/robots.txt")
def robots():
    return Response(f"User-agent: *\nDisallow: /api/\nSitemap: {url_for('browse.sitemap', _external=True)}\n",
                    mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    tax = kb().taxonomy
    with kb().db.session() as s:
        entries = s.execute(select(EntryRow.id, EntryRow.updated_at).where(EntryRow.state == "published")
                            .order_by(EntryRow.id)).all()
        events = list(s.scalars(select(EventRow.id)))
    urls = [(url_for("entries.entry_page", entry_id=i, _external=True), u.strftime("%Y-%m-%d")) for i, u in entries]
    urls += [(url_for("browse.theme_page", theme_id=t, _external=True), None) for t in tax.themes]
    urls += [(url_for("browse.bloc_page", bloc_id=b, _external=True), None) for b in tax.blocs]
    urls += [(url_for("browse.country_page", code=c, _external=True), None) for c in search()[0].facets["country"]]
    urls.append((url_for("browse.coverage_page", _external=True), None))
    urls += [(url_for("browse.event_page", event_id=e, _external=True), None) for e in events]
    return Response(render_template("sitemap.xml", urls=urls), mimetype="application/xml")
