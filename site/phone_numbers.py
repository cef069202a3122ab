"""Mainland Chinese phone numbers as people write them: with spaces, hyphens or dashes
between the parts, brackets around the area code, full-width digits, +86 in front, an
extension after 转. Residents' contact numbers are read here (feedback/spec.py), and the
numbers staff publish for residents to call or text.
"""

import re
import unicodedata

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
    """A landline without an extension as 区号-号码, or None. Digits the resident set
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
