"""Corridor pages: every practice between two states, the blocs they share, their timeline and findings."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..reads.corridors import corridor, corridor_key, parse_key
from .lifecycle import lifecycle_text
from .services import kb

bp = Blueprint("corridors", __name__)
bp.add_app_template_global(lifecycle_text)  # "no longer in force since 2020", for the delegates' pages


@bp.get("/corridors/<key>")
def corridor_page(key: str):
    parsed = parse_key(key)
    tax = kb().taxonomy
    if parsed is None or not all(c in tax.countries for c in parsed):
        abort(404)
    canonical = corridor_key(*parsed)
    if key != canonical:  # BO-AR and ar-bo name the page AR-BO
        args = {k: v for k, v in request.args.items()}
        return redirect(url_for("corridors.corridor_page", key=canonical, **args), 301)
    with kb().db.session() as s:
        view = corridor(s, tax, *parsed)
    if view is None:
        abort(404)
    return render_template("delegates/corridor.html", view=view)
