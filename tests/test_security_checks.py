"""Findings of a security check of the whole site, each pinned by its behaviour: a private
link written with repeated or percent-encoded slashes is as private as the link itself, in
the answer and in the access log; the access log keeps no cookie's value; every kind of
answer has the protective headers; a phone's multi-picture JPEG has a JPEG's pixel limit."""

from datetime import timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
from barrierfree.access_log import AccessLogger, redacted
from gunicorn.config import Config
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

TOKEN = "k7m2p9q4r8s3t6v5w2x9y4z7a3b8c5d2e6f9g4h7j3k8m5n2p6q9"


@pytest.mark.parametrize(
    "address",
    [
        f"/feedback//status/{TOKEN}",
        f"/en/feedback//status/{TOKEN}",
        f"/feedback/status//{TOKEN}/delete",
        f"/alerts//manage/12-{TOKEN}",
        f"/en/alerts///unsubscribe/12-{TOKEN}",
    ],
)
def test_a_private_link_with_repeated_slashes_is_redirected_privately(client, address):
    """The redirect to the link's own address names its token as the link does: never
    stored by a browser or a proxy, never indexed, never sent on in a Referer."""
    response = client.get(address)
    assert response.status_code == 308
    assert TOKEN in response.headers["Location"] and "//" not in response.headers["Location"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_a_public_page_with_repeated_slashes_is_redirected_as_before(client):
    response = client.get("/services//")
    assert response.status_code == 308
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "no-store" not in response.headers.get("Cache-Control", "")


def atoms(environ: dict, request_headers: dict | None = None, response_headers=()) -> dict:
    """The access log's values for one request, as the site's logger gives them."""
    base = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": ""}
    response = SimpleNamespace(status="200 OK", sent=10, headers=list(response_headers))
    return AccessLogger(Config()).atoms(
        response, request_headers or {}, {**base, **environ}, timedelta(0)
    )


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        (f"/feedback//status/{TOKEN}", "/feedback//status/…"),
        (f"//en//feedback///status/{TOKEN}/photos/1", "//en//feedback///status/…/photos/1"),
        (f"/feedback%2Fstatus%2f{TOKEN}", "/feedback%2Fstatus%2f…"),
        (f"/alerts//confirm/3-{TOKEN}?page=1", "/alerts//confirm/…?page=1"),
        (f"/en/alerts%2Fmanage/3-{TOKEN}", "/en/alerts%2Fmanage/…"),
        (f"/feedback/st%61tus/{TOKEN}", "/feedback/status/…"),
        (f"/%61lerts/unsubscribe/3-{TOKEN}?q=%E8%BD%AE", "/alerts/unsubscribe/…?q=…"),
    ],
)
def test_a_private_link_is_logged_without_its_token_however_its_slashes_are_written(raw, logged):
    """gunicorn decodes the path (%2F is a slash to Werkzeug's routes) and the site redirects
    repeated slashes to the page: the request line holds the link as it came."""
    found = atoms({"RAW_URI": raw, "PATH_INFO": raw.split("?")[0]})
    assert found["r"] == f"GET {logged} HTTP/1.1"
    assert TOKEN not in "".join(str(value) for value in found.values())


def test_other_addresses_with_those_words_are_logged_as_they_are():
    assert redacted("GET /feedback/statistics HTTP/1.1") == "GET /feedback/statistics HTTP/1.1"
    assert redacted("GET /updates/alerts-now HTTP/1.1") == "GET /updates/alerts-now HTTP/1.1"


def test_no_cookie_s_value_is_logged():
    """The sent page's receipt cookie holds the status token (signed, readable by anyone who
    has it); the session holds the form's CSRF token. A format naming the Cookie header, its
    WSGI variable or the Set-Cookie header logs the cookies' names only."""
    receipt = f"feedback_receipt=eyJ0b2tlbiI6IntUT0tFTn0ifQ.{TOKEN}"
    sent = {"Cookie": f"{receipt}; session=abc.{TOKEN}; display=large"}
    environ = {
        "RAW_URI": "/feedback/sent",
        "PATH_INFO": "/feedback/sent",
        "HTTP_COOKIE": sent["Cookie"],
    }
    set_cookie = [("Set-Cookie", f"{receipt}; Max-Age=3600; HttpOnly; Path=/feedback/sent")]
    found = atoms(environ, sent, set_cookie)
    assert TOKEN not in "".join(str(value) for value in found.values())
    assert found["{cookie}i"] == "feedback_receipt=…; session=…; display=…"
    assert found["{http_cookie}e"] == found["{cookie}i"]
    assert found["{set-cookie}o"].startswith("feedback_receipt=…; Max-Age=…; HttpOnly")


PROTECTIVE = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
              "Permissions-Policy")  # fmt: skip


@pytest.mark.parametrize(
    ("address", "headers", "status"),
    [
        ("/", {"Host": "xn--zz.example"}, 400),  # refused before Flask: no address to build on
        ("/", {"Host": f"{'a' * 64}.example"}, 400),
        ("/", {}, 200),
        ("/no-such-page", {}, 404),
        ("/services//", {}, 308),
        ("/updates/feed.atom", {}, 200),
        ("/data/facilities.csv", {}, 200),
        ("/search?q=%E8%BD%AE%E6%A4%85", {"HX-Request": "true"}, 200),
    ],
)
def test_every_kind_of_answer_has_the_protective_headers(app, address, headers, status):
    """Flask's pages and downloads, its errors and redirects, htmx's fragments, and the plain
    400 the outermost layer sends for a Host no address can be built on. (Asked of the app
    itself: Werkzeug's test client fails on such a host after the answer.)"""
    environ = EnvironBuilder(address, headers=headers).get_environ()
    response = Response.from_app(app, environ, buffered=True)
    assert response.status_code == status
    missing = [name for name in PROTECTIVE if name not in response.headers]
    assert not missing
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"/feedback//status/{TOKEN}", "/feedback//status/…"),
        (f"/en/feedback%2Fstatus/{TOKEN}/delete", "/en/feedback%2Fstatus/…/delete"),
    ],
)
def test_a_wrong_page_report_keeps_no_status_token_however_its_slashes_are_written(
    app, typed, kept
):
    """页面信息有误 keeps the page a resident names, but never a private link's token."""
    from barrierfree.feedback.spec import same_site_path

    with app.test_request_context("/feedback/page-error"):
        assert same_site_path(typed) == kept


def test_a_multi_picture_jpeg_is_decoded_reduced_as_a_jpeg_is(i18n_app):
    """A phone photo in the Multi-Picture Format (a JPEG with more images in it, such as a
    depth map), which Pillow opens as "MPO", has a JPEG's limit and is decoded at a reduced
    scale: a 48-megapixel one was refused as more than 24 megapixels."""
    from barrierfree import images
    from PIL import Image

    frames = [Image.new("RGB", (8000, 6000), colour) for colour in ("red", "blue")]
    buffer = BytesIO()
    frames[0].save(buffer, "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(BytesIO(buffer.getvalue())).format == "MPO"
    with i18n_app.test_request_context():
        photo = images.prepare(buffer.getvalue())
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (images.LONG_SIDE, 1200)


def test_no_csrf_token_or_credentials_sent_in_a_header_are_logged():
    """htmx sends the back office's CSRF token in X-CSRFToken with every request."""
    sent = {"X-CSRFToken": f"csrf.{TOKEN}", "Authorization": f"Basic {TOKEN}"}
    environ = {
        "RAW_URI": "/staff/session",
        "PATH_INFO": "/staff/session",
        "HTTP_X_CSRFTOKEN": sent["X-CSRFToken"],
        "HTTP_X_CSRF_TOKEN": sent["X-CSRFToken"],
        "HTTP_AUTHORIZATION": sent["Authorization"],
    }
    found = atoms(environ, sent)
    assert TOKEN not in "".join(str(value) for value in found.values())
    assert found["{x-csrftoken}i"] == found["{http_authorization}e"] == "…"
