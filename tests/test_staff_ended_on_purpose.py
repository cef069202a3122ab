"""A session ended on purpose keeps nothing, even one that had timed out before: after a
password change, an administrator's reset, or disabling the account (and enabling it again),
a form posted from a browser whose session had lapsed is not kept as the account's draft for
whoever signs in as it next. A role change ends no session, and the lapsed browser's form is
kept as before."""

from datetime import timedelta
from pathlib import Path

import pytest
from barrierfree.database import db, utcnow
from barrierfree.staff.models import Autosave, StaffSession, StaffUser
from sqlalchemy import select, update
from staff_helpers import (
    PASSWORD,
    account_form,
    copied_app,
    csrf,
    form_fields,
    prepared_database,
    signed_in,
)
from test_inbox import send

ACCOUNTS = {"ed": "editor", "admin": "admin"}
NEW_PASSWORD = "黄河边的 kite flies high"
PAGE = "/staff/pages/1"
KEPT = "您填写的内容已保存在服务器上"
NOT_DONE = "刚才的操作没有完成"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """Content loaded and the accounts made, once (argon2 is slow on purpose)."""
    return prepared_database(tmp_path_factory.mktemp("ended-on-purpose"), ACCOUNTS)


@pytest.fixture
def site(prepared, tmp_path):
    return copied_app(prepared, tmp_path)


def ed_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(StaffUser.id).where(StaffUser.username == "ed"))


def timed_out(app, client) -> None:
    """Ed's open sessions go quiet for two hours; the browser's next request ends its
    session as idle, as it does on the site."""
    with app.app_context():
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.user_id == ed_id(app), StaffSession.ended_at.is_(None))
            .values(last_seen_at=utcnow() - timedelta(hours=2))
        )
        db.session.commit()
    client.get("/staff/")
    with app.app_context():
        reasons = db.session.scalars(
            select(StaffSession.end_reason).where(StaffSession.user_id == ed_id(app))
        ).all()
    assert reasons == ["idle"]


def ed_drafts(app) -> list[dict]:
    with app.app_context():
        return [row.data for row in db.session.scalars(
            select(Autosave).where(Autosave.user_id == ed_id(app)))]  # fmt: skip


def by_admin(app, action: str, **fields) -> None:
    """The administrator changes ed's account on its page, as its forms send it."""
    admin = signed_in(app, "admin")
    url = f"/staff/accounts/{ed_id(app)}"
    response = admin.post(url, data=account_form(admin, url) | {"action": action, **fields})
    assert response.status_code == 303, response.text[:2000]


def reset(app, ed) -> None:
    by_admin(app, "password", password=NEW_PASSWORD)


def disabled_and_enabled(app, ed) -> None:
    by_admin(app, "disable")
    by_admin(app, "enable")


def disabled(app, ed) -> None:
    by_admin(app, "disable")


def own_password_changed(app, ed) -> None:
    """Ed changes the password from another browser, still signed in."""
    other = signed_in(app, "ed")
    data = {"csrf_token": csrf(other, "/staff/password"), "current": PASSWORD,
            "new": NEW_PASSWORD}  # fmt: skip
    response = other.post("/staff/password", data=data)
    assert response.status_code == 303, response.text[:2000]


ENDINGS = [own_password_changed, reset, disabled, disabled_and_enabled]


def said(client, response) -> str:
    return client.get(response.headers["Location"]).text


@pytest.mark.parametrize("ending", ENDINGS, ids=lambda f: f.__name__)
def test_a_lapsed_browser_s_edit_form_is_not_kept_after_the_account_s_sessions_end(site, ending):
    ed = signed_in(site, "ed")
    fields = form_fields(ed.get(PAGE).data, "edit-form")
    timed_out(site, ed)
    ending(site, ed)

    response = ed.post(PAGE, data=fields | {"title": ["INJECTED"], "action": ["save"]})

    assert response.status_code == 303 and "/staff/sign-in" in response.headers["Location"]
    assert KEPT not in said(ed, response)
    assert ed_drafts(site) == []
    with site.app_context():
        reason = db.session.scalar(
            select(StaffSession.end_reason).where(StaffSession.user_id == ed_id(site))
        )
    assert reason != "idle"


@pytest.mark.parametrize("ending", ENDINGS, ids=lambda f: f.__name__)
def test_a_lapsed_browser_s_autosave_is_not_kept_after_the_account_s_sessions_end(site, ending):
    ed = signed_in(site, "ed")
    fields = form_fields(ed.get(PAGE).data, "edit-form")
    timed_out(site, ed)
    ending(site, ed)

    response = ed.post(f"{PAGE}/autosave", data=fields | {"title": ["INJECTED"]},
                       headers={"HX-Request": "true"})  # fmt: skip

    assert KEPT not in response.text
    assert ed_drafts(site) == []


@pytest.mark.parametrize("ending", [reset, disabled_and_enabled], ids=lambda f: f.__name__)
def test_a_lapsed_browser_s_inbox_note_is_not_kept_after_the_account_s_sessions_end(site, ending):
    item_id, _link = send(site)
    ed = signed_in(site, "ed")
    token = csrf(ed, f"/staff/inbox/{item_id}")
    timed_out(site, ed)
    ending(site, ed)

    response = ed.post(
        f"/staff/inbox/{item_id}/note", data={"csrf_token": token, "body": "INJECTED"}
    )

    assert response.status_code == 303
    assert NOT_DONE in said(ed, response)
    assert ed_drafts(site) == []


def test_a_role_change_ends_no_session_and_a_lapsed_form_is_still_kept(site):
    ed = signed_in(site, "ed")
    fields = form_fields(ed.get(PAGE).data, "edit-form")
    timed_out(site, ed)
    by_admin(site, "role", role="publisher")

    response = ed.post(PAGE, data=fields | {"title": ["会后补充的标题"], "action": ["save"]})

    assert KEPT in said(ed, response)
    assert [data["title"] for data in ed_drafts(site)] == ["会后补充的标题"]


def test_signing_in_again_after_a_reset_finds_no_draft_of_the_old_browser(site):
    ed = signed_in(site, "ed")
    fields = form_fields(ed.get(PAGE).data, "edit-form")
    timed_out(site, ed)
    reset(site, ed)
    ed.post(PAGE, data=fields | {"title": ["INJECTED"], "action": ["save"]})

    again = signed_in(site, "ed", NEW_PASSWORD)
    new = {"csrf_token": csrf(again, "/staff/password"), "current": NEW_PASSWORD,
           "new": "山那边的 river runs slow"}  # fmt: skip
    assert again.post("/staff/password", data=new).status_code == 303
    assert "INJECTED" not in again.get("/staff/").text
    assert "INJECTED" not in again.get(PAGE).text
