"""`flask inbox purge` deletes everything the site's hourly housekeeping deletes."""

from datetime import timedelta

from barrierfree.alerts.models import AlertSubscription
from barrierfree.alerts.operations import UNCONFIRMED_DAYS
from barrierfree.database import db, utcnow
from sqlalchemy import select


def subscription(email: str, days_ago: int, confirmed: bool = False) -> AlertSubscription:
    """An alert subscription made `days_ago` days ago, confirmed or not."""
    made = utcnow() - timedelta(days=days_ago)
    return AlertSubscription(
        email=email, nonce="0" * 32, created_at=made, confirmed_at=made if confirmed else None
    )


def test_the_command_forgets_subscriptions_nobody_confirmed_in_time(empty_app):
    """Only the request-driven housekeeping did; a site nobody visits kept them."""
    with empty_app.app_context():
        db.session.add_all(
            [
                subscription("old@example.com", UNCONFIRMED_DAYS + 1),
                subscription("new@example.com", UNCONFIRMED_DAYS - 1),
                subscription("kept@example.com", UNCONFIRMED_DAYS + 30, confirmed=True),
            ]
        )
        db.session.commit()
    result = empty_app.test_cli_runner().invoke(args=["inbox", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unconfirmed alert subscription(s)." in result.output
    assert "0 closed item(s)" in result.output
    with empty_app.app_context():
        left = db.session.scalars(select(AlertSubscription.email)).all()
    assert sorted(left) == ["kept@example.com", "new@example.com"]
