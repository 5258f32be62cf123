"""'Did you mean' on the shipped kb: typos corrected, known words (elided French ones too) left alone."""

import pytest

from migration_kb.db import open_database
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher


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
