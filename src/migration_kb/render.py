"""Markdown -> sanitised HTML. Entry bodies come from experts and the API: never trust them."""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
                "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
                "abbr", "dl", "dt", "dd"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def markdown_to_html(text: str) -> Markup:
    """Render Markdown and keep only harmless tags: no script, no event handlers, no javascript: links.

    An entry's body starts at level 2: a level-1 heading is the page's own title.
    """
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists", "def_list", "abbr"],
                             output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean)
