"""A restore withdraws no consent by accident: an alert subscription cancelled after the
backup was taken stays cancelled, and the mail the backup's outbox held is not sent (again).
The cancellations are remembered by keyed hashes, as long as the backups are kept."""

from datetime import timedelta

from barrierfree.alerts import operations
from barrierfree.alerts.models import AlertCancellation, AlertSubscription
from barrierfree.database import backup, db, utcnow
from barrierfree.mail.models import OutgoingMail
from sqlalchemy import select, update


def subscribed(email: str) -> AlertSubscription:
    """A confirmed subscription of `email`, committed (in an app context)."""
    subscription = AlertSubscription(email=email, nonce="1" * 32, kinds=["notice"],
                                     confirmed_at=utcnow())  # fmt: skip
    db.session.add(subscription)
    db.session.commit()
    return subscription


def addresses() -> list[str]:
    return sorted(db.session.scalars(select(AlertSubscription.email)))


def restore(app, saved):
    result = app.test_cli_runner().invoke(args=["db", "restore", str(saved), "--yes"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_subscription_cancelled_since_the_backup_stays_cancelled(empty_app, tmp_path):
    with empty_app.app_context():
        withdrawn = subscribed("wang.fang@example.com")
        subscribed("li.wei@example.com")
        saved = backup(tmp_path / "saved.sqlite")
        operations.cancel(withdrawn)
        assert addresses() == ["li.wei@example.com"]

    output = restore(empty_app, saved)

    assert "deleted 1 subscription(s) again" in output
    with empty_app.app_context():
        assert addresses() == ["li.wei@example.com"]
        # Still remembered, for a restore of another old backup; by a keyed hash only.
        [kept] = db.session.scalars(select(AlertCancellation.address_hash)).all()
        assert kept == operations.cancelled_key("Wang.Fang@example.com")
        assert "wang" not in kept and "@" not in kept


def test_an_address_subscribed_again_after_cancelling_keeps_its_new_subscription(
    empty_app, tmp_path
):
    with empty_app.app_context():
        operations.cancel(subscribed("wang.fang@example.com"))
        again = subscribed("wang.fang@example.com")
        db.session.execute(  # made after the cancellation, as it is in life
            update(AlertSubscription)
            .where(AlertSubscription.id == again.id)
            .values(created_at=utcnow() + timedelta(seconds=1))
        )
        db.session.commit()
        saved = backup(tmp_path / "saved.sqlite")

    output = restore(empty_app, saved)

    assert "deleted 0 subscription(s) again" in output
    with empty_app.app_context():
        assert addresses() == ["wang.fang@example.com"]


def test_the_backup_s_outbox_is_dropped_so_nothing_goes_twice(empty_app, tmp_path):
    with empty_app.app_context():
        db.session.add(OutgoingMail(recipient="li.wei@example.com", subject="答复", text_body="r"))
        db.session.commit()
        saved = backup(tmp_path / "saved.sqlite")
        db.session.execute(OutgoingMail.__table__.delete())  # sent since
        db.session.commit()

    output = restore(empty_app, saved)

    assert "Dropped 1 message(s) the backup's outbox held" in output
    with empty_app.app_context():
        assert db.session.scalars(select(OutgoingMail)).all() == []


def test_cancellations_are_forgotten_once_no_backup_kept_can_hold_their_subscription(
    empty_app,
):
    with empty_app.app_context():
        operations.cancel(subscribed("old@example.com"))
        operations.cancel(subscribed("recent@example.com"))
        kept = timedelta(days=empty_app.config["BACKUP_KEEP_DAYS"])
        db.session.execute(
            update(AlertCancellation)
            .where(AlertCancellation.address_hash == operations.cancelled_key("old@example.com"))
            .values(cancelled_at=utcnow() - kept - operations.CANCELLATION_MARGIN - timedelta(1))
        )
        db.session.execute(
            update(AlertCancellation)
            .where(AlertCancellation.address_hash == operations.cancelled_key("recent@example.com"))
            .values(cancelled_at=utcnow() - kept)
        )
        db.session.commit()
        operations.forget_unconfirmed()  # the hourly housekeeping's step
        assert db.session.scalars(select(AlertCancellation.address_hash)).all() == [
            operations.cancelled_key("recent@example.com")
        ]
