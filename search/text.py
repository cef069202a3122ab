"""Text normalisation shared by indexing and querying.

Residents type Traditional characters, full-width letters and digits from a Chinese input
method, or paste text with stray control characters. Both the index and every query go
through `normalize()` so that all of these meet the same form.

`normalize()` keeps the text's length: character i of the result comes from character i of
the input. Whoosh highlights a snippet by cutting the *stored* text at the offsets of the
analysed tokens, so offsets computed on normalised text must fit the original.
"""

import re
import unicodedata

import opencc

_TRADITIONAL_TO_SIMPLIFIED = opencc.OpenCC("t2s")
_CJK_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _normalize_char(char: str) -> str:
    """One character in its normal form, or a space for a control or format character."""
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return " "
    # NFKC turns full-width ASCII (Ａ１！) into ASCII. A character that NFKC or lower() would
    # expand into several (such as ㈱ or İ) is kept as it is, to keep offsets.
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


class _Folded(dict[int, str]):
    """Each character's normal form by its code point, worked out on its first use: a
    page's text is a few hundred distinct characters, normalised at every search. Only the
    first `_MAX_KEPT` are kept, so queries made of rare characters cannot grow it for ever."""

    def __missing__(self, code: int) -> str:
        folded = _normalize_char(chr(code))
        if len(self) < _MAX_KEPT:
            self[code] = folded
        return folded


_MAX_KEPT = 30_000  # the common CJK characters and every script the site's text uses
_FOLDED = _Folded()


def normalize(text: str) -> str:
    """Return `text` in Simplified Chinese, half-width, lower case, without control characters."""
    folded = text.translate(_FOLDED)
    simplified = _TRADITIONAL_TO_SIMPLIFIED.convert(folded)
    if len(simplified) == len(folded):
        return simplified
    # OpenCC converted a phrase into one of another length: convert character by character.
    return "".join(_simplify_char(char) for char in folded)


def _simplify_char(char: str) -> str:
    """One character in Simplified Chinese, or itself when that is not one character."""
    converted = _TRADITIONAL_TO_SIMPLIFIED.convert(char)
    return converted if len(converted) == 1 else char


def is_chinese(term: str) -> bool:
    """True when `term` is made only of Chinese characters."""
    return bool(_CJK_ONLY.match(term))


def has_chinese(term: str) -> bool:
    """True when `term` holds a Chinese character."""
    return bool(_CJK.search(term))
