"""The findings workbench page (/findings): search filters plus kind of finding and workshop panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import abort, render_template, request

from ...drafting import access
from ...drafting import workbench as findings
from ...records import FINDING_KINDS
from ..auth import can, current_user
from ..criteria import Criteria
from ..i18n import asked_lang
from ..search import read_request
from ..services import kb
from .common import bp


@dataclass
class FindingCriteria(Criteria):
    """The search criteria plus the workbench's own filters (finding kind, workshop panel)."""

    kinds: list[str] = field(default_factory=list)
    panels: list[str] = field(default_factory=list)
    draft: int | None = None

    def url(self, path: str | None = None, kinds: list[str] | None = None, panels: list[str] | None = None,
            **changes) -> str:
        base = super().url(path, **changes)
        extra = [("kind", k) for k in (self.kinds if kinds is None else kinds)]
        extra += [("panel", p) for p in (self.panels if panels is None else panels)]
        if self.draft:
            extra.append(("draft", str(self.draft)))
        return base + (("&" if "?" in base else "?") + urlencode(extra) if extra else "")

    def _own(self, facet: str) -> list[str] | None:
        return {"kind": self.kinds, "panel": self.panels}.get(facet)

    def is_selected(self, facet: str, value: str) -> bool:
        own = self._own(facet)
        return value in own if own is not None else super().is_selected(facet, value)

    def toggle_url(self, facet: str, value: str) -> str:
        own = self._own(facet)
        if own is None:
            return super().toggle_url(facet, value)
        new = [v for v in own if v != value] if value in own else [*own, value]
        return self.url(page="", **{"kinds" if facet == "kind" else "panels": new})

    def chips(self) -> list[tuple[str, str, str]]:
        own = [(f, v, self.toggle_url(f, v)) for f in ("kind", "panel") for v in self._own(f)]
        return own + super().chips()

    @property
    def active(self) -> bool:
        return super().active or bool(self.kinds or self.panels)


def _workbench_filters(panels_known: dict[str, str]) -> tuple[list[str], list[str]]:
    kinds = list(dict.fromkeys(k for k in request.args.getlist("kind") if k))
    panels = list(dict.fromkeys(p for p in request.args.getlist("panel") if p))
    for k in kinds:
        if k not in FINDING_KINDS:
            abort(400, description=f"kind: {k[:40]!r} is not one of {', '.join(FINDING_KINDS)}")
    for p in panels:
        if p not in panels_known:
            abort(400, description=f"panel: {p[:80]!r} is not a workshop panel")
    return kinds, panels


@bp.get("/findings")
def workbench():
    req = read_request()
    with kb().db.session() as s:
        panels_known = findings.panel_titles(s)
        kinds, panels = _workbench_filters(panels_known)
        found = findings.collect(s, kb().searcher, req, kinds, panels)
    draft_id = request.args.get("draft", type=int)
    in_draft = _cited(draft_id)
    criteria = FindingCriteria(req, asked_lang(), "/findings", kinds=kinds, panels=panels, draft=draft_id)
    pages = max(1, -(-found.total // req.per_page))
    return render_template("drafts/workbench.html", criteria=criteria, found=found, pages=pages,
                           panel_titles=panels_known, current_draft=draft_id, facet_shown=6,
                           in_draft=in_draft)


def _cited(draft_id: int | None) -> set[str]:
    """The findings the chosen draft already cites (none when there is no draft, or not one of the user's)."""
    if not draft_id or not can("draft", current_user()):
        return set()
    with kb().db.session() as s:
        draft = access.draft_for(s, draft_id, current_user())
        return {f"{i.entry_id}:{i.finding_position}" for i in draft.items} if draft else set()
