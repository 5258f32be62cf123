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
