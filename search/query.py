"""From what a resident typed to a Whoosh query.

Raw text never reaches Whoosh's query parser: the query is built here from analysed words,
so that AND, quotes, brackets, `title:x` or `*` are plain text and can never raise a
syntax error or run an expensive wildcard search.
"""

import re
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import pairwise

from whoosh.columns import ColumnReader
from whoosh.query import And, Or, Phrase, Prefix, Query, Term
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F, BaseScorer, BM25FScorer
from whoosh.searching import Searcher

from search import pinyin
from search.analysis import (
    QUESTION_WORDS,
    analyzer,
    index_term,
    is_known_word,
    only_lone_characters,
    query_words,
    search_parts,
    stem_of,
    typed_words,
)
from search.results import Marks
from search.synonyms import SynonymGroup, load_groups
from search.text import has_chinese, is_chinese, normalize

# Longer queries are cut: nobody types more, and each word adds clauses to the query.
MAX_QUERY_CHARS = 200
MAX_WORDS = 16
# Scoring weights: a title match above a summary match above a body match.
FIELD_BOOSTS = {"title": 3.0, "summary": 1.5, "body": 1.0}
# An English document's Chinese twin (`Document.chinese_title`…), each of its fields in one
# of its own, weighed as the field it stands for. A Chinese word typed on the English site
# is searched there too, so the English pages rank as the Chinese site ranks their twins:
# with the Chinese title alone in the English title, a page was found by its title only,
# as long as its English title (the home adaptations came 5th for 无障碍, below every page
# with a shorter title, where the Chinese site puts them first for what their summary says).
CHINESE_FIELDS = {name: f"chinese_{name}" for name in FIELD_BOOSTS}
STANDS_FOR = {twin: name for name, twin in CHINESE_FIELDS.items()}
# What the resident typed ranks above the terms it expands to through the synonym file.
TYPED_BOOST = 2.0
# A query that is a document's whole title puts that document first.
EXACT_TITLE_BOOST = 10.0
# A query in pinyin that spells a word of a title counts like typing that word in Chinese.
PINYIN_BOOST = FIELD_BOOSTS["title"] * TYPED_BOOST


class Union(Or):
    """Or, always matched as a tree of unions. For three clauses or more on a small index
    Whoosh picks a matcher that loads every match up front, and it lost documents of a
    nested Or with a coordination bonus: haizi found one of the three pages that say 孩子,
    which typing 孩子 found."""

    matcher_type = Or.DEFAULT_MATCHER


# Notices and news are about a moment; what a resident searching for 轮椅 wants first is
# the service or the place. A project of the plan is what the district undertakes to do
# (特殊教育师资人才培养项目: training teachers); the service that comes of it is what a
# resident can ask for, and says how. Other kinds keep their score.
KIND_WEIGHTS = {"update": 0.5, "project": 0.7}


class KindWeighting(BM25F):
    """BM25F, with each document's score scaled by the weight of its kind, and the Chinese
    twin's fields measured against the fields they stand for."""

    use_final = True

    def __init__(self) -> None:
        super().__init__()
        # Each segment's column of kinds, opened once per search: opening it reads the
        # column's offsets, which cost more than the scoring itself.
        self._kinds: dict[IndexReader, ColumnReader] = {}

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> BaseScorer:
        """BM25F's scorer; in a field of the Chinese twin (`CHINESE_FIELDS`) a document's
        length is compared with the average of the field it stands for, as its twin's is.
        Whoosh averages over every document, and only English ones have a twin: against
        half the average, a long title counted as twice as long as on the Chinese site."""
        scorer = super().scorer(searcher, fieldname, text, qf)
        stands_for = STANDS_FOR.get(fieldname)
        if stands_for is not None and isinstance(scorer, BM25FScorer):
            scorer.avgfl = searcher.get_parent().avg_field_length(stands_for) or 1
        return scorer

    def final(self, searcher: Searcher, docnum: int, score: float) -> float:
        """The score BM25F gives, times the weight of the document's kind."""
        reader = searcher.reader()
        kinds = self._kinds.get(reader)
        if kinds is None:
            kinds = self._kinds[reader] = reader.column_reader("kind")
        return score * KIND_WEIGHTS.get(kinds[docnum], 1.0)


# The longest run of query words looked up as one synonym term ("hard of hearing").
MAX_PHRASE_WORDS = 3
# Each extra query word that a document matches raises its score by this share.
COORDINATION_BONUS = 0.5
# A long word found only through the shorter words inside it counts this much of itself;
# so does a word of a several-word synonym term typed ("hearing aid"), found alone.
PARTS_WEIGHT = 0.25
# Words typed together and found together in a field (一次办好, not 一次 here and 办好
# there) count this much more, in that field.
PHRASE_BOOST = 2.0
# Words further apart than this in the query itself are not looked for as a phrase.
MAX_PHRASE_GAP = 4
# Words every page of this site says count this much of a word beside words that name
# what is asked about: 残疾人能吃低保吗 ranked sport second on 残疾人 alone.
SITE_WORDS = frozenset(["残疾人", "残疾", "残障人士"])
SITE_WORD_WEIGHT = 0.1
# Everyday words the plan uses for something else, that count this much of a word: what
# they mean to a resident is the synonym file's term (工作 is 就业 to someone looking for
# a job; in titles it is the federation's own work, 社会工作, 预防工作).
# 补助 is the plan's word for money given once or for one thing (网络资费补助, 失业补助金);
# to a resident it is the allowance (补贴) they live on.
VAGUE_WORDS = {"工作": 0.25, "补助": 0.25, "补助金": 0.25}


def clean_query(raw: str | None) -> str:
    """The query as searched: cut to a sane length, normalised, single spaces. Chinese
    typed a character at a time with spaces between (轮 椅, 残 疾 证) is one word again,
    and so is a lone character spaced off a word it belongs to (残疾 证, 残疾人 证: alone,
    the 证 was left out as saying little, and 残疾 beside nothing found nothing); spaces
    between longer words (博平 如康家园) stay."""
    pieces = normalize((raw or "")[:MAX_QUERY_CHARS]).split()
    if len(pieces) > 1 and all(len(piece) == 1 and is_chinese(piece) for piece in pieces):
        return "".join(pieces)
    return " ".join(_joined(pieces))


def _joined(pieces: list[str]) -> list[str]:
    """`pieces` with each lone Chinese character joined to the Chinese piece before it, or
    that piece to it, where together they spell a word the dictionary or the synonym file
    has (残疾 证: 残疾证; 残 疾人: 残疾人). Other neighbours stay apart: 康复 证 is no word,
    and 残疾人 车 is searched as 残疾人车 is."""
    joined: list[str] = []
    for piece in pieces:
        before = joined[-1] if joined else ""
        if (
            is_chinese(before)
            and is_chinese(piece)
            and 1 in (len(before), len(piece))
            and is_known_word(before + piece)
        ):
            joined[-1] = before + piece
        else:
            joined.append(piece)
    return joined


def exact_key(text: str) -> str:
    """Text reduced to its letters, digits and ideographs, to compare whole titles."""
    return "".join(re.findall(r"\w+", normalize(text)))


def term_key(term: str) -> str:
    """How a word or synonym term is looked up: its index terms, joined by spaces."""
    return " ".join(index_term(word) for word in query_words(normalize(term)))


class Thesaurus:
    """The synonym file as a lookup from a term's key to its related terms."""

    def __init__(self, groups: tuple[SynonymGroup, ...]) -> None:
        self._related: dict[str, list[str]] = {}
        for group in groups:
            for source in group.sources:
                key = term_key(source)
                related = self._related.setdefault(key, [])
                for target in group.targets:
                    if term_key(target) != key and target not in related:
                        related.append(target)

    def related(self, key: str) -> list[str]:
        """The terms that a query word (given by its key) also finds."""
        return self._related.get(key, [])


@cache
def thesaurus() -> Thesaurus:
    """The thesaurus of the package's synonym file, built once per process."""
    return Thesaurus(load_groups())


def searched_words(text: str) -> list[str]:
    """The words of a cleaned query that are searched for: `query_words`, the first
    MAX_WORDS. What is decided about a query's words (lone characters only?) is decided
    on these, wherever it is decided."""
    return query_words(text)[:MAX_WORDS]


def build_query(text: str, reader: IndexReader, spelled: Sequence[str] = ()) -> Query | None:
    """The Whoosh query for a cleaned query text, or None when it has no words or nothing
    to find: lone characters only (`only_lone_characters`), or nothing that no page says
    beside a site word (`asks_what_no_page_says`).

    `spelled` are the Chinese words a query in pinyin spells: each is searched as if it
    had been typed (with its synonyms) beside the query itself.
    """
    words = searched_words(text)
    if not words:
        return None
    subject = [word for word in words if word not in SITE_WORDS]
    if not spelled and (
        only_lone_characters(words) or asks_what_no_page_says(text, words, subject, reader)
    ):
        return None
    keys = [index_term(word) for word in words]
    # Runs of words can be a synonym term of their own, like "hearing aid": what the term
    # brings is what was asked, and each of its words alone counts as a long word's parts
    # do (the aid of "legal aid" is no hearing aid). Typed together, they still count more
    # where a page says them together (`_phrase_queries`).
    terms: list[Query] = []
    in_terms: set[int] = set()
    for size in range(2, MAX_PHRASE_WORDS + 1):
        for start in range(len(keys) - size + 1):
            related = _related_queries(" ".join(keys[start : start + size]), reader)
            if related:
                terms.append(Union(related))
                in_terms.update(range(start, start + size))
    weights = [
        _weight(word, subject) * (PARTS_WEIGHT if place in in_terms else 1.0)
        for place, word in enumerate(words)
    ]
    clauses = [
        Union(
            [_term_query(word, reader, typed=True, weight=weight)]
            + _related_queries(key, reader)
            + _stem_queries(word, reader, weight)
        )
        for word, key, weight in zip(words, keys, weights, strict=True)
    ]
    clauses += [
        Union([_term_query(word, reader, typed=True)] + _related_queries(index_term(word), reader))
        for word in spelled
    ]
    clauses += terms
    exact = Term("title_exact", exact_key(text), boost=EXACT_TITLE_BOOST)
    together = _phrase_queries(text, keys)
    return Union(
        [Union(clauses, scale=COORDINATION_BONUS), exact, *together, *_pinyin_queries(text)]
    )


def asks_what_no_page_says(
    text: str, words: list[str], subject: list[str], reader: IndexReader
) -> bool:
    """True when a query says what it asks about beside a word every page says, and no page
    says that (残疾人三轮车, 残疾人驾照; 残疾人车 and 残疾人能干什么, whose 车 and 干 are left
    out as lone characters): the word every page says would find every page, none of them
    about what was asked. Nothing is found instead, and the page offers what it offers for
    nothing found (or the corrected query: 残疾人正). A query of site words alone (残疾人)
    still finds the pages that say them."""
    if len(subject) == len(words):
        return False
    asked = [w for w in typed_words(text) if w not in SITE_WORDS and w not in QUESTION_WORDS]
    return bool(asked) and not any(_is_found(word, reader) for word in subject)


def _is_found(word: str, reader: IndexReader) -> bool:
    """True when some document has `word`, a synonym term of it, every shorter word
    inside it, or its stem (`searched_stem`)."""
    key = index_term(word)
    if _is_indexed(key, reader):
        return True
    stem = searched_stem(word, reader)
    if stem is not None and _is_found(stem, reader):
        return True
    for term in thesaurus().related(key):
        if all(_is_indexed(index_term(w), reader) for w in query_words(normalize(term))):
            return True
    parts = search_parts(word) if is_chinese(word) else []
    return bool(parts) and all(_is_indexed(part, reader) for part in parts)


def searched_stem(word: str, reader: IndexReader) -> str | None:
    """The stem a word no page says is also searched by (`analysis.stem_of`: 聋哑人 by
    聋哑, 护理费 by 护理), or None. A word some page says is searched as it is: 残疾人 is
    not also 残疾."""
    if _is_indexed(index_term(word), reader):
        return None
    return stem_of(word)


def _stem_queries(word: str, reader: IndexReader, weight: float) -> list[Query]:
    """The stem of a word no page says, searched as if typed, with its synonym terms
    (聋哑人: 聋哑, and through it 听力残疾; 肢残人: 肢残, and through it 肢体残疾); [] for
    other words. jieba keeps such a word whole and gives it no shorter word to be found by,
    so it found nothing where its stem found the right pages."""
    stem = searched_stem(word, reader)
    if stem is None:
        return []
    weight *= VAGUE_WORDS.get(stem, 1.0)
    return [_term_query(stem, reader, typed=True, weight=weight)] + _related_queries(
        index_term(stem), reader
    )


def _phrase_queries(text: str, keys: list[str]) -> list[Query]:
    """The query's words as a phrase in each field: the words in the order typed, as far
    apart as the analyzer puts them in the query itself (a long word is followed by the
    shorter words inside it). Only when every gap is the same, which both backends can
    ask for alike (Whoosh as a slop, PostgreSQL as <N>)."""
    run: list[tuple[str, int]] = []
    for token in analyzer()(text, positions=True):
        if token.text in keys and token.text not in dict(run):
            run.append((token.text, token.pos))
    gaps = {later[1] - earlier[1] for earlier, later in pairwise(run)}
    if len(run) < 2 or len(gaps) != 1 or max(gaps) > MAX_PHRASE_GAP:
        return []
    words, slop = [word for word, _ in run], gaps.pop()
    fields = searched_fields(*words)
    return [
        Union(
            [Phrase(field, words, slop=slop, boost=PHRASE_BOOST * w) for field, w in fields.items()]
        )
    ]


def _pinyin_queries(text: str) -> list[Query]:
    """For a query in pinyin, the titles' words that read that way (see `pinyin`)."""
    key = pinyin.query_key(text)
    if key is None:
        return []
    queries: list[Query] = [Term("pinyin", key, boost=PINYIN_BOOST)]
    if len(key) >= pinyin.PREFIX:
        queries.append(Prefix("pinyin", key, boost=PINYIN_BOOST / 2))
    return queries


def _weight(word: str, subject: list[str]) -> float:
    """How much a typed word counts: a word every page says, little beside the others; a
    vague word (VAGUE_WORDS) less than the term it stands for."""
    if word in SITE_WORDS and subject:
        return SITE_WORD_WEIGHT
    return VAGUE_WORDS.get(word, 1.0)


def _related_queries(key: str, reader: IndexReader) -> list[Query]:
    """Queries for the synonym terms related to `key`."""
    return [_term_query(term, reader) for term in thesaurus().related(key)]


def _term_query(term: str, reader: IndexReader, typed: bool = False, weight: float = 1.0) -> Query:
    """A query for one term in any text field; every word of a several-word term must match.
    What the resident `typed` counts more than the synonyms it brings."""
    words = query_words(normalize(term))
    parts = [_word_query(index_term(word), reader, typed, weight) for word in words]
    return parts[0] if len(parts) == 1 else And(parts)


def _word_query(word: str, reader: IndexReader, typed: bool, weight: float = 1.0) -> Query:
    """A query for one index term in title, summary and body."""
    boost = (TYPED_BOOST if typed else 1.0) * weight
    fields = searched_fields(word)
    in_fields = Union([Term(field, word, boost=boost * w) for field, w in fields.items()])
    if len(word) <= 2 or not is_chinese(word):
        return in_fields
    # A long word is also found through the shorter words inside it, where a page says it
    # otherwise (听力残疾 where pages say 听力言语残疾人; 视力残疾 where 视力残疾人 is cut
    # 视力/残疾人). Always for a word the resident typed, which a page with the whole word
    # still ranks first with; for a synonym's term, which is the plan's own word, only
    # when no page has it whole (its parts would bring in pages about something else).
    if not typed and _is_indexed(word, reader):
        return in_fields
    parts = search_parts(word)
    if not parts:
        return in_fields
    part_weight = weight * PARTS_WEIGHT
    return Union(
        [
            in_fields,
            Parts([_word_query(part, reader, typed, part_weight) for part in parts], word=word),
        ]
    )


def searched_fields(*words: str) -> dict[str, float]:
    """The fields words are searched in, with their boosts: Chinese words in the Chinese
    twin's fields too (`CHINESE_FIELDS`), which hold nothing else."""
    if not all(has_chinese(word) for word in words):
        return FIELD_BOOSTS
    return FIELD_BOOSTS | {CHINESE_FIELDS[name]: w for name, w in FIELD_BOOSTS.items()}


class Parts(And):
    """The shorter words inside a long word, all of them anywhere in a document. Where a
    text says the long word, a snippet marks it and not its parts (`marks`): for 残疾人证,
    not the 残疾人 or 残疾 that a page says on its own besides."""

    def __init__(self, subqueries: list[Query], boost: float = 1.0, word: str = "") -> None:
        # Whoosh makes a query again with (subqueries, boost=…) when it normalises one.
        super().__init__(subqueries, boost=boost)
        self.word = word


def marks(query: Query) -> Marks:
    """What a snippet marks for `query`: each field's words that the query searches there,
    and the long words it also searches by their parts (`Parts`), with those parts."""
    terms = _terms_outside_parts(query)
    return Marks(
        words={
            field: frozenset(word for name, word in terms if name == field)
            for field in FIELD_BOOSTS
        },
        parts={
            parts.word: frozenset(word for _, word in parts.all_terms())
            for parts in _all_parts(query)
        },
    )


def _terms_outside_parts(query: Query) -> set[tuple[str, str]]:
    """The (field, word) terms of `query`, but those found only inside a `Parts`."""
    if isinstance(query, Parts):
        return set()
    if query.is_leaf():
        return set(query.all_terms())
    return set().union(*(_terms_outside_parts(child) for child in query.children()))


def _all_parts(query: Query) -> Iterator[Parts]:
    """The `Parts` of `query`: the long words it also searches by their parts."""
    if isinstance(query, Parts):
        yield query
    for child in query.children():
        yield from _all_parts(child)


def _is_indexed(word: str, reader: IndexReader) -> bool:
    """True when some document has `word` in a text field."""
    return any(reader.doc_frequency(field, word) for field in FIELD_BOOSTS)


def build_filter(
    language: str,
    kinds: list[str] | None = None,
    categories: list[str] | None = None,
    township: str | None = None,
) -> Query:
    """The filter for one language and the optional kind, category and township choices."""
    parts: list[Query] = [Term("language", language)]
    if kinds:
        parts.append(Union([Term("kind", kind) for kind in kinds]))
    if categories:
        parts.append(Union([Term("categories", category) for category in categories]))
    if township:
        parts.append(Term("township", township))
    return And(parts)
