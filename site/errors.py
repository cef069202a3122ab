"""Helpful error pages in both languages; never a stack trace."""

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import PendingRollbackError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import WRITE_REFUSED, db

log = logging.getLogger(__name__)
# How long to suggest waiting before trying again, in seconds.
RETRY_AFTER = 60


def handle_http_error(error: HTTPException):
    """Render 404 and other client errors with a way onward."""
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return render_template(template, error=error), error.code, headers


def handle_server_error(error: Exception):
    """Render the 500 page; the details go to the log, not to the visitor."""
    return render_template("errors/500.html"), 500


def handle_database_error(error: Exception):
    """The database refused (disk full, file read-only, locked too long): roll back, so
    nothing half-done stays in this request's session, and say so with a 503."""
    try:
        db.session.rollback()
    except Exception:  # a connection that broke: the teardown discards it anyway
        log.exception("rolling back after a database error failed")
    log.error("database unavailable for %s %s: %s", request.method, request.path, error)
    headers = {"Retry-After": str(RETRY_AFTER)}
    if request.htmx:  # a fragment's place on the page, not a page
        return _("网站暂时无法保存数据，请稍后再试。"), 503, headers
    return render_template("errors/503.html"), 503, headers


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    for refused in (*WRITE_REFUSED, PendingRollbackError):
        app.register_error_handler(refused, handle_database_error)
