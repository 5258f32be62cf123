"""Browse pages with stable URLs: themes, blocs, countries, workshops, and the coverage map."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from ..reads.coverage import NO_BLOC, coverage
from ..reads.entries import published_dates
from ..reads.events import event_ids, event_named, presented
from ..render import markdown_to_html
from ..search.request import SearchRequest
from .criteria import Criteria
from .i18n import asked_lang, ui_lang
from .services import kb

bp = Blueprint("browse", __name__)
LISTED = 50


def search(**filters) -> tuple:
    req = SearchRequest(filters={k: [v] for k, v in filters.items()}, per_page=LISTED, sort="title")
    return kb().searcher.search(req), Criteria(req, asked_lang())


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
    matrix = coverage(kb().searcher, [theme_id], list(tax.blocs), "theme", "bloc")
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
    matrix = coverage(kb().searcher, list(tax.themes), [m.country for m in members], "theme", "country",
                      bloc=canonical)
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
        event = event_named(s, event_id)
        if event is None:
            abort(404)
        by_panel = presented(s, event)
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
        matrix = coverage(kb().searcher, list(tax.themes), countries, "theme", "country")
    else:
        matrix = coverage(kb().searcher, list(tax.themes), [*tax.blocs, NO_BLOC], "theme", "bloc")
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
        entries = published_dates(s)
        events = event_ids(s)
    urls = [(url_for("entries.entry_page", entry_id=i, _external=True), u.strftime("%Y-%m-%d")) for i, u in entries]
    urls += [(url_for("browse.theme_page", theme_id=t, _external=True), None) for t in tax.themes]
    urls += [(url_for("browse.bloc_page", bloc_id=b, _external=True), None) for b in tax.blocs]
    urls += [(url_for("browse.country_page", code=c, _external=True), None) for c in search()[0].facets["country"]]
    urls.append((url_for("browse.coverage_page", _external=True), None))
    urls += [(url_for("browse.event_page", event_id=e, _external=True), None) for e in events]
    return Response(render_template("sitemap.xml", urls=urls), mimetype="application/xml")
