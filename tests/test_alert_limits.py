"""The limits of the alerts form: at most ALERTS_PER_RECIPIENT mails to one address a day,
whoever asks, without the answer saying so; and counters of their own, so that a flood of
alert requests refuses no resident's message (and the other way round)."""

from datetime import timedelta

import pytest
from barrierfree.alerts import operations
from barrierfree.database import db, utcnow
from barrierfree.feedback import throttle
from barrierfree.feedback.models import FeedbackSubmission
from barrierfree.settings import ConfigurationError
from conftest import make_app, make_loaded_app, parse
from sqlalchemy import select, update
from staff_helpers import csrf, token_in
from test_mail import MailServer, link_in, send_all, text_of

MAIL = {
    "MAIL_HOST": "127.0.0.1",
    "MAIL_SECURITY": "none",
    "MAIL_SENDER": "茌平区残联 <noreply@chiping.example>",
    "SITE_URL": "https://www.chiping.example",
}
_networks = iter(range(1, 250))


@pytest.fixture
def smtp():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def mail_site(tmp_path, smtp, **config):
    return make_loaded_app(tmp_path / "site.sqlite", MAIL_PORT=smtp.port, **{**MAIL, **config})


def from_network(app, address: str | None = None):
    """A client from an address of its own (another /24 each: no network limit is met)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address or f"10.{next(_networks)}.0.1"
    return client


def subscribe(client, email_address: str = "victim@example.com", prefix: str = ""):
    fields = {"csrf_token": csrf(client, f"{prefix}/alerts/"), "email": email_address,
              "kinds": ["notice"]}  # fmt: skip
    return client.post(f"{prefix}/alerts/", data=fields)


def ask(client, body: str = "辅具怎么申请？"):
    """A resident's question, answered on the site."""
    path = "/feedback/ask"
    data = {"csrf_token": csrf(client, path), "topic": "other", "reply_by": "site", "body": body}
    return client.post(path, data=data)


def test_one_address_gets_at_most_its_mails_a_day_whoever_asks(tmp_path, smtp):
    site = mail_site(tmp_path, smtp, ALERTS_PER_RECIPIENT=2)
    answers = [subscribe(from_network(site)) for _ in range(4)]
    # Every request gets the same answer, mailed or not: nothing tells whether it was.
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {
        (303, "/alerts/check-email")
    }
    send_all(site)
    assert [m["To"] for m in smtp.messages] == ["victim@example.com"] * 2
    # Typed otherwise cased, it is the same mailbox to the mail server, and to the limit.
    assert subscribe(from_network(site), "Victim@Example.COM").status_code == 303
    send_all(site)
    assert len(smtp.messages) == 2
    # Another address is not held back by it.
    assert subscribe(from_network(site), "reader@example.com").status_code == 303
    send_all(site)
    assert smtp.messages[-1]["To"] == "reader@example.com"


def test_the_limit_holds_for_confirmed_addresses_too_and_lifts_after_a_day(tmp_path, smtp):
    site = mail_site(tmp_path, smtp, ALERTS_PER_RECIPIENT=1)
    assert subscribe(from_network(site)).status_code == 303
    send_all(site)
    [confirmation] = smtp.messages
    confirm = link_in(confirmation, "confirm")
    client = site.test_client()
    assert (
        client.post(confirm, data={"csrf_token": token_in(client.get(confirm).data)}).status_code
        == 303
    )
    # "Already subscribed" mails count as confirmations do.
    assert subscribe(from_network(site)).status_code == 303
    send_all(site)
    assert len(smtp.messages) == 1
    with site.app_context():
        db.session.execute(
            update(FeedbackSubmission).values(at=utcnow() - throttle.KEEP - timedelta(minutes=1))
        )
        db.session.commit()
    assert subscribe(from_network(site)).status_code == 303
    send_all(site)
    assert len(smtp.messages) == 2 and "/alerts/manage/" in text_of(smtp.messages[-1])


def test_the_address_is_counted_only_as_a_keyed_hash(tmp_path, smtp):
    site = mail_site(tmp_path, smtp)
    subscribe(from_network(site), "victim@example.com")
    with site.app_context():
        keys = db.session.scalars(select(FeedbackSubmission.address_hash)).all()
    assert keys and not any("@" in key or "victim" in key for key in keys)


def test_the_privacy_note_and_the_check_email_page_say_so(tmp_path, smtp):
    site = mail_site(tmp_path, smtp, ALERTS_PER_RECIPIENT=2)
    note = parse(site.test_client().get("/alerts/").data).find("h2", id="privacy")
    assert "用本网站的密钥由邮箱算出的一个编码" in note.find_next("ul").text
    check = site.test_client().get("/en/alerts/check-email")
    assert "at most 2" in parse(check.data).find("main").text


def test_alert_requests_do_not_use_up_the_residents_limits(tmp_path, smtp):
    site = mail_site(tmp_path, smtp, FEEDBACK_PER_ADDRESS=2, ALERTS_CEILING=3)
    neighbour = from_network(site, "10.200.0.1")
    assert [subscribe(neighbour, f"r{n}@example.com").status_code for n in range(3)] == [
        303, 303, 429
    ]  # fmt: skip
    # The same address still writes to the federation: its counts are the feedback's own.
    assert ask(neighbour).status_code == 303
    # The alerts' whole site is full: more requests are refused, residents' messages not.
    assert subscribe(from_network(site), "late@example.com").status_code == 303
    assert subscribe(from_network(site), "later@example.com").status_code == 429
    assert ask(from_network(site)).status_code == 303


def test_the_english_refusal_says_minute_when_the_wait_is_one(tmp_path, smtp):
    site = mail_site(tmp_path, smtp, ALERTS_CEILING=1, FEEDBACK_WINDOW_MINUTES=1)
    assert subscribe(from_network(site), prefix="/en").status_code == 303
    refused = subscribe(from_network(site), "late@example.com", prefix="/en")
    assert refused.status_code == 429
    assert "try again in 1 minute." in parse(refused.data).find("main").text


def test_residents_messages_do_not_use_up_the_alerts_limits(tmp_path, smtp):
    site = mail_site(tmp_path, smtp, FEEDBACK_CEILING=1)
    assert ask(from_network(site)).status_code == 303
    assert ask(from_network(site), "又一个问题").status_code == 429
    assert subscribe(from_network(site)).status_code == 303


@pytest.mark.parametrize("name", ["ALERTS_PER_RECIPIENT", "ALERTS_CEILING"])
@pytest.mark.parametrize("value", [0, -1, "3", 1.5])
def test_the_alerts_limits_are_whole_numbers_of_at_least_one(tmp_path, name, value):
    with pytest.raises(ConfigurationError, match=f"BARRIERFREE_{name}"):
        make_app(tmp_path / "site.sqlite", **{name: value})


def test_the_privacy_note_says_how_long_a_cancellation_is_remembered(tmp_path, smtp):
    # As long as a backup is kept, and the margin: a restore cancels again (operations).
    site = mail_site(tmp_path, smtp, BACKUP_KEEP_DAYS=30)
    days = 30 + operations.CANCELLATION_MARGIN.days
    note = parse(site.test_client().get("/alerts/").data).find("h2", id="privacy")
    assert f"编码 {days} 天，只用来在从备份恢复数据时再次为您退订" in note.find_next("ul").text
    english = parse(site.test_client().get("/en/alerts/").data).find("h2", id="privacy")
    assert f"for {days} days, only to unsubscribe you again" in english.find_next("ul").text
