"""A Range header: one range of bytes is served where the site serves files (206 with that
part, or 416 when it starts past the end); any other Range is ignored, as RFC 9110 lets a
server do, and the whole file is sent (200), never refused. Pages are sent whole whatever the
Range, from the view and from the page cache."""

import uuid
from pathlib import Path

import pytest
from barrierfree.assets import asset_url
from barrierfree.page_cache import HEADER
from barrierfree.security import served_range

pytestmark = pytest.mark.usefixtures("still_clock")
IGNORED = {
    "not-numbers": "bytes=abc",
    "another-unit": "items=0-5",
    "several-ranges": "bytes=0-1,5-9",
    "end-before-start": "bytes=5-2",
    "no-range": "bytes=",
    "no-unit": "0-5",
}
ONE_RANGE = "bytes=0-4"
PAST_THE_END = "bytes=99999999-"
EVERY_RANGE = {**IGNORED, "one-range": ONE_RANGE, "past-the-end": PAST_THE_END}


@pytest.fixture(scope="module")
def static_files(app) -> dict[str, bytes]:
    """Files the site sends from disk, by address: an asset and the icon, with their bytes."""
    static = Path(app.root_path, "static")
    with app.test_request_context():
        stylesheet = asset_url("site.css")
    return {
        stylesheet: (static / "css" / "site.css").read_bytes(),
        "/favicon.ico": (static / "images" / "favicon.svg").read_bytes(),
    }


@pytest.mark.no_database
@pytest.mark.parametrize("value", IGNORED.values(), ids=IGNORED.keys())
def test_a_range_that_is_not_one_range_of_bytes_is_not_served(value):
    assert not served_range(value)


@pytest.mark.no_database
@pytest.mark.parametrize("value", [ONE_RANGE, PAST_THE_END, "bytes=-5", "Bytes=0-0", "bytes=7-"])
def test_one_range_of_bytes_is_served_even_past_the_end(value):
    assert served_range(value)


@pytest.mark.parametrize("value", IGNORED.values(), ids=IGNORED.keys())
def test_a_file_is_sent_whole_for_a_range_the_site_ignores(client, static_files, value):
    for address, data in static_files.items():
        with client.get(address, headers={"Range": value}) as response:
            assert response.status_code == 200, address
            assert response.data == data
            assert "Content-Range" not in response.headers


def test_one_range_of_a_file_is_sent_as_that_part(client, static_files):
    for address, data in static_files.items():
        with client.get(address, headers={"Range": ONE_RANGE}) as response:
            assert response.status_code == 206, address
            assert response.data == data[:5]
            assert response.headers["Content-Range"] == f"bytes 0-4/{len(data)}"


def test_a_range_past_the_end_of_a_file_is_not_satisfiable(client, static_files):
    for address, data in static_files.items():
        with client.get(address, headers={"Range": PAST_THE_END}) as response:
            assert response.status_code == 416, address
            assert response.headers["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.parametrize("path", ["/about", "/en/services/"])
@pytest.mark.parametrize("value", EVERY_RANGE.values(), ids=EVERY_RANGE.keys())
def test_a_page_is_sent_whole_whatever_the_range_from_the_view_and_from_the_cache(
    client, path, value
):
    # A key the page cache has not seen: a host of its own (a made-up query is never stored).
    unseen = {"base_url": f"http://{uuid.uuid4().hex}.localhost"}
    rendered = client.get(path, headers={"Range": value}, **unseen)
    assert (rendered.status_code, rendered.headers[HEADER]) == (200, "miss")
    cached = client.get(path, headers={"Range": value}, **unseen)
    assert (cached.status_code, cached.headers[HEADER]) == (200, "hit")
    assert rendered.data == cached.data == client.get(path, **unseen).data
    assert "Content-Range" not in rendered.headers and "Content-Range" not in cached.headers
