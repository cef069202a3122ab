"""gunicorn's access log without what a URL must not leave behind: a resident's private
status link (whose token opens what they wrote) is logged as /feedback/status/… , an
alerts link (whose token changes or cancels someone's alerts) as /alerts/manage/… , and the
value of every query parameter but the few that say nothing of the visitor
(`LOGGED_PARAMETERS`) as … : what a resident searched for (q, which may name their
condition), whom a place or a contact must suit (need), how they can be reached (the
contacts' channel: sign language, text relay), what kind of place they look for (type: a
reading room for the blind), where they live or are (township, lat and lon), and any
parameter added later, until someone decides it is harmless; a cookie's value (the sent
page's receipt holds the status token) and the CSRF token htmx sends in a header as … .
Nor does it hold the visitor's network address, in any form a format could name (%(h)s,
the forwarded headers, the WSGI variables, gunicorn's socket): the feedback form promises
residents it is not kept, and behind the proxy ProxyFix puts the real address where
gunicorn's %(h)s reads it. Each line ends with the request's id (`request_ids`), which the
site's 500 and 503 pages show and its own log lines name. Served with
`--logger-class barrierfree.access_log.AccessLogger` (the Makefile's SERVE)."""

import logging
import re
import traceback
from datetime import timedelta
from typing import TypeVar
from urllib.parse import unquote, unquote_plus

from gunicorn.config import Config
from gunicorn.glogging import Logger

from .request_ids import ENVIRON_KEY

# The only parameters whose values are logged, by their names as Werkzeug reads them
# (`unquote_plus`, as `parse_qsl` does: ?p%61ge=2 is page): a page number, the kind of result
# searched (service, place, update), the finder's and the contacts' "open now", the back
# office's state flags and draft names. Any other value, a filter's included (a filter
# names a need, a way to be reached, a kind of place or a township), is "…".
LOGGED_PARAMETERS = frozenset(
    {
        "page",
        "kind",
        "open",
        "from",
        "version",
        "saved",
        "confirmed",
        "overdue",
        "purge_soon",
        "draft",
    }
)
# Between the parts of a private link's address: a slash, or several, or one percent-encoded
# (gunicorn decodes the path, and Werkzeug routes /feedback//status/… by its redirect and
# /feedback%2Fstatus/… as /feedback/status/…: the request line holds them as they came).
# Taken whole (possessive), and only from where a run starts: a line of thousands of slashes
# is read once, not once from each of them.
SLASHES = r"(?:/|%2[Ff])++"
RUN_STARTS = r"(?<!/)(?<!%2F)(?<!%2f)"
PRIVATE = re.compile(
    rf"({RUN_STARTS}{SLASHES}feedback{SLASHES}status{SLASHES}"
    rf"|{RUN_STARTS}{SLASHES}alerts{SLASHES}(?:confirm|manage|unsubscribe){SLASHES})[^/?#\s]+"
    r"|(\bip=)\S+?(?=:?\s|$)"  # gunicorn's own "Invalid request from ip=…" in the error log
    # A parameter: its name (no "?" or "/", which no private name holds, so that a path
    # and its query are not read as one name), then its value.
    r"|((?:^|[?&])([^=&#?/\s]*)=)([^&#\s]*)"
)
# The atoms that hold a visitor's address: %(h)s, the headers a proxy or a client names it
# in ({x-forwarded-for}i and the like) and the WSGI variables that hold it ({remote_addr}e,
# the original values ProxyFix keeps, and gunicorn's socket, written with both its ends).
ADDRESS_ATOMS = re.compile(
    r"h|\{(?:remote_addr|remote_port|werkzeug\.proxy_fix\.orig|gunicorn\.socket"
    r"|(?:http_)?(?:x[-_]forwarded[-_]for|forwarded|x[-_]real[-_]ip|x[-_]client[-_]ip"
    r"|true[-_]client[-_]ip|cf[-_]connecting[-_]ip|client[-_]ip))\}[ie]"
)

# The atoms of the cookies a request sends and a response sets (the request's Cookie header,
# its WSGI variable, and the response's Set-Cookie): each value is hidden. The sent page's
# receipt cookie holds a resident's status token (signed, not encrypted), the session the
# form's CSRF token.
COOKIE_ATOMS = re.compile(r"\{(?:cookie\}i|http_cookie\}e|set-cookie\}o)")
COOKIE_VALUE = re.compile(r"=[^;]*")
# The headers htmx sends the back office's CSRF token in, and one a client signs in with: each
# value is "…" (as a header, "{x-csrftoken}i", and as a WSGI variable).
SECRET_ATOMS = re.compile(r"\{(?:http_)?(?:x[-_]csrf[-_]?token|authorization)\}[ie]")


# Added to the end of whatever access log format gunicorn is given: the request's id, "-" for
# a request gunicorn answered itself (a request line it could not read).
REQUEST_ID_ATOM = f" %({{{ENVIRON_KEY}}}e)s"

_T = TypeVar("_T")


def redacted(text: _T) -> _T | str:
    """`text` with the token of any private link and the value of any parameter but
    `LOGGED_PARAMETERS` replaced by "…". A line whose private link only its decoded form shows
    (/feedback/st%61tus/…, which Werkzeug routes as the status page) is logged decoded."""
    if not isinstance(text, str):
        return text
    line: str = text
    if "%" in line and not _names_a_private_link(line):
        decoded = unquote(line)
        if _names_a_private_link(decoded):
            line = decoded
    return PRIVATE.sub(_hidden, line)


def _names_a_private_link(text: str) -> bool:
    return any(found[1] for found in PRIVATE.finditer(text))


def _hidden(found: re.Match[str]) -> str:
    """What `PRIVATE` found, as it is logged: a token or an address as "…"; a parameter's
    value as it is (what it holds redacted in turn) when its name, decoded as Werkzeug
    decodes it, is one of `LOGGED_PARAMETERS`, else as "…"."""
    link, address, parameter, name, value = found.groups()
    if link or address:
        return (link or address) + "…"
    if unquote_plus(name) not in LOGGED_PARAMETERS:
        return parameter + "…"
    return parameter + PRIVATE.sub(_hidden, value)


class PrivateLinksHidden(logging.Filter):
    """A log line without what `redacted` hides: Flask logs a request that failed as
    "Exception on <path>", gunicorn as "Error handling request <path>"."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message; always keep the record."""
        record.msg, record.args = redacted(record.getMessage()), None
        return True


class AccessLogger(Logger):
    """gunicorn's logger, with every value a format could name redacted (the request line,
    the path, the referrer, each header and WSGI variable), the cookies' values and the
    visitor's address left out ("…", "-"), and its error log's lines redacted too."""

    def setup(self, cfg: Config) -> None:
        """gunicorn's setup, and the error log's lines redacted."""
        super().setup(cfg)
        self.error_log.addFilter(PrivateLinksHidden())

    def access(
        self, resp: object, req: object, environ: dict[str, object], request_time: timedelta
    ) -> None:
        """gunicorn's access log line (as `Logger.access` writes it), the request's id at
        its end."""
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        try:
            self.access_log.info(self.cfg.access_log_format + REQUEST_ID_ATOM, atoms)
        except Exception:
            self.error(traceback.format_exc())

    def atoms(
        self, resp: object, req: object, environ: dict[str, object], request_time: timedelta
    ) -> dict[str, object]:
        """gunicorn's values for the access log format, each redacted, none an address."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: _logged(key, value) for key, value in atoms.items()}


def _logged(key: str, value: object) -> object:
    """An atom's value as the access log writes it: an address as "-", a cookie's value and
    a CSRF token or credentials sent in a header as "…", anything else `redacted`."""
    if ADDRESS_ATOMS.fullmatch(key):
        return "-"
    if COOKIE_ATOMS.fullmatch(key) and isinstance(value, str):
        return COOKIE_VALUE.sub("=…", value)
    if SECRET_ATOMS.fullmatch(key):
        return "…"
    return redacted(value)
