"""Outgoing email (see outbox.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The outbox's table."""
    from . import models as _models  # noqa: F401
