"""What the page cache must not tell: no response says whether it came from the cache
(anyone could ask for /search?q=精神残疾 and learn that someone had just searched for it),
unless the setting the tests turn on asks for X-Page-Cache; and a page whose query carries the
visitor's own position is never stored."""

import pytest
from barrierfree.page_cache import HEADER, carries_position
from conftest import make_loaded_app

pytestmark = pytest.mark.usefixtures("still_clock")
HERE = "/facilities/?near=here&lat=36.58&lon=116.25"
PAGES = ("/services/", "/search?q=轮椅", HERE)


@pytest.fixture(scope="module")
def told(app):
    """A site that says whether a page came from the cache (the tests' default)."""
    assert app.config["PAGE_CACHE_HEADER"]
    return app


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """A site set as a real one is: it never says."""
    folder = tmp_path_factory.mktemp("quiet")
    return make_loaded_app(folder / "site.sqlite", PAGE_CACHE_HEADER=False)


@pytest.mark.parametrize("path", PAGES)
def test_no_visitor_is_told_whether_a_page_came_from_the_cache(quiet, path):
    app = quiet
    assert app.config["PAGE_CACHE"] and not app.config["PAGE_CACHE_HEADER"]
    for _ in range(2):  # stored, then sent from the cache (by the WSGI layer or the app)
        response = app.test_client().get(path)
        assert response.status_code == 200
        assert HEADER not in response.headers
    etag = response.headers["ETag"]
    again = app.test_client().get("/services/", headers={"If-None-Match": etag})
    assert HEADER not in again.headers


@pytest.mark.parametrize(
    "path",
    [HERE, "/facilities/?lat=36.58&lon=116.25", "/facilities/?near=here", "/en" + HERE],
)
def test_a_page_of_the_visitor_s_position_is_never_stored(told, path):
    for _ in range(2):
        assert told.test_client().get(path).headers[HEADER] == "miss"


@pytest.mark.parametrize("path", ["/search?q=轮椅", "/facilities/?near=boping", "/services/"])
def test_other_pages_with_a_query_are_still_stored(told, path):
    """A search's hits are what makes it fast: the time it takes is the only sign left."""
    told.test_client().get(path)
    assert told.test_client().get(path).headers[HEADER] == "hit"


@pytest.mark.parametrize(
    ("query", "personal"),
    [
        (b"near=here&lat=36.5&lon=116.2", True),
        (b"lat=36.5", True),
        (b"%6Con=116.2", True),  # lon, escaped
        (b"near=here", True),
        (b"near=boping", False),
        (b"q=here", False),
        (b"q=lat", False),
        (b"", False),
    ],
)
def test_a_position_is_found_however_the_query_is_written(query, personal):
    assert carries_position(query) is personal
