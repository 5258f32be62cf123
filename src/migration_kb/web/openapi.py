"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from ..search.schema import FACETS


def _filters() -> list[dict]:
    params = [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 5000},
               "description": "Free text: words, \"phrases\", AND/OR/NOT, prefix*. Any input is searched."}]
    for facet in FACETS:
        params.append({"name": facet, "in": "query", "style": "form", "explode": True,
                       "schema": {"type": "array", "items": {"type": "string"}},
                       "description": f"Filter by {facet} id (repeat for OR); unknown values answer 400."})
    params += [
        {"name": "year_from", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 2100}},
        {"name": "year_to", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 2100}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["relevance", "newest", "title"]}},
    ]
    return params


ERROR = {"type": "object", "required": ["error"],
         "properties": {"error": {"type": "string"},
                        "errors": {"type": "array", "items": {
                            "type": "object", "properties": {"field": {"type": "string"},
                                                             "message": {"type": "string"}}}}}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
STRINGS = {"type": "array", "items": {"type": "string"}}
NULLABLE_INT = {"type": ["integer", "null"]}
HIT = {"type": "object", "required": ["id", "title", "summary", "themes", "blocs", "countries", "year_start",
                                      "score", "highlights"],
       "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
                      "themes": STRINGS, "blocs": STRINGS, "countries": STRINGS, "topics": STRINGS,
                      "language": {"type": "string"}, "year_start": NULLABLE_INT, "year_end": NULLABLE_INT,
                      "score": {"type": ["number", "null"]}, "highlights": {"type": "string"}}}
SEARCH = {"type": "object", "required": ["query", "total", "page", "per_page", "results", "facets", "suggestion"],
          "properties": {"query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                         "per_page": {"type": "integer"}, "results": {"type": "array", "items": HIT},
                         "facets": {"type": "object", "properties": {f: COUNTS for f in FACETS}},
                         "suggestion": {"type": ["string", "null"]}}}
FINDING = {"type": "object", "required": ["kind", "text"],
           "properties": {"id": {"type": "string"}, "kind": {"type": "string",
                                                             "enum": ["strength", "difficulty", "lesson",
                                                                      "recommendation"]},
                          "text": {"type": "string"}, "topics": STRINGS}}
ENTRY_IN = {
    "type": "object", "required": ["title", "summary", "language", "themes", "countries"],
    "description": "The front-matter fields of an entry file (see the entry format) plus `body` (Markdown); "
                   "`version` (optional) is the version you edited, for conflict detection.",
    "properties": {"id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80},
                   "title": {"type": "string"}, "summary": {"type": "string", "maxLength": 600},
                   "language": {"type": "string", "enum": ["en", "es", "pt", "fr"]},
                   "themes": STRINGS, "topics": STRINGS, "blocs": STRINGS, "countries": STRINGS,
                   "instrument": {"type": ["string", "null"]}, "target_groups": STRINGS,
                   "year_start": NULLABLE_INT, "year_end": NULLABLE_INT, "status": {"type": ["string", "null"]},
                   "panel": {"type": ["string", "null"]},
                   "contributor": {"type": ["object", "null"]},
                   "sources": {"type": "array", "items": {"type": "object"}},
                   "findings": {"type": "array", "items": FINDING}, "body": {"type": "string"},
                   "version": {"type": "integer"}}}
ENTRY_OUT = {"type": "object", "required": ["id", "title", "findings", "state", "version"],
             "properties": {**ENTRY_IN["properties"], "findings": {"type": "array", "items": FINDING},
                            "state": {"type": "string"}, "version": {"type": "integer"},
                            "updated_at": {"type": "string"}, "created_at": {"type": "string"}}}


def _errors(*codes: int) -> dict:
    text = {400: "Bad parameter or body", 401: "No or invalid API token", 403: "Role may not do this",
            404: "No such entry", 409: "Conflict (the entry exists, or changed since your version)",
            422: "Invalid entry: every field error", 503: "Database unavailable"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(max_per_page: int) -> dict:
    entry_id = {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "string"}}
    secured = [{"bearer": []}]
    body = {"required": True, "content": {"application/json": {"schema": ENTRY_IN}}}
    saved = {"type": "object", "required": ["id", "version"],
             "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                            "state": {"type": "string"}, "outcome": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "migration-kb API", "version": "1",
                 "description": "Search and maintain case entries of migration-cooperation practices. "
                                f"per_page is at most {max_per_page}."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from 'migration-kb users token NAME'."}},
            "schemas": {"Error": ERROR, "SearchResult": SEARCH, "Entry": ENTRY_OUT, "EntryInput": ENTRY_IN},
        },
        "paths": {
            "/search": {"get": {"summary": "Search published entries, with facet counts",
                                "parameters": _filters(),
                                "responses": {"200": _json({"$ref": "#/components/schemas/SearchResult"}),
                                              **_errors(400, 503)}}},
            "/findings": {"get": {
                "summary": "Findings of the entries matching the filters",
                "parameters": [*_filters(), {"name": "kind", "in": "query", "style": "form", "explode": True,
                                             "schema": {"type": "array", "items": FINDING["properties"]["kind"]}}],
                "responses": {"200": _json({"type": "object", "required": ["total", "results"],
                                            "properties": {"total": {"type": "integer"},
                                                           "page": {"type": "integer"},
                                                           "per_page": {"type": "integer"},
                                                           "results": {"type": "array", "items": FINDING},
                                                           "facets": {"type": "object"}}}),
                              **_errors(400, 503)}}},
            "/entries": {"post": {"summary": "Create an entry (starts as a draft)", "security": secured,
                                  "requestBody": body,
                                  "responses": {"201": _json(saved, "Created"),
                                                **_errors(400, 401, 403, 409, 422, 503)}}},
            "/entries/{entry_id}": {
                "parameters": [entry_id],
                "get": {"summary": "One entry with its findings",
                        "responses": {"200": _json({"$ref": "#/components/schemas/Entry"}), **_errors(404, 503)}},
                "put": {"summary": "Replace an entry's fields", "security": secured, "requestBody": body,
                        "responses": {"200": _json(saved), **_errors(400, 401, 403, 404, 409, 422, 503)}},
                "delete": {"summary": "Delete an entry", "security": secured,
                           "parameters": [{"name": "version", "in": "query", "schema": {"type": "integer"}}],
                           "responses": {"204": {"description": "Deleted"},
                                         **_errors(400, 401, 403, 404, 409, 503)}},
            },
            "/entries/{entry_id}/publish": {"post": {
                "summary": "Publish (an admin, or an expert other than the author)", "security": secured,
                "parameters": [entry_id],
                "responses": {"200": _json(saved), **_errors(401, 403, 404, 422, 503)}}},
            "/taxonomy": {"get": {"summary": "The vocabularies with labels in en/es/pt/fr",
                                  "responses": {"200": _json({"type": "object"})}}},
            "/health": {"get": {"summary": "Liveness, published entry count",
                                "responses": {"200": _json({"type": "object"}), **_errors(503)}}},
            **drafts_paths(secured),
        },
    }


DRAFT = {"type": "object", "required": ["id", "title", "version"],
         "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                        "event_id": {"type": ["string", "null"]}, "grouping": {"type": "string",
                                                                             "enum": ["theme", "bloc"]},
                        "version": {"type": "integer"}, "updated_at": {"type": "string"},
                        "findings": {"type": "integer", "description": "how many findings it cites"},
                        "url": {"type": "string", "description": "the draft's page"}}}
EXPORT_TYPES = {"md": "text/markdown", "html": "text/html",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def drafts_paths(secured: list) -> dict:
    """Rapporteurs' drafts: private to their owner and the colleagues it is shared with (others get 404)."""
    draft_id = {"name": "draft_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ids = {"type": "object", "required": ["finding_ids"],
           "properties": {"finding_ids": {"type": "array", "maxItems": 500, "items": {
               "type": "string", "description": "'<entry id>:<position>', as GET /findings gives them"}}}}
    return {
        "/drafts": {
            "get": {"summary": "Your drafts and those shared with you", "security": secured,
                    "responses": {"200": _json({"type": "object", "properties": {
                        "drafts": {"type": "array", "items": DRAFT}}}), **_errors(401, 403, 503)}},
            "post": {"summary": "Create a draft of conclusions (a rapporteur's token)", "security": secured,
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["title"],
                         "properties": {"title": {"type": "string", "maxLength": 300},
                                        "event_id": {"type": ["string", "null"]}}}}}},
                     "responses": {"201": _json(DRAFT, "Created"), **_errors(400, 401, 403, 422, 503)}}},
        "/drafts/{draft_id}": {"get": {
            "summary": "A draft: sections, cited findings (changed ones marked), sources, evidence gaps",
            "security": secured, "parameters": [draft_id],
            "responses": {"200": _json(DRAFT), **_errors(401, 403, 404, 503)}}},
        "/drafts/{draft_id}/findings": {"post": {
            "summary": "Cite findings in the draft; all or nothing (422 names every bad id)",
            "security": secured, "parameters": [draft_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ids}}},
            "responses": {"200": _json({"type": "object", "properties": {
                "added": STRINGS, "already": STRINGS, "findings": {"type": "integer"}}}),
                **_errors(400, 401, 403, 404, 422, 503)}}},
        "/drafts/{draft_id}/export": {"get": {
            "summary": "Download the draft, every finding cited to its entry, with a source list",
            "security": secured,
            "parameters": [draft_id, {"name": "format", "in": "query",
                                      "schema": {"type": "string", "enum": list(EXPORT_TYPES), "default": "html"}}],
            "responses": {"200": {"description": "The document",
                                  "content": {t: {"schema": {"type": "string"}} for t in EXPORT_TYPES.values()}},
                          **_errors(400, 401, 403, 404, 503)}}},
    }
