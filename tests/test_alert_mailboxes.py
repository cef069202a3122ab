"""One subscription per mailbox: an address is kept and found in one case, however it is
typed, so Li@Example.com and li@example.com are one subscription (two were: cancelling one
said the address was deleted while the other kept sending); and the subscriptions kept
before in several casings are merged by the migration."""

import json

import pytest
from alembic import command
from barrierfree.alerts import operations
from barrierfree.alerts.models import AlertSubscription
from barrierfree.database import alembic_config, db
from barrierfree.mail.models import OutgoingMail
from conftest import MAIL_NOWHERE, make_app
from sqlalchemy import select, text

CHOICES = {"kinds": ["notice"], "topics": [], "townships": []}


@pytest.fixture
def site(tmp_path):
    """An app whose mail server never answers: what is queued stays queued."""
    return make_app(tmp_path / "site.sqlite", **MAIL_NOWHERE)


def ask(app, email: str, choices: dict = CHOICES) -> None:
    with app.test_request_context("/alerts/", method="POST"):
        operations.subscribe(email, "zh", choices)


def kept() -> list[tuple[str, bool]]:
    rows = db.session.execute(
        select(AlertSubscription.email, AlertSubscription.confirmed_at).order_by(
            AlertSubscription.id
        )
    )
    return [(email, confirmed is not None) for email, confirmed in rows]


def queued() -> list[tuple[str, bool]]:
    """(recipient, whether it is a confirmation) of each queued message."""
    rows = db.session.execute(
        select(OutgoingMail.recipient, OutgoingMail.text_body).order_by(OutgoingMail.id)
    )
    return [(recipient, "/alerts/confirm/" in body) for recipient, body in rows]


def test_an_address_in_any_case_is_one_subscription_kept_in_one_case(site):
    ask(site, "Reader@Example.COM")
    ask(site, "reader@example.com", {**CHOICES, "topics": ["employment"]})
    with site.app_context():
        assert kept() == [("reader@example.com", False)]
        row = db.session.scalar(select(AlertSubscription))
        assert row.topics == ["employment"]  # unconfirmed: the choices asked for last
        assert queued() == [("reader@example.com", True), ("reader@example.com", True)]


def test_a_confirmed_subscriber_typing_a_capital_gets_the_manage_link(site):
    ask(site, "reader@example.com")
    with site.app_context():
        operations.confirm(db.session.scalar(select(AlertSubscription)))
    ask(site, "READER@example.com", {**CHOICES, "kinds": ["news"]})
    with site.app_context():
        assert kept() == [("reader@example.com", True)]
        assert db.session.scalar(select(AlertSubscription.kinds)) == ["notice"]
        manage = db.session.scalars(select(OutgoingMail.text_body)).all()[-1]
        assert "/alerts/manage/" in manage and "/alerts/confirm/" not in manage


def test_cancelling_leaves_no_subscription_of_that_mailbox(site):
    ask(site, "Reader@Example.com")
    ask(site, "reader@example.com")
    with site.app_context():
        operations.cancel(db.session.scalar(select(AlertSubscription)))
        assert kept() == []


def test_the_mailbox_is_counted_and_cancelled_as_it_is_kept(i18n_app):
    with i18n_app.app_context():
        assert operations.mailbox("Li.Wei+Alerts@Example.COM") == "li.wei+alerts@example.com"
        typed, stored = "Li@Example.com", "li@example.com"
        assert operations.recipient_key(typed) == operations.recipient_key(stored)
        assert operations.cancelled_key(typed) == operations.cancelled_key(stored)


def test_subscriptions_kept_in_several_casings_are_merged(empty_app):
    """The confirmed one stays (the oldest of them), taking every choice the confirmed
    ones had; an unconfirmed mailbox keeps its oldest request; the others and their queued
    mail go; every address is kept in one case."""
    rows = [
        # id, email, kinds, topics, townships, created, confirmed
        (1, "LI@EXAMPLE.COM", ["notice"], [], [], "2026-11-01", None),
        (2, "Li@Example.com", ["notice"], ["employment"], [], "2026-11-02", "2026-11-02"),
        (3, "li@example.com", ["news"], ["education"], ["boping"], "2026-11-03", "2026-11-03"),
        (4, "Wang@Example.com", ["notice"], [], [], "2026-11-05", None),
        (5, "wang@example.com", ["news"], [], [], "2026-11-04", None),
        (6, "Zhao@Example.com", ["notice"], ["employment"], ["hantun"], "2026-11-06", None),
    ]
    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "0023")
        with db.engine.begin() as connection:
            for number, email, kinds, topics, townships, created, confirmed in rows:
                connection.execute(
                    text(
                        "INSERT INTO alert_subscription (id, email, language, kinds, topics,"
                        " townships, nonce, created_at, confirmed_at) VALUES (:id, :email,"
                        " 'zh', :kinds, :topics, :townships, 'n', :created, :confirmed)"
                    ),
                    {"id": number, "email": email, "kinds": json.dumps(kinds),
                     "topics": json.dumps(topics), "townships": json.dumps(townships),
                     "created": f"{created} 08:00:00",
                     "confirmed": confirmed and f"{confirmed} 09:00:00"},
                )  # fmt: skip
                connection.execute(
                    text(
                        "INSERT INTO outgoing_mail (recipient, subject, text_body, headers,"
                        " created_at, attempts, next_attempt_at, subscription_id) VALUES"
                        " (:email, 's', 't', '{}', '2026-12-01 08:00:00', 0,"
                        " '2026-12-01 08:00:00', :id)"
                    ),
                    {"id": number, "email": email},
                )
        command.upgrade(config, "head")
        found = {
            row.id: (row.email, row.kinds, row.topics, row.townships)
            for row in db.session.scalars(select(AlertSubscription))
        }
        assert found == {
            2: ("li@example.com", ["notice", "news"], ["employment", "education"], []),
            5: ("wang@example.com", ["news"], [], []),
            6: ("zhao@example.com", ["notice"], ["employment"], ["hantun"]),
        }
        assert sorted(db.session.scalars(select(OutgoingMail.subscription_id))) == [2, 5, 6]
