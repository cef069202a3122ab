"""Chinese and English text analysis: normalise, segment with jieba, drop stop words, stem.

The index and the query side share these functions, so a word is cut the same way in a
document and in what a resident types.
"""

import logging
import re
import threading
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path

import jieba
from whoosh.analysis import STOP_WORDS as ENGLISH_STOP_WORDS
from whoosh.analysis import Analyzer, Filter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.lang.porter import stem

from search.synonyms import chinese_terms, load_groups
from search.text import has_chinese, is_chinese, normalize

# Words that carry no meaning in a search. Only whole tokens are stopped, so 我 goes but
# 自我 stays.
STOP_WORDS = ENGLISH_STOP_WORDS | frozenset(
    "的 了 和 与 及 或 是 在 我 你 他 她 我们 要 想 我要 我想 怎么 怎么办 如何 哪里 哪儿 "
    "什么 吗 呢 啊 吧 请问 请 能 可以 有 有没有 没有 一下 "
    "i me my our do does did has had there any some please".split()
)
# The words of an English question that say nothing of its subject: left out beside the
# words that do (in "my child has autism what help can I get", help and get matched
# before autism did), searched when they are all there is ("help").
QUESTION_WORDS = frozenset("what which who how where why get got need want help".split())

# A token is worth indexing when it has a letter, digit or ideograph; this drops spaces,
# punctuation and emoji.
_WORD = re.compile(r"\w")
# A figure with its percent sign, which jieba keeps as one word (95%). Residents type the
# number alone: it is indexed as a part of the figure, as 视力 is of 视力残疾.
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")

_lock = threading.Lock()
_initialized = False


def initialize(cache_dir: str | Path | None = None) -> None:
    """Load jieba's dictionary and the domain words once; call before forking workers."""
    global _initialized
    if _initialized:  # the tokenizer asks on every call; skip the lock once done
        return
    with _lock:
        if _initialized:
            return
        if cache_dir is not None:
            # jieba caches its parsed dictionary in the shared temp folder by default; an
            # app-owned folder keeps the cache away from other users and cleaners of /tmp.
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        # jieba logs its loading at DEBUG to stderr in every worker; warnings are enough.
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        # Without these, 辅助器具 would be cut into 辅助/器具 and 如康家园 into 如康/家园.
        for term in chinese_terms(load_groups()):
            jieba.add_word(term)
        _initialized = True


class JiebaTokenizer(Tokenizer):
    """Normalises text, then cuts it with jieba's search mode (words and their parts)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        """Yield one token per word, and per shorter word inside a long one."""
        initialize()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            pieces = _pieces(value)
        else:
            text = normalize(value)
            pieces = ((text, 0, len(text)),)
        for pos, (word, start, end) in enumerate(pieces, start_pos):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


@lru_cache(maxsize=256)
def _pieces(value: str) -> tuple[tuple[str, int, int], ...]:
    """The words of a text, normalised, with their places, in text order, longest first where
    they start together (as Whoosh's highlighter expects; jieba yields the parts of a long
    word before the word). Kept for the texts cut last: a search cuts the summary and body
    of every hit it shows again to mark the matches, and the same pages come up again.
    Normalised here, inside what is kept: outside it, every search normalised each hit's
    text again, character by character, most of the time its cutting took."""
    return tuple(
        sorted(
            (
                piece
                for word, start, end in jieba.tokenize(normalize(value), mode="search")
                if _WORD.search(word)
                for piece in _with_number((word, start, end))
            ),
            key=lambda piece: (piece[1], piece[1] - piece[2]),
        )
    )


def _with_number(piece: tuple[str, int, int]) -> Iterator[tuple[str, int, int]]:
    """A word, and the number of a figure with its percent sign (95 of 95%)."""
    yield piece
    word, start, _end = piece
    if figure := _PERCENT.fullmatch(word):
        yield figure[1], start, start + len(figure[1])


@cache
def analyzer() -> Analyzer:
    """The analyzer of every text field: jieba, stop words, English stems. One for the
    process, so that the stems it worked out are kept: a search cuts every hit's text again
    to mark its matches."""
    return (
        JiebaTokenizer()
        | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False)
        | StemFilter(stemfn=_stem, cachesize=0)
    )


class ChineseOnly(Filter):
    """Keeps the words that hold a Chinese character, at their places."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """The tokens with a Chinese character."""
        return (token for token in tokens if has_chinese(token.text))


@cache
def chinese_analyzer() -> Analyzer:
    """The analyzer of an English document's Chinese twin (`Document.chinese_title` and
    the rest): its Chinese words only, cut as `analyzer` cuts them. The twin's numbers and
    Latin letters are left out: the English text says them already, and they would count
    twice for what is typed in English."""
    return analyzer() | ChineseOnly()


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    """The English stem of `word`, kept for the words seen last (Whoosh's own cache of
    stems is written in Python and costs as much as the stemming; this one is not, and is
    safe to share between threads)."""
    return stem(word)


def query_words(text: str) -> list[str]:
    """The distinct words of a normalised query, as jieba's precise mode cuts them.

    Beside the words that name what is asked about, the others are left out: a lone
    Chinese character the synonym file does not name (盲 and 聋 it does; in
    我腿脚不方便去哪里办残疾证 the 不, 去 and 办 found every page that says 不低于 or 办理)
    and an English question's own words (QUESTION_WORDS)."""
    words = typed_words(text)
    subject = [word for word in words if not _says_little(word)]
    return subject or words


def typed_words(text: str) -> list[str]:
    """The distinct words of a normalised query but its stop words, as jieba's precise mode
    cuts them: `query_words` before it leaves out the words that say little."""
    initialize()
    words: list[str] = []
    for word in jieba.cut(text, HMM=True):
        word = word.strip()
        if _WORD.search(word) and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words


def only_lone_characters(words: list[str]) -> bool:
    """True for two words or more that are all lone characters saying little (年审 is cut
    年/审): what was asked is none of them, and each alone would find pages about
    anything (every figure of 2025 says 年)."""
    return len(words) > 1 and all(_says_little(word) for word in words)


def _says_little(word: str) -> bool:
    """True for a lone Chinese character the synonym file does not name, and for an
    English question's own words."""
    if word in QUESTION_WORDS:
        return True
    return len(word) == 1 and is_chinese(word) and word not in _synonym_terms()


@cache
def _synonym_terms() -> frozenset[str]:
    """The synonym file's Chinese terms, once per process."""
    return frozenset(chinese_terms(load_groups()))


# The endings that say only whom or what a word is about: the person (聋哑人, 肢残人) or
# the money (护理费, 低保金). jieba keeps such a word whole, with no shorter word inside
# it that is searched, and pages say the condition or the allowance instead.
STEM_ENDINGS = frozenset("人费金")


def stem_of(word: str) -> str | None:
    """The word before a STEM_ENDINGS ending (聋哑人: 聋哑; 哑人: 哑; 护理费: 护理), when it
    is a word that says something: in the dictionary or the synonym file, and no lone
    character the synonym file does not name (病人 is not 病). None for a synonym term,
    which says what it finds already (盲人, 老年人), and for every other word."""
    if len(word) < 2 or word[-1] not in STEM_ENDINGS or not is_chinese(word):
        return None
    stem = word[:-1]
    if word in _synonym_terms() or _says_little(stem) or not is_known_word(stem):
        return None
    return stem


def is_known_word(word: str) -> bool:
    """True when the segmenter's dictionary or the synonym file has `word`: a word spelt
    right (老人, 失智), whether or not a document uses it."""
    initialize()
    return jieba.dt.FREQ.get(word, 0) > 0


def words_and_parts(text: str, stop_words: frozenset[str] = STOP_WORDS) -> list[str]:
    """The distinct words of a normalised text with the shorter words inside long ones
    (视频手语: 视频, 手语, 视频手语), as the index holds them (without `stop_words`)."""
    initialize()
    words = (word.strip() for word in jieba.cut_for_search(text, HMM=True))
    return list(dict.fromkeys(w for w in words if _WORD.search(w) and w not in stop_words))


def index_term(word: str) -> str:
    """The form a query word takes in the index (English words are stemmed)."""
    return stem(word)


def search_parts(word: str) -> list[str]:
    """The shorter words that together spell out a long word (听力 + 残疾 = 听力残疾), or []."""
    initialize()
    parts = [piece for piece in jieba.tokenize(word, mode="search") if piece[0] != word]
    covered = {index for _, start, end in parts for index in range(start, end)}
    # 残疾证 holds only 残疾: searching for that alone would find nearly everything.
    return [part for part, _, _ in parts] if len(covered) == len(word) else []
