"""Keeping the index in step with the database: full rebuilds, and the outbox of changes
to indexed items, recorded with the change itself and applied by one writer at a time.

No caller records anything: before every flush, a session event adds a `search_change` row
for each indexed item that the flush adds, changes or deletes, and for each item whose
documents show a changed row (a township's name in its places...). The rows go into the
same flush, so a change that is committed is never forgotten and one that is rolled back
never reaches the index. ORM bulk UPDATE and DELETE statements on these models are recorded
as well. A Core statement on a table (`update(table)`, `text()`) passes the session by:
whoever writes one calls `record_change`.

Then `drain` applies the outbox while holding a lock (a lock file beside the index; on
PostgreSQL an advisory lock in the database, which every app server shares), so only one
writer applies it, in order, and the others wait their turn. `flask content load` drains
after loading; `flask search drain` does it by hand; every web process drains what is left
waiting on its first request and then at most every 30 seconds while requests come in
(`drain_if_waiting`). A missing index is left to a rebuild.
"""

import fcntl
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Result, String, delete, event, func, inspect, select
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    mapped_column,
)

import search

from ..contacts.models import ContactChannel
from ..database import Model, Tracked, db, utcnow
from ..facilities.models import Facility, Township, facility_service
from ..plan.models import Department, PlanPart, Responsibility
from ..services.models import Category, Service
from .index import SOURCES, all_documents, document_ids, documents_of, site_index

logger = logging.getLogger(__name__)
_rebuilding = threading.Lock()

KIND_OF = {source.model: kind for kind, source in SOURCES.items()}
# The fields of a row that the documents of other items show (which items: `_rows_showing`).
SHOWN: dict[type, tuple[str, ...]] = {
    Township: ("name", "name_en"),
    Service: ("title", "title_en"),
    Category: ("slug",),
    Department: ("name",),
    PlanPart: ("title", "title_en"),
}
# Rows whose changes reach documents: indexed items, the rows other documents show, and a
# department's role, which is part of its service or measure.
WATCHED = (*KIND_OF, *SHOWN, Responsibility)
# Columns every tracked row carries for bookkeeping; no document shows them.
BOOKKEEPING = frozenset(Tracked.__annotations__)
# In `Session.info`: the items recorded in the open transaction.
RECORDED = "search_changes_recorded"


class SearchChange(Model):
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
    """Note, in the caller's transaction, that an item's documents must be written again:
    only needed after a Core statement, which the session cannot see."""
    if kind not in SOURCES:
        raise ValueError(f"unknown search kind {kind!r}")
    _record(db.session(), [(kind, str(key))])


@event.listens_for(db.session, "before_flush")
def _record_flushed_changes(
    session: Session, _flush_context: UOWTransaction, _instances: object
) -> None:
    """Record every indexed item the flush adds, changes or deletes, in the flush itself."""
    new, deleted = session.new, session.deleted
    rows = []
    for row in [*new, *session.dirty, *deleted]:
        if not isinstance(row, WATCHED):
            continue
        if row in new:
            rows.append(row)  # nothing shows a new row yet: what links to it changes too
        elif row in deleted or _changed(row, SHOWN.get(type(row), ())):
            rows += [row, *_rows_showing(session, row)]
        elif _changed(row):
            rows.append(row)
    _record(session, _items_of(*rows))


@event.listens_for(db.session, "do_orm_execute")
def _record_bulk_changes(state: ORMExecuteState) -> Result[Any] | None:
    """Record what an ORM bulk UPDATE or DELETE of watched rows changes, as a flush would:
    the rows it matches are read before it runs."""
    mapper = state.bind_mapper
    if not (state.is_update or state.is_delete) or mapper is None:
        return None
    if not issubclass(mapper.class_, WATCHED):
        return None
    session, query = state.session, select(mapper.class_)
    where = getattr(state.statement, "whereclause", None)  # an UPDATE's or a DELETE's
    if where is not None:
        query = query.where(where)
    rows = list(session.scalars(query))
    if state.is_delete:
        _record(session, _items_of(*rows, *_rows_showing(session, *rows)))
        return None
    items, shown = _items_of(*rows), [_shown_values(row) for row in rows]
    result = state.invoke_statement()
    # The session has given the rows their new values: new keys, new names to show.
    changed = [row for row, values in zip(rows, shown, strict=True) if _shown_values(row) != values]
    _record(session, [*items, *_items_of(*rows, *_rows_showing(session, *changed))])
    return result


@event.listens_for(db.session, "after_transaction_end")
def _forget_recorded(session: Session, transaction: SessionTransaction) -> None:
    """Once a transaction (or savepoint) ends, its outbox rows are committed or gone."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(RECORDED, None)


def _record(session: Session, items: Iterable[tuple[str, str]]) -> None:
    """Add an outbox row for each item, once per transaction."""
    # Before the session's first statement there is no transaction to keep the set for.
    seen = session.info.setdefault(RECORDED, set()) if session.get_transaction() else set()
    for kind, key in items:
        if (kind, key) not in seen:
            seen.add((kind, key))
            session.add(SearchChange(kind=kind, key=key))


def _changed(row: object, names: Iterable[str] | None = None) -> bool:
    """True when one of the fields `names` of the row changed; by default any field or link
    but the bookkeeping columns."""
    state = inspect(row)
    if names is None:
        names = [name for name in state.mapper.attrs.keys() if name not in BOOKKEEPING]
    return any(state.attrs[name].history.has_changes() for name in names)


def _shown_values(row: object) -> list:
    """The values of the row's fields that the documents of other items show."""
    return [getattr(row, name) for name in SHOWN.get(type(row), ())]


def _items_of(*rows: object) -> list[tuple[str, str]]:
    """The indexed items (kind and key) these rows are, or are part of. An item whose key
    changed is there under its old key too, so that its old documents go."""
    items = []
    for row in rows:
        if isinstance(row, Responsibility):
            items += _items_of(*(owner for owner in (row.service, row.measure) if owner))
        elif (kind := KIND_OF.get(type(row))) is not None:
            name = SOURCES[kind].key
            keys = [getattr(row, name), *inspect(row).attrs[name].history.deleted]
            items += [(kind, str(key)) for key in keys if key is not None]
    return items


def _rows_showing(session: Session, *rows: object) -> list:
    """The indexed items whose documents show something of these rows (`SHOWN`): places
    show their township's name and their services' titles; services their category's slug;
    services, measures and contact channels the names of their departments; the plan's
    sections the title of their part."""
    found: list[object] = []
    for row in rows:
        if isinstance(row, Township):
            found += row.facilities
        elif isinstance(row, Category):
            found += row.services
        elif isinstance(row, Service):
            join = select(Facility).join(facility_service)
            found += session.scalars(join.where(facility_service.c.service_id == row.id))
        elif isinstance(row, Department):
            found += [r.service or r.measure for r in row.responsibilities]
            found += session.scalars(
                select(ContactChannel).where(ContactChannel.department_id == row.id)
            )
        elif isinstance(row, PlanPart):
            found += row.sections
    return [item for item in found if item is not None]


def last_change() -> int:
    """The id of the newest recorded change (0 when there is none)."""
    return db.session.scalar(select(func.max(SearchChange.id))) or 0


def forget_changes_up_to(last: int) -> None:
    """Drop the recorded changes up to `last` (a rebuild has taken them in) and commit."""
    db.session.execute(delete(SearchChange).where(SearchChange.id <= last))
    db.session.commit()


def write_documents(index: search.SearchBackend, progress: search.Progress | None = None) -> int:
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
    app = current_app._get_current_object()  # type: ignore[attr-defined]

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


# The key of the outbox's advisory lock on PostgreSQL: a number no other lock uses.
OUTBOX_LOCK = int.from_bytes(b"outbox")


@contextmanager
def _writer_lock(wait: bool = True) -> Iterator[None]:
    """Hold the outbox's lock: one drain at a time across every process. Without `wait`,
    BlockingIOError when another writer holds it.

    On PostgreSQL the lock is in the database, so it holds across every app server that
    shares it (with a shared search backend, two servers draining at once could write an
    item's old documents after its new ones); otherwise it is a lock file beside the index.
    """
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(wait):
            yield
        return
    path = Path(f"{current_app.config['SEARCH_INDEX_DIR']}.outbox.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(wait: bool) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock of the outbox, on a connection of its own outside
    any transaction (the drain commits as it goes). A process that dies loses its
    connection, and the lock with it."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if wait:
            connection.execute(select(func.pg_advisory_lock(OUTBOX_LOCK)))
        elif not connection.scalar(select(func.pg_try_advisory_lock(OUTBOX_LOCK))):
            raise BlockingIOError("another process is applying the search outbox")
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(OUTBOX_LOCK)))


def drain_if_waiting(index: search.SearchBackend) -> int:
    """Apply the outbox when changes wait in it and no other writer holds it (a request
    never waits for a rebuild; the next check tries again); return how many items were
    written."""
    if db.session.scalar(select(SearchChange.id).limit(1)) is None:
        return 0
    try:
        return drain(index, wait=False)
    except BlockingIOError:
        return 0


def drain(index: search.SearchBackend, wait: bool = True) -> int:
    """Apply every recorded change to `index`; return how many items were written.

    Each item is read again: a published item's documents are written, anything else
    (withdrawn, deleted) is removed. Nothing is applied while the index does not exist or
    cannot be read: the rebuild that mends it takes every change in. Without `wait`,
    BlockingIOError when another writer holds the outbox.
    """
    applied = 0
    with _writer_lock(wait):
        while index.is_readable():
            changes = list(db.session.scalars(select(SearchChange).order_by(SearchChange.id)))
            if not changes:
                break
            upserts: list[search.Document] = []
            deletions: list[str] = []
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
