"""Email alerts for notices (see views.py and operations.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The alerts' pages."""
    from . import views

    app.register_blueprint(views.bp)
