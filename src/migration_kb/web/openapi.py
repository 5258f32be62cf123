"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from ..search.request import MAX_PER_PAGE
from ..taxonomy import Taxonomy
from ..taxonomy import load as load_taxonomy
from .openapi_schemas import entry_schemas, search_parameters

ERROR = {"type": "object", "required": ["error"],
         "description": "Every refusal. `errors` lists each field at fault: always for 422, and for other "
                        "refusals that concern one field (e.g. 409 on `version`).",
         "properties": {"error": {"type": "string"},
                        "errors": {"type": "array", "items": {
                            "type": "object", "required": ["field", "message"],
                            "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"},
                                           "id": {"type": "string"}}}}}}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
STRINGS = {"type": "array", "items": {"type": "string"}}
NULLABLE_INT = {"type": ["integer", "null"]}
HIT = {"type": "object", "required": ["id", "title", "summary", "themes", "blocs", "countries", "year_start",
                                      "score", "highlights"],
       "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
                      "themes": STRINGS, "blocs": STRINGS, "countries": STRINGS, "topics": STRINGS,
                      "language": {"type": "string"}, "year_start": NULLABLE_INT, "year_end": NULLABLE_INT,
                      "score": {"type": ["number", "null"]}, "highlights": {"type": "string"},
                      "related_in_meaning": {"type": "boolean", "description": "Found by meaning alone: not a match "
                                             "of the query's words (`mode` hybrid or meaning)."}}}
SEARCH = {"type": "object", "required": ["query", "total", "page", "per_page", "results", "facets", "suggestion"],
          "properties": {"query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                         "per_page": {"type": "integer"}, "results": {"type": "array", "items": HIT},
                         "facets": {"type": "object", "additionalProperties": COUNTS},
                         "suggestion": {"type": ["string", "null"]}}}
FINDING_HIT = {"type": "object", "required": ["id", "entry_id", "kind", "text"],
               "properties": {"id": {"type": "string"}, "entry_id": {"type": "string"},
                              "entry_title": {"type": "string"}, "kind": {"type": "string"},
                              "text": {"type": "string"}, "topics": STRINGS}}
WRITES = ("Writes take an API token (`Authorization: Bearer ...`, from `migration-kb users token NAME` or the "
          "account page). A signed-in browser may write instead with its session cookie, but only with the "
          "session's CSRF token in the `X-CSRF-Token` header and, when the browser sends `Origin` or `Referer`, "
          "from this very site; otherwise 403.")
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "A token from 'migration-kb users token NAME'."},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "A signed-in browser's session; only together with `csrf`, from this site."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
             "description": "The session's CSRF token (the `csrf_token` of this site's forms)."},
}


def _errors(*codes: int) -> dict:
    text = {400: "Bad parameter or body", 401: "No or invalid API token", 403: "Role may not do this",
            404: "No such entry", 409: "Conflict (the entry exists, or changed since your version)",
            422: "Invalid: every field error", 503: "Database unavailable"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(taxonomy: Taxonomy | None = None) -> dict:
    """The document, its schemas and parameters built from the validators' own constants and vocabularies."""
    tax = taxonomy or load_taxonomy()
    schemas = entry_schemas(tax)
    entry_id = {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "string"}}
    secured = [{"bearer": []}, {"session": [], "csrf": []}]
    body = {"required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EntryInput"}}}}
    saved = {"type": "object", "required": ["id", "version"],
             "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                            "state": {"type": "string"}, "outcome": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "migration-kb API", "version": "1",
                 "description": "Search and maintain case entries of migration-cooperation practices. "
                                f"per_page is at most {MAX_PER_PAGE}. " + WRITES},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "schemas": {"Error": ERROR, "SearchResult": SEARCH, **schemas},
        },
        "paths": {
            "/search": {"get": {"summary": "Search published entries, with facet counts",
                                "parameters": search_parameters(tax),
                                "responses": {"200": _json({"$ref": "#/components/schemas/SearchResult"}),
                                              **_errors(400, 503)}}},
            "/findings": {"get": {
                "summary": "Findings of the entries matching the filters",
                "parameters": [*search_parameters(tax), {
                    "name": "kind", "in": "query", "style": "form", "explode": True,
                    "schema": {"type": "array", "items": schemas["Finding"]["properties"]["kind"]}}],
                "responses": {"200": _json({"type": "object", "required": ["total", "results"],
                                            "properties": {"total": {"type": "integer"},
                                                           "page": {"type": "integer"},
                                                           "per_page": {"type": "integer"},
                                                           "results": {"type": "array", "items": FINDING_HIT},
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
                "put": {"summary": "Replace an entry's fields (what GET gave may be sent back, changed or not)",
                        "description": "Read-only fields are checked: a `version` or `updated_at` other than "
                                       "the stored one is 409; another `state` or `created_at`, or a finding "
                                       "id of another entry, is 422. The entry keeps its state. A change to "
                                       "a published entry is a pending version (`outcome: pending`): the "
                                       "public reads keep the published one until a second expert approves "
                                       "it (publish with its `version`); `minor: true` marks a small fix.",
                        "security": secured, "requestBody": body,
                        "responses": {"200": _json(saved), **_errors(400, 401, 403, 404, 409, 422, 503)}},
                "delete": {"summary": "Delete an entry that is not published (a published one: an admin's "
                                      "DELETE archives it; an expert's is 403)", "security": secured,
                           "parameters": [{"name": "version", "in": "query",
                                           "schema": {"type": "integer", "minimum": 0},
                                           "description": "The version you saw: another one is a 409"}],
                           "responses": {"204": {"description": "Deleted"},
                                         **_errors(400, 401, 403, 404, 409, 503)}},
            },
            "/entries/{entry_id}/publish": {"post": {
                "summary": "Publish (an admin, or an expert other than the author) the `version` read: a "
                           "draft, an entry in review, or a published entry's pending change; 409 for another "
                           "current version or nothing to approve, 422 without a source", "security": secured,
                "parameters": [entry_id, {"name": "version", "in": "query", "required": True,
                                          "schema": {"type": "integer", "minimum": 0},
                                          "description": "The version you approve: another current one is a 409"}],
                "responses": {"200": _json(saved), **_errors(400, 401, 403, 404, 409, 422, 503)}}},
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
