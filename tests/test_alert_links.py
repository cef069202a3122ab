"""The links in alert mail: those of a subscription merged into another of its mailbox
(migration 0024) open the subscription kept, so the mail sent before the merge still lets its
reader change or stop their alerts; and a link that leads nowhere says how to stop the mail
all the same."""

import json
from datetime import datetime
from types import SimpleNamespace

import pytest
from alembic import command
from barrierfree.alerts import operations
from barrierfree.alerts.models import AlertMergedLink, AlertSubscription
from barrierfree.database import alembic_config, db
from barrierfree.mail.models import OutgoingMail
from conftest import MAIL_NOWHERE, make_app, parse
from sqlalchemy import inspect, select, text

# id, email, created, confirmed, kinds
ROWS = [
    (1, "Li@Example.com", "2026-11-01", "2026-11-01", ["notice"]),
    (2, "li@example.com", "2026-11-02", "2026-11-02", ["news"]),
    (3, "LI@EXAMPLE.COM", "2026-11-03", None, ["notice"]),
    (4, "wang@example.com", "2026-11-04", "2026-11-04", ["notice"]),
]


def nonce(number: int) -> str:
    return f"{number:x}" * 32


def token(number: int) -> str:
    """The token the mail sent before the merge carried for subscription `number`."""
    return operations.token_of(SimpleNamespace(id=number, nonce=nonce(number)))


@pytest.fixture
def merged(tmp_path):
    """A site whose subscriptions of one mailbox in three casings were merged by 0024, with
    the tokens their mail carried (made before the merge); the mail server never answers."""
    app = make_app(tmp_path / "site.sqlite", **MAIL_NOWHERE)
    with app.app_context():
        config = alembic_config()
        command.downgrade(config, "0023")
        with db.engine.begin() as connection:
            for number, email, created, confirmed, kinds in ROWS:
                connection.execute(
                    text(
                        "INSERT INTO alert_subscription (id, email, language, kinds, topics,"
                        " townships, nonce, created_at, confirmed_at) VALUES (:id, :email,"
                        " 'zh', :kinds, '[]', '[]', :nonce, :created, :confirmed)"
                    ),
                    {"id": number, "email": email, "kinds": json.dumps(kinds),
                     "nonce": nonce(number), "created": f"{created} 08:00:00",
                     "confirmed": confirmed and f"{confirmed} 09:00:00"},
                )  # fmt: skip
        with app.test_request_context():
            tokens = {number: token(number) for number, *_rest in ROWS}
        command.upgrade(config, "head")
    return app, tokens


def kept_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(AlertSubscription.id).order_by(AlertSubscription.id)))


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_manage_link_of_a_merged_subscription_opens_the_one_kept(merged, prefix):
    app, tokens = merged
    assert kept_ids(app) == [1, 4]  # 2 and 3 merged into 1
    client = app.test_client()
    for number in (1, 2, 3):
        response = client.get(f"{prefix}/alerts/manage/{tokens[number]}")
        assert response.status_code == 200
        boxes = parse(response.data).find_all("input")
        checked = sorted(
            b["value"] for b in boxes if b.get("name") == "kinds" and "checked" in b.attrs
        )
        assert checked == ["news", "notice"]  # the choices of both that were confirmed


def test_a_merged_subscription_s_confirmation_link_leads_to_the_one_kept(merged):
    app, tokens = merged
    response = app.test_client().get(f"/alerts/confirm/{tokens[3]}")
    assert response.status_code == 303  # 1 is confirmed: on to its page
    assert response.headers["Location"].endswith(f"/alerts/manage/{tokens[3]}?confirmed=1")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_unsubscribing_by_a_merged_link_stops_the_mailbox_s_alerts(merged, prefix):
    """The one-click POST of a mail program, with the link of a subscription merged away."""
    app, tokens = merged
    client = app.test_client()
    assert client.post(f"{prefix}/alerts/unsubscribe/{tokens[2]}").status_code == 200
    assert kept_ids(app) == [4]
    with app.app_context():
        assert db.session.scalars(select(AlertMergedLink)).all() == []
    for number in (1, 2, 3):  # every link of the mailbox is then spent
        assert client.get(f"/alerts/manage/{tokens[number]}").status_code == 404


def test_a_merged_link_opens_nothing_of_another_mailbox(merged):
    """Only its own keyed hash opens it: a made-up token with a merged number, or with the
    hash of another subscription, is refused."""
    app, tokens = merged
    client = app.test_client()
    other = tokens[4].partition("-")[2]
    changed = tokens[2][:-1] + ("1" if tokens[2].endswith("0") else "0")
    for made_up in (f"2-{other}", f"3-{'0' * 40}", changed):
        assert client.get(f"/alerts/manage/{made_up}").status_code == 404


def test_a_new_subscription_given_a_merged_number_keeps_both_links_apart(merged):
    """SQLite may give a new row the number of one deleted: each link opens its own."""
    app, tokens = merged
    with app.app_context():
        db.session.add(
            AlertSubscription(id=3, email="zhao@example.com", nonce="c" * 32, kinds=["news"])
        )
        db.session.commit()
        with app.test_request_context():
            new = operations.token_of(db.session.get(AlertSubscription, 3))
        assert operations.by_token(new).id == 3
        assert operations.by_token(tokens[3]).id == 1
    client = app.test_client()
    assert client.get(f"/alerts/confirm/{new}").status_code == 200  # 3 asks to be confirmed
    assert client.get(f"/alerts/confirm/{tokens[3]}").status_code == 303  # 1 is confirmed


def test_the_merged_links_go_with_a_subscription_forgotten_unconfirmed(tmp_path):
    app = make_app(tmp_path / "site.sqlite", **MAIL_NOWHERE)
    with app.app_context():
        row = AlertSubscription(email="li@example.com", nonce="a" * 32, kinds=["notice"],
                                created_at=datetime(2026, 1, 1))  # fmt: skip
        db.session.add(row)
        db.session.flush()
        db.session.add(AlertMergedLink(id=99, nonce="b" * 32, subscription_id=row.id))
        db.session.add(OutgoingMail(recipient="li@example.com", subject="s", text_body="t",
                                    headers={}, subscription_id=row.id))  # fmt: skip
        db.session.commit()
        assert operations.forget_unconfirmed() == 1
        assert db.session.scalars(select(AlertMergedLink)).all() == []


def test_a_database_upgraded_by_the_earlier_0024_gets_the_table(tmp_path):
    """0024 kept no links at first: a database it upgraded then gets the table from 0025."""
    app = make_app(tmp_path / "site.sqlite")
    with app.app_context():
        config = alembic_config()
        command.downgrade(config, "0024")
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alert_merged_link"))
        command.upgrade(config, "head")
        assert inspect(db.engine).has_table("alert_merged_link")
        command.downgrade(config, "0023")
        assert not inspect(db.engine).has_table("alert_merged_link")


@pytest.mark.parametrize(
    ("prefix", "said"),
    [
        ("", "请在订阅页面再填一次您的邮箱"),
        ("/en", "enter your email address on the subscription form again"),
    ],
)
def test_a_link_that_leads_nowhere_says_how_to_stop_the_mail(merged, prefix, said):
    """Whatever the link, the resident can still stop the mail: the form mails a confirmed
    address its links again."""
    app, _tokens = merged
    response = app.test_client().get(f"{prefix}/alerts/unsubscribe/5-{'0' * 40}")
    assert response.status_code == 404
    page = parse(response.data).find("main")
    assert said in " ".join(page.text.split())
    assert page.find("a", href=f"{prefix}/alerts/")
