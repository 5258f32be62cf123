"""'Did you mean': a query's unknown words replaced by the closest known words."""

from __future__ import annotations

import re
from functools import cache

from whoosh.reading import TermNotFound
from whoosh.support.levenshtein import distance

from ..config import LANGUAGES
from ..taxonomy import fold
from ..taxonomy import load as load_taxonomy
from .querybuild import OPERATORS, clean, word_stems
from .schema import TEXT_PARTS, WORD

MARKUP = re.compile(r"[<>{}\[\]=/\\|&;@#$%^~]")  # code or markup: not a misspelt phrase


def suggest(searcher, q: str) -> str | None:
    """'did you mean': the query with each unknown word replaced by the closest known word.

    Known words are those of the indexed text (the spell field), of the vocabularies (labels and synonyms
    in the four languages) and the names of the world's countries and territories (Babel's, in the four
    languages). Words are cut as the index cuts them (schema.WORD: "d'asile" is one word). Prefix searches
    (word*), operators and words with digits are left alone. No suggestion for markup or code, and none when
    some unknown word has no close known word: half a correction ("xylophone quant") is no better query.
    """
    q = clean(q)
    if MARKUP.search(q):
        return None
    words = [m.group() for m in WORD.finditer(q)
             if _spelled(m.group()) and q[m.end():m.end() + 1] != "*" and m.group() not in OPERATORS]
    if not words or len(words) > 12:
        return None
    reader = searcher.reader()
    known = vocabulary_words()
    out, changed = q, False
    for word in words:
        token = fold(word)
        if token in known or _published(reader, token) or token in country_words():
            continue
        better = _closest(reader, known, token)
        if not better:
            if _indexed(reader, word):  # found as written, by its stem
                continue
            return None
        out = re.sub(rf"\b{re.escape(word)}\b", better, out, count=1)
        changed = True
    return out if changed else None


def _indexed(reader, word: str) -> bool:
    """Whether an entry's text holds one of the word's stems ("l'intégration" as "l'integr")."""
    return any(_published(reader, stem, part) for stem in word_stems(word) for part in TEXT_PARTS)


def _closest(reader, known: frozenset[str], token: str) -> str | None:
    for maxdist in (1, 2):
        candidates = {w for w in reader.terms_within("spell", token, maxdist, prefix=1) if _published(reader, w)}
        candidates |= {w for w in known if w[:1] == token[:1] and abs(len(w) - len(token)) <= maxdist
                       and distance(w, token, limit=maxdist) <= maxdist}
        if candidates:
            return max(sorted(candidates), key=lambda w: (w in known, reader.frequency("spell", w)))
    return None


def _published(reader, word: str, field: str = "spell") -> bool:
    """Whether a published entry holds the word now: Whoosh keeps the words of a deleted or replaced document
    (archived, edited) in its term lists until segments merge; its postings skip deleted documents."""
    try:
        return reader.postings(field, word).is_active()
    except TermNotFound:
        return False


@cache
def vocabulary_words() -> frozenset[str]:
    """Every word of every label and synonym, folded: typos of these get corrected too."""
    tax = load_taxonomy()
    words = set()
    for vocabulary in ("theme", "topic", "target_group", "instrument", "bloc"):
        for term in tax.terms(vocabulary).values():
            for phrase in (*term.labels.values(), *(w for ws in term.synonyms.values() for w in ws)):
                words.update(fold(w) for w in WORD.findall(phrase) if _spelled(w))
    for country in tax.countries.values():
        for name in country.names.values():
            words.update(fold(w) for w in WORD.findall(name) if _spelled(w))
    return frozenset(words)


@cache
def country_words() -> frozenset[str]:
    """Every word of every country's and territory's name in the four languages, folded (asked only for
    a word neither the index nor the vocabularies know: Babel's locale data is loaded then, ~1.6 MB each)."""
    from babel import Locale

    return frozenset(fold(w) for lang in LANGUAGES for name in Locale(lang).territories.values()
                     for w in WORD.findall(name) if _spelled(w))


def _spelled(word: str) -> bool:
    """Words worth correcting: three characters or more, and no digits (years, codes, numbers)."""
    return len(word) >= 3 and not any(c.isdigit() or c == "_" for c in word)
