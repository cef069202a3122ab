"""What browsers and search engines are told besides the page: conditional answers (ETag
and 304), robots.txt, the icon, full-address language alternates and a description."""

import gzip

import brotli
import pytest
from conftest import parse


@pytest.mark.parametrize(
    "path", ["/", "/en/services/", "/plan/indicators", "/data/facilities.geojson", "/sitemap.xml"]
)
def test_a_public_page_answers_304_to_a_browser_that_has_it(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


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
                  if link.get("rel") == "alternate"}  # fmt: skip
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
