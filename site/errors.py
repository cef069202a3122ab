"""Helpful error pages in both languages; never a stack trace."""

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError


def handle_http_error(error: HTTPException):
    """Render 404 and other client errors with a way onward."""
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return render_template(template, error=error), error.code, headers


def handle_server_error(error: Exception):
    """Render the 500 page; the details go to the log, not to the visitor."""
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
