"""The search index in PostgreSQL: one table of documents and its full-text search, for a
site on several servers that share one database.

**Words.** PostgreSQL has no Chinese parser, so nothing is parsed there. Each document is
cut in Python by the analyzer of the Whoosh index (`search.analysis`: Simplified Chinese,
half-width, lower case; jieba's search mode, so 辅助器具 gives 辅助, 器具 and 辅助器具; stop
words out; English stems) and its words are written as a `tsvector` literal: the title's
words weighted A, the summary's B, the body's C, the pinyin readings of a Chinese title D,
and an English document's Chinese twin (`Document.chinese_title`…) as the fields it stands for.
No text search configuration cuts them again (not even 'simple', whose parser would split
a word jieba kept whole, such as 0635-1234567), and queries are written as `tsquery`
literals the same way, so nothing a resident types is read as query syntax.

**Queries.** A query is the one `search.query.build_query` makes for Whoosh, with the same
words, synonyms, boosts, pinyin and exact-title clauses, translated into a `tsquery` that
finds the documents through a GIN index and an SQL expression that scores them. A word's
score is `ts_rank_cd` in each of its fields, each time a field says it weighted and the
rank saturated as Whoosh's BM25F weighs and saturates it, times its inverse document
frequency as BM25F counts it (ts_rank_cd has none: without it a word on every page weighs
as much as a rare one), times the clause's boost; the synonyms, exact title, pinyin and
the kind's weight then count as they do in Whoosh. Several words of one synonym term
("hearing aid"), and the words of a phrase, are ranked together, so ts_rank_cd prefers
them close, times the sum of their idfs, as Whoosh sums its words' scores.
Snippets, pinyin words, corrections and suggestions are made by the code Whoosh uses.

**Tables.** The backend creates its tables when first written to; they are not one of the
site's Alembic migrations: like the Whoosh folder the index is derived data that a rebuild
writes again at any time, it may live in another database than the site's
(SEARCH_DATABASE_URL), and its layout follows this package's analysis, not the site's
models.

**Writers** share no lock file. Each write is one transaction that first raises the
generation in `search_state`: writers take turns on that row (one that waits longer than
`lock_timeout` raises `IndexBusy`), and every server knows when the title words and word
counts it keeps are out of date. Readers never wait: a rebuild deletes and inserts every
document in one transaction, and a search sees the index before it or after it.
"""

import logging
import math
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Identity,
    Index,
    Integer,
    MetaData,
    Row,
    Table,
    Text,
    create_engine,
    make_url,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, insert
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from whoosh.query import And, Or, Phrase, Prefix, Query, Term

from search.analysis import analyzer, chinese_analyzer, query_words
from search.backend import IndexBusy, IndexUnavailable, Progress, SearchBackend
from search.documents import Document
from search.query import (
    CHINESE_FIELDS,
    FIELD_BOOSTS,
    KIND_WEIGHTS,
    MAX_PHRASE_GAP,
    build_query,
    clean_query,
    exact_key,
    marks,
)
from search.results import Hit, Marks, Results, page_span, snippet
from search.vocabulary import (
    TitleWords,
    leading_somewhere,
    offered,
    offered_instead,
    pinyin_words,
    title_readings,
    titles_language,
)

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
# The tsvector weight (label) of each field. An English document's Chinese twin
# (`CHINESE_FIELDS`) has the labels of the fields it stands for: there is no length
# normalisation to keep apart, and a field's words are ranked in each label alone.
WEIGHTS = {"title": "A", "summary": "B", "body": "C", "pinyin": "D"}
WEIGHTS |= {twin: WEIGHTS[name] for name, twin in CHINESE_FIELDS.items()}
TEXT_LABELS = "".join(WEIGHTS[name] for name in FIELD_BOOSTS)
# PostgreSQL keeps at most 256 positions of a lexeme, none beyond 16383, and no lexeme
# longer than 2047 bytes: longer words are cut, the same way in documents and queries.
# A word said more than 256 times counts 256 times. Words past position 16383 are all
# written at 16383: each is still found, but counts once there however often it is said,
# and no phrase is found among them. The short fields come first, so only the end of a very
# long body can get there: the site's longest document (the English about page) ends at
# position 1,323.
MAX_POSITIONS = 256
MAX_POSITION = 16383
MAX_LEXEME_CHARS = 500
# The fields in the order their positions are written: the long body last, then an English
# document's Chinese twin.
FIELD_ORDER = ("title", "pinyin", "summary", "body", *CHINESE_FIELDS.values())
# How far apart the last word of a field and the first of the next are: further than a
# phrase query's widest gap (`MAX_PHRASE_GAP`), so that no phrase spans two fields, as none
# does in Whoosh, whose fields are apart.
FIELD_GAP = MAX_PHRASE_GAP + 1
# How much each time a field says a word counts in its rank, as Whoosh weighs it (each
# field's `field_boost`; the pinyin readings' field has none): a title says in a few words
# what the page is about. The rank saturates, x / (x + 1) of these, so that each more time a
# field says a word counts less, as BM25 counts it (a page saying 补贴 fourteen times in its
# body outranked the living allowance); after it, the field's boost weighs the rank again,
# as Whoosh boosts the field's term. Without it, in the judged set a department's title
# (区残联) counted less than a few pages saying its name in their bodies.
# There is no length normalisation. PostgreSQL's (ts_rank_cd's flags 1, 2, 8, 16) divide by
# the whole document's length, not the field's, so a title match on a long page counts
# less: on the judged set MRR fell from 0.933 to 0.924 (1 or 16), 0.813 (8) or 0.616 (2).
# BM25's own, per field (each field's length read with ts_filter at every search), made
# the ranks more like Whoosh's but MRR 0.926.
SAID_WEIGHTS = {WEIGHTS[name]: boost for name, boost in FIELD_BOOSTS.items()} | {"D": 1.0}
# Rows written in one statement during a rebuild.
BATCH = 500
# Word counts kept per generation of the index, at most.
MAX_COUNTED = 10_000
# Held while the tables are created, so that two servers starting together do not collide.
CREATE_LOCK = 7_317_001
# PostgreSQL's SQLSTATE when lock_timeout ends a wait, and when a table is missing.
LOCK_NOT_AVAILABLE = "55P03"
UNDEFINED_TABLE = "42P01"

metadata = MetaData()
search_document = Table(
    "search_document",
    metadata,
    Column("id", Text, primary_key=True),
    # The order documents were written in: equal scores are shown in that order, as
    # Whoosh shows them, and title words are read in it.
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("kind", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("departments", ARRAY(Text), nullable=False),
    Column("township", Text),
    Column("categories", ARRAY(Text), nullable=False),
    Column("disability_categories", ARRAY(Text), nullable=False),
    # The whole title reduced to letters and ideographs, for the exact-title boost.
    Column("title_exact", Text, nullable=False),
    Column("terms", TSVECTOR, nullable=False),
    Index("search_document_terms", "terms", postgresql_using="gin"),
    Index("search_document_title_exact", "language", "title_exact"),
)
# One row: the generation, raised by every write.
search_state = Table(
    "search_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)


# --- Documents as rows ----------------------------------------------------------------------


def document_row(document: Document) -> dict[str, Any]:
    """A document as a row of `search_document`."""
    return {
        "id": document.id,
        "kind": document.kind,
        "language": document.language,
        "title": _storable(document.title),
        "summary": _storable(document.summary),
        "body": _storable(document.body),
        "url": _storable(document.url),
        "departments": document.departments,
        "township": document.township,
        "categories": document.categories,
        "disability_categories": document.disability_categories,
        "title_exact": exact_key(document.title),
        "terms": document_vector(document),
    }


def document_vector(document: Document) -> str:
    """The document's words as a tsvector literal: each word with its positions, each
    position labelled with the weight of its field.

    Within a field, a word is where the analyzer puts it (`_field_words`), so neighbours
    are neighbours, as in Whoosh, and a phrase query finds them. Each field starts
    FIELD_GAP after the last word of the one before: no phrase spans two fields."""
    positions: dict[str, list[str]] = {}
    start = 1
    for name in FIELD_ORDER:
        label = WEIGHTS[name]
        last = None
        for offset, word in _field_words(document, name):
            last = min(start + offset, MAX_POSITION)
            kept = positions.setdefault(word, [])
            spot = f"{last}{label}"
            # Past MAX_POSITION every word is at it, once (PostgreSQL keeps a position once).
            if len(kept) < MAX_POSITIONS and spot not in kept[-1:]:
                kept.append(spot)
        if last is not None:
            start = last + FIELD_GAP
    return " ".join(f"{_lexeme(word)}:{','.join(kept)}" for word, kept in positions.items())


def _field_words(document: Document, name: str) -> Iterator[tuple[int, str]]:
    """Each word of one field with its position in the field, as Whoosh indexes it."""
    if name == "pinyin":
        # Pinyin is read on the Chinese site only (English titles can hold Chinese too).
        yield from enumerate(title_readings(document.title) if document.language == "zh" else [])
        return
    cut = chinese_analyzer() if name in CHINESE_FIELDS.values() else analyzer()
    text = document.searched_title if name == "title" else getattr(document, name)
    for token in cut(text, positions=True):
        yield token.pos, token.text


def _lexeme(word: str) -> str:
    """A word quoted for a tsvector or tsquery literal."""
    return "'" + word[:MAX_LEXEME_CHARS].replace("\\", "\\\\").replace("'", "''") + "'"


def _storable(value: str) -> str:
    """Text as PostgreSQL can keep it (it refuses NUL characters)."""
    return value.replace("\x00", "")


# --- Queries as SQL ---------------------------------------------------------------------------


@dataclass
class _Part:
    """A part of a query in SQL: whether a document matches it (`condition`), and how well
    (`score`). A part that is one tsquery has it in `tsquery`; a part ranked by one
    ts_rank_cd has the weights of labels D, C, B and A, its boost and its idfs."""

    condition: str
    score: str
    tsquery: str | None = None
    weights: tuple[float, ...] | None = None
    boost: float = 0.0
    # The placeholders of the idfs its score is multiplied by (their sum).
    idfs: tuple[str, ...] = ()


@dataclass
class SqlQuery:
    """A query made by `build_query`, as SQL over `search_document d`.

    `ranked` names the placeholder of the idf of each tsquery that the score uses: the
    search fills them in (`PostgresBackend.idf`).
    """

    where: str = ""
    score: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    ranked: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, query: Query) -> "SqlQuery":
        """Translate a query of Or, And, Term, Prefix and Phrase on the Whoosh schema's
        fields."""
        sql = cls()
        part = sql._part(query)
        sql.where, sql.score = part.condition, part.score
        return sql

    def _part(self, query: Query) -> _Part:
        """One part of the query in SQL."""
        if isinstance(query, Term | Prefix) and query.fieldname in WEIGHTS:
            return self._word([query])
        if isinstance(query, Term) and query.fieldname == "title_exact":
            condition = f"d.title_exact = {self._param(query.text)}"
            return _Part(condition, f"(CASE WHEN {condition} THEN {query.boost!r} ELSE 0 END)")
        if isinstance(query, Or) and _one_word(query.subqueries):
            return self._word(query.subqueries)
        if isinstance(query, Or) and _one_phrase(query.subqueries):
            return self._phrase(query.subqueries)
        if isinstance(query, Or):
            part = self._any([self._part(part) for part in query.subqueries], query.scale)
        elif isinstance(query, And):
            part = self._all([self._part(part) for part in query.subqueries])
        else:
            raise TypeError(f"no SQL for the query {query!r}")
        if query.boost == 1.0:
            return part
        return _Part(part.condition, f"({query.boost!r} * {part.score})", part.tsquery)

    def _word(self, terms: list[Term | Prefix]) -> _Part:
        """One word in one or more fields, ranked once over all of them, each field weighted
        by its boost (as BM25F weighs the fields of one term)."""
        labels, weights, top = _label_weights(terms)
        marker = ":*" if isinstance(terms[0], Prefix) else ":"
        return self._ranked(_lexeme(terms[0].text) + marker + labels, weights, top)

    def _phrase(self, phrases: list[Phrase]) -> _Part:
        """Words found together in one or more fields: a tsquery of the words `slop`
        positions apart (Whoosh: at most that far), ranked as `_word` ranks one word, times
        the sum of the words' idfs: Whoosh scores a phrase as the sum of its words' scores,
        so that found together they count PHRASE_BOOST times more in that field."""
        labels, weights, top = _label_weights(phrases)
        apart = "<->" if phrases[0].slop == 1 else f"<{phrases[0].slop}>"
        words = [_lexeme(word) + ":" + labels for word in phrases[0].words]
        idfs = tuple(self._idf(word) for word in words)
        return self._ranked("(" + f" {apart} ".join(words) + ")", weights, top, idfs)

    def _ranked(
        self, tsquery: str, weights: tuple[float, ...], boost: float, idfs: tuple[str, ...] = ()
    ) -> _Part:
        """A part scored by one ts_rank_cd in each field, times its boost and the idf of its
        tsquery (or the sum of `idfs`, the words ranked together)."""
        found = self._param(tsquery)
        idfs = idfs or (self._idf(tsquery),)
        # Ranked in each field on its own, as BM25F scores a word: in one rank of every
        # field, a page saying a word a dozen times in its body outranked one with it in
        # its title. ts_rank_cd without normalisation counts 1 for each time the field says
        # the word (less for words of a cover further apart); each time weighs the field's
        # SAID_WEIGHTS, and x / (x + 1) of that is 1 - 1 / (1 + x), with ts_rank_cd once.
        ranks = []
        for place, weight in enumerate(weights):
            if weight:
                label = "'{" + ",".join("1" if i == place else "0" for i in range(4)) + "}'"
                each = f"ts_rank_cd({label}, d.terms, CAST({found} AS tsquery))"
                said = f"{SAID_WEIGHTS['DCBA'[place]]!r} * {each}"
                ranks.append(f"{weight:.4f} * (1 - 1 / (1 + {said}))")
        rank = "(" + " + ".join(ranks) + ")"
        idf = "(" + " + ".join(f":{name}" for name in idfs) + ")"
        return _Part(
            condition=f"d.terms @@ CAST({found} AS tsquery)",
            score=f"({boost!r} * {idf} * {rank})",
            tsquery=tsquery,
            weights=weights,
            boost=boost,
            idfs=idfs,
        )

    def _idf(self, tsquery: str) -> str:
        """The placeholder of the idf of `tsquery`."""
        return self.ranked.setdefault(tsquery, f"idf{len(self.ranked)}")

    def _any(self, parts: list[_Part], scale: float | None) -> _Part:
        """Documents matching any of the parts; the scores add up."""
        if len(parts) == 1:
            return parts[0]
        tsqueries = [part.tsquery for part in parts if part.tsquery is not None]
        others = [part.condition for part in parts if part.tsquery is None]
        either = "(" + " | ".join(tsqueries) + ")" if tsqueries else None
        conditions = [f"d.terms @@ CAST({self._param(either)} AS tsquery)"] if either else []
        score = " + ".join(part.score for part in parts)
        if scale:
            # Each further part a document matches raises its score by this share.
            matched = " + ".join(f"({part.condition})::int" for part in parts)
            score = f"({score}) * (1 + {scale!r} * ({matched} - 1))"
        condition = "(" + " OR ".join(conditions + others) + ")"
        return _Part(condition, f"({score})", None if others else either)

    def _all(self, parts: list[_Part]) -> _Part:
        """Documents matching every part, scored as the sum of the parts' scores. Parts
        weighted alike are ranked once, so that ts_rank_cd prefers the words close together
        (its rank of several words is about that of one), times the sum of the parts' idfs,
        as Whoosh sums the scores of an And's words."""
        score = " + ".join(part.score for part in parts)
        if any(part.tsquery is None for part in parts):
            condition = "(" + " AND ".join(part.condition for part in parts) + ")"
            return _Part(condition, f"(CASE WHEN {condition} THEN {score} ELSE 0 END)")
        both = "(" + " & ".join(part.tsquery or "" for part in parts) + ")"
        first = parts[0]
        if first.weights and all(
            (p.weights, p.boost) == (first.weights, first.boost) for p in parts
        ):
            idfs = tuple(name for part in parts for name in part.idfs)
            return self._ranked(both, first.weights, first.boost, idfs)
        condition = f"d.terms @@ CAST({self._param(both)} AS tsquery)"
        return _Part(condition, f"(CASE WHEN {condition} THEN {score} ELSE 0 END)", both)

    def _param(self, value: object) -> str:
        """A placeholder for `value`."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"


def _label_weights(parts: list) -> tuple[str, tuple[float, ...], float]:
    """The weight labels of the fields that one word or phrase is asked in, ts_rank_cd's
    weights of labels D, C, B and A (each field's boost over the largest), and that
    largest boost."""
    boosts: dict[str, float] = {}
    for part in parts:
        # A field and the Chinese twin's field that stands for it share a label and a boost.
        label = WEIGHTS[part.fieldname]
        boosts[label] = max(boosts.get(label, 0.0), part.boost)
    top = max(boosts.values())
    return "".join(sorted(boosts)), tuple(boosts.get(label, 0.0) / top for label in "DCBA"), top


def _one_phrase(parts: list[Query]) -> bool:
    """True when `parts` are one phrase in several fields."""
    if not all(isinstance(part, Phrase) for part in parts):
        return False
    phrases = {(tuple(part.words), part.slop) for part in parts}
    return len(phrases) == 1 and all(part.fieldname in WEIGHTS for part in parts)


def _one_word(parts: list[Query]) -> bool:
    """True when `parts` are one word (or one prefix) in several fields."""
    words = {(type(part), part.text) for part in parts if isinstance(part, Term | Prefix)}
    fields = [getattr(part, "fieldname", None) for part in parts]
    return len(parts) > 1 and len(words) == 1 and all(name in WEIGHTS for name in fields)


# --- The backend ------------------------------------------------------------------------------


@dataclass
class _Counts:
    """How many documents one generation of the index holds, and how many each tsquery
    finds in each language."""

    generation: int
    documents: int
    found: dict[tuple[str, str], int] = field(default_factory=dict)


class PostgresBackend(SearchBackend):
    """A search index in the PostgreSQL database at `url`, a SQLAlchemy URL such as
    postgresql+psycopg://user@host/database (a plain postgresql:// uses psycopg too)."""

    _shared: dict[tuple[str, int], "PostgresBackend"] = {}
    # Threads asking for a backend at once (a threaded server's first requests, or writers
    # draining the outbox) must get the same one: a second one made meanwhile would be
    # dropped with its pooled connections open, never closed.
    _sharing = threading.Lock()

    def __init__(self, url: str, *, lock_timeout: float = 10.0) -> None:
        address = make_url(url)
        if address.get_backend_name() != "postgresql":
            raise ValueError(f"the PostgreSQL search backend needs a postgresql URL, not {url!r}")
        if address.drivername == "postgresql":
            address = address.set(drivername="postgresql+psycopg")
        self.lock_timeout = lock_timeout
        # A connection is tested before use (the database may have restarted), and a
        # database that cannot be reached fails a search in seconds, not minutes.
        timeout = {} if "connect_timeout" in address.query else {"connect_timeout": 5}
        self.engine = create_engine(
            address, pool_pre_ping=True, connect_args=timeout, hide_parameters=True
        )
        self._titles: dict[tuple[int, str], TitleWords] = {}
        self._counts: _Counts | None = None

    @classmethod
    def shared(cls, url: str) -> "PostgresBackend":
        """The backend of `url` for this process, made on first use, so that its
        connections and what it keeps serve every request (a forked worker makes its own)."""
        key = (url, os.getpid())
        with cls._sharing:
            if key not in cls._shared:
                cls._shared[key] = cls(url)
            return cls._shared[key]

    def close(self) -> None:
        """Close the backend's connections."""
        self.engine.dispose()

    # Reading

    def is_readable(self) -> bool:
        """True when the index's tables exist and can be read."""
        return self.health() == "ready"

    def health(self) -> str:
        """Either ready, missing (a write or rebuild creates it) or unreadable (the database
        cannot be reached or refuses to answer)."""
        try:
            with self.engine.connect() as connection:
                if not _tables_exist(connection):
                    return "missing"
                connection.execute(text("SELECT generation FROM search_state"))
                connection.execute(text("SELECT id FROM search_document LIMIT 1"))
        except SQLAlchemyError as error:
            logger.warning("the search index in PostgreSQL cannot be read: %s", error)
            return "unreadable"
        return "ready"

    def search(
        self,
        query: str | None,
        *,
        language: str = "zh",
        kinds: list[str] | None = None,
        categories: list[str] | None = None,
        township: str | None = None,
        page: int = 1,
        per_page: int = 10,
    ) -> Results:
        """One page of documents in `language` matching `query`; any text is a valid query."""
        cleaned = clean_query(query)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        if not query_words(cleaned):
            return Results.empty(cleaned, per_page)
        try:
            with self._reading() as connection:
                found = _Search(self, connection, cleaned, language)
                return found.results(kinds, categories, township, page, per_page)
        except SQLAlchemyError as error:
            if _sqlstate(error) == UNDEFINED_TABLE:
                raise IndexUnavailable("there is no search index in PostgreSQL") from error
            logger.exception("search failed in PostgreSQL")  # not what was typed
            raise IndexUnavailable("the search index in PostgreSQL failed") from error

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection in a read-only transaction that sees one state of the index."""
        with self.engine.connect() as connection:
            with connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ).begin():
                yield connection

    def title_words(self, connection: Connection, generation: int, language: str) -> TitleWords:
        """The words of the titles in `language`, kept until the index changes."""
        key = (generation, language)
        if key not in self._titles:
            # Each title once, in the order titles were first written.
            titles = connection.scalars(
                text(
                    "SELECT title FROM search_document WHERE language = :language"
                    " GROUP BY title ORDER BY min(seq)"
                ),
                {"language": language},
            )
            kept = {k: v for k, v in self._titles.items() if k[0] == generation}
            self._titles = {**kept, key: TitleWords(list(titles))}
        return self._titles[key]

    def idf(
        self, connection: Connection, generation: int, sql: SqlQuery, language: str
    ) -> dict[str, float]:
        """The inverse document frequency of each tsquery the score of `sql` ranks, as
        Whoosh's BM25F has it (log(documents / (found + 1)) + 1), by placeholder: of all
        documents, those in `language` that it finds. An English document holds its Chinese
        twin's words under the labels of its own fields; Whoosh keeps them in fields of their
        own, which its counts of the others leave out. Counted in every language, each
        Chinese word was found twice as often as Whoosh counts it, and the Chinese site's
        ranks moved (精神病 put the insurance subsidy first). The counts are kept until the
        index changes."""
        counts = self._counts
        if counts is None or counts.generation != generation or len(counts.found) > MAX_COUNTED:
            total = connection.scalar(text("SELECT count(*) FROM search_document"))
            counts = self._counts = _Counts(generation, total or 0)
        missing = [tsquery for tsquery in sql.ranked if (language, tsquery) not in counts.found]
        if missing:
            found = _count_found(connection, missing, language)
            counts.found.update(
                zip([(language, tsquery) for tsquery in missing], found, strict=True)
            )
        documents = max(counts.documents, 1)
        return {
            name: math.log(documents / (counts.found[language, tsquery] + 1)) + 1
            for tsquery, name in sql.ranked.items()
        }

    # Writing

    def rebuild(self, documents: Iterable[Document], progress: Progress | None = None) -> None:
        """Replace every document by `documents`, in one transaction."""
        documents = list(documents)
        rows: dict[str, dict[str, Any]] = {}
        for done, document in enumerate(documents, 1):
            rows[document.id] = document_row(document)
            if progress:
                progress(done, len(documents))
        if progress and not documents:
            progress(0, 0)
        batches = list(rows.values())
        with self._writing() as connection:
            connection.execute(search_document.delete())
            for start in range(0, len(batches), BATCH):
                connection.execute(search_document.insert(), batches[start : start + BATCH])
        # Fresh statistics at once, rather than when autovacuum comes by: the planner
        # chooses between the GIN index and a scan by them.
        with self.engine.begin() as connection:
            connection.execute(text("ANALYZE search_document"))

    def upsert(self, documents: Iterable[Document]) -> None:
        """Add `documents`, replacing any kept document with the same id."""
        rows = list({document.id: document_row(document) for document in documents}.values())
        if not rows:
            return
        statement = insert(search_document)
        # A replaced document counts as written now (its seq too), as in Whoosh.
        replaced = {name: statement.excluded[name] for name in [*rows[0], "seq"] if name != "id"}
        with self._writing() as connection:
            connection.execute(
                statement.on_conflict_do_update(index_elements=["id"], set_=replaced), rows
            )

    def delete(self, ids: Iterable[str]) -> None:
        """Remove the documents with these ids; unknown ids are ignored."""
        ids = list(ids)
        if ids:
            with self._writing() as connection:
                connection.execute(search_document.delete().where(search_document.c.id.in_(ids)))

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A transaction that writes the index: the tables created if missing, then the
        generation raised (writers take turns on its row), committed at the end."""
        try:
            with self.engine.begin() as connection:
                timeout = int(self.lock_timeout * 1000)
                connection.execute(text(f"SET LOCAL lock_timeout = {timeout}"))
                if not _tables_exist(connection):
                    _create_tables(connection)
                connection.execute(text("UPDATE search_state SET generation = generation + 1"))
                yield connection
        except DBAPIError as error:
            if _sqlstate(error) == LOCK_NOT_AVAILABLE:
                raise IndexBusy("another writer kept the search index in PostgreSQL") from error
            raise


def _tables_exist(connection: Connection) -> bool:
    """True when both tables of the index exist (in the connection's search path)."""
    found = connection.execute(
        text("SELECT to_regclass('search_document'), to_regclass('search_state')")
    ).one()
    return all(found)


def _create_tables(connection: Connection) -> None:
    """Create the tables, unless another server does it at the same moment."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CREATE_LOCK})
    metadata.create_all(connection, checkfirst=True)
    connection.execute(
        text("INSERT INTO search_state (id, generation) VALUES (1, 0) ON CONFLICT DO NOTHING")
    )


def _count_found(connection: Connection, tsqueries: list[str], language: str) -> list[int]:
    """How many documents in `language` each tsquery finds, in one pass over those any of
    them finds."""
    params = {f"q{i}": tsquery for i, tsquery in enumerate(tsqueries)}
    params["any"] = " | ".join(f"({tsquery})" for tsquery in tsqueries)
    params["language"] = language
    counts = ", ".join(
        f"count(*) FILTER (WHERE terms @@ CAST(:q{i} AS tsquery))" for i in range(len(tsqueries))
    )
    statement = (
        f"SELECT {counts} FROM search_document"
        " WHERE language = :language AND terms @@ CAST(:any AS tsquery)"
    )
    return list(connection.execute(text(statement), params).one())


def _sqlstate(error: SQLAlchemyError) -> str | None:
    """PostgreSQL's code for the error, if it came from PostgreSQL."""
    return getattr(getattr(error, "orig", None), "sqlstate", None)


# --- One search -------------------------------------------------------------------------------


class _Search:
    """One search: a query in one language, on a connection that sees one state of the
    index."""

    def __init__(
        self, backend: PostgresBackend, connection: Connection, query: str, language: str
    ) -> None:
        self.backend = backend
        self.connection = connection
        self.text = query
        self.language = language
        self.indexed = _IndexedWords(connection)

    @cached_property
    def generation(self) -> int:
        """The generation of the index this search sees."""
        return self.connection.scalar(text("SELECT generation FROM search_state")) or 0

    def titles(self) -> TitleWords:
        """The words of the titles the query is compared with (`titles_language`)."""
        language = titles_language(self.text, self.language)
        return self.backend.title_words(self.connection, self.generation, language)

    def results(
        self,
        kinds: list[str] | None,
        categories: list[str] | None,
        township: str | None,
        page: int,
        per_page: int,
    ) -> Results:
        """Count the matches of each kind, then read one page of them, best first."""
        spelled = pinyin_words(self.text, self.language, self.titles)
        query = build_query(self.text, self.indexed, [word for word, exact in spelled if exact])
        if query is None:  # nothing to search for: what is offered instead
            instead = offered_instead(
                self.text, self.language, self.titles, self.indexed.is_used, self.has_hits
            )
            return Results.empty(self.text, per_page, instead)
        sql = SqlQuery.of(query)
        where = ["d.language = :language", sql.where]
        params: dict[str, Any] = {**sql.params, "language": self.language}
        if categories:
            where.append("d.categories && CAST(:categories AS text[])")
            params["categories"] = list(categories)
        if township:
            where.append("d.township = :township")
            params["township"] = township
        # The facet counts ignore the kind filter, so each kind shows what choosing it gives.
        kind_counts = self._kind_counts(where, params)
        if kinds:
            where.append("d.kind = ANY(CAST(:kinds AS text[]))")
            params["kinds"] = list(kinds)
        total = sum(count for kind, count in kind_counts.items() if not kinds or kind in kinds)
        page, pages, start = page_span(total, page, per_page)
        rows = self._page(sql, where, params, per_page, start) if total else []
        marked = marks(query)
        return Results(
            query=self.text,
            total=total,
            page=page,
            pages=pages,
            per_page=per_page,
            hits=[_hit(row, marked) for row in rows],
            kind_counts=kind_counts,
            suggestion=offered(
                self.text, self.language, total, self.titles, self.indexed.is_used, self.has_hits
            ),
            pinyin_words=leading_somewhere(spelled, self.indexed.is_used, self.has_hits),
        )

    def has_hits(self, candidate: str) -> bool:
        """True when `candidate` finds a document in the search's language."""
        query = build_query(candidate, self.indexed)
        if query is None:
            return False
        sql = SqlQuery.of(query)
        statement = (
            "SELECT EXISTS (SELECT FROM search_document d"
            f" WHERE d.language = :language AND {sql.where})"
        )
        params = {**sql.params, "language": self.language}
        return bool(self.connection.scalar(text(statement), params))

    def _kind_counts(self, where: list[str], params: dict[str, Any]) -> dict[str, int]:
        """How many documents of each kind match."""
        statement = (
            f"SELECT d.kind, count(*) FROM search_document d WHERE {' AND '.join(where)}"
            " GROUP BY d.kind ORDER BY d.kind"
        )
        return {kind: count for kind, count in self.connection.execute(text(statement), params)}

    def _page(
        self, sql: SqlQuery, where: list[str], params: dict[str, Any], limit: int, offset: int
    ) -> list:
        """One page of the matches, best first; equal scores in the order written."""
        kind_weight = " ".join(
            f"WHEN {_string(kind)} THEN {weight!r}" for kind, weight in KIND_WEIGHTS.items()
        )
        statement = (
            "SELECT d.id, d.kind, d.language, d.title, d.url, d.summary, d.body"
            f" FROM search_document d WHERE {' AND '.join(where)}"
            f" ORDER BY {sql.score} * (CASE d.kind {kind_weight} ELSE 1 END) DESC, d.seq"
            " LIMIT :limit OFFSET :offset"
        )
        idf = self.backend.idf(self.connection, self.generation, sql, self.language)
        return list(
            self.connection.execute(
                text(statement), {**params, **idf, "limit": limit, "offset": offset}
            )
        )


def _hit(row: Row[Any], marked: Marks) -> Hit:
    """A found row as a hit, with its snippet marking what `marked` says."""
    return Hit(
        id=row.id,
        kind=row.kind,
        language=row.language,
        title=row.title,
        url=row.url,
        snippet=snippet({"summary": row.summary, "body": row.body}, marked),
    )


def _string(value: str) -> str:
    """One of this package's own strings as an SQL literal (never a resident's text)."""
    return "'" + value.replace("'", "''") + "'"


class _IndexedWords:
    """Stands in for the Whoosh reader that `build_query` asks whether a word is indexed
    (a long word that no document holds whole is searched by its parts). It asks only
    whether some text field holds the word, so every text field answers alike: 1 when a
    document holds it in its title, summary or body, else 0."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._known: dict[str, int] = {}

    def doc_frequency(self, fieldname: str, word: str) -> int:
        """1 when a document holds `word` in a text field, else 0 (whatever the field)."""
        if word not in self._known:
            statement = (
                "SELECT EXISTS (SELECT FROM search_document WHERE terms @@ CAST(:q AS tsquery))"
            )
            found = self._connection.scalar(
                text(statement), {"q": f"{_lexeme(word)}:{TEXT_LABELS}"}
            )
            self._known[word] = int(bool(found))
        return self._known[word]

    def is_used(self, word: str) -> bool:
        """True when a document holds `word` in a text field."""
        return bool(self.doc_frequency("title", word))
