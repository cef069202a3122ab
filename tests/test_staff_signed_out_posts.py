"""A form whose text nobody keeps (a withdrawal, a publication, a change of state) posted
while not signed in: it is not done, the sign-in page says so, and signing in leads back to
the page the form was on, never to another site."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from barrierfree.database import PUBLISHED, db, utcnow
from barrierfree.facilities.models import Facility
from barrierfree.staff.models import StaffSession
from conftest import parse
from sqlalchemy import select, update
from staff_helpers import make_staff, sign_in, signed_in, token_in


def live_facility(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Facility.id).where(Facility.status == PUBLISHED).order_by(Facility.id)
        )


def status(app, facility_id: int) -> str:
    with app.app_context():
        return db.session.get(Facility, facility_id).status


def lapse(app) -> None:
    """Every session idle for an hour: past the limit."""
    with app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()


def next_of(response) -> str | None:
    """The return address of the sign-in page a response leads to."""
    location = urlsplit(response.headers["Location"])
    assert location.path.endswith("/staff/sign-in")
    return parse_qs(location.query).get("next", [None])[0]


@pytest.fixture
def fang(loaded_app):
    make_staff(loaded_app, "fang", "publisher")
    return signed_in(loaded_app, "fang")


def withdrawal(client, facility_id: int) -> dict:
    """The withdrawal's question answered yes, as the edit page loaded it."""
    page = parse(client.get(f"/staff/facilities/{facility_id}").data)
    form = page.find("form", action=f"/staff/facilities/{facility_id}/withdraw")
    version = form.find("input", name="version")["value"]
    return {"csrf_token": token_in(str(page)), "version": version, "confirm": "yes"}


def test_a_withdrawal_after_the_session_lapsed_says_it_was_not_done_and_leads_back(
    loaded_app, fang
):
    facility_id = live_facility(loaded_app)
    data = withdrawal(fang, facility_id)
    lapse(loaded_app)
    response = fang.post(f"/staff/facilities/{facility_id}/withdraw", data=data)
    assert response.status_code == 303
    assert next_of(response) == f"/staff/facilities/{facility_id}"  # the item's page
    page = parse(fang.get(response.headers["Location"]).data)
    assert "刚才的操作没有完成" in page.find("main").text
    assert page.find("title").text.startswith("错误：")  # shown as what was not done
    assert status(loaded_app, facility_id) == PUBLISHED
    way_back = page.find("main").find("input", name="next")["value"]
    signed = sign_in(fang, "fang", next_url=way_back)
    assert signed.headers["Location"] == f"/staff/facilities/{facility_id}"


def test_the_page_the_form_was_on_is_the_way_back(loaded_app, fang):
    facility_id = live_facility(loaded_app)
    data = withdrawal(fang, facility_id)
    lapse(loaded_app)
    url = f"/staff/facilities/{facility_id}/withdraw"
    came_from = {"Referer": "http://localhost/staff/facilities/?page=2"}
    assert next_of(fang.post(url, data=data, headers=came_from)) == "/staff/facilities/?page=2"
    # Another site's page, or one outside the back office, is no way back: the posted
    # address's page is.
    for referrer in ("https://example.com/staff/", "http://localhost//example.com/staff/",
                     "http://localhost/feedback/"):  # fmt: skip
        response = fang.post(url, data=data, headers={"Referer": referrer})
        assert next_of(response) == f"/staff/facilities/{facility_id}", referrer


def test_the_way_back_keeps_the_language(loaded_app, fang):
    facility_id = live_facility(loaded_app)
    data = withdrawal(fang, facility_id)
    lapse(loaded_app)
    response = fang.post(f"/en/staff/facilities/{facility_id}/withdraw", data=data)
    assert next_of(response) == f"/en/staff/facilities/{facility_id}"
    assert "was not done" in fang.get(response.headers["Location"]).text


def test_a_post_from_a_browser_never_signed_in_is_not_done_either(loaded_app):
    facility_id = live_facility(loaded_app)
    client = loaded_app.test_client()
    response = client.post(f"/staff/facilities/{facility_id}/withdraw", data={"confirm": "yes"})
    if response.status_code == 303:  # past the token check: the sign-in page says why
        assert "刚才的操作没有完成" in client.get(response.headers["Location"]).text
    assert status(loaded_app, facility_id) == PUBLISHED
