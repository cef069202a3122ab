"""gunicorn's access log without what a URL must not leave behind: a resident's private
status link (whose token opens what they wrote) is logged as /feedback/status/… , an
alerts link (whose token changes or cancels someone's alerts) as /alerts/manage/… , what a
resident searched for (it may name their condition) as q=… , whom a place or a contact
must suit (the finder's 我需要 and the contacts' 适合谁: a disability) as need=… , and where
they are (the finder's "use my location") as lat=…&lon=… . Served with
`--logger-class barrierfree.access_log.AccessLogger` (the Makefile's SERVE)."""

import logging
import re
from datetime import timedelta
from typing import TypeVar

from gunicorn.config import Config
from gunicorn.glogging import Logger

PRIVATE = re.compile(
    r"(/feedback/status/|/alerts/(?:confirm|manage|unsubscribe)/)[^/?#\s]+"
    r"|((?:^|[?&])(?:q|need|lat|lon)=)[^&#\s]*"
)


_T = TypeVar("_T")


def redacted(text: _T) -> _T | str:
    """`text` with the token of any private link, any query typed, any need chosen and
    any position replaced by "…"."""
    return (
        PRIVATE.sub(lambda m: (m.group(1) or m.group(2)) + "…", text)
        if isinstance(text, str)
        else text
    )


class PrivateLinksHidden(logging.Filter):
    """A log line without what `redacted` hides: Flask logs a request that failed as
    "Exception on <path>", gunicorn as "Error handling request <path>"."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message; always keep the record."""
        record.msg, record.args = redacted(record.getMessage()), None
        return True


class AccessLogger(Logger):
    """gunicorn's logger, with every value a format could name redacted (the request line,
    the path, the referrer, each header and WSGI variable), and its error log's lines too."""

    def setup(self, cfg: Config) -> None:
        """gunicorn's setup, and the error log's lines redacted."""
        super().setup(cfg)
        self.error_log.addFilter(PrivateLinksHidden())

    def atoms(
        self, resp: object, req: object, environ: dict[str, object], request_time: timedelta
    ) -> dict[str, object]:
        """gunicorn's values for the access log format, each redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redacted(value) for key, value in atoms.items()}
