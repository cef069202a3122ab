"""A back-office form sent twice (a double click, Back and send): done once, and the second
answer says so, as a reply or an edit sent twice is told apart."""

import threading
from functools import partial

import pytest
from barrierfree.database import db
from barrierfree.feedback.models import FeedbackMessage
from barrierfree.staff.accounts import views
from barrierfree.staff.models import AuditEntry, StaffUser
from conftest import parse
from sqlalchemy import select
from staff_helpers import at_once, csrf, make_staff, signed_in, token_in
from test_inbox import send

PASSWORD = "Liang-Shan-Shui-2026"
ACCOUNT = {"username": "wangwu", "display_name": "王五", "role": "editor", "password": PASSWORD}


def flashed(client, response) -> str:
    assert response.status_code == 303, response.text[:2000]
    return parse(client.get(response.headers["Location"]).data).find("main").text


def test_a_new_account_sent_twice_is_made_once_and_said_made(empty_app):
    make_staff(empty_app, "zhao", "admin")
    admin = signed_in(empty_app, "zhao")
    data = {**ACCOUNT, "csrf_token": csrf(admin, "/staff/accounts/new")}
    assert "已创建账号 wangwu。" in flashed(admin, admin.post("/staff/accounts/new", data=data))
    again = admin.post("/staff/accounts/new", data=data)
    assert "账号 wangwu 刚才已经创建了，没有再创建一次。" in flashed(admin, again)
    with empty_app.app_context():
        assert (
            db.session.scalar(select(StaffUser.display_name).where(StaffUser.username == "wangwu"))
            == "王五"
        )
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.key == "wangwu"))
        assert list(actions) == ["create-account"]


def test_another_account_form_with_a_taken_name_is_still_refused(empty_app):
    make_staff(empty_app, "zhao", "admin")
    admin = signed_in(empty_app, "zhao")
    data = {**ACCOUNT, "csrf_token": csrf(admin, "/staff/accounts/new")}
    assert admin.post("/staff/accounts/new", data=data).status_code == 303
    for other in ({"display_name": "王小五"}, {"role": "publisher"}, {"password": PASSWORD + "x"}):
        response = admin.post("/staff/accounts/new", data={**data, **other})
        assert response.status_code == 400 and "这个用户名已被使用。" in response.text, other
    make_staff(empty_app, "qian", "admin")  # another administrator chose the same name
    colleague = signed_in(empty_app, "qian")
    token = csrf(colleague, "/staff/accounts/new")
    response = colleague.post("/staff/accounts/new", data={**data, "csrf_token": token})
    assert response.status_code == 400 and "这个用户名已被使用。" in response.text


@pytest.mark.parametrize("colleague", [False, True], ids=["double-click", "colleague"])
def test_a_new_account_sent_twice_at_the_same_moment_is_made_once(
    empty_app, monkeypatch, colleague
):
    """Both posts have found the name free before either makes the account: the second is
    refused by the database, and then answers as the form sent twice (a double click), or,
    a colleague's form with the same name, as a name taken (its text kept), not 409."""
    make_staff(empty_app, "zhao", "admin")
    make_staff(empty_app, "qian", "admin")
    clients = [signed_in(empty_app, "zhao"), signed_in(empty_app, "qian" if colleague else "zhao")]
    forms = [{**ACCOUNT, "csrf_token": csrf(client, "/staff/accounts/new")} for client in clients]
    if colleague:
        forms[1]["display_name"] = "王小五"
    together, waited = threading.Barrier(2), set()
    problems = views.account_problems

    def read_by_both(form):
        found = problems(form)
        if threading.get_ident() not in waited:  # only the first look: both find the name free
            waited.add(threading.get_ident())
            together.wait(10)
        return found

    monkeypatch.setattr(views, "account_problems", read_by_both)
    answers = at_once(
        {n: partial(clients[n].post, "/staff/accounts/new", data=forms[n]) for n in (0, 1)}
    )
    monkeypatch.undo()

    codes = sorted(answer.status_code for answer in answers.values())
    pages = {
        n: answer.text if answer.status_code == 400 else flashed(clients[n], answer)
        for n, answer in answers.items()
    }
    if colleague:
        assert codes == [303, 400]
        [refused] = [n for n in (0, 1) if answers[n].status_code == 400]
        assert "这个用户名已被使用。" in pages[refused]
        field = parse(answers[refused].data).find(id="field-display_name")
        assert field["value"] == forms[refused]["display_name"]
    else:
        assert codes == [303, 303]
        assert sorted("刚才已经创建了" in page for page in pages.values()) == [False, True]
    with empty_app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.key == "wangwu"))
        assert list(actions) == ["create-account"]


def note(client, item_id: int, text: str):
    page = client.get(f"/staff/inbox/{item_id}")
    data = {"csrf_token": token_in(page.data), "note": text, "body": ""}
    return client.post(f"/staff/inbox/{item_id}/note", data=data)


def notes(app, item_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(FeedbackMessage.body)
                .where(FeedbackMessage.item_id == item_id, FeedbackMessage.kind == "note")
                .order_by(FeedbackMessage.id)
            )
        )


def test_a_note_sent_twice_is_kept_once(loaded_app):
    item_id, _ = send(loaded_app)
    make_staff(loaded_app, "li", "editor")
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    data = {"csrf_token": token_in(page.data), "note": "已经电话通知场所。", "body": ""}
    assert "备注已保存。" in flashed(li, li.post(f"/staff/inbox/{item_id}/note", data=data))
    again = li.post(f"/staff/inbox/{item_id}/note", data=data)
    assert "这条备注刚才已经保存过了" in flashed(li, again)
    assert notes(loaded_app, item_id) == ["已经电话通知场所。"]


def test_the_same_note_after_another_or_from_a_colleague_is_kept(loaded_app):
    item_id, _ = send(loaded_app)
    make_staff(loaded_app, "li", "editor")
    make_staff(loaded_app, "wang", "editor")
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    for client, text in (
        (li, "已复查。"),
        (wang, "已复查。"),
        (li, "下周再看。"),
        (li, "已复查。"),
    ):
        assert note(client, item_id, text).status_code == 303
    assert notes(loaded_app, item_id) == ["已复查。", "已复查。", "下周再看。", "已复查。"]
