"""What keeps a serving process small: no Alembic on a current database, one malloc arena, bounded caches."""

import logging
import subprocess
import sys

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
        assert [round(h.score, 3) for h in related] == [round(s, 3) for _, s in expected]
        checked += 1
    assert checked > 20
