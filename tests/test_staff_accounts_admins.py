"""Staff accounts: the site always keeps an active administrator, even when two of them
change each other's account at the same moment; an account name is one name however its
letters were typed (full-width or not, upper or lower case)."""

import contextlib
import threading
from functools import partial

import pytest
from barrierfree.database import db
from barrierfree.staff.accounts import views
from barrierfree.staff.models import StaffUser
from sqlalchemy import select
from staff_helpers import PASSWORD, account_form, at_once, csrf, make_staff, sign_in, signed_in

LAST_ADMIN = "这是最后一位在用的管理员"


@pytest.mark.parametrize("change", [{"action": "disable"}, {"action": "role", "role": "editor"}])
def test_two_administrators_changing_each_other_at_once_keep_one(empty_app, monkeypatch, change):
    """Both posts have read the accounts before either writes: were the check not held one
    after the other, each would find the other administrator still there, and both would
    go. Held, the second finds the first's change and is refused."""
    ids = {name: make_staff(empty_app, name, "admin") for name in ("adm", "adm2")}
    clients = {name: signed_in(empty_app, name) for name in ids}
    other = {"adm": "adm2", "adm2": "adm"}
    urls = {name: f"/staff/accounts/{ids[other[name]]}" for name in ids}
    forms = {name: account_form(clients[name], urls[name]) | change for name in ids}
    together = threading.Barrier(2)
    removes = views._removes_an_administrator

    def read_by_both(*args):
        found = removes(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(2)
        return found

    monkeypatch.setattr(views, "_removes_an_administrator", read_by_both)
    answers = at_once(
        {name: partial(clients[name].post, urls[name], data=forms[name]) for name in ids}
    )
    monkeypatch.undo()

    assert sorted(answer.status_code for answer in answers.values()) == [303, 409]
    [refused] = [answer for answer in answers.values() if answer.status_code == 409]
    assert LAST_ADMIN in refused.text
    with empty_app.app_context():
        admins = select(StaffUser).where(StaffUser.role == "admin", StaffUser.active.is_(True))
        assert len(db.session.scalars(admins).all()) == 1


def test_a_full_width_name_is_the_same_account(empty_app):
    make_staff(empty_app, "adm", "admin")
    admin = signed_in(empty_app, "adm")
    data = {"csrf_token": csrf(admin, "/staff/accounts/new"), "username": "Ａｄｍ",
            "display_name": "王五", "role": "editor", "password": PASSWORD + "!"}  # fmt: skip
    response = admin.post("/staff/accounts/new", data=data)
    assert response.status_code == 400 and "这个用户名已被使用。" in response.text
    assert sign_in(empty_app.test_client(), "ＡＤＭ").status_code == 303
