"""The map of cooperation (/map): practices per state and the corridors between states, under the search's
filters (the same query string as the search page, read by the same parser)."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, render_template, url_for
from flask_babel import ngettext

from ..reads.corridors import corridor_pairs, weighed
from ..search.schema import FACETS
from .criteria import Criteria
from .i18n import asked_lang, ui_lang
from .search import read_request
from .services import kb
from .svgmap import draw

bp = Blueprint("maps", __name__)
FILTERS = ("theme", "bloc", "topic", "instrument", "target_group", "language")  # the form's choices
# Corridors drawn and listed at most: the busiest. The shipped kb has about 80; a large kb of random pairs
# would have thousands, and the page must stay light (a state's page lists all its partners).
MAX_DRAWN = 150


@bp.get("/map")
def map_page():
    req = read_request()  # bad filters: 400 with the search page's message
    searcher = kb().searcher
    # The numbers are the search's country facet for the same filters: one definition of "how many".
    result = searcher.search(replace(req, page=1, per_page=1))
    counts = result.facets.get("country", {})
    # The corridors are the published practices' first two parties; their weights, the practices matching
    # the filters that name both states (read from the index's facet masks, no stored document).
    with kb().db.session() as s:
        pairs = corridor_pairs(s)
    corridors = weighed(searcher.pair_counts(req, "country", pairs))
    drawing = draw(counts, corridors[:MAX_DRAWN])
    tax = kb().taxonomy
    choices = {f: list(tax.terms(f)) if f != "language" else ["en", "es", "pt", "fr"] for f in FILTERS}
    # Each state's name and each number's words once: the page writes them hundreds of times.
    names = {c: tax.label("country", c, ui_lang()) for c in drawing.nodes}
    words: dict[int, str] = {}

    def practices(n: int) -> str:
        if n not in words:
            words[n] = ngettext("%(num)d practice", "%(num)d practices", n)
        return words[n]

    # Links built once and filled in: url_for for each of hundreds of links cost a fifth of the page's time.
    country_url = url_for("browse.country_page", code="XX", lang=asked_lang()).replace("/XX", "/{}", 1)
    corridor_url = url_for("corridors.corridor_page", key="XX-YY", lang=asked_lang()).replace("/XX-YY", "/{}", 1)
    return render_template("delegates/map.html", drawing=drawing, corridors=corridors[:MAX_DRAWN],
                           names=names, practices=practices, country_url=country_url.format,
                           corridor_url=corridor_url.format,
                           all_corridors=len(corridors), total=result.total,
                           criteria=Criteria(req, asked_lang(), "/map"), choices=choices, facets=FACETS,
                           counts=counts)
