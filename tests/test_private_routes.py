"""A private route's every answer is private, error pages included: the status link and its
photos, the sent page, the alerts' confirm, manage and unsubscribe links, and the pages of
the eligibility check. One rule (`security.private_route`, applied after every response by
`security.keep_private`): a body too large (413), a photo or a link not found (404), a
method the address does not take (405) and a failure (500) are never indexed or named in a
Referer either, nor stored. A page answering a POST there, an error page too, is the one
exception to the last: kept by the browser alone, for Back and Forward
(`security.PRIVATE_POST_HEADERS`; a11y_tests/test_back_after_posting.py checks Chromium's
Back). The public forms' own errors stay public."""

import pytest
from barrierfree.alerts import operations as alert_operations
from barrierfree.eligibility import views as eligibility_views
from barrierfree.feedback import queries
from barrierfree.security import private_paths
from conftest import make_loaded_app
from staff_helpers import csrf

STATUS = "/feedback/status/" + "A" * 43  # a token's shape, opening nothing
ALERTS = "/alerts/manage/1-" + "0" * 40
# A page answering a POST: no-store would make Back ask to send the post again.
POSTED = "private, no-cache"


def is_private(response, cache: str = "private, no-store") -> bool:
    """True when the response may be kept by nobody but its holder's browser (as `cache`
    says), is never indexed, and is never named in a Referer."""
    return (
        response.headers.get("Cache-Control") == cache
        and response.headers.get("X-Robots-Tag", "").startswith("noindex")
        and response.headers.get("Referrer-Policy") == "no-referrer"
    )


@pytest.fixture
def site(tmp_path):
    """The loaded site, failing as it does in production (a 500 page, not an exception)."""
    return make_loaded_app(tmp_path / "site.sqlite", PROPAGATE_EXCEPTIONS=False)


@pytest.fixture
def status_link(site) -> str:
    """The status link of a question a resident sent."""
    client = site.test_client()
    data = {"csrf_token": csrf(client, "/feedback/ask"), "topic": "other", "reply_by": "site",
            "body": "盲道被占了怎么办？"}  # fmt: skip
    response = client.post("/feedback/ask", data=data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    return page[page.index("/feedback/status/") :].split('"')[0].split("<")[0]


def failing(monkeypatch, target, name: str) -> None:
    """Make `target.name` fail as a fault of the site's would."""

    def fail(*_args, **_kwargs):
        raise RuntimeError("a fault of the site's")

    monkeypatch.setattr(target, name, fail)


def test_the_private_routes_are_the_ones_marked(site):
    with site.app_context():
        starts = {start for start, _headers in private_paths(site)}
    assert starts == {
        "/feedback/sent", "/feedback/status/", "/alerts/confirm/", "/alerts/manage/",
        "/alerts/unsubscribe/", "/eligibility/questions", "/eligibility/result",
        "/eligibility/clear",
    }  # fmt: skip


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_body_too_large_for_a_status_link_is_refused_privately(site, status_link, prefix):
    client = site.test_client()
    response = client.post(prefix + status_link, data={"body": "字" * 40_000})
    assert response.status_code == 413
    assert is_private(response, POSTED)


def test_a_photo_or_a_link_not_found_is_private(site, status_link):
    client = site.test_client()
    for path in (
        STATUS,  # the view's own page
        f"{status_link}/photos/1",  # the view's abort(404): the item has no photo
        f"{status_link}/photos/99999999999",  # no rule takes it: the converter refuses it
        f"{status_link}/nothing-here",
        ALERTS,
        "/en" + STATUS,
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert is_private(response), path


def test_a_method_a_private_address_does_not_take_is_refused_privately(site, status_link):
    response = site.test_client().put(status_link)
    assert response.status_code == 405
    assert is_private(response)


def test_a_failure_on_a_status_link_is_private(site, status_link, monkeypatch):
    failing(monkeypatch, queries, "by_token")
    for path in (status_link, "/en" + status_link, f"{status_link}/photos/1"):
        response = site.test_client().get(path)
        assert response.status_code == 500, path
        assert is_private(response), path
        assert b"Traceback" not in response.data


def test_a_failure_on_an_alerts_link_is_private(site, monkeypatch):
    failing(monkeypatch, alert_operations, "by_token")
    for path in (ALERTS, "/alerts/confirm/1-0", "/alerts/unsubscribe/1-0"):
        response = site.test_client().get(path)
        assert response.status_code == 500, path
        assert is_private(response), path


def test_a_failure_in_the_eligibility_check_is_private_as_its_pages_are(site, monkeypatch):
    failing(monkeypatch, eligibility_views, "_lost")
    response = site.test_client().get("/eligibility/result")
    assert response.status_code == 500
    assert is_private(response)
    failing(monkeypatch, eligibility_views, "carried")
    client = site.test_client()
    key = csrf(client, "/eligibility/")
    response = client.post("/eligibility/result", data={"csrf_token": key})
    assert response.status_code == 500
    assert is_private(response, POSTED)  # Back shows its pages, see its views


def test_a_page_answering_a_post_is_kept_for_back_and_nothing_else_is(site, status_link):
    """The status page read is never kept; the page a follow-up's post is answered with
    (an error, or the page again in 大字版 or English) is, for Back and Forward; the
    redirect after a follow-up is never shown, so never kept."""
    client = site.test_client()
    assert is_private(client.get(status_link))
    key = csrf(client, status_link)
    refused = client.post(status_link, data={"csrf_token": key, "body": ""})
    assert refused.status_code == 400 and is_private(refused, POSTED)
    shown_again = client.post(status_link, data={"csrf_token": key, "body": "还有", "show": "1"})
    assert shown_again.status_code == 200 and is_private(shown_again, POSTED)
    added = client.post(status_link, data={"csrf_token": key, "body": "坡道扶手也松了。"})
    assert added.status_code == 303 and is_private(added)
    assert is_private(client.get(added.headers["Location"]))


def test_a_page_the_sent_page_s_post_leads_to_is_never_kept(site):
    """不再显示 must leave nothing behind: its post is answered with a redirect."""
    client = site.test_client()
    removed = client.post("/feedback/sent", data={"csrf_token": csrf(client, "/feedback/ask")})
    assert removed.status_code == 303 and is_private(removed)
    assert is_private(client.get("/feedback/sent"))


def test_the_public_forms_errors_stay_public(site):
    client = site.test_client()
    too_large = client.post("/feedback/ask", data={"body": "字" * 40_000})
    assert too_large.status_code == 413
    assert "no-store" not in too_large.headers.get("Cache-Control", "")
    assert too_large.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Robots-Tag" not in client.get("/feedback/").headers
