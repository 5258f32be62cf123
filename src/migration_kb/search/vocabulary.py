"""Cross-language recall: find taxonomy labels and synonyms (any of the four languages) in a query.

'trata de personas' in a query also matches entries tagged `trafficking`, whatever their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..taxonomy import Taxonomy, fold
from ..taxonomy import load as load_taxonomy
from .schema import WORD

MAX_PHRASE = 8


def normalise(word: str) -> str:
    """Fold case and accents, and drop a plural 's' so 'workers' and 'worker' meet."""
    w = fold(word)
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def phrase_key(text: str) -> tuple[str, ...]:
    return tuple(normalise(w) for w in WORD.findall(text))


@dataclass(frozen=True)
class Concept:
    field: str  # index field: topic, theme, target_group, instrument, bloc, country
    value: str


@dataclass(frozen=True)
class Match:
    start: int  # index of the first word of the run
    end: int  # one past the last word
    concepts: tuple[Concept, ...]


class VocabularyMatcher:
    def __init__(self, taxonomy: Taxonomy):
        table: dict[tuple[str, ...], set[Concept]] = {}
        # Each concept's labels and synonyms by language (not countries': their names in passing are no
        # sign of what a practice is about): a concept found in a query also matches entries whose text
        # says it in their own language without the tag ("remesas" in a Spanish body for "remittances").
        self.wordings: dict[Concept, tuple[tuple[str, str], ...]] = {}

        def add(phrase: str, concept: Concept) -> None:
            key = phrase_key(phrase)
            if key and not (len(key) == 1 and len(key[0]) < 3):
                table.setdefault(key, set()).add(concept)

        for vocabulary in ("theme", "topic", "target_group", "instrument", "bloc"):
            for term in taxonomy.terms(vocabulary).values():
                concept = Concept(vocabulary, term.id)
                for label in term.labels.values():
                    add(label, concept)
                for words in term.synonyms.values():
                    for w in words:
                        add(w, concept)
                self.wordings[concept] = tuple(dict.fromkeys(
                    (lang, text) for lang in term.labels
                    for text in (term.labels[lang], *term.synonyms.get(lang, ())) if text))
                add(term.id.replace("-", " "), concept)
                for alias in getattr(term, "aliases", ()):
                    add(alias, concept)
        for country in taxonomy.countries.values():
            for name in country.names.values():
                add(name, Concept("country", country.code))
        self.table = {k: tuple(sorted(v, key=lambda c: (c.field, c.value))) for k, v in table.items()}

    def find(self, words: list[str]) -> list[Match]:
        """Longest vocabulary phrases in a run of words, left to right, not overlapping."""
        keys = [normalise(w) for w in words]
        out, i = [], 0
        while i < len(keys):
            for n in range(min(MAX_PHRASE, len(keys) - i), 0, -1):
                concepts = self.table.get(tuple(keys[i:i + n]))
                if concepts:
                    out.append(Match(i, i + n, concepts))
                    i += n
                    break
            else:
                i += 1
        return out


@cache
def matcher() -> VocabularyMatcher:
    return VocabularyMatcher(load_taxonomy())
