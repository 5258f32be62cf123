"""What the user typed -> a Whoosh query: words as their stems in the four languages, vocabulary phrases as
concepts, and the syntax (phrases, AND/OR/NOT, prefix*, field:value) when it is well formed.

Never raises on what a user typed: a query the parser cannot read is searched as plain words.
"""

from __future__ import annotations

import re
import threading
from functools import cache

from whoosh import qparser
from whoosh.query import Every, NullQuery, Query

from ..config import LANGUAGES
from ..taxonomy import fold
from .schema import PART_BOOSTS, TEXT_PARTS, WORD, build_schema, stems, stopwords
from .vocabulary import matcher

MAX_QUERY = 500  # characters searched; a longer paste is cut, not refused
CONCEPT_BOOST = 15  # a vocabulary term found in the query also matches entries tagged with it
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
TOKENS = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SYNTAX = re.compile(r'["()*]|\b(AND|OR|NOT)\b|\w:\S')


@cache
def _parser() -> qparser.MultifieldParser:
    return qparser.MultifieldParser(list(TEXT_PARTS), build_schema(), fieldboosts=dict(PART_BOOSTS),
                                    group=qparser.OrGroup)


_parse_lock = threading.Lock()  # the parser object is shared; Whoosh parsers keep a little state
FIELD_TOKEN = re.compile(r"^(theme|topic|bloc|country|instrument|target_group|language):[\w-]+$")


def clean(q: str) -> str:
    return " ".join(CONTROL.sub(" ", q or "")[:MAX_QUERY].split())


def word_stems(word: str) -> list[str]:
    """The word's stems in the four languages; none when it is a stop word in any of them."""
    folded = fold(word)
    if any(folded in stopwords(lang) for lang in LANGUAGES):
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
    parts, i = [], 0
    for m in [*matcher().find(words), None]:
        stop = m.start if m else len(words)
        parts.extend(_alternatives(word_stems(w)) for w in words[i:stop])
        if m is None:
            break
        phrase = words[m.start:m.end]
        options = [_concepts(m.concepts)]
        if len(phrase) > 1:  # each of its words, with any term it names alone (the concept stands for the phrase)
            for w in phrase:
                inner = matcher().find([w])
                options.append(_alternatives([*word_stems(w), *(_concepts(x.concepts) for x in inner)]))
        else:
            options.extend(word_stems(phrase[0]))
        parts.append(_alternatives(options))
        i = m.end
    return [p for p in parts if p]


def _concepts(concepts) -> str:
    return _alternatives([f"{c.field}:{c.value}^{CONCEPT_BOOST:g}" for c in concepts])


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


def _rewrite(q: str, structured: bool) -> str:
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        parts.extend(_words(run))
        run.clear()

    for token in TOKENS.findall(q):
        if structured and (token in OPERATORS or token in "()"):
            flush()
            parts.append(token)
        elif structured and token.startswith('"'):
            flush()
            parts.append(_phrase(token.strip('"')))
        elif structured and FIELD_TOKEN.match(token):
            flush()
            parts.append(token)
        elif structured and token.endswith("*") and len(WORD.findall(token[:-1])) == 1:
            flush()
            stem = fold(token[:-1]).strip("'’")
            parts.append(f"{stem}*" if len(stem) >= 2 else "")
        else:
            run.extend(w for w in WORD.findall(token) if not (w in OPERATORS and not structured))
    flush()
    return " ".join(_drop_dangling([p for p in parts if p]))


def build_query(q: str) -> Query:
    """The Whoosh query for what the user typed; Every() when nothing was typed."""
    q = clean(q)
    if not q:
        return Every()
    structured = bool(SYNTAX.search(q)) and _well_formed(q)
    for attempt in ((True, False) if structured else (False,)):
        text = _rewrite(q, attempt)
        if not text:
            return NullQuery
        try:
            with _parse_lock:
                parsed = _parser().parse(text)
        except Exception:
            continue
        if parsed is not None and parsed is not NullQuery:
            return parsed
    return NullQuery


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
