"""Markdown of consultation descriptions, rendered then sanitised with nh3 (no script, no style, no event)."""

import markdown
import nh3
from markupsafe import Markup

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "code", "pre", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(source):
    """Safe HTML (Markup) of a Markdown text written by the project team."""
    html = markdown.markdown(source or "", output_format="html")
    return Markup(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener",
        )
    )
