"""'Did you mean' on the shipped kb: typos corrected, known words (elided French ones too) left alone."""

import pytest

from migration_kb.db import open_database
from migration_kb.records import validate_entry
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from migration_kb.store import save_entry, set_state


@pytest.fixture(scope="module")
def searcher(kb_instance, tmp_path_factory):
    db = open_database(kb_instance)
    index = SearchIndex(tmp_path_factory.mktemp("suggest") / "index")
    index.rebuild(db)
    db.dispose()
    searcher = Searcher(index)
    yield searcher
    searcher.close()


@pytest.mark.parametrize(("typed", "suggested"), [
    ("trafficing", "trafficking"),
    ("seasnal workers", "seasonal workers"),
    ("remitances", "remittances"),
    ("MERCOSOR", "mercosur"),
    ("previdencia socal", "previdencia social"),
    ("l'intégration des migrnts", "l'intégration des migrants"),
    ("demandeurs d'saile", "demandeurs d'asile"),
    ("travail* saisonier", "travail* saisonnier"),  # a prefix search is left as typed
])
def test_a_typo_gets_the_closest_known_word(searcher, typed, suggested):
    assert searcher.search(SearchRequest(q=typed)).suggestion == suggested


@pytest.mark.parametrize("typed", [
    "consular protection of nationals abroad", "demandeurs d'asile", "protection consulaire d'urgence",
    "aujourd'hui", "droit d'asile AND réfugiés", "covid19 migrants", "trata de personas",
])
def test_known_words_numbers_and_operators_get_no_suggestion(searcher, typed):
    assert searcher.search(SearchRequest(q=typed)).suggestion is None


def _entry(entry_id: str, word: str):
    return validate_entry({"id": entry_id, "title": f"Practice of {word}", "summary": f"About {word}.",
                           "language": "en", "themes": ["management"], "countries": ["MX", "US"],
                           "sources": [{"title": "Law", "publisher": "State"}], "body": f"{word} body.",
                           "findings": [{"kind": "strength", "text": f"{word} finding"}]})


def test_suggestions_come_only_from_what_is_published_now(db, settings):
    """Issue 19 item 8 (the same test as the security branch's): Whoosh keeps the words of archived and edited
    entries in its term lists until segments merge."""
    with db.session() as s:
        save_entry(s, _entry("kept", "quetzalcoatl"), state="published")
        save_entry(s, _entry("archived-one", "zanzibarite"), state="published")
        save_entry(s, _entry("edited-one", "obsidianite"), state="published")
    index = SearchIndex(settings.index_dir)
    index.ensure(db)
    searcher = Searcher(index)
    try:
        assert searcher.search(SearchRequest(q="zanzibxrite")).suggestion == "zanzibarite"  # the probe works
        with db.session() as s:
            set_state(s, "archived-one", "archived")
            save_entry(s, _entry("edited-one", "granite"))  # the word edited away
        index.catch_up(db)
        searcher.invalidate()
        assert searcher.search(SearchRequest(q="quetzalcoatk")).suggestion == "quetzalcoatl"
        assert searcher.search(SearchRequest(q="zanzibxrite")).suggestion is None
        assert searcher.search(SearchRequest(q="obsidxanite")).suggestion is None
    finally:
        searcher.close()
