"""Languages: Simplified Chinese at the root URLs, English under /en/.

A WSGI middleware moves a leading `/en` from PATH_INFO to SCRIPT_NAME, so every route
exists once and `url_for` keeps the visitor in the language they are reading.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import flask_babel
from babel.support import NullTranslations
from flask import Flask, has_app_context, request
from flask.globals import _cv_request
from flask_babel import Babel, format_date, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

ZH = "zh_Hans_CN"
EN = "en"
HTML_LANG = {ZH: "zh-CN", EN: "en"}
PREFIX = {ZH: "", EN: "/en"}
ENVIRON_KEY = "barrierfree.locale"
SITE_NAME = _l("茌平区残疾人服务与规划信息网")


class LocalePrefixMiddleware:
    """Serve /en/... as the English version of the route at /...."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The wrapped application, with an /en path served as English."""
        path = environ.get("PATH_INFO", "")
        if path == "/en" or path.startswith("/en/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/en"
            environ["PATH_INFO"] = path[3:] or "/"
            environ[ENVIRON_KEY] = EN
        return self.app(environ, start_response)


def select_locale() -> str:
    """The locale named by the URL prefix; Chinese otherwise (and outside a request).

    Read from Flask's request context variable itself, not through `request`: a page asks
    two hundred times, and `has_request_context()` with `request`'s proxy cost three times
    as much as the answer.
    """
    context = _cv_request.get(None)
    return ZH if context is None else context.request.environ.get(ENVIRON_KEY, ZH)


_forced_locale: ContextVar[str | None] = ContextVar("forced_locale", default=None)


@contextmanager
def force_locale(locale: str) -> Iterator[None]:
    """Write in `locale` (ZH or EN) for a while, whatever the request's language: mail to a
    resident, a search document in each language."""
    token = _forced_locale.set(locale)
    try:
        with flask_babel.force_locale(locale):
            yield
    finally:
        _forced_locale.reset(token)


def current_locale() -> str:
    """The active locale: ZH or EN.

    The forced one, else the request's, as flask-babel's locale selector reads it, without
    asking flask-babel: that costs ten microseconds, and a page asks a hundred times. So
    the site forces a locale with `force_locale` above, never with flask-babel's own.
    """
    return EN if (_forced_locale.get() or select_locale()) == EN else ZH


_CATALOGUES: dict[str, NullTranslations] = {}


def _in_templates(method: str, count_at: int | None = None) -> Callable[..., str]:
    """Jinja's `_`, `gettext`, `ngettext` … as its i18n extension makes them ("newstyle":
    always a format string, the count as `num`), but calling the catalogue directly. Through
    the extension's wrappers and flask-babel a page's fifty strings cost a tenth of it."""

    @pass_context
    def translate(context: Context, *args: str | int, **variables: object) -> str:
        text = getattr(translations(), method)(*args)
        if count_at is not None:
            variables.setdefault("num", args[count_at])
        if not context.eval_ctx.autoescape:
            return text % variables
        # Markup's % escapes the values; with none, the plain string's is five times faster.
        return Markup(text) % variables if variables else Markup(text % variables)

    return translate


def translations() -> NullTranslations:
    """The interface's translations in the active locale, found once per process.

    Templates' strings are translated with these: flask-babel finds them again for every
    string, at ten microseconds each.
    """
    locale = current_locale()
    catalogue = _CATALOGUES.get(locale)
    if catalogue is None:
        with flask_babel.force_locale(locale):
            catalogue = get_translations()
        if has_app_context():  # outside one, flask-babel has only the untranslated words
            _CATALOGUES[locale] = catalogue
    return catalogue


class Number(int):
    """A count or a limit that a message writes as the reader's language writes numbers
    (its "%(n)s"): 2,000 on an English page, 2000 on a Chinese one. Written when the
    message is, so a lazy message gets the language it is read in."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{int(self):,}" if is_english() else str(int(self))


def is_english() -> bool:
    """True when the visitor is reading the English site."""
    return current_locale() == EN


class Labels(Mapping[str, Markup]):
    """A table of codes and their labels (lazy_gettext strings) that templates read in the
    active language, translated once per process and language: a lazy string is looked up
    through flask-babel again at every use, and a page of contacts shows a hundred. A label
    is Markup, as the lazy string's `__html__` gave it to Jinja."""

    def __init__(self, labels: Mapping[str, object]) -> None:
        self.labels = labels
        self.by_locale: dict[str, dict[str, Markup]] = {}

    def in_language(self) -> dict[str, Markup]:
        """Every label in the active language."""
        locale = current_locale()
        found = self.by_locale.get(locale)
        if found is None:
            found = {code: Markup(str(label)) for code, label in self.labels.items()}
            if has_app_context():  # as `translations`: outside one, only the untranslated
                self.by_locale[locale] = found
        return found

    def __getitem__(self, code: str) -> Markup:
        return self.in_language()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def named(self, codes: Iterable[str]) -> list[Markup | str]:
        """The labels of `codes`, in order; a code without one as it is."""
        found = self.in_language()
        return [found.get(code, code) for code in codes]


# A query string is echoed in every page's own links (the other language, the display
# form's way back, alternate links) as it came, unless it is longer than any the site
# makes (a search is cut at 200 characters, 1,800 bytes encoded): then its first values
# are echoed, each cut as the site reads it, so a huge address is not written back four
# times over.
ECHOED_QUERY_BYTES = 2048
ECHOED_VALUES = 20
ECHOED_VALUE_CHARS = 200


def url_in(locale: str | None = None) -> str:
    """The current page's URL in `locale` (default: its own), query string kept."""
    query = request.query_string.decode("utf-8", "replace")
    if len(query) > ECHOED_QUERY_BYTES:
        values = parse_qsl(query, keep_blank_values=True)[:ECHOED_VALUES]
        query = urlencode(
            [(name[:ECHOED_VALUE_CHARS], v[:ECHOED_VALUE_CHARS]) for name, v in values]
        )
    path = PREFIX[locale or current_locale()] + request.path
    return f"{path}?{query}" if query else path


def localized(item: object, field: str) -> tuple[str | None, str | None]:
    """A content field in the visitor's language, and a `lang` to mark it with if needed.

    English visitors get the `<field>_en` translation when there is one; otherwise the
    Chinese text with the lang `zh-CN`, so that screen readers switch voice. The lang is
    None when the text is in the page's own language.
    """
    if not is_english():
        return getattr(item, field), None
    english = getattr(item, f"{field}_en", None)
    if english:
        return english, None
    return getattr(item, field), HTML_LANG[ZH]


def localized_element(params: dict[str, Any]) -> Markup:
    """components/localized.html's `localized_text`: `params["field"]` of `params["item"]`
    in the visitor's language, in a `params["tag"]` element (default span) with the
    `params["classes"]` given and the `lang` it needs; the runs of Chinese in an English
    text are marked (`mark_chinese`). A line break comes first, as the macro it replaces
    wrote it."""
    text, lang = localized(params["item"], params["field"])
    tag = escape(params.get("tag") or "span")
    classes = params.get("classes")
    attributes = f' class="{escape(classes)}"' if classes else ""
    if lang:
        attributes += f' lang="{escape(lang)}"'
    # Written out, not with Markup.format, whose formatter costs more than the macro did.
    # A missing text reads "None", as it did in the macro.
    body = escape(text) if lang else mark_chinese(text)  # type: ignore[arg-type]
    return Markup(f"\n<{tag}{attributes}>{body}</{tag}>")


CHINESE = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
CHINESE_RUN = re.compile(f"{CHINESE}+")
# What `mark_chinese` marks: a run of Chinese with the figures inside it and next to it, so
# that a citation (聊茌政发〔2022〕14号), a numbered name (专栏2) or a date (2025年) is read
# in one voice, not with a switch to English at each figure. The figures before it are
# taken only from their start (`(?<!\d)`): tried again at each digit of a long number, they
# cost its length squared.
CHINESE_PHRASE = re.compile(rf"(?:(?<!\d)\d+(?:\.\d+)?)?{CHINESE}+(?:[\d.%]*{CHINESE}+)*\d*")
TEXT_BETWEEN_TAGS = re.compile(r"(?<=>)[^<]+|^[^<]+")


def per_request(language_filter: Callable[..., object]) -> Callable[..., object]:
    """A filter whose answer depends on the request's language, as one Jinja works out at
    every render: Jinja's compiler otherwise applies a filter to a constant once, when it
    compiles the template, in whatever language that first request was ("聊茌政发〔2022〕14号"
    | mark_chinese was left unmarked on the English site after a Chinese page came first)."""

    @pass_context
    def filtered(_context: object, *args: object, **kwargs: object) -> object:
        return language_filter(*args, **kwargs)

    return filtered


def mark_chinese(html: str) -> Markup:
    """Safe HTML with its runs of Chinese marked lang="zh-CN", on the English site only.

    Plain strings are escaped first; Markup is taken as it is.
    """
    html = escape(html)
    if not is_english():
        return html
    return Markup(
        TEXT_BETWEEN_TAGS.sub(
            lambda text: CHINESE_PHRASE.sub(r'<span lang="zh-CN">\g<0></span>', text.group(0)),
            str(html),
        )
    )


def list_separator(names: list[str]) -> str:
    """What goes between the items of a list written in a line: 、 (", " in English); ；
    ("; ") when an item holds that separator itself, as 盲文、大字或有声资料 does, so that
    the reader, and the listener, can tell where each item ends (GB/T 15834's rule for
    分号, and English usage alike)."""
    catalogue = translations()  # not flask-babel's lookup: a list of contacts asks 30 times
    separator = catalogue.gettext("、")
    return catalogue.gettext("；") if any(separator in name for name in names) else separator


def inline_list(names: Iterable[object]) -> str:
    """Labels run on in one line: 甲、乙 / "Blind people, people with limited mobility" (in
    English the labels after the first lose the capital they have standing alone); see
    `list_separator` for a label that holds a 、 of its own."""
    labels = [str(name) for name in names]
    if is_english():
        labels = labels[:1] + [label[:1].lower() + label[1:] for label in labels[1:]]
    return list_separator(labels).join(labels)


def in_sentence(name: str) -> str:
    """An organisation's name as it stands inside an English sentence: "the District Health
    Bureau". A description ("Other relevant …") and any Chinese stay as they are."""
    if not is_english() or name.startswith("Other ") or CHINESE_RUN.search(name):
        return name
    return f"the {name}"


CHINESE_NUMERALS = "一二三四五六七八九十"


def part_label(number: str) -> str:
    """A part's number as the plan prints it (一、) or, in English, as a figure (1.)."""
    if is_english() and number in CHINESE_NUMERALS:
        return f"{CHINESE_NUMERALS.index(number) + 1}. "
    return f"{number}、"


def section_label(number: str) -> str:
    """A section's number as the plan prints it (（一）) or, in English, as (1)."""
    if is_english() and number in CHINESE_NUMERALS:
        return f"({CHINESE_NUMERALS.index(number) + 1}) "
    return f"（{number}）"


def or_list(names: list[str]) -> str:
    """Names joined as alternatives: 甲、乙或丙 / A, B or C (the separator as
    `list_separator` chooses it)."""
    names = [str(name) for name in names]
    if len(names) < 2:
        return "".join(names)
    items = list_separator(names).join(names[:-1])
    return _("%(items)s或%(last)s", items=items, last=names[-1])


# A date in words: the locale's own in Chinese (2026年10月9日); in English the site's
# British form (9 October 2026), not the American one of the plain "en" locale.
ENGLISH_DATE = "d MMMM y"


def date_text(value: date | str) -> str:
    """A date (or ISO date string) written out in the visitor's language: 2026年10月9日."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, ENGLISH_DATE if is_english() else "long")


def date_time_text(value: datetime) -> str:
    """A moment as residents read dates, with its time to the minute: 2026年12月6日 07:37,
    6 December 2026, 07:37 (never the back office's 2026-12-06 07:37). `value` is a
    wall-clock time: an aware one is written in its own zone."""
    day, clock = date_text(value.date()), f"{value:%H:%M}"
    return f"{day}, {clock}" if is_english() else f"{day} {clock}"


def date_time(value: datetime) -> Markup:
    """`date_time_text` in a <time> element that gives machines the moment itself
    (2026-12-06T07:37+08:00 for an aware `value`)."""
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(timespec="minutes"), date_time_text(value)
    )


# The most URLs `remembered_url_for` keeps per app: every fixed link of every page in both
# languages many times over, and a ceiling whatever addresses visitors make it build.
URLS_KEPT = 4096


def remembered_url_for(app: Flask) -> Callable[..., str]:
    """Templates' `url_for`: `app.url_for`, its answers kept for the life of the process.

    A page's eighty links cost a tenth of it to build again at every request, and a link's
    address depends only on the app's routes (fixed once it serves), the request's
    SCRIPT_NAME (the /en prefix, or where the site is mounted) and the arguments, which
    are the key. Public content cannot make one stale: a new slug is a new key. Anything
    else goes to `url_for` as it is: outside a request (full addresses), a relative
    endpoint (".x", the blueprint's own), `_external`, `_anchor` and the like, arguments
    other than strings and numbers, and routes matched by host.
    """
    urls: dict[tuple[object, ...], str] = {}

    def url_for(endpoint: str, /, **values: Any) -> str:
        context = _cv_request.get(None)
        if (
            context is None
            or context.url_adapter is None
            or endpoint[:1] == "."
            or app.url_map.host_matching
            or not all(
                type(value) in (str, int) and name[:1] != "_" for name, value in values.items()
            )
        ):
            return app.url_for(endpoint, **values)
        adapter = context.url_adapter
        key = (adapter.script_name, adapter.subdomain, endpoint, *sorted(values.items()))
        url = urls.get(key)
        if url is None:
            url = app.url_for(endpoint, **values)
            if len(urls) < URLS_KEPT:
                urls[key] = url
        return url

    return url_for


def init_app(app: Flask) -> None:
    """Install the prefix middleware, flask-babel and the template helpers."""
    app.wsgi_app = LocalePrefixMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        _=_in_templates("gettext"),
        gettext=_in_templates("gettext"),
        ngettext=_in_templates("ngettext", count_at=2),
        pgettext=_in_templates("pgettext"),
        npgettext=_in_templates("npgettext", count_at=3),
    )
    # Globals rather than context: macros imported without context can use them too.
    app.jinja_env.globals.update(
        url_in=url_in, localized=localized, localized_element=localized_element,
        site_name=SITE_NAME, number=Number,
    )  # fmt: skip
    app.jinja_env.globals["url_for"] = remembered_url_for(app)
    for language_filter in (
        part_label, date_text, date_time, or_list, in_sentence, inline_list, mark_chinese,
        section_label,
    ):  # fmt: skip
        app.add_template_filter(per_request(language_filter), language_filter.__name__)

    @app.context_processor
    def language_helpers() -> dict[str, str | bool]:
        locale = current_locale()
        return {
            "html_lang": HTML_LANG[locale],
            "is_english": locale == EN,
        }
