"""Search quality on the shipped kb: nDCG@10 and MRR over judged queries in four languages, beside FTS5.

The judgements (tests/search_judgements.yaml) were made by reading the entries, before running either
engine. The same queries run on migration-kb's search and on a plain SQLite FTS5 index of the same
entries (testkit/fts5_peer.py); a table per language and overall is printed in every run.

Measures, per query, over the first 10 results:
- nDCG@10: DCG = sum(grade / log2(rank + 1)) (linear graded gains, as trec_eval), divided by the DCG of
  the ideal ranking of the judged entries. Unjudged entries count as grade 0.
- MRR: 1 / rank of the first result with grade >= 1 (0 when none is in the first 10).

Targets (the issue's): nDCG@10 >= 0.85 overall and >= 0.80 in each language, and clearly above the peer
in every language (by at least PEER_MARGIN).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from testkit import fts5_peer

from migration_kb.config import LANGUAGES, Settings
from migration_kb.db import open_database
from migration_kb.importer import import_paths
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher

ROOT = Path(__file__).resolve().parents[1]
JUDGEMENTS = Path(__file__).with_name("search_judgements.yaml")
K = 10
TARGET_OVERALL = 0.85
TARGET_LANGUAGE = 0.80
PEER_MARGIN = 0.05  # "clearly above": at least this much nDCG@10 above FTS5 in each language




# -- measures ------------------------------------------------------------------------------------------
def dcg(grades: list[int]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(grades[:K], start=1))


def ndcg(ranked: list[str], relevant: dict[str, int]) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True))
    return dcg([relevant.get(i, 0) for i in ranked[:K]]) / ideal if ideal else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    for rank, entry_id in enumerate(ranked[:K], start=1):
        if relevant.get(entry_id, 0) >= 1:
            return 1.0 / rank
    return 0.0


def test_measures_on_known_rankings():
    rel = {"a": 2, "b": 1}
    assert ndcg(["a", "b", "c"], rel) == pytest.approx(1.0)
    assert ndcg(["c", "d"], rel) == 0.0
    assert ndcg(["b", "a"], rel) == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    assert reciprocal_rank(["c", "b", "a"], rel) == pytest.approx(0.5)
    assert reciprocal_rank(["c"] * 12 + ["a"], rel) == 0.0


# -- the judged queries -------------------------------------------------------------------------------
@dataclass
class Judged:
    q: str
    lang: str
    relevant: dict[str, int]
    note: str = ""


def load_judgements() -> list[Judged]:
    data = yaml.safe_load(JUDGEMENTS.read_text(encoding="utf-8"))
    return [Judged(q=item["q"], lang=item["lang"], relevant=dict(item["relevant"]), note=item.get("note", ""))
            for item in data["queries"]]


def test_judgements_are_well_formed():
    judged = load_judgements()
    shipped = {p.stem for p in (ROOT / "kb" / "entries").glob("*.md")}
    assert len(judged) >= 40
    for lang in LANGUAGES:
        assert sum(1 for j in judged if j.lang == lang) >= 10, lang
    assert len({(j.lang, j.q) for j in judged}) == len(judged), "a query is listed twice"
    for j in judged:
        assert j.relevant, j.q
        assert set(j.relevant) <= shipped, (j.q, set(j.relevant) - shipped)
        assert set(j.relevant.values()) <= {1, 2}, j.q
        assert max(j.relevant.values()) == 2, f"{j.q!r}: no highly relevant entry"


# -- running both engines -----------------------------------------------------------------------------
@dataclass
class Row:
    judged: Judged
    ours: list[str]
    peer: list[str]
    matches: int = 0  # entries migration-kb matched (the total a user reads)
    found: int = 0  # judged entries among them

    @property
    def ndcg_ours(self) -> float:
        return ndcg(self.ours, self.judged.relevant)

    @property
    def ndcg_peer(self) -> float:
        return ndcg(self.peer, self.judged.relevant)

    @property
    def rr_ours(self) -> float:
        return reciprocal_rank(self.ours, self.judged.relevant)

    @property
    def rr_peer(self) -> float:
        return reciprocal_rank(self.peer, self.judged.relevant)


@dataclass
class Evaluation:
    rows: list[Row]

    def __repr__(self) -> str:
        return f"Evaluation({len(self.rows)} queries)"

    def select(self, lang: str | None = None) -> list[Row]:
        return [r for r in self.rows if lang is None or r.judged.lang == lang]

    def mean(self, measure: str, lang: str | None = None) -> float:
        rows = self.select(lang)
        return sum(getattr(r, measure) for r in rows) / len(rows)

    def table(self) -> str:
        head = f"{'':8}{'queries':>8}  {'nDCG@10 mkb':>11} {'FTS5':>6} {'ratio':>6}   {'MRR mkb':>7} {'FTS5':>6}"
        lines = ["", "Search quality on the shipped kb (migration-kb vs SQLite FTS5, same queries)", head]
        for lang in (*LANGUAGES, None):
            a, b = self.mean("ndcg_ours", lang), self.mean("ndcg_peer", lang)
            ratio = f"{a / b:6.2f}" if b else "   inf"
            lines.append(f"{lang or 'overall':8}{len(self.select(lang)):>8}  {a:>11.3f} {b:>6.3f} {ratio}   "
                         f"{self.mean('rr_ours', lang):>7.3f} {self.mean('rr_peer', lang):>6.3f}")
        matches = statistics.median(r.matches for r in self.rows)
        judged = statistics.median(len(r.judged.relevant) for r in self.rows)
        recall = sum(r.found / len(r.judged.relevant) for r in self.rows) / len(self.rows)
        lines += ["", f"Match set: median {matches:g} matches per query beside {judged:g} judged relevant entries; "
                      f"recall of the judged entries {recall:.3f}"]
        lines += ["", f"Per query (nDCG@10 mkb / FTS5; * marks mkb below {TARGET_LANGUAGE:.2f}):"]
        for r in self.rows:
            flag = "*" if r.ndcg_ours < TARGET_LANGUAGE else " "
            lines.append(f" {flag} {r.judged.lang} {r.ndcg_ours:5.2f} {r.ndcg_peer:5.2f}  {r.judged.q}")
        return "\n".join(lines) + "\n"

    def failing(self, lang: str | None = None) -> str:
        """The queries that pull a figure down: what migration-kb returned against what was judged."""
        out = []
        for r in sorted(self.select(lang), key=lambda r: r.ndcg_ours):
            if r.ndcg_ours >= TARGET_LANGUAGE:
                break
            missed = [i for i in r.judged.relevant if i not in r.ours[:K]]
            out.append(f"{r.judged.lang} {r.judged.q!r}: nDCG@10 {r.ndcg_ours:.2f}; top 5 {r.ours[:5]}; "
                       f"judged but not in the top {K}: {missed}")
        return "\n".join(out)


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory) -> Evaluation:
    settings = Settings.load(tmp_path_factory.mktemp("quality") / "instance")
    db = open_database(settings)
    try:
        report = import_paths(db, [ROOT / "kb"])
        assert not report.errors, report.errors
        index = SearchIndex(settings.index_dir)
        index.rebuild(db)
        searcher = Searcher(index)
        judged = load_judgements()
        with fts5_peer.FTS5Peer.from_database(db) as peer:
            rows = []
            for j in judged:
                result = searcher.search(SearchRequest(q=j.q, per_page=K))
                rows.append(Row(judged=j, ours=[h.id for h in result.hits],
                                peer=[entry_id for entry_id, _ in peer.search(j.q, limit=K)],
                                matches=result.total,
                                found=len(set(searcher.ids(SearchRequest(q=j.q))) & set(j.relevant))))
        searcher.close()
    finally:
        db.dispose()
    return Evaluation(rows)


def test_report(evaluation, capsys):
    """Prints the side-by-side table (shown without -s too)."""
    with capsys.disabled():
        print(evaluation.table())


def test_overall_ndcg_target(evaluation):
    overall = evaluation.mean("ndcg_ours")
    assert overall >= TARGET_OVERALL, (
        f"nDCG@10 overall {overall:.3f} < {TARGET_OVERALL}\n{evaluation.failing()}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_ndcg_target(evaluation, lang):
    value = evaluation.mean("ndcg_ours", lang)
    assert value >= TARGET_LANGUAGE, (
        f"nDCG@10 for {lang} queries {value:.3f} < {TARGET_LANGUAGE}\n{evaluation.failing(lang)}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_clearly_above_fts5(evaluation, lang):
    ours, peer = evaluation.mean("ndcg_ours", lang), evaluation.mean("ndcg_peer", lang)
    assert ours >= peer + PEER_MARGIN, (
        f"{lang}: migration-kb nDCG@10 {ours:.3f} is not clearly above FTS5 {peer:.3f} (margin {PEER_MARGIN})")
