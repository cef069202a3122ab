""" "Did you mean": a related or corrected term for a query that found nothing."""

from collections.abc import Callable, Iterable

from search.analysis import index_term, is_known_word
from search.query import thesaurus

# How many candidates are tried (each costs one search) before giving up.
MAX_TRIES = 5


def suggest(
    text: str,
    words: list[str],
    vocabulary: Iterable[str],
    has_hits: Callable[[str], bool],
) -> str | None:
    """A query like `text` with one word replaced, that finds something; or None.

    A colloquial word from the synonym file is replaced by the plan's term first; then a
    misspelt word is replaced by the nearest spelling in `vocabulary` (titles and synonym
    terms). A word the dictionary has is spelt right, and a single character is too short
    to tell: neither is respelt (老人 is not 盲人, 镇 is not 乡镇).
    `has_hits` decides whether a candidate finds something.
    """
    vocabulary = list(vocabulary)
    candidates: list[str] = []
    # The whole query first: jieba may have cut a misspelt word into pieces (如康加园).
    for word in dict.fromkeys([text, *words]):
        replacements = thesaurus().related(index_term(word))
        if len(word) > 1 and not is_known_word(word):
            replacements += near_terms(word, vocabulary)
        candidates.extend(text.replace(word, replacement) for replacement in replacements)
    tried = [candidate for candidate in dict.fromkeys(candidates) if candidate != text]
    return next((candidate for candidate in tried[:MAX_TRIES] if has_hits(candidate)), None)


def near_terms(word: str, vocabulary: list[str], limit: int = 3) -> list[str]:
    """Terms of `vocabulary` within a small edit distance of `word`, nearest first; never
    a single character (办 for 办证 would find every page and help nobody), and never other
    figures: a number is not misspelt, and 100 or 80 is not 10."""
    if is_number(word):
        return []
    allowed = 1 if len(word) <= 4 else 2
    scored = []
    for term in vocabulary:
        if term == word or len(term) < 2 or abs(len(term) - len(word)) > allowed:
            continue
        if _digits(term) != _digits(word):
            continue
        distance = edit_distance(word, term)
        if distance <= allowed:
            # Between equally near terms, the one sharing more characters reads as meant.
            shared = len(set(word) & set(term))
            scored.append((distance, -shared, term))
    scored.sort(key=lambda item: item[:2])
    return [term for _, _, term in scored[:limit]]


def is_number(word: str) -> bool:
    """True for a figure: digits, with or without a sign or point (100, 95%, 3.5)."""
    return any(ch.isdigit() for ch in word) and not any(ch.isalpha() for ch in word)


def _digits(word: str) -> str:
    """The digits of a word, in order."""
    return "".join(ch for ch in word if ch.isdigit())


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`."""
    previous_row: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]
