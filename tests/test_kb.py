"""The shipped knowledge base: valid, and holding the coverage rules of the content issue."""

import re
from collections import Counter
from itertools import product

import pytest

from migration_kb.importer import validate_paths
from migration_kb.records import Entry, Event
from migration_kb.taxonomy import load

from .conftest import KB


@pytest.fixture(scope="module")
def records():
    batch = validate_paths([KB])
    assert batch.errors == []
    return batch.records


@pytest.fixture(scope="module")
def entries(records):
    return [r for _, r in records if isinstance(r, Entry)]


def test_the_2011_workshop_with_every_module(records):
    [event] = [r for _, r in records if isinstance(r, Event)]
    assert event.id == "oas-2011-bilateral-cooperation" and event.date == "2011-04-12"
    panels = {p.id: p for p in event.panels}
    assert list(panels) == ["registration", "opening", "management", "services", "labour-mobility", "protection",
                            "conclusions", "closing"]
    assert {p.id for p in event.panels if p.theme} == {"management", "services", "labour-mobility", "protection"}
    assert all(p.theme == p.id for p in event.panels if p.theme)
    assert (panels["management"].starts, panels["management"].ends) == ("10:30", "11:15")


def test_at_least_45_entries(entries):
    assert len(entries) >= 45


def test_every_theme_bloc_cell_holds_two_entries(entries):
    tax = load()
    cells = Counter((t, b) for e in entries for t in e.themes for b in e.blocs)
    thin = [cell for cell in product(tax.themes, tax.blocs) if cells[cell] < 2]
    assert thin == []


def test_every_topic_is_used(entries):
    used = {t for e in entries for t in (*e.topics, *(t for f in e.findings for t in f.topics))}
    assert set(load().topics) - used == set()


def test_languages(entries):
    by_language = Counter(e.language for e in entries)
    assert by_language["es"] >= 10 and by_language["pt"] >= 4 and by_language["fr"] >= 4
    assert by_language["en"] >= 1


def test_each_entry_has_sources_findings_and_a_real_body(entries):
    for e in entries:
        assert e.sources and all(s.title and s.publisher for s in e.sources), e.id
        assert len(e.findings) >= 2 and len({f.kind for f in e.findings}) >= 2, e.id
        assert len(re.findall(r"\w+", e.body)) >= 80, e.id
        assert e.countries and e.themes, e.id


def test_each_entry_names_the_panel_of_its_first_theme(entries):
    for e in entries:
        assert e.panel == f"oas-2011-bilateral-cooperation/{e.themes[0]}", e.id
