"""The search index on disk: build, change and search it.

Layout of the index folder:

    CURRENT            the name of the generation that readers and writers use
    gen-<id>/          one complete Whoosh index (a "generation")
    building-<id>/     a generation being rebuilt, not yet used
    .lock              held while CURRENT is created or switched

`rebuild()` writes a whole new generation and then replaces CURRENT in one atomic rename,
so a reader sees either the old index or the new one, never half of one. The previous
generation is kept until the next rebuild, so a searcher opened before the switch can
finish its work.

Whoosh allows one writer per index at a time, across processes; writers wait for the
lock up to `lock_timeout` seconds and raise `IndexBusy` after that. Searching, and writing
to a damaged index, raise `IndexUnavailable`: `rebuild()` repairs the index.
"""

import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.idsets import BitSet, DocIdSet
from whoosh.index import LockError
from whoosh.query import Query, Term
from whoosh.searching import Searcher
from whoosh.sorting import Count, FieldFacet
from whoosh.util.filelock import FileLock, try_for
from whoosh.writing import IndexWriter

from search.analysis import analyzer, chinese_analyzer, query_words
from search.backend import IndexBusy, IndexUnavailable, Progress, SearchBackend
from search.documents import Document
from search.query import (
    CHINESE_FIELDS,
    FIELD_BOOSTS,
    KindWeighting,
    build_filter,
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

POINTER = "CURRENT"
GENERATION = re.compile(r"^gen-[0-9a-f]{32}$")
MAX_PER_PAGE = 100
# A crashed rebuild leaves its building-* folder behind; remove it after this long.
STALE_BUILD_SECONDS = 3600
# Times to open a generation whose table of contents a commit replaced meanwhile.
OPEN_ATTEMPTS = 5
# Searchers each thread keeps open between searches, one per index folder: opening one
# reads every segment's table of terms, more than a search's own reading. A Whoosh
# searcher reads its files through their file positions, so it serves one thread only.
KEPT_SEARCHERS = 2
# Queries whose analysis is kept, per index: what they search for and mark, what they
# offer instead. Kept until the index changes; the searches themselves are always made.
KEPT_QUERIES = 512
# Filters (a language, kinds, categories, a township) whose documents a kept searcher keeps.
KEPT_FILTERS = 64


class _ClosingStorage(FileStorage):
    """A FileStorage that can close every file it opened.

    Whoosh leaves a file open when it cannot parse it (a damaged index); the garbage
    collector would then warn about it, long after the failure.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self._opened: list[StructFile] = []

    def open_file(self, name: str, **kwargs: object) -> StructFile:
        """Open a file of the index and remember it."""
        opened = super().open_file(name, **kwargs)
        self._opened.append(opened)
        return opened

    def close_files(self) -> None:
        """Close every file opened through this storage that is still open."""
        for opened in self._opened:
            if not opened.is_closed:
                opened.close()
        self._opened.clear()


def make_schema() -> Schema:
    """The fields of the index."""
    text = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # Sortable keeps a column of kinds, which makes the kind facet counts fast.
        kind=ID(stored=True, sortable=True),
        language=ID(stored=True),
        title=TEXT(analyzer=text, stored=True, field_boost=FIELD_BOOSTS["title"]),
        summary=TEXT(analyzer=text, stored=True, field_boost=FIELD_BOOSTS["summary"]),
        body=TEXT(analyzer=text, stored=True, field_boost=FIELD_BOOSTS["body"]),
        # An English document's Chinese twin, its Chinese words only, never shown.
        **{
            twin: TEXT(analyzer=chinese_analyzer(), field_boost=FIELD_BOOSTS[name])
            for name, twin in CHINESE_FIELDS.items()
        },
        # The whole title, reduced to letters and ideographs, for the exact-title boost.
        title_exact=ID(),
        # How the title and its words read in pinyin, for queries typed in Latin letters.
        pinyin=KEYWORD(scorable=True),
        departments=KEYWORD(stored=True, commas=True),
        township=ID(stored=True),
        categories=KEYWORD(stored=True),
        disability_categories=KEYWORD(stored=True),
        url=STORED(),
    )


def document_fields(document: Document) -> dict[str, str]:
    """A document as the field values Whoosh indexes; empty fields are left out."""
    fields = {
        "id": document.id,
        "kind": document.kind,
        "language": document.language,
        "title": document.searched_title,
        "_stored_title": document.title,
        "summary": document.summary,
        "body": document.body,
        **{twin: getattr(document, twin) for twin in CHINESE_FIELDS.values()},
        "title_exact": exact_key(document.title),
        # Pinyin is read on the Chinese site only (English titles can hold Chinese too).
        "pinyin": " ".join(title_readings(document.title)) if document.language == "zh" else "",
        "departments": ",".join(document.departments),
        "township": document.township or "",
        "categories": " ".join(document.categories),
        "disability_categories": " ".join(document.disability_categories),
        "url": document.url,
    }
    kept = {name: value for name, value in fields.items() if value}
    # An English title that is all the Chinese twin's (a notice not yet translated) leaves
    # nothing to search as the title: the field is still written, so its title is stored.
    return {"title": "", **kept} if document.title else kept


def _has_field(writer: IndexWriter, name: str) -> bool:
    """True when the index `writer` writes has the field `name` (or it is a stored value)."""
    return name.startswith("_stored_") or name in writer.schema


def _commit(writer: IndexWriter, **options: bool) -> None:
    """Commit `writer`. Whoosh keeps the write lock when a commit fails (a full disk, a
    clashing segment name), and every later write in this process would wait for it and
    give up: release it before the error goes on."""
    try:
        writer.commit(**options)
    except BaseException:
        try:
            writer.cancel()  # closes the half-written segment's files, releases the lock
        except Exception:
            if lock := getattr(writer, "writelock", None):
                lock.release()
        raise


@dataclass
class _Kept:
    """A searcher kept open on one version of a generation (its name, and the generation
    of its table of contents, which every commit raises), by the process `pid`."""

    name: str
    index: whoosh_index.Index
    searcher: Searcher
    pid: int = field(default_factory=os.getpid)
    filters: dict[Query, DocIdSet] = field(default_factory=dict)
    # Searches using it now (one thread's, nested), and whether it is to be closed after.
    users: int = 0
    forgotten: bool = False

    def filter(self, query: Query) -> DocIdSet:
        """The documents `query` matches, as Whoosh reads a filter query, kept as long as
        the searcher: every search is filtered, most by its language alone."""
        found = self.filters.get(query)
        if found is None:
            if len(self.filters) >= KEPT_FILTERS:
                self.filters.clear()
            searcher = self.searcher
            found = BitSet(searcher.docs_for_query(query), size=searcher.doc_count_all())
            self.filters[query] = found
        return found

    def is_current(self, name: str) -> bool:
        """True when `name` is still the current generation and nothing was committed to it
        since the searcher was opened (a folder gone or unreadable is not current). A
        process forked since (gunicorn's workers) shares its files' positions with the one
        that opened it: there it is not current either."""
        if self.pid != os.getpid():
            return False
        try:
            latest = self.index.latest_generation()
        except OSError:
            return False
        return name == self.name and latest == self.searcher.reader().generation()

    def close(self) -> None:
        """Close the searcher and every file it opened."""
        try:
            self.searcher.close()
        finally:
            self.index.storage.close_files()


# The searchers kept open, by thread (its ident), then by index folder, least recently
# used first. Only the thread that opened one uses or closes it, but for threads that
# have ended, whose searchers the next thread to open one closes.
_kept: dict[int, "OrderedDict[Path, _Kept]"] = {}
_kept_lock = threading.Lock()


def _close_searchers_of_ended_threads() -> None:
    """Close the searchers kept for threads that have ended."""
    alive = {thread.ident for thread in threading.enumerate()}
    with _kept_lock:
        ended = [_kept.pop(ident) for ident in list(_kept) if ident not in alive]
    for searchers in ended:
        for kept in searchers.values():
            kept.close()


@dataclass
class _Prepared:
    """What a query searches for in one version of the index, in one language, and what
    its results offer: worked out once, however often it is searched."""

    spelled: list[tuple[str, bool]]
    query: Query | None
    marked: Marks | None
    # What is offered instead (`offered`), by whether something was found; under None,
    # when the query is not searched (`offered_instead`).
    offers: dict[bool | None, str | None] = field(default_factory=dict)
    # The words of `spelled` that find something (`leading_somewhere`), once asked.
    listed: list[str] | None = None


class SearchIndex(SearchBackend):
    """A search index kept in the folder `path`: the site's backend."""

    _shared: dict[Path, "SearchIndex"] = {}

    def __init__(self, path: str | Path, *, lock_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._titles: dict[tuple, TitleWords] = {}
        self._prepared: OrderedDict[tuple[str, str], _Prepared] = OrderedDict()
        self._prepared_version: tuple[str, int] | None = None
        self._prepared_lock = threading.Lock()

    @classmethod
    def shared(cls, path: str | Path) -> "SearchIndex":
        """The index in `path` for this process, made on first use, so that the title words
        it keeps for corrections serve every request instead of being read again."""
        key = Path(path)
        if key not in cls._shared:
            cls._shared[key] = cls(key)
        return cls._shared[key]

    # Reading

    def exists(self) -> bool:
        """True when the folder holds an index (readable or not)."""
        name = self._current_generation_or_none()
        return name is not None and (self.path / name).is_dir()

    def is_readable(self) -> bool:
        """True when the index can be opened and searched."""
        try:
            with self._searcher() as kept:
                kept.searcher.doc_count()
        except IndexUnavailable:
            return False
        return True

    def health(self) -> str:
        """Either ready, missing (a rebuild creates it) or unreadable (a rebuild repairs it)."""
        if self.is_readable():
            return "ready"
        return "unreadable" if (self.path / POINTER).exists() else "missing"

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
        text = clean_query(query)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        if not query_words(text):
            return Results.empty(text, per_page)
        with self._searcher() as kept:
            try:
                return self._search(
                    kept, text, language, kinds, categories, township, page, per_page
                )
            except Exception as error:
                # A damaged segment can fail anywhere in Whoosh; the site must answer
                # "search unavailable", never an error page. The log keeps the cause.
                logger.exception("search failed in %s", self.path)  # not what was typed
                raise IndexUnavailable(f"the search index in {self.path} failed") from error

    def _search(
        self,
        kept: _Kept,
        text: str,
        language: str,
        kinds: list[str] | None,
        categories: list[str] | None,
        township: str | None,
        page: int,
        per_page: int,
    ) -> Results:
        """Run a search with an open searcher."""
        name, searcher = kept.name, kept.searcher
        reader = searcher.reader()

        def titles() -> TitleWords:
            return self._title_words(name, searcher, titles_language(text, language))

        def is_used(word: str) -> bool:
            return any(reader.doc_frequency(field, word) for field in FIELD_BOOSTS)

        def has_hits(candidate: str) -> bool:
            query = build_query(candidate, reader)
            if query is None:
                return False
            return not searcher.search(query, filter=Term("language", language), limit=1).is_empty()

        prepared = self._prepare(name, searcher, text, language)
        query = prepared.query
        if query is None or prepared.marked is None:  # nothing to search for: what instead
            if None not in prepared.offers:
                prepared.offers[None] = offered_instead(text, language, titles, is_used, has_hits)
            return Results.empty(text, per_page, prepared.offers[None])
        every_kind = kept.filter(build_filter(language, None, categories, township))
        only_kinds = kept.filter(build_filter(language, kinds, categories, township))
        # Whoosh reads a filter that matches no document as no filter at all, and would then
        # count every match: a filter that matches nothing must give nothing.
        if not any(True for _ in only_kinds):
            return Results.empty(text, per_page)
        # The facet counts ignore the kind filter, so each kind shows what choosing it gives.
        all_kinds = searcher.search(
            query,
            filter=every_kind,
            groupedby=FieldFacet("kind", maptype=Count),
            limit=None,
        )
        kind_counts = dict(sorted(all_kinds.groups("kind").items()))
        # Every match scored and ordered once, then the page cut from it: Whoosh's paged
        # search skips blocks by a quality bound that the per-kind weight changes, so each
        # page would count and order a different set (a hit twice, another never).
        # Without a kind chosen that is the search just made: it is not made twice.
        found = searcher.search(query, filter=only_kinds, limit=None) if kinds else all_kinds
        total = len(found)
        page, pages, start = page_span(total, page, per_page)
        hits = [
            Hit(
                id=hit["id"],
                kind=hit["kind"],
                language=hit["language"],
                title=hit["title"],
                url=hit.get("url", ""),
                snippet=snippet(
                    {"summary": hit.get("summary"), "body": hit.get("body")}, prepared.marked
                ),
            )
            for hit in found[start : start + per_page]
        ]
        if bool(total) not in prepared.offers:
            prepared.offers[bool(total)] = offered(text, language, total, titles, is_used, has_hits)
        if prepared.listed is None:
            prepared.listed = leading_somewhere(prepared.spelled, is_used, has_hits)
        return Results(
            query=text,
            total=total,
            page=page,
            pages=pages,
            per_page=per_page,
            hits=hits,
            kind_counts=kind_counts,
            suggestion=prepared.offers[bool(total)],
            pinyin_words=prepared.listed,
        )

    def _prepare(self, name: str, searcher: Searcher, text: str, language: str) -> _Prepared:
        """What `text` searches for in `language`, kept for the queries searched last until
        the index changes: cutting it into words, its synonyms, its pinyin and the words
        its snippets mark cost more than the search."""
        version = (name, searcher.reader().generation())
        key = (text, language)
        with self._prepared_lock:
            if self._prepared_version != version:
                self._prepared.clear()
                self._prepared_version = version
            prepared = self._prepared.get(key)
            if prepared is not None:
                self._prepared.move_to_end(key)
                return prepared
        spelled = pinyin_words(text, language, lambda: self._title_words(name, searcher, language))
        query = build_query(text, searcher.reader(), [word for word, exact in spelled if exact])
        prepared = _Prepared(spelled, query, marks(query) if query is not None else None)
        with self._prepared_lock:
            if self._prepared_version == version:
                self._prepared[key] = prepared
                while len(self._prepared) > KEPT_QUERIES:
                    self._prepared.popitem(last=False)
        return prepared

    def _title_words(self, name: str, searcher: Searcher, language: str) -> TitleWords:
        """The words of every title in `language`, kept until the index changes."""
        key = (name, searcher.reader().generation(), language)
        if key not in self._titles:
            titles = [
                stored["title"]
                for stored in searcher.reader().all_stored_fields()
                if stored.get("language") == language
            ]
            # Both languages of one generation are kept; an older generation's are dropped.
            kept = {k: v for k, v in self._titles.items() if k[:2] == key[:2]}
            self._titles = {**kept, key: TitleWords(titles)}
        return self._titles[key]

    @contextmanager
    def _searcher(self) -> Iterator[_Kept]:
        """An open Whoosh searcher on the current generation: the one this thread kept from
        its last search when nothing changed since, else a new one."""
        name = self._current_generation()
        if name is None:
            raise IndexUnavailable(f"there is no search index in {self.path}")
        kept = self._kept_searcher(name)
        kept.users += 1
        try:
            yield kept
        except BaseException:
            # A failure may come of a damaged file: open it again next time.
            self._forget(kept)
            raise
        finally:
            kept.users -= 1
            if kept.forgotten and not kept.users:
                kept.close()

    def _kept_searcher(self, name: str) -> _Kept:
        """This thread's searcher on generation `name`, opened when it has none that is
        current."""
        thread = threading.get_ident()
        searchers = _kept.get(thread)
        kept = searchers.get(self.path) if searchers else None
        if kept is not None:
            if kept.is_current(name):
                searchers.move_to_end(self.path)  # type: ignore[union-attr]
                return kept
            self._forget(kept)
        _close_searchers_of_ended_threads()
        index = self._open(name)
        try:
            searcher = index.searcher(weighting=KindWeighting())
        except Exception as error:
            index.storage.close_files()
            raise IndexUnavailable(f"the search index in {self.path} cannot be read") from error
        kept = _Kept(name, index, searcher)
        with _kept_lock:
            searchers = _kept.setdefault(thread, OrderedDict())
            searchers[self.path] = kept
            evicted = [
                searchers.popitem(last=False)[1] for _ in range(len(searchers) - KEPT_SEARCHERS)
            ]
        for old in evicted:
            old.close()
        return kept

    def _forget(self, kept: _Kept) -> None:
        """Stop keeping `kept` for this thread, and close it unless a search is still using
        it (then it is closed when that search is done)."""
        with _kept_lock:
            searchers = _kept.get(threading.get_ident())
            if searchers is not None and searchers.get(self.path) is kept:
                del searchers[self.path]
        kept.forgotten = True
        if not kept.users:
            kept.close()

    # Writing

    def rebuild(self, documents: Iterable[Document], progress: Progress | None = None) -> None:
        """Replace the whole index by one of `documents`; `progress(done, total)` follows it."""
        self._build_and_switch(list(documents), progress)

    def _build_and_switch(
        self,
        documents: list[Document],
        progress: Progress | None = None,
        *,
        only_if_missing: bool = False,
    ) -> None:
        """Build a new generation of `documents` aside, then make it the current one."""
        self.path.mkdir(parents=True, exist_ok=True)
        building = self.path / f"building-{uuid.uuid4().hex}"
        try:
            self._build(building, documents, progress)
            self._switch_to(building, only_if_missing=only_if_missing)
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def upsert(self, documents: Iterable[Document]) -> None:
        """Add `documents`, replacing any indexed document with the same id."""
        documents = list(documents)

        def change(writer: IndexWriter) -> None:
            for document in documents:
                # An index written before a field was added (the Chinese twin's, in December
                # 2026) is given the fields it has until `flask search rebuild` writes it anew.
                fields = document_fields(document).items()
                kept = {name: value for name, value in fields if _has_field(writer, name)}
                writer.update_document(**kept)

        if documents:
            self._write(change)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove the documents with these ids; unknown ids are ignored."""
        ids = list(ids)

        def change(writer: IndexWriter) -> None:
            for id_ in ids:
                writer.delete_by_term("id", id_)

        if ids:
            self._write(change)

    def _build(
        self,
        folder: Path,
        documents: list[Document],
        progress: Progress | None,
    ) -> None:
        """Write a complete index of `documents` into the new folder `folder`."""
        folder.mkdir()
        index = whoosh_index.create_in(folder, make_schema())
        writer = index.writer()
        try:
            for done, document in enumerate(documents, 1):
                writer.add_document(**document_fields(document))
                if progress:
                    progress(done, len(documents))
        except BaseException:
            writer.cancel()
            raise
        _commit(writer, optimize=True)
        if progress and not documents:
            progress(0, 0)

    def _switch_to(self, building: Path, *, only_if_missing: bool = False) -> None:
        """Make the finished index in `building` the current generation."""
        with self._pointer_lock():
            previous = self._current_generation_or_none()
            if only_if_missing and previous is not None:
                return  # another process created the index first: keep its writes
            name = f"gen-{uuid.uuid4().hex}"
            building.rename(self.path / name)
            # Wait for a writer that is still changing the previous generation, so that
            # its change is not half-done when readers move on.
            with self._previous_writes_done(previous):
                self._set_current_generation(name)
        self._remove_old_generations(keep={name, previous})

    @contextmanager
    def _previous_writes_done(self, name: str | None) -> Iterator[None]:
        """Hold the write lock of generation `name` (if it can be opened) for the block."""
        try:
            lock = self._open(name).lock("WRITELOCK") if name else None
        except Exception:
            lock = None  # an unreadable generation has no writers to wait for
        if lock and not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.05):
            raise IndexBusy(f"a writer kept the search index in {self.path} locked")
        try:
            yield
        finally:
            if lock:
                lock.release()

    def _write(self, change: Callable[[IndexWriter], None]) -> None:
        """Apply `change` with the write lock of the current generation, then commit."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            name = self._current_generation() or self._create_empty()
            try:
                writer = self._open(name).writer(
                    timeout=max(deadline - time.monotonic(), 0.0), delay=0.05
                )
            except LockError:
                message = f"the search index in {self.path} is locked by another writer"
                raise IndexBusy(message) from None
            if self._current_generation() == name:
                break
            # A rebuild switched generations while we waited: write to the new one.
            writer.cancel()
        try:
            change(writer)
        except BaseException:
            writer.cancel()
            raise
        _commit(writer)

    def _create_empty(self) -> str:
        """Create an empty index unless another process just did; return the current name."""
        self._build_and_switch([], only_if_missing=True)
        name = self._current_generation()
        if name is None:
            raise IndexUnavailable(f"the search index in {self.path} could not be created")
        return name

    def _open(self, name: str) -> whoosh_index.Index:
        """Open generation `name`.

        A writer's commit writes the generation's next table of contents, then deletes the
        one before: opened just then, the table chosen is gone, and opening again reads the
        new one. (Whoosh itself opens again when a segment is gone, deleted by a merge.)
        """
        for _attempt in range(OPEN_ATTEMPTS):
            storage = _ClosingStorage(self.path / name)
            try:
                return storage.open_index()
            except FileNotFoundError as error:
                storage.close_files()
                failure: Exception = error
            except Exception as error:
                storage.close_files()
                failure = error
                break
        raise IndexUnavailable(f"the search index in {self.path} cannot be read") from failure

    # The CURRENT pointer

    def _current_generation(self) -> str | None:
        """The name in CURRENT; None when there is no index; IndexUnavailable when damaged."""
        try:
            name = (self.path / POINTER).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise IndexUnavailable(f"{self.path / POINTER} cannot be read") from error
        if not GENERATION.match(name):
            raise IndexUnavailable(f"{self.path / POINTER} does not name an index generation")
        return name

    def _current_generation_or_none(self) -> str | None:
        """The name in CURRENT, or None when it is missing or damaged (a rebuild repairs it)."""
        try:
            return self._current_generation()
        except IndexUnavailable:
            return None

    def _set_current_generation(self, name: str) -> None:
        """Point CURRENT at `name` in one atomic rename."""
        temporary = self.path / f".{POINTER}.{os.getpid()}.{uuid.uuid4().hex}"
        temporary.write_text(name + "\n", encoding="ascii")
        os.replace(temporary, self.path / POINTER)

    @contextmanager
    def _pointer_lock(self) -> Iterator[None]:
        """Hold the lock that serialises changes of CURRENT between processes."""
        lock = FileLock(str(self.path / ".lock"))
        if not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.05):
            raise IndexBusy(f"another process is switching the search index in {self.path}")
        try:
            yield
        finally:
            lock.release()

    def _remove_old_generations(self, keep: set[str | None]) -> None:
        """Delete generations not in `keep` and builds abandoned long ago."""
        for folder in self.path.iterdir():
            if GENERATION.match(folder.name) and folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
            elif folder.name.startswith("building-") and self._is_stale(folder):
                shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _is_stale(folder: Path) -> bool:
        """True when `folder` has not changed for a long time (or is already gone)."""
        try:
            return time.time() - folder.stat().st_mtime > STALE_BUILD_SECONDS
        except FileNotFoundError:
            return False
