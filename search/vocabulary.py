"""The words of an index's titles, and what they offer a query beyond its results: the
Chinese words a query in pinyin spells, a run of characters corrected by sound, and a
related or corrected query when nothing is found.

Every backend hands over its titles (only when they are needed: reading them costs a pass
over the index) and answers two questions about its documents (is a word in some text
field? does a query find anything?), so the answers do not depend on where the documents
are kept.
"""

import re
from collections.abc import Callable
from functools import cached_property

from search import pinyin
from search.analysis import (
    STOP_WORDS,
    is_known_word,
    only_lone_characters,
    query_words,
    words_and_parts,
)
from search.query import clean_query, searched_words
from search.suggest import suggest
from search.synonyms import all_terms, chinese_terms, load_groups
from search.text import has_chinese

# How many Chinese words a query in pinyin is shown to spell.
MAX_PINYIN_WORDS = 8
# The longest run of a query's characters compared by sound with the titles' words.
MAX_SOUND_RUN = 6
# The everyday words of a question, beside the titles' words and the synonym terms, that
# pinyin typed as a sentence is read with (dibao zenme shenqing: 低保 怎么 申请); those that
# are stop words are then left out, as they are from Chinese.
EVERYDAY_WORDS = (
    "怎么 怎么办 怎样 如何 申请 办理 电话 哪里 哪儿 在哪 在哪里 我 我想 想 要 多少 多少钱 "
    "什么 可以 能 有 吗 去 办 找 的 了 在 是 给 谁"
).split()


def title_readings(title: str) -> list[str]:
    """The pinyin readings of a title's words and of each Chinese run of it, each once."""
    words = words_and_parts(clean_query(title)) + re.findall(r"[\u3400-\u9fff]+", title)
    return list(dict.fromkeys(reading for word in words for reading in pinyin.readings(word)))


class TitleWords:
    """The words of the titles in one language of one version of an index, each list
    worked out when first asked for. Backends keep it until their index changes."""

    def __init__(self, titles: list[str]) -> None:
        self.titles = titles

    @cached_property
    def words(self) -> list[str]:
        """The words of every title, each once."""
        return self._cut(query_words)

    @cached_property
    def words_and_parts(self) -> list[str]:
        """The words of every title and the shorter words inside them, each once."""
        return self._cut(words_and_parts)

    @cached_property
    def chinese_words(self) -> list[str]:
        """The words a resident may have meant: the titles' words, the shorter words inside
        them, and the synonym file's Chinese terms."""
        return list(dict.fromkeys(self.words_and_parts + chinese_terms(load_groups())))

    @cached_property
    def sounds(self) -> dict[str, str]:
        """Each word's folded reading, to the word (titles' words first, then synonyms)."""
        sounds = [(pinyin.sound_key(word), word) for word in self.chinese_words if len(word) > 1]
        known = [(sound, word) for sound, word in sounds if sound is not None]
        return dict(reversed(known))

    @cached_property
    def readings(self) -> dict[str, str]:
        """Each full reading to the word it reads (the first word that reads so): the
        words of more than one character that a resident may have meant, and the everyday
        words of a question."""
        words = [word for word in self.chinese_words if len(word) > 1] + EVERYDAY_WORDS
        read = ((pinyin.readings(word), word) for word in words)
        return dict(reversed([(found[0], word) for found, word in read if found]))

    def _cut(self, cut: Callable[[str], list[str]]) -> list[str]:
        """The words `cut` finds in every title, each once."""
        words = (word for title in self.titles for word in cut(clean_query(title)))
        return list(dict.fromkeys(words))


# How a backend hands over its title words: called only when they are needed.
Titles = Callable[[], TitleWords]


def titles_language(text: str, language: str) -> str:
    """The language of the titles a query is compared with, to read or correct it: the
    Chinese titles for Chinese typed on the English site too, where the English pages are
    found by their Chinese twins (残疾正 is corrected to 残疾证 there as on the Chinese
    site; compared with the English titles, it found nothing and was offered nothing)."""
    return "zh" if has_chinese(text) else language


def pinyin_words(text: str, language: str, titles: Titles) -> list[tuple[str, bool]]:
    """For a query in pinyin, the Chinese words of titles and of the synonym file that it
    spells, best first, each with whether it spells the whole word (canji: 残疾 is whole,
    残疾人 is not)."""
    key = pinyin.query_key(text)
    if key is None or language != "zh":
        return []
    words = titles().chinese_words
    found = [(w, pinyin.spells(key, w)) for w in words if pinyin.matches(key, w)]
    if not any(whole for _, whole in found):
        sentence = read_as_sentence(key, titles().readings)
        if sentence:
            return [(word, True) for word in sentence][:MAX_PINYIN_WORDS]
    # A word the key spells only the beginning of holds the word it does spell, when that
    # is a word (haizi: 孩子 in 孩子上学, a synonym term; no page title says 孩子).
    begun = [_spelled_start(key, w) for w, whole in found if not whole]
    found += [(w, True) for w in dict.fromkeys(begun) if w and w not in words]
    found.sort(key=lambda item: (not item[1], len(item[0])))
    return found[:MAX_PINYIN_WORDS]


def leading_somewhere(
    spelled: list[tuple[str, bool]], is_used: Callable[[str], bool], has_hits: Callable[[str], bool]
) -> list[str]:
    """The words a query in pinyin is shown to spell (`pinyin_words`), each a link to a
    search of its own: only those that find something. lunyi also begins 轮椅能进, a
    synonym term for what only a published place could say. A word some page says finds
    that page: only the others are searched."""
    return [word for word, _ in spelled if is_used(word) or has_hits(word)]


def read_as_sentence(key: str, readings: dict[str, str]) -> list[str]:
    """The words a pinyin key spells one after another, in the fewest words (canlian dianhua:
    残联 电话; canjirenzhengzenmebanli: 残疾人证 怎么 办理), but its stop words; [] when
    it is not two words or more."""
    longest = max(map(len, readings), default=0)
    # best[end]: the fewest words that spell key[:end], as a list; None where none do.
    best: list[list[str] | None] = [[]] + [None] * len(key)
    for end in range(1, len(key) + 1):
        for start in range(max(0, end - longest), end):
            before, word = best[start], readings.get(key[start:end])
            if (
                before is not None
                and word
                and (best[end] is None or len(before) + 1 < len(best[end] or []))
            ):
                best[end] = [*before, word]
    sentence = best[-1] or []
    if len(sentence) < 2:
        return []
    return list(dict.fromkeys(word for word in sentence if word not in STOP_WORDS))


def _spelled_start(key: str, word: str) -> str | None:
    """The longest beginning of `word` that `key` spells whole and that is a word, if any."""
    for end in range(len(word) - 1, 1, -1):
        if pinyin.spells(key, word[:end]) and is_known_word(word[:end]):
            return word[:end]
    return None


def sounds_alike(
    text: str, language: str, titles: Titles, is_used: Callable[[str], bool]
) -> str | None:
    """The query with a run of its characters replaced by a title word that reads alike,
    where the run is no word (no document uses it, no dictionary has it): the commonest
    typing error in Chinese (办残急人证 for 办残疾人证). A run that is a word is spelt right
    (失智 is not 师资), and a run that cuts through a word of the query is the join of two
    words, not a typing error (the 语翻 of 手语翻译, the 是自 of 孩子是自闭症).
    The longest such run wins; None when there is none. Chinese typed on the English site
    is compared with the Chinese titles (`titles_language`)."""
    if titles_language(text, language) != "zh":
        return None
    sounds = titles().sounds
    words: list[tuple[int, int]] | None = None  # where the query's words are

    def is_word(run: str) -> bool:
        return is_known_word(run) or is_used(run)

    for size in range(min(len(text), MAX_SOUND_RUN), 1, -1):
        for start in range(len(text) - size + 1):
            end = start + size
            run = text[start:end]
            word = sounds.get(pinyin.sound_key(run) or "")
            if word is None or word == run:
                continue
            # Asked last, and once: each word costs a lookup.
            if words is None:
                words = word_places(text, is_word)
            cuts = any(a < start < b or a < end < b for a, b in words)
            if not cuts and not is_word(run):
                return text[:start] + word + text[end:]
    return None


def word_places(text: str, is_word: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Where in `text` its words of more than one character that `is_word` accepts are,
    stop words too (the 怎 of 残疾人怎么申请 is no typing error for 证)."""
    words = [word for word in words_and_parts(text, frozenset()) if len(word) > 1]
    return [
        (match.start(), match.end())
        for word in words
        if is_word(word)
        for match in re.finditer(re.escape(word), text)
    ]


# A space between two Chinese characters.
_CHINESE = "[\u3400-\u4dbf\u4e00-\u9fff]"
_SPACE_IN_CHINESE = re.compile(f"(?<={_CHINESE}) (?={_CHINESE})")


def unspaced(text: str, has_hits: Callable[[str], bool]) -> str | None:
    """`text` without its spaces between Chinese characters, when it has such spaces and
    finds something so: a word typed with a space inside it (`clean_query` joins only what
    the dictionary knows as a word); None otherwise."""
    joined = _SPACE_IN_CHINESE.sub("", text)
    return joined if joined != text and has_hits(joined) else None


def offered(
    text: str,
    language: str,
    found: int,
    titles: Titles,
    is_used: Callable[[str], bool],
    has_hits: Callable[[str], bool],
) -> str | None:
    """The query the results offer instead of `text`, which `found` documents: a typing
    error corrected (`sounds_alike`), whatever was found; or, only when nothing was, the
    query without its spaces inside Chinese (`unspaced`), or a related or corrected query,
    that finds something (`suggestion`)."""
    return sounds_alike(text, language, titles, is_used) or (
        None if found else unspaced(text, has_hits) or suggestion(text, titles, has_hits)
    )


def offered_instead(
    text: str,
    language: str,
    titles: Titles,
    is_used: Callable[[str], bool],
    has_hits: Callable[[str], bool],
) -> str | None:
    """What is offered for a query that is not searched (`build_query` gives None): for
    lone characters (轮揆, cut 轮/揆), what `offered` offers for nothing found; beside a
    site word, only a typing error corrected by sound (残疾人正: 残疾人证), never a nearby
    spelling (残疾人驾照 is not 残疾人证); and the query without its spaces inside Chinese
    when that finds something (`unspaced`)."""
    if only_lone_characters(searched_words(text)):
        return offered(text, language, 0, titles, is_used, has_hits)
    return sounds_alike(text, language, titles, is_used) or unspaced(text, has_hits)


def suggestion(text: str, titles: Titles, has_hits: Callable[[str], bool]) -> str | None:
    """A related or corrected query that finds something (`has_hits`), or None."""
    vocabulary = titles().words + all_terms(load_groups())
    return suggest(text, query_words(text), vocabulary, has_hits)
