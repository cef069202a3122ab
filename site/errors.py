"""Helpful error pages in both languages; never a stack trace. Before them, the answers to
addresses no link of the site makes: a query string that is not UTF-8, a path with empty
segments."""

import logging
import re
import sqlite3
import traceback
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from urllib.parse import quote
from wsgiref.types import WSGIEnvironment

from flask import Flask, Response, current_app, make_response, redirect, render_template
from flask.globals import request_ctx
from flask.logging import default_handler
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from htmx_flask import request
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError, IntegrityError, PendingRollbackError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, Conflict, HTTPException, InternalServerError

from . import page_cache, security
from .access_log import PrivateLinksHidden, redacted
from .database import WRITE_REFUSED, db

log = logging.getLogger(__name__)
# How long to suggest waiting before trying again, in seconds.
RETRY_AFTER = 60
# What a public form that the database refused says, shown again with all that was typed.
NOT_RECEIVED = _l("网站暂时无法保存，所以没有收到。您写的内容还在下面，请过几分钟再提交一次。")


class UnreadableAddress(BadRequest):
    """An address whose query string is not UTF-8: no link or form of the site makes one,
    and Werkzeug cannot read its arguments (it would raise in whichever view asks)."""

    message = _l(
        "网址里有无法识别的字符，可能是复制网址时弄坏了。请检查网址，或者回到首页重新查找。"
    )


class DoneTwice(Conflict):
    """A write the database refused because the same thing was just done by another
    request (a form sent twice at once, a name taken a moment before)."""

    message = _l(
        "这次操作没有完成：同一时间有另一次相同的操作（比如表单提交了两次），"
        "可能已经完成了。请回到刚才的页面，刷新看看结果。"
    )


def refuse_unreadable_address() -> None:
    """Answer 400 to an address whose query string is not UTF-8, before anything reads it."""
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableAddress() from None


# What a path and a query string redirected to keep as they are (RFC 3986's pchar, and "/" and
# "?"); anything else is percent-encoded, a backslash among them: browsers read one as a
# slash, and "/\host" as another site.
PATH_CHARACTERS = "!$&'()*+,;=:@/"
QUERY_CHARACTERS = PATH_CHARACTERS + "?%"


def has_repeated_slashes(environ: WSGIEnvironment) -> bool:
    """True for a request whose path has an empty segment (/en//, //services/, /a//b). Werkzeug
    drops the slashes at the start of a request's path, so //about was served, from the page
    cache too, as /about: one page at many addresses."""
    return "//" in environ.get("PATH_INFO", "")


def redirect_repeated_slashes() -> ResponseReturnValue | None:
    """A permanent redirect from a path with repeated slashes to the same path with each run
    of them one slash, the query string kept: 308, which keeps the method and the body (a
    form posted there arrives as it was sent), as Werkzeug's own redirects of the site's
    routes do. The address is always on this site: it starts with one slash."""
    environ = request.environ
    if not has_repeated_slashes(environ):
        return None
    # WSGI's strings hold the bytes as sent (as Latin-1): the path percent-decoded, the query
    # string as it came.
    path = security.REPEATED_SLASHES.sub("/", environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"])
    location = "/" + quote(path.lstrip("/").encode("latin-1"), safe=PATH_CHARACTERS)
    query = environ.get("QUERY_STRING", "")
    if query:
        location += "?" + quote(query.encode("latin-1"), safe=QUERY_CHARACTERS)
    return redirect(location, 308)


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """Render 404 and other client errors with a way onward."""
    if request_ctx.url_adapter is None:
        return unaddressable(error.code or 400)
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    message = getattr(error, "message", None)
    return render_template(template, error=error, message=message), error.code or 400, headers


def handle_server_error(error: Exception) -> ResponseReturnValue:
    """Render the 500 page; the details go to the log, not to the visitor."""
    if request_ctx.url_adapter is None:
        return unaddressable(500)
    return render_template("errors/500.html"), 500


def unaddressable(code: int) -> tuple[str, int, dict[str, str]]:
    """The answer to a request whose site address cannot be read (a malformed Host header,
    from a broken client rather than a person): no page with links can be built for it,
    so a line in both languages (a host Werkzeug does not route: one the trusted hosts leave
    out; `security.UnreadableHostRefused` answers the others before they get here)."""
    return security.UNADDRESSABLE, code, {"Content-Type": "text/plain; charset=utf-8"}


def roll_back_refused(error: Exception) -> dict:
    """After the database refused (disk full, file read-only, locked too long): roll back,
    so nothing half-done stays in this request's session, and log it (the statement, not
    its values); the headers of the 503 to send."""
    try:
        db.session.rollback()
    except Exception:  # a connection that broke: the teardown discards it anyway
        log.exception("rolling back after a database error failed")
    log.error(
        "database unavailable for %s %s: %s",
        request.method,
        redacted(request.path),
        database_error_summary(error),
    )
    return {"Retry-After": str(RETRY_AFTER)}


def handle_database_error(error: Exception) -> ResponseReturnValue:
    """The database refused: say so with a 503 (a form that must keep what was typed
    handles this itself, with `roll_back_refused`); a page the page cache kept a last good
    copy of is that copy, marked as old (`last_good_page`), never to be kept as current."""
    headers = roll_back_refused(error)
    reading = request.method in security.READS  # nothing was being saved
    copy = page_cache.last_copy() if reading else None
    page = last_good_page(*copy) if copy is not None else None
    if page is not None:
        return page, 503, {**headers, "Cache-Control": "no-store"}
    if request.htmx:  # a fragment's place on the page, not a page: text, with the id
        if reading:
            message = _("网站暂时读不到数据，请稍后再试。")
        else:
            message = _("网站暂时无法保存数据，请稍后再试。")
        fragment = render_template("errors/503_fragment.html", message=message, inline=True)
        return fragment.strip(), 503, headers
    back_office = security.is_back_office(request.path)
    return (
        render_template("errors/503.html", reading=reading, back_office=back_office),
        503,
        headers,
    )


# Where a page's main content starts; its title; and what components/open_status.html says of
# now (words alone, in a span of that class).
MAIN_START = re.compile(r"<main\b[^>]*>")
TITLE = re.compile(r"(?<=<title>)(.*?)(?=</title>)", re.DOTALL)
OPEN_STATUS = re.compile(r'<span class="open-status\b[^"]*">[^<]*</span>')
# The next opening of a place (facilities/detail.html), said from the time the page was built.
NEXT_OPENING = re.compile(r'\n?<p class="next-opening">.*?</p>', re.DOTALL)


def last_good_page(saved_at: datetime, page: str) -> str | None:
    """A page's last good copy (`page_cache.last_copy`, stored at `saved_at`) as it is sent
    while the database does not answer: its title says it is an old copy; the notice first
    in its main content says so too, and when it was stored (errors/_last_good_notice.html);
    and whether a place is open now, which the copy cannot know, is unknown, and when it
    next opens (said from when the copy was kept: "今天 14:00" may have passed) is left
    out; the hours stay. (A copy is sent only on the day it was kept, `page_cache.last_copy`,
    so its "today" and "tomorrow" still hold.) None for a page without a main content."""
    unknown = Markup('<span class="open-status">{}</span>').format(_("现在是否开放：暂时无法确认"))
    page = OPEN_STATUS.sub(lambda _found: unknown, page)
    page = NEXT_OPENING.sub("", page)
    page = TITLE.sub(lambda title: _("（旧副本）%(title)s", title=title[1]), page, count=1)
    main = MAIN_START.search(page)
    if main is None:
        return None
    notice = render_template("errors/_last_good_notice.html", saved_at=saved_at)
    return page[: main.end()] + notice + page[main.end() :]


def explain_expired(message: str, instead: str | None = None) -> str:
    """What a resident's form says when its page has expired (`message`: nothing was done),
    followed, when this request carried no session cookie, by why that may happen again
    and what to do: allow the site's cookie, or `instead` (another way to do it; calling
    12345 by default). The one explanation of the feedback forms, the alerts' forms and the
    eligibility check: each carries a token checked against the session cookie, and a
    browser that refuses the cookie never sends it back, so the form would come back as
    expired however often it is sent."""
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        return message
    why = _(
        "如果再提交还是看到这句话，可能是浏览器不保存本站的 Cookie：请允许本站使用"
        " Cookie（只用来确认表单是您从本站提交的）。"
    )
    return " ".join((message, why, instead or _("也可以打电话 12345。")))


def refused_form(error: Exception, form_page: Callable, kept: Callable) -> ResponseReturnValue:
    """A posted form the database refused to save (disk full, read-only): `form_page()`,
    the form again with what was typed (503); when it is None or the database does not even
    read, the text alone to copy (`kept()`: (label, text) pairs); either with the request's
    id to quote, as on the 503 page. Anything but a POST gets `handle_database_error`."""
    if request.method != "POST":
        return handle_database_error(error)
    headers = roll_back_refused(error)
    page = None
    try:
        page = form_page()
    except SQLAlchemyError:  # the database does not even read: no form can be built
        db.session.rollback()
    if page is None:
        typed = [(label, text) for label, text in kept() if text.strip()]
        page = render_template("errors/503.html", kept=typed), 503
        response = make_response(page)
    else:
        response = with_reference(make_response(page))
    response.headers.update(headers)
    return response


# A form's error summary (components/error_summary.html) up to its end: it holds no other
# `div`, so the first `</div>` after its start closes it.
ERROR_SUMMARY_END = re.compile(r"<div\b[^>]*\bdata-error-summary\b[^>]*>.*?(?=</div>)", re.DOTALL)
MAIN_END = "</main>"


def with_reference(response: Response) -> Response:
    """A form page shown again with a 503, with the request's id to quote, as the 503 page
    has it (errors/_reference.html): at the end of the error summary that says nothing was
    saved, read out with it; without one, at the end of the main content."""
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    page = response.get_data(as_text=True)
    reference = render_template("errors/_reference.html")
    summary = ERROR_SUMMARY_END.search(page)
    if summary is not None:
        at = summary.end()
    elif MAIN_END in page:
        at = page.rindex(MAIN_END)
    else:
        return response
    response.set_data(page[:at] + reference + "\n" + page[at:])
    return response


def handle_integrity_error(error: IntegrityError) -> ResponseReturnValue:
    """A unique name or key taken by another request at the same moment: 409, not 500.
    Any other broken constraint is a fault, left to the 500 page and the log (in its short
    form: `DatabaseDetailsHidden`; PostgreSQL's message quotes the failing row)."""
    constraint = _unique_constraint(error.orig)
    if constraint is None:
        raise error
    db.session.rollback()
    # The constraint, never the values (PostgreSQL's message names them: an email address).
    log.warning("write refused as a duplicate, %s %s: %s",
                request.method, redacted(request.path), constraint)  # fmt: skip
    return handle_http_error(DoneTwice())


def _unique_constraint(orig: BaseException | None) -> str | None:
    """The unique constraint a database error broke, by name; None for any other error."""
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL's unique_violation
        return getattr(getattr(orig, "diag", None), "constraint_name", None) or "unique"
    text = str(orig)
    if text.startswith("UNIQUE constraint failed"):  # SQLite: table.column, no values
        return text
    return None


# A quoted value at the end of a database message's first line (PostgreSQL's `invalid input
# syntax for type integer: "…"`), which may be what a resident typed.
QUOTED_VALUE = re.compile(r':\s*".*$')
# The longest first line of a database message, and of its statement, the log keeps.
FIRST_LINE_LIMIT = STATEMENT_LIMIT = 300


def is_database_error(error: BaseException) -> bool:
    """True for an error of the database: SQLAlchemy's wrapper of a driver's error, the
    session's refusal after one, or the driver's own (sqlite3, psycopg)."""
    return isinstance(error, (DBAPIError, PendingRollbackError, sqlite3.Error)) or type(
        error
    ).__module__.startswith("psycopg")


def database_error_summary(error: BaseException) -> str:
    """A database error as the log may keep it: its class (and the driver's), PostgreSQL's
    SQLSTATE and constraint name, the first line of its message without a value it quotes,
    and the statement (with its placeholders). The hidden parameters (`hide_parameters`)
    keep bound values out of SQLAlchemy's text, but PostgreSQL writes the values into the
    message itself: `DETAIL: Failing row contains (…)`, `Key (email)=(…)`, a resident's
    words or address. The one form in which a database error reaches the log
    (`DatabaseDetailsHidden` gives it to every line)."""
    orig = getattr(error, "orig", None)
    driver = orig if isinstance(orig, BaseException) else error
    parts = [type(error).__name__]
    if driver is not error:
        parts[0] += f" ({type(driver).__name__})"
    sqlstate = getattr(driver, "sqlstate", None)
    if sqlstate:
        parts.append(f"SQLSTATE {sqlstate}")
    constraint = getattr(getattr(driver, "diag", None), "constraint_name", None)
    if constraint:
        parts.append(f"constraint {constraint}")
    lines = str(driver).strip().splitlines()
    first = lines[0].partition("DETAIL:")[0] if lines else ""
    first = QUOTED_VALUE.sub(': "…"', first.strip())[:FIRST_LINE_LIMIT]
    summary = ", ".join(parts) + (f": {first}" if first else "")
    statement = getattr(error, "statement", None)
    if statement:  # its values are bound parameters, which it never shows
        summary += f" [SQL: {' '.join(str(statement).split())[:STATEMENT_LIMIT]}]"
    return summary


class DatabaseDetailsHidden(logging.Filter):
    """A log line with a database error in its short form (`database_error_summary`): an
    error logged with its traceback (Flask's "Exception on …" for an error no handler
    answered, `log.exception`) keeps the traceback's frames, which hold code, not values,
    but loses the messages of the error and of those chained to it; an error given as an
    argument is given as its summary."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record when it carries a database error; always keep it."""
        if record.exc_info and record.exc_info[1] is not None:
            _kind, raised, frames = record.exc_info
            found = _database_error_in(raised)
            if found is not None:
                summary = database_error_summary(found)
                if found is not raised:
                    summary = f"{type(raised).__name__} after {summary}"
                record.msg, record.args = f"{record.getMessage()}: {summary}", None
                record.msg += _frames(frames)
                record.exc_info, record.exc_text = None, None
        if isinstance(record.args, tuple):
            record.args = tuple(
                database_error_summary(arg)
                if isinstance(arg, BaseException) and is_database_error(arg)
                else arg
                for arg in record.args
            )
        return True


def _database_error_in(raised: BaseException) -> BaseException | None:
    """`raised`, or the first error it was raised from or while handling, that is a
    database error; None when none is."""
    seen: set[int] = set()
    error: BaseException | None = raised
    while error is not None and id(error) not in seen:
        if is_database_error(error):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _frames(frames: TracebackType | None) -> str:
    """The traceback's frames (file, line, function, code), without any error's message."""
    if frames is None:
        return ""
    return "\nTraceback (most recent call last):\n" + "".join(traceback.format_tb(frames)).rstrip()


def init_app(app: Flask) -> None:
    """Register the handlers, and keep private links and database errors' details out of
    the app's log."""
    # One logger for every app of the process, so each filter is added once. The database
    # details go first, before PrivateLinksHidden writes the arguments into the message.
    if not any(isinstance(known, DatabaseDetailsHidden) for known in app.logger.filters):
        app.logger.addFilter(DatabaseDetailsHidden())
    # The site's other loggers (barrierfree.*) reach the log through Flask's handler.
    if not any(isinstance(known, DatabaseDetailsHidden) for known in default_handler.filters):
        default_handler.addFilter(DatabaseDetailsHidden())
    if not any(isinstance(known, PrivateLinksHidden) for known in app.logger.filters):
        app.logger.addFilter(PrivateLinksHidden())
    # A logger's filters see only its own records, not those its children pass up
    # (barrierfree.feedback, search.postgres …): the handler redacts those.
    if not any(isinstance(known, PrivateLinksHidden) for known in default_handler.filters):
        default_handler.addFilter(PrivateLinksHidden())
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    for refused in (*WRITE_REFUSED, PendingRollbackError):
        app.register_error_handler(refused, handle_database_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
