"""A page's meta description made from its own text: what search engines show under the
page's title, and what some screen readers read out for a link shared elsewhere."""

import re

from flask_babel import gettext as _

from .. import markdown

# Longer descriptions are cut off in search results, mid-sentence: about 80 ideographs (an
# ideograph is about two letters wide), 160 letters. The fixed descriptions (the templates'
# `description` blocks) are written to fit; a text cut to 80 still keeps a whole sentence
# or clause that says what the page is (the plan's measures: the measure and what it does
# first), so the longer bound of some results (about 100) is not needed.
CHINESE_LIMIT = 80
ENGLISH_LIMIT = 160
# Ideographs, CJK punctuation and full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Where a Chinese sentence, and a clause inside one, ends.
CHINESE_SENTENCE_END = re.compile(r"[。！？]")
CHINESE_CLAUSE_END = re.compile(r"[，；、：]")
ENGLISH_SENTENCE_END = re.compile(r"[.!?](?=\s)")
ENGLISH_CLAUSE_END = re.compile(r"[,;:](?=\s)")
# Words an English description cut short may not end on ("…services for…").
DANGLING = re.compile(
    r"(?:\s+(?:a|an|and|as|at|by|for|from|in|into|of|on|or|the|their|to|who|with))+$", re.I
)


def meta_description(text: str | None, title: str | None = None) -> str:
    """The first paragraph of a text (Markdown or plain), after the item's `title` if given,
    cut to the length search results show: at the end of the last whole sentence that fits,
    or, when the first sentence is already too long, at the last clause that fits (in
    English, when it keeps more than half the room; else at a word, never on "and", "for"
    and the like), with an ellipsis. Never in the middle of an English word."""
    first = next((line for line in markdown.text(text).splitlines() if line.strip()), "")
    if title:
        first = _("%(title)s：%(text)s", title=title, text=first) if first else title
    words = " ".join(first.split())
    # Chinese by most of its characters: an English text may quote a document number.
    if len(CJK.findall(words)) * 2 > len(words):
        return _cut(words, CHINESE_LIMIT, CHINESE_SENTENCE_END, CHINESE_CLAUSE_END, "……")
    cut = _cut(words, ENGLISH_LIMIT, ENGLISH_SENTENCE_END, ENGLISH_CLAUSE_END, "…", " ")
    return DANGLING.sub("", cut[:-1]) + "…" if cut.endswith("…") else cut


def _cut(
    text: str, limit: int, sentence: re.Pattern, clause: re.Pattern, ellipsis: str, word: str = ""
) -> str:
    """`text` if it fits in `limit`, else its whole sentences that fit, else its clauses
    that fit followed by `ellipsis` (when the last that fits ends past half the room, or
    there are no `word` breaks), else its words that fit, else its first `limit`
    characters, each with the ellipsis."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in sentence.finditer(text) if m.end() <= limit]
    if ends:
        return text[: ends[-1]].strip()
    room = limit - len(ellipsis)
    breaks = [m.start() for m in clause.finditer(text) if m.start() <= room]
    if word and not (breaks and breaks[-1] * 2 > room):
        breaks = [m.start() for m in re.finditer(re.escape(word), text) if m.start() <= room]
    kept = text[: breaks[-1]] if breaks else text[:room]
    return kept.rstrip(" ,;:") + ellipsis
