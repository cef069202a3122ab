"""我能申请什么: which of the plan's services may fit a resident, and why (see views.py);
the rules, reviewed data in content/eligibility.yaml (rules.py); their review page for
staff (review.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The check's pages and the staff's page of its rules."""
    from . import review, views

    app.register_blueprint(views.bp)
    app.register_blueprint(review.bp)
