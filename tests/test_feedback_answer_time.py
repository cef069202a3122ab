"""The answer time: the site promises none until the federation publishes one and the
deployment sets it (FEEDBACK_ANSWER_DAYS has no default). Without it the forms, the sent
page, the receipt and the status page name no time or date, the public figures count
without on time or late and say why, the inbox says how long each item has waited instead
of marking it overdue, and the back office's home page tells administrators how to set it.
With it, each says the time it was given."""

import re
from datetime import datetime, time, timedelta

import pytest
from barrierfree.database import db
from barrierfree.feedback.models import FeedbackItem
from barrierfree.feedback.working_days import is_working_day, working_days_between
from barrierfree.mail.models import OutgoingMail
from barrierfree.opening_hours import local_now, utc
from conftest import MAIL_NOWHERE, make_app, make_loaded_app, parse, visitor_addresses
from sqlalchemy import select, update
from staff_helpers import csrf, make_staff, signed_in

FORMS = ("/feedback/", "/feedback/ask", "/feedback/barrier", "/feedback/page-error")
NOT_PUBLISHED = "区残联还没有公布多长时间内答复"
NOT_PUBLISHED_EN = "has not yet published how soon it answers"
# Any number of working days, in either language.
SOME_DAYS = re.compile(r"\d+\s*个工作日|\d+\s+working days?")
addresses = visitor_addresses(7)


def site(tmp_path, **config):
    """The loaded site on a database of its own that can send mail (to nowhere, so the
    receipt waits in the outbox), without the page cache."""
    return make_loaded_app(tmp_path / "site.sqlite", PAGE_CACHE=False, **MAIL_NOWHERE, **config)


@pytest.fixture
def unset(tmp_path):
    """A site whose federation has published no answer time."""
    return site(tmp_path)


@pytest.fixture
def seven(tmp_path):
    """A site whose federation has published an answer time of seven working days."""
    return site(tmp_path, FEEDBACK_ANSWER_DAYS=7)


def ask(app, prefix: str = ""):
    """A resident asks a question, answered by email: the sent page and the status page."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = next(addresses)
    path = f"{prefix}/feedback/ask"
    data = {"csrf_token": csrf(client, path), "topic": "other", "reply_by": "email",
            "contact_email": "resident@example.com", "body": "辅具怎么申请？"}  # fmt: skip
    response = client.post(path, data=data)
    assert response.status_code == 303, response.text[:2000]
    sent = client.get(response.headers["Location"])
    link = re.search(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}", sent.text).group()
    return parse(sent.data).find("main"), parse(client.get(link).data).find("main")


def receipt(app) -> tuple[str, str]:
    """The text and the HTML of the receipt waiting in the outbox."""
    with app.app_context():
        mail = db.session.scalars(select(OutgoingMail)).one()
        return mail.text_body, mail.html_body or ""


def working_day(days_ago: int) -> datetime:
    """10:00 on the first working day at least `days_ago` days before today (Chiping)."""
    day = local_now().date() - timedelta(days=days_ago)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10))


def test_no_answer_time_is_set_unless_the_deployment_sets_one(tmp_path, monkeypatch):
    assert make_app(tmp_path / "plain.sqlite").config["FEEDBACK_ANSWER_DAYS"] is None
    monkeypatch.setenv("BARRIERFREE_FEEDBACK_ANSWER_DAYS", "7")
    assert make_app(tmp_path / "set.sqlite").config["FEEDBACK_ANSWER_DAYS"] == 7


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_without_an_answer_time_the_forms_promise_none_and_say_so(unset, prefix):
    client = unset.test_client()
    said = NOT_PUBLISHED_EN if prefix else NOT_PUBLISHED
    for path in FORMS:
        main = parse(client.get(prefix + path).data).find("main")
        assert SOME_DAYS.search(main.text) is None, path
        assert said in main.find(id="answer-time").text, path


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_without_an_answer_time_the_sent_page_receipt_and_status_page_name_no_date(unset, prefix):
    sent, status = ask(unset, prefix)
    said = NOT_PUBLISHED_EN if prefix else NOT_PUBLISHED
    assert SOME_DAYS.search(sent.text) is None
    assert said in sent.find(id="answer-time").text
    text, html = receipt(unset)
    for body in (text, parse(html).text):
        assert said in body
        assert "前答复" not in body and "answer by" not in body
    assert "计划答复日期" not in status.text and "Planned" not in status.text
    with unset.app_context():
        assert db.session.scalars(select(FeedbackItem.due_on)).one() is None


def test_with_an_answer_time_every_page_says_it(seven):
    client = seven.test_client()
    for path in FORMS:
        main = parse(client.get(path).data).find("main")
        assert "7 个工作日" in main.text, path
        assert main.find(id="answer-time") is None, path
    sent, status = ask(seven)
    assert "我们争取在 7 个工作日内答复。" in sent.text
    with seven.app_context():
        due = db.session.scalars(select(FeedbackItem.due_on)).one()
    assert due > local_now().date()
    written = f"{due.year}年{due.month}月{due.day}日"
    assert f"工作人员会在 {written} 前答复。" in receipt(seven)[0]
    assert "计划答复日期" in status.text and written in status.text


def test_without_an_answer_time_the_figures_count_without_on_time_or_late_and_say_why(unset):
    ask(unset)
    received = working_day(30)
    with unset.app_context():
        # An item given a target date under an answer time set before counts as none now.
        db.session.execute(
            update(FeedbackItem).values(created_at=utc(received), due_on=received.date())
        )
        db.session.commit()
    main = parse(unset.test_client().get("/feedback/results").data).find("main")
    summary = main.find("dl").text
    assert "收到的来信" in summary and "现在还在处理" in summary
    assert "按期答复" not in summary and "超过答复期限" not in summary
    assert NOT_PUBLISHED in main.find(id="no-answer-time").text
    assert "答复期限是收到后" not in main.text
    make_staff(unset, "li", "editor")
    header = signed_in(unset, "li").get("/staff/inbox/counts.csv").text.splitlines()[0]
    assert "到期" not in header and "按期答复" not in header and "来信数" in header


def test_without_an_answer_time_the_inbox_says_how_long_each_item_waited(unset):
    ask(unset)
    received = working_day(20)
    with unset.app_context():
        db.session.execute(
            update(FeedbackItem).values(
                created_at=utc(received), due_on=received.date() + timedelta(days=7)
            )
        )
        db.session.commit()
        item_id = db.session.scalars(select(FeedbackItem.id)).one()
    waited = working_days_between(received.date(), local_now().date())
    make_staff(unset, "li", "editor")
    li = signed_in(unset, "li")
    listing = parse(li.get("/staff/inbox/").data).find("main")
    assert "已等待" in [th.text for th in listing.find("thead").find_all("th")]
    assert f"收到后 {waited} 个工作日" in listing.find("tbody").text
    assert "已超期" not in listing.text and listing.find(id="filter-overdue") is None
    page = parse(li.get(f"/staff/inbox/{item_id}").data).find("main")
    assert f"收到后 {waited} 个工作日" in page.text
    assert "已超期" not in page.text and "答复期限" not in page.text


def test_with_an_answer_time_the_inbox_marks_what_is_overdue(seven):
    ask(seven)
    with seven.app_context():
        db.session.execute(update(FeedbackItem).values(due_on=working_day(3).date()))
        db.session.commit()
    make_staff(seven, "li", "editor")
    listing = parse(signed_in(seven, "li").get("/staff/inbox/").data).find("main")
    assert "答复期限" in [th.text for th in listing.find("thead").find_all("th")]
    assert "已超期" in listing.find("tbody").text and "收到后" not in listing.text


def test_without_an_answer_time_administrators_are_told_how_to_set_it(unset):
    make_staff(unset, "zhao", "admin")
    make_staff(unset, "li", "editor")
    admin = parse(signed_in(unset, "zhao").get("/staff/").data).find("main")
    assert admin.find(id="inbox-overdue") is None
    assert "不标超期" in admin.find(id="inbox-answer-time").text
    assert "BARRIERFREE_FEEDBACK_ANSWER_DAYS" in admin.find(id="inbox-answer-time-setting").text
    editor = parse(signed_in(unset, "li").get("/staff/").data).find("main")
    assert editor.find(id="inbox-answer-time") is not None
    assert editor.find(id="inbox-answer-time-setting") is None


def test_with_an_answer_time_the_home_page_counts_what_is_overdue(seven):
    make_staff(seven, "zhao", "admin")
    admin = parse(signed_in(seven, "zhao").get("/staff/").data).find("main")
    assert "没有超期未答复的来信" in admin.find(id="inbox-overdue").text
    assert admin.find(id="inbox-answer-time") is None
