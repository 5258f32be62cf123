"""Numeric ids in addresses and forms (drafts, versions, tokens, users): ASCII digits that fit the database's
integer column. Anything else names no row: 404 in a route, None from a form (the caller's 400 or 422)."""

from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

from ..records import MAX_ROW_ID, whole_number


class RowId(IntegerConverter):
    """`<int:...>` in every route: `[0-9]+` (not `\\d`, which matches `١` and `²`) up to MAX_ROW_ID; a larger
    number is no row of any table, so the route answers 404 instead of overflowing the database's integer."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def form_id(name: str) -> int | None:
    """A form field holding a row id or a version number; None when absent or not one."""
    return whole_number(request.form.get(name, ""), MAX_ROW_ID)
