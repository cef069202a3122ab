"""What residents send us on the site: questions, barrier reports and page-error reports,
each with a reference and a private status link (see views.py); staff answer them in the
back office's inbox (staff/inbox/)."""

from flask import Flask

from ..access_log import redacted
from ..opening_hours import in_chiping

DEFAULTS = {
    # The answer time the federation has published, in working days. None, by default: it
    # has published none, so no page promises one and nothing is counted as late (see
    # queries.answer_days). A deployment sets it (BARRIERFREE_FEEDBACK_ANSWER_DAYS) once the
    # federation has decided one; the site never makes one up.
    "FEEDBACK_ANSWER_DAYS": None,
    "FEEDBACK_RETENTION_DAYS": 180,  # contact details are deleted this long after closing
    "FEEDBACK_CLOSE_ANSWERED_DAYS": 30,  # an answered item nobody wrote to since is closed
}


def init_app(app: Flask) -> None:
    """The settings' defaults (BARRIERFREE_FEEDBACK_* in the environment wins) and the
    public blueprint."""
    from . import (
        names,
        queries,
        statistics_views,  # noqa: F401 (adds its pages to views.bp)
        throttle,
        views,
    )

    for name, value in {**DEFAULTS, **throttle.DEFAULTS}.items():
        app.config.setdefault(name, value)
    for function in names.TEMPLATE_GLOBALS:
        app.add_template_global(function)
    # The forms, the sent page, the receipt and the figures say an answer time only when
    # one is set; the inbox says how long an item has waited when none is.
    app.add_template_global(queries.answer_days)
    app.add_template_global(queries.due_date)
    app.add_template_global(queries.working_days_waited)
    # The privacy note, the refusal and the lost link's advice name the federation's own
    # channels, or say that it has published none.
    app.add_template_global(queries.federation_channels)
    # The privacy note says how long the keyed hashes of the sender's address are kept.
    app.add_template_global(throttle.kept_days, "address_kept_days")
    # The status page's times, stored in UTC, as the resident's clock shows them.
    app.add_template_global(in_chiping)
    # The footer's "this page is wrong" link names the page, but never a private link's token.
    app.add_template_filter(redacted)
    app.register_blueprint(views.bp)
