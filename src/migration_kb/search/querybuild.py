"""What the user typed -> a Whoosh query: words as their stems in the four languages, vocabulary phrases as
concepts, and the syntax (phrases, AND/OR/NOT, prefix*, field:value) when it is well formed.

Never raises on what a user typed: a query the parser cannot read is searched as plain words.
"""

from __future__ import annotations

import re
import threading
from functools import cache

from whoosh import qparser
from whoosh.query import Every, NullQuery, Or, Query, Term

from ..config import LANGUAGES
from ..taxonomy import fold
from .schema import PART_BOOSTS, TEXT_PARTS, WORD, build_schema, stems, stopwords
from .vocabulary import Concept, matcher

MAX_QUERY = 500  # characters searched; a longer paste is cut, not refused
CONCEPT_BOOST = 15  # a vocabulary term found in the query also matches entries tagged with it
# ... and, at this weight, entries whose text says it (a label or synonym, in the entry's language) without
# the tag: "remesas" in a Spanish practice for "remittances". Recall of the judged entries in the match set
# 0.935 -> 0.962 (docs/search.md); at 1 instead of 0.3 the same recall with a lower nDCG@10 (0.888).
CONCEPT_WORDS_BOOST = 0.3
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
TOKENS = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SYNTAX = re.compile(r'["*]|\b(AND|OR|NOT)\b|\w:\S')  # brackets alone group nothing: "alert(1)" is words


@cache
def _parser() -> qparser.MultifieldParser:
    return qparser.MultifieldParser(list(TEXT_PARTS), build_schema(), fieldboosts=dict(PART_BOOSTS),
                                    group=qparser.OrGroup)


_parse_lock = threading.Lock()  # the parser object is shared; Whoosh parsers keep a little state
CONCEPT = re.compile(r"(\w+):([\w-]+)\^")  # a concept as `_concepts` writes it
FIELD_TOKEN = re.compile(r"^(theme|topic|bloc|country|instrument|target_group|language):[\w-]+$")


def clean(q: str) -> str:
    return " ".join(CONTROL.sub(" ", q or "")[:MAX_QUERY].split())


class Clauses(Or):
    """Plain words: an OR of one clause per word or vocabulary phrase (its words' stems, its concepts).

    Kept apart (Whoosh's parser flattens nested ORs) so that the scorer can ask that most clauses match.
    `parts`: each clause's (query of each of its words, its vocabulary concepts or None, the concepts'
    wordings: see `_wordings`). A phrase's concept stands for the phrase and matches across languages; its
    words are another way to find it, all together; so is an entry's text saying a wording of the concept."""

    def __init__(self, parts: list[tuple[list[Query], Query | None, tuple[tuple[Query, ...], ...]]]):
        super().__init__([Or([q for q in (c, *w, *(s for t in ts for s in t)) if q is not None])
                          for w, c, ts in parts])
        self.parts = parts


def required(clauses: int) -> int:
    """How many of a query's clauses an entry must match: all of two, two of three, three of four or five..."""
    return clauses if clauses <= 2 else -(-2 * clauses // 3)


def word_stems(word: str) -> list[str]:
    """The word's stems in the four languages; none when it is a stop word in any of them, or a stray
    number of one or two digits (the "1" of "alert(1)")."""
    folded = fold(word)
    if any(folded in stopwords(lang) for lang in LANGUAGES) or (folded.isdigit() and len(folded) <= 2):
        return []
    return list(dict.fromkeys(stems(word, lang) for lang in LANGUAGES if stems(word, lang)))


def _alternatives(items: list[str]) -> str:
    items = list(dict.fromkeys(i for i in items if i))
    if not items:
        return ""
    return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"


def _phrase(text: str) -> str:
    """A quoted phrase, as its stems in each language (each a phrase of its own)."""
    variants = []
    for lang in LANGUAGES:
        analysed = stems(text, lang)
        if analysed:
            variants.append(f'"{analysed}"' if " " in analysed else analysed)
    return _alternatives(variants)


def _words(words: list[str]) -> list[str]:
    """Plain words -> query parts; taxonomy phrases also match entries tagged with their term."""
    return [_alternatives([_alternatives(c), *map(_alternatives, ws)]) for ws, c in _clauses(words)]


def _clauses(words: list[str]) -> list[tuple[list[list[str]], list[str]]]:
    """Plain words -> for each word or vocabulary phrase: (each of its words' alternatives, the phrase's
    concepts). An alternative is a stem or a concept written `field:value^boost`."""
    parts, i = [], 0
    for m in [*matcher().find(words), None]:
        stop = m.start if m else len(words)
        parts.extend(([word_stems(w)], []) for w in words[i:stop])
        if m is None:
            break
        phrase = words[m.start:m.end]
        if len(phrase) > 1:  # each of its words, with any term it names alone (the concept stands for the phrase)
            inner = [[*word_stems(w), *(c for x in matcher().find([w]) for c in _concepts(x.concepts))]
                     for w in phrase]
        else:
            inner = [word_stems(phrase[0])]
        parts.append((inner, _concepts(m.concepts)))
        i = m.end
    return [([w for w in ws if w], c) for ws, c in parts if c or any(ws)]


def _concepts(concepts) -> list[str]:
    return [f"{c.field}:{c.value}^{CONCEPT_BOOST:g}" for c in concepts]


@cache
def _wordings(concepts: tuple[str, ...]) -> tuple[tuple[Query, ...], ...]:
    """The labels and synonyms of the concepts `_concepts` wrote, as an entry's text would hold them: each
    wording as its stems in its own language (each stem an OR over the text fields, as a word is). An entry
    says a wording when it holds all of its stems: the exact phrase, with positions, cost a search ~100 ms."""
    found: dict[tuple[str, ...], None] = {}
    for field, value in (CONCEPT.match(c).groups() for c in concepts):
        for lang, text in matcher().wordings.get(Concept(field, value), ()):
            analysed = tuple(dict.fromkeys(stems(text, lang).split()))
            if analysed:
                found[analysed] = None
    return tuple(tuple(_stem_query(stem) for stem in wording) for wording in found)


@cache
def _stem_query(stem: str) -> Query:
    return Or([Term(part, stem, boost=boost) for part, boost in PART_BOOSTS.items()])


def _drop_dangling(parts: list[str]) -> list[str]:
    """Operators left without an operand (a stop word removed next to them, a typo) are dropped."""
    out: list[str] = []
    for i, part in enumerate(parts):
        after = parts[i + 1] if i + 1 < len(parts) else None
        if part in ("AND", "OR") and (not out or out[-1] in (*OPERATORS, "(") or after in (None, ")", "AND", "OR")):
            continue
        if part == "NOT" and after in (None, ")", "AND", "OR", "NOT"):
            continue
        out.append(part)
    return out


def _parse(text: str) -> Query | None:
    try:
        with _parse_lock:
            parsed = _parser().parse(text)
    except Exception:
        return None
    return None if parsed is None or parsed is NullQuery else parsed


def _any(alternatives: list[str]) -> Query | None:
    """A word's or a phrase's alternatives as one query: what Whoosh's parser makes of `_alternatives`
    (tests/test_querybuild.py compares them), without its ~2 ms a clause."""
    queries = [_alternative(a) for a in dict.fromkeys(alternatives)]
    return None if not queries else queries[0] if len(queries) == 1 else Or(queries)


@cache
def _alternative(text: str) -> Query:
    concept = CONCEPT.match(text)
    return Term(*concept.groups(), boost=CONCEPT_BOOST) if concept else _stem_query(text)


def _plain(q: str) -> Query:
    """Plain words: one clause per word or vocabulary phrase."""
    words = [w for token in TOKENS.findall(q) for w in WORD.findall(token) if w not in OPERATORS]
    clauses = [([q for q in map(_any, ws) if q is not None], _any(c), _wordings(tuple(c)) if c else ())
               for ws, c in _clauses(words)]
    clauses = [(ws, c, t) for ws, c, t in clauses if ws or c]
    if not clauses:
        return NullQuery
    return Clauses(clauses)


def _rewrite(q: str) -> str:
    """A well-formed query with syntax -> the text for Whoosh's parser, its words as stems and concepts."""
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        parts.extend(_words(run))
        run.clear()

    for token in TOKENS.findall(q):
        if token in OPERATORS or token in "()":
            flush()
            parts.append(token)
        elif token.startswith('"'):
            flush()
            parts.append(_phrase(token.strip('"')))
        elif FIELD_TOKEN.match(token):
            flush()
            parts.append(token)
        elif token.endswith("*") and len(WORD.findall(token[:-1])) == 1:
            flush()
            stem = fold(token[:-1]).strip("'’")
            parts.append(f"{stem}*" if len(stem) >= 2 else "")
        else:
            run.extend(WORD.findall(token))
    flush()
    return " ".join(_drop_dangling([p for p in parts if p]))


def build_query(q: str) -> Query:
    """The Whoosh query for what the user typed; Every() when nothing was typed."""
    q = clean(q)
    if not q:
        return Every()
    if SYNTAX.search(q) and _well_formed(q):
        text = _rewrite(q)
        if not text:
            return NullQuery
        parsed = _parse(text)
        if parsed is not None:
            return parsed
    return _plain(q)


def has_syntax(q: str) -> bool:
    """Whether the query is read with its syntax (phrases, AND/OR/NOT, prefix*, field:value)."""
    q = clean(q)
    return bool(SYNTAX.search(q)) and _well_formed(q)


def _well_formed(q: str) -> bool:
    """Balanced quotes and brackets, and no operator left dangling: else it is read as plain words."""
    if q.count('"') % 2 or q.count("(") != q.count(")"):
        return False
    depth = 0
    for ch in q:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    tokens = q.split()
    return not (tokens[0] in OPERATORS - {"NOT"} or tokens[-1] in OPERATORS)



def query_terms(query: Query) -> set[str]:
    """The stems the query looks for in the text fields (to mark them in snippets)."""
    try:
        terms = query.iter_all_terms(phrases=True)
    except TypeError:
        terms = query.iter_all_terms()
    return {t.decode() if isinstance(t, bytes) else t for f, t in terms if f in TEXT_PARTS}
