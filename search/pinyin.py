"""Pinyin: how a Chinese word reads in Latin letters, for residents who type pinyin
(canjirenzheng, can ji ren zheng, cánjírén zhèng, cjrz) and for the commonest Chinese typing
error, a character of the same or a similar reading (残急人证 for 残疾人证).

Readings are toneless, without spaces, ü written v (as every input method takes it): the
full reading (canjirenzheng) and the initials (cjrz). `sound_key` also folds the sounds
that people in the region and their input methods mix up (zh/z, ch/c, sh/s, n/l, -ng/-n),
to find a word of a *similar* reading.
"""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from search.text import is_chinese

# What a query in pinyin is made of: letters, tone digits, spaces and apostrophes
# (xi'an), and the tone-marked or umlauted vowels that NFKD takes apart.
_PINYIN_QUERY = re.compile(r"^[a-z1-5' ]+$")
_SEPARATORS = re.compile(r"[1-5' ]")
# A pinyin key shorter than this is too often someone's English or an abbreviation.
MIN_KEY = 2
# Pinyin this long also finds the words whose reading it begins (kangf: 康复).
PREFIX = 4
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"), ("l", "n"))


def _plain_letters(text: str) -> str:
    """`text` in lower case without tone marks, ü (also ǖ ǘ ǚ ǜ) as v."""
    decomposed = unicodedata.normalize("NFKD", text.lower()).replace("u\u0308", "v")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.replace("u:", "v")


def query_key(text: str) -> str | None:
    """The pinyin a query spells (canjirenzheng, cjrz), or None when it is not pinyin."""
    letters = _plain_letters(text.strip())
    if not _PINYIN_QUERY.match(letters):
        return None
    key = _SEPARATORS.sub("", letters)
    return key if len(key) >= MIN_KEY else None


@lru_cache(maxsize=4096)
def readings(word: str) -> tuple[str, ...]:
    """A Chinese word's full reading and its initials; () for anything else."""
    if not is_chinese(word):
        return ()
    full = "".join(lazy_pinyin(word, style=Style.NORMAL))
    initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))
    return (full, initials) if len(word) > 1 else (full,)


@lru_cache(maxsize=16384)
def sound_key(word: str) -> str | None:
    """A Chinese word's reading with the easily confused sounds folded together, to find
    words that read alike (残急人证 and 残疾人证: canjirenzheng); None for other text."""
    if not is_chinese(word):
        return None
    syllables = lazy_pinyin(word, style=Style.NORMAL)
    return " ".join(_fold(syllable) for syllable in syllables)


def _fold(syllable: str) -> str:
    """One syllable (or a run of them) with zh/z, ch/c, sh/s, -ng/-n and n/l made the same."""
    for confused, plain in _FUZZY:
        syllable = syllable.replace(confused, plain)
    return syllable


def spells(key: str, word: str) -> bool:
    """True when the pinyin `key` is the whole reading of `word`, or its initials, or (from
    4 letters) reads like it with the sounds people mix up (canjizhen, kanfu: 残疾证, 康复)."""
    found = readings(word)
    return key in found or (len(key) >= PREFIX and bool(found) and _fold(key) == _fold(found[0]))


def matches(key: str, word: str) -> bool:
    """True when the pinyin `key` spells `word`, or (from 4 letters) begins its reading."""
    found = readings(word)
    return spells(key, word) or (
        len(key) >= PREFIX and bool(found) and _fold(found[0]).startswith(_fold(key))
    )
