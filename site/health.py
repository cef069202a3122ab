"""GET /healthz: whether this app server can serve the site, for a load balancer or a
monitor. 200 "ok" when the database answers, its schema is at the newest migration and the
search index is ready; otherwise 503 with one word per check. Plain text, never cached,
without a session, and nothing in it names a version, a path or an error."""

import functools
import logging

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .database import MIGRATIONS, db
from .mail import outbox
from .site_search.index import site_index

PATH = "/healthz"
# The search backends' words for an index that answers: "null" is the backend chosen to
# keep and find nothing, which is then as ready as it will be.
SEARCH_READY = ("ready", "null")
bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


class PastThePageCache:
    """WSGI: send /healthz straight to the app, past the page cache's layer, which reads
    the database's generation for any anonymous GET (and would fail without one)."""

    def __init__(self, cached, app_itself) -> None:
        self.cached, self.app_itself = cached, app_itself

    def __call__(self, environ, start_response):
        """The app's own answer for /healthz, the page cache's for any other path."""
        if environ.get("PATH_INFO") == PATH:
            return self.app_itself(environ, start_response)
        return self.cached(environ, start_response)


@bp.get(PATH)
def healthz() -> Response:
    """200 "ok", or 503 with the state of each check."""
    states = {"database": database_state(), "search": search_state()}
    if states["database"] == "ok" and states["search"] in SEARCH_READY:
        return plain("ok\n", 200)
    states["mail"] = mail_state(states["database"])
    return plain("".join(f"{check}: {state}\n" for check, state in states.items()), 503)


def answer_first() -> Response | None:
    """Before the other hooks that would read the database (scheduled publication, the page
    cache): answer /healthz at once, so that the checks are its only work."""
    if request.endpoint == "health.healthz":
        return healthz()
    return None


def database_state() -> str:
    """ok, unreachable (no answer to SELECT 1) or outdated (the schema is not at the
    newest migration this code has: `flask db upgrade` has not been run)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("health check: the database did not answer", exc_info=True)
        return "unreachable"
    try:
        revisions = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # no such table: never migrated
        db.session.rollback()
        return "outdated"
    return "ok" if revisions == [newest_migration()] else "outdated"


def search_state() -> str:
    """The search backend's own word for its index (ready, missing, unreadable...)."""
    try:
        return site_index().health()
    except Exception:
        log.warning("health check: the search index did not answer", exc_info=True)
        return "unreadable"


def mail_state(database: str) -> str:
    """off, or how many messages wait in the outbox and how many of them failed before."""
    if not outbox.configured():
        return "off"
    if database == "unreachable":
        return "unknown"
    status = outbox.status()
    return f"{status['waiting']} waiting, {status['failing']} failing"


@functools.cache
def newest_migration() -> str | None:
    """The revision of the newest migration, read once per process."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def plain(body: str, status: int) -> Response:
    """`body` as text that no cache keeps."""
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """The route, and its answer before the other hooks that read the database."""
    app.register_blueprint(bp)
    app.before_request(answer_first)
