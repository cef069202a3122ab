"""Large text (大字版) and high contrast (高对比度): a cookie, rendered as classes on <html>."""

import json

import pytest
from conftest import CJK, parse, sitemap_paths

pytestmark = pytest.mark.markup  # the same markup on any database: run once

MODES = {"large", "contrast"}
HTMX = {"HX-Request": "true"}


def html_classes(response) -> set[str]:
    """The classes on the page's <html> element."""
    return set(parse(response.data).find("html").classes)


def toggle(doc, mode: str):
    """The toggle button of `mode` in a page or fragment."""
    return doc.find("button", id=f"display-{mode}")


def test_turning_large_text_on_sets_the_cookie_and_redirects_back(client):
    response = client.post("/display", data={"large": "1", "next": "/plan/"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/plan/"
    assert client.get_cookie("display").value == "large"
    assert html_classes(client.get("/plan/")) == {"large"}


def test_display_cookie_is_long_lived_http_only_and_same_site(client):
    response = client.post("/display", data={"large": "1", "next": "/"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=" in cookie


def test_display_cookie_is_secure_over_https(client):
    response = client.post("/display", data={"large": "1"}, base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


UNSAFE_NEXT = {
    "absolute-url": "https://evil.example",
    "scheme-relative": "//evil.example",
    "triple-slash": "///evil.example",
    "backslash": "/\\evil",
    "javascript-url": "javascript:alert(1)",
    "empty": "",
    "header-injection": "\r\nSet-Cookie: x=1",
    "relative-path": "evil",
}


@pytest.mark.parametrize("target", UNSAFE_NEXT.values(), ids=UNSAFE_NEXT.keys())
def test_unsafe_next_redirects_home(client, target):
    response = client.post("/display", data={"large": "1", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get_cookie("x") is None


def test_missing_next_redirects_home(client):
    response = client.post("/display", data={"large": "1"})
    assert response.headers["Location"] == "/"


def test_both_modes_on_render_as_classes_and_pressed_toggles(client):
    client.set_cookie("display", "large.contrast")
    response = client.get("/services/")
    doc = parse(response.data)

    assert html_classes(response) == {"large", "contrast"}
    for mode in MODES:
        assert toggle(doc, mode).get("aria-pressed") == "true"
        assert toggle(doc, mode).get("value") == "0"


def test_without_cookie_toggles_are_not_pressed(client):
    doc = parse(client.get("/").data)
    assert doc.find("html").get("class") is None
    for mode in MODES:
        assert toggle(doc, mode).get("aria-pressed") == "false"
        assert toggle(doc, mode).get("value") == "1"


GARBAGE_COOKIES = {
    "empty": "",
    "unknown-mode": "huge",
    "repeated-and-unknown": "large.large.evil",
    "markup": "<script>",
    "encoded-nul": "%00",
    "quoted": '"large"',
    "very-long": "large." * 2000 + "x" * 4000,
}


@pytest.mark.parametrize("value", GARBAGE_COOKIES.values(), ids=GARBAGE_COOKIES.keys())
def test_garbage_cookie_is_ignored(client, value):
    response = client.get("/", headers={"Cookie": f"display={value}"})
    assert response.status_code == 200
    assert html_classes(response) <= MODES


def test_htmx_toggle_answers_with_the_controls_fragment(client):
    response = client.post("/display", data={"large": "1", "next": "/"}, headers=HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.data
    doc = parse(response.data)
    assert doc.find("form", class_="display-controls") is not None
    assert toggle(doc, "large").get("aria-pressed") == "true"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_toggle_sets_the_display_cookie_and_no_other(app, headers):
    """The about page promises one cookie, display; a CSRF token in the returned controls
    once started a session as well (and with it, every page went uncached)."""
    client = app.test_client()
    response = client.post("/display", data={"large": "1", "next": "/"}, headers=headers)
    cookies = [value.split("=", 1)[0] for value in response.headers.getlist("Set-Cookie")]
    assert cookies == ["display"]
    assert parse(response.data).find("input", name="csrf_token") is None
    page = client.get("/")
    assert page.headers.getlist("Set-Cookie") == []
    assert (
        parse(page.data).find("form", class_="display-controls").find("input", name="csrf_token")
        is None
    )


def test_the_about_page_names_every_cookie_a_resident_gets(app):
    """The about page says: display, and session only on a page with a form to send. Every
    page of the sitemap, fetched as a first visit, keeps that promise."""
    about = parse(app.test_client().get("/about").data).text
    assert "display" in about and "session" in about
    for path in sitemap_paths(app.test_client()):
        response = app.test_client().get(path)
        cookies = {value.split("=", 1)[0] for value in response.headers.getlist("Set-Cookie")}
        has_form = b'name="csrf_token"' in response.data
        assert cookies == ({"session"} if has_form else set()), path


def test_htmx_toggle_triggers_displaychange_with_modes_and_chinese_message(client):
    response = client.post("/display", data={"contrast": "1"}, headers=HTMX)
    event = json.loads(response.headers["HX-Trigger"])["displaychange"]
    assert event == {"modes": ["contrast"], "message": "已开启高对比度"}


def test_htmx_toggle_under_en_announces_in_english(client):
    response = client.post("/en/display", data={"large": "1", "next": "/en/"}, headers=HTMX)
    event = json.loads(response.headers["HX-Trigger"])["displaychange"]
    doc = parse(response.data)

    assert event["modes"] == ["large"]
    assert event["message"] and not CJK.search(event["message"])
    assert doc.find("form").get("action") == "/en/display"
    assert not CJK.search(doc.find("form").text)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_toggle_response_varies_on_hx_request(client, headers):
    response = client.post("/display", data={"large": "1"}, headers=headers)
    vary = [value.strip().lower() for value in response.headers.get("Vary", "").split(",")]
    assert "hx-request" in vary


def test_toggling_off_keeps_the_other_mode(client):
    client.set_cookie("display", "large.contrast")
    client.post("/display", data={"large": "0", "next": "/"})

    assert client.get_cookie("display").value == "contrast"
    assert html_classes(client.get("/")) == {"contrast"}


def test_toggling_both_off_leaves_no_class(client):
    client.post("/display", data={"large": "1"})
    client.post("/display", data={"large": "0"})
    assert parse(client.get("/").data).find("html").get("class") is None


def test_values_other_than_0_and_1_change_nothing(client):
    client.set_cookie("display", "contrast")
    client.post("/display", data={"large": "yes", "contrast": "2"})
    assert html_classes(client.get("/")) == {"contrast"}


def test_english_toggle_returns_to_the_english_page(client):
    response = client.post("/en/display", data={"large": "1", "next": "/en/plan/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/plan/"
    assert html_classes(client.get("/en/plan/")) == {"large"}


@pytest.mark.parametrize("target", ["https://evil.example", ""], ids=["absolute-url", "empty"])
def test_english_toggle_with_unsafe_next_stays_on_the_english_site(client, target):
    response = client.post("/en/display", data={"large": "1", "next": target})
    assert response.headers["Location"] == "/en/"


def test_page_form_carries_its_own_url_as_next(client):
    form = parse(client.get("/en/plan/indicators?x=1").data).find("form", class_="display-controls")
    assert form.get("action") == "/en/display"
    assert form.find("input", name="next").get("value") == "/en/plan/indicators?x=1"
