"""Markdown to safe HTML: rendered with markdown-it, then sanitised with nh3."""

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "hr", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "hreflang"}, "th": {"scope"}, "abbr": {"title"}}


def render(text: str | None) -> Markup:
    """Render Markdown to sanitised HTML (no scripts, event handlers, styles or hx-*)."""
    html = _parser.render(text or "")
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto", "tel", "sms"},
            link_rel="noopener noreferrer",
            set_tag_attribute_values={"th": {"scope": "col"}},
        )
    )


def init_app(app: Flask) -> None:
    """Expose `render` as the `markdown` template filter."""
    app.add_template_filter(render, "markdown")
