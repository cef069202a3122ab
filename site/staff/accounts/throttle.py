"""Sign-in rate limits, kept in the database so every worker shares them.

Three limits over a sliding window of 15 minutes:
- one account from one address: 5 failures;
- one address, any account: 20 failures;
- one account from anywhere: 50 failures, except from an address where that account has
  signed in successfully in the last 90 days.
So a wrong guess costs at most 15 minutes, and an attacker elsewhere cannot lock a member
of staff out of the office they usually work from. An attempt is kept only as long as a
limit reads it (`forget_old`, in the hourly housekeeping): a successful sign-in 90 days (it
makes its address known), any other attempt 15 minutes, the window, since what was typed
as the account name may be a password typed in the wrong box; one still being checked an
hour (`ABANDONED`), which only a worker that died during the check leaves behind. Refused
attempts are logged but do not count, so waiting always ends the block.

An attempt is reserved (written and committed as a failure) before its password is
checked. Reservations for one account or from one address are made one at a time, each
counting those before it in the transaction that writes it: of many guesses sent at once,
the first up to the limit reach the password and the rest are refused, on every app server.
"""

import logging
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, func, select

from ...database import db, utcnow
from ..models import SignInAttempt, StaffUser

WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS = timedelta(days=90)
PER_ACCOUNT_AND_ADDRESS = 5
PER_ADDRESS = 20
PER_ACCOUNT = 50
CHECKING = "checking"  # reserved, password not yet checked: counts as a failure until settled
# A password check takes well under a second; an attempt still being checked after this
# long was left by a worker that died during the check, and nothing will settle it.
ABANDONED = timedelta(hours=1)
FAILED = ("wrong-password", "unknown-account", "disabled", CHECKING)
# The class of the advisory locks on PostgreSQL (see `_one_at_a_time`), beside a hash of
# the account or address: a pair of numbers, apart from the single-number locks elsewhere.
SIGN_IN_LOCKS = 7301

log = logging.getLogger("barrierfree.sign_in")


def reserve(username: str, address: str) -> tuple[SignInAttempt, int]:
    """Reserve an attempt and commit it, then count: the attempt and the minutes to wait.

    When the wait is not 0 the attempt is settled as refused (it no longer counts) and the
    password must not be checked; otherwise the caller checks it and settles the attempt.
    """
    _one_at_a_time(username, address)
    attempt = SignInAttempt(username=username, address=address, succeeded=False, outcome=CHECKING)
    db.session.add(attempt)
    db.session.flush()
    wait = wait_minutes(username, address, besides=attempt.id)
    if wait:
        settle(attempt, "throttled")
    db.session.commit()
    return attempt, wait


def _one_at_a_time(username: str, address: str) -> None:
    """Let no other reservation for this account or from this address be made until this
    transaction ends. On SQLite the reservation's write does it (it holds the database's
    write lock until the commit). PostgreSQL lets transactions write at once, so there an
    advisory lock per account and per address does, each taken in the same order (accounts
    first), so that two reservations never wait for each other."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in (f"account {username}", f"address {address}"):
        db.session.execute(select(func.pg_advisory_xact_lock(SIGN_IN_LOCKS, func.hashtext(key))))


def settle(attempt: SignInAttempt, outcome: str) -> None:
    """Give a reserved attempt its outcome and log it (the caller commits). The log names
    the account only when one has that name: what was typed for an unknown one may be a
    password typed in the wrong box. It never names the address (the table keeps it, for
    the limits, as long as they need it: see `forget_old`)."""
    attempt.outcome = outcome
    attempt.succeeded = outcome == "signed-in"
    known = db.session.scalar(select(StaffUser.id).where(StaffUser.username == attempt.username))
    log.info("sign-in %s: account=%r", outcome, attempt.username if known else "(none)")


def wait_minutes(username: str, address: str, besides: int | None = None) -> int:
    """Minutes until this account may try again from this address; 0 when it may now.

    `besides` is the id of an attempt not to count (the one being decided).
    """
    now = utcnow()
    since = now - WINDOW
    failures = select(SignInAttempt.at).where(
        SignInAttempt.at > since,
        SignInAttempt.outcome.in_(FAILED),
        SignInAttempt.id != (besides or 0),
    )
    checks = [
        (
            failures.where(SignInAttempt.username == username, SignInAttempt.address == address),
            PER_ACCOUNT_AND_ADDRESS,
        ),
        (failures.where(SignInAttempt.address == address), PER_ADDRESS),
    ]
    if not _known_address(username, address, now):
        checks.append((failures.where(SignInAttempt.username == username), PER_ACCOUNT))
    wait = timedelta(0)
    for query, limit in checks:
        recent = db.session.scalars(query.order_by(SignInAttempt.at.desc()).limit(limit)).all()
        if len(recent) >= limit:
            wait = max(wait, recent[-1] + WINDOW - now)
    return -(-int(wait.total_seconds()) // 60)


def _known_address(username: str, address: str, now: datetime) -> bool:
    """True when `username` signed in successfully from `address` in the last 90 days."""
    return bool(
        db.session.scalar(
            select(func.count()).where(
                SignInAttempt.username == username,
                SignInAttempt.address == address,
                SignInAttempt.succeeded.is_(True),
                SignInAttempt.at > now - KNOWN_ADDRESS,
            )
        )
    )


def forget_old() -> int:
    """Delete the attempts no limit reads any more: failed and refused ones older than the
    window, successful ones older than KNOWN_ADDRESS, and ones still being checked after
    ABANDONED (a check in progress is left to settle its row). Returns how many (the caller
    commits)."""
    now = utcnow()
    checking, at = SignInAttempt.outcome == CHECKING, SignInAttempt.at
    deleted = cast(
        CursorResult,
        db.session.execute(
            delete(SignInAttempt).where(
                (at < now - KNOWN_ADDRESS)
                | (~checking & (at < now - WINDOW) & SignInAttempt.succeeded.is_(False))
                | (checking & (at < now - ABANDONED))
            )
        ),
    )
    return deleted.rowcount
