"""What the site asks of a search backend, and the backend that keeps nothing.

The Whoosh index on disk (`search.index.SearchIndex`) is the backend the site runs on.
`NullBackend` is for tests that never search: no folder, no writes, no results.
"""

from collections.abc import Callable, Iterable
from typing import Protocol

from search.documents import Document
from search.query import clean_query
from search.results import Results

# Told how many documents of how many are written, as a rebuild goes.
Progress = Callable[[int, int], None]


class IndexUnavailable(Exception):
    """The index is missing or cannot be read: search is temporarily unavailable."""


class IndexBusy(Exception):
    """Another writer held the index for longer than the lock timeout."""


class SearchBackend(Protocol):
    """Where documents are kept and searched.

    `search` raises `IndexUnavailable` when it cannot search now (the page says so and
    starts a rebuild); `upsert`, `delete` and `rebuild` raise `IndexBusy` when another
    writer kept the index for too long.
    """

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
        ...

    def upsert(self, documents: Iterable[Document]) -> None:
        """Add `documents`, replacing any kept document with the same id."""
        ...

    def delete(self, ids: Iterable[str]) -> None:
        """Remove the documents with these ids; unknown ids are ignored."""
        ...

    def rebuild(self, documents: Iterable[Document], progress: Progress | None = None) -> None:
        """Replace every kept document by `documents`; `progress(done, total)` follows it."""
        ...

    def is_readable(self) -> bool:
        """True when the index can be searched and changed; False while it is missing or
        damaged, until a rebuild mends it."""
        ...

    def health(self) -> str:
        """The state of the index in one word, for the people who run the site."""
        ...


class NullBackend(SearchBackend):
    """A backend that keeps nothing: every change is accepted and forgotten, every search
    finds nothing."""

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
        """No results, whatever the query."""
        return Results.empty(clean_query(query), per_page)

    def upsert(self, documents: Iterable[Document]) -> None:
        """Keep nothing."""

    def delete(self, ids: Iterable[str]) -> None:
        """There is nothing to remove."""

    def rebuild(self, documents: Iterable[Document], progress: Progress | None = None) -> None:
        """Keep nothing, and say so at once."""
        if progress:
            progress(0, 0)

    def is_readable(self) -> bool:
        """Always: changes are applied at once, to nothing."""
        return True

    def health(self) -> str:
        """Always "null": this backend never finds anything."""
        return "null"
