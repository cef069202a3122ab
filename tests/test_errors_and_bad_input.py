"""Errors get a helpful page in the visitor's language; hostile input never breaks a page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from barrierfree.content.files import ContentError
from barrierfree.database import db
from barrierfree.pages.models import Page
from conftest import CJK, load_content, make_app, parse, text_outside_lang
from sqlalchemy import select
from staff_helpers import make_staff, signed_in
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

PAGE_KINDS = {
    "home": "/",
    "static": "/about",
    "sitemap": "/sitemap",
    "services": "/services/",
    "category": "/services/categories/rehabilitation",
    "service": "/services/living-allowance",
    "plan": "/plan/",
    "measures": "/plan/measures/",
    "measure": "/plan/measures/1-1",
    "indicators": "/plan/indicators",
    "projects": "/plan/projects",
    "departments": "/departments/",
    "department": "/departments/disabled-persons-federation",
    "english-service": "/en/services/living-allowance",
    "updates": "/updates/",
}

HOSTILE_QUERIES = {
    "non-numeric-page": "?page=abc",
    "page-zero": "?page=00",
    "nul": "?q=%00",
    "very-long": "?x=" + "a" * 10000,
    "broken-utf8": "?%E4",
    "markup": "?q=<script>alert(1)</script>",
    "path-traversal": "?lang=../../",
    "repeated-keys": "?large=1&large=0&next=//evil.example",
}

HOSTILE_COOKIES = {
    "invalid-session": "session=not-a-signed-session",
    "broken-utf8-display": "display=%FF%FE",
    "unterminated-quote": 'display="large',
    "no-name": "=large",
    "very-long": "display=" + "x" * 8000,
    "many-cookies": "; ".join(f"c{i}={i}" for i in range(300)),
}


def links_of(response) -> list[str]:
    """The link targets inside <main>."""
    return parse(response.data).find("main").hrefs


@pytest.mark.parametrize(
    "path, lang, home, sitemap",
    [
        ("/no-such-page", "zh-CN", "/", "/sitemap"),
        ("/en/no-such-page", "en", "/en/", "/en/sitemap"),
    ],
    ids=["chinese", "english"],
)
def test_not_found_page_in_the_visitors_language(client, path, lang, home, sitemap):
    response = client.get(path)
    doc = parse(response.data)

    assert response.status_code == 404
    assert doc.find("html").get("lang") == lang
    assert len(doc.find_all("h1")) == 1
    assert {home, sitemap} <= set(links_of(response))


def test_english_not_found_page_is_in_english(client):
    main = parse(client.get("/en/no-such-page").data).find("main")
    assert not CJK.search(text_outside_lang(main))  # the demo banner's Chinese line is marked


UNKNOWN = {
    "service": "/services/no-such-service",
    "measure-out-of-range": "/plan/measures/9-9",
    "measure-not-a-slug": "/plan/measures/one",
    "measure-traversal": "/plan/measures/../etc",
    "measure-encoded-traversal": "/plan/measures/..%2Fetc",
    "department": "/departments/no-such-department",
    "category": "/services/categories/no-such-category",
    "static-page": "/no-such-static-page",
    "english-service": "/en/services/no-such-service",
    "facility": "/facilities/no-such-place",
    "facility-markup": "/facilities/%3Cscript%3E",
    "english-facility": "/en/facilities/nowhere",
    "contact": "/contacts/no-such-line",
    "english-contact": "/en/contacts/no-such-line",
}


@pytest.mark.parametrize("path", UNKNOWN.values(), ids=UNKNOWN.keys())
def test_unknown_slug_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", HOSTILE_QUERIES.values(), ids=HOSTILE_QUERIES.keys())
@pytest.mark.parametrize("path", PAGE_KINDS.values(), ids=PAGE_KINDS.keys())
def test_hostile_query_string_still_gives_the_page(client, path, query):
    response = client.get(path + query)
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.data


@pytest.mark.parametrize("path", ["/search", "/en/facilities/", "/eligibility/", "/staff/"])
def test_an_address_whose_query_is_not_utf8_gets_a_clear_400(client, path):
    """Raw bytes no browser sends from this site's links: Werkzeug cannot read them."""
    response = client.get(path, environ_overrides={"QUERY_STRING": "q=\xff\xfe&x=%FF"})
    assert response.status_code == 400
    main = parse(response.data).find("main")
    assert "无法识别的字符" in main.text or "characters that cannot be read" in main.text
    assert b"Traceback" not in response.data


def test_a_huge_query_is_not_written_back_in_the_pages_own_links(client):
    """The other language, the alternate links and the display form's way back keep a query
    as the site reads it (values cut at 200 characters), not 60,000 bytes four times."""
    typed = "轮椅" * 2000
    response = client.get("/search", query_string={"q": typed, "junk": "x" * 20000})
    assert response.status_code == 200
    assert len(response.data) < 60_000
    doc = parse(response.data)
    english = doc.find("a", class_="language-link")["href"]
    assert english.startswith("/en/search?") and len(english) < 4000
    assert parse_qs(urlsplit(english).query)["q"] == ["轮椅" * 100]
    short = client.get("/search?q=%E8%BD%AE%E6%A4%85")
    assert parse(short.data).find("a", class_="language-link")["href"] == (
        "/en/search?q=%E8%BD%AE%E6%A4%85"
    )


@pytest.mark.parametrize("cookie", HOSTILE_COOKIES.values(), ids=HOSTILE_COOKIES.keys())
@pytest.mark.parametrize("path", ["/", "/en/services/living-allowance"], ids=["home", "service"])
def test_hostile_cookie_still_gives_the_page(client, path, cookie):
    assert client.get(path, headers={"Cookie": cookie}).status_code == 200


@pytest.fixture
def failing_app(tmp_path):
    """An app whose /boom view raises, with exceptions handled as in production."""
    app = make_app(tmp_path / "failing.sqlite", PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail from the database layer")

    return app


@pytest.mark.parametrize("path, lang", [("/boom", "zh-CN"), ("/en/boom", "en")], ids=["zh", "en"])
def test_server_error_page_in_the_visitors_language_without_traceback(failing_app, path, lang):
    response = failing_app.test_client().get(path)
    doc = parse(response.data)

    assert response.status_code == 500
    assert doc.find("html").get("lang") == lang
    assert len(doc.find_all("h1")) == 1
    for leak in (b"Traceback", b"RuntimeError", b"secret detail"):
        assert leak not in response.data


def test_english_server_error_page_is_in_english(failing_app):
    main = parse(failing_app.test_client().get("/en/boom").data).find("main")
    assert not CJK.search(main.text)


def test_get_on_the_display_form_gives_a_helpful_405_page(client):
    response = client.get("/display")
    doc = parse(response.data)

    assert response.status_code == 405
    assert len(doc.find_all("h1")) == 1
    assert "/" in links_of(response)
    assert b"Traceback" not in response.data
    assert b"Method Not Allowed" not in response.data


def test_405_keeps_the_allow_header(client):
    assert "POST" in client.get("/display").headers.get("Allow", "")


def test_a_content_file_with_a_control_character_is_refused_naming_file_and_field(
    empty_app, content_copy
):
    about = content_copy / "pages" / "about.md"
    about.write_text(about.read_text().replace("这份规划", "这份\x1b规划", 1))
    with empty_app.app_context(), pytest.raises(ContentError) as raised:
        load_content(content_copy)
    assert "pages/about.md" in str(raised.value) and "“body”" in str(raised.value)


def test_words_line_break_in_a_content_file_is_a_new_line(loaded_app, content_copy):
    about = content_copy / "pages" / "about.md"
    about.write_text(about.read_text().replace("title: 关于本站", 'title: "关于\\v本站"', 1))
    with loaded_app.app_context():
        load_content(content_copy)
        assert db.session.scalar(select(Page.title).where(Page.slug == "about")) == "关于\n本站"


# Bigger than an INTEGER column keeps on PostgreSQL, than any integer SQLite keeps, and more.
TOO_BIG = ("2147483648", "9223372036854775808", "99999999999999999999")


@pytest.mark.parametrize("number", TOO_BIG)
def test_a_number_too_big_for_any_row_names_nothing(loaded_app, number):
    """An address with a number where a row's id goes (a resident's photo, a message in the
    inbox, an account) is not found when the number is too big for the database: it cannot
    even be looked up, and these pages once failed with an error (500)."""
    make_staff(loaded_app, "admin", "admin")
    staff = signed_in(loaded_app, "admin")
    rules = [rule for rule in loaded_app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) > 10
    for rule in rules:
        path = re.sub(r"<int:\w+>", number, re.sub(r"<(?!int:)[^>]+>", "x", rule.rule))
        if "GET" in rule.methods:
            assert staff.get(path).status_code == 404, path
        else:
            assert staff.post(path).status_code < 500, path


@pytest.mark.parametrize("page", ["confirm", "manage", "unsubscribe"])
@pytest.mark.parametrize("number", [*TOO_BIG, "²", "١٢"])
def test_an_alerts_link_with_an_impossible_number_is_unknown(client, page, number):
    response = client.get(f"/alerts/{page}/{number}-0123456789abcdef")
    assert response.status_code < 500
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["a" * 64, "a..b", "a" * 64 + ".example.org"])
def test_a_host_header_no_address_can_be_built_on_gets_a_plain_400(client, host):
    """A Host a broken client sends: no page with links can be built for it (the error
    page once failed too, so the server answered with its own bare error)."""
    for path in ("/", "/en/no-such-page"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400
        assert response.mimetype == "text/plain"
        assert "无法识别本站的地址" in response.text and "could not be read" in response.text


@pytest.mark.parametrize(
    "host",
    ["xn--zz.example", "XN--ZZ.example:8080", "xn--.example", "xn--a-ecp.example", "a.xn--x"],
)
def test_a_host_that_is_not_idna_gets_the_plain_400_too(app, host):
    """A name with "xn--" and no Punycode after it: Werkzeug could not decode it for
    `request.host_url`, so the page failed (500), and so did the error page, which writes
    it. Asked of the app itself: Werkzeug's test client reads the address after the answer
    and fails on such a host by itself."""
    for path in ("/", "/no-such-page", "/feedback/ask", "/en/search?q=x", "/staff/", "/healthz"):
        environ = EnvironBuilder(path, headers={"Host": host}).get_environ()
        response = Response.from_app(app, environ, buffered=True)
        assert response.status_code == 400, path
        assert response.mimetype == "text/plain"
        text = response.get_data(as_text=True)
        assert "无法识别本站的地址" in text and "could not be read" in text


@pytest.mark.parametrize("host", ["xn--fiq228c.example", "localhost:5000", "[::1]:8000"])
def test_a_readable_host_is_served(app, host):
    """Punycode that decodes (中文.example), a port, an IPv6 address: pages as usual."""
    environ = EnvironBuilder("/", headers={"Host": host}).get_environ()
    assert Response.from_app(app, environ, buffered=True).status_code == 200


@pytest.mark.parametrize("character", ["%00", "%1b", "%7f"])
def test_a_control_character_in_an_address_names_nothing(app, client, character):
    """No slug or token holds one, and PostgreSQL refuses even to compare text holding NUL:
    /plan/sections/a%00b once failed there with an error page."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.arguments and not rule.rule.startswith("/staff")
    ]
    assert len(rules) > 10
    for rule in rules:
        path = re.sub(r"<[^>]+>", f"a{character}b", rule.rule)
        with client.get(path) as response:
            assert response.status_code == 404, path


def test_a_write_taken_by_another_request_at_once_gets_a_409_page_not_a_500(empty_app):
    """A unique name taken a moment before by the same form sent twice (the database's
    constraint is the last word): the site's page, saying what happened."""
    from sqlalchemy.exc import IntegrityError

    def taken():
        orig = Exception("UNIQUE constraint failed: update.slug")
        raise IntegrityError("INSERT INTO update …", {}, orig)

    empty_app.add_url_rule("/test-taken", "test_taken", taken, methods=["POST"])
    empty_app.config["WTF_CSRF_ENABLED"] = False
    response = empty_app.test_client().post("/test-taken")
    assert response.status_code == 409
    page = parse(response.data)
    assert "表单提交了两次" in page.find("main").text
    assert b"Traceback" not in response.data and b"IntegrityError" not in response.data


def test_a_broken_constraint_that_is_not_a_name_taken_is_still_a_fault(empty_app):
    """Only a unique key taken at the same moment is "done twice"; a missing value or a
    foreign key is a fault of the site's, a 500 for the log and for fixing."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    def broken():
        orig = sqlite3.IntegrityError("NOT NULL constraint failed: update.title")
        raise IntegrityError("INSERT INTO update …", {}, orig)

    empty_app.add_url_rule("/test-broken", "test_broken", broken, methods=["POST"])
    empty_app.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    response = empty_app.test_client().post("/test-broken")
    assert response.status_code == 500 and b"Traceback" not in response.data
