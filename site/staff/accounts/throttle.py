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

Known browsers. The federation's staff share one office address, so 20 failures there (an
attacker on the office Wi-Fi, a colleague's mistakes) would lock every account out of the
office. So a successful sign-in gives the browser a cookie (`remember_browser`), signed
with the site's secret key, that holds for each of the last BROWSER_ACCOUNTS accounts
signed in there (a shared computer) the account's id, a stamp and when it signed in there,
and nothing else. The stamp is a digest, keyed with the secret, of when the account's
password was last set and of its last disabling (the audit log's `disable-account`), so a
password change, an administrator's reset or disabling the account makes every earlier
cookie of the account worthless (the next sign-in gives a new one). An attempt at an
account the cookie names with its current stamp, less than KNOWN_BROWSER ago
(`known_browser`), is held to one limit instead of the three above: 5 failures of that
account from its known browsers together, from anywhere, in the window (PER_KNOWN_BROWSER;
counted per account, as the attempts keep no browser, which is what bounds a stolen
cookie). Those attempts are marked (KNOWN, on the outcome) and count against that limit
alone, never against an address's or the account's ordinary ones, so neither an attacker
on the office's address nor a colleague's mistakes stop a member of staff on their own
browser. Past that limit a known browser is held to the ordinary limits like any other: a
stolen cookie gives at most 5 more guesses in 15 minutes, and leaves the account's own
browsers no worse off than without one. An entry for another account, a changed, garbled
or expired cookie give nothing. The cookie goes only to the sign-in page (in both
languages): HttpOnly, SameSite as the session cookie, Secure over HTTPS, kept KNOWN_BROWSER;
signing out leaves it (it names the browser, not a session).

An attempt is reserved (written and committed as a failure) before its password is
checked. Reservations for one account or from one address are made one at a time, each
counting those before it in the transaction that writes it: of many guesses sent at once,
the first up to the limit reach the password and the rest are refused, on every app server.
"""

import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta
from typing import cast

from flask import current_app, request, url_for
from itsdangerous import BadData, Signer, URLSafeSerializer
from sqlalchemy import CursorResult, Select, delete, func, select
from werkzeug.wrappers import Response

from ...database import db, utcnow
from ...i18n import PREFIX, current_locale
from ..models import AuditEntry, SignInAttempt, StaffUser

WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS = timedelta(days=90)
PER_ACCOUNT_AND_ADDRESS = 5
PER_ADDRESS = 20
PER_ACCOUNT = 50
PER_KNOWN_BROWSER = 5
CHECKING = "checking"  # reserved, password not yet checked: counts as a failure until settled
# A password check takes well under a second; an attempt still being checked after this
# long was left by a worker that died during the check, and nothing will settle it.
ABANDONED = timedelta(hours=1)
FAILED = ("wrong-password", "unknown-account", "disabled", CHECKING)
# The mark on the outcome of an attempt made from a known browser ("wrong-password+known-
# browser"): those count against PER_KNOWN_BROWSER only, the others against the rest.
KNOWN = "+known-browser"
FAILED_KNOWN = tuple(outcome + KNOWN for outcome in FAILED)
STILL_CHECKING = (CHECKING, CHECKING + KNOWN)
# The class of the advisory locks on PostgreSQL (see `_one_at_a_time`), beside a hash of
# the account or address: a pair of numbers, apart from the single-number locks elsewhere.
SIGN_IN_LOCKS = 7301
# The known-browser cookie: its name, the salt of its signature and of its stamps, how long
# an account stays known to a browser after signing in there (as an address stays known),
# and how many accounts one browser (a shared office computer) remembers, the latest first.
BROWSER_COOKIE = "staff_browser"
BROWSER_SALT = "staff-known-browser"
STAMP_SALT = "staff-known-browser-stamp"
KNOWN_BROWSER = KNOWN_ADDRESS
BROWSER_ACCOUNTS = 5

log = logging.getLogger("barrierfree.sign_in")


def reserve(username: str, address: str, known: bool = False) -> tuple[SignInAttempt, int]:
    """Reserve an attempt and commit it, then count: the attempt and the minutes to wait.
    `known` says the attempt comes from a known browser of the account (`known_browser`).

    When the wait is not 0 the attempt is settled as refused (it no longer counts) and the
    password must not be checked; otherwise the caller checks it and settles the attempt.
    """
    _one_at_a_time(username, address)
    attempt = SignInAttempt(
        username=username, address=address, succeeded=False, outcome=_marked(CHECKING, known)
    )
    db.session.add(attempt)
    db.session.flush()
    wait = wait_minutes(username, address, besides=attempt.id, known=known)
    if wait and known:
        # Past its own limit a known browser is held to the ordinary limits, as any other.
        ordinary = wait_minutes(username, address, besides=attempt.id)
        if not ordinary:
            attempt.outcome = CHECKING
        wait = min(wait, ordinary)
    if wait:
        settle(attempt, "throttled")
    db.session.commit()
    return attempt, wait


def _marked(outcome: str, known: bool) -> str:
    """`outcome` as kept for an attempt from a known browser (`known`) or from any other."""
    return outcome + KNOWN if known else outcome


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
    """Give a reserved attempt its outcome and log it (the caller commits); an attempt
    reserved from a known browser keeps that mark. The log names the account only when one
    has that name: what was typed for an unknown one may be a password typed in the wrong
    box. It never names the address (the table keeps it, for the limits, as long as they
    need it: see `forget_old`)."""
    attempt.outcome = _marked(outcome, attempt.outcome == CHECKING + KNOWN)
    attempt.succeeded = outcome == "signed-in"
    exists = db.session.scalar(select(StaffUser.id).where(StaffUser.username == attempt.username))
    log.info("sign-in %s: account=%r", attempt.outcome, attempt.username if exists else "(none)")


def wait_minutes(
    username: str, address: str, besides: int | None = None, known: bool = False
) -> int:
    """Minutes until this account may try again from this address; 0 when it may now.
    `known`: from a known browser of the account, held to PER_KNOWN_BROWSER alone.

    `besides` is the id of an attempt not to count (the one being decided).
    """
    now = utcnow()
    since = now - WINDOW

    def failures(outcomes: tuple[str, ...]) -> Select[datetime]:
        return select(SignInAttempt.at).where(
            SignInAttempt.at > since,
            SignInAttempt.outcome.in_(outcomes),
            SignInAttempt.id != (besides or 0),
        )

    if known:
        checks = [
            (failures(FAILED_KNOWN).where(SignInAttempt.username == username), PER_KNOWN_BROWSER)
        ]
    else:
        ordinary = failures(FAILED)
        checks = [
            (
                ordinary.where(
                    SignInAttempt.username == username, SignInAttempt.address == address
                ),
                PER_ACCOUNT_AND_ADDRESS,
            ),
            (ordinary.where(SignInAttempt.address == address), PER_ADDRESS),
        ]
        if not _known_address(username, address, now):
            checks.append((ordinary.where(SignInAttempt.username == username), PER_ACCOUNT))
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
    checking, at = SignInAttempt.outcome.in_(STILL_CHECKING), SignInAttempt.at
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


# --- The known browser ----------------------------------------------------------------------


def known_browser(username: str) -> bool:
    """True when this request's cookie names this browser as one the account `username`
    signed in from, with the stamp the account has now, less than KNOWN_BROWSER ago."""
    entries = _browser_entries()
    if not entries:
        return False
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None or not user.active:
        return False
    stamp = _stamp(user)
    return any(
        account == user.id and hmac.compare_digest(kept, stamp) for account, kept, _ in entries
    )


def remember_browser(response: Response, user: StaffUser) -> None:
    """Name this browser, in `response`, as one `user` has just signed in from, first among
    the accounts its cookie already names (the oldest beyond BROWSER_ACCOUNTS is dropped)."""
    others = [entry for entry in _browser_entries() if entry[0] != user.id]
    entries = [(user.id, _stamp(user), int(time.time())), *others][:BROWSER_ACCOUNTS]
    value = _browser_signer().dumps(entries)
    for path in _sign_in_paths():
        response.set_cookie(
            BROWSER_COOKIE, value, max_age=int(KNOWN_BROWSER.total_seconds()), path=path,
            httponly=True, samesite=current_app.config["SESSION_COOKIE_SAMESITE"],
            secure=request.is_secure,
        )  # fmt: skip


def _browser_entries() -> list[tuple[int, str, int]]:
    """The accounts this browser's cookie names, still in time: (account id, stamp, when it
    signed in here). Empty for no cookie, and for one changed, garbled or of another shape."""
    value = request.cookies.get(BROWSER_COOKIE)
    if not value:
        return []
    try:
        entries = _browser_signer().loads(value)
    except BadData:
        return []
    if not isinstance(entries, list):
        return []
    since = time.time() - KNOWN_BROWSER.total_seconds()
    return [
        (entry[0], entry[1], entry[2])
        for entry in entries[:BROWSER_ACCOUNTS]
        if isinstance(entry, list)
        and len(entry) == 3
        and type(entry[0]) is int
        and isinstance(entry[1], str)
        and type(entry[2]) is int
        and entry[2] > since
    ]


def _stamp(user: StaffUser) -> str:
    """What an account's entry in a cookie must hold to be valid: a digest, keyed with the
    site's secret (it tells nothing of the times in it), of when the password was last set
    (`password_changed_at`, set by every change and reset) and of the account's last
    disabling, so that either makes every earlier cookie of the account worthless."""
    disabled = db.session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.action == "disable-account",
            AuditEntry.kind == "account",
            AuditEntry.key == user.username,
        )
    )
    message = f"{user.id} {user.password_changed_at.isoformat()} {disabled or 0}"
    signer = Signer(current_app.config["SECRET_KEY"], salt=STAMP_SALT, digest_method=hashlib.sha256)
    return signer.get_signature(message).decode()


def _browser_signer() -> URLSafeSerializer:
    """Signs the known-browser cookie with the site's secret key, for this use alone."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=BROWSER_SALT)


def _sign_in_paths() -> list[str]:
    """The sign-in page's path in each language: the only pages the cookie is sent to."""
    here = url_for("staff.sign_in")
    page = here.removeprefix(request.script_root)
    root = request.script_root.removesuffix(PREFIX[current_locale()])
    return [root + prefix + page for prefix in PREFIX.values()]
