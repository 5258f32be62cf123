"""The OpenAPI schemas of entries and search parameters, built from what validation itself reads: records'
field lists and limits, the finding kinds, languages, statuses and years, the search request's bounds and
sorts, and the vocabularies' ids. A test (tests/test_openapi.py) holds the document and the validators
together: each bound, enum and field here is probed against `validate_entry` and the search API.
"""

from __future__ import annotations

from ..config import LANGUAGES
from ..records import (
    DATE_RE,
    FINDING_KINDS,
    ID_RE,
    MAX_BODY,
    MAX_EMAIL,
    MAX_FINDING,
    MAX_ID,
    MAX_NAME,
    MAX_ORGANIZATION,
    MAX_PUBLISHER,
    MAX_SOURCE_TITLE,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_URL,
    PANEL_RE,
    STATUSES,
    YEAR_MAX,
    YEAR_MIN,
)
from ..records.validation import EMAIL_RE
from ..search.querybuild import MAX_QUERY
from ..search.request import MAX_PAGE, MAX_PER_PAGE, MODES, SORTS
from ..search.schema import FACETS
from ..store import STATES
from ..taxonomy import Taxonomy
from .api_fields import FINDING_ID_RE

# An entry's list fields and the vocabulary each takes its ids from.
TERM_FIELDS = {"themes": "theme", "topics": "topic", "blocs": "bloc", "countries": "country",
               "target_groups": "target_group"}
STRINGS = {"type": "array", "items": {"type": "string"}}


def vocabulary_ids(tax: Taxonomy, vocabulary: str) -> list[str]:
    """The values validation accepts for a vocabulary: its ids (blocs: their aliases too)."""
    if vocabulary == "country":
        return list(tax.countries)
    if vocabulary == "language":
        return list(LANGUAGES)
    if vocabulary == "bloc":
        return list(dict.fromkeys(v for b in tax.blocs.values() for v in (b.id, *b.aliases)))
    return list(tax.terms(vocabulary))


def _text(limit: int, *, nullable: bool = False) -> dict:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": limit}


def _year() -> dict:
    return {"type": ["integer", "null"], "minimum": YEAR_MIN, "maximum": YEAR_MAX}


def _terms(tax: Taxonomy, vocabulary: str) -> dict:
    return {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": vocabulary_ids(tax, vocabulary)}}


def entry_schemas(tax: Taxonomy) -> dict[str, dict]:
    """EntryInput (what POST and PUT take), Entry (what GET gives) and Finding, for components/schemas."""
    contributor = {"type": ["object", "null"], "additionalProperties": False,
                   "properties": {"name": _text(MAX_NAME, nullable=True),
                                  "organization": _text(MAX_ORGANIZATION, nullable=True)}}
    verified = {"type": ["object", "null"], "additionalProperties": False, "required": ["date"],
                "description": "When the facts were last checked against the sources, and by whom; files may "
                               "also write the short form `verified: 2026-12-01`.",
                "properties": {"date": {"type": "string", "format": "date", "pattern": DATE_RE.pattern},
                               "by": _text(MAX_NAME, nullable=True)}}
    focal_point = {"type": ["object", "null"], "additionalProperties": False, "required": ["name"],
                   "description": "Whom to contact about the practice. `email` is write-only: no answer ever "
                                  "carries it. On PUT, leaving `email` out keeps the address on file; `null` or "
                                  "\"\" removes it.",
                   "properties": {"name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
                                  "institution": _text(MAX_ORGANIZATION, nullable=True),
                                  "role": _text(MAX_NAME, nullable=True),
                                  # (at most MAX_EMAIL characters, said in the pattern's lookahead)
                                  "email": {"type": ["string", "null"], "writeOnly": True,
                                            "pattern": f"^(?=.{{1,{MAX_EMAIL}}}$)" + EMAIL_RE.pattern[1:]}}}
    source = {"type": "object", "additionalProperties": False, "required": ["title"],
              "properties": {"title": {"type": "string", "minLength": 1, "maxLength": MAX_SOURCE_TITLE},
                             "publisher": _text(MAX_PUBLISHER, nullable=True), "year": _year(),
                             "url": {"type": ["string", "null"], "format": "uri", "maxLength": MAX_URL,
                                     "description": "an http(s) address"}}}
    finding = {"type": "object", "additionalProperties": False, "required": ["kind", "text"],
               "properties": {"id": {"type": "string", "pattern": FINDING_ID_RE.pattern, "readOnly": True,
                                     "description": "'<entry id>:<position>', as GET gives it; sent back it must "
                                                    "be one of this entry's (positions, not ids, order findings)"},
                              "kind": {"type": "string", "enum": list(FINDING_KINDS)},
                              "text": {"type": "string", "minLength": 1, "maxLength": MAX_FINDING},
                              "topics": _terms(tax, "topic")}}
    fields = {
        "id": {"type": "string", "pattern": ID_RE.pattern, "maxLength": MAX_ID,
               "description": "Needed by POST; on PUT, if sent, the id of the URL."},
        "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
        "summary": {"type": "string", "minLength": 1, "maxLength": MAX_SUMMARY},
        "language": {"type": "string", "enum": list(LANGUAGES)},
        **{name: _terms(tax, vocabulary) for name, vocabulary in TERM_FIELDS.items()},
        "instrument": {"type": ["string", "null"], "enum": [*vocabulary_ids(tax, "instrument"), None]},
        "year_start": _year(), "year_end": _year(),
        "status": {"type": ["string", "null"], "enum": [*STATUSES, None]},
        "superseded_by": {"type": ["string", "null"], "pattern": ID_RE.pattern, "maxLength": MAX_ID,
                          "description": "The id of the entry that replaced this practice (not this entry's own)."},
        "panel": {"type": ["string", "null"], "pattern": PANEL_RE.pattern,
                  "description": "'<event id>/<panel id>' of a known workshop panel"},
        "contributor": contributor,
        "verified": verified,
        "focal_point": focal_point,
        "sources": {"type": "array", "items": source,
                    "description": "A published entry keeps at least one (422 naming `sources` otherwise)."},
        "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        "body": {"type": "string", "maxLength": MAX_BODY, "description": "Markdown"},
    }
    read_only = {
        "state": {"type": "string", "enum": list(STATES), "readOnly": True,
                  "description": "Sent back, it must be the current state (it changes through review)."},
        "version": {"type": "integer",
                    "description": "The version you edited: a different one is a 409 conflict (as If-Match)."},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": True,
                       "description": "Sent back, a different one is a 409 conflict."},
    }
    entry_in = {"type": "object", "additionalProperties": False,
                "required": ["title", "summary", "language", "themes", "countries"],
                "description": "The front-matter fields of an entry file plus `body` (Markdown). What GET gives "
                               "may be sent back as it is: the read-only fields are checked, not changed.",
                "properties": {**fields, **read_only}}
    entry_out = {**entry_in, "required": ["id", *entry_in["required"], *read_only], "description": "An entry"}
    return {"Entry": entry_out, "EntryInput": entry_in, "Finding": finding}


def search_parameters(tax: Taxonomy) -> list[dict]:
    """The query-string parameters of /search and /findings, as SearchRequest.from_args checks them."""
    params = [{"name": "q", "in": "query", "schema": {"type": "string"},
               "description": f"Free text: words, \"phrases\", AND/OR/NOT, prefix*. Any input is searched; "
                              f"the first {MAX_QUERY} characters count."}]
    for facet in FACETS:
        params.append({"name": facet, "in": "query", "style": "form", "explode": True,
                       "schema": {"type": "array", "items": {"type": "string", "enum": vocabulary_ids(tax, facet)}},
                       "description": f"Filter by {facet} id (repeat for OR); unknown values answer 400."})
    year = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}
    params += [
        {"name": "year_from", "in": "query", "schema": year},
        {"name": "year_to", "in": "query", "schema": year},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS)}},
        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": list(MODES), "default": "hybrid"},
         "description": "How `q` is matched: `words` (words and vocabulary concepts), `meaning` (similarity of "
                        "meaning, any language), `hybrid` (both fused: the word matches plus the entries close "
                        "in meaning). Any other value answers 400."},
    ]
    return params
