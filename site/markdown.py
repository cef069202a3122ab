"""Markdown to safe HTML: rendered with markdown-it, then sanitised with nh3."""

import re

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

from .i18n import mark_chinese

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "hr", "abbr",
}  # fmt: skip
STANDALONE_LINK = re.compile(r"<p>(<a [^>]*>[^<]*</a>)</p>")
ALLOWED_ATTRIBUTES = {"a": {"href", "hreflang"}, "th": {"scope"}, "abbr": {"title"}}


def render(text: str | None, lang: str = "zh-CN") -> Markup:
    """Render Markdown in `lang` to sanitised HTML (no scripts, handlers, styles or hx-*).

    In English text, runs of Chinese are marked `lang="zh-CN"` so screen readers switch
    voice; a paragraph that is only a link gets the full target size (class standalone).
    """
    html = nh3.clean(
        _parser.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "sms"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"th": {"scope": "col"}},
    )
    html = Markup(STANDALONE_LINK.sub(r'<p class="standalone">\1</p>', html))
    return html if lang.startswith("zh") else mark_chinese(html)


def init_app(app: Flask) -> None:
    """Expose `render` as the `markdown` template filter."""
    app.add_template_filter(render, "markdown")
