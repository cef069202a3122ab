"""`flask inbox purge` deletes everything the site's hourly housekeeping deletes."""

from datetime import timedelta

from barrierfree.alerts.models import AlertSubscription
from barrierfree.alerts.operations import UNCONFIRMED_DAYS
from barrierfree.database import db, utcnow
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage, FeedbackPhoto
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
    assert "of 0 item(s)" in result.output
    with empty_app.app_context():
        left = db.session.scalars(select(AlertSubscription.email)).all()
    assert sorted(left) == ["kept@example.com", "new@example.com"]


def item_received(days_ago: int, state: str, number: int) -> FeedbackItem:
    """An item received `days_ago` days ago, in `state`, with a phone number, a follow-up
    and a photo."""
    received = utcnow() - timedelta(days=days_ago)
    row = FeedbackItem(
        year=2026, sequence=number, kind="barrier", state=state, body=f"来信 {number}",
        reply_by="phone", contact_phone="13912345678", token_hash=f"token-{number:058d}",
        text_hash=f"text-{number}", created_at=received, updated_at=received,
        due_on=received.date(),
    )  # fmt: skip
    row.messages.append(FeedbackMessage(kind="follow_up", body="补充", created_at=received))
    row.photos.append(FeedbackPhoto(content_type="image/jpeg", data=b"x", width=1, height=1))
    return row


def test_the_command_deletes_the_personal_data_of_items_nobody_closed_in_time(empty_app):
    """Spam nobody closed, a report left waiting: FEEDBACK_MAX_AGE_DAYS after it came, its
    words, contact details and photos go whatever its state; what is counted stays."""
    max_age = empty_app.config["FEEDBACK_MAX_AGE_DAYS"]
    with empty_app.app_context():
        rows = [
            item_received(max_age + 1, "new", 1),
            item_received(max_age + 1, "in_progress", 2),
            item_received(max_age - 1, "new", 3),
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
    result = empty_app.test_cli_runner().invoke(args=["inbox", "purge"])
    assert result.exit_code == 0, result.output
    assert "of 2 item(s)" in result.output
    with empty_app.app_context():
        gone, kept = (
            [db.session.get(FeedbackItem, i) for i in ids[:2]],
            db.session.get(FeedbackItem, ids[2]),
        )
        for row in gone:
            assert row.purged_at and row.body == "" and row.contact_phone is None
            assert [m.body for m in row.messages] == [""] and row.photos == []
        # Nobody can answer them now, and nothing new is taken: closed as their data went.
        assert [row.state for row in gone] == ["closed", "closed"]
        assert all(row.closed_at == row.purged_at for row in gone)
        assert kept.state == "new" and kept.closed_at is None
        assert kept.purged_at is None and kept.body and kept.contact_phone and kept.photos
