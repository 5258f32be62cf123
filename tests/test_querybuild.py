"""Plain words are built into queries directly: the same terms and boosts as Whoosh's parser makes of them.

Parsing each clause with Whoosh's parser cost ~2 ms (a third of a search at 10,000 entries). The parser still
reads queries with syntax; for plain words, each clause's alternatives (stems, concepts) are built as
queries by hand, and must score exactly as the parsed text did.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from migration_kb.search import querybuild
from migration_kb.search.fastscore import _plan
from migration_kb.search.vocabulary import matcher

HERE = Path(__file__).parent


def _terms(query) -> list[tuple[str, str, float]]:
    terms: list = []
    others: list = []
    _plan(query, 1.0, terms, others)
    assert not others  # plain words are plain terms
    return sorted(terms)


def _questions() -> list[str]:
    out = []
    for name in ("search_judgements.yaml", "search_judgements_plain.yaml"):
        out += [q["q"] for q in yaml.safe_load((HERE / name).read_text(encoding="utf-8"))["queries"]]
    # every label and synonym of the vocabularies, in each language: the phrases that become concepts
    out += [text for wordings in matcher().wordings.values() for _, text in wordings]
    return out


@pytest.fixture(scope="module")
def questions():
    return _questions()


def test_every_clause_gets_the_parsers_terms_and_boosts(questions):
    assert len(questions) > 300
    compared = concepts = 0
    for q in questions:
        words = [w for token in querybuild.TOKENS.findall(q) for w in querybuild.WORD.findall(token)]
        for alternatives_of_words, concept_alternatives in querybuild._clauses(words):
            for alternatives in [*alternatives_of_words, concept_alternatives]:
                if not alternatives:
                    continue
                parsed = querybuild._parse(querybuild._alternatives(alternatives))
                assert _terms(querybuild._any(alternatives)) == _terms(parsed), (q, alternatives)
                compared += 1
            concepts += bool(concept_alternatives)
    assert compared > 1000 and concepts > 300  # words and vocabulary phrases were both compared


def test_a_phrase_is_one_clause_with_its_concepts_and_its_words():
    query = querybuild.build_query("social security portability for domestic workers")
    assert isinstance(query, querybuild.Clauses)
    fields = {field for _, concept, _ in query.parts if concept is not None for field, _, _ in _terms(concept)}
    assert "topic" in fields  # a vocabulary phrase became its concept
    assert all(words for words, _, _ in query.parts)  # and every clause kept its words
