"""Markdown to safe HTML: rendered with markdown-it, then sanitised with nh3."""

import functools
import re
from dataclasses import dataclass

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from .i18n import mark_chinese

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "hr", "abbr", "img",
}  # fmt: skip
STANDALONE_LINK = re.compile(r"<p>(<a [^>]*>[^<]*</a>)</p>")
ALLOWED_ATTRIBUTES = {
    "a": {"href", "hreflang"},
    "th": {"scope"},
    "abbr": {"title"},
    "img": {"src", "alt"},
}
# An image titled one of these (any case) is decoration: ![](/static/line.png "装饰").
DECORATIVE_TITLES = {"decorative", "装饰"}


def tokens(text: str | None) -> list[Token]:
    """The markdown-it tokens of `text`, parsed as `render` parses it."""
    return _parser.parse(text or "")


def plain_text(children: list[Token] | None) -> str:
    """The text of inline tokens as a reader hears it: images count as their alt text."""
    parts = []
    for child in children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(Image.from_token(child).alt)
    return "".join(parts)


def text(source: str | None) -> str:
    """What a Markdown text says without its marks: the words of each block, a line each,
    as `plain_text` hears them (a link's words, an image's alt text)."""
    return "\n".join(
        plain_text(token.children) for token in tokens(source) if token.type == "inline"
    )


def is_same_site(url: str) -> bool:
    """True for a path on this site (/…), not a URL with a scheme or a host (//…)."""
    # Browsers read a backslash as a slash, so "/\host" is another host too.
    return url.startswith("/") and not url.startswith(("//", "/\\"))


@dataclass(frozen=True)
class Image:
    """An image in Markdown: its source, its alt text, and whether it is decoration."""

    src: str
    alt: str
    decorative: bool

    @classmethod
    def from_token(cls, token: Token) -> "Image":
        """The image an `image` token stands for; a decorative image has the alt ""."""
        title = str(token.attrGet("title") or "").strip().lower()
        decorative = title in DECORATIVE_TITLES
        alt = "" if decorative else plain_text(token.children)
        return cls(str(token.attrGet("src") or ""), alt, decorative)


def _render_image(
    self: RendererHTML, stream: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An <img> with only src and alt; nothing for an image from another site or scheme.

    The CSP blocks other sites' images, and a broken image helps nobody; titles are left
    out because most readers never get to them.
    """
    image = Image.from_token(stream[idx])
    if not is_same_site(image.src):
        return ""
    return f'<img src="{escapeHtml(image.src)}" alt="{escapeHtml(image.alt)}">'


_parser.add_render_rule("image", _render_image)


def render(text: str | None, lang: str = "zh-CN") -> Markup:
    """Render Markdown in `lang` to sanitised HTML (no scripts, handlers, styles or hx-*).

    In English text, runs of Chinese are marked `lang="zh-CN"` so screen readers switch
    voice; a paragraph that is only a link gets the full target size (class standalone).
    """
    html = _render(text or "")
    return html if lang.startswith("zh") else mark_chinese(html)


# The same text always parses and sanitises the same: the texts of the pages asked for most
# are kept so (that was a tenth of a service page's time). Marking Chinese is not kept: it
# depends on the page's language.
@functools.lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    html = nh3.clean(
        _parser.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "sms"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"th": {"scope": "col"}},
    )
    return Markup(STANDALONE_LINK.sub(r'<p class="standalone">\1</p>', html))


def init_app(app: Flask) -> None:
    """Expose `render` as the `markdown` template filter."""
    app.add_template_filter(render, "markdown")
