"""What keeps a serving process small: no Alembic on a current database, one malloc arena, freed pages given
back, bounded caches."""

import logging
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from migration_kb.db import script_head
from migration_kb.web import malloc


def test_the_migration_head_read_from_the_scripts_is_alembics():
    from alembic.script import ScriptDirectory

    from migration_kb.db import _alembic_config

    assert script_head() == ScriptDirectory.from_config(_alembic_config()).get_current_head()


def test_a_current_database_opens_without_loading_alembic(settings):
    from migration_kb.db import open_database

    open_database(settings).dispose()  # migrates the new database
    code = ("import sys; from migration_kb.config import Settings; from migration_kb.db import open_database; "
            f"open_database(Settings.load({str(settings.instance)!r})).dispose(); "
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


LARGE_LIBRARIES = ("rdflib", "citeproc", "bibtexparser", "rispy", "lxml", "openpyxl", "docx")


def test_the_standards_libraries_load_on_first_use_not_when_the_app_is_built(settings):
    """A server that only searches never carries them (about 30 MB); a citation, an OAI answer, a sheet or
    a Word export loads its own on first use."""
    code = ("import sys; from migration_kb.config import Settings; from migration_kb.web.app import create_app; "
            "import migration_kb.cli; "
            f"app = create_app(Settings.load({str(settings.instance)!r}), testing=True); "
            f"before = sorted(m for m in {LARGE_LIBRARIES!r} if m in sys.modules); "
            "app.test_client().get('/oai?verb=Identify'); "
            "print(before, 'lxml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[-2] == "[] True"


def test_malloc_arenas_setting(monkeypatch, caplog):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MIGRATION_KB_MALLOC_ARENAS", raising=False)
    assert malloc.arenas_wanted() == 1
    monkeypatch.setenv("MIGRATION_KB_MALLOC_ARENAS", "4")
    assert malloc.arenas_wanted() == 4
    monkeypatch.setenv("MIGRATION_KB_MALLOC_ARENAS", "0")
    assert malloc.arenas_wanted() is None  # glibc's own choice
    monkeypatch.setenv("MIGRATION_KB_MALLOC_ARENAS", "many")
    with caplog.at_level(logging.WARNING, logger="migration_kb"):
        assert malloc.arenas_wanted() == 1
    assert "MIGRATION_KB_MALLOC_ARENAS: 'many' is not a whole number" in caplog.text
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    assert malloc.arenas_wanted() is None  # glibc read it at start: left alone


def test_related_practices_are_those_sharing_the_most_specific_tags(app):
    """The numpy scorer gives the entry page's related practices in the order of Whoosh's own BM25F."""
    import json

    from whoosh.query import Or, Term

    searcher = app.extensions["migration_kb"].searcher
    searcher._current()
    whoosh = searcher._searcher
    weights = {"topics": ("topic", 3.0), "target_groups": ("target_group", 1.5), "countries": ("country", 1.5),
               "themes": ("theme", 1.0), "blocs": ("bloc", 1.0)}
    checked = 0
    for docnum in whoosh.reader().all_doc_ids():
        stored = whoosh.stored_fields(docnum)
        d = json.loads(stored["display"])
        clauses = [Term(name, value, boost=w) for key, (name, w) in weights.items() for value in d.get(key, [])]
        expected = [(whoosh.stored_fields(n)["id"], score) for score, n in whoosh.search(Or(clauses), limit=None).top_n
                    if n != docnum][:5]
        related = searcher.related(stored["id"])
        assert stored["id"] not in [h.id for h in related]
        assert [h.id for h in related] == [i for i, _ in expected], stored["id"]
        assert [h.score for h in related] == pytest.approx([s for _, s in expected], rel=1e-6)
        checked += 1
    assert checked > 20


def test_facet_counts_filters_and_years_stay_right_across_segments(db, settings):
    """Facets are kept compact (bitmaps or document lists, per segment, merged after each commit): the counts a
    visitor sees are still those of the entries themselves, after a rebuild and after later saves."""
    from migration_kb.records import validate_entry
    from migration_kb.search.indexer import SearchIndex
    from migration_kb.search.request import SearchRequest
    from migration_kb.search.searcher import Searcher
    from migration_kb.store import save_entry
    from migration_kb.taxonomy import load

    tax = load()
    themes, countries = sorted(tax.themes), sorted(tax.countries)[:12]
    entries = {}

    def save(start: int, count: int) -> None:
        with db.session() as s:
            for i in range(start, start + count):
                entry = validate_entry({
                    "id": f"facet-{i:03d}", "title": f"Practice {i}", "summary": f"About practice {i}.",
                    "language": ("en", "es", "pt", "fr")[i % 4], "themes": [themes[i % len(themes)]],
                    "countries": sorted({countries[i % 12], countries[(i * 7) % 12]}),
                    "year_start": 1985 + i % 40, "year_end": None if i % 3 else 1990 + i % 40,
                    "sources": [{"title": "Law", "publisher": "State"}], "body": "text " * 5})
                save_entry(s, entry, state="published")
                entries[entry.id] = entry

    index = SearchIndex(settings.index_dir)
    save(0, 60)
    index.rebuild(db)
    save(60, 25)  # new segments
    index.catch_up(db)
    save(10, 5)  # changed entries: deleted documents in the old segment
    index.catch_up(db)
    searcher = Searcher(index)
    try:
        result = searcher.search(SearchRequest(per_page=1))
        assert result.total == len(entries) == 85
        for facet, key in (("country", "countries"), ("theme", "themes"), ("language", "language")):
            expected = {}
            for e in entries.values():
                for value in ([getattr(e, key)] if isinstance(getattr(e, key), str) else getattr(e, key)):
                    expected[value] = expected.get(value, 0) + 1
            assert result.facets[facet] == dict(sorted(expected.items(), key=lambda kv: (-kv[1], kv[0])))
        picked = searcher.search(SearchRequest(filters={"country": [countries[3]], "language": ["es"]},
                                               year_from=2000, year_to=2005, per_page=100))
        assert sorted(h.id for h in picked.hits) == sorted(
            e.id for e in entries.values() if countries[3] in e.countries and e.language == "es"
            and e.year_start <= 2005 and (e.year_end or 9999) >= 2000)
    finally:
        searcher.close()


@pytest.mark.parametrize("per_value", [3, 3000])  # few documents per value: lists; many: bitmaps
def test_both_ways_of_keeping_a_facet_count_the_same(per_value):
    from migration_kb.search.facets import FacetDocs

    rng = np.random.default_rng(per_value)
    size, names = 10_001, [f"v{i}" for i in range(9)]
    parts = [np.sort(rng.choice(size, per_value, replace=False)).astype(np.int32) for _ in names]
    facet = FacetDocs.of(names, size, parts)
    assert (facet.bits is not None) == (per_value == 3000)
    mask = rng.random(size) < 0.3
    assert facet.count(mask).tolist() == [int(mask[p].sum()) for p in parts]
    for i, part in enumerate(parts):
        assert facet.docs_of(i).tolist() == part.tolist()
        assert np.flatnonzero(facet.mask_of(i)).tolist() == part.tolist()


@pytest.mark.parametrize("lang", ["en", "es", "pt", "fr"])
def test_the_entry_date_reads_as_babels_long_date(lang):
    from datetime import UTC, date, datetime, timedelta, timezone

    from babel.dates import format_date

    from migration_kb.web.labels import long_date

    for month in range(1, 13):
        day = date(2025, month, 1 + month * 2)
        assert long_date(day, lang) == format_date(day, "long", locale=lang)
    late = datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # already 2025 in UTC
    assert long_date(late, lang) == format_date(date(2025, 1, 1), "long", locale=lang)
    assert long_date(datetime(2024, 2, 29, 12, tzinfo=UTC).replace(tzinfo=None), lang) == \
        format_date(date(2024, 2, 29), "long", locale=lang)


def test_the_entry_page_shows_the_date_in_the_ui_language(client):
    from migration_kb.web.labels import MONTHS

    html = client.get("/entries/mercosur-residence-agreement?lang=es").get_data(as_text=True)
    assert any(f" de {m} de 20" in html for m in MONTHS["es"])
    html = client.get("/entries/mercosur-residence-agreement?lang=en").get_data(as_text=True)
    assert any(f"{m} " in html and ", 20" in html for m in MONTHS["en"])


def test_the_trimmer_gives_freed_heap_pages_back_after_requests():
    """Arrays freed between live ones stay in the process until a trim: a server's searches leave such holes."""
    code = textwrap.dedent("""
        import time, numpy as np
        from migration_kb.web import malloc

        def anon():
            return int(open("/proc/self/status").read().split("RssAnon:")[1].split()[0]) // 1024

        malloc.limit_arenas()
        arrays = [np.ones(8_000) for _ in range(4_000)]  # 64 KB each, from the heap: ~250 MB
        kept = arrays[::50]
        del arrays
        held = anon()
        trimmer = malloc.Trimmer(every=0.05)
        assert trimmer.start()
        time.sleep(0.3)
        idle = (trimmer.trims, anon())
        trimmer.request_ended()
        time.sleep(0.3)
        trimmer.stop()
        print(held, idle[0], idle[1], trimmer.trims, anon(), len(kept))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    held, idle_trims, idle_anon, trims, after, _ = map(int, out.stdout.split())
    assert idle_trims == 0 and idle_anon > 200  # no request, no trim: the holes are still held
    assert trims == 1  # one trim after requests ended, however many ended
    assert after < held - 150  # the freed arrays' pages went back to the system
