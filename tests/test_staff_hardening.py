"""Sign-in under attack and staff pages in caches: limits that hold under concurrency, a
disabled account that confirms nothing, no back-office page stored, forwarded headers
trusted only from the configured proxies."""

import pytest
from barrierfree.database import db
from barrierfree.staff.accounts import passwords
from barrierfree.staff.accounts.throttle import PER_ACCOUNT_AND_ADDRESS
from barrierfree.staff.models import ADMIN, EDITOR, PUBLISHER, SignInAttempt, StaffUser
from conftest import make_app
from sqlalchemy import select
from staff_helpers import (
    PASSWORD,
    SIGN_IN,
    client_from,
    csrf,
    make_staff,
    sign_in,
    sign_ins_at_once,
    signed_in,
)

WRONG = "用户名或密码不正确"
BAD_PASSWORD = "not the password at all"


def outcomes(app, **where) -> list[str]:
    """The outcomes of the logged sign-in attempts, oldest first."""
    with app.app_context():
        query = select(SignInAttempt.outcome).order_by(SignInAttempt.id)
        for name, value in where.items():
            query = query.where(getattr(SignInAttempt, name) == value)
        return list(db.session.scalars(query))


def test_concurrent_wrong_passwords_check_no_more_than_the_limit(tmp_path):
    app = make_app(tmp_path / "site.sqlite")
    make_staff(app, "target", EDITOR)
    guesses = 24
    clients = [client_from(app, "198.51.100.60") for _ in range(guesses)]

    assert sign_ins_at_once(clients, "target", BAD_PASSWORD) == [400] * guesses
    found = outcomes(app, username="target")
    assert len(found) == guesses
    assert 1 <= found.count("wrong-password") <= PER_ACCOUNT_AND_ADDRESS
    assert set(found) <= {"wrong-password", "throttled"}


def test_a_reserved_attempt_counts_before_its_password_is_checked(tmp_path, monkeypatch):
    app = make_app(tmp_path / "site.sqlite")
    make_staff(app, "slow", EDITOR)
    seen = []

    def verify_while_counting(stored, password):
        # While this password is being checked, its attempt already counts as a failure.
        seen.append(outcomes(app, username="slow"))
        return False

    monkeypatch.setattr(passwords, "verify", verify_while_counting)
    assert sign_in(client_from(app, "198.51.100.61"), "slow", BAD_PASSWORD).status_code == 400
    assert seen == [["checking"]]
    assert outcomes(app, username="slow") == ["wrong-password"]


def test_a_disabled_account_does_not_confirm_its_password(tmp_path, monkeypatch):
    app = make_app(tmp_path / "site.sqlite")
    user_id = make_staff(app, "leaver", EDITOR)
    make_staff(app, "stayer", EDITOR)
    with app.app_context():
        db.session.get(StaffUser, user_id).active = False
        db.session.commit()
    checked = []
    real_verify = passwords.verify
    monkeypatch.setattr(
        passwords, "verify", lambda stored, pw: checked.append(stored) or real_verify(stored, pw)
    )

    right = sign_in(client_from(app, "198.51.100.62"), "leaver", PASSWORD)
    wrong = sign_in(client_from(app, "198.51.100.63"), "leaver", BAD_PASSWORD)
    active_wrong = sign_in(client_from(app, "198.51.100.64"), "stayer", BAD_PASSWORD)

    assert right.status_code == wrong.status_code == active_wrong.status_code == 400
    assert WRONG in right.text and WRONG in wrong.text and "这个账号已停用" not in right.text
    # The same message, and the same hashing work, whether the password was right or not.
    assert len(checked) == 3 and checked[0] is None and checked[1] is None
    assert outcomes(app, username="leaver") == ["disabled", "disabled"]


def test_a_correct_current_password_is_a_settled_attempt(tmp_path):
    app = make_app(tmp_path / "site.sqlite")
    make_staff(app, "changer", EDITOR)
    client = signed_in(app, "changer")
    data = {"csrf_token": csrf(client, "/staff/password"), "current": PASSWORD, "new": "x"}
    assert client.post("/staff/password", data=data).status_code == 400  # the new one is short
    assert outcomes(app, username="changer") == ["signed-in", "password-confirmed+known-browser"]


# --- Caching -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staff_client(app):
    """A publisher signed in to the loaded site."""
    make_staff(app, "cache-publisher", PUBLISHER)
    return signed_in(app, "cache-publisher")


@pytest.mark.parametrize(
    "url",
    (
        "/staff/",
        "/en/staff/",
        "/staff/updates/",
        "/staff/facilities/",
        "/staff/bulk/",
        "/staff/bulk/export/facilities.csv",
        "/staff/bulk/export/contacts.xlsx",
        "/staff/media/",
        "/staff/no-such-page",
        "/staff/audit",
    ),
)
def test_back_office_pages_and_downloads_are_never_stored(staff_client, url):
    response = staff_client.get(url)
    assert response.headers["Cache-Control"] == "no-store", (url, response.status_code)


@pytest.mark.parametrize("url", (SIGN_IN, "/en/staff/sign-in", "/staff/", "/staff/password"))
def test_back_office_pages_are_not_stored_for_visitors_either(client, url):
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_public_pages_are_private_only_when_a_session_shapes_them(app, staff_client):
    anonymous = app.test_client()
    assert "private" not in anonymous.get("/").headers.get("Cache-Control", "")
    assert "private" in staff_client.get("/").headers["Cache-Control"]


# --- Forwarded headers -------------------------------------------------------------------

FORWARDED = {"X-Forwarded-For": "203.0.113.7, 198.51.100.70", "X-Forwarded-Proto": "https"}


def attempt_address(app) -> str:
    """Where the last sign-in attempt came from, as the limits saw it."""
    with app.app_context():
        query = select(SignInAttempt.address).order_by(SignInAttempt.id.desc()).limit(1)
        return db.session.scalar(query)


def test_forwarded_headers_are_ignored_without_a_proxy(tmp_path):
    app = make_app(tmp_path / "site.sqlite")
    client = client_from(app, "192.0.2.10")
    data = {"csrf_token": csrf(client), "username": "anyone", "password": BAD_PASSWORD}
    response = client.post(SIGN_IN, data=data, headers=FORWARDED)
    assert response.status_code == 400
    assert attempt_address(app) == "192.0.2.10"
    first_visit = client_from(app, "192.0.2.11").get(SIGN_IN, headers=FORWARDED)
    assert "Secure" not in first_visit.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in first_visit.headers


def test_one_proxy_hop_trusts_only_the_address_that_proxy_saw(tmp_path):
    app = make_app(tmp_path / "site.sqlite", PROXY_HOPS=1)
    client = client_from(app, "192.0.2.10")
    data = {"csrf_token": csrf(client), "username": "anyone", "password": BAD_PASSWORD}
    # The client wrote 203.0.113.7 itself; the proxy appended the address it saw.
    assert client.post(SIGN_IN, data=data, headers=FORWARDED).status_code == 400
    assert attempt_address(app) == "198.51.100.70"
    # The proxy said the request came over HTTPS, so the session cookie is Secure.
    first_visit = client_from(app, "192.0.2.11").get(SIGN_IN, headers=FORWARDED)
    assert "Secure" in first_visit.headers["Set-Cookie"]


def test_an_address_with_a_control_character_is_kept_without_it(tmp_path):
    """A client's own X-Forwarded-For can hold NUL, which PostgreSQL refuses in text."""
    app = make_app(tmp_path / "site.sqlite", PROXY_HOPS=1)
    client = client_from(app, "192.0.2.10")
    data = {"csrf_token": csrf(client), "username": "anyone", "password": BAD_PASSWORD}
    forwarded = {"X-Forwarded-For": "198.51.100.70\x00\x1b"}
    assert client.post(SIGN_IN, data=data, headers=forwarded).status_code == 400
    assert attempt_address(app) == "198.51.100.70"


def test_forwarded_host_and_prefix_are_never_trusted(tmp_path):
    app = make_app(tmp_path / "site.sqlite", PROXY_HOPS=1)
    response = app.test_client().get(
        "/staff/", headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/evil"}
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize(
    ("invisible", "code"),
    [("\x1b", "U+001B"), ("\x0b", "U+000B"), ("\t", "U+0009"), ("\u202e", "U+202E")],
)
def test_an_account_name_with_an_invisible_character_is_refused_naming_it(
    tmp_path, invisible, code
):
    app = make_app(tmp_path / "site.sqlite")
    make_staff(app, "chief", ADMIN)
    admin = signed_in(app, "chief")
    data = {
        "csrf_token": csrf(admin, "/staff/accounts/new"),
        "username": "new-member",
        "display_name": f"王{invisible}小明",
        "role": EDITOR,
        "password": PASSWORD,
    }
    response = admin.post("/staff/accounts/new", data=data)
    assert response.status_code == 400
    assert f"“姓名”里有一个看不见的控制字符（{code}）" in response.text
    with app.app_context():
        created = select(StaffUser).where(StaffUser.username == "new-member")
        assert db.session.scalar(created) is None
