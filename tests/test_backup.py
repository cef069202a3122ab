"""`flask db backup` and `flask db restore`: consistent copies, checked before they replace data."""

import hashlib
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from barrierfree import create_app, database
from barrierfree.database import alembic_config, backup, db, utcnow
from barrierfree.feedback.models import FeedbackItem
from barrierfree.pages.models import Page
from barrierfree.site_search.index import site_index
from barrierfree.site_search.sync import drain
from barrierfree.staff.models import StaffSession
from barrierfree.updates.models import Update
from sqlalchemy import func, inspect, select, text
from staff_helpers import csrf, make_staff, signed_in

# The checks of SQLite's backup file itself; PostgreSQL's archive (pg_dump) has tests of its
# own in test_postgres_site.py.
SQLITE_FILE = pytest.mark.sqlite_only(reason="SQLite's backup file")


@pytest.fixture
def instance(empty_app) -> Path:
    """The empty app's instance folder (each test app has its own), where backups go by
    default."""
    return Path(empty_app.instance_path)


@pytest.fixture
def live_database(empty_app) -> Path:
    """The empty app's SQLite file."""
    return Path(empty_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def add_page(slug: str, body: str = "正文") -> None:
    """Commit a static page to the current app's database."""
    db.session.add(Page(slug=slug, title=slug, body=body))
    db.session.commit()


def page_slugs() -> set[str]:
    """The slug of every static page in the current app's database."""
    return set(db.session.scalars(select(Page.slug)))


def row_counts() -> dict[str, int]:
    """The number of rows in every table of the current app's database."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def sql(path: Path, statement: str) -> list[tuple]:
    """Run one statement on the SQLite file at `path`, committed; return its rows."""
    with closing(sqlite3.connect(path)) as connection, connection:
        return connection.execute(statement).fetchall()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_brings_back_changed_and_deleted_rows(loaded_app, tmp_path):
    runner = loaded_app.test_cli_runner()
    with loaded_app.app_context():
        counts = row_counts()
        page = db.session.scalars(select(Page).order_by(Page.slug)).first()
        slug, body = page.slug, page.body

    result = runner.invoke(args=["db", "backup", str(tmp_path / "saved.sqlite")])
    assert result.exit_code == 0, result.output
    assert f"Backup written to {tmp_path / 'saved.sqlite'} (" in result.output
    assert " bytes)." in result.output

    with loaded_app.app_context():
        db.session.scalars(select(Page).filter_by(slug=slug)).one().body = "改过的正文"
        db.session.execute(Page.__table__.delete().where(Page.slug != slug))
        db.session.commit()
        assert row_counts() != counts

    result = runner.invoke(args=["db", "restore", str(tmp_path / "saved.sqlite"), "--yes"])
    assert result.exit_code == 0, result.output

    with loaded_app.app_context():
        assert row_counts() == counts
        assert db.session.scalars(select(Page).filter_by(slug=slug)).one().body == body


@SQLITE_FILE
def test_restore_writes_a_safety_backup_first(empty_app, runner, instance, tmp_path):
    with empty_app.app_context():
        saved = backup(tmp_path / "saved.sqlite")
        add_page("after-backup")

    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])
    assert result.exit_code == 0, result.output

    (safety_copy,) = (instance / "backups").glob("barrierfree-*-before-restore.sqlite")
    assert f"Safety backup of the previous database written to {safety_copy}" in result.output
    assert sql(safety_copy, "SELECT slug FROM page") == [("after-backup",)]
    with empty_app.app_context():
        assert page_slugs() == set()


@SQLITE_FILE
def test_backup_defaults_to_a_timestamped_file_in_the_instance_folder(runner, instance):
    result = runner.invoke(args=["db", "backup"])
    assert result.exit_code == 0, result.output
    (written,) = (instance / "backups").glob("barrierfree-????????-??????.sqlite")
    assert f"Backup written to {written} ({written.stat().st_size:,} bytes)." in result.output


@SQLITE_FILE
@pytest.mark.parametrize("keep", [[], ["--keep-days", "30"]], ids=["setting", "option"])
def test_a_backup_deletes_the_backups_older_than_it_keeps(runner, instance, keep):
    folder = instance / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    recent = datetime.now(UTC) - timedelta(days=29)
    names = {
        "old": "barrierfree-20200101-000000.sqlite",
        "old_safety": "barrierfree-20200102-000000-before-restore.sqlite",
        "recent": f"barrierfree-{recent:%Y%m%d-%H%M%S}.sqlite",
        "other": "notes-20200101-000000.sqlite",
    }
    for name in names.values():
        (folder / name).write_bytes(b"")
    result = runner.invoke(args=["db", "backup", *keep])  # BACKUP_KEEP_DAYS is 30
    assert result.exit_code == 0, result.output
    left = {path.name for path in folder.iterdir()}
    assert names["old"] not in left and names["old_safety"] not in left
    assert {names["recent"], names["other"]} < left and len(left) == 3
    assert f"Deleted {folder / names['old']}, older than 30 days." in result.output
    assert runner.invoke(args=["db", "backup", "--keep-days", "0"]).exit_code != 0


@SQLITE_FILE
def test_backup_during_an_open_write_transaction_is_consistent(empty_app, live_database, tmp_path):
    with empty_app.app_context():
        add_page("changed")
        add_page("deleted")
    with closing(sqlite3.connect(live_database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE page SET body = 'uncommitted' WHERE slug = 'changed'")
        writer.execute("DELETE FROM page WHERE slug = 'deleted'")
        with empty_app.app_context():
            saved = backup(tmp_path / "during-write.sqlite")
        writer.execute("COMMIT")

    assert sql(saved, "PRAGMA integrity_check") == [("ok",)]
    assert sql(saved, "SELECT slug, body FROM page ORDER BY slug") == [
        ("changed", "正文"),
        ("deleted", "正文"),
    ]
    assert sql(live_database, "SELECT slug, body FROM page") == [("changed", "uncommitted")]


def test_backup_refuses_to_overwrite_a_file(runner, tmp_path):
    existing = tmp_path / "existing.sqlite"
    existing.write_text("keep me")

    result = runner.invoke(args=["db", "backup", str(existing)])

    assert result.exit_code == 1
    assert "already exists" in result.output
    assert existing.read_text() == "keep me"


@SQLITE_FILE
def test_backup_that_fails_verification_is_deleted(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(database, "_copy", lambda source, target: target.write_text("garbage"))

    result = runner.invoke(args=["db", "backup", str(tmp_path / "bad.sqlite")])

    assert result.exit_code == 1
    assert "not a SQLite database" in result.output
    assert not (tmp_path / "bad.sqlite").exists()


def missing(good: Path) -> Path:
    """A path where there is no file."""
    return good.with_name("nowhere.sqlite")


def not_sqlite(good: Path) -> Path:
    """A text file."""
    path = good.with_name("notes.sqlite")
    path.write_text("这不是数据库\n")
    return path


def corrupt(good: Path) -> Path:
    """The good backup with its third page overwritten."""
    data = bytearray(good.read_bytes())
    data[8192:12288] = bytes(range(256)) * 16
    path = good.with_name("corrupt.sqlite")
    path.write_bytes(data)
    return path


def newer_schema(good: Path) -> Path:
    """The good backup, stamped with a migration this code does not have."""
    sql(good, "UPDATE alembic_version SET version_num = '9999'")
    return good


def not_this_site(good: Path) -> Path:
    """A sound SQLite database without Alembic's table."""
    path = good.with_name("other.sqlite")
    sql(path, "CREATE TABLE note (text TEXT)")
    return path


@SQLITE_FILE
@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (missing, "There is no file"),
        (not_sqlite, "is not a SQLite database"),
        (corrupt, "fails the integrity check"),
        (newer_schema, "schema revision 9999, newer than this code knows"),
        (not_this_site, "has no alembic_version"),
    ],
)
def test_restore_rejects_a_bad_file_and_changes_nothing(
    empty_app, runner, live_database, instance, tmp_path, make_file, message
):
    with empty_app.app_context():
        bad_file = make_file(backup(tmp_path / "good.sqlite"))
        add_page("current")
    before = file_digest(live_database)

    result = runner.invoke(args=["db", "restore", str(bad_file), "--yes"])

    assert result.exit_code == 1
    assert message in result.output
    assert file_digest(live_database) == before
    assert not (instance / "backups").exists()


@SQLITE_FILE
def test_restore_refuses_the_live_database_itself(runner, live_database):
    before = file_digest(live_database)

    result = runner.invoke(args=["db", "restore", str(live_database), "--yes"])

    assert result.exit_code == 1
    assert "is the live database itself" in result.output
    assert file_digest(live_database) == before


@SQLITE_FILE
def test_restore_answered_no_changes_nothing(empty_app, runner, live_database, instance, tmp_path):
    with empty_app.app_context():
        saved = backup(tmp_path / "saved.sqlite")
        add_page("current")
    before = file_digest(live_database)

    result = runner.invoke(args=["db", "restore", str(saved)], input="n\n")

    assert "Replace " in result.output
    assert result.exit_code == 1
    assert "Aborted!" in result.output
    assert file_digest(live_database) == before
    assert not (instance / "backups").exists()


@SQLITE_FILE
def test_restore_upgrades_a_backup_of_an_older_schema(empty_app, runner, tmp_path):
    old_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite'}",
            "SEARCH_INDEX_DIR": str(tmp_path / "old-index"),
        }
    )
    with old_app.app_context():
        command.upgrade(alembic_config(), "0002")
        saved = backup(tmp_path / "old-backup.sqlite")

    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])

    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        assert "search_change" in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (database._revisions()[0],)
        ]


@pytest.mark.parametrize("args", [["db", "backup"], ["db", "restore", "any.sqlite", "--yes"]])
def test_other_databases_are_left_to_their_own_tools(empty_app, runner, args):
    empty_app.config["SQLALCHEMY_DATABASE_URI"] = "mysql://site@localhost/barrierfree"

    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert "SQLite and PostgreSQL only" in result.output


# --- A restore revokes nothing by accident: sessions end, the index follows -----------------


def test_a_restore_ends_every_staff_session_even_one_signed_out_since(empty_app, runner, tmp_path):
    make_staff(empty_app, "zhao-editor", "editor")
    client = signed_in(empty_app, "zhao-editor")
    copied = empty_app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    with empty_app.app_context():
        saved = backup(tmp_path / "saved.sqlite")
    client.post("/staff/sign-out", data={"csrf_token": csrf(client, "/staff/")})
    assert copied.get("/staff/").status_code == 302

    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])

    assert result.exit_code == 0, result.output
    assert "Every staff session was ended" in result.output
    response = copied.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/sign-in")
    with empty_app.app_context():
        ended = db.session.execute(select(StaffSession.ended_at, StaffSession.end_reason)).all()
        assert [(at is not None, reason) for at, reason in ended] == [(True, "restored")]


def test_a_restore_rebuilds_the_search_index_so_no_lost_item_is_found(loaded_app, tmp_path):
    runner = loaded_app.test_cli_runner()
    with loaded_app.app_context():
        saved = backup(tmp_path / "saved.sqlite")
        ghost = Update(slug="ghost-notice", kind="notice", status="published",
                       title="幽灵通知", summary="备份之后才发布的通知。", body="幽灵通知正文。",
                       published_at=utcnow())  # fmt: skip
        db.session.add(ghost)
        db.session.commit()
        drain(site_index())
    client = loaded_app.test_client()
    assert "/updates/ghost-notice" in client.get("/search?q=幽灵通知").text

    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])

    assert result.exit_code == 0, result.output
    assert "Search index rebuilt from the restored database" in result.output
    assert client.get("/updates/ghost-notice").status_code == 404
    assert "/updates/ghost-notice" not in client.get("/search?q=幽灵通知").text


def test_a_restore_whose_index_rebuild_fails_says_what_to_run(
    empty_app, runner, tmp_path, monkeypatch
):
    with empty_app.app_context():
        saved = backup(tmp_path / "saved.sqlite")

    def busy(index, progress=None):
        raise RuntimeError("index busy")

    monkeypatch.setattr("barrierfree.site_search.sync.write_documents", busy)
    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])

    assert result.exit_code == 1
    assert "Every staff session was ended" in result.output
    assert "The search index was not rebuilt (index busy)" in result.output
    assert "flask search rebuild" in result.output


def old_and_recent_backups(folder: Path) -> dict[str, str]:
    """An empty file named as a backup of five years ago and one of 29 days ago, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    recent = datetime.now(UTC) - timedelta(days=29)
    names = {
        "old": "barrierfree-20200101-000000.sqlite",
        "recent": f"barrierfree-{recent:%Y%m%d-%H%M%S}.sqlite",
    }
    for name in names.values():
        (folder / name).write_bytes(b"")
    return names


@SQLITE_FILE
def test_a_backup_that_fails_still_deletes_the_backups_older_than_promised(
    runner, instance, monkeypatch
):
    """Backups fail most often on a full disk; the old ones kept what residents wrote past
    the days the privacy notice promises. The recent one, within the promise, stays."""
    folder = instance / "backups"
    names = old_and_recent_backups(folder)
    monkeypatch.setattr(database, "_copy", lambda source, target: target.write_text("garbage"))
    result = runner.invoke(args=["db", "backup"])
    assert result.exit_code == 1
    assert f"Deleted {folder / names['old']}, older than 30 days." in result.output
    assert "The backup failed" in result.output
    assert {path.name for path in folder.iterdir()} == {names["recent"]}


@SQLITE_FILE
def test_keep_days_cannot_keep_backups_longer_than_the_notice_promises(empty_app, runner, instance):
    """The feedback form's privacy notice reads BACKUP_KEEP_DAYS; --keep-days 60 made it
    understate how long a resident's words stay in a backup."""
    folder = instance / "backups"
    names = old_and_recent_backups(folder)
    result = runner.invoke(args=["db", "backup", "--keep-days", "60"])
    assert result.exit_code == 2
    assert "60 days is longer than BACKUP_KEEP_DAYS (30)" in result.output
    assert "BARRIERFREE_BACKUP_KEEP_DAYS" in result.output
    assert {path.name for path in folder.iterdir()} == set(names.values()), "nothing done"

    result = runner.invoke(args=["db", "backup", "--keep-days", "7"])
    assert result.exit_code == 0, result.output
    left = {path.name for path in folder.iterdir()}
    assert not left & set(names.values()) and len(left) == 1


def test_a_restore_deletes_again_what_the_purge_deleted_since_the_backup(
    empty_app, runner, tmp_path
):
    """Until the next hourly housekeeping, the restored site showed residents' words whose
    time was up (and a site nobody visits has none)."""
    from test_purge_command import item_received

    max_age = empty_app.config["FEEDBACK_MAX_AGE_DAYS"]
    with empty_app.app_context():
        rows = [item_received(max_age + 1, "new", 1), item_received(max_age - 1, "new", 2)]
        db.session.add_all(rows)
        db.session.commit()
        due, kept = (row.id for row in rows)
        saved = backup(tmp_path / "saved.sqlite")
    assert empty_app.test_cli_runner().invoke(args=["inbox", "purge"]).exit_code == 0

    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Deleted again what is kept no longer: the texts and contact details of 1 item(s)" in (
        result.output
    )
    with empty_app.app_context():
        purged, left = db.session.get(FeedbackItem, due), db.session.get(FeedbackItem, kept)
        assert purged.purged_at and purged.body == "" and purged.contact_phone is None
        assert purged.photos == [] and [m.body for m in purged.messages] == [""]
        assert left.body == "来信 2" and left.purged_at is None


def test_a_restore_whose_purge_fails_says_what_to_run(empty_app, runner, tmp_path, monkeypatch):
    with empty_app.app_context():
        saved = backup(tmp_path / "saved.sqlite")

    def broken():
        raise RuntimeError("database locked")

    monkeypatch.setattr("barrierfree.staff.inbox.forget_what_is_due", broken)
    result = runner.invoke(args=["db", "restore", str(saved), "--yes"])
    assert result.exit_code == 1
    assert "Search index rebuilt from the restored database" in result.output
    assert "was not deleted again (database locked); run `flask inbox purge` now" in (result.output)
