"""A database that cannot be written (disk full, file read-only): typed text is shown again,
the public site and signed-in staff pages go on working, and everything recovers by itself.

Two ways of refusing writes: every INSERT, UPDATE and DELETE fails as on a full disk, and a
real read-only database (SQLite's `query_only` on every new connection; on PostgreSQL,
read-only transactions, as on a standby).
"""

import itertools
import logging
import re
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
from barrierfree import background, page_cache
from barrierfree.database import BUSY_TIMEOUT_MS, db, utcnow
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage
from barrierfree.site_search.sync import SearchChange, record_change
from barrierfree.staff import periodic
from barrierfree.staff.accounts import sessions
from barrierfree.staff.models import AuditEntry, StaffSession, StaffUser
from barrierfree.updates.models import Update
from conftest import make_loaded_app, parse
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import OperationalError
from staff_helpers import (
    PASSWORD,
    SIGN_IN,
    account_form,
    csrf,
    error_summary,
    form_fields,
    make_staff,
    signed_in,
)

PUBLISHER = "li-publisher"
STATUS_LINK = re.compile(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}")
UNSAVED = "暂时无法保存，您的文字还在这里"
PUBLIC_PAGES = ("/", "/services/assistive-devices", "/en/services/assistive-devices",
                "/search?q=辅助器具", "/updates/")  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An app with content, its search index and a publisher's account."""
    app = make_loaded_app(tmp_path_factory.mktemp("failures") / "site.sqlite")
    make_staff(app, PUBLISHER, "publisher")
    return app


def engine_of(app):
    """The app's SQLAlchemy engine."""
    with app.app_context():
        return db.engine


@contextmanager
def full_disk(app):
    """Every INSERT, UPDATE and DELETE fails, as when the disk is full."""

    def refuse(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            error = sqlite3.OperationalError("database or disk is full")
            raise OperationalError(statement, parameters, error)

    engine = engine_of(app)
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


@contextmanager
def read_only(app):
    """Every new connection is read-only, as when the file cannot be written."""

    def query_only(connection, _record):
        if engine.dialect.name == "sqlite":
            connection.execute("PRAGMA query_only = ON")
        else:
            connection.execute("SET default_transaction_read_only = on")
            connection.commit()  # a setting made in a transaction goes with its rollback

    engine = engine_of(app)
    engine.dispose()
    event.listen(engine, "connect", query_only)
    try:
        yield
    finally:
        event.remove(engine, "connect", query_only)
        engine.dispose()


@contextmanager
def unreachable(app):
    """Every statement fails, reads too, as when the database server is down; the page
    cache cannot tell the generation from the SQLite file either."""

    def refuse(connection, cursor, statement, parameters, context, executemany):
        error = sqlite3.OperationalError("server closed the connection unexpectedly")
        raise OperationalError(statement, parameters, error)

    engine, watch = engine_of(app), page_cache.watch_of(app)
    watched, watch.path = watch.path, None
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
        watch.path = watched


OUTAGES = pytest.mark.parametrize("outage", [full_disk, read_only], ids=["full", "read-only"])


def new_draft(client, title: str) -> str:
    """Create a draft update through the form; return its edit URL."""
    fields = form_fields(client.get("/staff/updates/new").data, "edit-form")
    fields |= {"kind": ["notice"], "title": [title], "summary": ["停电测试。"], "body": ["正文。"]}
    response = client.post("/staff/updates/new", data=fields | {"action": ["save"]})
    assert response.status_code == 303, response.text[:2000]
    return response.headers["Location"]


def body_of(app, url: str) -> str:
    """The saved body of the update whose edit form is at `url`."""
    with app.app_context():
        return db.session.get(Update, int(url.rsplit("/", 1)[-1])).body


def last_seen(app, ago: timedelta) -> None:
    """Move every staff session's last request `ago` into the past."""
    with app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - ago))
        db.session.commit()


@pytest.mark.sqlite_only(reason="SQLite's settings")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(site):
    with site.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS


@OUTAGES
def test_a_refused_save_shows_the_text_again_and_the_next_save_succeeds(site, outage):
    client = signed_in(site, PUBLISHER)
    url = new_draft(client, f"停电前的草稿 {outage.__name__}")
    fields = form_fields(client.get(url).data, "edit-form")

    with outage(site):
        response = client.post(url, data=fields | {"body": ["停电时写的正文。"], "action": "save"})

    assert response.status_code == 503
    summary = error_summary(response.data)
    assert summary is not None and UNSAVED in summary.text
    again = form_fields(response.data, "edit-form")
    assert again["body"] == ["停电时写的正文。"]
    assert parse(response.data).find("form", id="edit-form").get("data-local-copy").endswith(url)
    assert body_of(site, url) == "正文。"

    saved = client.post(url, data=again | {"action": "save"})

    assert saved.status_code == 303
    assert body_of(site, url) == "停电时写的正文。"
    page = parse(client.get(url).data).find("form", id="edit-form")
    assert page.get("data-local-copy-saved") == page.get("data-local-copy")


@OUTAGES
def test_a_refused_new_item_shows_the_text_again(site, outage):
    client = signed_in(site, PUBLISHER)
    fields = form_fields(client.get("/staff/updates/new").data, "edit-form")
    fields |= {"kind": ["notice"], "title": ["停电时新建的通知"], "summary": ["摘要。"]}

    with outage(site):
        response = client.post("/staff/updates/new", data=fields | {"action": ["save"]})

    assert response.status_code == 503 and UNSAVED in response.text
    assert form_fields(response.data, "edit-form")["title"] == ["停电时新建的通知"]
    with site.app_context():
        assert db.session.scalar(select(Update).where(Update.title == "停电时新建的通知")) is None


@OUTAGES
def test_a_refused_autosave_says_so_where_it_reports(site, outage):
    client = signed_in(site, PUBLISHER)
    url = new_draft(client, f"自动保存停电 {outage.__name__}")
    fields = form_fields(client.get(url).data, "edit-form")
    token = fields.pop("csrf_token")[0]

    with outage(site):
        response = client.post(
            f"{url}/autosave",
            data=fields | {"body": ["停电时自动保存的。"]},
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )

    assert response.status_code == 503
    assert "暂时无法自动保存" in response.text and "<html" not in response.text


@OUTAGES
def test_public_pages_answer_during_and_after_an_outage(site, outage, monkeypatch):
    with site.app_context():
        record_change("service", "assistive-devices")  # waits for the site's own check
        db.session.commit()
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    client = site.test_client()

    with outage(site):
        during = {path: client.get(path).status_code for path in PUBLIC_PAGES}
        background.wait()  # the check, beside the requests, fails during the outage
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    after = {path: client.get(path).status_code for path in PUBLIC_PAGES}
    background.wait()

    assert during == after == dict.fromkeys(PUBLIC_PAGES, 200)
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 0


@OUTAGES
def test_staff_pages_work_while_last_seen_cannot_be_written(site, outage):
    client = signed_in(site, PUBLISHER)
    last_seen(site, timedelta(minutes=5))

    with outage(site):
        during = client.get("/staff/")
    after = client.get("/staff/")

    assert during.status_code == 200 and after.status_code == 200
    assert "已登录" in during.text
    with site.app_context():
        newest = db.session.scalar(select(func.max(StaffSession.last_seen_at)))
        assert utcnow() - newest < timedelta(seconds=30)


@OUTAGES
def test_a_timed_out_session_ends_even_when_the_end_cannot_be_written(site, outage):
    client = signed_in(site, PUBLISHER)
    last_seen(site, timedelta(hours=1))

    with outage(site):
        response = client.get("/staff/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith(SIGN_IN)


@OUTAGES
def test_signing_in_during_an_outage_gets_a_clear_page_not_a_crash(site, outage):
    client = site.test_client()
    token = csrf(client)

    with outage(site):
        response = client.post(
            SIGN_IN, data={"csrf_token": token, "username": PUBLISHER, "password": PASSWORD}
        )

    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "暂时无法完成这个操作" in parse(response.data).find("h1").text
    assert b"Traceback" not in response.data and b"OperationalError" not in response.data
    assert signed_in(site, PUBLISHER).get("/staff/").status_code == 200


# A resident's message on each form, with the fields that form asks for.
MESSAGES = {
    "/feedback/ask": {"topic": "rehabilitation"},
    "/en/feedback/barrier": {
        "township": "zhenxing", "location": "振兴路和文化路路口", "barrier_type": "tactile"
    },
    "/feedback/page-error": {"page": "/services/assistive-devices"},
}  # fmt: skip


def send(client, path: str, body: str, **fields):
    """Post a resident's form as a browser would."""
    data = {"csrf_token": csrf(client, path), "reply_by": "site", "body": body, **fields}
    return client.post(path, data=data)


@pytest.mark.parametrize("path", MESSAGES)
@OUTAGES
def test_a_residents_message_the_database_refuses_is_shown_again(site, outage, path):
    """Nothing is received, the resident is told so, and what they wrote is in the form to
    send again in a few minutes; then it goes through."""
    client = site.test_client()
    body = f"盲道上停满了车 {outage.__name__}"
    with outage(site):
        response = send(client, path, body, **MESSAGES[path])
    assert response.status_code == 503 and response.headers["Retry-After"]
    form = parse(response.data).find("textarea", name="body")
    assert form.get_text().strip() == body
    assert "请过几分钟再提交" in response.text or "a few minutes" in response.text
    assert send(client, path, body, **MESSAGES[path]).status_code == 303


@OUTAGES
def test_a_follow_up_the_database_refuses_is_shown_again(site, outage):
    client = site.test_client()
    question = f"残疾人证丢了怎么补办？{outage.__name__}"  # not the same message twice
    sent = send(client, "/feedback/ask", question, topic="rehabilitation")
    status = STATUS_LINK.search(client.get(sent.headers["Location"]).text).group()
    with outage(site):
        response = client.post(status, data={"csrf_token": csrf(client, status), "body": "补充"})
    assert response.status_code == 503
    assert parse(response.data).find("textarea", name="body").get_text().strip() == "补充"


def test_a_request_that_failed_is_logged_without_a_private_link_s_token(site, caplog):
    """Flask's own line for an exception names the path; a status link's token opens
    what a resident wrote."""
    token = "x" * 43
    with site.test_request_context(f"/feedback/status/{token}"):
        site.logger.error("Exception on %s [%s]", f"/feedback/status/{token}", "POST")
    assert "Exception on /feedback/status/… [POST]" in caplog.text and token not in caplog.text


def test_a_refused_message_leaves_no_word_of_it_in_the_log(site, caplog):
    """The log names the statement that failed, never the values: here what a resident
    wrote about their health."""
    caplog.set_level(logging.DEBUG)
    written = "我有抑郁症，想问康复怎么申请"
    with read_only(site):
        response = send(site.test_client(), "/feedback/ask", written, topic="rehabilitation")
    assert response.status_code == 503 and written in response.text  # kept on the form
    assert "INSERT" in caplog.text  # the failure is logged…
    assert "抑郁症" not in caplog.text  # …without what was written


def test_pages_say_the_site_cannot_be_read_while_the_database_is_down(site, still_clock):
    """Not a bare 500 from below the app, and not "saving" when nothing was being saved; a
    page the cache kept is its last good copy, marked as old (tests/test_page_cache_outage.py):
    on the day it was kept, so the clock stands still (local midnight could come between)."""
    client = site.test_client()
    client.get("/")  # in the page cache, which cannot tell whether it is still current
    with unreachable(site):
        home, service = (client.get(path) for path in ("/", "/services/exam-accommodations"))
    for response in (home, service):
        assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
        assert b"Traceback" not in response.data
    page = parse(service.data)
    assert page.find("h1").text == "暂时打不开这个页面"
    assert "保存" not in page.find("main").text
    copy = parse(home.data)
    assert copy.find("title").text.startswith("（旧副本）")
    assert "可能已经过时" in copy.find("main").find(role="alert").text
    assert client.get("/").status_code == 200, "and back by itself"


@pytest.mark.parametrize("path", MESSAGES)
def test_a_residents_message_is_kept_while_the_database_is_down(site, path):
    """The form cannot be built (its choices, and the federation's published channels that
    its privacy note names, are in the database): what was written is shown to copy, with
    what to do."""
    client = site.test_client()
    body = "楼道里的扶手断了，请派人来看看。"
    token = csrf(client, path)
    with unreachable(site):
        response = client.post(
            path, data={"csrf_token": token, "reply_by": "site", "body": body, **MESSAGES[path]}
        )
    assert response.status_code == 503
    page = parse(response.data)
    kept = [box.get_text().strip() for box in page.find_all("textarea")]
    typed = (MESSAGES[path].get("location"), MESSAGES[path].get("page"), body)
    assert kept == [text for text in typed if text]
    assert "没有收到" in page.find("main").text or "not received" in page.find("main").text


ADDRESSES = itertools.count(1)


def feedback_item(site) -> int:
    """A resident's question, from an address of its own; its id."""
    client = site.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.9.{next(ADDRESSES)}.1"
    response = send(client, "/feedback/ask", "助听器怎么申请？", topic="rehabilitation")
    assert response.status_code == 303
    with site.app_context():
        return db.session.scalar(select(func.max(FeedbackItem.id)))


@OUTAGES
def test_a_refused_note_or_reply_keeps_the_text_on_the_item(site, outage):
    item_id = feedback_item(site)
    client = signed_in(site, PUBLISHER)
    token = csrf(client, f"/staff/inbox/{item_id}")
    note = {"csrf_token": token, "body": "已经电话联系，下周上门。"}
    reply = {"csrf_token": token, "body": "请带残疾人证到区残联。", "confirm": "yes"}
    with outage(site):
        responses = {
            "note": client.post(f"/staff/inbox/{item_id}/note", data=note),
            "reply": client.post(f"/staff/inbox/{item_id}/reply", data=reply),
        }
    for field, response in responses.items():
        assert response.status_code == 503 and response.headers["Retry-After"]
        box = parse(response.data).find("textarea", id=f"field-{field}")
        assert box.get_text().strip() == (note if field == "note" else reply)["body"]
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(FeedbackMessage)) == 0


def test_a_note_is_kept_to_copy_while_the_database_is_down(site):
    item_id = feedback_item(site)
    client = signed_in(site, PUBLISHER)
    data = {"csrf_token": csrf(client, f"/staff/inbox/{item_id}"), "body": "下周二上门看看。"}
    with unreachable(site):
        response = client.post(f"/staff/inbox/{item_id}/note", data=data)
    assert response.status_code == 503
    assert [box.get_text().strip() for box in parse(response.data).find_all("textarea")] == [
        "下周二上门看看。"
    ]


def test_a_staff_save_while_the_database_is_down_says_where_the_text_still_is(site):
    client = signed_in(site, PUBLISHER)
    url = new_draft(client, "数据库停了的时候")
    fields = form_fields(client.get(url).data, "edit-form")
    with unreachable(site):
        response = client.post(url, data=fields | {"body": ["停机时写的正文。"], "action": "save"})
    assert response.status_code == 503
    main = parse(response.data).find("main").text
    assert "后退" in main and "这个浏览器里也留了一份" in main


@pytest.fixture
def unended(monkeypatch):
    """No session left unended by another test; each request tries again to end them."""
    monkeypatch.setattr(sessions, "UNENDED", {})
    monkeypatch.setattr(sessions, "_unended_tried", [])
    monkeypatch.setattr(sessions, "RETRY_UNENDED", timedelta(0))


def session_ended(app, username: str) -> str | None:
    """Why the only session of `username` ended, or None while it is open."""
    with app.app_context():
        return db.session.scalar(
            select(StaffSession.end_reason).join(StaffUser).where(StaffUser.username == username)
        )


@OUTAGES
def test_signing_out_while_writes_are_refused_forgets_this_browser(site, outage, unended, caplog):
    """The audit entry and the end were committed together before the cookie was cleared: a
    refused commit left the member of staff signed in (503)."""
    username = f"out-{outage.__name__}"
    make_staff(site, username, "editor")
    client = signed_in(site, username)
    copy = site.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    token = csrf(client, "/staff/")

    with outage(site), caplog.at_level(logging.WARNING):
        response = client.post("/staff/sign-out", data={"csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"].endswith(SIGN_IN)
        page = client.get(response.headers["Location"])
        assert page.status_code == 200 and "您已在这个浏览器上退出登录" in page.text
        assert client.get("/staff/").status_code == 302
        assert copy.get("/staff/").status_code == 302  # refused though its row is open
        assert session_ended(site, username) is None

    assert "not ended in the database" in caplog.text and username not in caplog.text
    assert client.get("/").status_code == 200  # any request ends it, now it can
    assert session_ended(site, username) == "signed-out"
    assert copy.get("/staff/").status_code == 302
    assert not sessions.UNENDED


def test_signing_out_when_only_the_audit_entry_is_refused_still_ends_the_session(site, unended):
    username = "out-no-audit"
    make_staff(site, username, "editor")
    client = signed_in(site, username)

    def refuse(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(f"INSERT INTO {AuditEntry.__tablename__}"):
            error = sqlite3.OperationalError("database or disk is full")
            raise OperationalError(statement, parameters, error)

    engine = engine_of(site)
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        response = client.post("/staff/sign-out", data={"csrf_token": csrf(client, "/staff/")})
    finally:
        event.remove(engine, "before_cursor_execute", refuse)

    assert response.status_code == 303
    assert "您已退出登录" in client.get(SIGN_IN).text
    assert session_ended(site, username) == "signed-out" and not sessions.UNENDED


NOT_WRITTEN = "网站暂时无法写入数据"


@OUTAGES
def test_a_refused_new_account_keeps_what_the_administrator_typed(site, outage):
    """The accounts' pages had no handler of their own: the site's 503, the form gone."""
    make_staff(site, f"admin-{outage.__name__}", "admin")
    client = signed_in(site, f"admin-{outage.__name__}")
    username = f"wang-{outage.__name__}"
    typed = {"csrf_token": csrf(client, "/staff/accounts/new"), "username": username,
             "display_name": "王新来", "role": "publisher",
             "password": "a first password nobody guesses"}  # fmt: skip

    with outage(site):
        response = client.post("/staff/accounts/new", data=typed)

    assert response.status_code == 503 and response.headers["Retry-After"]
    form = parse(response.data).find("form", action="/staff/accounts/new")
    assert form.find("input", id="field-username")["value"] == username
    assert form.find("input", id="field-display_name")["value"] == "王新来"
    assert form.find("option", selected=True)["value"] == "publisher"
    assert not form.find("input", id="field-password").get("value")
    assert typed["password"] not in response.text
    assert NOT_WRITTEN in error_summary(response.data).text
    with site.app_context():
        assert db.session.scalar(select(StaffUser).where(StaffUser.username == username)) is None

    assert client.post("/staff/accounts/new", data=typed).status_code == 303


@OUTAGES
@pytest.mark.parametrize(
    ("action", "field"), [("role", "role"), ("password", "password"), ("disable", "account")]
)
def test_a_refused_change_to_an_account_says_so_on_its_page(site, outage, action, field):
    admin, other = f"admin-{outage.__name__}-{action}", f"other-{outage.__name__}-{action}"
    make_staff(site, admin, "admin")
    other_id = make_staff(site, other, "editor")
    client = signed_in(site, admin)
    url = f"/staff/accounts/{other_id}"
    data = {**account_form(client, url), "action": action, "role": "publisher",
            "password": "another password nobody guesses"}  # fmt: skip

    with outage(site):
        response = client.post(url, data=data)

    assert response.status_code == 503
    assert parse(response.data).find("h1").get_text(strip=True).endswith(other)
    summary = error_summary(response.data)
    assert NOT_WRITTEN in summary.text and summary.find("a")["href"] == f"#field-{field}"
    assert data["password"] not in response.text
    with site.app_context():
        user = db.session.get(StaffUser, other_id)
        assert user.active and user.role == "editor" and not user.must_change_password


@OUTAGES
def test_a_refused_password_change_says_nothing_changed(site, outage):
    username = f"changing-{outage.__name__}"
    make_staff(site, username, "editor")
    client = signed_in(site, username)
    data = {"csrf_token": csrf(client, "/staff/password"), "current": PASSWORD,
            "new": "a brand new passphrase here"}  # fmt: skip

    with outage(site):
        response = client.post("/staff/password", data=data)

    assert response.status_code == 503 and "密码没有修改" in error_summary(response.data).text
    assert PASSWORD not in response.text and data["new"] not in response.text
    assert client.get("/staff/").status_code == 200  # still signed in, password unchanged


def test_a_new_account_is_kept_to_copy_while_the_database_is_down(site):
    make_staff(site, "admin-down", "admin")
    client = signed_in(site, "admin-down")
    typed = {"csrf_token": csrf(client, "/staff/accounts/new"), "username": "zhao-down",
             "display_name": "赵停机", "role": "editor",
             "password": "a first password nobody guesses"}  # fmt: skip
    with unreachable(site):
        response = client.post("/staff/accounts/new", data=typed)
    assert response.status_code == 503
    kept = [box.get_text().strip() for box in parse(response.data).find_all("textarea")]
    assert kept == ["zhao-down", "赵停机"] and typed["password"] not in response.text
