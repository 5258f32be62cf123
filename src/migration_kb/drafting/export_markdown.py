"""A draft as a Markdown document: headings by group and kind, cited findings with [n], then the sources."""

from __future__ import annotations

from .view import DraftView
from .words import ExportContext, change_mark, group_heading, kind_heading, source_line


def to_markdown(view: DraftView, ctx: ExportContext) -> str:
    t = ctx.gettext
    out = [f"# {view.title}", ""]
    if view.event_title:
        out += [f"*{t('Conclusions of')}: {view.event_title}*", ""]
    if view.intro:
        out += [view.intro, ""]
    for group, sections in view.groups:
        out += [f"## {group_heading(view.grouping, group, ctx.taxonomy, ctx.lang, t)}", ""]
        for section in sections:
            out += [f"### {kind_heading(section.kind, t)}", ""]
            if section.text:
                out += [section.text, ""]
            for c in section.items:
                out.append(f"- {c.text} [{c.number}]")
                if mark := change_mark(c, t):
                    out.append(f"  *({mark})*")
            if section.items:
                out.append("")
    out += [f"## {t('Sources')}", ""]
    # One list: an item per cited entry, its sources a list nested in it (four spaces: CommonMark and
    # Python-Markdown both nest it).
    for cite in view.citations:
        out.append(f"- **[{cite.number}]** {cite.title}. <{ctx.permalink(cite.entry_id)}>")
        out += [f"    - {source_line(src)}" for src in cite.sources]
    return "\n".join(out).rstrip() + "\n"
