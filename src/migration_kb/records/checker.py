"""The checker every validation uses: it collects every error of one record, each with its field and line,
instead of stopping at the first."""

from __future__ import annotations

import datetime
import re
from typing import Any

from ..errors import FieldError
from ..taxonomy import Taxonomy
from .format import MAX_ERRORS, YEAR_MAX, YEAR_MIN
from .text import clean_text, whole_number


class Checker:
    """Collects every error of one record instead of stopping at the first."""

    def __init__(self, data: dict, lines: dict[str, int] | None, taxonomy: Taxonomy):
        self.data = data
        self.lines = lines or {}
        self.tax = taxonomy
        self.errors: list[FieldError] = []
        self.unlisted = 0  # problems past MAX_ERRORS

    def error(self, path: str, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.unlisted += 1
            return
        line = self.lines.get(path)
        if line is None:  # fall back to the line of the enclosing field
            line = self.lines.get(re.split(r"[.\[]", path, maxsplit=1)[0])
        self.errors.append(FieldError(path, message, line))

    def text(self, path: str, value: Any, *, required: bool, limit: int, single_line: bool = False) -> str | None:
        if value is None or value == "":
            if required:
                self.error(path, "is required")
            return None
        if isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool):
            value = str(value)  # YAML read `title: 2011` as a number; the author meant text
        if not isinstance(value, str):
            self.error(path, f"must be text, not {kind_of(value)}")
            return None
        value = value.strip()
        if not value and required:
            self.error(path, "is required")
            return None
        if len(value) > limit:
            self.error(path, f"is {len(value):,} characters long; the limit is {limit:,}")
            return None
        value, fault = clean_text(value)
        if fault:
            self.error(path, fault)
            return None
        if single_line:
            value = " ".join(value.split())
        return value or None

    def ids(self, path: str, value: Any, vocabulary: str, *, minimum: int = 0) -> tuple[str, ...]:
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]  # a lone value where a list is expected is an easy slip; accept it
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {kind_of(value)}")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            canonical = self.term(here if len(value) > 1 else path, item, vocabulary)
            if canonical and canonical not in out:
                out.append(canonical)
            elif canonical:
                self.error(path, f"{canonical!r} is listed twice")
        if len(out) < minimum and not any(e.field.startswith(path) for e in self.errors):
            self.error(path, f"needs at least {minimum} value" + ("s" if minimum > 1 else ""))
        return tuple(out)

    def term(self, path: str, value: Any, vocabulary: str) -> str | None:
        noun = {"theme": "a theme", "topic": "a topic", "target_group": "a target group",
                "instrument": "an instrument", "bloc": "a bloc", "country": "a country code",
                "finding_kind": "a finding kind"}[vocabulary]
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"{value!r} is not {noun}")
            return None
        value = value.strip()
        if vocabulary == "bloc":
            found = self.tax.canonical_bloc(value)
        elif vocabulary == "country":
            found = value if value in self.tax.countries else None
        else:
            found = value if value in self.tax.terms(vocabulary) else None
        if found:
            return found
        hint = self.tax.suggest(vocabulary, value)
        self.error(path, f"{value!r} is not {noun}" + (f" (did you mean {hint!r}?)" if hint else ""))
        return None

    def year(self, path: str, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            number = whole_number(value.strip(), 99_999) if isinstance(value, str) else None
            if number is None:
                self.error(path, f"must be a year such as 2004, not {value!r}")
                return None
            value = number
        if not YEAR_MIN <= value <= YEAR_MAX:
            self.error(path, f"{value} is not a plausible year ({YEAR_MIN}–{YEAR_MAX})")
            return None
        return value

    def unknown_fields(self, allowed: tuple[str, ...], data: dict, prefix: str = "") -> None:
        import difflib

        for key in data:
            if key in allowed:
                continue
            if len(self.errors) >= MAX_ERRORS:  # only counted from here: no close-match search for each
                self.unlisted += 1
            else:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(f"{prefix}{key}", f"is not a field of this format{hint}")

    def found(self) -> list[FieldError]:
        """The record's errors, those past MAX_ERRORS counted in a last line."""
        if self.unlisted:
            return [*self.errors, FieldError("", f"and {self.unlisted:,} more problems, not listed")]
        return self.errors


def kind_of(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)
