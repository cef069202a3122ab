"""我能申请什么: which of the plan's services may fit a resident, and why (see views.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The check's pages."""
    from . import views

    app.register_blueprint(views.bp)
