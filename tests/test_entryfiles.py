"""Entry files: parsing, validation messages (file, field, line, suggestion) and the round trip."""

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migration_kb.entryfiles import entry_to_text, parse_text, read_file, to_record
from migration_kb.records import ValidationError, validate_entry
from migration_kb.taxonomy import load

from .conftest import MINIMAL, write_entry


def errors_of(path: Path) -> list[str]:
    parsed = read_file(path, path.name)
    if parsed.errors:
        return parsed.errors
    try:
        to_record(parsed)
    except ValidationError as exc:
        return exc.messages()
    return []


def test_minimal_entry_is_valid(tmp_path):
    path = write_entry(tmp_path, "mx-ca-example")
    entry = to_record(read_file(path))
    assert entry.id == "mx-ca-example"
    assert entry.countries == ("MX", "CA")
    assert [f.kind for f in entry.findings] == ["strength", "difficulty"]


def test_unknown_theme_names_file_field_line_and_suggestion(tmp_path):
    path = write_entry(tmp_path, "x", MINIMAL.format(id="x", title="T").replace("[labour-mobility]", "[labor]"))
    assert errors_of(path) == ["x.md:6: themes: 'labor' is not a theme (did you mean 'labour-mobility'?)"]


def test_unknown_bloc_and_country_suggest(tmp_path):
    text = MINIMAL.format(id="x", title="T").replace("countries: [MX, CA]",
                                                     "countries: [MX, Canada]\nblocs: [MERCOSOR]")
    messages = errors_of(write_entry(tmp_path, "x", text))
    assert any("countries" in m and "'Canada' is not a country code (did you mean 'CA'?)" in m for m in messages)
    assert any("blocs: 'MERCOSOR' is not a bloc (did you mean 'MERCOSUR'?)" in m for m in messages)


def test_bloc_alias_is_read_as_the_bloc(tmp_path):
    text = MINIMAL.format(id="x", title="T").replace("countries: [MX, CA]", "countries: [MX, CA]\nblocs: [USMCA]")
    assert to_record(read_file(write_entry(tmp_path, "x", text))).blocs == ("NAFTA",)


def test_every_error_is_listed_not_only_the_first(tmp_path):
    text = (MINIMAL.format(id="x", title="T").replace("language: en", "language: de")
            .replace("[labour-mobility]", "[]").replace("kind: strength", "kind: praise"))
    messages = errors_of(write_entry(tmp_path, "x", text))
    fields = {m.split(": ")[1] for m in messages}
    assert {"language", "themes", "findings[0].kind"} <= fields


def test_malformed_yaml_names_the_line(tmp_path):
    text = "---\nid: x\ntitle: [unclosed\nsummary: s\n---\nbody\n"
    [message] = errors_of(write_entry(tmp_path, "x", text))
    assert message.startswith("x.md:") and "not valid YAML" in message
    assert int(message.split(":")[1]) in (3, 4)


def test_missing_front_matter(tmp_path):
    [message] = errors_of(write_entry(tmp_path, "x", "# Just a title\n\nNo front matter.\n"))
    assert "has no front matter" in message


def test_unclosed_front_matter(tmp_path):
    [message] = errors_of(write_entry(tmp_path, "x", "---\nid: x\ntitle: T\n"))
    assert "not closed" in message


def test_id_must_match_file_name(tmp_path):
    path = write_entry(tmp_path, "y", MINIMAL.format(id="x", title="T"))
    assert errors_of(path) == ["y.md:2: id: 'x' does not match the file name 'y'"]


def test_unknown_field_suggests_the_right_one(tmp_path):
    text = MINIMAL.format(id="x", title="T").replace("themes:", "theme:")
    messages = errors_of(write_entry(tmp_path, "x", text))
    assert "x.md:6: theme: is not a field of this format (did you mean 'themes'?)" in messages


def test_huge_file_is_refused_with_its_size(tmp_path):
    path = write_entry(tmp_path, "x", MINIMAL.format(id="x", title="T") + "word " * 2_100_000)
    [message] = errors_of(path)
    assert "10.5 MB" in message and "at most 1 MB" in message


def test_binary_file(tmp_path):
    path = tmp_path / "x.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert errors_of(path) == ["x.md: is a binary file, not a Markdown text file"]


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "x.md"
    path.write_bytes(MINIMAL.format(id="x", title="Migración").encode("latin-1"))
    [message] = errors_of(path)
    assert message.startswith("x.md:3:") and "not valid UTF-8" in message


def test_summary_over_600_characters(tmp_path):
    text = MINIMAL.format(id="x", title="T").replace("A short summary of the practice.", "a" * 601)
    assert any("summary: is 601 characters long; the limit is 600" in m
               for m in errors_of(write_entry(tmp_path, "x", text)))


def test_body_is_not_allowed_in_front_matter():
    with pytest.raises(ValidationError) as exc:
        parse_text("---\nbody: hi\n---\n")
    assert exc.value.errors[0].field == "body"


# -- round trip --------------------------------------------------------------------------------------
TAX = load()
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
ids = st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True)


def _some(vocabulary, minimum=0):
    return st.lists(st.sampled_from(sorted(TAX.terms(vocabulary))), min_size=minimum, max_size=3, unique=True)


record_data = st.fixed_dictionaries(
    {"id": ids, "title": words, "summary": words, "language": st.sampled_from(["en", "es", "pt", "fr"]),
     "themes": _some("theme", 1), "countries": st.lists(st.sampled_from(sorted(TAX.countries)), min_size=1,
                                                        max_size=3, unique=True)},
    optional={
        "topics": _some("topic"), "blocs": _some("bloc"), "target_groups": _some("target_group"),
        "instrument": st.sampled_from(sorted(TAX.terms("instrument"))),
        "year_start": st.integers(1900, 2000), "year_end": st.one_of(st.none(), st.integers(2000, 2030)),
        "status": st.sampled_from(["active", "completed", "planned", "unknown"]),
        "superseded_by": ids,
        "verified": st.one_of(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2026, 1, 1)),
                              st.fixed_dictionaries({"date": st.dates(min_value=datetime.date(2000, 1, 1),
                                                                      max_value=datetime.date(2026, 1, 1))
                                                     .map(datetime.date.isoformat)},
                                                    optional={"by": words})),
        "panel": st.just("oas-2011-bilateral-cooperation/management"),
        "contributor": st.fixed_dictionaries({"name": words, "organization": words}),
        "sources": st.lists(st.fixed_dictionaries(
            {"title": words}, optional={"publisher": words, "year": st.integers(1950, 2025),
                                        "url": st.just("https://example.org/a?b=1&c=d")}), max_size=3),
        "findings": st.lists(st.fixed_dictionaries(
            {"kind": st.sampled_from(["strength", "difficulty", "lesson", "recommendation"]), "text": words},
            optional={"topics": _some("topic")}), max_size=4),
        "body": st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
                        max_size=300),
    })


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_data)
def test_any_valid_record_survives_export_and_import(data):
    try:
        entry = validate_entry(data)
    except ValidationError:
        return  # generated data that breaks a rule (blank text...) is not a valid record
    again, lines = parse_text(entry_to_text(entry))
    assert validate_entry(again, expected_id=entry.id, lines=lines) == entry


def test_lifecycle_fields_are_checked():
    base = {"id": "a", "title": "T", "summary": "S", "language": "en", "themes": ["management"],
            "countries": ["MX"]}
    with pytest.raises(ValidationError) as exc:
        validate_entry({**base, "superseded_by": "a", "verified": "2026-13-01"})
    assert [(e.field, e.message) for e in exc.value.errors] == [
        ("superseded_by", "an entry cannot replace itself"),
        ("verified", "'2026-13-01' must be a date such as 2026-12-01")]
    entry = validate_entry({**base, "superseded_by": "b", "verified": {"date": "2025-01-31", "by": "A. Checker"}})
    assert (entry.superseded_by, entry.verified.date, entry.verified.by) == ("b", "2025-01-31", "A. Checker")
    assert "verified: 2025-01-31" in entry_to_text(validate_entry({**base, "verified": "2025-01-31"}))


def test_an_impossible_yaml_date_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\nid: a\nyear_start: 2024-02-30\n---\nbody\n", encoding="utf-8")
    [error] = read_file(path).errors
    assert error == f"{path}: the front matter holds an impossible date: day is out of range for month"
