"""Mainland Chinese phone numbers as people write them: with spaces, hyphens or dashes
between the parts, brackets around the area code, full-width digits, +86 in front, an
extension after 转. Residents' contact numbers are read here (feedback/spec.py), and the
numbers staff publish for residents to call or text.
"""

import re
import unicodedata

from flask_babel import gettext as _

# A mainland mobile number: 11 digits from 1, optionally after +86, 0086 or 86.
MOBILE = re.compile(r"(?:(?:\+|00)?86)?(1\d{10})")
# A mainland landline: its area code, then the number (010 and 02x before eight digits, the
# other codes, 0 and three digits, before seven or eight), dialled with the code's 0 from
# inside China, or after +86 without it.
LANDLINE = re.compile(r"(?:0|(?:\+|00)860?)(?:(10|2\d)(\d{8})|([3-9]\d\d)(\d{7,8}))")
DASHES = "\\-‐‑‒–—―"  # a hyphen and the dashes people type for one, as a regex class
# What people write between a number's parts: spaces, hyphens or dashes, and brackets
# around the area code (full-width ones are ASCII by then, see `_dialled`).
NUMBER_SEPARATORS = re.compile(rf"[\s{DASHES}()]")
# A landline's extension, 1 to 4 digits at the end: after 转 or 分机 (with or without
# spaces), after "ext", or after a hyphen or dash (taken only once the number before it is
# complete, see `landline_number`).
EXTENSION = re.compile(rf"(?:转|分机|ext\.?|[{DASHES}])\s*(\d{{1,4}})\s*\Z", re.IGNORECASE)


def _dialled(raw: str) -> str:
    """A number as typed, full-width digits and signs as ASCII (NFKC), without what people
    write between its parts."""
    return NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))


def mobile_number(raw: str) -> str | None:
    """The 11 digits of a mainland mobile number, however it was written, or None."""
    found = MOBILE.fullmatch(_dialled(raw))
    return found.group(1) if found else None


def landline_number(raw: str) -> str | None:
    """A mainland landline number as 区号-号码 (0635-1234567), with its extension after 转
    (0635-1234567 转 8), however it was written, or None. What follows a complete number
    is its extension (0635-1234567-8); short of one, the number is read whole
    (0635-123-4567)."""
    text = unicodedata.normalize("NFKC", raw)
    extension = EXTENSION.search(text)
    if extension and (number := _landline(text[: extension.start()])):
        return f"{number} 转 {extension[1]}"
    return _landline(text)


def _landline(text: str) -> str | None:
    """A landline without an extension as 区号-号码, or None. Digits the writer set
    apart are not made the last of an eight-digit number after seven (0635 1234567 8,
    010-1234567-8): those seven are a whole number, and the last digit its extension or a
    slip, so reading them as one would call somebody else."""
    dialled = _dialled(text)
    found = LANDLINE.fullmatch(dialled)
    if found is None:
        return None
    part = 2 if found[1] else 4
    area, number = found[part - 1], found[part]
    if len(number) == 8 and found.start(part) + 7 in _breaks(text):
        return None
    return f"0{area}-{number}"


def _breaks(text: str) -> set[int]:
    """Where `text` was separated into parts: the count of the number's characters before
    each separator."""
    breaks, count = set(), 0
    for character in text:
        if NUMBER_SEPARATORS.fullmatch(character):
            breaks.add(count)
        else:
            count += 1
    return breaks


# Numbers that are not a subscriber's, from the national numbering plan (电信网编号计划):
# the special service numbers that begin with 1, three digits (110, 119, 120, 122) or five
# (the carriers' 10000 and 10086, the public service lines 12345 and 12385, the post's
# 11185); the customer service numbers, 95 and then three to six digits nationwide, 96 and
# then three to six locally; and the 400 and 800 numbers, ten digits. None of them is
# dialled with an area code.
SERVICE = re.compile(r"1[0-2]\d|1[0-2]\d{3}|9[56]\d{3,6}|[48]00\d{7}")
# The numbers a text message reaches besides a mobile: the five-digit service numbers that
# begin with 1 (12345 and 10086 take texts; 12110 is the police's number for texts), the
# nationwide 95 numbers, and the 106 numbers that services send and receive texts by
# (eight to twenty digits from 106). The others are taken for voice lines: a landline, a
# three-digit emergency number (the directory says so of 110, 119 and 120), a local 96
# number and a 400 or 800 number. A text sent to a voice line is lost without a word to
# the deaf resident who sent it, so a number is refused rather than guessed.
TEXT_SERVICE = re.compile(r"1[0-2]\d{3}|95\d{3,6}|106\d{5,17}")
# A local number written without its area code: seven or eight digits, not from 0 or 1.
LOCAL = re.compile(r"[2-9]\d{6,7}")


def _service(text: str, pattern: re.Pattern) -> str | None:
    """The digits of a service number `pattern` takes, however it was written, or None."""
    dialled = _dialled(text)
    return dialled if pattern.fullmatch(dialled) else None


def dialled_number(raw: str) -> str | None:
    """What a phone dials to call a number published for residents: a mobile, a landline
    with its area code or a service number (`SERVICE`) as its digits, and a landline's or a
    400 or 800 number's extension after a comma, a pause, as phones dial it once the call
    is answered (06351234567,8); None for anything else. (RFC 3966's ";ext=8" only labels
    the extension: most phones would not dial it.)"""
    if number := mobile_number(raw):
        return number
    if number := landline_number(raw):
        main, _sep, after = number.partition(" 转 ")
        return main.replace("-", "") + (f",{after}" if after else "")
    text = unicodedata.normalize("NFKC", raw).strip()
    extension = EXTENSION.search(text)
    if extension and (number := _service(text[: extension.start()], SERVICE)):
        return f"{number},{extension[1]}" if number[:3] in ("400", "800") else None
    return _service(text, SERVICE)


def texted_number(raw: str) -> str | None:
    """What a phone sends a text message to for a number published for residents: a
    mobile's 11 digits, or a service number that takes texts (`TEXT_SERVICE`); None for
    anything else, a landline among them."""
    return mobile_number(raw) or _service(unicodedata.normalize("NFKC", raw), TEXT_SERVICE)


def is_landline(raw: str) -> bool:
    """True for a landline with its area code, or a local number written without it."""
    return landline_number(raw) is not None or LOCAL.fullmatch(_dialled(raw)) is not None


def call_problem(raw: str) -> str | None:
    """What is wrong with a number published for residents to call, or None: it must be
    one a phone dials as it is (`dialled_number`)."""
    if dialled_number(raw) is not None:
        return None
    if LOCAL.fullmatch(_dialled(raw)):
        return _("固定电话要带区号，例如 0635-1234567。")
    return _(
        "这不是能拨打的电话号码。请只填号码：带区号的固定电话，例如 0635-1234567，"
        "有分机的写成 0635-1234567 转 8；1 开头的 11 位手机号码；或者 12345 这样的服务号码。"
        "其他说明请写在简介里。"
    )


def text_problem(raw: str) -> str | None:
    """What is wrong with a number published for residents to text, or None: it must be
    one a text message reaches (`texted_number`)."""
    if texted_number(raw) is not None:
        return None
    if is_landline(raw):
        return _(
            "固定电话收不到短信。请填 1 开头的 11 位手机号码，例如 13800000000，"
            "或者 12345 这样能收短信的服务号码。"
        )
    return _(
        "这不是能收短信的号码。请只填号码：1 开头的 11 位手机号码，例如 13800000000，"
        "或者 12345、106 开头这样能收短信的服务号码。400、800 号码和 110 这样的三位号码"
        "收不到短信。"
    )
