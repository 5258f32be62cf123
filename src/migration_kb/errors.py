"""The one error model: what a write cannot do, said once for every surface.

`store`, `workflow`, `accounts` and `records` raise these; the web app has one handler per surface
(web/app.py) that turns them into an HTML page in the UI language or the API's JSON shape
`{"error": message, "errors": [{"field", "message"}]}`. Views do not pick statuses for them.

A message is a template with `%(name)s` placeholders and its values, so a page can show it translated
(the catalogue holds the template, marked with N_ where it is raised: babel.cfg extracts store, workflow
and accounts too) while logs, the command line and the API read it in English.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a message for the UI catalogues (gettext's usual name); pages translate it when they show it."""
    return message


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status, `field` the field at fault, if one is."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, field: str | None = None, **values):
        self.template, self.values, self.field = message, values, field
        if status is not None:
            self.status = status
        self.message = message % values if values else message
        super().__init__(self.message)

    def field_errors(self) -> list[FieldError]:
        return [FieldError(self.field, self.message)] if self.field else []


class BadRequest(DomainError):
    status = 400


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request does not fit the current state: a stale version, an id in use, a step from the wrong state."""

    status = 409


@dataclass(frozen=True)
class FieldError:
    """One problem of one field; `line` when it came from a file, so `check` can point at it."""

    field: str
    message: str
    line: int | None = None

    def format(self, where: str | None = None) -> str:
        place = where or ""
        if where and self.line:
            place = f"{where}:{self.line}"
        prefix = f"{place}: " if place else ""
        return f"{prefix}{self.field}: {self.message}" if self.field else f"{prefix}{self.message}"


class Invalid(DomainError):
    """The data breaks rules: every problem found, each with its field (422)."""

    status = 422

    def __init__(self, errors: list[FieldError], message: str | None = None):
        self.errors = list(errors)
        shown = "; ".join(e.format() for e in self.errors[:5]) + ("; …" if len(self.errors) > 5 else "")
        super().__init__(message or "%(problems)s", problems=shown)
        self.field = self.errors[0].field if len(self.errors) == 1 else None

    @classmethod
    def one(cls, field: str, message: str, **values) -> Invalid:
        """A single field's problem, its message translatable like any other."""
        exc = cls([FieldError(field, message % values if values else message)])
        exc.template, exc.values = message, values
        return exc

    def field_errors(self) -> list[FieldError]:
        return self.errors


class DraftError(DomainError):
    """A change to a draft that cannot be made as asked; shown as "field: message" beside the draft."""

    status = 422

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def details(self) -> list[dict]:
        """What the drafts API lists under `errors`."""
        return [{"field": self.field, "message": self.message}]


class BadFindings(DraftError):
    """Some finding ids name no citable finding; nothing was added. Every bad id is named with its reason."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("Not added, these finding ids are not citable: "
                         + "; ".join(f"{fid}: {why}" for fid, why in problems), field="finding_ids")

    def __str__(self) -> str:
        return self.message

    def details(self) -> list[dict]:
        return [{"field": "finding_ids", "id": fid, "message": why} for fid, why in self.problems]
