"""Full-text search for barrierfree: plain documents in, hits out.

Knows nothing of Flask or the database, so it can be tested alone. Every backend answers
the same interface, `SearchBackend`: the Whoosh index on disk (`SearchIndex`), and
`NullBackend`, which keeps nothing, for tests that never search.
"""

from search.analysis import initialize
from search.backend import IndexBusy, IndexUnavailable, NullBackend, Progress, SearchBackend
from search.documents import KINDS, LANGUAGES, Document
from search.index import SearchIndex
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
    "Progress",
    "Results",
    "SafeHTML",
    "SearchBackend",
    "SearchIndex",
    "initialize",
    "normalize",
]
