"""Full-text search for barrierfree: plain documents in, hits out.

Knows nothing of Flask or the site's database, so it can be tested alone. Every backend
answers the same interface, `SearchBackend`: the Whoosh index on disk (`SearchIndex`), the
index in a PostgreSQL database shared by several servers (`PostgresBackend`), and
`NullBackend`, which keeps nothing, for tests that never search.
"""

from search.analysis import initialize
from search.backend import IndexBusy, IndexUnavailable, NullBackend, Progress, SearchBackend
from search.documents import KINDS, LANGUAGES, Document
from search.index import SearchIndex
from search.postgres import PostgresBackend
from search.results import Hit, Results, SafeHTML
from search.text import normalize

__all__ = [
    "KINDS",
    "LANGUAGES",
    "Document",
    "Hit",
    "IndexBusy",
    "IndexUnavailable",
    "NullBackend",
    "PostgresBackend",
    "Progress",
    "Results",
    "SafeHTML",
    "SearchBackend",
    "SearchIndex",
    "initialize",
    "normalize",
]
