"""Search by meaning, measured: nDCG@10 and MRR of words only, meaning only and hybrid, beside FTS5, per
language, on two judged sets: the plain-word questions (tests/search_judgements_plain.yaml, written without
the practices' titles or the vocabularies' words) and the existing vocabulary queries
(tests/search_judgements.yaml). Tables are printed in every run.

Held: hybrid on the existing set no lower than words alone there (>= 0.89); on the plain set hybrid
clearly above words alone and above FTS5. Not reached with this encoder (docs/search.md says why and what
was measured): issue 13's 0.85 overall and 0.80 per language on the plain set, kept here as strict xfails
so that reaching them is noticed.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import yaml
from testkit import fts5_peer

from migration_kb import encoder
from migration_kb.config import LANGUAGES, Settings
from migration_kb.db import open_database
from migration_kb.importer import import_paths
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from tests.test_search_quality import K, ndcg, reciprocal_rank

ROOT = Path(__file__).resolve().parents[1]
PLAIN = Path(__file__).with_name("search_judgements_plain.yaml")
VOCABULARY = Path(__file__).with_name("search_judgements.yaml")
ENGINES = ("words", "meaning", "hybrid", "fts5")

pytestmark = pytest.mark.skipif(not encoder.available(), reason="the sentence encoder is not installed")


def judged(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]


def test_plain_set_is_well_formed():
    queries = judged(PLAIN)
    shipped = {p.stem for p in (ROOT / "kb" / "entries").glob("*.md")}
    assert len(queries) >= 40
    for lang in LANGUAGES:
        assert sum(1 for q in queries if q["lang"] == lang) >= 10, lang
    titles = {yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])["title"].casefold()
              for p in (ROOT / "kb" / "entries").glob("*.md")}
    for q in queries:
        assert set(q["relevant"]) <= shipped, q["q"]
        assert max(q["relevant"].values()) == 2, q["q"]
        assert q["q"].casefold() not in titles


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """engine -> set name -> list of (query, ranked ids, matches, judged entries among the matches)."""
    settings = Settings.load(tmp_path_factory.mktemp("meaning") / "instance")
    db = open_database(settings)
    out = {engine: {} for engine in ENGINES}
    try:
        report = import_paths(db, [ROOT / "kb"])
        assert not report.errors, report.errors
        index = SearchIndex(settings.index_dir)
        index.rebuild(db)
        searcher = Searcher(index, db)
        with fts5_peer.FTS5Peer.from_database(db) as peer:
            for name, path in (("plain", PLAIN), ("vocabulary", VOCABULARY)):
                queries = judged(path)
                for mode in ("words", "meaning", "hybrid"):
                    rows = []
                    for q in queries:
                        result = searcher.search(SearchRequest(q=q["q"], per_page=K, mode=mode))
                        found = set(searcher.ids(SearchRequest(q=q["q"], mode=mode))) & set(q["relevant"])
                        rows.append((q, [h.id for h in result.hits], result.total, len(found)))
                    out[mode][name] = rows
                out["fts5"][name] = [(q, [i for i, _ in peer.search(q["q"], limit=K)], 0, 0) for q in queries]
        searcher.close()
    finally:
        db.dispose()
    return out


def mean(rows, measure, lang=None) -> float:
    picked = [(q, ranked) for q, ranked, *_ in rows if lang is None or q["lang"] == lang]
    return sum(measure(ranked, q["relevant"]) for q, ranked in picked) / len(picked)


def recall(rows) -> float:
    return sum(found / len(q["relevant"]) for q, _, _, found in rows) / len(rows)


def table(runs, name: str) -> str:
    lines = ["", f"Search by meaning, {name} set: nDCG@10 (MRR) per engine",
             f"{'':8}" + "".join(f"{e:>16}" for e in ENGINES)]
    for lang in (*LANGUAGES, None):
        cells = "".join(f"{mean(runs[e][name], ndcg, lang):>9.3f} ({mean(runs[e][name], reciprocal_rank, lang):.2f})"
                        for e in ENGINES)
        lines.append(f"{lang or 'overall':8}{cells}")
    for mode in ("words", "meaning", "hybrid"):
        rows = runs[mode][name]
        lines.append(f"median matches, {mode}: {statistics.median(t for _, _, t, _ in rows):g}; "
                     f"recall of the judged entries {recall(rows):.3f}")
    lines.append("Per query (nDCG@10 words / meaning / hybrid):")
    for i, (q, *_) in enumerate(runs["hybrid"][name]):
        w, m, h = (ndcg(runs[e][name][i][1], q["relevant"]) for e in ("words", "meaning", "hybrid"))
        lines.append(f"  {q['lang']} {w:5.2f} {m:5.2f} {h:5.2f}  {q['q']}")
    return "\n".join(lines) + "\n"


def test_report(runs, capsys):
    with capsys.disabled():
        print(table(runs, "plain"))
        print(table(runs, "vocabulary"))


def test_plain_hybrid_above_words_and_fts5(runs):
    hybrid = mean(runs["hybrid"]["plain"], ndcg)
    assert hybrid >= mean(runs["words"]["plain"], ndcg) + 0.10
    assert hybrid >= mean(runs["fts5"]["plain"], ndcg) + 0.05


NOT_REACHED = pytest.mark.xfail(strict=True, reason="issue 13's plain-set target: the encoder's similarity "
                                                    "ranks plain questions at about 0.4-0.5 alone")


@NOT_REACHED
def test_plain_overall_target(runs):
    assert mean(runs["hybrid"]["plain"], ndcg) >= 0.85


@NOT_REACHED
@pytest.mark.parametrize("lang", LANGUAGES)
def test_plain_language_target(runs, lang):
    assert mean(runs["hybrid"]["plain"], ndcg, lang) >= 0.80


def test_vocabulary_set_kept(runs):
    assert mean(runs["hybrid"]["vocabulary"], ndcg) >= 0.89


def test_vocabulary_set_match_set_precise_without_losing_judged_entries(runs):
    """Issue 18, item 5: in the default mode, far fewer matches than when any one word was enough (median
    57.5) and no judged entry lost (recall 0.9618 then, measured on 3453806~1 with these judgements)."""
    rows = runs["hybrid"]["vocabulary"]
    assert statistics.median(t for _, _, t, _ in rows) <= 35
    assert recall(rows) >= 0.9618
