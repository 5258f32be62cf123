"""The OpenAPI document and the validators agree: every field, enum, length and bound the document states is
probed against `validate_entry` (entries) and the search API (parameters), and every field the validator
knows is in the document. Change a limit on one side only and a test here fails."""

from __future__ import annotations

import copy

import pytest

from migration_kb.records import (
    CONTRIBUTOR_FIELDS,
    ENTRY_FIELDS,
    FINDING_FIELDS,
    FOCAL_POINT_FIELDS,
    SOURCE_FIELDS,
    ValidationError,
    validate_entry,
)
from migration_kb.search.schema import FACETS
from migration_kb.taxonomy import load as load_taxonomy
from migration_kb.web.api_fields import READ_ONLY
from migration_kb.web.openapi import openapi_document

TAX = load_taxonomy()
DOC = openapi_document(TAX)
SCHEMAS = DOC["components"]["schemas"]
VALID = {"id": "a-valid-entry", "title": "A title", "summary": "A summary.", "language": "en",
         "themes": ["protection"], "countries": ["MX"], "topics": [], "blocs": [], "target_groups": [],
         "instrument": None, "year_start": None, "year_end": None,  # (year_end >= year_start aside)
         "status": "active", "superseded_by": None, "panel": None,
         "contributor": {"name": "A name", "organization": "An organization"},
         "verified": {"date": "2026-01-31", "by": "A checker"},
         "focal_point": {"name": "A name", "institution": "A ministry", "role": "Director",
                         "email": "focal@example.org"},
         "sources": [{"title": "A law", "publisher": "A state", "year": 2000, "url": "https://example.org/"}],
         "findings": [{"kind": "strength", "text": "Clear.", "topics": []}], "body": "Body."}


def problems(data) -> set[str]:
    """The fields the validator names for `data` (empty: accepted)."""
    try:
        validate_entry(data, taxonomy=TAX, known_panels=None)
    except ValidationError as exc:
        return {e.field for e in exc.errors}
    return set()


def resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return SCHEMAS[ref.rsplit("/", 1)[1]] if ref else schema


def with_value(path: tuple, value):
    data = copy.deepcopy(VALID)
    here = data
    for step in path[:-1]:
        here = here[step]
    here[path[-1]] = value
    return data


def probes(schema: dict, path: tuple):
    """(path, value, accepted?) for each constraint the schema states on the value at `path`."""
    schema = resolve(schema)
    if schema.get("readOnly"):
        return
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if "object" in types:
        for name, sub in schema.get("properties", {}).items():
            if name not in READ_ONLY:
                yield from probes(sub, (*path, name))
        if schema.get("additionalProperties") is False:
            yield (*path, "not_a_field"), "x", False
        return
    if "array" in types:
        items = resolve(schema["items"])
        if items.get("type") == "object":
            yield from probes(items, (*path, 0))
        for value in items.get("enum", []):
            yield path, [value], True
        if "enum" in items:
            yield path, ["zz-not-a-value"], False
        return
    for value in schema.get("enum", []):
        yield path, value, True
    if "enum" in schema:
        yield path, "zz-not-a-value", False
    if "maxLength" in schema:
        n = schema["maxLength"]
        filler = "a" if path == ("id",) else "x"
        start = "https://example.org/" if path[-1] == "url" else ""
        yield path, start + filler * (n - len(start)), True
        yield path, start + filler * (n + 1 - len(start)), False
    if "minimum" in schema:
        yield path, schema["minimum"], True
        yield path, schema["minimum"] - 1, False
    if "maximum" in schema:
        yield path, schema["maximum"], True
        yield path, schema["maximum"] + 1, False
    if "pattern" in schema and path == ("panel",):
        yield path, "an-event/a-panel", True
        yield path, "An Event / A Panel", False


CASES = list(probes(SCHEMAS["EntryInput"], ()))


def test_the_document_names_exactly_the_validators_fields():
    entry = SCHEMAS["EntryInput"]["properties"]
    assert set(entry) == set(ENTRY_FIELDS) | set(READ_ONLY)
    assert set(entry["sources"]["items"]["properties"]) == set(SOURCE_FIELDS)
    assert set(entry["contributor"]["properties"]) == set(CONTRIBUTOR_FIELDS)
    assert set(entry["focal_point"]["properties"]) == set(FOCAL_POINT_FIELDS)
    assert set(SCHEMAS["Finding"]["properties"]) - {"id"} == set(FINDING_FIELDS)
    assert set(SCHEMAS["Entry"]["properties"]) == set(entry)
    assert problems(VALID) == set()
    assert len(CASES) > 200  # every vocabulary value is probed


@pytest.mark.parametrize("field", [f for f in ENTRY_FIELDS if f != "id"])
def test_required_fields_are_those_the_validator_requires(field):
    data = copy.deepcopy(VALID)
    del data[field]
    assert bool(problems(data)) == (field in SCHEMAS["EntryInput"]["required"]), field


@pytest.mark.parametrize(("path", "value", "accepted"), CASES,
                         ids=[f"{'.'.join(map(str, p))}={str(v)[:20]}" for p, v, _ in CASES])
def test_each_stated_constraint_is_the_validators(path, value, accepted):
    found = problems(with_value(path, value))
    assert (not found) == accepted, (path, found)


# -- search parameters against the search API --------------------------------------------------------------
def parameter_probes():
    for param in DOC["paths"]["/search"]["get"]["parameters"]:
        schema = param["schema"]
        items = schema.get("items", schema)
        for value in items.get("enum", []):
            yield param["name"], value, 200
        if "enum" in items:
            yield param["name"], "zz-not-a-value", 400
        for bound, step in (("minimum", -1), ("maximum", 1)):
            if bound in schema:
                yield param["name"], schema[bound], 200
                yield param["name"], schema[bound] + step, 400


def test_search_parameters_are_those_the_search_checks(client):
    names = {p["name"] for p in DOC["paths"]["/search"]["get"]["parameters"]}
    assert names == {"q", *FACETS, "year_from", "year_to", "page", "per_page", "sort", "mode"}
    wrong = []
    for name, value, status in parameter_probes():
        response = client.get("/api/v1/search", query_string={name: value, "per_page": 1} if name != "per_page"
                              else {name: value})
        if response.status_code != status:
            wrong.append((name, value, response.status_code))
    assert not wrong


def test_the_served_document_is_the_one_built_here(client):
    assert client.get("/api/v1/openapi.json").get_json() == DOC
