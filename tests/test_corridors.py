"""Corridor pages: every published practice between two states, their shared blocs, timeline and findings."""

from __future__ import annotations

import re

import pytest

from migration_kb.reads.corridors import corridor, corridor_pairs, parse_key, practice_ids_between
from migration_kb.reads.entries import published_dates
from migration_kb.store import published_entries
from migration_kb.taxonomy import load as load_taxonomy

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_a_corridor_is_the_first_two_parties_of_a_practice(app):
    with app.extensions["migration_kb"].db.session() as s:
        pairs = corridor_pairs(s)
        entries = [e for e, _, _ in published_entries(s, [i for i, _ in published_dates(s)])]
    assert pairs == sorted({tuple(sorted(e.countries[:2])) for e in entries if len(e.countries) >= 2})
    assert parse_key("bo-ar") == ("BO", "AR") and parse_key("AR-AR") is None and parse_key("ARG-BO") is None


def test_either_order_redirects_to_one_page(client):
    for asked in ("/corridors/BO-AR", "/corridors/ar-bo", "/corridors/bo-AR?lang=es"):
        response = client.get(asked)
        assert response.status_code == 301, asked
        assert response.headers["Location"].startswith("/corridors/AR-BO")
    assert "lang=es" in client.get("/corridors/bo-AR?lang=es").headers["Location"]
    for missing in ("/corridors/AR-XX", "/corridors/AR", "/corridors/AR-AR", "/corridors/AR-BO-PE", "/corridors/<b>"):
        assert client.get(missing).status_code == 404, missing
    assert client.get("/corridors/AU-NZ").status_code == 404  # known states with no practice between them


def test_the_page_lists_every_practice_between_the_two(app, client):
    db = app.extensions["migration_kb"].db
    with db.session() as s:
        everything = [e for e, _, _ in published_entries(s, [i for i, _ in published_dates(s)])]
        ids = set(practice_ids_between(s, "AR", "BO"))
    expected = {e.id for e in everything if {"AR", "BO"} <= set(e.countries)}
    assert ids == expected and len(expected) >= 2
    html = client.get("/corridors/AR-BO").get_data(as_text=True)
    listed = set(re.findall(r'name="ids" value="([a-z0-9-]+)"', html))
    assert listed == expected
    assert "MERCOSUR" in html  # the bloc both belong to


def test_timeline_marks_what_ended_and_findings_are_grouped_by_kind(app, client):
    with app.extensions["migration_kb"].db.session() as s:
        view = corridor(s, load_taxonomy(), "BO", "AR")
    assert (view.a, view.b) == ("AR", "BO")
    years = [y for y, _ in view.timeline]
    assert years == sorted(years)
    ended = [(y, m.entry.id) for y, marks in view.timeline for m in marks if m.ended]
    assert (2016, "ar-bo-convenio-migracion-1998") in ended
    html = client.get("/corridors/AR-BO").get_data(as_text=True)
    assert "No longer in force since 2016" in html and "ended:" in html
    assert "Strengths" in html and 'href="/entries/ar-bo-convenio-migracion-1998#finding-1"' in html
    for kind, items in view.findings.items():
        assert all(f.kind == kind for _, _, f in items)


def test_in_four_languages(client):
    titles = {"en": "Bilateral corridor", "es": "Corredor bilateral", "pt": "Corredor bilateral",
              "fr": "Corridor bilatéral"}
    for lang, words in titles.items():
        html = client.get(f"/corridors/AR-BO?lang={lang}").get_data(as_text=True)
        assert words in html, lang
