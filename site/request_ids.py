"""Request ids: a short random name for each request, so that staff can find the lines a
request left in the logs. A resident or a member of staff reads it on the site's 500 and 503
pages ("如需联系我们，请说明编号 …"), on a form shown again with a 503 and in htmx's 503
fragment, and can quote it; it is in the access log line
(`access_log.AccessLogger`), in every line the site logs while it answers, the search
package's included (`IdInRecords`; "-" outside a request) and in the `X-Request-ID` header
of every response, a page from the page cache's included.

An id is 16 random hexadecimal digits and holds nothing about the visitor: not their
address, not the time, not what they asked for. Only when the site is told that the proxy
in front of it sets `X-Request-ID` itself, overwriting whatever a visitor sent
(TRUST_REQUEST_ID, with PROXY_HOPS; nginx: `proxy_set_header X-Request-ID $request_id;`, as
deploy/nginx.conf does), is the proxy's id taken instead, so that its log and the site's
share one, and then only when it is 8 to 64 letters, digits, dots, underscores or hyphens;
anything else is replaced by a new one, so no header writes what it likes into the log.
Otherwise, behind a proxy that passes the header on as a visitor wrote it too, the id is
always the site's own: a visitor never chooses it (a phone number, an id a resident
quoted)."""

import logging
import re
import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask
from flask.logging import default_handler, has_level_handler

if TYPE_CHECKING:
    from _typeshed import OptExcInfo

HEADER = "X-Request-ID"
# Where the id is kept in the WSGI environment, for the access log (`{…}e` to gunicorn).
ENVIRON_KEY = "barrierfree.request_id"
# An id from the proxy that the site takes as it is (nginx's $request_id is 32 hex digits).
INCOMING = re.compile(r"[A-Za-z0-9._-]{8,64}")
# What a log line names outside any request (start-up, the periodic checks' thread).
NO_REQUEST = "-"
# Flask's own format for the app's log lines, with the id after the module.
LOG_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s [%(request_id)s]: %(message)s"

# The loggers of the site's own code outside the app's (`barrierfree.*`): the search package
# (search.index, search.postgres).
OTHER_LOGGERS = ("search",)

_current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current() -> str:
    """The id of the request being answered, or "-" outside one."""
    return _current.get()


def new_id() -> str:
    """A new id: 64 random bits as 16 hexadecimal digits."""
    return secrets.token_hex(8)


def incoming(environ: WSGIEnvironment) -> str | None:
    """The id the proxy sent, when it has the form INCOMING allows; else None."""
    sent = environ.get("HTTP_X_REQUEST_ID", "")
    return sent if INCOMING.fullmatch(sent) else None


class RequestIds:
    """WSGI, outside every other layer: give the request its id (in the environment and for
    the log records), and send it back in the `X-Request-ID` header of the response."""

    def __init__(self, wsgi_app: WSGIApplication, trust_incoming: bool) -> None:
        self.wsgi_app, self.trust_incoming = wsgi_app, trust_incoming

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The app's answer, with the request's id in its headers."""
        request_id = (incoming(environ) if self.trust_incoming else None) or new_id()
        environ[ENVIRON_KEY] = request_id

        def with_id(
            status: str, headers: list[tuple[str, str]], exc_info: "OptExcInfo | None" = None
        ) -> Callable[[bytes], object]:
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            return start_response(status, [*headers, (HEADER, request_id)], exc_info)

        token = _current.set(request_id)
        try:
            return self.wsgi_app(environ, with_id)
        finally:
            _current.reset(token)


class IdInRecords(logging.Filter):
    """Give each log record the id of the request it was written in (`request_id`), for
    LOG_FORMAT; "-" outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Name the record's request; always keep the record."""
        record.request_id = current()
        return True


def init_app(app: Flask) -> None:
    """Wrap the app in `RequestIds` (call it last, so that it is the outermost layer and
    every answer carries an id), put the id in the app's log lines and give the templates
    `request_id()`."""
    trust_incoming = app.config.get("TRUST_REQUEST_ID") is True and bool(
        app.config.get("PROXY_HOPS")
    )
    app.wsgi_app = RequestIds(app.wsgi_app, trust_incoming)  # type: ignore[method-assign]
    # The site's loggers (barrierfree.*) all write through Flask's handler; one filter for
    # every app of the process. A logging set-up of your own adds IdInRecords to its handlers.
    if not any(isinstance(known, IdInRecords) for known in default_handler.filters):
        default_handler.addFilter(IdInRecords())
        default_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    write_other_loggers_through_flask_s_handler()
    app.add_template_global(current, "request_id")


def write_other_loggers_through_flask_s_handler() -> None:
    """Give the loggers of OTHER_LOGGERS Flask's handler, as Flask gives it to the app's
    logger: only when nothing on their way up would write their lines (the served site,
    where no logging is set up and Python printed them bare, with no time, level or request
    id). Their lines then carry the request's id and keep database errors' details out
    (`errors.DatabaseDetailsHidden`, on that handler) like the app's. The root logger is left
    alone: a process that embeds the site and sets up logging of its own has a handler there,
    so these lines go to it, and that set-up adds IdInRecords as the README says."""
    for name in OTHER_LOGGERS:
        logger = logging.getLogger(name)
        if not has_level_handler(logger):
            logger.addHandler(default_handler)
