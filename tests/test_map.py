"""The map of cooperation: numbers equal to the search's country facet, every corridor drawn, on the server."""

from __future__ import annotations

import re

import pytest

from migration_kb.reads.corridors import corridor_key
from migration_kb.reads.entries import published_dates
from migration_kb.store import published_entries
from migration_kb.taxonomy import load as load_taxonomy
from migration_kb.web.svgmap import shapes

pytestmark = pytest.mark.databases("sqlite", "postgresql")
FILTERS = ["", "theme=labour-mobility&bloc=CARICOM", "theme=labour-mobility&bloc=CARICOM&year_from=2000",
           "q=seasonal+workers", "topic=trafficking", "language=es&instrument=bilateral-agreement",
           "country=MX&target_group=migrant-workers", "year_from=1990&year_to=2005"]


def map_numbers(html: str) -> tuple[dict[str, int], dict[str, int]]:
    """(state -> its number, corridor -> its number) as the SVG's links carry them."""
    states = {c: int(n) for c, n in re.findall(r'<a href="/countries/([A-Z]{2})[^"]*" data-count="(\d+)"', html)}
    corridors = {k: int(n) for k, n in re.findall(r'<a href="/corridors/([A-Z]{2}-[A-Z]{2})[^"]*" data-count="(\d+)"',
                                                   html)}
    return states, corridors


@pytest.mark.parametrize("query", FILTERS)
def test_the_numbers_are_the_search_country_facet(client, query):
    response = client.get("/map?" + query)
    assert response.status_code == 200
    states, _ = map_numbers(response.get_data(as_text=True))
    facet = client.get("/api/v1/search?per_page=1&" + query).get_json()["facets"]["country"]
    assert {c: n for c, n in states.items() if n} == facet


def test_every_practice_with_two_parties_is_on_the_map(app, client):
    with app.extensions["migration_kb"].db.session() as s:
        entries = [e for e, _, _ in published_entries(s, [i for i, _ in published_dates(s)])]
    between = [e for e in entries if len(e.countries) >= 2]
    assert len(between) > 50
    _, corridors = map_numbers(client.get("/map").get_data(as_text=True))
    assert set(corridors) == {corridor_key(*e.countries[:2]) for e in between}
    for key, weight in corridors.items():
        a, b = key.split("-")
        assert weight == sum(1 for e in entries if {a, b} <= set(e.countries)), key


@pytest.mark.parametrize("query", FILTERS[1:])
def test_under_filters_a_corridor_weighs_the_matching_practices_naming_both(client, query):
    _, corridors = map_numbers(client.get("/map?" + query).get_data(as_text=True))
    matching = client.get("/search.json?" + query).get_json()["results"]
    _, everywhere = map_numbers(client.get("/map").get_data(as_text=True))
    expected = {}
    for key in everywhere:
        a, b = key.split("-")
        n = sum(1 for hit in matching if a in hit["countries"] and b in hit["countries"])
        if n:
            expected[key] = n
    assert corridors == expected


def test_every_state_of_the_vocabulary_is_drawn_and_clickable(client):
    tax = load_taxonomy()
    states, _ = map_numbers(client.get("/map").get_data(as_text=True))
    assert set(tax.countries) <= set(states)  # shapes, small-state markers and partners outside the Americas
    for small in ("AG", "KN", "LC", "VC", "GD", "DM", "BB", "MS", "AI"):
        assert small in shapes()["inset"] and small in states


def test_filters_come_from_the_url_like_the_search(client):
    html = client.get("/map?theme=labour-mobility&bloc=caricom").get_data(as_text=True)
    assert '<option value="labour-mobility" selected>' in html and '<option value="CARICOM" selected>' in html
    assert 'href="/?theme=labour-mobility&amp;bloc=CARICOM"' in html  # the same practices in the search
    bad = client.get("/map?theme=no-such-theme")
    assert bad.status_code == 400
    assert "theme: &#39;no-such-theme&#39; is not a known value" in bad.get_data(as_text=True)
    assert client.get("/map?year_from=2010&year_to=2000").status_code == 400


def test_light_self_contained_and_readable_without_the_picture(client):
    response = client.get("/map")
    html = response.get_data(as_text=True)
    assert len(response.data) < 150_000
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<main")[1].split("</main>")[0])
    assert "<script" not in html.split("<main")[1]
    assert "<svg" in html and "<table>" in html and "Practices per state" in html and "Corridors" in html
    titles = {"es": "Mapa de cooperación", "pt": "Mapa da cooperação", "fr": "Carte de la coopération"}
    for lang, title in titles.items():
        assert title in client.get(f"/map?lang={lang}").get_data(as_text=True), lang
