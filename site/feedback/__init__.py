"""What residents send us on the site: questions, barrier reports and page-error reports,
each with a reference and a private status link (see views.py); staff answer them in the
back office's inbox (staff/inbox/)."""

from flask import Flask

from ..access_log import redacted
from ..opening_hours import in_chiping

DEFAULTS = {
    "FEEDBACK_ANSWER_DAYS": 5,  # the target answer time, in working days
    "FEEDBACK_RETENTION_DAYS": 180,  # contact details are deleted this long after closing
    "FEEDBACK_CLOSE_ANSWERED_DAYS": 30,  # an answered item nobody wrote to since is closed
}


def init_app(app: Flask) -> None:
    """The settings' defaults (BARRIERFREE_FEEDBACK_* in the environment wins) and the
    public blueprint."""
    from . import names, statistics_views, throttle, views  # noqa: F401 (adds its pages to views.bp)

    for name, value in {**DEFAULTS, **throttle.DEFAULTS}.items():
        app.config.setdefault(name, value)
    for function in names.TEMPLATE_GLOBALS:
        app.add_template_global(function)
    # The privacy note says how long the keyed hashes of the sender's address are kept.
    app.add_template_global(throttle.kept_days, "address_kept_days")
    # The status page's times, stored in UTC, as the resident's clock shows them.
    app.add_template_global(in_chiping)
    # The footer's "this page is wrong" link names the page, but never a private link's token.
    app.add_template_filter(redacted)
    app.register_blueprint(views.bp)
