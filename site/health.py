"""GET /healthz: whether this app server can serve the site, for a load balancer or a
monitor. 200 when it can: the database answers, its schema is not behind this code's
migrations and the plan's content is in it; otherwise 503. The body names each check's
state in a word: the database (ok, unreachable, behind, ahead: migrated by the next
release, as in a rolling deploy), the content (loaded; empty: migrated but `flask content
load` never ran, so every page would be empty; unknown: the database cannot be read) and
the search index (ready, missing, unreadable: rebuilt in the background while pages are
served, so not a reason to take the server out). Plain text, never cached, without a
session, and nothing in it names a version, a path, an error or a count."""

import functools
import logging
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, request
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from .database import MIGRATIONS, db
from .errors import database_error_summary
from .plan.models import PlanPart
from .site_search.index import site_index

PATH = "/healthz"
# The database's states in which this server can serve. `ahead` is safe because a migration
# that takes away what older code uses ships only in a release after the code stopped using
# it (CONTRIBUTING.md, "Add a migration": expand, then contract), so a server one release
# behind still finds all it reads. 0016 and 0020 came before the rule (their CONTRACTS).
SERVING = ("ok", "ahead")
# The content's state in which this server can serve: a site without the plan would send
# residents to empty pages while answering 200.
LOADED = "loaded"
bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


class PastThePageCache:
    """WSGI: send /healthz straight to the app, past the page cache's layer, which reads
    the database's generation for any anonymous GET (and would fail without one)."""

    def __init__(self, cached: WSGIApplication, app_itself: WSGIApplication) -> None:
        self.cached, self.app_itself = cached, app_itself

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The app's own answer for /healthz, the page cache's for any other path."""
        if environ.get("PATH_INFO") == PATH:
            return self.app_itself(environ, start_response)
        return self.cached(environ, start_response)


@bp.get(PATH)
def healthz() -> Response:
    """200 or 503, with the state of each check."""
    database = database_state()
    states = {
        "database": database,
        "content": content_state() if database in SERVING else "unknown",
        "search": search_state(),
    }
    body = "".join(f"{check}: {state}\n" for check, state in states.items())
    serving = database in SERVING and states["content"] == LOADED
    return plain(body, 200 if serving else 503)


def answer_first() -> Response | None:
    """Before the other hooks that would read the database (scheduled publication, the page
    cache): answer /healthz at once, so that the checks are its only work. OPTIONS is
    Flask's (the methods allowed)."""
    if request.endpoint == "health.healthz" and request.method in ("GET", "HEAD"):
        return healthz()
    return None


def database_state() -> str:
    """ok; unreachable (no answer to SELECT 1); behind (not migrated to this code's newest
    migration: `flask db upgrade` has not been run); ahead (migrated by newer code)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: the database did not answer: %s", database_error_summary(error))
        return "unreachable"
    try:
        revisions = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # no such table: never migrated
        db.session.rollback()
        return "behind"
    if revisions == [newest_migration()]:
        return "ok"
    known = {script.revision for script in migrations().walk_revisions()}
    return "behind" if set(revisions) <= known else "ahead"


def content_state() -> str:
    """loaded (the plan is in the database: `flask content load` has run); empty (the schema
    is there but nothing was loaded, as after `flask db upgrade` alone); unknown (the plan's
    table could not be read). The plan's parts stand for the whole load, which writes them
    with the rest in one transaction."""
    try:
        part = db.session.scalar(select(PlanPart.id).limit(1))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: the plan could not be read: %s", database_error_summary(error))
        return "unknown"
    return "empty" if part is None else LOADED


def search_state() -> str:
    """The search backend's own word for its index (ready, missing, unreadable...)."""
    try:
        return site_index().health()
    except Exception:
        log.warning("health check: the search index did not answer", exc_info=True)
        return "unreadable"


@functools.cache
def migrations() -> ScriptDirectory:
    """This code's migrations, read once per process."""
    return ScriptDirectory(str(MIGRATIONS))


def newest_migration() -> str | None:
    """The revision of this code's newest migration."""
    return migrations().get_current_head()


def plain(body: str, status: int) -> Response:
    """`body` as text that no cache keeps."""
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """The route, and its answer before the other hooks that read the database."""
    app.register_blueprint(bp)
    app.before_request(answer_first)
