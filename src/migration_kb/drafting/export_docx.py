"""A draft as a Word document (python-docx): the same structure as the Markdown export, with the
rapporteur's own Markdown (paragraphs, lists, **bold**, *italic*) turned into Word paragraphs and runs."""

from __future__ import annotations

import io
import re

from docx import Document

from .view import DraftView
from .words import ExportContext, change_mark, group_heading, kind_heading, source_line

INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|_[^_]+_)")


def _runs(paragraph, text: str) -> None:
    """**bold** and *italic* of the rapporteur's Markdown as Word runs; the rest as plain text."""
    for piece in INLINE.split(text):
        if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            paragraph.add_run(piece[2:-2]).bold = True
        elif len(piece) > 2 and piece[0] in "*_" and piece[-1] == piece[0]:
            paragraph.add_run(piece[1:-1]).italic = True
        elif piece:
            paragraph.add_run(piece)


def _markdown_to_docx(doc, text: str) -> None:
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(re.match(r"^\s*([-*+]|\d+\.)\s", line) for line in lines):
            for line in lines:
                numbered = re.match(r"^\s*\d+\.", line)
                _runs(doc.add_paragraph(style="List Number" if numbered else "List Bullet"),
                      re.sub(r"^\s*([-*+]|\d+\.)\s+", "", line))
        elif block.startswith("#"):
            doc.add_heading(block.lstrip("#").strip(), level=3)
        else:
            _runs(doc.add_paragraph(), " ".join(line.strip() for line in lines))


def to_docx(view: DraftView, ctx: ExportContext) -> bytes:
    t = ctx.gettext
    doc = Document()
    doc.core_properties.title = view.title
    doc.add_heading(view.title, level=0)
    if view.event_title:
        doc.add_paragraph().add_run(f"{t('Conclusions of')}: {view.event_title}").italic = True
    if view.intro:
        _markdown_to_docx(doc, view.intro)
    for group, sections in view.groups:
        doc.add_heading(group_heading(view.grouping, group, ctx.taxonomy, ctx.lang, t), level=1)
        for section in sections:
            doc.add_heading(kind_heading(section.kind, t), level=2)
            if section.text:
                _markdown_to_docx(doc, section.text)
            for c in section.items:
                p = doc.add_paragraph(style="List Bullet")
                p.add_run(c.text + " ")
                p.add_run(f"[{c.number}]").bold = True
                if mark := change_mark(c, t):
                    p.add_run(f" ({mark})").italic = True
    doc.add_heading(t("Sources"), level=1)
    for cite in view.citations:
        p = doc.add_paragraph()
        p.add_run(f"[{cite.number}] ").bold = True
        p.add_run(f"{cite.title}. {ctx.permalink(cite.entry_id)}")
        for src in cite.sources:
            doc.add_paragraph(source_line(src), style="List Bullet 2")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
