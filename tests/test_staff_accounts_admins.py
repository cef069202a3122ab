"""Staff accounts: an account name is one name however its letters were typed (full-width
or not, upper or lower case)."""

from staff_helpers import PASSWORD, csrf, make_staff, sign_in, signed_in


def test_a_full_width_name_is_the_same_account(empty_app):
    make_staff(empty_app, "adm", "admin")
    admin = signed_in(empty_app, "adm")
    data = {"csrf_token": csrf(admin, "/staff/accounts/new"), "username": "Ａｄｍ",
            "display_name": "王五", "role": "editor", "password": PASSWORD + "!"}  # fmt: skip
    response = admin.post("/staff/accounts/new", data=data)
    assert response.status_code == 400 and "这个用户名已被使用。" in response.text
    assert sign_in(empty_app.test_client(), "ＡＤＭ").status_code == 303
