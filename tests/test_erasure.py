"""What a purge deletes is gone from the database's files, not only from its tables: on
SQLite every connection deletes securely (freed space overwritten), and every deletion of
personal data ends with a checkpoint that empties the write-ahead log
(`database.erase_deleted`): the inbox's purge, alert subscriptions cancelled or never
confirmed, the hourly housekeeping, and files staff delete. A checkpoint that other
connections keep busy fails no purge, and is tried again."""

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from barrierfree import database
from barrierfree.alerts.models import AlertSubscription
from barrierfree.alerts.operations import UNCONFIRMED_DAYS, token_of
from barrierfree.database import db, utcnow
from barrierfree.feedback.models import FeedbackItem
from barrierfree.staff import periodic
from barrierfree.staff.editing import media
from barrierfree.staff.inbox import retention
from barrierfree.staff.models import StaffSession
from conftest import make_app
from sqlalchemy import select, text, update
from staff_helpers import csrf, make_staff, signed_in
from test_media import PDF, confirm_form, stored, upload

SQLITE_FILES = pytest.mark.sqlite_only(reason="SQLite's database file and write-ahead log")
PHONE = "13987654321"
WORDS = "我有糖尿病，视力不好，住在幸福路 8 号"


@pytest.fixture
def site(tmp_path):
    """A site of its own on a migrated database."""
    return make_app(tmp_path / "erasure.sqlite", PAGE_CACHE=False)


def files_of(app) -> dict[str, bytes]:
    """The database's file and its write-ahead log, as they are on disk now."""
    main = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    wal = main.with_name(main.name + "-wal")
    return {path.name: path.read_bytes() for path in (main, wal) if path.exists()}


def holding(app, *secrets: str) -> list[str]:
    """The database's files that hold any of `secrets` (UTF-8, as SQLite keeps text)."""
    return [
        name
        for name, data in files_of(app).items()
        if any(secret.encode() in data for secret in secrets)
    ]


def ask(app) -> int:
    """A resident asks a question, to be answered by a call: the item's id."""
    client = app.test_client()
    path = "/feedback/ask"
    data = {"csrf_token": csrf(client, path), "topic": "other", "body": WORDS,
            "reply_by": "phone", "contact_phone": PHONE}  # fmt: skip
    response = client.post(path, data=data)
    assert response.status_code == 303, response.text[:2000]
    with app.app_context():
        return db.session.scalars(select(FeedbackItem.id)).one()


def close_long_ago(app, item_id: int) -> None:
    """Close the item longer ago than its texts and contact details are kept."""
    days = app.config["FEEDBACK_RETENTION_DAYS"] + 1
    with app.app_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == item_id)
            .values(state="closed", closed_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


@SQLITE_FILES
def test_every_connection_deletes_securely_and_keeps_its_log_short(site):
    with site.app_context():
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
        limit = db.session.execute(text("PRAGMA journal_size_limit")).scalar()
        assert limit == database.JOURNAL_SIZE_LIMIT


@SQLITE_FILES
def test_a_purged_question_is_in_neither_the_database_file_nor_its_log(site):
    item_id = ask(site)
    assert holding(site, PHONE, WORDS)  # there to be found, before the purge
    close_long_ago(site, item_id)
    result = site.test_cli_runner().invoke(args=["inbox", "purge"])
    assert result.exit_code == 0, result.output
    with site.app_context():
        row = db.session.get(FeedbackItem, item_id)
        assert row.purged_at is not None and row.body == "" and row.contact_phone is None
    assert holding(site, PHONE) == [] and holding(site, WORDS) == []


@SQLITE_FILES
@pytest.mark.slow
def test_a_checkpoint_kept_busy_fails_no_purge_and_is_tried_again(site, caplog):
    item_id = ask(site)
    close_long_ago(site, item_id)
    reader = sqlite3.connect(Path(site.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]))
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM feedback_item").fetchone()  # an older snapshot, held
    with caplog.at_level(logging.WARNING, logger="barrierfree.database"), site.app_context():
        assert retention.purge() == 1
    assert "still in SQLite's write-ahead log" in caplog.text
    with site.app_context():
        assert db.session.get(FeedbackItem, item_id).contact_phone is None
    reader.rollback()
    reader.close()
    with site.app_context():
        assert retention.purge() == 0  # nothing new: the owed checkpoint all the same
    assert holding(site, PHONE) == [] and holding(site, WORDS) == []


@SQLITE_FILES
def test_a_cancelled_alert_subscription_is_erased(site):
    with site.app_context():
        subscription = AlertSubscription(email="wang.fang@example.com", nonce="1" * 32,
                                         confirmed_at=utcnow())  # fmt: skip
        db.session.add(subscription)
        db.session.commit()
        token = token_of(subscription)
    assert holding(site, "wang.fang@example.com")
    client = site.test_client()
    path = f"/alerts/unsubscribe/{token}"
    response = client.post(path, data={"csrf_token": csrf(client, path)})
    assert response.status_code == 200
    with site.app_context():
        assert db.session.scalars(select(AlertSubscription)).all() == []
    assert holding(site, "wang.fang@example.com") == []


@SQLITE_FILES
def test_an_alert_subscription_nobody_confirmed_is_erased(site):
    with site.app_context():
        made = utcnow() - timedelta(days=UNCONFIRMED_DAYS + 1)
        db.session.add(AlertSubscription(email="li.na@example.com", nonce="2" * 32,
                                         created_at=made))  # fmt: skip
        db.session.commit()
    assert holding(site, "li.na@example.com")
    result = site.test_cli_runner().invoke(args=["inbox", "purge"])
    assert "Deleted 1 unconfirmed" in result.output
    assert holding(site, "li.na@example.com") == []


def test_the_housekeeping_erases_what_it_deleted(site, monkeypatch):
    user_id = make_staff(site, "li", "editor")
    erased: list[int] = []
    monkeypatch.setattr(periodic, "erase_deleted", erased.append)
    with site.app_context():
        old = utcnow() - timedelta(days=400)
        db.session.add(StaffSession(token_hash="0" * 64, user_id=user_id, created_at=old,
                                    last_seen_at=old, ended_at=old))  # fmt: skip
        db.session.commit()
        periodic.housekeeping()
        assert db.session.scalars(select(StaffSession)).all() == []
    assert erased == [1]


def test_a_file_staff_delete_is_erased(tmp_path, monkeypatch):
    app = make_app(tmp_path / "media.sqlite", UPLOAD_DIR=str(tmp_path / "uploads"))
    make_staff(app, "publisher", "publisher")
    client = signed_in(app, "publisher")
    upload(client, PDF, "名单.pdf")
    name = stored(app)[-1].name
    erased: list[int] = []
    monkeypatch.setattr(media, "erase_deleted", erased.append)
    url = f"/staff/media/{name}/delete"
    assert client.post(url, data=confirm_form(client.get(url))).status_code == 303
    assert erased == [1]


def test_on_any_database_nothing_deleted_is_nothing_to_erase(site):
    with site.app_context():
        assert database.erase_deleted(0) is True
        assert database.erase_deleted(3) is True  # erased (SQLite), or the vacuum's (PostgreSQL)
