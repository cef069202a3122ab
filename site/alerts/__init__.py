"""Email alerts for notices (see views.py and operations.py)."""

from flask import Flask

DEFAULTS = {
    # Confirmation or "already subscribed" mails to one address a day, however many ask for
    # it: enough to ask again when the first went astray, too few to flood anyone's inbox.
    "ALERTS_PER_RECIPIENT": 3,
    # Alert requests the whole site takes in the feedback window (FEEDBACK_WINDOW_MINUTES),
    # counted apart from residents' messages (`feedback.throttle.ALERTS`).
    "ALERTS_CEILING": 300,
}


def init_app(app: Flask) -> None:
    """The settings' defaults (BARRIERFREE_ALERTS_* in the environment wins) and the alerts'
    pages."""
    from . import views

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(views.bp)
