"""The public page of what residents told us and what we did: how many questions and
reports arrived, by month, kind and township; how quickly they were answered; how many
wait; and examples staff chose to publish (statistics.py counts)."""

from flask import render_template
from flask_babel import format_decimal, format_percent

from . import statistics
from .views import bp

bp.add_app_template_global(statistics.month_text, "month_text")


@bp.get("/results")
def results() -> str:
    """你们反映的问题和我们的处理: the figures of the last 12 months, counted now."""
    return render_template(
        "feedback/statistics.html", figures=statistics.figures(), format_percent=format_percent,
        format_decimal=format_decimal,
    )  # fmt: skip
