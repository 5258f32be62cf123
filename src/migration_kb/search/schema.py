"""The index's fields and analyzers, and how a stored entry becomes an index document.

Each entry is written in one language. Its text is analysed with that language's analyzer (accent and case
folding, stop words, Snowball stemmer) before indexing, and the index stores the resulting stems in four
language-neutral fields (title, summary, findings, body). A query word is stemmed the four ways and looks
for any of its stems. One field per part keeps term statistics shared by all languages (a word common in
French entries is not rare because few entries are French) and keeps queries small.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache

from sqlalchemy import select
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    SpaceSeparatedTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from ..db import Database
from ..models import EntryRow
from ..records import Entry
from ..store import published_entries
from ..taxonomy import fold

SCHEMA_VERSION = 4  # bump when fields or analysis change: the index is then rebuilt on start

TEXT_PARTS = ("title", "summary", "findings", "body")
# Title above summary above findings above body.
PART_BOOSTS = {"title": 4.0, "summary": 2.5, "findings": 1.5, "body": 1.0}
# Facet fields: the API's filter names. Values are stored as given (ids, codes).
FACETS = ("theme", "topic", "bloc", "country", "instrument", "target_group", "language")
EXTRA_KEYWORDS = ("status", "panel", "finding_kind", "year_start", "year_end")
BATCH = 1000  # entries read from the database at a time
TOKEN = r"\w+(?:['’]\w+)*"


@cache
def stopwords(lang: str) -> frozenset[str]:
    return frozenset(fold(w) for w in stopwords_for_language(lang))


@cache
def analyzer(lang: str):
    """The analysis as a Whoosh analyzer: what `stems` does (faster), kept as its definition and test."""
    return (RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=stopwords(lang), minsize=1) | StemFilter(lang=lang, cachesize=None))


WORD = re.compile(TOKEN)  # the one definition of a word: indexing, queries, snippets, vocabularies, suggestions
# Per language, the words whose analysis is remembered. A rebuild meets millions of words from a small
# vocabulary; a server (queries, snippets, the entries it indexes) keeps at most this many, ~4 MB a language.
KNOWN_WORDS = 20_000


@cache
def _known(lang: str) -> dict[str, str]:
    return {}


def stem_of(word: str, lang: str) -> str:
    """One word as the index holds it in that language ('' for a stop word); see `stems`."""
    known = _known(lang)
    stem = known.get(word)
    if stem is None:
        stem = _analyse(word, lang)
        if len(known) >= KNOWN_WORDS:
            known.clear()
        known[word] = stem
    return stem


def stems(text: str, lang: str) -> str:
    """The text as the index holds it: its stems in that language, in order, space-separated.

    The same as `analyzer(lang)`, word by word, with each distinct word analysed once: Whoosh's filter
    chain costs several microseconds a word, and a rebuild analyses millions of words.
    """
    known = _known(lang)
    out = []
    for word in WORD.findall(text):
        stem = known.get(word)  # stem_of, inlined: this runs for every word of every entry
        if stem is None:
            stem = stem_of(word, lang)
        if stem:
            out.append(stem)
    return " ".join(out)


def _analyse(word: str, lang: str) -> str:
    """One word through the analyzer's filters: lowercase, fold accents, drop a stop word, stem."""
    folded = word.lower().translate(accent_map)
    return "" if folded in stopwords(lang) else _stemmer(lang)(folded)


@cache
def _stemmer(lang: str):
    return stemmer_for_language(lang)


@cache
def plain_analyzer():
    """Words as typed, folded: the vocabulary for 'did you mean' (the spell field)."""
    return RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map)


_FOLDED: dict[str, str] = {}  # word -> lowercased and accent-folded


def folded_words(text: str) -> list[str]:
    """What `plain_analyzer` makes of the text, each distinct word folded once (a rebuild's spell field)."""
    out = []
    for word in WORD.findall(text):
        folded = _FOLDED.get(word)
        if folded is None:
            if len(_FOLDED) >= KNOWN_WORDS:
                _FOLDED.clear()
            folded = _FOLDED[word] = word.lower().translate(accent_map)
        out.append(folded)
    return out


def build_schema() -> Schema:
    fields = {
        # Columns as well as stored: the start-up check reads every id and version from small columns
        # instead of unpickling every stored document.
        "id": ID(stored=True, unique=True, sortable=True),
        "version": NUMERIC(stored=True, sortable=True),
        "display": STORED(),  # JSON: what a result line and its snippet need, without the database
        "title_sort": ID(sortable=True),
        "start_sort": ID(sortable=True),  # zero-padded start year, for 'newest'
        "spell": TEXT(analyzer=plain_analyzer(), phrase=False),
    }
    for part in TEXT_PARTS:  # already stemmed by the entry's language (see document())
        fields[part] = TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True)
    for name in (*FACETS, *EXTRA_KEYWORDS):
        fields[name] = KEYWORD(commas=True, scorable=True)
    return Schema(**fields)


LEAD = 3  # the first tag of a list counts this many times: authors list what a practice is mainly about first


def _leading(tags) -> str:
    """Tags for a facet field, the first one repeated (a higher term frequency for a concept query)."""
    tags = list(tags)
    return ",".join(tags[:1] * LEAD + tags[1:])


def document(entry: Entry, version: int, updated: float) -> dict:
    """The index document of a published entry."""
    lang = entry.language
    findings_text = "\n".join(f.text for f in entry.findings)
    doc = {
        "id": entry.id,
        "version": version,
        "title": stems(entry.title, lang),
        "summary": stems(entry.summary, lang),
        "findings": stems(findings_text, lang),
        "body": stems(entry.body, lang),
        "spell": " ".join((entry.title, entry.summary, findings_text)),
        "title_sort": fold(entry.title)[:200],
        "start_sort": f"{entry.year_start or 0:04d}",
        "theme": _leading(entry.themes),
        "topic": _leading([*entry.topics, *sorted({t for f in entry.findings for t in f.topics} - set(entry.topics))]),
        "bloc": ",".join(entry.blocs),
        "country": ",".join(entry.countries),
        "instrument": entry.instrument or "",
        "target_group": _leading(entry.target_groups),
        "language": lang,
        "status": entry.status or "",
        "panel": entry.panel or "",
        "finding_kind": ",".join(sorted({f.kind for f in entry.findings})),
        "year_start": str(entry.year_start) if entry.year_start else "",
        "year_end": str(entry.year_end) if entry.year_end else "",
        "display": json.dumps({
            "title": entry.title, "summary": entry.summary, "language": lang, "themes": list(entry.themes),
            "blocs": list(entry.blocs), "countries": list(entry.countries), "topics": list(entry.topics),
            "target_groups": list(entry.target_groups),
            "year_start": entry.year_start, "year_end": entry.year_end, "updated": updated,
            "findings": [f.text for f in entry.findings][:12],
            "body": entry.body[:4000],
        }, ensure_ascii=False),
    }
    return {k: v for k, v in doc.items() if v != ""}


def published_documents(db: Database, ids: list[str] | None = None) -> Iterator[list[dict]]:
    """Index documents of published entries, in batches (all of them when ids is None)."""
    if ids is None:
        ids = published_ids(db)
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        with db.session() as s:
            found = published_entries(s, ids[start:start + BATCH])
        yield [document(entry, version, updated.timestamp()) for entry, version, updated in found]


def published_ids(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(EntryRow.id).where(EntryRow.state == "published").order_by(EntryRow.id)))
