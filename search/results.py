"""What a search returns: a page of hits with safe HTML snippets, facet counts, a suggestion."""

import html
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from whoosh.analysis import Token
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    Formatter,
    Fragment,
    Fragmenter,
    Highlighter,
    get_text,
    top_fragments,
)

from search.analysis import analyzer
from search.text import normalize

# A passage of a snippet is at most SNIPPET_CHARS long. It takes in whole clauses around
# its matches until it shows CONTEXT_CHARS or more on each side; a clause too long to show
# whole is cut between words, CONTEXT_CHARS before its match.
SNIPPET_CHARS = 160
CONTEXT_CHARS = 20
# A snippet of two passages longer than this shows only the best one: a result is read
# in a glance, and at a large text size a longer one fills the screen.
MAX_SNIPPET_CHARS = 200
# What was left out of a snippet, at its start, its end or between two passages.
ELLIPSIS = "…"

# The marks that end a clause or a list item. A passage starts and ends beside them, never
# with them, so that it reads as a whole clause or item.
CHINESE_MARKS = "、，。；：！？"
ASCII_MARKS = ",;:.!?"
SEPARATORS = CHINESE_MARKS + ASCII_MARKS
# Where one clause or list item ends and the next begins: after a Chinese mark or a line
# break, after an ASCII mark followed by a space (not inside 8:30 or 3.5), and at a space
# beside Chinese text (无台阶入口 电梯: there a space parts list items, never words; in
# English it parts the words of a clause).
_CLAUSE_BREAK = re.compile(rf"[{CHINESE_MARKS}\n]+\s*|[{re.escape(ASCII_MARKS)}]+(?:\s+|$)")
_SPACE = re.compile(r"\s+")
# A passage neither starts nor ends between a bracket or quote and the words it encloses
# (it would start with 》 or end with 《).
_OPENING = re.compile(r"[《（“‘「『【(\[]")
_CLOSING = re.compile(r"[》）”’」』】)\]]")
# Text with something in it besides spaces and separators: left out, it calls for "…".
_SOMETHING = re.compile(rf"[^\s{re.escape(SEPARATORS)}]")


class SafeHTML(str):
    """HTML that is already escaped: Jinja (through MarkupSafe) outputs it unchanged."""

    def __html__(self) -> str:
        """Tell MarkupSafe that this string is safe HTML."""
        return str(self)


@dataclass
class Hit:
    """One matching document."""

    id: str
    kind: str
    language: str
    title: str
    url: str
    snippet: SafeHTML


@dataclass
class Results:
    """One page of results for a query, with counts for the kind facet."""

    query: str
    total: int
    page: int
    pages: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    kind_counts: dict[str, int] = field(default_factory=dict)
    suggestion: str | None = None
    # Results for `suggestion`, shown because what was typed (this) found nothing.
    corrected_from: str | None = None
    # For a query in pinyin: the Chinese words of titles that it spells.
    pinyin_words: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, query: str, per_page: int, suggestion: str | None = None) -> "Results":
        """Results for a query with nothing to search for, or nothing to find (offering
        `suggestion` instead)."""
        return cls(query=query, total=0, page=1, pages=0, per_page=per_page, suggestion=suggestion)


def page_span(total: int, page: int, per_page: int) -> tuple[int, int, int]:
    """(page, pages, start): the page asked for, kept within the pages `total` results
    fill (the first, when there are none), and the place of its first result."""
    pages = math.ceil(total / per_page)
    page = min(max(page, 1), max(pages, 1))
    return page, pages, (page - 1) * per_page


class _Cuts:
    """Where a passage of a text may start or end: between clauses and list items, or at
    least between words (the analyzer's words: a Chinese word is never cut in two)."""

    def __init__(self, text: str, words: list[tuple[int, int]]) -> None:
        self.text = text
        self._word_spans = words
        ends = {0, len(text)}
        ends.update(found.end() for found in _CLAUSE_BREAK.finditer(text))
        ends.update(
            space.end() for space in _SPACE.finditer(text) if not _between_words(text, space)
        )
        self.clauses = sorted(ends)

    @cached_property
    def words(self) -> list[int]:
        """Every place between words, worked out only for a clause too long to show whole."""
        inside = {place for start, end in self._word_spans for place in range(start + 1, end)}
        inside.update(found.end() for found in _OPENING.finditer(self.text))
        inside.update(found.start() for found in _CLOSING.finditer(self.text))
        return [place for place in range(len(self.text) + 1) if place not in inside]

    def clause_before(self, place: int) -> int:
        """The last start of a clause at or before `place`."""
        return self.clauses[bisect_right(self.clauses, place) - 1]

    def clause_after(self, place: int) -> int:
        """The first end of a clause at or after `place`."""
        return self.clauses[min(bisect_left(self.clauses, place), len(self.clauses) - 1)]

    def word_before(self, place: int) -> int:
        """The last place between words at or before `place`."""
        return self.words[bisect_right(self.words, place) - 1]

    def word_after(self, place: int) -> int:
        """The first place between words at or after `place`."""
        return self.words[min(bisect_left(self.words, place), len(self.words) - 1)]


def _between_words(text: str, space: re.Match) -> bool:
    """True for a space inside English text (between words, before a bracket), not one
    beside Chinese text, where it parts list items."""
    start, end = space.span()
    return 0 < start and end < len(text) and (text[start - 1] + text[end]).isascii()


@dataclass
class _Passage:
    """Part of a text, from `start` to `end`, with the matches in it."""

    start: int
    end: int
    matches: list[Token]


class ClauseFragmenter(Fragmenter):
    """Passages of whole clauses and list items around the matches, never cut inside a word
    (a passage cut at 无台阶入口 must not read 台阶入口), and never overlapping one another.

    A clause too long to show whole is cut between words, with CONTEXT_CHARS on each side
    of its match. A passage takes in the clauses around its matches while they fit in
    SNIPPET_CHARS and show less than CONTEXT_CHARS on a side; a match near a passage
    joins it while that fits, else it starts the next passage.
    """

    def __init__(self, maxchars: int = SNIPPET_CHARS, context: int = CONTEXT_CHARS) -> None:
        self.maxchars = maxchars
        self.context = context

    def fragment_tokens(self, text: str, all_tokens: Iterable[Token]) -> Iterable[Fragment]:
        """The passages of `text` around the tokens marked `matched`."""
        words, matches = [], []
        for token in all_tokens:  # Whoosh reuses one token object: read it as it comes
            words.append((token.startchar, token.endchar))
            if token.matched:
                matches.append(token.copy())
        cuts = _Cuts(text, words)
        passages: list[_Passage] = []
        for match in sorted(matches, key=lambda token: token.startchar):
            if not (passages and self._join(passages[-1], match, cuts)):
                floor = passages[-1].end if passages else 0
                passages.append(self._around(match, floor, cuts))
        for index, passage in enumerate(passages):
            low = passages[index - 1].end if index else 0
            high = passages[index + 1].start if index + 1 < len(passages) else len(text)
            self._widen(passage, low, high, cuts)
            yield _fragment(text, passage.start, passage.end, passage.matches)

    def opening(self, text: str) -> Fragment:
        """The start of `text`: its first clauses, as many as fit in SNIPPET_CHARS."""
        cuts = _Cuts(text, _words(text))
        end = cuts.clause_before(self.maxchars)
        if end == 0:  # the first clause alone is too long: cut it between words
            end = cuts.word_before(self.maxchars) or cuts.word_after(self.maxchars)
        return _fragment(text, 0, end, [])

    def _join(self, passage: _Passage, match: Token, cuts: _Cuts) -> bool:
        """Take `match` into `passage` when it is there already or fits in with the rest of
        its clause; False when it needs a passage of its own."""
        if match.startchar < passage.end:
            passage.end = max(passage.end, cuts.word_after(match.endchar))
        elif cuts.clause_after(match.endchar) - passage.start <= self.maxchars:
            passage.end = cuts.clause_after(match.endchar)
        else:
            return False
        passage.matches.append(match)
        return True

    def _around(self, match: Token, floor: int, cuts: _Cuts) -> _Passage:
        """A passage of the clause that holds `match`, starting at `floor` or later; a clause
        too long is cut between words, with `context` characters before the match."""
        start = max(cuts.clause_before(match.startchar), floor)
        end = cuts.clause_after(match.endchar)
        if end - start > self.maxchars:
            start = cuts.word_after(max(start, match.startchar - self.context))
            if start > match.startchar:
                start = cuts.word_before(match.startchar)
            end = cuts.word_before(min(end, start + self.maxchars))
            if end < match.endchar:
                end = cuts.word_after(match.endchar)
        return _Passage(start, end, [match])

    def _widen(self, passage: _Passage, low: int, high: int, cuts: _Cuts) -> None:
        """Add whole clauses on either side, between `low` and `high`, while the passage
        shows less than `context` characters there and stays within `maxchars`."""
        first = passage.matches[0].startchar
        last = max(match.endchar for match in passage.matches)
        widened = True
        while widened:
            widened = False
            if passage.start > low and first - passage.start < self.context:
                start = max(cuts.clause_before(passage.start - 1), low)
                if passage.end - start <= self.maxchars:
                    passage.start, widened = start, True
            if passage.end < high and passage.end - last < self.context:
                end = min(cuts.clause_after(passage.end + 1), high)
                if end - passage.start <= self.maxchars:
                    passage.end, widened = end, True


def _words(text: str) -> list[tuple[int, int]]:
    """Where the analyzer's words are in `text`."""
    return [(word.startchar, word.endchar) for word in _analysed(text)]


class _Analysed(NamedTuple):
    """A token of a text as the analyzer gives it for a snippet: its word (stemmed, unless
    it is a stop word), its position and where it is."""

    text: str
    pos: int
    startchar: int
    endchar: int
    stopped: bool


@lru_cache(maxsize=256)
def _analysed(text: str) -> tuple[_Analysed, ...]:
    """The analyzer's tokens of `text`, stop words kept, kept for the texts analysed last.

    A search marks the matches in the summary and body of every hit it shows, and the
    same pages come up again and again; running the analyzer's filters (in Python, token
    by token) over them again was most of what marking cost. The words are the same for
    the same text (jieba's dictionary is loaded once, before any search); what is marked
    depends on the query, and is worked out from these each time.
    """
    tokens = analyzer()(text, positions=True, chars=True, mode="index", removestops=False)
    return tuple(
        _Analysed(token.text, token.pos, token.startchar, token.endchar, token.stopped)
        for token in tokens
    )


def _fragment(text: str, start: int, end: int, matches: list[Token]) -> Fragment:
    """A Whoosh fragment of `text` without the spaces and separators at its ends (the
    formatter shows those between two passages that meet, and a full stop at the end)."""
    while start < end and not _SOMETHING.match(text[start]):
        start += 1
    while end > start and not _SOMETHING.match(text[end - 1]):
        end -= 1
    return Fragment(text, matches, start, end)


class MarkFormatter(Formatter):
    """Formats snippets as HTML: matches in <mark>, everything else escaped, and "…" where
    text is left out."""

    between = f" {ELLIPSIS} "

    def _text(self, text: str) -> str:
        """Escape the text between matches."""
        return html.escape(text)

    def format_token(self, text: str, token: Token, replace: bool = False) -> str:
        """Wrap one match in <mark>."""
        return f"<mark>{html.escape(get_text(text, token, replace))}</mark>"

    def format(self, fragments: list[Fragment], replace: bool = False) -> str:
        """The passages in the order of the text, with "…" wherever text was left out:
        before the first, between two that do not meet, after the last. What separates
        two passages that meet, and what ends the text, is shown as it is."""
        if not fragments:
            return ""
        text = fragments[0].text
        shown = [ELLIPSIS if _SOMETHING.search(text[: fragments[0].startchar]) else ""]
        for index, fragment in enumerate(fragments):
            if index:
                gap = text[fragments[index - 1].endchar : fragment.startchar]
                shown.append(self.between if _SOMETHING.search(gap) else self._text(gap))
            shown.append(self.format_fragment(fragment, replace=replace))
        rest = text[fragments[-1].endchar :]
        shown.append(ELLIPSIS if _SOMETHING.search(rest) else self._text(rest.rstrip()))
        return "".join(shown)


@dataclass(frozen=True)
class Marks:
    """What a snippet marks: in each field, the words the query searches there; and each
    long word the query also searches by the shorter words inside it, with those parts.
    A text that says a long word has it marked, not its parts (residents read 残疾人证,
    not 残疾人 beside it); in one that does not, its parts are what was found, and marked."""

    words: dict[str, frozenset[str]]
    parts: dict[str, frozenset[str]] = field(default_factory=dict)

    def __hash__(self) -> int:
        """A hash of what is marked, so that snippets can be kept by it."""
        return hash((frozenset(self.words.items()), frozenset(self.parts.items())))

    def in_document(self, text: str) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
        """For a document whose summary and body are `text`: the words to mark in each
        field, and the long words to mark where it spells them (inside a longer word too:
        视力残疾 in 视力残疾人)."""
        if not self.parts:  # no long word to look for: the text need not be normalised
            return self.words, frozenset()
        normalized = normalize(text)
        said = frozenset(word for word in self.parts if word in normalized)
        unsaid = frozenset().union(
            *(parts for word, parts in self.parts.items() if word not in said)
        )
        return {name: words | unsaid for name, words in self.words.items()}, said


class _Word(NamedTuple):
    """A word of a text that is not a match: where it is, as the fragmenter reads a token."""

    startchar: int
    endchar: int
    matched: bool = False


def passages(text: str, words: frozenset[str], spelled: frozenset[str]) -> list[Fragment]:
    """The passages of `text` around its matches: `words`, and each word of `spelled` where
    the text spells it."""
    tokens = _marked_tokens(text, words, spelled)
    return list(ClauseFragmenter().fragment_tokens(text, Highlighter._merge_matched_tokens(tokens)))


def highlights(fragments: list[Fragment], top: int) -> str:
    """The best `top` of the passages `fragments`, with their matches marked."""
    best = top_fragments(fragments, top, BasicFragmentScorer(), FIRST, minscore=1)
    return MarkFormatter().format(best)


def _marked_tokens(
    text: str, words: frozenset[str], spelled: frozenset[str]
) -> list[Token | _Word]:
    """The analyzer's tokens of `text`, those in `words` matched, and a matched token for
    each place the text spells a word of `spelled`, in the order of the text."""
    tokens: list[Token | _Word] = []
    for analysed in _analysed(text):
        # A match is a token of its own (the highlighter merges matches into copies of
        # them), made as the analyzer makes it; a word around it needs only where it is.
        if analysed.text in words:
            fields = analysed._asdict()
            tokens.append(
                Token(True, True, removestops=False, mode="index", matched=True, **fields)
            )
        else:
            tokens.append(_Word(analysed.startchar, analysed.endchar))
    # The same length as the text: offsets fit the text as it is. Only for words to spell.
    normalized = normalize(text) if spelled else ""
    for word in spelled:
        start = normalized.find(word)
        while start != -1:
            spelt = Token(text=word, startchar=start, endchar=start + len(word))
            spelt.matched = True
            tokens.append(spelt)
            start = normalized.find(word, start + len(word))
    return sorted(tokens, key=lambda token: (token.startchar, -token.endchar))


def snippet(fields: dict[str, str | None], marks: Marks) -> SafeHTML:
    """The best passages of a document's summary or body, with its matches marked."""
    return _snippet(fields.get("summary"), fields.get("body"), marks)


@lru_cache(maxsize=1024)
def _snippet(summary: str | None, body: str | None, marks: Marks) -> SafeHTML:
    """The snippet of a summary and body for `marks`, kept for the snippets made last: the
    same query shows the same pages again, and finding and marking their passages cost
    more than the search. It depends on nothing else, so it never goes stale: a changed
    text is another key."""
    fields = {"summary": summary, "body": body}
    words, spelled = marks.in_document("\n".join(filter(None, fields.values())))
    for fieldname in ("summary", "body"):
        if text := fields.get(fieldname):
            found = passages(text, words.get(fieldname, frozenset()), spelled)
            marked = highlights(found, top=2)
            if len(html.unescape(re.sub(r"<[^>]*>", "", marked))) > MAX_SNIPPET_CHARS:
                marked = highlights(found, top=1)  # the same passages: found once
            if marked:
                return SafeHTML(marked)
    # The match was in the title only: show the start of the summary, to a clause's end.
    text = fields.get("summary") or fields.get("body") or ""
    if not text:
        return SafeHTML("")
    return SafeHTML(MarkFormatter().format([ClauseFragmenter().opening(text)]))
