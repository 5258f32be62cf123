"""Errors of the domain that carry what a user needs: a message, the HTTP status that answers it, the field."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses, said for the user; `status` is the HTTP answer, `field` what was wrong."""

    status = 400

    def __init__(self, message: str, status: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.field = field


class DraftError(DomainError):
    """A change to a draft that cannot be made as asked; shown as "field: message" beside the draft."""

    status = 422

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def details(self) -> list[dict]:
        """What the API lists under `errors`."""
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
