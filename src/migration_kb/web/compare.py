"""Practices side by side (/compare?ids=a,b,c): shareable, printable, and filled without JavaScript."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from ..reads.compare import MAX_COMPARED, compare, wanted_ids
from .i18n import asked_lang
from .services import kb

bp = Blueprint("compare", __name__)


def compare_url(ids: list[str]) -> str:
    return url_for("compare.compare_page", ids=",".join(ids) or None, lang=asked_lang())


def basket() -> list[str]:
    """The practices a delegate is gathering for a comparison, carried from page to page in `?compare=`."""
    return wanted_ids(request.args.getlist("compare"))[:MAX_COMPARED]


def add_to_comparison_url(entry_id: str) -> str | None:
    """The comparison with this practice added to those gathered so far (None when it is already there).
    A fifth is added too: the comparison then says that at most four can be compared, rather than silently
    dropping the first one gathered."""
    ids = basket()
    return None if entry_id in ids else compare_url([*ids, entry_id])


@bp.get("/compare")
def compare_page():
    ids = wanted_ids(request.args.getlist("ids"))
    comparison = None
    if ids:
        with kb().db.session() as s:
            comparison = compare(s, ids)  # unknown ids or more than four: 400, naming them
    return render_template("delegates/compare.html", comparison=comparison, ids=ids, max=MAX_COMPARED,
                           without=lambda i: compare_url([x for x in ids if x != i]))


bp.add_app_template_global(add_to_comparison_url)
bp.add_app_template_global(basket, "comparison_basket")
bp.add_app_template_global(compare_url)
bp.add_app_template_global(MAX_COMPARED, "comparison_max")
