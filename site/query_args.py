"""Reading filter choices from a query string, keeping a clear message for each bad value;
and the one rule for the characters any typed or imported text may hold, and for when it
holds nothing to read.

A filter form is a GET form, so its values arrive in the URL, where anyone can change them.
A value that is not one of the choices is ignored and reported; it never raises.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from htmx_flask import request
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

MAX_VALUE = 100
# What XML 1.0 does not allow (the feed and the sitemap are XML), with the surrogates and the
# non-characters U+FFFE and U+FFFF. Tab, newline and carriage return are allowed.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Word's manual line break (U+000B) and page break (U+000C) come in with pasted text, and
# mean a new line there; so do Unicode's other line breaks, the next line (U+0085, from
# old mainframe and Windows-1252 text) and the line separator (U+2028). The paragraph
# separator (U+2029) starts a paragraph, which Markdown writes as an empty line.
BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n"})
# A browser sends a textarea's line breaks as CR LF (HTML asks for it on submission), where
# the box itself, its character count and whatever reads it as typed have LF alone; an old
# Mac's file ends its lines in CR. Either is one line break, as LF.
LINE_ENDS = re.compile(r"\r\n?")
# The C1 controls (U+0080 to U+009F) are printed by nobody: a text holding one was read in
# the wrong encoding (Windows-1252's curly quotes read as Latin-1 become U+0093 and U+0094),
# and the rest of it is worth a look too. Refused in any text, as NOT_IN_XML is.
C1_CONTROLS = re.compile("[\x80-\x9f]")
# Invisible characters that change the direction of the text around them: the marks
# (U+200E, U+200F, U+061C), embeddings and overrides (U+202A to U+202E) and isolates (U+2066
# to U+2069). Nobody here types one on purpose, and one can make a title, or a line of the
# audit log, read other than what it holds (甲\u202e乙丙 shows 甲丙乙): refused in any text
# staff write. (The residents' forms drop them instead, feedback.spec.BIDI_CONTROLS: a
# resident is not asked to hunt for a character nobody can see.)
DIRECTION_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# What a message quoting a value from the address shows as U+FFFD: what XML does not allow,
# the C1 controls, the direction controls, and the other characters drawn as nothing (the
# other controls, format characters such as the zero-width space, line breaks).
UNSEEN_IN_A_MESSAGE = re.compile(
    "|".join(
        (NOT_IN_XML.pattern, C1_CONTROLS.pattern, DIRECTION_CONTROLS.pattern,
         "[\t\n\r\u200b-\u200d\u2028\u2029\u2060\ufeff\u00ad]")
    )
)  # fmt: skip
# Line breaks, which a one-line text (a name, a title) cannot hold: refused, not joined,
# since only the writer knows whether the break stood for a space (between English words)
# or for nothing (between Chinese characters).
LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
# Characters drawn as nothing that say nothing in a line of text: the zero-width space and
# the soft hyphen only say where a long word may break, the word joiner where it may not,
# and the byte-order mark is left from the start of a file. They come with text copied
# from web pages and Word, and nobody can see them to delete them: a one-line text loses
# them, which changes nothing anyone reads (but lets a name be found as typed).
UNSEEN_IN_A_LINE = dict.fromkeys(map(ord, "\u200b\u00ad\u2060\ufeff"))
# Letters that are drawn as nothing: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and
# the blank Braille pattern. A text of these alone looks empty, and is often sent to get past
# a required field.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# The categories of characters that are never seen alone: spaces and separators (Z*),
# controls (Cc), format characters (Cf: zero-width spaces, joiners, the byte-order mark), and
# combining marks (M*), which show only on a character before them.
UNSEEN_CATEGORIES = ("Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Mc", "Me")


@dataclass
class Problem:
    """A bad value: the id of the field to fix, and what was wrong.

    It has the `text` and `href` an error summary links with.
    """

    field_id: str
    text: str

    @property
    def href(self) -> str:
        """The link from the error summary to the field."""
        return f"#{self.field_id}"


class Problems(list):
    """The problems found in one query string."""

    def for_field(self, field_id: str) -> str | None:
        """The message to show next to a field, if any."""
        return next((p.text for p in self if p.field_id == field_id), None)


@dataclass
class QueryArgs:
    """The query string of one request, and the problems found while reading it."""

    args: MultiDict
    problems: Problems = field(default_factory=Problems)

    def choice(
        self, name: str, choices: Mapping, label: str, field_id: str | None = None
    ) -> str | None:
        """One of `choices` (keys), or None when absent, empty or not a choice.

        `field_id` names the control to fix when its id is not the field's name.
        """
        value = self.args.get(name, "")
        if not value:
            return None
        if value in choices:
            return value
        self._reject(field_id or name, value, label)
        return None

    def choices(self, name: str, choices: Mapping, label: str) -> list[str]:
        """The values of a repeated field that are choices, in the order of `choices`."""
        given = [value for value in self.args.getlist(name) if value]
        for value in given:
            if value not in choices:
                self._reject(f"{name}-{next(iter(choices))}", value, label)
                break
        return [choice for choice in choices if choice in given]

    def number(
        self, name: str, low: float, high: float, label: str, field_id: str | None = None
    ) -> float | None:
        """A number between `low` and `high`, or None when absent or not such a number.

        `field_id` names the control to fix when it is not the field (e.g. a hidden input).
        """
        value = self.args.get(name, "")
        if not value:
            return None
        try:
            number = float(value[:MAX_VALUE])
        except ValueError:
            number = None
        if number is None or not low <= number <= high:  # also rejects nan
            self._reject(field_id or name, value, label)
            return None
        return number

    def flag(self, name: str, on: str, label: str, field_id: str) -> bool:
        """True when the field has the value `on` (a ticked checkbox); any other value but
        none is reported at the box `field_id`."""
        value = self.args.get(name, "")
        if value not in ("", on):
            self._reject(field_id, value, label)
        return value == on

    def _reject(self, field_id: str, value: str, label: str) -> None:
        """Report a value that is not a choice (cut short if long), each character nobody
        can see in it (a control, a direction control: the address was changed or broken,
        and one would hide or turn round the message) shown as U+FFFD."""
        value = UNSEEN_IN_A_MESSAGE.sub("\ufffd", value)
        shown = value[:MAX_VALUE] + ("…" if len(value) > MAX_VALUE else "")
        self.problems.append(
            Problem(
                field_id,
                _("“%(value)s”不是“%(label)s”里的选项，已忽略。", value=shown, label=label),
            )
        )


def wants_fragment() -> bool:
    """True when htmx asks for a page's results block to swap in; False for a whole page,
    also when htmx restores a history entry (Back) and must be given the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def filtered_page(body: str, problems: Problems) -> tuple:
    """The response of a page that answers a filter form, in full or (htmx) as its results.

    400 when a value was not a choice: that came from an edited URL, never from the form.
    """
    status = 400 if problems and not wants_fragment() else 200
    return body, status, {"Vary": "HX-Request, HX-History-Restore-Request, Cookie"}


def read_page_number(raw: str | None) -> int:
    """A page number from the query string; anything odd (0 too: PostgreSQL refuses the
    negative OFFSET it makes, where SQLite reads it as 0) is page 1."""
    number = int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < len(raw) < 6 else 1
    return max(number, 1)


def lf_line_ends(text: str) -> str:
    """The text with CR LF and a lone CR as LF (`LINE_ENDS`): as the text box showed it to
    the one who typed it, so that it is counted, compared and kept as they saw it."""
    return LINE_ENDS.sub("\n", text)


def clean_text(text: str, label: str | LazyString) -> str:
    """Typed or imported text of several lines as it is kept: its lines ending in LF
    (`lf_line_ends`), Word's line and page breaks and Unicode's other line breaks newlines
    too (`BREAKS`), so that its length is what the text box counted; and a text with
    nothing visible in it (`has_visible`) is empty, so that a required field left "blank"
    with invisible characters is asked for as any empty one is.

    Any other character XML 1.0 does not allow, a C1 control or a direction control raises
    ValueError with a message naming the field (`label`) and the character. Nobody types
    one on purpose, so it is refused rather than dropped unseen: it came with pasted text,
    and the rest of that text is worth a look.
    """
    text = lf_line_ends(text).translate(BREAKS)
    for refused in (NOT_IN_XML, C1_CONTROLS, DIRECTION_CONTROLS):
        found = refused.search(text)
        if found:
            raise ValueError(_invisible(label, found.group()))
    return text if has_visible(text) else ""


def clean_line(text: str, label: str | LazyString) -> str:
    """A one-line text (a name, a title) as it is kept: without the characters that are
    drawn as nothing and say nothing (`UNSEEN_IN_A_LINE`), stripped, and empty when nothing
    in it is visible. ValueError naming the field (`label`) for a line break inside it, and
    for any other character that is not visible (a tab, a control, a direction control, a
    zero-width joiner), as for `clean_text`."""
    text = text.translate(UNSEEN_IN_A_LINE).strip()
    if any(ch in LINE_BREAKS for ch in text):
        raise ValueError(
            _(
                "“%(label)s”只能写一行，里面有换行。请把它连成一行：中文之间直接连上，"
                "英文单词之间留一个空格。",
                label=label,
            )
        )
    found = next((ch for ch in text if unicodedata.category(ch).startswith("C")), None)
    if found is not None:
        raise ValueError(_invisible(label, found))
    return text if has_visible(text) else ""


def _visible(character: str) -> bool:
    """True for a character that is seen on its own: a letter, a number, a punctuation mark
    or a symbol (an emoji too, and a character newer than Python's Unicode tables, which
    reads it as unassigned); False for a space, a control or format character, a combining
    mark (it shows only on the character before it) and the letters drawn as nothing
    (`BLANK_LETTERS`)."""
    return (
        character not in BLANK_LETTERS and unicodedata.category(character) not in UNSEEN_CATEGORIES
    )


def has_visible(text: str) -> bool:
    """True when the text has a character anyone can see (`_visible`): without one, a
    text only looks empty, and is kept as empty."""
    return any(_visible(character) for character in text)


def typed_query(text: str) -> str:
    """A search as it is read and shown again: every character that is not visible (a
    control, a direction override, a zero-width space) is a space. Nobody types one into a
    search box, and shown again it could hide or reorder what the page says was searched."""
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)


def _invisible(label: str | LazyString, character: str) -> str:
    """The message for an invisible character in a field."""
    return _(
        "“%(label)s”里有一个看不见的控制字符（%(code)s），多半是复制粘贴时带进来的。"
        "请删掉它：可以先把文字粘贴到记事本里，再从记事本复制过来。",
        label=label,
        code=f"U+{ord(character):04X}",
    )


_T = TypeVar("_T")


def xml_safe(value: _T) -> _T | str:
    """A template value without the characters XML 1.0 does not allow (escaped or not).

    The last guard of the feed and the sitemap: input is checked with `clean_text`, but a
    row written some other way must still not make the whole document unreadable.
    """
    if isinstance(value, Markup):
        return Markup(NOT_IN_XML.sub("", value))
    return NOT_IN_XML.sub("", value) if isinstance(value, str) else value
