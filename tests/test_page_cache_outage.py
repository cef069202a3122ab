"""A database outage: a page the page cache held a moment before is sent as its last good
copy, a 503 that nothing keeps, saying first in its main content that it is an old copy and
when it was saved, and never that a place is open now; anything else gets the 503 page as
before, and the site is itself again once the database answers."""

import gzip
import socket
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import brotli
import pytest
from barrierfree import opening_hours, page_cache
from barrierfree.database import db
from barrierfree.services.models import Service
from conftest import STILL_NOW, copy_database, make_app, make_loaded_app, parse
from flask import Flask, render_template, request
from sqlalchemy import event, text
from staff_helpers import answered, csrf, form_fields, prepared_database, signed_in

pytestmark = pytest.mark.usefixtures("still_clock")
SERVICE = "/services/disability-certificate"
TITLE = "残疾评定和残疾人证"
SAVED_AT = "2099年1月7日 10:00"
COPY_ZH = "下面是这一页以前保存的副本"
COPY_EN = "This is a copy of this page saved earlier"
NO_PAGE = "暂时打不开这个页面"
PUBLISHER = "li-publisher"
UPDATE = {
    "slug": "2026-hearing-aids",
    "kind": "notice",
    "title": "2026年听力残疾人免费验配助听器开始报名",
    "summary": "持证听力残疾人可以免费验配助听器，6月30日前到区残联报名。",
    "body": "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
}


@pytest.fixture
def site(tmp_path):
    app = make_loaded_app(tmp_path / "site.sqlite", SEARCH_BACKEND="null")
    gone = {"now": False}

    def sometimes_gone():
        """A page built from the database, there until it is withdrawn."""
        db.session.execute(text("SELECT 1"))
        return render_template("errors/404.html"), 404 if gone["now"] else 200

    app.add_url_rule("/test/withdrawn", "test_withdrawn", sometimes_gone)
    app.config["TEST_GONE"] = gone
    return app


@pytest.fixture
def client(site):
    return site.test_client()


@contextmanager
def database_down(app):
    """The database stops answering: every new connection is refused, as by a server that
    was stopped, and the page cache's watch of an SQLite file reads nothing either."""
    with app.app_context():
        engine = db.engine
    engine.dispose()

    def refuse(dialect, _record, _args, _params):
        raise dialect.loaded_dbapi.OperationalError("connection refused")

    event.listen(engine, "do_connect", refuse)
    watch = page_cache.watch_of(app)
    path, watch.path = watch.path, None
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
        watch.path = path


def notice_of(response):
    """The first thing in the page's main content."""
    main = parse(response.text).find("main")
    return main.find_all()[0]


def assert_old_copy(response, words: str) -> None:
    """A 503 that no cache keeps, whose main content starts with an announced notice."""
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Retry-After"] == "60"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    notice = notice_of(response)
    assert notice.get("role") == "alert" and notice.get("tabindex") == "-1"
    assert words in notice.text


def test_a_page_the_cache_held_is_sent_as_an_old_copy_while_the_database_is_down(site, client):
    first = client.get(SERVICE)
    assert first.status_code == 200
    with database_down(site):
        response = client.get(SERVICE)
    assert_old_copy(response, COPY_ZH)
    notice = notice_of(response)
    assert f"此页是 {SAVED_AT} 时保存的副本" in notice.text
    assert notice.find("time").get("datetime") == STILL_NOW.isoformat(timespec="minutes")
    # The request's id to quote, as on the 503 page, in a paragraph of the notice's own.
    last = notice.find_all("p")[-1]
    assert response.headers["X-Request-ID"] in last.text and not last.find("p")
    page = parse(response.text)
    assert page.find("title").text.startswith("（旧副本）" + TITLE)
    assert TITLE in page.find("h1").text  # the page itself, as it was
    assert response.text.count('role="alert"') == 1


def test_the_english_copy_says_so_in_english(site, client):
    english = client.get("/en" + SERVICE)
    assert english.status_code == 200
    with database_down(site):
        response = client.get("/en" + SERVICE)
    assert_old_copy(response, COPY_EN)
    notice = notice_of(response)
    assert "This page is a copy saved on 7 January 2099, 10:00" in notice.text
    assert "下面" not in notice.text
    assert parse(response.text).find("title").text.startswith("(Old copy) ")


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_compressed_copy_is_read_again_before_the_notice_goes_in(site, client, encoding):
    stored = client.get(SERVICE, headers={"Accept-Encoding": encoding})
    assert stored.headers["Content-Encoding"] == encoding
    with database_down(site):
        response = client.get(SERVICE, headers={"Accept-Encoding": encoding})
    assert "Content-Encoding" not in response.headers
    assert_old_copy(response, COPY_ZH)


def test_a_stale_open_now_is_never_said(site, client):
    """At STILL_NOW (a Wednesday morning) the finder says some places are open now; the
    copy says only that it cannot tell."""
    first = client.get("/facilities/")
    assert "现在开放" in first.text
    with database_down(site):
        response = client.get("/facilities/")
    assert_old_copy(response, COPY_ZH)
    said = {span.text for span in parse(response.text).find_all("span", class_="open-status")}
    assert said == {"现在是否开放：暂时无法确认"}
    assert "open-status--open" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/about",  # never asked for before the outage
        "/facilities/?near=here&lat=36.58000&lon=116.25000",  # the visitor's position
        "/facilities/?township=zhenxing",  # any query: what a visitor chose
        "/search?q=轮椅",  # or searched for
    ],
)
def test_a_page_without_a_copy_gets_the_503_page(site, client, path):
    if path != "/about":
        assert client.get(path).status_code == 200
    with database_down(site):
        response = client.get(path)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert NO_PAGE in response.text and COPY_ZH not in response.text


def test_a_copy_is_sent_only_in_the_display_modes_it_was_stored_in(site, client):
    client.get(SERVICE)
    client.set_cookie("display", "large")
    with database_down(site):
        assert NO_PAGE in client.get(SERVICE).text
    client.get(SERVICE)
    with database_down(site):
        response = client.get(SERVICE)
    assert_old_copy(response, COPY_ZH)
    assert "large" in parse(response.text).find("html").get("class")


def test_htmx_gets_the_503_sentence_not_the_copy(site, client):
    client.get(SERVICE)
    client.get(SERVICE, headers={"HX-Request": "true"})
    with database_down(site):
        response = client.get(SERVICE, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response.text.startswith("网站暂时读不到数据，请稍后再试。")
    assert "<main" not in response.text and COPY_ZH not in response.text


def test_a_visitor_with_a_session_never_gets_the_copy(site, client):
    """A session (a member of staff signed in, a form's token) is never sent a shared page."""
    client.get(SERVICE)
    client.set_cookie(site.config["SESSION_COOKIE_NAME"], "anything")
    with database_down(site):
        response = client.get(SERVICE)
    assert response.status_code == 503 and COPY_ZH not in response.text


def test_a_page_withdrawn_since_its_copy_does_not_come_back(site, client):
    assert client.get("/test/withdrawn").status_code == 200
    site.config["TEST_GONE"]["now"] = True
    site.extensions["cache"][page_cache.cache].clear()  # as a withdrawal's new generation
    assert client.get("/test/withdrawn").status_code == 404
    with database_down(site):
        response = client.get("/test/withdrawn")
    assert response.status_code == 503 and COPY_ZH not in response.text


def test_the_stylesheet_and_scripts_of_a_copy_are_still_served(site, client):
    """They need no database: a copy in large text or high contrast keeps its look."""
    client.get(SERVICE)
    with database_down(site):
        page = parse(client.get(SERVICE).text)
        assets = [link.get("href") for link in page.find_all("link", rel="stylesheet")]
        assets += [script.get("src") for script in page.find_all("script", src=True)]
        assert len(assets) == 3
        for asset in assets:
            with client.get(asset) as response:
                assert response.status_code == 200, asset


def test_when_the_database_answers_again_the_page_is_itself(site, client):
    client.get(SERVICE)
    with database_down(site):
        assert client.get(SERVICE).status_code == 503
    response = client.get(SERVICE)
    assert response.status_code == 200
    assert COPY_ZH not in response.text and "no-store" not in response.headers.get(
        "Cache-Control", ""
    )


def test_the_copy_never_goes_into_the_page_cache(site, client):
    """A 503 is never stored: the next visitor after the outage gets the page itself."""
    client.get(SERVICE)
    with database_down(site):
        client.get(SERVICE)
        client.get(SERVICE)
    assert client.get(SERVICE).headers[page_cache.HEADER] == "hit"
    assert COPY_ZH not in client.get(SERVICE).text


def test_copies_are_kept_for_a_day_and_a_thousand_pages_at_most(site):
    copies = site.extensions["cache"][page_cache.last_good]
    assert copies.default_timeout == 24 * 3600
    assert copies._threshold == page_cache.THRESHOLD
    entries = site.extensions["cache"][page_cache.cache]
    assert copies is not entries  # a copy never pushes an entry out


def test_with_redis_the_copies_are_kept_there_under_their_own_names():
    config = page_cache.cache_config(
        "redis://cache.example:6379/0", "barrierfree-last-good:", page_cache.LAST_GOOD_SECONDS
    )
    assert config["CACHE_TYPE"] == "RedisCache"
    assert config["CACHE_KEY_PREFIX"] == "barrierfree-last-good:"
    assert config["CACHE_DEFAULT_TIMEOUT"] == 24 * 3600
    assert page_cache.cache_config("redis://cache.example:6379/0")["CACHE_KEY_PREFIX"] == (
        "barrierfree-page:"
    )


def test_a_redis_cache_that_cannot_be_reached_in_an_outage_gives_the_503_page(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    app = make_loaded_app(tmp_path / "site.sqlite", SEARCH_BACKEND="null", CACHE_URL=url)
    client = app.test_client()
    assert client.get(SERVICE).status_code == 200
    with database_down(app):
        response = client.get(SERVICE)
    assert response.status_code == 503 and NO_PAGE in response.text


def test_without_the_page_cache_there_is_no_copy(tmp_path):
    app = make_loaded_app(tmp_path / "site.sqlite", SEARCH_BACKEND="null", PAGE_CACHE=False)
    client = app.test_client()
    client.get(SERVICE)
    with database_down(app):
        response = client.get(SERVICE)
    assert response.status_code == 503 and NO_PAGE in response.text


def test_the_decoders_read_what_compression_writes():
    page = "<main>页</main>".encode()
    assert page_cache.DECODERS["br"](brotli.compress(page)) == page
    assert page_cache.DECODERS["gzip"](gzip.compress(page)) == page
    assert page_cache.DECODERS["deflate"](zlib.compress(page)) == page


# --- Copies and the generation --------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A database with content/ loaded and a publisher, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("prepared")
    return prepared_database(folder, {PUBLISHER: "publisher"}, SEARCH_BACKEND="null")


@pytest.fixture
def staffed(prepared, tmp_path):
    copy_database(prepared, tmp_path / "site.sqlite")
    return make_app(tmp_path / "site.sqlite", SEARCH_BACKEND="null")


def publish(app, publisher) -> int:
    """Publish UPDATE in the back office, as a publisher does; its id."""
    fields = form_fields(publisher.get("/staff/updates/new").data, "edit-form")
    fields.update({name: [value] for name, value in UPDATE.items()}, action=["publish"])
    created = answered(publisher, publisher.post("/staff/updates/new", data=fields))
    assert created.status_code == 303
    return int(created.headers["Location"].rstrip("/").split("/")[-1])


def withdraw(publisher, item: int) -> None:
    form = parse(publisher.get(f"/staff/updates/{item}").data)
    version = form.find("form", action=f"/staff/updates/{item}/withdraw").find(
        "input", name="version"
    )
    withdrawn = publisher.post(
        f"/staff/updates/{item}/withdraw",
        data={"version": version.get("value"), "confirm": "yes", "csrf_token": csrf(publisher)},
    )
    assert withdrawn.status_code == 303


def copy_key(app, path: str) -> str:
    """The key of the copy of the page at `path`, as an anonymous visitor asks for it."""
    with app.test_request_context(path):
        return page_cache.last_good_key(request)


def rename_service(app, title: str) -> None:
    """Another public change, on a page other than SERVICE's."""
    with app.app_context():
        db.session.get(Service, 2).title = title
        db.session.commit()


def test_a_page_withdrawn_and_asked_for_by_nobody_since_does_not_come_back(staffed):
    client, publisher = staffed.test_client(), signed_in(staffed, PUBLISHER)
    item = publish(staffed, publisher)
    page = "/updates/" + UPDATE["slug"]
    assert UPDATE["title"] in client.get(page).text  # one visit keeps its copy
    withdraw(publisher, item)
    with database_down(staffed):
        response = client.get(page)
    assert response.status_code == 503 and NO_PAGE in response.text
    assert UPDATE["title"] not in response.text and COPY_ZH not in response.text


def test_a_page_stored_after_a_change_is_sent_as_its_copy(staffed):
    client, publisher = staffed.test_client(), signed_in(staffed, PUBLISHER)
    publish(staffed, publisher)
    page = "/updates/" + UPDATE["slug"]
    client.get(page)
    with database_down(staffed):
        response = client.get(page)
    assert_old_copy(response, COPY_ZH)
    assert UPDATE["title"] in parse(response.text).find("h1").text


def test_after_any_change_a_copy_waits_for_its_page_to_be_asked_for_again(site, client):
    """Correctness over availability: SERVICE did not change, but its copy was built before
    another page did, and the outage cannot tell which pages a change reached."""
    client.get(SERVICE)
    rename_service(site, "另一个服务")
    with database_down(site):
        assert NO_PAGE in client.get(SERVICE).text
    client.get(SERVICE)  # the page again, at the new generation
    with database_down(site):
        assert_old_copy(client.get(SERVICE), COPY_ZH)


def test_a_change_seen_first_by_a_visitor_refuses_the_older_copies(site, client):
    """A change made elsewhere (another server, a command) is recorded by the next request
    that reads the generation, here a page from the cache of another page."""
    client.get(SERVICE)
    with site.app_context():
        db.session.execute(text("UPDATE page_cache_generation SET number = number + 1"))
        db.session.commit()
    client.get("/about")
    with database_down(site):
        assert NO_PAGE in client.get(SERVICE).text


def test_a_page_from_the_cache_writes_nothing_to_the_copies(site, client, monkeypatch):
    client.get(SERVICE)
    copies = site.extensions["cache"][page_cache.last_good]
    written = []
    monkeypatch.setattr(copies, "set", lambda *args, **kwargs: written.append(args))
    assert client.get(SERVICE).headers[page_cache.HEADER] == "hit"
    assert client.get("/").headers[page_cache.HEADER] == "miss"
    assert [key for key, *_rest in written] == [copy_key(site, "/")]


@pytest.mark.parametrize("encoding", ["identity", "br", "gzip", "deflate"])
def test_a_copy_is_kept_gzip_compressed_whatever_it_was_sent_in(tmp_path, encoding):
    site = make_loaded_app(
        tmp_path / "site.sqlite",
        SEARCH_BACKEND="null",
        COMPRESS_ALGORITHM=["br", "gzip", "deflate"],
    )
    client = site.test_client()
    sent = client.get(SERVICE, headers={"Accept-Encoding": encoding})
    assert sent.headers.get("Content-Encoding", "identity") == encoding
    copies = site.extensions["cache"][page_cache.last_good]
    _saved_at, _generation, kept = copies.get(copy_key(site, SERVICE))
    page = gzip.decompress(kept)
    assert TITLE in page.decode() and len(kept) < len(page) / 3
    with database_down(site):
        assert_old_copy(client.get(SERVICE, headers={"Accept-Encoding": encoding}), COPY_ZH)


def test_a_page_sent_in_an_encoding_the_copies_cannot_read_keeps_none(tmp_path, monkeypatch):
    """COMPRESS_ALGORITHM may name one (zstd): the outage gets the 503 page, never a 500."""
    monkeypatch.delitem(page_cache.DECODERS, "deflate")
    site = make_loaded_app(
        tmp_path / "site.sqlite", SEARCH_BACKEND="null", COMPRESS_ALGORITHM=["deflate"]
    )
    client = site.test_client()
    assert (
        client.get(SERVICE, headers={"Accept-Encoding": "deflate"}).headers["Content-Encoding"]
        == "deflate"
    )
    with database_down(site):
        response = client.get(SERVICE, headers={"Accept-Encoding": "deflate"})
    assert response.status_code == 503 and NO_PAGE in response.text


def test_a_copy_kept_before_copies_had_a_generation_is_never_sent(site, client):
    """A copy in the form kept before (the encoding where the generation is now), still
    in Redis after an upgrade."""
    client.get(SERVICE)
    copies = site.extensions["cache"][page_cache.last_good]
    key = copy_key(site, SERVICE)
    saved_at, _generation, _kept = copies.get(key)
    copies.set(key, (saved_at, "identity", b"<html><main>old</main></html>"))
    with database_down(site):
        assert NO_PAGE in client.get(SERVICE).text


# --- Workers that keep copies of their own, on one database ---------------------------------


@pytest.fixture
def workers(prepared, tmp_path):
    """Two apps on one database and one instance folder, each with its own cache, as the
    workers `make run` starts without Redis."""
    copy_database(prepared, tmp_path / "site.sqlite")
    return [make_app(tmp_path / "site.sqlite", SEARCH_BACKEND="null") for _worker in range(2)]


def test_a_page_withdrawn_in_another_worker_does_not_come_back_from_this_ones_copy(workers):
    worker_a, worker_b = workers
    publisher = signed_in(worker_a, PUBLISHER)
    item = publish(worker_a, publisher)
    page = "/updates/" + UPDATE["slug"]
    resident = worker_b.test_client()
    assert UPDATE["title"] in resident.get(page).text  # worker B keeps its copy
    with database_down(worker_b):
        assert_old_copy(resident.get(page), COPY_ZH)  # sent while nothing changed
    withdraw(publisher, item)  # in worker A; B hears nothing of it
    with database_down(worker_b):
        response = resident.get(page)
    assert response.status_code == 503 and NO_PAGE in response.text
    assert UPDATE["title"] not in response.text and COPY_ZH not in response.text


def test_a_change_a_command_makes_refuses_every_workers_older_copies(workers, tmp_path):
    """`flask content load`, `flask staff publish-due`: a process of its own, which no
    worker hears from but through the instance's file."""
    worker_a, _worker_b = workers
    client = worker_a.test_client()
    client.get(SERVICE)
    command = make_app(tmp_path / "site.sqlite", SEARCH_BACKEND="null")
    rename_service(command, "另一个服务")
    with database_down(worker_a):
        assert NO_PAGE in client.get(SERVICE).text


def test_a_request_never_writes_an_older_generation_over_a_change(tmp_path):
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    assert page_cache.newest_in_instance(app) is None
    page_cache.write_newest(app, 5, raised=True)  # a change, before it commits
    page_cache.write_newest(app, 4, raised=False)  # a request that read the row just before
    assert page_cache.newest_in_instance(app) == 5
    page_cache.write_newest(app, 6, raised=False)  # a change made on another server
    assert page_cache.newest_in_instance(app) == 6
    page_cache.write_newest(app, 2, raised=True)  # after a restore, the row's own number
    assert page_cache.newest_in_instance(app) == 2


def test_without_the_instances_file_no_copy_is_sent(site, client):
    client.get(SERVICE)
    Path(site.instance_path, page_cache.NEWEST_FILE).unlink()
    with database_down(site):
        assert NO_PAGE in client.get(SERVICE).text


# --- What a copy says of today ----------------------------------------------------------------

PLACE = "/facilities/rukang-zhenxing"  # open 08:30-11:30 and 13:30-17:00 on weekdays


def test_a_copy_is_sent_only_on_the_day_it_was_kept(site, client, monkeypatch):
    """Its "today", "tomorrow" and today's row of the hours would name the wrong day."""
    client.get(PLACE)
    monkeypatch.setattr(opening_hours, "local_now", lambda: STILL_NOW.replace(hour=23, minute=59))
    with database_down(site):
        assert_old_copy(client.get(PLACE), COPY_ZH)
    next_day = STILL_NOW + timedelta(days=1)
    monkeypatch.setattr(opening_hours, "local_now", lambda: next_day.replace(hour=0, minute=0))
    with database_down(site):
        response = client.get(PLACE)
    assert response.status_code == 503 and NO_PAGE in response.text


def test_a_copy_leaves_out_when_a_place_next_opens(site, client, monkeypatch):
    """Kept at noon, closed for lunch: "下次开放：今天 13:30" is past by the afternoon. (A
    Tuesday of a year whose holidays the site knows: in 2099 it would not judge the hours.)"""
    noon = datetime(2026, 12, 8, 12, 0)
    monkeypatch.setattr(opening_hours, "local_now", lambda: noon)
    first = client.get(PLACE)
    assert "下次开放：今天 13:30" in first.text
    monkeypatch.setattr(opening_hours, "local_now", lambda: noon.replace(hour=15))
    with database_down(site):
        response = client.get(PLACE)
    assert_old_copy(response, COPY_ZH)
    assert "下次开放" not in response.text and "next-opening" not in response.text
    assert "（今天）" in response.text  # the day it was kept, still today
