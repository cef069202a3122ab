"""An account's fields are never cut to fit their columns: a name longer than its column
holds is refused next to its box, with the text typed kept."""

import pytest
from barrierfree.database import db
from barrierfree.staff.models import StaffUser
from conftest import parse
from sqlalchemy import select
from staff_helpers import csrf, error_summary, make_staff, signed_in

PASSWORD = "Liang-Shan-Shui-2026"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("display_name", "王" * 121, "最多 120 个字，现在有 121 个字"),
        ("username", "w" * 61, "最多 60 个字符"),
    ],
)
def test_a_name_longer_than_its_column_is_refused_and_kept(empty_app, field, value, problem):
    make_staff(empty_app, "zhao", "admin")
    admin = signed_in(empty_app, "zhao")
    data = {"username": "wangwu", "display_name": "王五", "role": "editor", "password": PASSWORD,
            field: value, "csrf_token": csrf(admin, "/staff/accounts/new")}  # fmt: skip
    response = admin.post("/staff/accounts/new", data=data)
    assert response.status_code == 400
    summary = error_summary(response.data)
    assert problem in summary.text and summary.find("a", href=f"#field-{field}") is not None
    box = parse(response.data).find("input", id=f"field-{field}")
    assert box["value"] == value
    page = parse(response.data)
    described = [page.find(id=ref).text for ref in box["aria-describedby"].split()]
    assert any(problem in text for text in described)  # said at the box
    with empty_app.app_context():
        assert db.session.scalars(select(StaffUser.username)).all() == ["zhao"]


def test_a_display_name_as_long_as_its_column_is_kept_whole(empty_app):
    make_staff(empty_app, "zhao", "admin")
    admin = signed_in(empty_app, "zhao")
    data = {"username": "wangwu", "display_name": "王" * 120, "role": "editor",
            "password": PASSWORD, "csrf_token": csrf(admin, "/staff/accounts/new")}  # fmt: skip
    assert admin.post("/staff/accounts/new", data=data).status_code == 303
    with empty_app.app_context():
        name = db.session.scalar(
            select(StaffUser.display_name).where(StaffUser.username == "wangwu")
        )
    assert name == "王" * 120


def test_the_command_line_refuses_a_long_display_name_too(runner):
    result = runner.invoke(
        args=["staff", "create-admin", "--username", "root", "--name", "王" * 121],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code != 0 and "最多 120 个字" in result.output
