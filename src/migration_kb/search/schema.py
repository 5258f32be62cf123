"""The index's fields and analyzers, and how a stored entry becomes an index document.

Each entry is written in one language; its text goes into the fields of that language (title_es,
body_es, ...), analysed with that language's stop words and stemmer after accent and case folding. A
query is run against the fields of all four languages, so each query word is stemmed four ways.
"""

from __future__ import annotations

import json
from functools import cache

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from ..config import LANGUAGES
from ..records import Entry
from ..taxonomy import fold

SCHEMA_VERSION = 1  # bump when fields or analysis change: the index is then rebuilt on start

TEXT_PARTS = ("title", "summary", "findings", "body")
# Title above summary above findings above body.
PART_BOOSTS = {"title": 4.0, "summary": 2.5, "findings": 1.5, "body": 1.0}
# Facet fields: the API's filter names. Values are stored as given (ids, codes).
FACETS = ("theme", "topic", "bloc", "country", "instrument", "target_group", "language")
EXTRA_KEYWORDS = ("status", "panel", "finding_kind", "year_start", "year_end")
TOKEN = r"\w+(?:['’]\w+)*"


@cache
def analyzer(lang: str):
    stops = frozenset(fold(w) for w in stopwords_for_language(lang))
    return (RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=stops, minsize=1) | StemFilter(lang=lang, cachesize=100_000))


@cache
def plain_analyzer():
    """Words as typed, folded: the vocabulary for 'did you mean'."""
    return RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map)


def text_field(part: str, lang: str) -> str:
    return f"{part}_{lang}"


TEXT_FIELDS = tuple(text_field(p, lang) for lang in LANGUAGES for p in TEXT_PARTS)


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "version": STORED(),
        "display": STORED(),  # JSON: what a result line and its snippet need, without the database
        "title_sort": ID(sortable=True),
        "start_sort": ID(sortable=True),  # zero-padded start year, for 'newest'
        "spell": TEXT(analyzer=plain_analyzer(), phrase=False),
    }
    for lang in LANGUAGES:
        for part in TEXT_PARTS:
            fields[text_field(part, lang)] = TEXT(analyzer=analyzer(lang), phrase=True)
    for name in (*FACETS, *EXTRA_KEYWORDS):
        fields[name] = KEYWORD(commas=True, scorable=True)
    return Schema(**fields)


def document(entry: Entry, version: int, updated: float, panel_title: str | None = None) -> dict:
    """The index document of a published entry."""
    lang = entry.language
    findings_text = "\n".join(f.text for f in entry.findings)
    doc = {
        "id": entry.id,
        "version": version,
        text_field("title", lang): entry.title,
        text_field("summary", lang): entry.summary,
        text_field("findings", lang): findings_text,
        text_field("body", lang): entry.body,
        "spell": " ".join((entry.title, entry.summary, findings_text, entry.body)),
        "title_sort": fold(entry.title)[:200],
        "start_sort": f"{entry.year_start or 0:04d}",
        "theme": ",".join(entry.themes),
        "topic": ",".join(sorted({*entry.topics, *(t for f in entry.findings for t in f.topics)})),
        "bloc": ",".join(entry.blocs),
        "country": ",".join(entry.countries),
        "instrument": entry.instrument or "",
        "target_group": ",".join(entry.target_groups),
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
