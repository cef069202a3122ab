"""Staff sessions: one database row per signed-in browser, with idle and absolute limits.

The signed Flask cookie carries a random token; the row is found by the token's hash. Signing
out, changing the password or disabling the account ends the rows, so a copied cookie
stops working at once. The cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import cast

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from htmx_flask import request
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import CursorResult, delete, func, or_, select, update
from werkzeug.exceptions import HTTPException

from ...database import commit_if_possible, db, utcnow
from ...i18n import url_in
from ...security import READS, safe_next
from .. import flash_failure
from ..models import ADMIN, StaffSession, StaffUser

log = logging.getLogger(__name__)
TOKEN = "staff"
TOUCH_EVERY = timedelta(seconds=30)
KEEP_LAPSED = timedelta(hours=12)
# How long the row of an ended session is kept (when whose session ended, and why), then
# deleted in the hourly housekeeping (`forget_ended`).
KEEP_ENDED = timedelta(days=30)
TIMED_OUT = ("idle", "absolute")
# The CSRF secrets of the sessions this browser had before signing in again as the same
# account, so a form opened before (in another tab) is recognised as this browser's own.
EARLIER_CSRF = "earlier_csrf"
# The pages that open while an account must change the password an administrator set: the
# password page and the session's own (its timer and keep-alive). Signing out needs no
# `require`, so it always works.
WHILE_CHANGING = frozenset({"staff.change_password", "staff.session_status"})
KEEP_EARLIER_CSRF = 3
# The sessions signed out while the database refused to end them: their token hashes, with
# when they were signed out. This process refuses them (`load`) and tries again to end them
# at most every RETRY_UNENDED; at most MAX_UNENDED are kept, each no longer than the
# absolute limit (past it the session has ended anyway). While the database refuses
# writes, no other process can keep such a session alive either: its last-seen time is
# not written, so it ends at the idle limit.
UNENDED: dict[str, datetime] = {}
RETRY_UNENDED = timedelta(seconds=30)
MAX_UNENDED = 1000
_unended_tried: list[datetime] = []


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when the request came over HTTPS, or when Flask's setting says so."""
        return request.is_secure or super().get_cookie_secure(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save as Flask does; then the answer to a POST (a step of the eligibility check)
        varies by no cookie, whatever added it (the session, the display modes). No shared
        cache keeps such an answer; the browser keeps it only for Back, which, once the
        resident has turned on large text, would find no copy for the new cookie and ask to
        send the form again. Saving the session is the last step of every response."""
        super().save_session(app, session, response)
        if request.method == "POST" and "cookie" in {v.lower() for v in response.vary}:
            response.vary = [value for value in response.vary if value.lower() != "cookie"]


def idle_limit() -> timedelta:
    """How long a staff session lasts without a request."""
    return timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])


def absolute_limit() -> timedelta:
    """How long a staff session lasts at most, however busy."""
    return timedelta(hours=current_app.config["STAFF_ABSOLUTE_HOURS"])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: StaffUser) -> None:
    """Sign `user` in: a new cookie session and a new row (the caller commits).

    The session this browser had is ended, so a copy of its old cookie stops working too.
    """
    if g.get("staff_session") is not None:
        end(g.staff_session, "replaced")
    earlier = _earlier_csrf(user)
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_hash(token), user=user))
    session[TOKEN] = token
    if earlier:
        session[EARLIER_CSRF] = earlier


def _earlier_csrf(user: StaffUser) -> list[str]:
    """The CSRF secrets to remember when this browser signs in as `user`: its session's
    and those it remembered, only when it was signed in (or lapsed) as the same account."""
    before = g.get("staff") or g.get("lapsed")
    if before is None or before.id != user.id:
        return []
    return _csrf_secrets()[:KEEP_EARLIER_CSRF]


def _csrf_field() -> str:
    """The name flask-wtf keeps the session's CSRF secret under (and the form field's)."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _csrf_secrets() -> list[str]:
    """This browser's CSRF secrets: its session's, then those of its earlier sessions."""
    known = [session.get(_csrf_field()), *session.get(EARLIER_CSRF, [])]
    return [value for value in known if isinstance(value, str)]


def token_of_this_browser() -> bool:
    """True when the request carries a CSRF token this site signed for this browser: its
    current session's (refused only as expired) or one of a session it had before signing
    in again as the same account. False for a missing, forged or foreign token."""
    names = current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    posted = request.form.get(_csrf_field()) or next(
        (request.headers[name] for name in names if request.headers.get(name)), None
    )
    if not posted:
        return False
    key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    assert key is not None  # settings.configure always sets SECRET_KEY
    try:  # how flask-wtf signs it: the session's secret, timed and salted
        secret = URLSafeTimedSerializer(key, salt="wtf-csrf-token").loads(posted)
    except BadData:
        return False
    return isinstance(secret, str) and any(
        hmac.compare_digest(known, secret) for known in _csrf_secrets()
    )


def stopped_at() -> datetime | None:
    """When the session a late form was written in stopped: the end of the lapsed session,
    or the start of the one that replaced it. An autosave from after then is newer."""
    if g.get("lapsed") is not None:
        return g.lapsed_at
    if g.get("staff_session") is not None:
        return g.staff_session.created_at
    return None


def end(row: StaffSession, reason: str) -> None:
    """End one session (the caller commits)."""
    row.ended_at = row.ended_at or utcnow()
    row.end_reason = row.end_reason or reason


def forget() -> None:
    """Drop everything this browser's cookie session holds (after signing out)."""
    session.clear()


def end_signed_out(row: StaffSession, record: Callable[[], object]) -> bool:
    """End `row` on signing out, with `record` (the audit entry), and commit. When the
    database refuses, end it without the record; when it refuses that too, keep it in
    UNENDED (refused by this process, ended when the database takes writes again) and log
    that, with the session's number only. True when the session ended on the server. The
    caller forgets the cookie session whatever this returns."""
    row_id, token_hash = row.id, row.token_hash
    end(row, "signed-out")
    if commit_if_possible("a staff session's sign-out and its audit entry", record):
        return True
    if commit_if_possible("the end of a signed-out staff session", lambda: _end(row_id)):
        return True
    now = utcnow()
    while len(UNENDED) >= MAX_UNENDED:  # the oldest first (dicts keep their order)
        del UNENDED[next(iter(UNENDED))]
    UNENDED[token_hash] = now
    log.warning(
        "staff session %d signed out on its browser but not ended in the database; "
        "refused by this process until it is",
        row_id,
    )
    return False


def _end(row_id: int) -> None:
    """End the session numbered `row_id` as signed out, unless it has ended already."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.id == row_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason="signed-out")
    )


def end_unended() -> None:
    """Try again to end the sessions signed out while the database refused (UNENDED), at
    most every RETRY_UNENDED; those past the absolute limit are let go (ended by then)."""
    now = utcnow()
    if not UNENDED or (_unended_tried and now - _unended_tried[0] < RETRY_UNENDED):
        return
    _unended_tried[:] = [now]
    for token_hash, signed_out in list(UNENDED.items()):
        if now - signed_out > absolute_limit():
            del UNENDED[token_hash]
    hashes = list(UNENDED)
    if not hashes:
        return
    write = (
        update(StaffSession)
        .where(StaffSession.token_hash.in_(hashes), StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason="signed-out")
    )
    if commit_if_possible("the end of staff sessions signed out earlier",
                          lambda: db.session.execute(write)):  # fmt: skip
        for token_hash in hashes:
            UNENDED.pop(token_hash, None)


def end_all(user: StaffUser, reason: str, keep: StaffSession | None = None) -> None:
    """End every open session of `user`, except `keep` (the caller commits). The sessions
    that had timed out are marked too (their end time kept): a password change, a reset or
    disabling the account ends them on purpose, so a form posted later from such a browser
    is no longer kept as the account's draft (`load`), where whoever signs in next would
    find it."""
    query = update(StaffSession).where(
        StaffSession.user_id == user.id,
        or_(StaffSession.ended_at.is_(None), StaffSession.end_reason.in_(TIMED_OUT)),
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep.id)
    db.session.execute(
        query.values(ended_at=func.coalesce(StaffSession.ended_at, utcnow()), end_reason=reason)
    )


def end_every(reason: str) -> None:
    """End every staff session, of every account (the caller commits). Lapsed sessions are
    marked too, so none of them keeps a late form any more."""
    db.session.execute(
        update(StaffSession)
        .where(or_(StaffSession.ended_at.is_(None), StaffSession.end_reason.in_(TIMED_OUT)))
        .values(ended_at=func.coalesce(StaffSession.ended_at, utcnow()), end_reason=reason)
    )


def expires_at(row: StaffSession) -> datetime:
    """When this session ends if nothing more happens (UTC)."""
    return min(row.last_seen_at + idle_limit(), row.created_at + absolute_limit())


def forget_ended() -> int:
    """Delete the sessions that ended more than KEEP_ENDED ago, and those so old they must
    have ended (past the absolute limit) though no request came to mark them. Returns how
    many (the caller commits)."""
    now = utcnow()
    deleted = cast(
        CursorResult,
        db.session.execute(
            delete(StaffSession).where(
                (StaffSession.ended_at < now - KEEP_ENDED)
                | (StaffSession.created_at < now - absolute_limit() - KEEP_ENDED)
            )
        ),
    )
    return deleted.rowcount


def load() -> None:
    """Find the signed-in member of staff for this request: `g.staff` and `g.staff_session`.

    A session past a limit is ended here. For a while after (KEEP_LAPSED), `g.lapsed`
    names its account on every request from that browser, so a form posted too late (from
    any tab) is kept as a draft for that account instead of being lost. A session ended on
    purpose (signed out, password changed, account disabled) keeps nothing.

    Both writes here can wait: when the database refuses them, the request goes on with
    what was decided (the page still works) and the next request tries again. So can the
    end of the sessions signed out while the database refused it (`end_unended`); until
    then, their cookies, copied or replayed, sign nobody in here.
    """
    g.staff = g.staff_session = g.lapsed = g.lapsed_at = None
    end_unended()
    token = session.get(TOKEN)
    if not isinstance(token, str):
        return
    token_hash = _hash(token)
    if token_hash in UNENDED:  # signed out; the database has not yet taken its end
        session.pop(TOKEN, None)
        return
    row = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash))
    if row is None or not row.user.active:
        session.pop(TOKEN, None)
        return
    now = utcnow()
    ended_at, reason = row.ended_at, row.end_reason
    if ended_at is None and now >= expires_at(row):
        ended_at = now
        reason = "idle" if now < row.created_at + absolute_limit() else "absolute"
        end(row, reason)
        commit_if_possible("the end of a timed-out staff session")
    if ended_at is not None:
        if reason in TIMED_OUT and now - ended_at < KEEP_LAPSED:
            g.lapsed, g.lapsed_at = row.user, ended_at
        else:
            session.pop(TOKEN, None)
        return
    if now - row.last_seen_at > TOUCH_EVERY and not request.path.endswith("/session"):
        row.last_seen_at = now
        commit_if_possible("a staff session's last-seen time")
    g.staff, g.staff_session = row.user, row


def extend() -> None:
    """Keep the current session alive (the idle limit starts again; the absolute one does not)."""
    g.staff_session.last_seen_at = utcnow()
    db.session.commit()


def one_at_a_time(row: object) -> None:
    """Add `row` and hold the signed-in account until the transaction ends, so that two
    posts of one account sent at the same moment (a double click) are looked at one after
    the other: a look made after this for what the other post did (a media upload's,
    `media._uploaded_just_now`; a new item's, `editor._created_just_now`) finds it. As a
    resident's follow-up is added (`feedback.operations.add_follow_up`): on SQLite the
    row's flush takes the database's one write lock; on PostgreSQL the account's row is
    locked. Not its key (FOR NO KEY UPDATE): a row naming the account (a revision, an
    autosave) is still written meanwhile, and never waits on this."""
    db.session.add(row)
    db.session.flush()
    db.session.execute(
        select(StaffUser.id).where(StaffUser.id == g.staff.id).with_for_update(key_share=True)
    )


def hold_administrators() -> None:
    """Hold every active administrator's row until the transaction ends, so that changes
    that could leave the site without one (two administrators each disabling or demoting
    the other at the same moment) are looked at one after the other, as `one_at_a_time`
    holds an account's double click. Called before the change's first write: on
    PostgreSQL the rows are locked in the order of their ids, so two such changes wait for
    each other rather than deadlock, and the one that waited re-reads the rows, leaving
    out an administrator the other has just disabled or demoted; on SQLite the change's
    first write takes the database's one write lock, and what is read after it is the
    database as it is now."""
    db.session.execute(
        select(StaffUser.id)
        .where(StaffUser.role == ADMIN, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
        .with_for_update(key_share=True)
    )


def require(
    role: str, keep: Callable[..., str | None] | None = None
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Decorate a view: signed in with at least `role`, otherwise sign in or 403.

    `keep(user, **view_args)` is called for a form posted after its session lapsed, so the
    text can be kept as a draft for the account it belonged to; it returns why the text
    was not kept, or None.
    """

    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        @wraps(view)
        def wrapper(*args: object, **kwargs: object) -> ResponseReturnValue:
            if g.staff is None:
                if keep is not None and g.lapsed is not None and request.method == "POST":
                    problem = keep(g.lapsed, **kwargs)
                    message = _lapsed_message(problem)
                    if request.htmx:  # an autosave: say so where it reports, stay on the page
                        return message
                    (flash if problem is None else flash_failure)(message)
                    return redirect(url_for("staff.sign_in", next=url_in()), code=303)
                if request.method not in READS:
                    # Whatever the form asked for was not done: say so, and lead back.
                    flash_failure(_not_done_message())
                    return redirect(url_for("staff.sign_in", next=return_address()), code=303)
                # In the page's own language: /en/staff/… leads back to /en/staff/….
                return redirect(url_for("staff.sign_in", next=url_in()))
            if not g.staff.can(role):  # which role it needs, not a bare 403
                return render_template("staff/forbidden.html", needed=role), 403
            if g.staff.must_change_password and request.endpoint not in WHILE_CHANGING:
                # A password an administrator set is changed before anything else is done.
                return redirect(
                    url_for("staff.change_password"),
                    code=303 if request.method not in READS else 302,
                )
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _not_done_message() -> str:
    """What to tell someone whose form (one whose text is not kept: a withdrawal, a
    publication, a change of state) arrived while not signed in: it was not done."""
    if g.lapsed is not None:
        return _("登录已过期，刚才的操作没有完成：请重新登录，回到页面后再做一次。")
    return _("请先登录。刚才的操作没有完成：登录后请回到页面，再做一次。")


def return_address() -> str | None:
    """Where to go back after signing in, for a form posted while not signed in: the page
    the form was on (its Referer, of this site and in this language), else the address it
    was posted to, or the nearest back-office page above either, that opens with a GET (a
    withdrawal's question, the answer to a post, is at an address that takes only posts;
    its item's page is above it). A local path only (`security.safe_next`, which the
    sign-in page checks again); None when there is none: the sign-in page then leads to
    the dashboard."""
    paths = [request.path]
    root = request.url_root  # the scheme, the host and the language's prefix, with "/"
    if request.referrer and request.referrer.startswith(root):
        paths.insert(0, request.referrer[len(root) - 1 :].partition("#")[0])
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for path in paths:
        target, _mark, query = path.partition("?")
        while target.startswith("/staff/"):
            for opening in (target, target.rstrip("/") + "/"):
                try:
                    adapter.match(opening, method="GET")
                except HTTPException:  # none there (404, 405), or a redirect
                    continue
                address = request.script_root + opening + (f"?{query}" if query else "")
                return address if safe_next(address) == address else None
            target, query = target.rstrip("/").rsplit("/", 1)[0], ""  # one level up
    return None


def _lapsed_message(problem: str | None) -> str:
    """What to tell someone whose form arrived after their session ended."""
    if problem:
        return _("登录已过期，您填写的内容没有保存：%(problem)s", problem=problem)
    return _("登录已过期。您填写的内容已保存在服务器上，重新登录后可以继续。")
