"""Browse pages with stable URLs: themes, blocs, countries, workshops, and the coverage map."""

from __future__ import annotations

import re
from math import ceil

from flask import Blueprint, Response, abort, render_template, request, url_for

from ..errors import N_, BadRequest
from ..reads.coverage import NO_BLOC, coverage
from ..reads.entries import published_dates
from ..reads.events import event_ids, event_named, presented
from ..render import markdown_to_html
from ..search.request import SearchRequest
from .criteria import Criteria
from .i18n import asked_lang, ui_lang
from .services import kb

bp = Blueprint("browse", __name__)
LISTED = 50  # practices a browse page lists (a page of the list of the practices with no bloc too)
NO_BLOC_SHOWN = 10  # practices with no bloc the coverage map lists under each theme; the rest on their own pages
PARTNER_SHOWN = 10  # practices a country page lists beside each bilateral partner; the rest through a search
PAGE_NUMBER = re.compile(r"[0-9]{1,18}")


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
    partners = bilateral_partners(code)
    blocs = [(b, m) for b in tax.blocs.values() for m in b.members if m.country == code]
    return render_template("country.html", country=tax.countries[code], result=result, criteria=criteria,
                           partners=partners, blocs=blocs)


def bilateral_partners(code: str) -> list[tuple[str, int, list, str]]:
    """The other states named in this state's practices, most shared first: (state, how many practices name both,
    the first PARTNER_SHOWN of them by title, the search listing them all). Counted from the index's facet masks
    and read a few entries at a time: a state may have tens of thousands of practices at 100,000 entries."""
    tax, searcher = kb().taxonomy, kb().searcher
    counts = searcher.pair_counts(SearchRequest(), "country", [(code, c) for c in tax.countries if c != code])
    partners = []
    for (_, other), n in sorted(counts.items(), key=lambda p: (-p[1], tax.label("country", p[0][1], ui_lang()))):
        if n:  # both states (a field query ANDed with the filter), the first few by title
            shared = SearchRequest(q=f"country:{other}", filters={"country": [code]}, sort="title", mode="words")
            partners.append((other, n, searcher.all_hits(shared, limit=PARTNER_SHOWN),
                             Criteria(shared, asked_lang()).url("/")))
    return partners


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
    """Theme x bloc, with a column for the practices with no bloc; or (?by=country) theme x country. Every count
    comes from the index's facet masks, and only the few practices listed are read (at 100,000 entries, reading
    every practice took 12-40 s and raised the server's peak to 556 MB)."""
    tax, searcher = kb().taxonomy, kb().searcher
    everything = searcher.search(SearchRequest(per_page=1))
    by_country = request.args.get("by") == "country"
    if by_country:
        countries = sorted(everything.facets["country"], key=lambda c: tax.label("country", c, ui_lang()))
        matrix = coverage(searcher, list(tax.themes), countries, "theme", "country")
    else:
        matrix = coverage(searcher, list(tax.themes), [*tax.blocs, NO_BLOC], "theme", "bloc")
    no_bloc, _ = searcher.without(SearchRequest(), "bloc", 0, 0)
    by_theme = {t: searcher.without(SearchRequest(filters={"theme": [t]}), "bloc", 0, NO_BLOC_SHOWN)
                for t in tax.themes}
    return render_template("coverage.html", matrix=matrix, total=everything.total, no_bloc=no_bloc,
                           no_bloc_by_theme=by_theme, by_country=by_country)


@bp.get("/coverage/no-bloc/<theme_id>")
def no_bloc_page(theme_id: str):
    """Every practice of a theme with no region bloc, LISTED a page, by title. A page past the end is a 404 that
    says how many pages there are."""
    tax = kb().taxonomy
    if theme_id not in tax.themes:
        abort(404)
    raw = request.args.get("page", "")
    if raw and not (PAGE_NUMBER.fullmatch(raw) and int(raw) >= 1):
        raise BadRequest(N_("page: “%(page)s” is not a page number; the pages of a list are numbered 1, 2, 3…"),
                         page=raw[:40])
    page = int(raw or 1)
    total, hits = kb().searcher.without(SearchRequest(filters={"theme": [theme_id]}), "bloc",
                                        (page - 1) * LISTED, LISTED)
    pages = max(1, ceil(total / LISTED))
    pager = Criteria(SearchRequest(page=page), asked_lang(), path=url_for("browse.no_bloc_page", theme_id=theme_id))
    return render_template("no_bloc.html", theme=tax.themes[theme_id], total=total, hits=hits, page=page,
                           pages=pages, first=(page - 1) * LISTED + 1, per_page=LISTED,
                           pager=pager), 200 if page <= pages else 404


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
    urls += [(url_for("browse.no_bloc_page", theme_id=t, _external=True), None) for t in tax.themes]
    urls += [(url_for("browse.event_page", event_id=e, _external=True), None) for e in events]
    return Response(render_template("sitemap.xml", urls=urls), mimetype="application/xml")
