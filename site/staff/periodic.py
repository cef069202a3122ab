"""The periodic checks: before a request, on a process's first and then at most every 30
seconds, a background thread publishes what is due (`publishing.release_due`), applies what
waits in the search outbox and sends the mail that is due; every hour it also deletes what
is kept no longer than needed. No request waits for them or fails with them."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app

from .. import background
from ..database import db, erase_deleted
from ..mail import outbox
from ..site_search.index import site_index
from ..site_search.sync import drain_if_waiting
from .accounts import sessions, throttle
from .bulk import uploads
from .editing import publishing
from .inbox import forget_what_is_due

CHECK_SCHEDULE_EVERY = timedelta(seconds=30)
HOUSEKEEPING_EVERY = timedelta(hours=1)
log = logging.getLogger(__name__)
# Minus infinity: a process checks on its first request (its start-up), then every 30 s;
# and does the housekeeping on its first request, then every hour.
_last_check = {"at": float("-inf"), "housekeeping": float("-inf")}


def check_is_due() -> bool:
    """True when `release_due_now_and_then` would check: a process's first request, or 30
    seconds since it last did (the page cache lets such a request through to it)."""
    return time.monotonic() - _last_check["at"] >= CHECK_SCHEDULE_EVERY.total_seconds()


def release_due_now_and_then() -> None:
    """Before a request, on a process's first and then at most every 30 seconds, start the
    periodic checks in the background (`background`): the request neither waits for them
    nor fails with them."""
    if not check_is_due():
        return
    _last_check["at"] = time.monotonic()
    background.start(current_app._get_current_object(), "checks", periodic_checks)  # type: ignore[attr-defined]


def periodic_checks() -> None:
    """Publish what is due, apply what waits in the search outbox (left there by a process
    that died before applying it) and send the mail that is due; every hour, delete what is
    kept no longer (see `housekeeping`). Each step fails alone, logged."""
    now = time.monotonic()
    _quietly(publishing.release_due, "scheduled publication failed; it will be tried again")
    _quietly(
        lambda: drain_if_waiting(site_index()),
        "the search outbox was not applied; it will be tried again",
    )
    outbox.send_quietly()
    if now - _last_check["housekeeping"] >= HOUSEKEEPING_EVERY.total_seconds():
        _last_check["housekeeping"] = now
        _quietly(housekeeping, "housekeeping failed; it will be tried again")
    current_app.logger.debug("scheduled publications, the search outbox and mail checked")


def housekeeping() -> None:
    """Delete what is kept no longer than needed: residents' items and what goes with them
    (`inbox.forget_what_is_due`, as `flask inbox purge` does), old sign-in attempts and
    ended staff sessions (`forget_old_sign_ins`, as `flask staff purge-sessions` does);
    then the uploaded spreadsheets older than a day (`bulk.uploads.forget_old`: otherwise
    only the next upload would delete them)."""
    forget_what_is_due()
    forget_old_sign_ins()
    uploads.forget_old()


def forget_old_sign_ins() -> tuple[int, int]:
    """Delete the sign-in attempts no limit reads any more (`throttle.forget_old`) and the
    staff sessions ended long enough ago (`sessions.forget_ended`), commit, and erase them
    from the database's files (`database.erase_deleted`). How many of each."""
    attempts, ended = throttle.forget_old(), sessions.forget_ended()
    db.session.commit()
    erase_deleted(attempts + ended)
    return attempts, ended


def _quietly(step: Callable[[], object], failure: str) -> None:
    """Run `step`; when it fails, roll back and log `failure`, and carry on."""
    try:
        step()
    except Exception:
        db.session.rollback()
        log.exception(failure)
