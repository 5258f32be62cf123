"""A draft as one print-ready HTML file (templates/export.html): self-contained, its stylesheet embedded so
that it prints the same offline. Rendered by its own Jinja environment, without Flask."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..render import markdown_to_html
from .view import DraftView
from .words import ExportContext, change_mark, group_heading, kind_heading, source_line


@cache
def _template():
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    return env.get_template("export.html")


def to_html(view: DraftView, ctx: ExportContext, css: str, back: str | None = None) -> str:
    """`css` is written into the page's <style> as it is: the caller vouches for it (and may hash it).
    `back`: the draft's page, linked at the top (not printed) so that the reader has a way back."""
    t = ctx.gettext
    return _template().render(
        view=view, ctx=ctx, css=css, back=back, markdown=markdown_to_html, source_line=source_line,
        # The catalogue's words are trusted text, as Jinja's own gettext treats them.
        _=lambda text: Markup(t(text)),
        group_heading=lambda group: group_heading(view.grouping, group, ctx.taxonomy, ctx.lang, t),
        kind_heading=lambda kind: kind_heading(kind, t), change_mark=lambda cited: change_mark(cited, t))
