"""The spreadsheet template for experts: the three sheets with their columns, and the vocabularies' ids as
drop-down lists (docs/spreadsheets.md). An admin imports a filled one with `migration-kb import FILE.xlsx`."""

from __future__ import annotations

import io

from flask import Blueprint, Response

from ..lazy import lazy
from .auth import require
from .services import kb

bp = Blueprint("workbooks", __name__)
workbooks = lazy("migration_kb.workbooks")  # openpyxl: on first use
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/desk/spreadsheet-template.xlsx")
@require("write_entries")
def template():
    buffer = io.BytesIO()
    workbooks.write_xlsx([], buffer, taxonomy=kb().taxonomy)
    return Response(buffer.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="migration-kb-entries-template.xlsx"'})
