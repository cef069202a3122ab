"""The site's own database on PostgreSQL, on a throwaway server: the migrations, content,
the public pages, the back office, and what several app servers on one database must
agree on (scheduled publication, sign-in limits, the page cache, search, backups).

Each test has a database of its own, copied from a template made once (`CREATE DATABASE
… TEMPLATE`): one migrated, one with content/, its search index (the PostgreSQL backend,
in the same database) and staff accounts. The schema tests of test_migrations.py run
here a second time, on PostgreSQL: pytest gives them this module's `empty_app` (not the
test of cleaned media names: PostgreSQL never held a name with a NUL character).
"""

import gc
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from barrierfree import background, create_app, database
from barrierfree.content.loader import load
from barrierfree.database import alembic_config, backup, db, upgrade, utcnow
from barrierfree.facilities.models import Township
from barrierfree.feedback import operations
from barrierfree.feedback.models import FeedbackItem, FeedbackYear
from barrierfree.opening_hours import local
from barrierfree.page_cache import HEADER, watch_of
from barrierfree.pages.models import Page
from barrierfree.services.models import Service
from barrierfree.site_search.index import site_index
from barrierfree.site_search.sync import OUTBOX_LOCK, SearchChange, drain_if_waiting, record_change
from barrierfree.site_search.sync import write_documents as index_everything
from barrierfree.staff import periodic
from barrierfree.staff.editing import publishing
from barrierfree.staff.models import AuditEntry, Revision, Schedule, StaffSession
from barrierfree.updates.models import Update
from conftest import load_content, parse
from flask import Flask
from sqlalchemy import func, make_url, select, text, update
from staff_helpers import answered, make_staff, sign_in, signed_in
from test_migrations import (  # noqa: F401 (the schema's tests, run here on PostgreSQL)
    test_constraints_made_without_names_are_given_theirs,
    test_every_constraint_is_named_by_the_convention,
    test_every_migration_can_be_undone_and_applied_again,
    test_renaming_the_constraints_keeps_the_search_outbox_ids_unused,
    test_the_migrated_schema_matches_the_models,
)
from test_staff_editing import READY, changed, create_update, edit_form, item_id, keep_photo

# The throwaway server's fixture, `postgres_url`.
pytest_plugins = ["postgres_server"]

PUBLISHER, EDITOR = "li-publisher", "zhao-editor"
WRONG, TOO_MANY = "用户名或密码不正确", "登录尝试次数过多"
BAD_PASSWORD = "not the password at all"


# --- Databases and app servers ------------------------------------------------------------


def server_on(url: str, folder: Path, **config) -> Flask:
    """One app server of the site: an app on the PostgreSQL database at `url`, with an
    instance folder of its own, searching the PostgreSQL backend."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_BACKEND": "postgres",
            "SEARCH_INDEX_DIR": str(folder / "search-index"),
            "UPLOAD_DIR": str(folder / "uploads"),
            "PAGE_CACHE_HEADER": True,  # as every test app (conftest)
            **config,
        }
    )
    app.instance_path = str(folder)
    return app


def close(app: Flask) -> None:
    """Close the app's connections, to its database and its search backend, once its
    background work is done (a connection that work holds would outlive the pool)."""
    assert background.wait(), "the app's background work did not finish"
    with app.app_context():
        db.engine.dispose()
        if app.config["SEARCH_BACKEND"] == "postgres":
            site_index().close()


@pytest.fixture(scope="module")
def migrated(module_database, tmp_path_factory) -> str:
    """The URL of a template database with every migration applied."""
    url = module_database()
    app = server_on(url, tmp_path_factory.mktemp("migrated"))
    with app.app_context():
        upgrade()
    close(app)
    return url


@pytest.fixture(scope="module")
def loaded(module_database, migrated, tmp_path_factory) -> str:
    """The URL of a template database with content/ (and the demo pack) loaded, its search
    index, and a publisher's and an editor's account (argon2 is slow on purpose)."""
    url = module_database(migrated)
    app = server_on(url, tmp_path_factory.mktemp("loaded"))
    with app.app_context():
        load_content(Path(app.config["CONTENT_DIR"]))
        index_everything(site_index())
    make_staff(app, PUBLISHER, "publisher")
    make_staff(app, EDITOR, "editor")
    keep_photo(app)
    close(app)
    return url


@pytest.fixture
def servers(tmp_path) -> Iterator[Callable[..., Flask]]:
    """Makes app servers of the site (closed at the end): `servers(url)` for one on the
    database at `url`, with an instance folder of its own."""
    made: list[Flask] = []

    def make(url: str, **config) -> Flask:
        app = server_on(url, tmp_path / f"server-{len(made)}", **config)
        made.append(app)
        return app

    yield make
    for app in made:
        close(app)


@pytest.fixture
def site(new_database, servers, loaded) -> Flask:
    """An app server on a database of the test's own, with content and staff accounts."""
    return servers(new_database(loaded))


@pytest.fixture
def empty_app(new_database, servers, migrated) -> Flask:
    """An app server on a migrated, empty database of the test's own: the fixture of the
    tests imported from test_migrations.py."""
    return servers(new_database(migrated))


def other_server(servers, app: Flask, name: str) -> Flask:
    """Another app server on the same database as `app`, searching the same index through
    search settings (and connections) of its own."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    search_url = make_url(url).update_query_dict({"application_name": name})
    return servers(url, SEARCH_DATABASE_URL=search_url.render_as_string(hide_password=False))


def on_threads(*steps: Callable[[], object]) -> list:
    """Run the steps at the same moment, each on a thread of its own; their results."""
    start, results = threading.Barrier(len(steps)), [None] * len(steps)

    def run(n: int) -> None:
        start.wait()
        results[n] = steps[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def in_context(app: Flask, step: Callable[[], object]) -> Callable[[], object]:
    """`step`, run in an app context of `app`."""

    def run():
        with app.app_context():
            return step()

    return run


# --- The settings -------------------------------------------------------------------------


def test_database_url_names_the_database_and_a_plain_url_uses_psycopg(monkeypatch, tmp_path):
    monkeypatch.setenv("BARRIERFREE_DATABASE_URL", "postgresql://site@db.example/barrierfree")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://site@db.example/barrierfree"
    )
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg"

    # What a test (or the app factory's caller) passes wins over the environment.
    local = f"sqlite:///{tmp_path / 'site.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": local})  # fmt: skip
    assert app.config["SQLALCHEMY_DATABASE_URI"] == local

    monkeypatch.delenv("BARRIERFREE_DATABASE_URL")
    monkeypatch.setenv("BARRIERFREE_SQLALCHEMY_DATABASE_URI", "postgresql://old@db/site")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://old@db/site"


@pytest.mark.no_database
def test_the_test_server_keeps_its_files_in_memory_only_where_there_is_room(monkeypatch):
    """Shared memory makes the tests' copies of databases fast, but a container's is often
    64 MB: without the room, or without the folder, the server goes to the temporary folder."""
    import postgres_server

    shared = Path("/dev/shm")
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 1)
    if shared.is_dir() and os.access(shared, os.W_OK):
        assert postgres_server.memory_folder() == "/dev/shm"
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 1 << 60)
    assert postgres_server.memory_folder() is None

    def no_folder(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(postgres_server.shutil, "disk_usage", no_folder)
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 1)
    assert postgres_server.memory_folder() is None


# --- Content and the public pages ---------------------------------------------------------


def test_content_loaded_again_is_unchanged(site):
    # The first load made the template; a second finds every record as the database keeps
    # it (dates, numbers, JSON and the fingerprints round-trip through PostgreSQL).
    with site.app_context():
        report = load(Path(site.config["CONTENT_DIR"]), demo=True)
        db.session.rollback()
    assert report.count("added") == report.count("changed") == report.count("kept") == 0
    assert report.count("unchanged") > 200


def test_the_main_public_pages_answer(site):
    client = site.test_client()
    with site.app_context():
        service = db.session.scalars(select(Service).order_by(Service.position)).first()
        township = db.session.scalars(select(Township.slug)).first()
    pages = [
        "/", "/en/", "/services/", f"/services/{service.slug}", f"/en/services/{service.slug}",
        "/plan/", "/plan/measures/", "/plan/indicators", "/facilities/",
        f"/facilities/?township={township}&need=step_free_entrance", "/contacts/", "/updates/",
        "/updates/feed.atom", "/sitemap.xml", "/feedback/results", "/data/",
    ]  # fmt: skip
    exports = [href for href in parse(client.get("/data/").data).find("main").hrefs
               if href.startswith("/data/") and href != "/data/"]  # fmt: skip
    assert len(exports) >= 5
    for path in pages + exports:
        assert client.get(path).status_code == 200, path

    found = client.get("/search", query_string={"q": service.title})
    assert f"/services/{service.slug}" in parse(found.data).find("main").hrefs


# --- The back office ----------------------------------------------------------------------


def test_a_publisher_signs_in_writes_and_publishes_an_update(site):
    publisher = signed_in(site, PUBLISHER)
    draft = create_update(publisher, **READY)
    assert draft.status_code == 303
    id_ = item_id(draft)
    assert site.test_client().get(f"/updates/{READY['slug']}").status_code == 404

    url = f"/staff/updates/{id_}"
    saved = publisher.post(url, data=changed(edit_form(publisher.get(url)), action="publish"))
    published = answered(publisher, saved)

    assert published.status_code == 303
    public = site.test_client()
    assert READY["title"] in public.get(f"/updates/{READY['slug']}").text
    found = parse(public.get("/search", query_string={"q": "助听器 报名"}).data).find("main")
    assert f"/updates/{READY['slug']}" in found.hrefs


def test_a_save_from_a_version_someone_else_saved_since_is_refused(site):
    first, second = signed_in(site, PUBLISHER), signed_in(site, EDITOR)
    id_ = item_id(create_update(first, **READY))
    url = f"/staff/updates/{id_}"
    form = edit_form(second.get(url))
    saved = first.post(url, data=changed(edit_form(first.get(url)), summary="第一个人改的摘要。"))
    assert saved.status_code == 303

    stale = second.post(url, data=changed(form, summary="第二个人改的摘要。"))

    assert stale.status_code == 409
    with site.app_context():
        assert db.session.get(Update, id_).summary == "第一个人改的摘要。"


def test_a_scheduled_item_is_published_once_by_servers_checking_at_once(site, servers):
    other = other_server(servers, site, "server-b")
    with site.app_context():
        publisher = db.session.scalar(text("SELECT id FROM staff_user WHERE role = 'publisher'"))
        due = utcnow() - timedelta(minutes=1)
        for n in range(6):
            draft = Update(slug=f"scheduled-{n}", kind="notice", status="draft",
                           title=f"定时发布的通知{n}", summary="摘要。", body="正文。")  # fmt: skip
            db.session.add(draft)
            db.session.flush()
            db.session.add(Schedule(kind="updates", item_id=draft.id, publish_at=due,
                                    user_id=publisher))  # fmt: skip
        db.session.commit()

    released = on_threads(*(in_context(app, publishing.release_due) for app in (site, other) * 2))

    assert sum(released) == 6
    with site.app_context():
        updates = db.session.scalars(select(Update).where(Update.slug.like("scheduled-%"))).all()
        assert {(u.status, u.version) for u in updates} == {("published", 2)}
        publications = select(func.count()).where(Revision.action == publishing.SCHEDULED)
        assert db.session.scalar(publications) == 6
        audit = select(func.count()).where(AuditEntry.action == publishing.SCHEDULED)
        assert db.session.scalar(audit) == 6
        assert db.session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_sign_in_limits_reached_on_one_server_hold_on_another(site, servers):
    other = other_server(servers, site, "server-b")
    here = "198.51.100.7"
    for app in (site, other, site, other, site):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = here
        assert WRONG in sign_in(client, PUBLISHER, BAD_PASSWORD).text

    client = other.test_client()
    client.environ_base["REMOTE_ADDR"] = here
    refused = sign_in(client, PUBLISHER)  # the right password
    assert refused.status_code == 400 and TOO_MANY in refused.text


def test_a_server_closes_after_its_background_work(new_database, loaded, tmp_path, monkeypatch):
    """A connection the periodic checks hold while the app's pool is disposed would be
    returned to the old pool and freed open, failing a later test at random."""

    def checks_holding_a_connection():
        db.session.execute(text("SELECT 1"))
        time.sleep(0.2)

    monkeypatch.setattr(periodic, "periodic_checks", checks_holding_a_connection)
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    app = server_on(new_database(loaded), tmp_path)
    assert app.test_client().get("/").status_code == 200
    close(app)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    assert not [w for w in caught if "was deleted while still open" in str(w.message)]


def test_a_read_only_database_keeps_the_public_pages_and_a_signed_in_member_of_staff(site):
    staff = signed_in(site, PUBLISHER)
    with site.app_context():
        # Seen a minute ago: the next request writes its last-seen time.
        seen = StaffSession.last_seen_at - timedelta(minutes=1)
        db.session.execute(update(StaffSession).values(last_seen_at=seen))
        name = db.engine.url.database
        db.session.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        db.session.commit()
        db.engine.dispose()  # the setting holds for new connections
    # A standby after a failover: the session's last-seen time cannot be written, which a
    # request can do without.
    assert site.test_client().get("/").status_code == 200
    assert staff.get("/staff/").status_code == 200


# --- Two app servers on one database ------------------------------------------------------


def test_a_notice_published_on_one_server_is_shown_and_found_on_another_at_once(site, servers):
    other = other_server(servers, site, "server-b")
    visitor = other.test_client()
    assert visitor.get("/updates/").headers[HEADER] == "miss"
    assert visitor.get("/updates/").headers[HEADER] == "hit"
    with other.app_context():
        # No SQLite file to watch: the generation row is read on every request.
        assert watch_of(other).read() is None
    search_page = {"q": "助听器 报名"}
    assert f"/updates/{READY['slug']}" not in visitor.get("/search", query_string=search_page).text

    publisher = signed_in(site, PUBLISHER)
    assert create_update(publisher, action="publish", **READY).status_code == 303

    listed = visitor.get("/updates/")
    assert listed.headers[HEADER] == "miss" and READY["title"] in listed.text
    assert visitor.get(f"/updates/{READY['slug']}").status_code == 200
    found = parse(visitor.get("/search", query_string=search_page).data).find("main")
    assert f"/updates/{READY['slug']}" in found.hrefs


def test_one_server_at_a_time_applies_the_search_outbox(site):
    with site.app_context():
        record_change("page", "about")
        db.session.commit()
        with db.engine.connect() as elsewhere:
            # Another server draining: this one does not wait, and leaves the change.
            elsewhere.execute(select(func.pg_advisory_xact_lock(OUTBOX_LOCK)))
            assert drain_if_waiting(site_index()) == 0
            assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 1
            elsewhere.rollback()  # the other server is done
        assert drain_if_waiting(site_index()) == 1
        assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 0


@pytest.mark.parametrize("year_counted", [True, False])
def test_references_taken_at_the_same_moment_queue(site, servers, monkeypatch, year_counted):
    """Two servers number residents' messages at once. The second waits for the first to
    commit, then takes the next number: in a year already counted, by waiting for the
    year's row; for the year's first two, both start the count, and the second, failing
    when the first commits, tries the whole insert again."""
    other = other_server(servers, site, "server-b")
    if year_counted:
        with site.app_context():
            db.session.add(FeedbackYear(year=local(utcnow()).year, last_sequence=0))
            db.session.commit()
    first_inserted, go_on = threading.Event(), threading.Event()
    received = operations.notify.received
    add = operations._add
    attempts = []

    def first_waits(item, token):
        if threading.current_thread().name == "first":
            first_inserted.set()
            go_on.wait(10)
        received(item, token)

    def counted(*args):
        attempts.append(threading.current_thread().name)
        return add(*args)

    monkeypatch.setattr(operations.notify, "received", first_waits)
    monkeypatch.setattr(operations, "_add", counted)
    references = {}

    def submit(app: Flask, name: str) -> None:
        with app.test_request_context():
            values = {
                "body": f"{name}：这一页的电话号码错了。",
                "reply_by": "site",
                "page_path": "/",
            }
            references[name] = operations.create("page", values)[0].reference

    first = threading.Thread(target=submit, args=(site, "first"), name="first")
    second = threading.Thread(target=submit, args=(other, "second"), name="second")
    first.start()
    try:
        assert first_inserted.wait(10)
        second.start()
        with site.app_context():
            waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
            for _ in range(100):
                if db.session.scalar(waiting):
                    break
                db.session.rollback()
                time.sleep(0.05)
            else:
                pytest.fail("the second never waited for the first")
    finally:
        go_on.set()
        first.join()
    second.join()

    numbers = {name: reference[-6:] for name, reference in references.items()}
    assert numbers == {"first": "000001", "second": "000002"}
    assert attempts.count("second") == (1 if year_counted else 2)
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(FeedbackItem)) == 2


# --- Backup and restore: pg_dump and pg_restore -------------------------------------------


def test_backup_and_restore_bring_back_the_data_end_sessions_and_rebuild_search(site, tmp_path):
    runner = site.test_cli_runner()
    staff = signed_in(site, PUBLISHER)
    result = runner.invoke(args=["db", "backup", str(tmp_path / "saved.dump")])
    assert result.exit_code == 0, result.output
    assert f"Backup written to {tmp_path / 'saved.dump'} (" in result.output

    with site.app_context():
        pages = set(db.session.scalars(select(Page.slug)))
        db.session.execute(Page.__table__.delete().where(Page.slug != "about"))
        db.session.add(Update(slug="ghost-notice", kind="notice", status="published",
                              title="幽灵通知", summary="备份之后才发布的通知。",
                              body="幽灵通知正文。", published_at=utcnow()))  # fmt: skip
        db.session.commit()
        publishing.changed()
    visitor = site.test_client()
    assert "/updates/ghost-notice" in visitor.get("/search?q=幽灵通知").text

    result = runner.invoke(args=["db", "restore", str(tmp_path / "saved.dump"), "--yes"])

    assert result.exit_code == 0, result.output
    backups = Path(site.instance_path) / "backups"
    (safety_copy,) = backups.glob("barrierfree-*-before-restore.dump")
    assert f"Safety backup of the previous database written to {safety_copy}" in result.output
    assert "Search index rebuilt from the restored database" in result.output
    with site.app_context():
        assert set(db.session.scalars(select(Page.slug))) == pages
        ended = db.session.scalars(select(StaffSession.end_reason)).all()
        assert ended and set(ended) == {"restored"}
    assert visitor.get("/updates/ghost-notice").status_code == 404
    assert "/updates/ghost-notice" not in visitor.get("/search?q=幽灵通知").text
    assert staff.get("/staff/").status_code == 302  # signed out by the restore


def test_a_backup_of_an_older_schema_is_restored_and_upgraded(site, empty_app):
    with empty_app.app_context():
        command.downgrade(alembic_config(), "0002")
        saved = backup()
    assert saved.suffix == ".dump"

    result = site.test_cli_runner().invoke(args=["db", "restore", str(saved), "--yes"])

    assert result.exit_code == 0, result.output
    with site.app_context():
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        assert revision == database._revisions()[0]
        assert db.session.scalar(select(func.count()).select_from(Page)) == 0
        # The search index's tables are the backend's: kept, and rebuilt from what is restored.
        assert site_index().search("残疾人证").total == 0


def not_an_archive(path: Path) -> Path:
    """A text file."""
    path.write_text("这不是备份\n")
    return path


def cut_short(path: Path) -> Path:
    """The good archive without its second half."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (not_an_archive, "is not an archive of pg_dump's custom format"),
        (cut_short, "pg_restore failed"),
    ],
)
def test_a_restore_refuses_a_bad_archive_and_changes_nothing(empty_app, tmp_path, spoil, message):
    with empty_app.app_context():
        bad = spoil(backup(tmp_path / "good.dump"))
        db.session.add(Page(slug="current", title="现在的页面", body="正文"))
        db.session.commit()

    result = empty_app.test_cli_runner().invoke(args=["db", "restore", str(bad), "--yes"])

    assert result.exit_code == 1
    assert message in result.output
    with empty_app.app_context():
        assert db.session.scalars(select(Page.slug)).all() == ["current"]


@pytest.mark.parametrize("args", [["db", "backup"], ["db", "restore", "saved.dump", "--yes"]])
def test_without_the_client_programs_the_commands_say_what_to_install(empty_app, monkeypatch, args):
    monkeypatch.setattr(database.shutil, "which", lambda name: None)

    result = empty_app.test_cli_runner().invoke(args=args)

    assert result.exit_code == 1
    assert "was not found on the PATH" in result.output
    assert "apt-get install postgresql-client" in result.output
    assert not (Path(empty_app.instance_path) / "backups").exists()
