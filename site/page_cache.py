"""The page cache: a public page, as it was last sent to someone, sent again to the next
visitor who asks for the same thing, without running the view.

Only anonymous GET and HEAD requests outside the back office are looked up. An entry is
the final response (after the security headers, the ETag and compression), found by
everything the views answer by: the address (scheme, host, language, path and query), the
display modes, the htmx headers the views read, the content encoding chosen, the generation
and the current minute. A page is stored only when its view and templates read every
parameter of its query (`ReadArgs`): one with made-up parameters is answered, never stored,
so they cannot fill the cache (and the query is in the key as it came, since every page
echoes it in its own links).

The generation is a number in the database that every change to a public table raises in
the transaction that makes the change (a session event before each flush, and one before
each bulk statement). So a publication, a withdrawal, an import, a scheduled release, a
content load or a new indicator value changes the key of every page at once, in every
worker and instance, and the old entries are never read again. The minute is in the key
because a page that says "open now" may change with the clock alone; entries also expire
after two minutes, so the cache holds little more than the pages of the last minute.

A page the cache holds is sent by a WSGI layer before Flask builds a request for it
(`CachedPages`): a cached page then costs a look at the cookie, the generation and the
cache. On SQLite the generation is read again only when the database file has changed since
(`GenerationWatch`: SQLite's data version, one pragma on a connection of the watch's own),
so a page from the cache reads no row. While another part of the site has work due before
a request (scheduled publication, every 30 seconds), the request goes through the app,
whose last before-request hook (`answer_from_cache`) looks the page up after that work.

Each process keeps its own entries (Flask-Caching's SimpleCache) unless
`BARRIERFREE_CACHE_URL` names a Redis server, which every worker and instance then shares.
`PAGE_CACHE=False` turns the cache off.

While the database does not answer, no entry can be known to be current (the generation
cannot be read). For that, a page without a query, asked for without htmx, also keeps its
last good copy for a day (`last_good`), by its address and display modes alone, with the
generation it was built at: the 503 answer to a reading request sends it, marked as old
(`errors.last_good_page`), rather than the bare 503 page, but only on the day it was kept
and when that generation is the newest: the newest this process's cache knows (`NEWEST`,
shared by every worker and server with Redis) and the newest any process of the instance
wrote in its file (`NEWEST_FILE`: each transaction that raises the generation writes it
there, the commands' too). A copy of an older generation may show what has since been
withdrawn or changed, so it is never sent: even a page that did not change waits for its
next visit after any publication (correctness over availability).

What a visitor can learn from the cache: whether someone else asked for the same address in
the last two minutes. So no response says whether it came from the cache (`X-Page-Cache`
is sent only with `PAGE_CACHE_HEADER`, which the tests turn on), and a
page whose query carries the visitor's own position (`POSITION`: the finder's "near me",
with lat and lon) is never stored: it is personal, and nobody else asks for it. Searches are
stored: their hits are what makes search fast; the time an answer takes is then the only
sign that a search was asked for before, and a weak one (a page the view builds may be just
as quick). During a database outage, whether a page without a query has a last good copy
tells that someone asked for it, in those display modes, in the last day: a page anyone may
read, and no address a visitor's own words or choices make.
"""

import fcntl
import gzip
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import datetime
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import brotli
from flask import Flask, Response, after_this_request, current_app, g, has_app_context, request
from flask_caching import Cache
from flask_compress.flask_compress import _choose_algorithm, _format
from redis.exceptions import RedisError
from sqlalchemy import CheckConstraint, event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    mapped_column,
)
from werkzeug import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import HTTP_STATUS_CODES, http_date

from . import display, errors, opening_hours, request_ids, security
from .database import BUSY_TIMEOUT_MS, Model, db, utcnow

logger = logging.getLogger(__name__)

# Tables that no public page shows: a change to them leaves the generation as it is. Every
# other table is public, so a table added later invalidates the pages until it is listed.
STAFF_ONLY_TABLES = frozenset(
    ("staff_user", "staff_session", "sign_in_attempt", "audit_entry", "autosave", "revision",
     "schedule", "search_change", "page_cache_generation", "feedback_item",
     "feedback_message", "feedback_submission", "feedback_photo", "feedback_year",
     "outgoing_mail", "alert_subscription", "alert_cancellation", "alert_merged_link")
)  # fmt: skip
# The htmx headers a view answers by (HX-Current-URL changes with every page it is sent from).
HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-History-Restore-Request", "HX-Boosted")
TIMEOUT_SECONDS = 120
# How long a page's last good copy is kept for a database outage (`last_good`), and how many
# a process keeps (as the cache's own entries, `THRESHOLD`).
LAST_GOOD_SECONDS = 24 * 3600
THRESHOLD = 1000
# How a page as sent is read again to keep its copy, by its Content-Encoding (`chosen_encoding`;
# "identity": as it is). A page in any other (COMPRESS_ALGORITHM may add zstd) keeps none.
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": brotli.decompress,
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
}
# In `last_good`, next to the copies: the newest generation a request has read, written by
# each process when the generation it reads differs from the one it last wrote, and again
# after NEWEST_REWRITE seconds (an entry the cache dropped comes back).
NEWEST = "generation"
NEWEST_REWRITE = 3600
# In the instance folder, which every process of the instance shares (its workers, and the
# commands run beside them): the newest generation, written by each transaction that raises
# it, before it commits. Each worker's own cache cannot know of a change another process
# made, and without Redis a copy is checked against this file too (`last_copy`).
NEWEST_FILE = "page-cache-newest-generation"
# A Redis cache that does not answer within this long (seconds) counts as down, and is then
# left alone for REDIS_REST seconds: a page costs a few milliseconds without the cache, and
# a visitor must not wait on a server that hangs.
REDIS_TIMEOUT = 0.25
REDIS_REST = 30
# Says whether a looked-up page came from the cache, for the tests: sent
# only with PAGE_CACHE_HEADER, since anyone could otherwise ask for a search or a page and
# learn whether someone else had just asked for it.
HEADER = "X-Page-Cache"
# Parameters of the visitor's own position (the finder's "near me", `facilities.filters`:
# near=here, sent with lat and lon): a page with one is never stored.
POSITION = frozenset(("lat", "lon"))
NEAR_HERE = ("near", "here")
# The request headers (as WSGI names them) of a conditional or partial request.
CONDITIONAL = frozenset(
    f"HTTP_{name}"
    for name in ("IF_NONE_MATCH", "IF_MODIFIED_SINCE", "IF_MATCH", "IF_UNMODIFIED_SINCE",
                 "IF_RANGE", "RANGE")
)  # fmt: skip
# Headers of the stored answer that belong to one sending of it. (`request_ids` adds the
# request's id outside the cache's layer, to each sending; named here so that none is kept
# even if a view set one.)
NOT_STORED = frozenset(("Date", HEADER, request_ids.HEADER))
# In `Session.info`: the generation was raised in the open transaction.
RAISED = "page_cache_generation_raised"
# In `Session.info`: the number the open transaction raised the generation to, written as
# the newest once it commits (`_note_committed`).
RAISED_TO = "page_cache_generation_raised_to"
# In `app.extensions`: the checks that let a request through to the app (`when_due`).
DUE = "page_cache_due"
# In `app.extensions`: until when (time.monotonic) a cache that failed is left alone.
RESTING_UNTIL = "page_cache_resting_until"
# In `app.extensions`: the generation this process last wrote as NEWEST, and when.
WRITTEN = "page_cache_newest_written"

cache = Cache()
# Each page's last good copy (`keep_last_good`), apart from the entries: kept longer, found by
# less, and never pushing an entry out.
last_good = Cache()
# The watch's connections inherited across fork, left open: SQLite advises against closing a
# connection in a process that did not open it.
INHERITED: list[sqlite3.Connection] = []


class PageCacheGeneration(Model):
    """The one row: a number raised by every change to a public table, and the time of the
    last such change."""

    __tablename__ = "page_cache_generation"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PageCacheGeneration {self.number}>"


def init_app(app: Flask) -> None:
    """Configure the cache and register the hook that stores and sends pages; the hook that
    looks them up is `answer_from_cache`, registered after every other before-request hook.

    Call this before any other extension registers an after-request hook: Flask runs those
    hooks in the reverse order, so this one runs last and keeps the response as it is sent.
    """
    app.config.setdefault("PAGE_CACHE", True)
    app.config.setdefault("PAGE_CACHE_HEADER", False)
    url = app.config.get("CACHE_URL")
    cache.init_app(app, config=cache_config(url))
    last_good.init_app(app, config=cache_config(url, "barrierfree-last-good:", LAST_GOOD_SECONDS))
    app.after_request(store_and_send)
    app.extensions[DUE] = []
    app.wsgi_app = CachedPages(app, app.wsgi_app)  # type: ignore[method-assign]


def when_due(app: Flask, due: Callable[[], bool]) -> None:
    """Let a request through the app, past the cache's WSGI layer, while `due()` says
    that work of a before-request hook is waiting."""
    app.extensions[DUE].append(due)


class CachedPages:
    """WSGI: send a page the cache holds before Flask builds a request for it."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The stored page, or the app's answer."""
        if not self.app.config["PAGE_CACHE"] or any(due() for due in self.app.extensions[DUE]):
            return self.wsgi_app(environ, start_response)
        asked = Request(environ)
        if not looked_up(asked, self.app.config):
            return self.wsgi_app(environ, start_response)
        generation = watch_of(self.app).read()
        if generation is None:
            try:
                with self.app.app_context():
                    generation = _generation()
            except SQLAlchemyError:
                # The database does not answer: the app says so (503), with the page's last
                # good copy when it has one (`errors.handle_database_error`).
                return self.wsgi_app(environ, start_response)
        note_generation(self.app, generation[0])
        modes = display.modes(asked.cookies.get(display.COOKIE, ""))
        entry = _get(key_of(asked, modes, generation[0], self.app.config), self.app)
        if entry is None:
            return self.wsgi_app(environ, start_response)
        if asked.method == "GET" and not any(name in environ for name in CONDITIONAL):
            # Nothing to compare: the stored page as it is, without building a response.
            status, headers, body = entry
            start_response(
                f"{status} {HTTP_STATUS_CODES[status]}",
                [*headers, ("Date", http_date()), *_told("hit", self.app.config)],
            )
            return [body]
        return _send(entry, "hit", asked, self.app.config)(environ, start_response)


class GenerationWatch:
    """The generation of an SQLite database, read again only when the file has changed.

    Each thread keeps a connection of its own (made again in a forked worker, the inherited
    one left open, or when the file is replaced, as a restore does) and asks SQLite for the
    data version: a number that changes when any other connection commits. Until it
    changes, the generation read last is still the generation. `read` gives None when it
    cannot tell (the caller then reads the row through the app's session).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.local = threading.local()

    def read(self) -> tuple[int, datetime | None] | None:
        """(number, time of the last public change), or None."""
        if self.path is None:
            return None
        try:
            return self._read(self.path)
        except (OSError, sqlite3.Error):
            self._forget()
            return None

    def _read(self, path: str) -> tuple[int, datetime | None] | None:
        local = self.local
        file = os.stat(path)
        opened_on = (os.getpid(), file.st_dev, file.st_ino)
        if getattr(local, "opened_on", None) != opened_on:
            self._forget()
            local.connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            local.opened_on, local.version = opened_on, None
        version = local.connection.execute("PRAGMA data_version").fetchone()[0]
        if version != local.version:
            row = local.connection.execute(
                "SELECT number, changed_at FROM page_cache_generation"
            ).fetchone()
            local.generation = (row[0], datetime.fromisoformat(row[1])) if row else (0, None)
            local.version = version
        return local.generation

    def _forget(self) -> None:
        """Drop this thread's connection; one opened by the parent of a forked worker is
        kept in `INHERITED` instead, never closed."""
        local = self.local
        if getattr(local, "opened_on", (os.getpid(),))[0] != os.getpid():
            INHERITED.append(local.connection)
        local.__dict__.clear()


def watch_of(app: Flask) -> GenerationWatch:
    """The app's generation watch: on its SQLite file, or on nothing for another database."""
    watch = app.extensions.get("page_cache_watch")
    if watch is None:
        # The engine's URL: Flask-SQLAlchemy reads a relative SQLite path from the instance
        # folder. (The WSGI layer calls this outside any app context.)
        with app.app_context():
            url = db.engine.url
        path = url.database if url.get_backend_name() == "sqlite" else None
        watch = app.extensions["page_cache_watch"] = GenerationWatch(
            path if path and path != ":memory:" else None
        )
    return watch


def cache_config(
    url: str | None, prefix: str = "barrierfree-page:", timeout: int = TIMEOUT_SECONDS
) -> dict:
    """Flask-Caching's settings: Redis at `url`, or else a cache in each process; its keys
    start with `prefix` and are kept `timeout` seconds."""
    backend: dict[str, object]
    if url:
        timeouts = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
        backend = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_OPTIONS": timeouts}
    else:
        backend = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": THRESHOLD}
    return {**backend, "CACHE_KEY_PREFIX": prefix, "CACHE_DEFAULT_TIMEOUT": timeout}


def answer_from_cache() -> Response | None:
    """Before the view, after the other hooks: send the stored page when there is one,
    answering "not modified" to a browser that has it; otherwise note the key, for
    `store_and_send` (none while the database does not answer)."""
    if not (current_app.config["PAGE_CACHE"] and looked_up(request, current_app.config)):
        return None
    try:
        key, g.page_cache_generation, g.public_change, entry = lookup(request, g.display)
    except SQLAlchemyError:
        # The database does not answer: nothing is looked up or stored. What needs no
        # database (the stylesheet, the scripts) is still served; a view that reads it
        # fails with the 503, or its page's last good copy (`errors.handle_database_error`).
        db.session.rollback()
        return None
    if entry is None:
        g.page_cache_key = key
        after_this_request(_keep_out_files)
        # From here on, what reads the query's parameters is noted (`ReadArgs`).
        request.__dict__["args"] = ReadArgs(request.args)
        return None
    g.page_cache_entry = entry
    return _send(entry, "hit", request, current_app.config)


def store_and_send(response: Response) -> Response:
    """After every other hook: store a page that anyone may be sent, as it is sent.

    A page from the cache passed the other hooks too; the stored page is sent again as it
    was stored, so that nothing compresses or changes it a second time.
    """
    entry = g.pop("page_cache_entry", None)
    if entry is not None:
        return _send(entry, "hit", request, current_app.config)
    key = g.pop("page_cache_key", None)
    if key is None:
        return response
    if _storable(response) and _query_all_read() and not carries_position(request.query_string):
        # Flask adds this after the last hook, having looked at the session (every response
        # does: `security.add_cache_rules`); a page sent from the cache must carry it too.
        response.vary.add("Cookie")
        _set(key, (response.status_code, _stored_headers(response), response.get_data()))
        keep_last_good(response)
    elif 300 <= response.status_code < 500 and response.status_code != 304:
        # Moved, withdrawn or refused: its copy is forgotten at once, in the cache that
        # answered (this worker's own, or Redis with BARRIERFREE_CACHE_URL). A copy no
        # request reaches is refused anyway once the generation has moved on (`last_copy`).
        _delete_last_good()
    response.headers.extend(_told("miss", current_app.config))
    return response


def keeps_last_good(asked: Request) -> bool:
    """True for a request whose page keeps a last good copy: no query (a search's words, a
    finder's choices, a position: kept for a day, a copy would tell for that long that
    someone had asked) and no htmx (a fragment has no place for the notice; htmx gets the
    503 sentence)."""
    return not asked.query_string and "HX-Request" not in asked.headers


def last_good_key(asked: Request) -> str:
    """The key of a page's last good copy: its address and the display modes, without the
    generation or the minute, which an outage leaves unknown."""
    modes = display.modes(asked.cookies.get(display.COOKIE, ""))
    parts = [asked.scheme, asked.host, asked.script_root, asked.path, ".".join(sorted(modes))]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def keep_last_good(response: Response) -> None:
    """Keep a page just stored as its address's last good copy: when (the site's clock),
    the generation it was built at, and its HTML, gzip-compressed whatever encoding it was
    sent in: one form that always reads again, and small (a page of 20 to 30 kB keeps 5 to
    7 kB). A page sent in an encoding DECODERS cannot read keeps none."""
    if response.mimetype != "text/html" or not keeps_last_good(request):
        return
    page = response.get_data()
    encoding = response.headers.get("Content-Encoding", "identity")
    if encoding != "identity":
        decode = DECODERS.get(encoding)
        if decode is None:
            return
        page = decode(page)
    copy = (opening_hours.local_now(), g.page_cache_generation, gzip.compress(page))
    _set(last_good_key(request), copy, last_good)


def last_copy() -> tuple[datetime, str] | None:
    """The request's page as last stored (`keep_last_good`): when, and the page's HTML;
    None for a request that may not be answered with one (`looked_up`, `keeps_last_good`),
    whose page has none, whose copy was built at another generation than the newest read
    by this process's cache (`NEWEST`) or written by any process of the instance
    (`newest_in_instance`): it may show what has been withdrawn or changed since; or
    whose copy was kept on another day than today (the site's clock): a page says "today",
    "tomorrow" and marks today's row of its hours, which would then name the wrong day."""
    config = current_app.config
    if not (config["PAGE_CACHE"] and looked_up(request, config) and keeps_last_good(request)):
        return None
    copy = _get(last_good_key(request), current_app, last_good)
    newest = _get(NEWEST, current_app, last_good)
    if copy is None or newest is None:
        return None
    saved_at, generation, page = copy
    if generation != newest or generation != newest_in_instance(current_app):
        return None
    if saved_at.date() != opening_hours.local_now().date():
        return None
    return saved_at, gzip.decompress(page).decode("utf-8")


def note_generation(app: Flask, number: int) -> None:
    """Write the generation a request has just read as the newest (`NEWEST`, and in the
    instance's file when it is newer than the file's: `write_newest`), when this process
    last wrote another or wrote it NEWEST_REWRITE seconds ago or more: a page from the
    cache costs no write. (The WSGI layer has no app context.)"""
    now = time.monotonic()
    written = app.extensions.get(WRITTEN)
    if written is not None and written[0] == number and now - written[1] < NEWEST_REWRITE:
        return
    write_newest(app, number, raised=False)
    if _resting(app):
        return
    try:
        app.extensions["cache"][last_good].set(NEWEST, number)
    except RedisError as error:
        _rest(app, error)
        return
    app.extensions[WRITTEN] = (number, now)


def write_newest(app: Flask, number: int, raised: bool) -> None:
    """Write `number` as the newest generation in the instance's file (`NEWEST_FILE`), under
    a lock of the file. A transaction that has just `raised` the generation writes its
    number as it is, before it commits: it holds the generation's row until then, so the
    transactions that raise it write in the order they commit (a number written by one
    that then rolls back only refuses the copies until the next change). A request that
    read the generation writes it only when the file has none or an older one: it may have
    read it just before a change committed, and must never write over that change's
    number. When a raised number cannot be written, the error is logged and the file
    removed if it can be: a file left with an older number would let older copies out."""
    path = os.path.join(app.instance_path, NEWEST_FILE)
    try:
        os.makedirs(app.instance_path, exist_ok=True)
        with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # let go when the file is closed
            if not raised:
                known = _number(file.read())
                if known is not None and known >= number:
                    return
            file.seek(0)
            file.truncate()
            file.write(str(number))
    except OSError as error:
        logger.error("newest generation not written to %s: %s", path, error)
        if raised:
            with suppress(OSError):
                os.unlink(path)


def newest_in_instance(app: Flask) -> int | None:
    """The newest generation the instance's processes have written (`write_newest`), or
    None when there is none that reads."""
    try:
        with open(os.path.join(app.instance_path, NEWEST_FILE)) as file:
            fcntl.flock(file, fcntl.LOCK_SH)
            return _number(file.read())
    except OSError:
        return None


def _number(text: str) -> int | None:
    """The number the file holds; None for an empty or broken file."""
    try:
        return int(text)
    except ValueError:
        return None


def _delete_last_good() -> None:
    """Forget the request's last good copy, if it may have one."""
    if keeps_last_good(request):
        _set(last_good_key(request), None, last_good)


def carries_position(query_string: bytes) -> bool:
    """True when the query holds the visitor's own position (`POSITION`, or near=here):
    such a page is theirs alone, so it is never stored (nobody else would ask for it, and
    whether it is in the cache would tell that they had)."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return any(name in POSITION or (name, value) == NEAR_HERE for name, value in pairs)


def _told(state: str, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header that says whether the page came from the cache ("hit" or "miss"), when
    PAGE_CACHE_HEADER is on (the tests); else none (see HEADER)."""
    return [(HEADER, state)] if config["PAGE_CACHE_HEADER"] else []


def last_public_change() -> datetime | None:
    """When a public table last changed (UTC): no page built from the database alone has
    changed since. Read once per request."""
    if "public_change" not in g:
        g.public_change = (watch_of(current_app).read() or _generation())[1]
    return g.public_change


def looked_up(asked: Request, config: Mapping[str, Any]) -> bool:
    """True for a request the cache may answer: an anonymous GET or HEAD of a public page, at
    its own address (a path with repeated slashes is redirected to that, and its key would be
    the page's: `asked.path` drops the slashes at its start)."""
    return (
        asked.method in security.READS
        and config["SESSION_COOKIE_NAME"] not in asked.cookies
        and not security.is_back_office(asked.path)
        and not errors.has_repeated_slashes(asked.environ)
    )


def lookup(asked: Request, modes: set[str]) -> tuple[str, int, datetime | None, tuple | None]:
    """The request's key, the generation (noted: `note_generation`), the time of the last
    public change, and the stored entry."""
    generation, changed_at = watch_of(current_app).read() or _generation()
    note_generation(current_app, generation)
    key = key_of(asked, modes, generation, current_app.config)
    return key, generation, changed_at, _get(key, current_app)


def _generation() -> tuple[int, datetime | None]:
    """The current generation and the time of the last public change, read through the
    app's session."""
    # On the session's connection, past the ORM and its events: this runs on every
    # anonymous request, and a page from the cache costs little else.
    table = PageCacheGeneration.__table__
    row = db.session.connection().execute(select(table.c.number, table.c.changed_at)).first()
    return (row.number, row.changed_at) if row else (0, None)


def key_of(asked: Request, modes: set[str], generation: int, config: Mapping[str, Any]) -> str:
    """Everything the page depends on, hashed: equal keys, equal pages."""
    parts = [
        asked.scheme,
        asked.host,
        asked.script_root,  # the language
        asked.path,
        # As it came: each page echoes it in its links (the other language, the display
        # form's way back). Only a query whose every parameter was read is ever stored.
        asked.query_string.decode("latin-1"),
        ".".join(sorted(modes)),  # the display cookie's
        *(asked.headers.get(name, "") for name in HTMX_HEADERS),
        # The encoding chosen, not the header: made-up headers choose one of three.
        chosen_encoding(asked, config),
        generation,
        # The site's clock, which "open now" is judged by (tests set it).
        opening_hours.local_now().strftime("%Y-%m-%d %H:%M"),
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def chosen_encoding(asked: Request, config: Mapping[str, Any]) -> str:
    """The content encoding compression chooses for the request's Accept-Encoding
    (`br`, `gzip` or `identity`): Flask-Compress's own choice, from the algorithms the site
    enables (`compression.init_app`), so the key cannot disagree with the page."""
    algorithms = _format(config.get("COMPRESS_ALGORITHM", ()))
    return _choose_algorithm(algorithms, asked.headers.get("Accept-Encoding", "")) or "identity"


class ReadArgs(ImmutableMultiDict[str, str]):
    """The query's parameters, noting each name the view and its templates ask for by name
    (`read`): a page that asked for none of a parameter cannot depend on it, and is not
    stored for it. Going through them all (iterating, `items`, `to_dict`) is not noted, so
    a page that does is stored only without a query: never wrongly, at worst less often."""

    def __init__(self, args: Mapping[str, str]) -> None:
        super().__init__(args)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]  # noqa: ANN401
        """The first value of `key` (as MultiDict's), the name noted."""
        self.read.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]  # noqa: ANN401
        """Every value of `key` (as MultiDict's), the name noted."""
        self.read.add(key)
        return super().getlist(key, *args, **kwargs)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)

    def all_read(self) -> bool:
        """True when every name in the query was asked for."""
        return set(dict.keys(self)) <= self.read


def _query_all_read() -> bool:
    """True when the view and its templates read every parameter of the request's query
    (none: true); a page that ignored one is not stored, so made-up parameters cannot fill
    the cache with copies of it."""
    args = request.__dict__.get("args")
    return isinstance(args, ReadArgs) and args.all_read()


def _keep_out_files(response: Response) -> Response:
    """First of the after-request hooks: note a file sent from disk, never stored (it is
    read into memory later, to be compressed, and would no longer look like one)."""
    g.page_cache_file = response.is_streamed or response.direct_passthrough
    return response


def _storable(response: Response) -> bool:
    """True for a complete public page or download that may be sent to anyone."""
    return (
        not g.page_cache_file
        and response.status_code == 200
        and "Set-Cookie" not in response.headers
        and not response.cache_control.private
        and not response.cache_control.no_store
        and response.mimetype in security.CONDITIONAL_TYPES
    )


def _stored_headers(response: Response) -> list[tuple[str, str]]:
    """The response's headers, without those that belong to one sending."""
    return [(name, value) for name, value in response.headers if name not in NOT_STORED]


def _send(entry: tuple, state: str, asked: Request, config: Mapping[str, Any]) -> Response:
    """A new response from a stored one, answered "not modified" when the browser has it."""
    status, headers, body = entry
    response = Response(body, status=status, headers=[*headers, *_told(state, config)])
    return security.conditional(response, asked)


def _get(key: str, app: Flask, store: Cache = cache) -> tuple | None:
    """The stored entry (of `store`: the entries, or the last good copies), or None; a cache
    that cannot be reached finds nothing. (The app's cache backend, asked directly: the WSGI
    layer has no app context.)"""
    if _resting(app):
        return None
    try:
        return app.extensions["cache"][store].get(key)
    except RedisError as error:
        _rest(app, error)
        return None


def _set(key: str, entry: tuple | None, store: Cache = cache) -> None:
    """Store an entry (None: forget it); a cache that cannot be reached keeps nothing."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _resting(app):
        return
    try:
        if entry is None:
            store.delete(key)
        else:
            store.set(key, entry)
    except RedisError as error:
        _rest(app, error)


def _resting(app: Flask) -> bool:
    """True while the app leaves a cache that failed alone (REDIS_REST)."""
    return time.monotonic() < app.extensions.get(RESTING_UNTIL, 0.0)


def _rest(app: Flask, error: RedisError) -> None:
    """Leave the cache alone for REDIS_REST seconds, saying so once."""
    app.extensions[RESTING_UNTIL] = time.monotonic() + REDIS_REST
    logger.warning("page cache unreachable, not used for %d s: %s", REDIS_REST, error)


# --- The generation ---------------------------------------------------------------------


def _is_public(table_name: str | None) -> bool:
    return table_name is not None and table_name not in STAFF_ONLY_TABLES


def _raise_generation(session: Session) -> None:
    """Raise the generation in the session's transaction, once per transaction."""
    if session.info.get(RAISED):
        return
    session.info[RAISED] = True  # first: the statement below passes the events too
    number = session.info[RAISED_TO] = session.execute(
        update(PageCacheGeneration)
        .values(number=PageCacheGeneration.number + 1, changed_at=utcnow())
        .returning(PageCacheGeneration.number)
        .execution_options(synchronize_session=False)
    ).scalar()
    if number is not None and has_app_context():
        # Now, while this transaction holds the row: see `write_newest`.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        write_newest(app, number, raised=True)


def raise_generation() -> None:
    """Raise the generation in this request's transaction for a change the tables cannot
    tell: a row of a staff-only table that a public page shows after all (a feedback item's
    published example, on the statistics page)."""
    _raise_generation(db.session())


@event.listens_for(db.session, "before_flush")
def _raise_for_flushed_changes(
    session: Session, _flush_context: UOWTransaction, _instances: object
) -> None:
    """A flush that adds, changes or deletes a row of a public table raises the generation
    in the same transaction."""
    changed = chain(
        session.new, session.deleted, (row for row in session.dirty if session.is_modified(row))
    )
    if any(_is_public(row.__table__.name) for row in changed):
        _raise_generation(session)


@event.listens_for(db.session, "do_orm_execute")
def _raise_for_bulk_changes(state: ORMExecuteState) -> None:
    """An INSERT, UPDATE or DELETE statement on a public table run through the session
    (`update(Model)`, `delete(Model)`, `query.delete()`) raises it too. A `text()`
    statement passes by unseen."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if _is_public(getattr(table, "name", None)):
        _raise_generation(state.session)


@event.listens_for(db.session, "after_transaction_end")
def _forget_raised(session: Session, transaction: SessionTransaction) -> None:
    """Once a transaction (or savepoint) ends, its raise is committed or gone."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(RAISED, None)
    if transaction.parent is None:
        session.info.pop(RAISED_TO, None)


@event.listens_for(db.session, "after_commit")
def _note_committed(session: Session) -> None:
    """A committed change writes its generation as the newest (`note_generation`) at once,
    so that a page withdrawn and asked for by nobody since is not sent from its copy."""
    number = session.info.pop(RAISED_TO, None)
    if number is not None and has_app_context():
        note_generation(current_app._get_current_object(), number)  # type: ignore[attr-defined]
