"""The display toggle (POST /display) takes no CSRF token, so that a page left open still
works; a post another site's page sent is refused all the same, and changes nothing."""

import pytest
from conftest import parse

CROSS_SITE = {
    "fetch-metadata": {"Sec-Fetch-Site": "cross-site"},
    "another-origin": {"Origin": "https://evil.example"},
    "another-port": {"Origin": "http://localhost:8080"},
    "both": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    "an-origin-no-address-can-be": {"Origin": "http://[x"},
    "cross-site-with-null-origin": {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
}
SAME_SITE = {
    "same-origin": {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    "typed-or-bookmarked": {"Sec-Fetch-Site": "none"},
    # A page that sends no Referer (the site's private pages) sends Origin: null.
    "null-origin-from-a-private-page": {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    "an-older-browser": {},
}


@pytest.mark.parametrize("headers", CROSS_SITE.values(), ids=CROSS_SITE.keys())
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_toggle_sent_by_another_site_is_refused_and_changes_nothing(client, headers, prefix):
    response = client.post(
        f"{prefix}/display", data={"large": "1", "next": "/plan/"}, headers=headers
    )
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers and client.get_cookie("display") is None
    page = parse(response.data)
    said = page.find("main").text
    assert ("别的网站" if not prefix else "another website") in said
    # The error page's ways on: home and the contact page.
    assert f"{prefix}/" in page.find("main").hrefs
    assert f"{prefix}/contact" in page.find("main").hrefs


@pytest.mark.parametrize("headers", SAME_SITE.values(), ids=SAME_SITE.keys())
def test_a_toggle_from_the_site_itself_still_needs_no_token(client, headers):
    response = client.post("/display", data={"large": "1", "next": "/plan/"}, headers=headers)
    assert response.status_code == 303 and response.headers["Location"] == "/plan/"
    assert client.get_cookie("display").value == "large"


def test_an_htmx_toggle_from_another_site_is_refused_too(client):
    headers = {"HX-Request": "true", "Sec-Fetch-Site": "cross-site"}
    response = client.post("/display", data={"contrast": "1"}, headers=headers)
    assert response.status_code == 400 and client.get_cookie("display") is None
