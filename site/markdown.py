"""Markdown to safe HTML: rendered with markdown-it, then sanitised with nh3."""

import re

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "hr", "abbr",
}  # fmt: skip
STANDALONE_LINK = re.compile(r"<p>(<a [^>]*>[^<]*</a>)</p>")
TEXT_BETWEEN_TAGS = re.compile(r"(?<=>)[^<]+")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
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
    html = STANDALONE_LINK.sub(r'<p class="standalone">\1</p>', html)
    if not lang.startswith("zh"):
        html = TEXT_BETWEEN_TAGS.sub(
            lambda text: CHINESE.sub(r'<span lang="zh-CN">\g<0></span>', text.group(0)), html
        )
    return Markup(html)


def init_app(app: Flask) -> None:
    """Expose `render` as the `markdown` template filter."""
    app.add_template_filter(render, "markdown")
