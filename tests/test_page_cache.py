"""The page cache: a second anonymous request for the same page is answered from the cache,
exactly as the first was sent; anything personal, private or not a page never is; and every
change to public data, however it is made and in whichever process, is seen at once."""

import gzip
import socket
import threading
from datetime import timedelta
from pathlib import Path

import brotli
import pytest
from barrierfree import background, opening_hours, page_cache, request_ids
from barrierfree.database import db
from barrierfree.facilities.models import facility_service
from barrierfree.page_cache import HEADER, PageCacheGeneration
from barrierfree.services.models import Service
from barrierfree.staff import periodic
from barrierfree.staff.editing import publishing
from barrierfree.staff.models import StaffUser
from barrierfree.updates.models import Update
from conftest import STILL_NOW, copy_database, make_app, parse
from flask import Response, send_file
from flask_caching.backends import RedisCache, SimpleCache
from sqlalchemy import delete, select, update
from staff_helpers import answered, csrf, form_fields, make_staff, prepared_database, signed_in

PUBLISHER = "li-publisher"
NOW = STILL_NOW
pytestmark = pytest.mark.usefixtures("still_clock")
SERVICE = "/services/disability-certificate"
NEW_TITLE = "残疾人证办理（新标题）"
ANY_GENERATION_READ = "SELECT number, changed_at FROM page_cache_generation"
UPDATE = {
    "slug": "2026-hearing-aids",
    "kind": "notice",
    "title": "2026年听力残疾人免费验配助听器开始报名",
    "summary": "持证听力残疾人可以免费验配助听器，6月30日前到区残联报名。",
    "body": "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content/ loaded and a publisher, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("prepared")
    return prepared_database(folder, {PUBLISHER: "publisher"}, SEARCH_BACKEND="null")


def site_on(database: Path, **config):
    """An app on `database` with test pages of its own: answers the cache must not keep."""
    app = make_app(database, SEARCH_BACKEND="null", **config)
    stylesheet = Path(app.root_path, "static", "css", "site.css")

    def with_cookie() -> Response:
        response = Response("<p>hello</p>", mimetype="text/html")
        response.set_cookie("seen", "1")
        return response

    def text_with(cache_control: str) -> Response:
        return Response("mine", mimetype="text/plain", headers={"Cache-Control": cache_control})

    answers = {
        "with-cookie": with_cookie,
        "private": lambda: text_with("private"),
        "no-store": lambda: text_with("no-store"),
        "file": lambda: send_file(stylesheet, mimetype="text/plain"),
        "streamed": lambda: Response(iter(["a", "b"]), mimetype="text/plain"),
        "image": lambda: Response(b"\x89PNG", mimetype="image/png"),
    }
    for name, view in answers.items():
        app.add_url_rule(f"/test/{name}", f"test_{name}", view)

    @app.after_request
    def touch(response: Response) -> Response:
        """A hook that changes every response it sees, as compression does."""
        response.headers.add("X-Touched", "once")
        return response

    return app


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own, with content/ loaded and a publisher."""
    copy_database(prepared, tmp_path / "site.sqlite")
    return site_on(tmp_path / "site.sqlite")


@pytest.fixture
def client(site):
    return site.test_client()


def generation(app) -> int:
    with app.app_context():
        return db.session.scalar(select(PageCacheGeneration.number))


def sent_headers(response) -> dict[str, str]:
    """The headers that must be the same however the page was found (the date, whether it
    came from the cache and the request's id belong to one sending)."""
    per_sending = ("Date", HEADER, request_ids.HEADER)
    return {name: value for name, value in response.headers if name not in per_sending}


# --- Hits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", SERVICE, "/en/facilities/?township=zhenxing", "/data/facilities.csv"]
)
def test_a_second_anonymous_request_is_answered_from_the_cache_as_the_first_was(client, path):
    first, second = client.get(path), client.get(path)
    assert (first.headers[HEADER], second.headers[HEADER]) == ("miss", "hit")
    assert second.data == first.data
    assert sent_headers(second) == sent_headers(first)
    again = client.get(path, headers={"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304 and again.headers[HEADER] == "hit" and again.data == b""
    matched = client.get(path, headers={"If-Match": "*"})
    assert (matched.status_code, matched.data) == (200, first.data)


def test_the_other_hooks_never_change_a_page_from_the_cache_again(client):
    client.get("/")
    assert client.get("/").headers.getlist("X-Touched") == ["once"]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_compressed_page_from_the_cache_is_compressed_once(client, encoding):
    plain = client.get("/").data
    headers = {"Accept-Encoding": encoding}
    first, second = client.get("/", headers=headers), client.get("/", headers=headers)
    assert second.headers[HEADER] == "hit" and second.headers["Content-Encoding"] == encoding
    assert sent_headers(second) == sent_headers(first) and second.data == first.data
    unpack = brotli.decompress if encoding == "br" else gzip.decompress
    assert unpack(second.data) == plain
    etag = second.headers["ETag"]
    assert client.get("/", headers={**headers, "If-None-Match": etag}).status_code == 304


def test_a_head_request_is_answered_from_the_cache_without_a_body(client):
    client.get("/")
    head = client.head("/")
    assert head.headers[HEADER] == "hit" and head.data == b""


def test_a_page_from_the_cache_is_sent_before_the_app_builds_a_request(site, client, monkeypatch):
    """The cache's WSGI layer answers: no before-request hook runs for a hit, unless one has
    work due (see the next test)."""
    client.get("/")
    ran = []
    site.before_request_funcs[None].insert(0, lambda: ran.append(True))
    monkeypatch.setitem(periodic._last_check, "at", float("inf"))  # nothing is due
    assert client.get("/").headers[HEADER] == "hit"
    assert ran == []


def test_behind_a_proxy_the_cache_keys_by_the_address_the_visitor_asked_for(prepared, tmp_path):
    copy_database(prepared, tmp_path / "site.sqlite")
    client = site_on(tmp_path / "site.sqlite", PROXY_HOPS=1).test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    first, second = client.get("/", headers=https), client.get("/", headers=https)
    assert (first.headers[HEADER], second.headers[HEADER]) == ("miss", "hit")
    assert client.get("/").headers[HEADER] == "miss"  # http is another address


def test_scheduled_publication_still_has_its_turn_before_a_page_from_the_cache(client, monkeypatch):
    client.get("/")
    checked = []
    monkeypatch.setattr(publishing, "release_due", lambda: checked.append(True) or 0)
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    assert client.get("/").headers[HEADER] == "hit"
    background.wait()  # beside the request
    assert checked == [True]


def test_a_request_never_waits_for_the_periodic_checks(client, monkeypatch):
    """Publication, the search outbox, mail and housekeeping run beside the request: a
    database lock or a mail server slow to answer delays them, not the page."""
    request_thread, ran_in, finish = threading.current_thread(), [], threading.Event()

    def slow_check():
        ran_in.append(threading.current_thread())
        if ran_in[-1] is not request_thread:
            finish.wait(30)  # a lock held elsewhere

    monkeypatch.setattr(publishing, "release_due", slow_check)
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    assert client.get("/").status_code == 200  # answered while the check still waits
    finish.set()
    assert background.wait(10)
    assert len(ran_in) == 1 and ran_in[0] is not request_thread


# --- What is never kept --------------------------------------------------------------------


def test_a_visitor_with_a_session_is_never_answered_from_the_cache(site, client):
    client.get("/")
    client.set_cookie(site.config["SESSION_COOKIE_NAME"], "anything")
    response = client.get("/")
    assert response.status_code == 200 and HEADER not in response.headers


def test_the_back_office_and_posts_are_never_looked_up(client):
    for _ in range(2):
        assert HEADER not in client.get("/staff/sign-in").headers
        assert HEADER not in client.post("/display", data={"mode": "large"}).headers


@pytest.mark.parametrize(
    "path",
    ["/no-such-page", "/test/with-cookie", "/test/private", "/test/no-store", "/test/file",
     "/test/streamed", "/test/image"],
)  # fmt: skip
def test_answers_that_are_not_public_pages_are_never_kept(client, path):
    for _ in range(2):
        with client.get(path) as response:
            assert response.headers[HEADER] == "miss", path


def test_a_signed_in_publisher_never_gets_nor_leaves_a_page_in_the_cache(site):
    publisher = signed_in(site, PUBLISHER)
    assert HEADER not in publisher.get("/").headers
    assert site.test_client().get("/").headers[HEADER] == "miss"


def test_the_cache_can_be_turned_off(prepared, tmp_path):
    copy_database(prepared, tmp_path / "site.sqlite")
    client = site_on(tmp_path / "site.sqlite", PAGE_CACHE=False).test_client()
    assert [HEADER in client.get("/").headers for _ in range(2)] == [False, False]


# --- What makes a different page -----------------------------------------------------------


@pytest.mark.parametrize(
    "headers, cookie, path",
    [
        ({}, "large", "/"),
        ({}, "contrast.large", "/"),
        ({}, None, "/en/"),
        ({}, None, "/facilities/?open=now"),
        ({"HX-Request": "true"}, None, "/"),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, None, "/"),
        ({"HX-Request": "true", "HX-Target": "results"}, None, "/"),
        ({"HX-Request": "true", "HX-Boosted": "true"}, None, "/"),
        ({"Accept-Encoding": "br"}, None, "/"),
        ({"Accept-Encoding": "gzip"}, None, "/"),
    ],
)
def test_what_a_page_depends_on_makes_another_entry(client, headers, cookie, path):
    assert client.get("/").headers[HEADER] == "miss"
    if cookie:
        client.set_cookie("display", cookie)
    assert client.get(path, headers=headers).headers[HEADER] == "miss"
    assert client.get(path, headers=headers).headers[HEADER] == "hit"


def test_the_address_htmx_sends_from_is_not_part_of_the_key(client):
    client.get("/", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/a"})
    again = client.get("/", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/b"})
    assert again.headers[HEADER] == "hit"


def test_the_next_minute_is_another_entry(client, monkeypatch):
    client.get("/facilities/")
    monkeypatch.setattr(opening_hours, "local_now", lambda: NOW + timedelta(minutes=1))
    assert client.get("/facilities/").headers[HEADER] == "miss"


def test_entries_last_two_minutes(site):
    with site.app_context():
        assert site.extensions["cache"][page_cache.cache].default_timeout == 120


# --- Every public change is seen at once ---------------------------------------------------


def rename_service(app, title: str) -> None:
    """Change a service's title through the ORM and commit, as any writer would."""
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.slug == SERVICE.split("/")[-1]))
        service.title = title
        db.session.commit()


def test_a_change_to_a_public_row_is_seen_by_the_next_request(site, client):
    assert client.get(SERVICE).headers[HEADER] == "miss"
    before = generation(site)
    rename_service(site, NEW_TITLE)
    assert generation(site) == before + 1
    response = client.get(SERVICE)
    assert response.headers[HEADER] == "miss" and NEW_TITLE in response.text


def test_a_change_rolled_back_leaves_the_generation(site):
    before = generation(site)
    with site.app_context():
        db.session.get(Service, 1).title = NEW_TITLE
        db.session.flush()
        db.session.rollback()
    assert generation(site) == before


def test_a_transaction_raises_the_generation_once(site):
    before = generation(site)
    with site.app_context():
        for title in ("一", "二", "三"):
            db.session.get(Service, 1).title = title
            db.session.flush()
        db.session.commit()
    assert generation(site) == before + 1


@pytest.mark.parametrize(
    "statement",
    [
        lambda: update(Service).where(Service.id == 1).values(title=NEW_TITLE),
        lambda: delete(Update),
        lambda: delete(facility_service).where(facility_service.c.service_id == 1),
    ],
    ids=["orm-update", "orm-delete", "table-delete"],
)
def test_a_bulk_statement_on_a_public_table_raises_the_generation(site, statement):
    before = generation(site)
    with site.app_context():
        db.session.execute(statement())
        db.session.commit()
    assert generation(site) == before + 1


def test_back_office_bookkeeping_leaves_the_cache_alone(site, client):
    client.get("/")
    before = generation(site)
    make_staff(site, "wang-editor", "editor")
    with site.app_context():
        db.session.execute(update(StaffUser).values(display_name="王"))
        db.session.commit()
    signed_in(site, PUBLISHER)  # a session, a sign-in attempt, an audit entry
    assert generation(site) == before
    assert client.get("/").headers[HEADER] == "hit"


def test_the_staff_only_tables_are_tables_of_the_site(site):
    with site.app_context():
        tables = set(db.metadata.tables)
    assert page_cache.STAFF_ONLY_TABLES < tables
    assert {"service", "facility", "update", "indicator", "facility_service"} <= (
        tables - page_cache.STAFF_ONLY_TABLES
    )


def test_publishing_and_withdrawing_in_the_back_office_reach_the_public_at_once(site, client):
    publisher = signed_in(site, PUBLISHER)
    assert UPDATE["title"] not in client.get("/updates/").text
    assert client.get("/updates/").headers[HEADER] == "hit"

    fields = form_fields(publisher.get("/staff/updates/new").data, "edit-form")
    fields.update({name: [value] for name, value in UPDATE.items()}, action=["publish"])
    created = answered(publisher, publisher.post("/staff/updates/new", data=fields))
    assert created.status_code == 303
    listed = client.get("/updates/")
    assert listed.headers[HEADER] == "miss" and UPDATE["title"] in listed.text

    item = int(created.headers["Location"].rstrip("/").split("/")[-1])
    form = parse(publisher.get(f"/staff/updates/{item}").data)
    version = form.find("form", action=f"/staff/updates/{item}/withdraw").find(
        "input", name="version"
    )
    withdrawn = publisher.post(
        f"/staff/updates/{item}/withdraw",
        data={"version": version.get("value"), "confirm": "yes", "csrf_token": csrf(publisher)},
    )
    assert withdrawn.status_code == 303
    listed = client.get("/updates/")
    assert listed.headers[HEADER] == "miss" and UPDATE["title"] not in listed.text


def test_another_worker_on_the_same_database_sees_the_change(site, client, tmp_path):
    other = site_on(tmp_path / "site.sqlite")  # another process: a cache of its own
    other_client = other.test_client()
    for visitor in (client, other_client):
        visitor.get(SERVICE)
        assert visitor.get(SERVICE).headers[HEADER] == "hit"
    rename_service(other, NEW_TITLE)
    for visitor in (client, other_client):
        response = visitor.get(SERVICE)
        assert response.headers[HEADER] == "miss" and NEW_TITLE in response.text


@pytest.mark.sqlite_only(reason="the watch on the SQLite file")
def test_a_page_from_the_cache_reads_the_generation_again_only_after_a_commit(site, client):
    """On SQLite the generation is read once per change to the file, not once per page."""
    client.get(SERVICE)
    read = []
    watch = page_cache.watch_of(site)
    watch.local.connection.set_trace_callback(read.append)
    for _ in range(3):
        assert client.get(SERVICE).headers[HEADER] == "hit"
    assert read == ["PRAGMA data_version"] * 3
    rename_service(site, NEW_TITLE)
    read.clear()
    response = client.get(SERVICE)
    assert response.headers[HEADER] == "miss" and NEW_TITLE in response.text
    assert read[:2] == ["PRAGMA data_version", ANY_GENERATION_READ]


@pytest.mark.sqlite_only(reason="the watch on the SQLite file")
def test_without_a_watch_the_generation_is_read_through_the_session(site, client):
    """Another database, or an SQLite file the watch cannot open: the row, every request."""
    page_cache.watch_of(site).path = None
    client.get(SERVICE)
    assert client.get(SERVICE).headers[HEADER] == "hit"
    rename_service(site, NEW_TITLE)
    assert NEW_TITLE in client.get(SERVICE).text


# --- Where the cache is kept ---------------------------------------------------------------


def backend(app):
    return app.extensions["cache"][page_cache.cache]


def test_each_process_keeps_its_own_cache_by_default(site):
    assert isinstance(backend(site), SimpleCache)


def test_a_redis_address_in_the_environment_puts_the_cache_there(prepared, tmp_path, monkeypatch):
    monkeypatch.setenv("BARRIERFREE_CACHE_URL", "redis://cache.example:6390/2")
    copy_database(prepared, tmp_path / "site.sqlite")
    cache = backend(site_on(tmp_path / "site.sqlite"))  # connects on first use, not here
    assert isinstance(cache, RedisCache)
    assert cache._write_client.connection_pool.connection_kwargs["host"] == "cache.example"
    assert cache._write_client.connection_pool.connection_kwargs["port"] == 6390


def test_a_cache_that_cannot_be_reached_finds_nothing_and_the_page_is_sent(prepared, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    copy_database(prepared, tmp_path / "site.sqlite")
    client = site_on(
        tmp_path / "site.sqlite", CACHE_URL=f"redis://127.0.0.1:{port}/0"
    ).test_client()
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200 and response.headers[HEADER] == "miss"


def test_a_redis_cache_is_given_up_quickly_and_left_alone_for_a_while(prepared, tmp_path):
    """A server that takes connections and never answers must not make visitors wait: each
    call gives up after a fraction of a second, and after one failure the process leaves
    the cache alone for a while instead of failing again on every request."""
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        copy_database(prepared, tmp_path / "site.sqlite")
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        app = site_on(tmp_path / "site.sqlite", CACHE_URL=url)
        pool = backend(app)._write_client.connection_pool
        assert pool.connection_kwargs["socket_timeout"] == page_cache.REDIS_TIMEOUT
        assert pool.connection_kwargs["socket_connect_timeout"] == page_cache.REDIS_TIMEOUT
        client = app.test_client()
        assert client.get("/").status_code == 200
        asked = []
        app.extensions["cache"][page_cache.cache].get = lambda key: asked.append(key)
        for _ in range(3):
            assert client.get("/").status_code == 200
        assert asked == [], "left alone after the failure"


# --- The generation watch -------------------------------------------------------------------


@pytest.mark.sqlite_only(reason="the watch on the SQLite file")
def test_a_relative_sqlite_path_is_watched_in_the_instance_folder(prepared, tmp_path, monkeypatch):
    """Flask-SQLAlchemy reads `sqlite:///site.sqlite` from the instance folder: so does the
    watch, which then finds each change without the session."""
    monkeypatch.setattr("barrierfree.PROJECT_ROOT", tmp_path)  # the instance folder's parent
    database = tmp_path / "instance" / "site.sqlite"
    database.parent.mkdir()
    copy_database(prepared, database)
    app = site_on(database, SQLALCHEMY_DATABASE_URI="sqlite:///site.sqlite")
    watch = page_cache.watch_of(app)
    assert watch.path == str(database)
    client = app.test_client()
    client.get(SERVICE)
    assert client.get(SERVICE).headers[HEADER] == "hit"
    rename_service(app, NEW_TITLE)
    assert watch.read()[0] == generation(app)
    response = client.get(SERVICE)
    assert response.headers[HEADER] == "miss" and NEW_TITLE in response.text


@pytest.mark.sqlite_only(reason="the watch on the SQLite file")
def test_a_forked_worker_leaves_the_inherited_connection_open(site, monkeypatch):
    """SQLite advises against closing a connection that another process opened."""
    watch = page_cache.watch_of(site)
    watch.read()
    inherited = watch.local.connection
    monkeypatch.setattr(page_cache.os, "getpid", lambda: -1)  # another process
    assert watch.read() is not None
    assert watch.local.connection is not inherited
    assert page_cache.INHERITED[-1] is inherited
    assert inherited.execute("SELECT 1").fetchone() == (1,)  # still open
    page_cache.INHERITED.remove(inherited)
    inherited.close()


# --- What makes an entry: parameters the page reads, the encoding chosen -------------------


@pytest.mark.parametrize(
    "path",
    [
        "/?utm_source=x",  # the home page reads no parameter
        "/facilities/?township=zhenxing&junk=1",  # one it reads, one it does not
        "/facilities/?lat=36.6",  # read only with near=here
        "/about?q=x",  # read on another page
    ],
)
def test_a_query_with_parameters_the_page_does_not_read_is_answered_but_never_stored(client, path):
    first, second = client.get(path), client.get(path)
    assert first.status_code == second.status_code == 200
    assert (first.headers[HEADER], second.headers[HEADER]) == ("miss", "miss")
    assert first.data == second.data


def test_a_page_that_echoes_its_query_is_never_sent_for_another_value(client):
    assert client.get("/facilities/?township=zhenxing").headers[HEADER] == "miss"
    assert client.get("/facilities/?township=zhenxing").headers[HEADER] == "hit"
    other = client.get("/facilities/?township=boping")
    assert other.headers[HEADER] == "miss"
    assert "township=boping" in other.text and "township=zhenxing" not in other.text


@pytest.mark.parametrize(
    ("first", "again", "encoding"),
    [
        ("gzip", "gzip, deflate", "gzip"),
        ("br", "gzip;q=0.5, br, made-up-1", "br"),
        ("", "made-up-2", None),
        ("", "identity", None),
        ("", "br;q=0, gzip;q=0", None),
        ("gzip", "br;q=0, *", "gzip"),
    ],
)
def test_accept_encoding_headers_that_choose_the_same_encoding_share_an_entry(
    client, first, again, encoding
):
    assert client.get("/", headers={"Accept-Encoding": first}).headers[HEADER] == "miss"
    response = client.get("/", headers={"Accept-Encoding": again})
    assert response.headers[HEADER] == "hit"
    assert response.headers.get("Content-Encoding") == encoding
