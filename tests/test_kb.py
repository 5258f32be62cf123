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


# -- the grown knowledge base (the content issue of the second wave) ------------------------------------
# The 35 independent states of the Americas, all OAS members in 2011.
AMERICAS_STATES = ("AG", "AR", "BS", "BB", "BZ", "BO", "BR", "CA", "CL", "CO", "CR", "CU", "DM", "DO", "EC", "SV", "GD",
                   "GT", "GY", "HT", "HN", "JM", "MX", "NI", "PA", "PY", "PE", "KN", "LC", "VC", "SR", "TT", "US",
                   "UY", "VE")
BILATERAL_FORMS = ("bilateral-agreement", "memorandum-of-understanding", "joint-programme")


def bilateral(entries):
    """Entries of a bilateral instrument or programme: its two state parties are the first two countries."""
    return [e for e in entries if e.instrument in BILATERAL_FORMS and len(e.countries) >= 2]


def test_at_least_124_entries(entries):
    assert len(entries) >= 124


def test_bilateral_first_45_entries_across_30_pairs(entries):
    pairs = {frozenset(e.countries[:2]) for e in bilateral(entries)}
    assert len(bilateral(entries)) >= 45 and len(pairs) >= 30


def test_every_state_of_the_americas_is_a_party_twice(entries):
    parties = Counter(c for e in entries for c in e.countries)
    assert {s: parties[s] for s in AMERICAS_STATES if parties[s] < 2} == {}


def test_language_minimums_of_the_grown_kb(entries):
    by_language = Counter(e.language for e in entries)
    assert by_language["es"] >= 30 and by_language["pt"] >= 15 and by_language["fr"] >= 15


def test_every_entry_says_when_its_facts_were_checked(entries):
    assert [e.id for e in entries if e.verified is None] == []


def test_every_successor_exists(entries):
    ids = {e.id for e in entries}
    assert {e.id: e.superseded_by for e in entries if e.superseded_by and e.superseded_by not in ids} == {}
    assert any(e.superseded_by for e in entries)  # the lifecycle is used, not only allowed


def test_the_fact_check_record_covers_every_new_entry(entries):
    record = (KB / "CHECKS.md").read_text(encoding="utf-8")
    checked = set(re.findall(r"^## ([a-z0-9-]+)\s*$", record, re.M))
    new = {e.id for e in entries if e.verified and e.verified.date >= "2026-12-01"}
    assert new - checked == set()
