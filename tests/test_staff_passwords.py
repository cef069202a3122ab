"""A password an administrator chose (a new account's first, a reset) must be changed by its
person before anything else in the back office opens; what the sign-in limits keep is
deleted once they no longer need it, as are ended sessions; and the sign-in log names no
account that does not exist."""

import logging
from datetime import timedelta
from itertools import count

import pytest
from barrierfree.database import db, utcnow
from barrierfree.staff import periodic
from barrierfree.staff.models import ADMIN, EDITOR, AuditEntry, StaffUser
from conftest import make_app
from sqlalchemy import select
from staff_helpers import PASSWORD, account_form, csrf, make_staff, sign_in, signed_in

FIRST_PASSWORD = "管理员给的 first words"
OWN_PASSWORD = "只有我知道的 quiet river song"
_numbers = count(1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module, with an administrator."""
    app = make_app(tmp_path_factory.mktemp("passwords") / "site.sqlite")
    make_staff(app, "chief", ADMIN)
    return app


@pytest.fixture(autouse=True)
def no_checks_for_what_is_due(monkeypatch):
    """The periodic checks run only when a test calls them."""
    monkeypatch.setattr(periodic, "check_is_due", lambda: False)


@pytest.fixture(scope="module")
def admin(app):
    """The administrator, signed in."""
    return signed_in(app, "chief", address="10.20.0.1")


def created(app, admin) -> str:
    """A new editor account made on the administrator's page; its username."""
    username = f"clerk{next(_numbers)}"
    response = admin.post(
        "/staff/accounts/new",
        data={
            "csrf_token": csrf(admin, "/staff/accounts/new"),
            "username": username,
            "display_name": "新同事",
            "role": EDITOR,
            "password": FIRST_PASSWORD,
        },
    )
    assert response.status_code == 303
    return username


def user(app, username: str) -> StaffUser:
    """The account named `username`, read afresh."""
    with app.app_context():
        return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


def change(client, current: str, new: str):
    """Post the password page's form."""
    token = csrf(client, "/staff/password")
    return client.post(
        "/staff/password", data={"csrf_token": token, "current": current, "new": new}
    )


def test_a_new_account_must_change_its_first_password(app, admin):
    username = created(app, admin)
    assert user(app, username).must_change_password

    client = app.test_client()
    signed = sign_in(client, username, FIRST_PASSWORD, next_url="/staff/accounts")
    assert signed.status_code == 303
    assert signed.headers["Location"].endswith("/staff/password")

    page = client.get("/staff/password")
    assert page.status_code == 200 and "管理员设置的" in page.text
    for elsewhere in ("/staff/", "/staff/media/", "/staff/updates/"):
        response = client.get(elsewhere)
        assert response.status_code == 302, elsewhere
        assert response.headers["Location"].endswith("/staff/password")
    posted = client.post("/staff/session", data={"csrf_token": csrf(client, "/staff/password")})
    assert posted.status_code in (200, 303)  # the session's own page still answers

    same = change(client, FIRST_PASSWORD, FIRST_PASSWORD)
    assert same.status_code == 400 and "不能和当前密码相同" in same.text

    changed = change(client, FIRST_PASSWORD, OWN_PASSWORD)
    assert changed.status_code == 303
    assert not user(app, username).must_change_password
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.username == username)
        ).all()
    assert actions == ["change-first-password"]
    log = admin.get("/staff/audit")
    assert "修改管理员设置的密码" in log.text


def test_signing_out_works_before_the_password_is_changed(app, admin):
    username = created(app, admin)
    client = app.test_client()
    assert sign_in(client, username, FIRST_PASSWORD).status_code == 303
    token = csrf(client, "/staff/password")
    out = client.post("/staff/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["Location"].endswith("/staff/sign-in")
    assert "/staff/sign-in" in client.get("/staff/password").headers["Location"]


def test_an_administrator_s_reset_must_be_changed_too(app, admin):
    username = created(app, admin)
    client = app.test_client()
    sign_in(client, username, FIRST_PASSWORD)
    assert change(client, FIRST_PASSWORD, OWN_PASSWORD).status_code == 303
    account = user(app, username)
    assert not account.must_change_password

    reset = admin.post(
        f"/staff/accounts/{account.id}",
        data={
            **account_form(admin, f"/staff/accounts/{account.id}"),
            "action": "password",
            "password": PASSWORD,
        },
    )
    assert reset.status_code == 303
    assert user(app, username).must_change_password
    again = app.test_client()
    assert sign_in(again, username, PASSWORD).headers["Location"].endswith("/staff/password")
    assert again.get("/staff/").headers["Location"].endswith("/staff/password")


def test_accounts_made_from_the_command_line_need_no_change(app):
    """`flask staff create-admin`: the operator chose the password for themselves."""
    make_staff(app, "operator", ADMIN)
    assert not user(app, "operator").must_change_password
    client = app.test_client()
    assert sign_in(client, "operator").headers["Location"].endswith("/staff/")


def test_housekeeping_forgets_old_attempts_and_ended_sessions(app):
    """Attempts are kept only while a limit reads them (one being checked until no check
    could still be running), ended sessions for KEEP_ENDED."""
    from barrierfree.staff.accounts import sessions, throttle
    from barrierfree.staff.models import SignInAttempt, StaffSession

    now = utcnow()
    with app.app_context():
        chief = db.session.scalar(select(StaffUser).where(StaffUser.username == "chief"))
        old, recent = now - throttle.WINDOW - timedelta(minutes=1), now - timedelta(minutes=1)
        rows = {
            "typed-in-the-wrong-box": (old, False, "unknown-account"),
            "recent-failure": (recent, False, "wrong-password"),
            "known-address": (now - timedelta(days=89), True, "signed-in"),
            "forgotten-address": (
                now - throttle.KNOWN_ADDRESS - timedelta(days=1),
                True,
                "signed-in",
            ),
            "still-checking": (old, False, throttle.CHECKING),
            "abandoned-check": (
                now - throttle.ABANDONED - timedelta(minutes=1),
                False,
                throttle.CHECKING,
            ),
        }
        for name, (at, succeeded, outcome) in rows.items():
            db.session.add(
                SignInAttempt(
                    username=name, address="10.30.0.1", at=at, succeeded=succeeded, outcome=outcome
                )
            )
        long_ago = now - sessions.KEEP_ENDED - timedelta(days=1)
        for token, ended_at, created_at in (
            ("ended-long-ago", long_ago, long_ago),
            ("ended-yesterday", now - timedelta(days=1), now - timedelta(days=1)),
            ("never-marked", None, long_ago - timedelta(days=1)),
            ("open", None, now),
        ):
            db.session.add(
                StaffSession(
                    token_hash=token, user=chief, created_at=created_at, last_seen_at=created_at,
                    ended_at=ended_at, end_reason="signed-out" if ended_at else None,
                )
            )  # fmt: skip
        db.session.commit()

        periodic.housekeeping()

        left = set(db.session.scalars(select(SignInAttempt.username)))
        assert {"recent-failure", "known-address", "still-checking"} <= left
        assert not {"typed-in-the-wrong-box", "forgotten-address", "abandoned-check"} & left
        hashes = set(db.session.scalars(select(StaffSession.token_hash)))
        assert {"ended-yesterday", "open"} <= hashes
        assert not {"ended-long-ago", "never-marked"} & hashes


def test_the_sign_in_log_names_no_account_that_does_not_exist(app, caplog):
    """What was typed as an unknown account's name may be a password: never logged."""
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.40.0.1"
    sign_in(client, "MySecretPassw0rd!", "whatever was typed")
    sign_in(client, "chief", "not the password")
    assert "mysecretpassw0rd" not in caplog.text.casefold()
    assert "10.40.0.1" not in caplog.text
    assert "sign-in unknown-account: account='(none)'" in caplog.text
    assert "sign-in wrong-password: account='chief'" in caplog.text
