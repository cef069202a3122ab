"""Queued mail goes when what it is about goes: a subscription deleted for any reason takes
its confirmation and alerts still waiting with it, and a feedback item's purge takes the
receipt and replies still waiting for its resident (the mail server was down: sent later,
they would carry an address and words the site had promised to forget, and dead links)."""

from datetime import timedelta

import pytest
from alembic import command
from barrierfree.alerts import operations
from barrierfree.alerts.models import AlertCancellation, AlertSubscription
from barrierfree.database import alembic_config, db, utcnow
from barrierfree.feedback.models import CLOSED, REPLY_BY_EMAIL, FeedbackItem
from barrierfree.mail.models import OutgoingMail
from barrierfree.staff import periodic
from barrierfree.staff.inbox import retention
from conftest import MAIL_NOWHERE, make_app
from sqlalchemy import select, text, update

CHOICES = {"kinds": ["notice"], "topics": [], "townships": []}


@pytest.fixture
def site(tmp_path):
    """An app whose mail server never answers: what is queued stays queued."""
    return make_app(tmp_path / "site.sqlite", **MAIL_NOWHERE)


def subscribed(app, email: str) -> int:
    """Ask for alerts as the form does; the subscription's id (its confirmation queued)."""
    with app.test_request_context("/alerts/", method="POST"):
        operations.subscribe(email, "zh", CHOICES)
        return db.session.scalar(
            select(AlertSubscription.id).where(AlertSubscription.email == email)
        )


def queued() -> list[tuple[str, int | None, int | None]]:
    rows = db.session.execute(
        select(
            OutgoingMail.recipient, OutgoingMail.subscription_id, OutgoingMail.feedback_item_id
        ).order_by(OutgoingMail.id)
    )
    return [tuple(row) for row in rows]


def test_a_confirmation_names_its_subscription(site):
    found = subscribed(site, "reader@example.com")
    with site.app_context():
        assert queued() == [("reader@example.com", found, None)]


def test_an_unconfirmed_address_s_queued_confirmation_is_forgotten_with_it(site):
    """The subscription went after seven days; its confirmation stayed for 180, and went out
    with a dead link when the mail server came back."""
    subscribed(site, "old@example.com")
    kept = subscribed(site, "new@example.com")
    with site.app_context():
        db.session.execute(
            update(AlertSubscription)
            .where(AlertSubscription.email == "old@example.com")
            .values(created_at=utcnow() - timedelta(days=operations.UNCONFIRMED_DAYS + 1))
        )
        db.session.commit()
        periodic.housekeeping()
        assert queued() == [("new@example.com", kept, None)]


def test_a_cancelled_subscription_takes_its_mail_and_no_one_else_s(site):
    gone = subscribed(site, "reader@example.com")
    kept = subscribed(site, "other@example.com")
    with site.app_context():
        # Mail to the same address about something else (a reply) is not the alerts'.
        db.session.add(OutgoingMail(recipient="reader@example.com", subject="答复", text_body="r"))
        db.session.commit()
        operations.cancel(db.session.get(AlertSubscription, gone))
        assert queued() == [("other@example.com", kept, None), ("reader@example.com", None, None)]


def test_a_subscription_deleted_again_after_a_restore_takes_its_mail(site):
    gone = subscribed(site, "reader@example.com")
    with site.app_context():
        later = utcnow() + timedelta(minutes=1)
        remembered = {operations.cancelled_key("reader@example.com"): later}
        assert operations.cancel_again(remembered) == 1
        assert db.session.get(AlertSubscription, gone) is None
        assert queued() == []
        assert db.session.scalar(select(AlertCancellation.cancelled_at)) == later


def item(number: int, email: str) -> FeedbackItem:
    """An item whose resident wants the answer by email, answered and closed long ago."""
    long_ago = utcnow() - timedelta(days=400)
    return FeedbackItem(
        year=2026, sequence=number, kind="question", state=CLOSED, body="问题",
        reply_by=REPLY_BY_EMAIL, contact_email=email, token_hash=f"token-{number:058d}",
        text_hash=f"text-{number}", created_at=long_ago, updated_at=long_ago, closed_at=long_ago,
        due_on=long_ago.date(),
    )  # fmt: skip


def test_a_purged_item_s_queued_mail_goes_with_its_personal_data(site):
    """A reply queued just before the purge kept the resident's address for up to
    FEEDBACK_RETENTION_DAYS more, and went out after their details were deleted."""
    with site.app_context():
        due, open_one = item(1, "due@example.com"), item(2, "open@example.com")
        open_one.state, open_one.created_at = "new", utcnow()
        db.session.add_all([due, open_one])
        db.session.flush()
        for each in (due, open_one):
            db.session.add(
                OutgoingMail(recipient=each.contact_email, subject="答复", text_body="r",
                             feedback_item_id=each.id)
            )  # fmt: skip
        db.session.commit()
        assert retention.purge() == 1
        assert queued() == [("open@example.com", None, open_one.id)]


def test_the_mail_queued_before_the_links_is_linked_or_deleted(empty_app):
    """Messages already in the outbox when the links came: an alert names its subscription
    in its unsubscribe link, a receipt or a reply its item in the subject."""
    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "0022")
        with db.engine.begin() as connection:

            def insert(sql: str, **values: object) -> None:
                connection.execute(text(sql), values)

            insert(
                "INSERT INTO alert_subscription (id, email, language, kinds, topics, townships,"
                " nonce, created_at) VALUES (7, 'kept@example.com', 'zh', '[]', '[]', '[]',"
                " 'n', '2026-12-01 08:00:00')"
            )
            for number, email, purged in ((1, "live@example.com", None),
                                          (2, None, "2026-11-01 08:00:00")):  # fmt: skip
                insert(
                    "INSERT INTO feedback_item (id, year, sequence, kind, state, version, body,"
                    " reply_by, language, token_hash, text_hash, created_at, updated_at,"
                    " contact_email, purged_at) VALUES (:number, 2026, :number, 'question',"
                    " 'answered', 1, '', 'email', 'zh', :token, 'b', '2026-11-30 08:00:00',"
                    " '2026-11-30 08:00:00', :email, :purged)",
                    number=number, token=f"t{number}", email=email, purged=purged,
                )  # fmt: skip
            mails = [
                ("kept@example.com", "通知", '{"List-Unsubscribe": "<https://x/alerts/unsubscribe/7-ab>"}'),
                ("gone@example.com", "请确认", '{"List-Unsubscribe": "<https://x/alerts/unsubscribe/8-cd>"}'),
                ("live@example.com", "对您的来信 CP-2026-000001 的答复", "{}"),
                ("purged@example.com", "Reply to your message CP-2026-000002", "{}"),
                ("other@example.com", "测试", "{}"),
            ]  # fmt: skip
            for recipient, subject, headers in mails:
                insert(
                    "INSERT INTO outgoing_mail (recipient, subject, text_body, headers,"
                    " created_at, attempts, next_attempt_at) VALUES (:recipient, :subject, 't',"
                    " :headers, '2026-12-01 08:00:00', 1, '2026-12-01 08:00:00')",
                    recipient=recipient, subject=subject, headers=headers,
                )  # fmt: skip
        command.upgrade(config, "head")
        assert sorted(queued()) == [
            ("kept@example.com", 7, None),
            ("live@example.com", None, 1),
            ("other@example.com", None, None),
        ]
