"""What browsers and search engines are told besides the page: conditional answers (ETag,
Last-Modified and 304), the sitemap's dates, robots.txt, the icon, full-address language
alternates and a description."""

import gzip
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import brotli
import pytest
from barrierfree import opening_hours
from barrierfree.database import DRAFT, PUBLISHED, WITHDRAWN, db, utcnow
from barrierfree.opening_hours import last_opening_or_closing, local
from barrierfree.page_cache import HEADER, PageCacheGeneration
from barrierfree.pages.models import Page
from barrierfree.services.models import Category, Service
from barrierfree.updates.models import Update
from conftest import SITEMAP_NS, make_app, parse
from sqlalchemy import select
from werkzeug.http import http_date


@pytest.mark.parametrize(
    "path", ["/", "/en/services/", "/plan/indicators", "/data/facilities.geojson", "/sitemap.xml"]
)
def test_a_public_page_answers_304_to_a_browser_that_has_it(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("path", ["/", "/updates/feed.atom"])
def test_if_match_is_a_precondition_a_read_of_the_same_version_meets(client, path):
    """If-Match on a read: `*` or the page's own ETag gets the page; another version 412."""
    first = client.get(path)
    etag = first.headers["ETag"]
    for matching in ("*", etag, f'"other", {etag}'):
        again = client.get(path, headers={"If-Match": matching})
        assert (again.status_code, again.data) == (200, first.data), matching
    refused = client.get(path, headers={"If-Match": '"other"'})
    assert refused.status_code == 412 and refused.data == b""
    assert "Content-Security-Policy" in refused.headers
    both = client.get(path, headers={"If-Match": "*", "If-None-Match": etag})
    assert both.status_code == 304


def test_the_back_office_is_never_answered_conditionally(client):
    response = client.get("/staff/sign-in")
    assert "ETag" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_robots_txt_keeps_crawlers_out_of_the_back_office_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "Disallow: /staff/" in response.text
    assert "Sitemap: http://localhost/sitemap.xml" in response.text


def test_the_icon_is_where_browsers_look_and_in_every_page(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    link = parse(client.get("/").data).find("link", rel="icon")
    with client.get(link.get("href")) as linked:
        assert linked.status_code == 200


def test_language_alternates_are_full_addresses(client):
    head = parse(client.get("/services/?x=1").data).find("head")
    alternates = {link.get("hreflang"): link.get("href") for link in head.find_all("link")
                  if link.get("rel") == "alternate" and link.get("hreflang")}  # fmt: skip
    assert alternates == {
        "zh-CN": "http://localhost/services/?x=1",
        "en": "http://localhost/en/services/?x=1",
    }


def test_every_page_has_a_description_of_its_own_language(site_pages):
    for path, page in site_pages.items():
        if page.content_type != "text/html":
            continue
        meta = page.doc.find("meta", name="description")
        assert meta is not None and meta.get("content").strip(), path
        if path.startswith("/en/") or path == "/en":
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in meta.get("content")[:20]), path


def test_a_service_is_described_by_its_summary(client):
    meta = parse(client.get("/services/living-allowance").data).find("meta", name="description")
    assert "生活补贴" in meta.get("content")


TEXT_PATHS = [
    "/",
    "/en/plan/",
    "/static/css/site.css",
    "/assets/htmx.min.js",
    "/data/facilities.csv",
]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize("path", TEXT_PATHS)
def test_text_is_sent_compressed_to_browsers_that_take_it(client, path, encoding):
    with client.get(path) as plain:
        expected = plain.get_data()
    with client.get(path, headers={"Accept-Encoding": encoding}) as packed:
        body = packed.get_data()
        assert packed.headers.get("Content-Encoding") == encoding, dict(packed.headers)
        assert "Accept-Encoding" in packed.headers["Vary"]
    unpack = brotli.decompress if encoding == "br" else gzip.decompress
    assert unpack(body) == expected
    assert len(body) < len(expected) / 2


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        ("br;q=0", None),
        ("gzip;q=0", None),
        ("br;q=0, gzip;q=0", None),
        ("br;q=0, *", "gzip"),  # the wildcard stands for what is not named
        ("*;q=0, gzip", "gzip"),
        ("br; q=0.0, gzip;q=0.1", "gzip"),
        ("gzip;q=0.9, br;q=0.5", "gzip"),
        ("gzip;q=abc, br", "br"),
    ],
)
def test_a_coding_the_browser_refuses_is_never_sent(client, header, encoding):
    """RFC 9110: q=0 is "not acceptable"."""
    for path in ("/plan/", "/static/css/site.css"):
        with client.get(path, headers={"Accept-Encoding": header}) as response:
            assert response.headers.get("Content-Encoding") == encoding, (path, header)


def test_a_compressed_page_answers_304_to_its_own_etag(client):
    first = client.get("/", headers={"Accept-Encoding": "br"})
    again = client.get(
        "/", headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_images_are_never_compressed_again(app):
    types = app.config["COMPRESS_MIMETYPES"]
    assert not [kind for kind in types if kind.startswith("image/") and kind != "image/svg+xml"]


def asset_links(html: bytes) -> list[str]:
    """The stylesheet, script and icon addresses of a page."""
    head = parse(html).find("head")
    links = [
        link.get("href")
        for link in head.find_all("link")
        if link.get("rel") in ("icon", "stylesheet")
    ]
    return links + [script.get("src") for script in head.find_all("script") if script.get("src")]


def test_assets_have_hashed_names_cached_for_a_year_and_one_address_in_both_languages(client):
    chinese, english = asset_links(client.get("/").data), asset_links(client.get("/en/").data)
    assert chinese == english and len(chinese) == 4
    for url in chinese:
        assert url.startswith("/assets/") and url.count(".") >= 2, url
        with client.get(url) as asset:
            assert asset.status_code == 200
            assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_asset_under_an_older_name_is_todays_file_briefly_cached(client):
    current = next(url for url in asset_links(client.get("/").data) if url.endswith(".css"))
    with client.get(current) as today, client.get("/assets/site.0123456789.css") as older:
        assert older.status_code == 200 and older.get_data() == today.get_data()
        assert "immutable" not in older.headers["Cache-Control"]
    with client.get("/assets/unknown.0123456789.css") as unknown:
        assert unknown.status_code == 404


# --- When a page last changed: Last-Modified and the sitemap's lastmod ----------------------


def row(app, model, slug: str):
    """One row of `model`, read in a fresh app context."""
    with app.app_context():
        return db.session.scalar(select(model).where(model.slug == slug))


def http_time(moment: datetime) -> datetime:
    """A stored UTC time as a Last-Modified header carries it: whole seconds, in UTC."""
    return moment.replace(microsecond=0, tzinfo=UTC)


@pytest.fixture(scope="module")
def facts_app(tmp_path_factory):
    """A site without the demo pack, whose banner would take the date off a static page:
    the one static page these tests read, on an empty database (quicker than content/)."""
    app = make_app(tmp_path_factory.mktemp("facts") / "site.sqlite")
    with app.app_context():
        db.session.add(Page(slug="about", title="关于本站", body="正文", status=PUBLISHED))
        db.session.commit()
    return app


def test_a_static_page_says_when_it_last_changed_and_answers_if_modified_since(facts_app):
    app, client = facts_app, facts_app.test_client()
    response = client.get("/about")
    assert response.last_modified == http_time(row(app, Page, "about").updated_at)
    assert response.headers["Cache-Control"] == "no-cache"  # no reuse before asking
    since = response.headers["Last-Modified"]
    earlier = http_date(response.last_modified - timedelta(days=1))
    # A page the cache does not hold yet: on a host of its own (a made-up query is never
    # stored).
    unseen = {"base_url": f"http://{uuid.uuid4().hex}.localhost"}
    fresh = client.get("/about", headers={"If-Modified-Since": since}, **unseen)
    assert (fresh.status_code, fresh.headers[HEADER]) == (304, "miss")
    client.get("/about", **unseen)
    for asked, status in ((since, 304), (earlier, 200)):
        cached = client.get("/about", headers={"If-Modified-Since": asked}, **unseen)
        assert (cached.status_code, cached.headers[HEADER]) == (status, "hit")


def test_an_update_and_the_list_of_updates_say_when_they_last_changed(tmp_path):
    app = make_app(tmp_path / "updates.sqlite")
    with app.app_context():
        for slug in ("first", "second"):
            db.session.add(
                Update(slug=slug, kind="notice", title="通知", summary="摘要", body="正文",
                       status=PUBLISHED, published_at=utcnow())
            )  # fmt: skip
        db.session.commit()
    client = app.test_client()
    first = row(app, Update, "first")
    assert client.get("/updates/first").last_modified == http_time(first.updated_at)

    with app.app_context():
        db.session.scalar(select(Update).where(Update.slug == "second")).status = WITHDRAWN
        db.session.commit()
    withdrawn = row(app, Update, "second")
    assert client.get("/updates/").last_modified == http_time(withdrawn.updated_at)
    assert client.get("/updates/first").last_modified == http_time(first.updated_at)


def test_a_list_of_updates_never_goes_back_when_an_item_leaves_it_as_a_draft(tmp_path):
    """An undone first publication takes the item back to a draft: the list, the feed and
    the sitemap still changed then, and a browser that had the list with it is sent the
    list again."""
    app = make_app(tmp_path / "undo.sqlite")
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        for slug, days in (("earlier", 3), ("later", 2)):
            db.session.add(
                Update(slug=slug, kind="notice", title="通知", summary="摘要", body="正文",
                       status=PUBLISHED, published_at=now - timedelta(days=days),
                       updated_at=now - timedelta(days=days))
            )  # fmt: skip
        db.session.commit()
    client = app.test_client()
    published = client.get("/updates/")
    assert published.last_modified == (now - timedelta(days=2)).replace(tzinfo=UTC)
    with app.app_context():  # as the undo does it (its own change is a day later here)
        later = db.session.scalar(select(Update).where(Update.slug == "later"))
        later.status, later.published_at = DRAFT, None
        later.updated_at = now - timedelta(days=1)
        db.session.commit()
    since = {"If-Modified-Since": published.headers["Last-Modified"]}
    again = client.get("/updates/", headers=since)
    assert again.status_code == 200 and "/updates/later" not in again.text
    assert again.last_modified == (now - timedelta(days=1)).replace(tzinfo=UTC)
    feed = ET.fromstring(client.get("/updates/feed.atom").data)
    assert feed.findtext("{http://www.w3.org/2005/Atom}updated") == (
        (now - timedelta(days=1)).isoformat() + "Z"
    )
    assert client.get("/updates/feed.atom", headers=since).status_code == 200
    lastmods = sitemap_lastmods(client)
    undone = local(now - timedelta(days=1)).date().isoformat()
    assert lastmods["/updates/"] == lastmods["/"] == undone


def test_while_the_demo_pack_is_in_a_page_dated_by_its_own_row_says_no_date(loaded_app):
    """The banner comes and goes with the pack at a time no row keeps: a browser that had
    the page with it (or without it) is never told "not modified" by a date."""
    client = loaded_app.test_client()
    bannered = client.get("/about")
    assert "演示站点" in bannered.text and bannered.headers["ETag"]
    assert "Last-Modified" not in bannered.headers
    assert client.get("/services/living-allowance").last_modified  # moves with the pack
    result = loaded_app.test_cli_runner().invoke(args=["content", "remove-demo"])
    assert result.exit_code == 0, result.output
    plain = client.get("/about", headers={"If-None-Match": bannered.headers["ETag"]})
    assert plain.status_code == 200 and "演示站点" not in plain.text
    assert plain.last_modified == http_time(row(loaded_app, Page, "about").updated_at)


def test_a_place_that_says_open_now_changed_when_it_last_opened_or_closed(client, monkeypatch):
    place = "/facilities/rukang-zhenxing"  # open 08:30-11:30 and 13:30-17:00 on weekdays
    monkeypatch.setattr(opening_hours, "local_now", lambda: datetime(2099, 1, 7, 8, 30, 30))
    response = client.get(place)
    assert response.last_modified == datetime(2099, 1, 7, 0, 30, tzinfo=UTC)  # 08:30 in Chiping
    since = {"If-Modified-Since": response.headers["Last-Modified"]}
    assert client.get(place, headers=since).status_code == 304
    monkeypatch.setattr(opening_hours, "local_now", lambda: datetime(2099, 1, 7, 11, 30, 30))
    assert client.get(place, headers=since).status_code == 200  # closed since


@pytest.mark.parametrize("path", ["/services/living-allowance", "/facilities/rukang-zhenxing"])
def test_a_page_that_shows_other_rows_changed_with_the_last_public_change(
    app, client, path, monkeypatch
):
    # Contacts, places and services may change or be withdrawn without the page's own row.
    monkeypatch.setattr(opening_hours, "local_now", lambda: datetime(2026, 11, 25, 10, 0))
    with app.app_context():
        changed_at = db.session.scalar(select(PageCacheGeneration.changed_at))
    assert client.get(path).last_modified == http_time(changed_at)


WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]
WEEKDAYS = [
    {"days": WORKDAYS, "opens": "08:30", "closes": "11:30"},
    {"days": WORKDAYS, "opens": "13:30", "closes": "17:00"},
]
NIGHTS = [{"days": ["mon"], "opens": "22:00", "closes": "06:00"}]


@pytest.mark.parametrize(
    "hours, now, turn",
    [
        ([WEEKDAYS], datetime(2026, 11, 25, 12, 0), datetime(2026, 11, 25, 11, 30)),
        ([WEEKDAYS], datetime(2026, 11, 25, 13, 30), datetime(2026, 11, 25, 13, 30)),
        ([WEEKDAYS], datetime(2026, 11, 28, 10, 0), datetime(2026, 11, 27, 17, 0)),  # Saturday
        ([WEEKDAYS], datetime(2026, 11, 23, 8, 0), datetime(2026, 11, 20, 17, 0)),  # Monday
        ([NIGHTS], datetime(2026, 11, 24, 3, 0), datetime(2026, 11, 23, 22, 0)),
        ([NIGHTS], datetime(2026, 11, 24, 7, 0), datetime(2026, 11, 24, 6, 0)),
        ([NIGHTS, WEEKDAYS], datetime(2026, 11, 24, 7, 0), datetime(2026, 11, 24, 6, 0)),
        ([None, NIGHTS], datetime(2026, 11, 23, 23, 0), datetime(2026, 11, 23, 22, 0)),
        ([None], datetime(2026, 11, 23, 23, 0), None),
        ([], datetime(2026, 11, 23, 23, 0), None),
    ],
)
def test_the_last_opening_or_closing_is_found_in_utc(hours, now, turn):
    expected = turn and turn - timedelta(hours=8)  # Chiping is eight hours ahead of UTC
    assert last_opening_or_closing(hours, now) == expected


def sitemap_lastmods(client) -> dict[str, str | None]:
    """The local path of every <loc> in /sitemap.xml, with its <lastmod> (None without)."""
    root = ET.fromstring(client.get("/sitemap.xml").data)
    return {
        urlsplit(url.findtext("sm:loc", namespaces=SITEMAP_NS)).path: url.findtext(
            "sm:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.iterfind("sm:url", SITEMAP_NS)
    }


def test_the_sitemap_dates_each_item_and_each_list_by_its_last_change(app, client):
    lastmods = sitemap_lastmods(client)
    dated = [date for date in lastmods.values() if date]
    assert dated and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) for date in dated)

    def day(moment: datetime) -> str:
        return local(moment).date().isoformat()

    about = row(app, Page, "about")
    service = row(app, Service, "living-allowance")
    assert lastmods["/about"] == lastmods["/en/about"] == day(about.updated_at)
    assert lastmods["/services/living-allowance"] == day(service.updated_at)
    with app.app_context():
        newest = max(
            db.session.scalars(select(Service.updated_at)).all()
            + db.session.scalars(select(Category.updated_at)).all()
        )
    assert lastmods["/services/"] == day(newest)
    # Open now changes with the clock, search with the index: no honest date.
    for path in ("/facilities/", "/contacts/", "/search", "/en/search"):
        assert lastmods[path] is None, path
