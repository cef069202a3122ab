"""Email alerts for notices (see views.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The subscriptions' table."""
    from . import models as _models  # noqa: F401
