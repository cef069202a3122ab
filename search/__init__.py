"""Full-text search for barrierfree: plain documents in, hits out.

Knows nothing of Flask or the database, so it can be tested alone and another backend
can later sit behind the same interface.
"""

from search.analysis import initialize
from search.documents import KINDS, LANGUAGES, Document
from search.index import IndexBusy, IndexUnavailable, SearchIndex
from search.results import Hit, Results, SafeHTML
from search.text import normalize

__all__ = [
    "KINDS",
    "LANGUAGES",
    "Document",
    "Hit",
    "IndexBusy",
    "IndexUnavailable",
    "Results",
    "SafeHTML",
    "SearchIndex",
    "initialize",
    "normalize",
]
