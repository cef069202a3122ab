"""A private route's every answer is private, error pages included: the status link and its
photos, the sent page, the alerts' confirm, manage and unsubscribe links, and the pages of
the eligibility check. One rule (`security.private_route`, applied after every response by
`security.keep_private`): a body too large (413), a photo or a link not found (404), a
method the address does not take (405) and a failure (500) are never stored, indexed or
named in a Referer either. The public forms' own errors stay public."""

import pytest
from barrierfree.alerts import operations as alert_operations
from barrierfree.eligibility import views as eligibility_views
from barrierfree.feedback import queries
from barrierfree.security import private_paths
from conftest import make_loaded_app
from staff_helpers import csrf

STATUS = "/feedback/status/" + "A" * 43  # a token's shape, opening nothing
ALERTS = "/alerts/manage/1-" + "0" * 40


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
    assert is_private(response)


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
    assert is_private(response, "private, no-cache")  # Back shows its pages, see its views


def test_the_public_forms_errors_stay_public(site):
    client = site.test_client()
    too_large = client.post("/feedback/ask", data={"body": "字" * 40_000})
    assert too_large.status_code == 413
    assert "no-store" not in too_large.headers.get("Cache-Control", "")
    assert too_large.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Robots-Tag" not in client.get("/feedback/").headers
