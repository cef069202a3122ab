"""Keeping the index in step with the database: full rebuilds, and the outbox of changes
to indexed items, recorded with the change itself and applied by one writer at a time.

Whoever changes an item calls `record_change` in the same transaction, so a change that is
committed is never forgotten and one that is rolled back never reaches the index. Then
`drain` applies the outbox while holding a lock file, so across every process only one
writer applies it, in order, and the others wait their turn. `flask content load` drains
after loading; `flask search drain` does it by hand; every web process drains what is left
waiting on its first request and then at most every 30 seconds while requests come in
(`drain_if_waiting`). A missing index is left to a rebuild.
"""

import fcntl
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

import search

from ..contacts.models import ContactChannel
from ..database import db, utcnow
from ..facilities.models import Facility, Township, facility_service
from ..plan.models import Department
from ..services.models import Service
from .index import SOURCES, all_documents, document_ids, documents_of, site_index

logger = logging.getLogger(__name__)
_rebuilding = threading.Lock()


class SearchChange(db.Model):
    """An indexed item (kind and key) that changed and is not yet applied to the index."""

    __tablename__ = "search_change"
    # Ids never come back once the outbox is empty: a rebuild forgets changes "up to" an id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchChange {self.kind}:{self.key}>"


def record_change(kind: str, key: str) -> None:
    """Note, in the caller's transaction, that an item's documents must be written again."""
    if kind not in SOURCES:
        raise ValueError(f"unknown search kind {kind!r}")
    db.session.add(SearchChange(kind=kind, key=str(key)))


def record_change_of(row) -> None:
    """Note a changed row, and the indexed items whose documents show something of it.

    Places show their township's name and their services' titles; services, measures and
    contact channels show the names of their departments.
    """
    for kind, source in SOURCES.items():
        if isinstance(row, source.model):
            record_change(kind, getattr(row, source.key))
    if isinstance(row, Township):
        for facility in row.facilities:
            record_change("facility", facility.slug)
    if isinstance(row, Service):
        for facility in db.session.scalars(
            select(Facility).join(facility_service).where(facility_service.c.service_id == row.id)
        ):
            record_change("facility", facility.slug)
    if isinstance(row, Department):
        for responsibility in row.responsibilities:
            for item in (responsibility.service, responsibility.measure):
                if item is not None:
                    record_change_of(item)
        for contact in db.session.scalars(
            select(ContactChannel).where(ContactChannel.department_id == row.id)
        ):
            record_change("contact", contact.slug)


def last_change() -> int:
    """The id of the newest recorded change (0 when there is none)."""
    return db.session.scalar(select(func.max(SearchChange.id))) or 0


def forget_changes_up_to(last: int) -> None:
    """Drop the recorded changes up to `last` (a rebuild has taken them in) and commit."""
    db.session.execute(delete(SearchChange).where(SearchChange.id <= last))
    db.session.commit()


def write_documents(index: search.SearchIndex, progress: Callable | None = None) -> int:
    """Rebuild `index` from every published item; return how many documents it holds.

    Changes recorded before the rebuild started are in it, so they leave the outbox. The
    rebuild holds the outbox's lock, so no drain writes to the generation it replaces.
    """
    with _writer_lock():
        last = last_change()
        documents = list(all_documents())
        index.rebuild(documents, progress)
        forget_changes_up_to(last)
    return len(documents)


def rebuild_in_background() -> None:
    """Rebuild a missing or unreadable index without holding up the request that found it.

    One rebuild per process at a time; the engine's own lock keeps processes apart.
    """
    if not _rebuilding.acquire(blocking=False):
        return
    app = current_app._get_current_object()

    def run() -> None:
        try:
            with app.app_context():
                write_documents(site_index())
        except search.IndexBusy:
            logger.info("another process is rebuilding the search index")
        except Exception:
            logger.exception("rebuilding the search index failed")
        finally:
            _rebuilding.release()

    threading.Thread(target=run, name="search-rebuild", daemon=True).start()


@contextmanager
def _writer_lock(wait: bool = True):
    """Hold the outbox's lock file: one drain at a time across every process. Without
    `wait`, BlockingIOError when another writer holds it."""
    path = Path(f"{current_app.config['SEARCH_INDEX_DIR']}.outbox.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def drain_if_waiting(index: search.SearchIndex) -> int:
    """Apply the outbox when changes wait in it and no other writer holds it (a request
    never waits for a rebuild; the next check tries again); return how many items were
    written."""
    if db.session.scalar(select(SearchChange.id).limit(1)) is None:
        return 0
    try:
        return drain(index, wait=False)
    except BlockingIOError:
        return 0


def drain(index: search.SearchIndex, wait: bool = True) -> int:
    """Apply every recorded change to `index`; return how many items were written.

    Each item is read again: a published item's documents are written, anything else
    (withdrawn, deleted) is removed. Nothing is applied while the index does not exist or
    cannot be read: the rebuild that mends it takes every change in. Without `wait`,
    BlockingIOError when another writer holds the outbox.
    """
    applied = 0
    with _writer_lock(wait):
        while index.exists() and index.is_readable():
            changes = list(db.session.scalars(select(SearchChange).order_by(SearchChange.id)))
            if not changes:
                break
            upserts, deletions = [], []
            for kind, key in dict.fromkeys((change.kind, change.key) for change in changes):
                item = SOURCES[kind].item(key) if kind in SOURCES else None
                if item is None:
                    deletions += document_ids(kind, key)
                else:
                    upserts += documents_of(kind, item)
                applied += 1
            if deletions:
                index.delete(deletions)
            if upserts:
                index.upsert(upserts)
            forget_changes_up_to(changes[-1].id)
    return applied
