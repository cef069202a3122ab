"""Authoring accessibility checks (ATAG 2.0 part B): what to fix in a draft before it is published.

`check` reads a draft's title, summary and Markdown body and returns findings in the
current locale. Errors block publishing; warnings only advise. The body is read as the
markdown-it tokens that `barrierfree.markdown.render` turns into the page, so the checks
see what readers get. An image must be an upload in the media library, /media/<name>: its
name is looked up there (one query for all of a text's images), since a deleted file would
be a broken image on the page, and any other address on this site (/static/…, a path with
no file behind it) is refused, as nothing checks that a file is there.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it.token import Token
from sqlalchemy import select

from ...database import db
from ...i18n import EN, ZH, force_locale
from ...markdown import Image, is_same_site, plain_text, tokens
from ..models import MediaFile

# Characters; English takes about two and a half letters for what a Chinese character says.
TITLE_LIMIT = {"zh": 60, "en": 150}
SUMMARY_LIMIT = {"zh": 160, "en": 400}
ALT_LIMIT = 125
SENTENCE_LIMIT = {"zh": 50, "en": 25}  # characters in Chinese, words in English
PARAGRAPH_LIMIT = {"zh": 200, "en": 120}
EXCERPT_LENGTH = 15

EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
IMAGE_FILE_NAME = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|heic|avif)$"
    r"|^(?:img|dsc[fn]?|pxl|mvimg|gopr|p|screenshot|微信图片)[_\- ]?[\d_\- ]{3,}$"
    r"|^\d{8}[_\-]?\d{6}$",
    re.IGNORECASE,
)
# Screen readers already say "image": alt text that starts with it, or is only it, says nothing.
PLACEHOLDER_ALT = re.compile(
    r"^(?:图片|图像|照片|image\b|(?:picture|photo) of\b|(?:picture|photo|图)\s*\d*$)",
    re.IGNORECASE,
)
# The alt text of the image snippet on the media page (media.snippet), there to be replaced:
# pasted unchanged, it would tell every reader of the page to describe the image.
ALT_PLACEHOLDER = _l("写清楚图片里有什么")
VAGUE_LINK_TEXTS = {
    "点击这里", "点击此处", "这里", "此处", "更多", "详情", "查看详情", "了解更多",
    "click here", "here", "more", "read more", "details", "link",
}  # fmt: skip
URL_TEXT = re.compile(r"^(?:[a-z][a-z\d+.\-]*://|www\.)\S*$", re.IGNORECASE)
DOCUMENT_PATH = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|wps|et|zip|rar)$", re.IGNORECASE)
OTHER_FORMATS_OFFERS = (
    "其他格式",
    "其它格式",
    "无障碍格式",
    "alternative format",
    "accessible format",
)
SENTENCE_END = {"zh": re.compile(r"[。！？；!?;\n]"), "en": re.compile(r"(?<=[.!?;])\s+|\n")}


@dataclass(frozen=True)
class Finding:
    """One problem in a draft: the form field it is in, what to do, and whether it blocks."""

    field: str
    message: str
    blocking: bool


@dataclass(frozen=True)
class Link:
    """A link in the body: where it goes, its text, and the paragraph or list item it is in."""

    href: str
    text: str
    block: int


def check(title: str, summary: str, body: str, *, lang: str = "zh") -> list[Finding]:
    """Every accessibility problem in a draft whose text is in `lang` ("zh" or "en")."""
    stream = tokens(body)
    lang = "en" if lang.startswith("en") else "zh"
    return [
        *_title(title, lang),
        *_summary(summary, lang),
        *_images(stream),
        *_headings(stream),
        *_links(stream),
        *_tables(stream),
        *_attachments(stream),
        *_long_sentences(stream, lang),
        *_long_paragraphs(stream, lang),
    ]


# --- Title and summary -------------------------------------------------------------------


def _title(title: str, lang: str) -> list[Finding]:
    """Error: no title, or a title longer than TITLE_LIMIT characters."""
    return _within_limit(
        "title",
        title,
        TITLE_LIMIT[lang],
        _("标题是空的。请写一个能说明页面内容的标题。"),
        _("标题有%(count)d个字，超过了%(limit)d个字。请缩短标题，把细节写进摘要或正文。"),
    )


def _summary(summary: str, lang: str) -> list[Finding]:
    """Error: no summary, or a summary longer than SUMMARY_LIMIT characters."""
    return _within_limit(
        "summary",
        summary,
        SUMMARY_LIMIT[lang],
        _("摘要是空的。请用一两句话概括页面内容。"),
        _("摘要有%(count)d个字，超过了%(limit)d个字。请缩短摘要，把细节写进正文。"),
    )


def untitled_translation() -> Finding:
    """Warning: English text filled in while the English title is empty. The English site
    shows each English field that is filled in and the Chinese of the others, so the
    English text appears under the Chinese title: worth saying, not worth refusing."""
    return _warning(
        "title",
        _(
            "英文标题是空的，但填写了其他英文内容：英文网站会在中文标题下显示这些英文内容。"
            "请填写英文标题。"
        ),
    )


def _within_limit(field: str, text: str, limit: int, empty: str, too_long: str) -> list[Finding]:
    """An error if `text` is empty or longer than `limit` (`too_long` has count and limit)."""
    length = len(text.strip())
    if not length:
        return [_error(field, empty)]
    if length > limit:
        return [_error(field, too_long % {"count": length, "limit": limit})]
    return []


# --- Images ------------------------------------------------------------------------------


def _images(stream: list[Token]) -> list[Finding]:
    """Errors: an image from another site, not an upload or an upload no longer kept, or
    without useful alt text and not decorative."""
    images = [
        Image.from_token(child) for child in _inline_children(stream) if child.type == "image"
    ]
    gone = _uploads_gone(image.src for image in images)
    problems = (_image_problem(number, image, gone) for number, image in enumerate(images, start=1))
    return [_error("body", problem) for problem in problems if problem]


def _image_problem(number: int, image: Image, gone: set[str]) -> str | None:
    """What is wrong with the `number`th image (`gone`: the uploads no longer kept), or
    None."""
    src = unquote(image.src)
    if not is_same_site(image.src):
        return _(
            "第%(number)d个图片（%(src)s）不是本站的图片，发布后不会显示。"
            "请把图片上传到媒体库，再把媒体库给出的写法贴进正文。",
            number=number,
            src=src,
        )
    problem = None if image.decorative else _alt_problem(number, image)
    if problem is not None:
        return problem
    name = _upload_name(image.src)
    if name is None:
        return _(
            "第%(number)d个图片（%(src)s）不是媒体库里的文件，本站不能保证它存在。"
            "请把图片上传到媒体库，再把媒体库给出的写法贴进正文。",
            number=number,
            src=src,
        )
    if name in gone:
        return _(
            "第%(number)d个图片（%(src)s）在媒体库里找不到，可能已经删除了，发布后不会显示。"
            "请重新上传这个图片，或者删去它。",
            number=number,
            src=src,
        )
    return None


# An uploaded file's address (media.public_path): /media/<name>, under /en too.
UPLOAD_PATH = re.compile(r"^(?:/en)?/media/([^/]+)$")


def _upload_name(src: str) -> str | None:
    """The name of the uploaded file an address on this site shows, or None."""
    found = UPLOAD_PATH.match(urlsplit(src).path)
    return unquote(found.group(1)) if found else None


def _uploads_gone(sources: Iterable[str]) -> set[str]:
    """The names of uploaded files these addresses show that the media library no longer
    keeps (deleted): one query for all of them, none when no address shows an upload."""
    names = {name for src in sources if is_same_site(src) and (name := _upload_name(src))}
    if not names:
        return set()
    kept = db.session.scalars(select(MediaFile.name).where(MediaFile.name.in_(names)))
    return names - set(kept)


def _alt_problem(number: int, image: Image) -> str | None:
    """What is wrong with the alt text of the `number`th image, or None."""
    src = unquote(image.src)
    alt = _trimmed(image.alt)
    if not alt:
        return _(
            "第%(number)d个图片（%(src)s）没有替代文字。请写出图片要传达的内容；"
            '如果图片只是装饰，请写成 ![](%(src)s "装饰")。',
            number=number,
            src=src,
        )
    if len(image.alt.strip()) > ALT_LIMIT:
        return _(
            "第%(number)d个图片（%(src)s）的替代文字有%(count)d个字，超过了%(limit)d个字。"
            "请只写要点，把详细说明放进正文。",
            number=number,
            src=src,
            count=len(image.alt.strip()),
            limit=ALT_LIMIT,
        )
    if IMAGE_FILE_NAME.search(alt):
        return _(
            "第%(number)d个图片的替代文字“%(alt)s”是文件名。请改为写出图片要传达的内容。",
            number=number,
            alt=image.alt.strip(),
        )
    if _is_alt_placeholder(alt):
        return _(
            "第%(number)d个图片的替代文字还是上传页面的提示“%(alt)s”。请改为写出这张图片里有什么。",
            number=number,
            alt=image.alt.strip(),
        )
    if PLACEHOLDER_ALT.search(alt):
        return _(
            "第%(number)d个图片的替代文字“%(alt)s”以“图片”之类的词开头。"
            "读屏软件会自己读出“图片”，请直接写出图片的内容。",
            number=number,
            alt=image.alt.strip(),
        )
    return None


def _is_alt_placeholder(alt: str) -> bool:
    """True for the media page's placeholder alt text, in either language: a snippet copied
    from the English page carries the English one, and goes on the Chinese page too."""
    placeholders = set()
    for locale in (ZH, EN):
        with force_locale(locale):
            placeholders.add(_folded(str(ALT_PLACEHOLDER)))
    return _folded(alt) in placeholders


def _folded(text: str) -> str:
    """Text compared without case, spaces or punctuation at its ends."""
    return "".join(_trimmed(text).split()).casefold()


# --- Headings ----------------------------------------------------------------------------


def _headings(stream: list[Token]) -> list[Finding]:
    """Errors: an empty heading, an h1 in the body (the title is the h1), a skipped level."""
    headings = [
        (int(token.tag[1]), plain_text(stream[index + 1].children).strip())
        for index, token in enumerate(stream)
        if token.type == "heading_open"
    ]
    findings = []
    previous = 1  # the page title
    for number, (level, text) in enumerate(headings, start=1):
        problem = _heading_problem(number, level, text, previous)
        if problem:
            findings.append(_error("body", problem))
        previous = level
    return findings


def _heading_problem(number: int, level: int, text: str, previous: int) -> str | None:
    """What is wrong with the `number`th heading, at `level` after one at `previous`, or None."""
    if not text:
        return _(
            "第%(number)d个标题没有文字。请写出这一节讲什么，或删掉这个标题。",
            number=number,
        )
    if level == 1:
        return _(
            "标题“%(text)s”是一级标题（#）。页面标题是唯一的一级标题，"
            "正文的标题请从二级标题（##）开始。",
            text=text,
        )
    if level > previous + 1:
        return _(
            "标题“%(text)s”从%(previous)d级标题跳到了%(level)d级标题。"
            "请改为%(expected)d级标题（%(marks)s），标题层级不要跳级。",
            text=text,
            previous=previous,
            level=level,
            expected=previous + 1,
            marks="#" * (previous + 1),
        )
    return None


# --- Links and attachments ---------------------------------------------------------------


def _links(stream: list[Token]) -> list[Finding]:
    """Errors: a link without text, with text that says nothing (更多), or a bare URL."""
    findings = []
    for number, link in enumerate(_all_links(stream), start=1):
        href = unquote(link.href)
        words = " ".join(_trimmed(link.text).lower().split())
        if not words:
            message = _(
                "第%(number)d个链接（%(href)s）没有文字。请写出链接指向哪里，例如页面或文件的名称。",
                number=number,
                href=href,
            )
        elif words in VAGUE_LINK_TEXTS:
            message = _(
                "链接文字“%(text)s”（%(href)s）没有说明链接指向哪里。"
                "请改为说明去向的文字，例如页面或文件的名称。",
                text=link.text,
                href=href,
            )
        elif URL_TEXT.match(_trimmed(link.text)):
            message = _(
                "链接文字“%(text)s”是一个网址，读屏软件会逐个字符读出。"
                "请改为说明去向的文字，例如网站或页面的名称。",
                text=link.text,
            )
        else:
            continue
        findings.append(_error("body", message))
    return findings


def _attachments(stream: list[Token]) -> list[Finding]:
    """Errors: a document (PDF, Word, …) with no web page beside it, no other formats offered."""
    text = " ".join(plain_text(token.children) for token in stream if token.type == "inline")
    if any(offer in text.lower() for offer in OTHER_FORMATS_OFFERS):
        return []
    links = _all_links(stream)
    with_web_page = {
        link.block for link in links if is_same_site(link.href) and not _is_document(link.href)
    }
    return [
        _error(
            "body",
            _(
                "附件“%(text)s”（%(href)s）没有无障碍的替代版本。请在同一段落或列表项里"
                "加一个内容相同的网页链接，或在正文中说明如何索取其他格式。",
                text=link.text,
                href=unquote(link.href),
            ),
        )
        for link in links
        if _is_document(link.href) and link.block not in with_web_page
    ]


def _all_links(stream: list[Token]) -> list[Link]:
    """Every link in the body, each with the paragraph or innermost list item it is in."""
    links = []
    list_items = []  # the indices of the list items open around the current token
    for index, token in enumerate(stream):
        if token.type == "list_item_open":
            list_items.append(index)
        elif token.type == "list_item_close":
            list_items.pop()
        elif token.type == "inline":
            block = list_items[-1] if list_items else index
            links.extend(_links_in(token.children or [], block))
    return links


def _links_in(children: list[Token], block: int) -> list[Link]:
    """The links among one inline token's children."""
    links = []
    start = 0
    for position, child in enumerate(children):
        if child.type == "link_open":
            start = position
        elif child.type == "link_close":
            href = str(children[start].attrGet("href") or "")
            text = plain_text(children[start + 1 : position]).strip()
            links.append(Link(href, text, block))
    return links


def _is_document(href: str) -> bool:
    """True for a link to a file that is not a web page (query string and fragment ignored)."""
    return bool(DOCUMENT_PATH.search(urlsplit(href).path))


# --- Tables ------------------------------------------------------------------------------


def _tables(stream: list[Token]) -> list[Finding]:
    """Errors: a table whose header row is missing or has only empty cells."""
    findings = []
    number = 0
    in_header = False
    header_cells: list[str] = []
    for token in stream:
        if token.type == "table_open":
            number += 1
            header_cells = []
        elif token.type in ("thead_open", "thead_close"):
            in_header = token.type == "thead_open"
        elif token.type == "inline" and in_header:
            header_cells.append(plain_text(token.children).strip())
        elif token.type == "table_close" and not any(header_cells):
            findings.append(
                _error(
                    "body",
                    _(
                        "第%(number)d个表格没有表头：第一行的单元格都是空的。"
                        "请在第一行写出每一列的名称。",
                        number=number,
                    ),
                )
            )
    return findings


# --- Readability (warnings) --------------------------------------------------------------


def _long_sentences(stream: list[Token], lang: str) -> list[Finding]:
    """Warnings: sentences longer than 50 characters (Chinese) or 25 words (English)."""
    limit = SENTENCE_LIMIT[lang]
    findings = []
    for paragraph in _paragraphs(stream):
        for sentence in SENTENCE_END[lang].split(paragraph):
            count = _size(sentence, lang)
            if count <= limit:
                continue
            values = {"start": _excerpt(sentence), "count": count, "limit": limit}
            if lang == "en":
                message = _(
                    "句子“%(start)s”有%(count)d个词，超过了%(limit)d个词。请拆成几个短句。",
                    **values,
                )
            else:
                message = _(
                    "句子“%(start)s”有%(count)d个字，超过了%(limit)d个字。请拆成几个短句。",
                    **values,
                )
            findings.append(_warning("body", message))
    return findings


def _long_paragraphs(stream: list[Token], lang: str) -> list[Finding]:
    """Warnings: paragraphs longer than 200 characters (Chinese) or 120 words (English)."""
    limit = PARAGRAPH_LIMIT[lang]
    findings = []
    for paragraph in _paragraphs(stream):
        count = _size(paragraph, lang)
        if count <= limit:
            continue
        values = {"start": _excerpt(paragraph), "count": count, "limit": limit}
        if lang == "en":
            message = _(
                "段落“%(start)s”有%(count)d个词，超过了%(limit)d个词。请分成几段，每段讲一件事。",
                **values,
            )
        else:
            message = _(
                "段落“%(start)s”有%(count)d个字，超过了%(limit)d个字。请分成几段，每段讲一件事。",
                **values,
            )
        findings.append(_warning("body", message))
    return findings


def _paragraphs(stream: list[Token]) -> list[str]:
    """The text of every paragraph in the body, in list items and quotes too."""
    return [
        plain_text(stream[index + 1].children)
        for index, token in enumerate(stream)
        if token.type == "paragraph_open"
    ]


def _size(text: str, lang: str) -> int:
    """How long `text` is: words in English, characters other than spaces in Chinese."""
    return len(text.split()) if lang == "en" else len("".join(text.split()))


# --- Helpers -----------------------------------------------------------------------------


def _inline_children(stream: list[Token]) -> list[Token]:
    """The inline tokens (text, links, images, …) of the whole body, in order."""
    return [child for token in stream if token.type == "inline" for child in token.children or []]


def _trimmed(text: str) -> str:
    """`text` without spaces, punctuation or symbols at either end: "更多>>" gives "更多"."""
    return EDGE_PUNCTUATION.sub("", text)


def _excerpt(text: str) -> str:
    """The start of `text` to quote in a message: its first 15 characters and "…"."""
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "…"


def _error(field: str, message: str) -> Finding:
    """A finding that blocks publishing."""
    return Finding(field, message, blocking=True)


def _warning(field: str, message: str) -> Finding:
    """A finding that only advises."""
    return Finding(field, message, blocking=False)
