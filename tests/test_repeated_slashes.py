"""A path with repeated slashes (/en//, //services/) is redirected, permanently and with its
method kept (308), to the same path with one slash in each place, its query string kept:
never to another site, never served or kept by the page cache at that address."""

from urllib.parse import urlsplit

import pytest
from barrierfree.page_cache import HEADER, looked_up
from werkzeug import Request
from werkzeug.test import EnvironBuilder

pytestmark = pytest.mark.usefixtures("still_clock")
REDIRECTED = {
    "/en//": "/en/",
    "/en///": "/en/",
    "//": "/",
    "//about": "/about",
    "/about//": "/about/",
    "//services/": "/services/",
    "/services//x": "/services/x",
    "/en//services//disability-certificate": "/en/services/disability-certificate",
    "//en/services/": "/en/services/",
    "/plan//sections/": "/plan/sections/",
    "//staff/": "/staff/",
    "/staff//inbox/": "/staff/inbox/",
    "/en//staff//": "/en/staff/",
    "//feedback/ask": "/feedback/ask",
    "//healthz": "/healthz",
    "/services//\xe5\xba\xb7\xe5\xa4\x8d": "/services/%E5%BA%B7%E5%A4%8D",  # 康复, as WSGI has it
}
# Each would be another site's address if the site wrote it back as it came.
OFF_SITE = {
    "//evil.example/": "/evil.example/",
    "///evil.example": "/evil.example",
    "//evil.example//x": "/evil.example/x",
    "//\\evil.example": "/%5Cevil.example",
    "/\\//evil.example": "/%5C/evil.example",
    "//%2F%2Fevil.example": "/%252F%252Fevil.example",  # a literal %, once decoded
}


def asked(client, path: str, method: str = "GET", query: str = ""):
    """The answer to a request for `path` exactly (the test client would read a path that
    starts with // as a host)."""
    return client.open(
        "/", method=method, environ_overrides={"PATH_INFO": path, "QUERY_STRING": query}
    )


def on_this_site(location: str) -> bool:
    """True for an address a browser reads as on this site: one slash, then a path."""
    return (
        location.startswith("/")
        and location[1:2] not in ("/", "\\")
        and not urlsplit(location).netloc
    )


@pytest.mark.parametrize("path, location", REDIRECTED.items(), ids=REDIRECTED.keys())
def test_a_path_with_repeated_slashes_is_redirected_to_the_path_with_one(client, path, location):
    for method in ("GET", "HEAD", "POST"):
        response = asked(client, path, method)
        assert (response.status_code, response.headers["Location"]) == (308, location), method
        assert HEADER not in response.headers  # the page cache never looked it up


@pytest.mark.parametrize("path, location", OFF_SITE.items(), ids=OFF_SITE.keys())
def test_the_redirect_never_leads_to_another_site(client, path, location):
    response = asked(client, path)
    assert (response.status_code, response.headers["Location"]) == (308, location)
    assert on_this_site(response.headers["Location"])


def test_an_encoded_slash_is_a_slash(client):
    """%2F is decoded before the site reads the path (PATH_INFO): /%2F%2Fhost is ///host."""
    for address, location in [
        ("/%2F%2Fevil.example", "/evil.example"),
        ("/en/%2F%2Fevil.example/", "/en/evil.example/"),
    ]:
        response = client.get(address)
        assert (response.status_code, response.headers["Location"]) == (308, location)


def test_a_backslash_alone_is_not_a_repeated_slash(client):
    assert asked(client, "/\\evil.example").status_code == 404


def test_the_query_string_is_kept_as_it_came(client):
    query = "q=%E5%BA%B7%E5%A4%8D&kind=service&empty="
    response = asked(client, "/en//search", query=query)
    assert response.headers["Location"] == f"/en/search?{query}"
    raw = asked(client, "//search", query="q=a b\xe5\xba\xb7")  # not encoded, as WSGI has it
    assert raw.headers["Location"] == "/search?q=a%20b%E5%BA%B7"


def test_the_redirect_leads_to_the_page(client):
    response = asked(client, "/en//services//disability-certificate")
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_form_posted_to_a_repeated_slash_is_redirected_before_its_token_is_checked(client):
    """308 keeps the method and the body: the browser posts the form again to the page's own
    address, where it is checked as usual."""
    response = asked(client, "//feedback/ask", "POST")
    assert (response.status_code, response.headers["Location"]) == (308, "/feedback/ask")


@pytest.mark.parametrize("path", ["/about", "/en/services/"])
def test_the_page_cache_never_sends_nor_keeps_a_page_at_a_repeated_slash(client, path):
    stored = client.get(path)
    assert client.get(path).headers[HEADER] == "hit"
    for repeated in ("/" + path, path.replace("/", "//"), path + "//"):
        for _ in range(2):
            response = asked(client, repeated)
            assert response.status_code == 308 and HEADER not in response.headers
    assert client.get(path).data == stored.data


@pytest.mark.no_database
@pytest.mark.parametrize("path", ["//about", "/about//", "//", "/services//x"])
def test_the_page_cache_does_not_look_up_a_repeated_slash(path):
    request = Request(EnvironBuilder(environ_overrides={"PATH_INFO": path}).get_environ())
    assert not looked_up(request, {"SESSION_COOKIE_NAME": "session"})
    request = Request(EnvironBuilder(path="/about").get_environ())
    assert looked_up(request, {"SESSION_COOKIE_NAME": "session"})
