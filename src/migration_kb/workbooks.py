"""Entries as spreadsheets (xlsx with openpyxl, or CSV): one row per entry on the `entries` sheet, lists
separated by ";", findings and sources on their own sheets keyed by `entry_id`, in the entries' order.

Reading turns each row into the same mapping a file's front matter gives, so `validate_entry` (the one
validation of files, the form and the API) judges it; every problem is named by sheet, row and column.
Writing and reading are inverse: a workbook written here reads back to the same records, and the records
write the same cells (docs/spreadsheets.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .config import LANGUAGES
from .records import FINDING_KINDS, STATUSES, Entry, ValidationError, validate_entry
from .spreadsheets import SafeCSVWriter
from .taxonomy import Taxonomy

ENTRY_COLUMNS = ("id", "title", "summary", "language", "themes", "topics", "blocs", "countries", "instrument",
                 "target_groups", "year_start", "year_end", "status", "superseded_by", "panel", "contributor_name",
                 "contributor_organization", "verified_date", "verified_by", "body")
LIST_COLUMNS = ("themes", "topics", "blocs", "countries", "target_groups")
FINDING_COLUMNS = ("entry_id", "kind", "text", "topics")
SOURCE_COLUMNS = ("entry_id", "title", "publisher", "year", "url")
SHEETS = {"entries": ENTRY_COLUMNS, "findings": FINDING_COLUMNS, "sources": SOURCE_COLUMNS}
MAX_CELL = 32_767  # characters a spreadsheet cell holds (Excel's limit)
# A record's field -> the column that holds it (nested fields of the entry format).
FIELD_COLUMN = {"contributor.name": "contributor_name", "contributor.organization": "contributor_organization",
                "contributor": "contributor_name", "verified": "verified_date", "verified.date": "verified_date",
                "verified.by": "verified_by", "findings": "id", "sources": "id", "": "id"}
ITEM_RE = re.compile(r"^(findings|sources)\[(\d+)\](?:\.(\w+))?")


class WorkbookError(ValueError):
    """The workbook cannot be read or written at all (not an xlsx file, a missing sheet, a cell too long)."""


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)


@dataclass
class Reading:
    """What a workbook held: the valid entries (with the row each came from) and every problem."""

    entries: list[tuple[int, Entry]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def place(sheet: str, row: int, column: str | None = None, columns: tuple[str, ...] = ()) -> str:
    if column is None:
        return f"{sheet}, row {row}"
    letter = get_column_letter(columns.index(column) + 1) if column in columns else "?"
    return f"{sheet}, row {row}, column {letter} ({column})"


# -- records -> cells ---------------------------------------------------------------------------------------
def entry_cells(entry: Entry) -> list[Any]:
    values = {"id": entry.id, "title": entry.title, "summary": entry.summary, "language": entry.language,
              "instrument": entry.instrument, "year_start": entry.year_start, "year_end": entry.year_end,
              "status": entry.status, "superseded_by": entry.superseded_by, "panel": entry.panel,
              "contributor_name": entry.contributor.name if entry.contributor else None,
              "contributor_organization": entry.contributor.organization if entry.contributor else None,
              "verified_date": entry.verified.date if entry.verified else None,
              "verified_by": entry.verified.by if entry.verified else None, "body": entry.body or None}
    values.update({name: ";".join(getattr(entry, name)) or None for name in LIST_COLUMNS})
    return [values[c] for c in ENTRY_COLUMNS]


def sheets_of(entries: Iterable[Entry]) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    for entry in entries:
        out["entries"].append(entry_cells(entry))
        out["findings"] += [[entry.id, f.kind, f.text, ";".join(f.topics) or None] for f in entry.findings]
        out["sources"] += [[entry.id, s.title, s.publisher, s.year, s.url] for s in entry.sources]
    return out


def write_xlsx(entries: Iterable[Entry], target, taxonomy: Taxonomy | None = None) -> None:
    """The workbook of these entries (to a path or a binary stream). Every text is a string cell: a text that
    starts with "=" stays text and is never run as a formula. With `taxonomy`, a template: drop-down lists."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets_of(entries).items():
        sheet = book.create_sheet(name)
        sheet.append(list(SHEETS[name]))
        for number, row in enumerate(rows, start=2):
            sheet.append(row)
            for cell in sheet[number]:
                if isinstance(cell.value, str):
                    if len(cell.value) > MAX_CELL:
                        raise WorkbookError(f"{place(name, number, SHEETS[name][cell.column - 1], SHEETS[name])}: "
                                            f"{len(cell.value):,} characters; a cell holds {MAX_CELL:,}")
                    cell.data_type = TYPE_STRING
        sheet.freeze_panes = "A2"
    if taxonomy is not None:
        _drop_downs(book, taxonomy)
    book.save(target)


def _drop_downs(book: Workbook, taxonomy: Taxonomy) -> None:
    """A `vocabularies` sheet listing every id, and drop-down lists from it on the columns that take ids. A
    list column (themes: "a;b") accepts other text too: the drop-down offers one id, the import checks all."""
    lists = {"language": list(LANGUAGES), "themes": list(taxonomy.themes), "topics": list(taxonomy.topics),
             "blocs": list(taxonomy.blocs), "countries": list(taxonomy.countries),
             "instrument": list(taxonomy.terms("instrument")), "target_groups": list(taxonomy.terms("target_group")),
             "status": list(STATUSES), "kind": list(FINDING_KINDS)}
    ids = book.create_sheet("vocabularies")
    ranges = {}
    for col, (name, values) in enumerate(lists.items(), start=1):
        ids.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            ids.cell(row=row, column=col, value=value).data_type = TYPE_STRING
        letter = get_column_letter(col)
        ranges[name] = f"{quote_sheetname('vocabularies')}!${letter}$2:${letter}${len(values) + 1}"
    for sheet_name, columns in SHEETS.items():
        sheet = book[sheet_name]
        for name in columns:
            key = "topics" if name == "topics" else name
            if key not in ranges:
                continue
            single = key not in LIST_COLUMNS
            check = DataValidation(type="list", formula1=ranges[key], allow_blank=True, showErrorMessage=single)
            letter = get_column_letter(columns.index(name) + 1)
            check.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(check)


def write_csv(entries: Iterable[Entry], folder: Path) -> list[Path]:
    """entries.csv, findings.csv and sources.csv in `folder` (cells a spreadsheet would run are neutralised)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in sheets_of(entries).items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = SafeCSVWriter(fh)
            writer.writerow(SHEETS[name])
            for row in rows:
                writer.writerow(row)
        written.append(path)
    return written


# -- cells -> records ---------------------------------------------------------------------------------------
def read_sheets(path: Path) -> dict[str, Sheet]:
    """The three sheets of an xlsx file, or of `entries.csv` with `findings.csv` and `sources.csv` beside it."""
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise WorkbookError(f"{path.name}: not an xlsx workbook ({exc.__class__.__name__})") from None
    try:
        missing = [name for name in ("entries",) if name not in book.sheetnames]
        if missing:
            raise WorkbookError(f"{path.name}: no sheet named 'entries' (sheets: {', '.join(book.sheetnames)})")
        out = {}
        for name in SHEETS:
            if name not in book.sheetnames:
                out[name] = Sheet(name, list(SHEETS[name]), [])
                continue
            rows = list(book[name].iter_rows(values_only=True))
            header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
            out[name] = Sheet(name, header, [(i, list(r)) for i, r in enumerate(rows[1:], start=2)])
        return out
    finally:
        book.close()


def _read_csv(path: Path) -> dict[str, Sheet]:
    out = {}
    for name in SHEETS:
        file = path if name == "entries" else path.with_name(f"{name}.csv")
        if name != "entries" and not file.is_file():
            out[name] = Sheet(name, list(SHEETS[name]), [])
            continue
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkbookError(f"{file.name}: cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
        rows = list(csv.reader(io.StringIO(text)))
        header = [c.strip() for c in rows[0]] if rows else []
        out[name] = Sheet(name, header, [(i, [c if c != "" else None for c in r])
                                         for i, r in enumerate(rows[1:], start=2)])
    return out


def _text(value: Any) -> Any:
    """A cell as the entry format has it: text as is, whole numbers as ints, empty as absent."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "date") and callable(value.date):  # a date cell
        return value.date().isoformat()
    return value


def _list(value: Any) -> list[str] | Any:
    value = _text(value)
    if value is None:
        return []
    return [part.strip() for part in value.split(";") if part.strip()] if isinstance(value, str) else value


def _mappings(sheet: Sheet, columns: tuple[str, ...], errors: list[str]) -> list[tuple[int, dict]]:
    """Each non-empty row as {column: value}; unknown or missing columns are errors."""
    known = {}
    for index, name in enumerate(sheet.header):
        if name in columns:
            known[index] = name
        elif name:
            errors.append(f"{sheet.name}, row 1, column {get_column_letter(index + 1)}: unknown column {name!r} "
                          f"(the columns are {', '.join(columns)})")
    for name in columns:
        if name not in sheet.header and (name in ("id", "entry_id") or sheet.rows):
            errors.append(f"{sheet.name}, row 1: the column {name!r} is missing")
    out = []
    for number, cells in sheet.rows:
        row = {known[i]: cells[i] for i in known if i < len(cells)}
        if any(_text(v) is not None for v in row.values()):
            out.append((number, row))
    return out


def read_entries(sheets: dict[str, Sheet], taxonomy: Taxonomy, *, known_panels: set[str] | None,
                 known_entries: set[str], require_sources: bool) -> Reading:
    """Every row validated; `known_entries` are ids already in the database (for `superseded_by`)."""
    reading = Reading()
    errors = reading.errors
    entry_rows = _mappings(sheets["entries"], ENTRY_COLUMNS, errors)
    parts = {"findings": _mappings(sheets["findings"], FINDING_COLUMNS, errors),
             "sources": _mappings(sheets["sources"], SOURCE_COLUMNS, errors)}
    first_row: dict[str, int] = {}
    for number, row in entry_rows:
        entry_id = _text(row.get("id"))
        if isinstance(entry_id, str) and entry_id in first_row:
            errors.append(f"{place('entries', number, 'id', ENTRY_COLUMNS)}: {entry_id!r} is also the id of row "
                          f"{first_row[entry_id]}")
        elif isinstance(entry_id, str):
            first_row[entry_id] = number
    items: dict[str, dict[str, list[tuple[int, dict]]]] = {"findings": {}, "sources": {}}
    for part, rows in parts.items():
        for number, row in rows:
            owner = _text(row.get("entry_id"))
            if owner not in first_row:
                errors.append(f"{place(part, number, 'entry_id', SHEETS[part])}: no entry {owner!r} on the "
                              "entries sheet")
                continue
            items[part].setdefault(owner, []).append((number, row))
    batch_ids = set(first_row)
    for number, row in entry_rows:
        entry_id = _text(row.get("id"))
        if isinstance(entry_id, str) and first_row.get(entry_id) != number:
            continue  # a duplicate, reported above
        found = items["findings"].get(entry_id, []), items["sources"].get(entry_id, [])
        data = _entry_mapping(row, *found)
        try:
            entry = validate_entry(data, known_panels=known_panels, taxonomy=taxonomy)
        except ValidationError as exc:
            errors.extend(_located(e.field, e.message, number, found) for e in exc.errors)
            continue
        if entry.superseded_by and entry.superseded_by not in batch_ids | known_entries:
            errors.append(f"{place('entries', number, 'superseded_by', ENTRY_COLUMNS)}: no entry "
                          f"{entry.superseded_by!r} (neither on the sheet nor in the knowledge base)")
            continue
        if require_sources and not entry.sources:
            errors.append(f"{place('entries', number, 'id', ENTRY_COLUMNS)}: an entry needs at least one source "
                          "(a row of the sources sheet) before it is published")
            continue
        reading.entries.append((number, entry))
    return reading


def _entry_mapping(row: dict, findings: list[tuple[int, dict]], sources: list[tuple[int, dict]]) -> dict:
    data: dict[str, Any] = {}
    for name in ENTRY_COLUMNS:
        if name in LIST_COLUMNS:
            data[name] = _list(row.get(name))
        elif name not in FIELD_COLUMN.values() or name == "id":
            value = _text(row.get(name))
            if value is not None:
                data[name] = value
    name, organization = _text(row.get("contributor_name")), _text(row.get("contributor_organization"))
    if name is not None or organization is not None:
        data["contributor"] = {"name": name, "organization": organization}
    day, by = _text(row.get("verified_date")), _text(row.get("verified_by"))
    if day is not None or by is not None:
        data["verified"] = {"date": day, "by": by}
    data["findings"] = [{"kind": _text(r.get("kind")), "text": _text(r.get("text")), "topics": _list(r.get("topics"))}
                        for _, r in findings]
    data["sources"] = [{k: _text(r.get(k)) for k in ("title", "publisher", "year", "url")} for _, r in sources]
    return data


def _located(field_name: str, message: str, number: int, found) -> str:
    """A validation error of one entry at the cell it came from."""
    item = ITEM_RE.match(field_name)
    if item:
        part, index, column = item.group(1), int(item.group(2)), item.group(3)
        rows = found[0] if part == "findings" else found[1]
        if index < len(rows):
            return f"{place(part, rows[index][0], column or 'entry_id', SHEETS[part])}: {message}"
    column = FIELD_COLUMN.get(field_name, re.split(r"[.\[]", field_name, maxsplit=1)[0])  # themes[1] -> themes
    return f"{place('entries', number, column if column in ENTRY_COLUMNS else 'id', ENTRY_COLUMNS)}: " + \
        (f"{field_name}: {message}" if column not in ENTRY_COLUMNS else message)
