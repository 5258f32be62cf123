"""The controlled vocabularies of data/taxonomy/*.yaml: ids, labels in four languages, synonyms, blocs.

Loaded and checked once per process; everything else asks this module what an id means.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .config import LANGUAGES, resource_dir

# Vocabulary name -> file. The names are also the facet / filter names of the API.
TERM_FILES = {
    "theme": "themes.yaml",
    "topic": "topics.yaml",
    "target_group": "target_groups.yaml",
    "instrument": "instruments.yaml",
    "finding_kind": "finding_kinds.yaml",
}
MEMBER_STATUSES = ("full", "associate", "suspended", "observer")


class TaxonomyError(ValueError):
    """The vocabulary files themselves are wrong (a developer's or curator's mistake)."""


def fold(text: str) -> str:
    """Case- and accent-insensitive form used to compare words across languages."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@dataclass(frozen=True)
class Term:
    id: str
    vocabulary: str
    labels: dict[str, str]
    notes: dict[str, str]
    synonyms: dict[str, tuple[str, ...]]
    theme: str | None = None  # topics only: the theme it is shown under

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels["en"]

    def note(self, lang: str = "en") -> str:
        return self.notes.get(lang) or self.notes["en"]

    def phrases(self) -> set[str]:
        """Every label and synonym in every language, folded: what a searcher may type for this term."""
        out = {fold(v) for v in self.labels.values()}
        for words in self.synonyms.values():
            out.update(fold(w) for w in words)
        out.add(fold(self.id.replace("-", " ")))
        return {p for p in out if p}


@dataclass(frozen=True)
class Membership:
    country: str
    status: str
    since: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Bloc(Term):
    aliases: tuple[str, ...] = ()
    founded: int | None = None
    founding_instrument: str | None = None
    members: tuple[Membership, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Country:
    code: str
    names: dict[str, str]
    region: str

    def label(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]

    def phrases(self) -> set[str]:
        return {fold(n) for n in self.names.values()}


class Taxonomy:
    def __init__(self, vocabularies: dict[str, dict[str, Term]], blocs: dict[str, Bloc],
                 countries: dict[str, Country]):
        self.vocabularies = vocabularies
        self.blocs = blocs
        self.countries = countries
        self._bloc_alias = {a.upper(): b.id for b in blocs.values() for a in (b.id, *b.aliases)}

    # -- lookups -----------------------------------------------------------------------------------
    def terms(self, vocabulary: str) -> dict[str, Term]:
        if vocabulary == "bloc":
            return self.blocs  # type: ignore[return-value]
        return self.vocabularies[vocabulary]

    @property
    def themes(self) -> dict[str, Term]:
        return self.vocabularies["theme"]

    @property
    def topics(self) -> dict[str, Term]:
        return self.vocabularies["topic"]

    def canonical_bloc(self, value: str) -> str | None:
        """NAFTA for 'USMCA', 'T-MEC', 'cusma'...; None when it names no bloc."""
        return self._bloc_alias.get(value.upper())

    def blocs_of_country(self, code: str, statuses: tuple[str, ...] = ("full", "associate")) -> list[str]:
        return [b.id for b in self.blocs.values()
                if any(m.country == code and m.status in statuses for m in b.members)]

    def label(self, vocabulary: str, value: str, lang: str = "en") -> str:
        """The label of any facet value in a language; the value itself when it has none."""
        if vocabulary == "country":
            c = self.countries.get(value)
            return c.label(lang) if c else value
        if vocabulary == "language":
            return LANGUAGE_NAMES.get(value, {}).get(lang, value)
        term = self.terms(vocabulary).get(value) if vocabulary in (*TERM_FILES, "bloc") else None
        return term.label(lang) if term else value

    def suggest(self, vocabulary: str, value: str) -> str | None:
        """The closest valid id for a mistyped or translated value ('labor' -> 'labour-mobility')."""
        if vocabulary == "country":
            candidates = {c.code: c.phrases() | {fold(c.code)} for c in self.countries.values()}
        else:
            candidates = {t.id: t.phrases() | {fold(t.id)} for t in self.terms(vocabulary).values()}
            if vocabulary == "bloc":
                for b in self.blocs.values():
                    candidates[b.id] |= {fold(a) for a in b.aliases}
        wanted = fold(value).replace("_", "-")
        for term_id, phrases in candidates.items():
            if wanted in phrases or wanted.replace("-", " ") in phrases:
                return term_id
        # A prefix ('labor' of 'labour mobility') or a near spelling of the id or of any phrase.
        best, best_score = None, 0.0
        for term_id, phrases in candidates.items():
            for p in phrases:
                score = difflib.SequenceMatcher(None, wanted, p).ratio()
                if p.startswith(wanted) and len(wanted) >= 3:
                    score = max(score, 0.8)
                if score > best_score:
                    best, best_score = term_id, score
        return best if best_score >= 0.6 else None


LANGUAGE_NAMES = {
    "en": {"en": "English", "es": "inglés", "pt": "inglês", "fr": "anglais"},
    "es": {"en": "Spanish", "es": "español", "pt": "espanhol", "fr": "espagnol"},
    "pt": {"en": "Portuguese", "es": "portugués", "pt": "português", "fr": "portugais"},
    "fr": {"en": "French", "es": "francés", "pt": "francês", "fr": "français"},
}


# -- loading ---------------------------------------------------------------------------------------
def _four(mapping, where: str, what: str) -> dict:
    if not isinstance(mapping, dict):
        raise TaxonomyError(f"{where}: {what} must be a mapping of en/es/pt/fr")
    missing = [lang for lang in LANGUAGES if not mapping.get(lang)]
    if missing:
        raise TaxonomyError(f"{where}: {what} lacks {', '.join(missing)}")
    return mapping


def _term(raw: dict, vocabulary: str, where: str, cls=Term, **extra) -> Term:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise TaxonomyError(f"{where}: every term needs an id")
    where = f"{where}: {raw['id']}"
    synonyms = _four(raw.get("synonyms"), where, "synonyms")
    return cls(
        id=str(raw["id"]),
        vocabulary=vocabulary,
        labels={k: str(v) for k, v in _four(raw.get("labels"), where, "labels").items()},
        notes={k: str(v) for k, v in _four(raw.get("notes"), where, "notes").items()},
        synonyms={lang: tuple(str(s) for s in synonyms[lang]) for lang in LANGUAGES},
        theme=raw.get("theme"),
        **extra,
    )


def _read(path: Path, key: str) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise TaxonomyError(f"{path}: expected a top-level '{key}:' list")
    return data[key]


def load_from(folder: Path) -> Taxonomy:
    vocabularies: dict[str, dict[str, Term]] = {}
    for vocabulary, filename in TERM_FILES.items():
        terms: dict[str, Term] = {}
        for raw in _read(folder / filename, "terms"):
            term = _term(raw, vocabulary, filename)
            if term.id in terms:
                raise TaxonomyError(f"{filename}: {term.id} appears twice")
            terms[term.id] = term
        vocabularies[vocabulary] = terms

    countries = {}
    for raw in _read(folder / "countries.yaml", "countries"):
        code = str(raw.get("code", ""))
        if len(code) != 2 or not code.isupper():
            raise TaxonomyError(f"countries.yaml: {code!r} is not an upper-case ISO 3166-1 alpha-2 code")
        countries[code] = Country(code=code, names=_four(raw.get("names"), f"countries.yaml: {code}", "names"),
                                  region=str(raw.get("region", "other")))

    blocs = {}
    for raw in _read(folder / "blocs.yaml", "blocs"):
        members = []
        for m in raw.get("members") or []:
            if m.get("country") not in countries:
                raise TaxonomyError(f"blocs.yaml: {raw.get('id')}: member {m.get('country')!r} "
                                    "is not in countries.yaml")
            if m.get("status") not in MEMBER_STATUSES:
                raise TaxonomyError(f"blocs.yaml: {raw.get('id')}: status {m.get('status')!r} is not one of "
                                    f"{', '.join(MEMBER_STATUSES)}")
            members.append(Membership(country=m["country"], status=m["status"], since=m.get("since"),
                                      note=m.get("note")))
        bloc = _term(raw, "bloc", "blocs.yaml", cls=Bloc, aliases=tuple(raw.get("aliases") or ()),
                     founded=raw.get("founded"), founding_instrument=raw.get("founding_instrument"),
                     members=tuple(members))
        blocs[bloc.id] = bloc

    for topic in vocabularies["topic"].values():
        if topic.theme not in vocabularies["theme"]:
            raise TaxonomyError(f"topics.yaml: {topic.id}: theme {topic.theme!r} is not a theme")
    return Taxonomy(vocabularies, blocs, countries)


@functools.cache
def load() -> Taxonomy:
    """The shipped vocabularies, read once per process."""
    return load_from(resource_dir("data") / "taxonomy")
