"""Staff sessions: one database row per signed-in browser, with idle and absolute limits.

The signed Flask cookie carries a random token; the row is found by the token's hash. Signing
out, changing the password or disabling the account ends the rows, so a copied cookie
stops working at once. The cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..database import db, utcnow
from .models import StaffSession, StaffUser

TOKEN = "staff"
TOUCH_EVERY = timedelta(seconds=30)
KEEP_LAPSED = timedelta(hours=12)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config["STAFF_ABSOLUTE_HOURS"])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: StaffUser) -> None:
    """Sign `user` in: a new cookie session and a new row (the caller commits).

    The session this browser had is ended, so a copy of its old cookie stops working too.
    """
    if g.get("staff_session") is not None:
        end(g.staff_session, "replaced")
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_hash(token), user=user))
    session[TOKEN] = token


def end(row: StaffSession, reason: str) -> None:
    """End one session (the caller commits)."""
    row.ended_at = row.ended_at or utcnow()
    row.end_reason = row.end_reason or reason


def forget() -> None:
    """Drop everything this browser's cookie session holds (after signing out)."""
    session.clear()


def end_all(user: StaffUser, reason: str, keep: StaffSession | None = None) -> None:
    """End every open session of `user`, except `keep` (the caller commits)."""
    query = update(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep.id)
    db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))


def expires_at(row: StaffSession) -> datetime:
    """When this session ends if nothing more happens (UTC)."""
    return min(row.last_seen_at + idle_limit(), row.created_at + absolute_limit())


def load() -> None:
    """Find the signed-in member of staff for this request: `g.staff` and `g.staff_session`.

    A session past a limit is ended here. For a while after (KEEP_LAPSED), `g.lapsed`
    names its account on every request from that browser, so a form posted too late (from
    any tab) is kept as a draft for that account instead of being lost. A session ended on
    purpose (signed out, password changed, account disabled) keeps nothing.
    """
    g.staff = g.staff_session = g.lapsed = None
    token = session.get(TOKEN)
    if not isinstance(token, str):
        return
    row = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    now = utcnow()
    if row is not None and row.user.active and row.ended_at is None and now >= expires_at(row):
        end(row, "idle" if now < row.created_at + absolute_limit() else "absolute")
        db.session.commit()
    if row is None or row.ended_at is not None or not row.user.active:
        timed_out = row is not None and row.end_reason in ("idle", "absolute")
        if timed_out and row.user.active and now - row.ended_at < KEEP_LAPSED:
            g.lapsed = row.user
        else:
            session.pop(TOKEN, None)
        return
    if now - row.last_seen_at > TOUCH_EVERY and not request.path.endswith("/session"):
        row.last_seen_at = now
        db.session.commit()
    g.staff, g.staff_session = row.user, row


def extend() -> None:
    """Keep the current session alive (the idle limit starts again; the absolute one does not)."""
    g.staff_session.last_seen_at = utcnow()
    db.session.commit()


def require(role: str, keep=None):
    """Decorate a view: signed in with at least `role`, otherwise sign in or 403.

    `keep(user, **view_args)` is called for a form posted after its session lapsed, so the
    text can be kept as a draft for the account it belonged to.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.staff is None:
                if keep is not None and g.lapsed is not None and request.method == "POST":
                    keep(g.lapsed, **kwargs)
                    message = _("登录已过期。您填写的内容已保存在服务器上，重新登录后可以继续。")
                    if request.htmx:  # an autosave: say so where it reports, stay on the page
                        return message
                    flash(message)
                    return redirect(url_for("staff.sign_in", next=request.path), code=303)
                if request.method != "GET":
                    flash(_("请先登录。"))
                    return redirect(url_for("staff.sign_in"), code=303)
                return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
            if not g.staff.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
