"""The known browser: a browser an account signed in from is not locked out of the office
with the others when someone else's failures fill the shared address's limit, and gains
nothing when its cookie is another account's, changed, expired or from before a password
change, a reset or disabling; a stolen cookie buys at most a few guesses."""

import time
from datetime import timedelta
from itertools import count

import pytest
from barrierfree.database import db
from barrierfree.staff.accounts import throttle
from barrierfree.staff.models import ADMIN, EDITOR, SignInAttempt, StaffUser
from conftest import make_app
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from staff_helpers import (
    PASSWORD,
    SIGN_IN,
    account_form,
    client_from,
    csrf,
    make_staff,
    record_attempt,
    sign_in,
    sign_ins_at_once,
    signed_in,
    token_in,
)

BAD_PASSWORD = "not the password at all"
NEW_PASSWORD = "黄河边的 kite flies high"
TOO_MANY = "登录尝试次数过多"
WRONG = "用户名或密码不正确"
SIGN_IN_EN = "/en/staff/sign-in"

_numbers = count(1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module, with an administrator (accounts are made once each)."""
    app = make_app(tmp_path_factory.mktemp("known-browser") / "site.sqlite")
    make_staff(app, "chief", ADMIN)
    return app


@pytest.fixture
def member(app) -> str:
    """A new editor account of its own."""
    username = f"member{next(_numbers)}"
    make_staff(app, username, EDITOR)
    return username


@pytest.fixture
def office() -> str:
    """An address of its own for the test: the office's, shared by all its staff."""
    return f"198.51.100.{next(_numbers)}"


def cookie_of(client) -> str:
    """The known-browser cookie a client holds for the sign-in page."""
    cookie = client.get_cookie(throttle.BROWSER_COOKIE, path=SIGN_IN)
    assert cookie is not None, "no known-browser cookie"
    return cookie.value


def known_to(app, username: str, address: str = "192.0.2.1") -> str:
    """The cookie a browser gets by signing in as `username` (from `address`)."""
    return cookie_of(signed_in(app, username, address=address))


def browser_with(app, address: str, cookie: str | None):
    """A browser at `address` that holds the known-browser cookie `cookie` (if any)."""
    client = client_from(app, address)
    if cookie is not None:
        for path in (SIGN_IN, SIGN_IN_EN):
            client.set_cookie(throttle.BROWSER_COOKIE, cookie, path=path)
    return client


def lock(app, address: str, failures: int = throttle.PER_ADDRESS) -> None:
    """Fill `address`'s limit with other people's failures (never 5 at one name)."""
    with app.test_request_context():
        for n in range(failures):
            record_attempt(f"guess{n % 4}", address, "unknown-account")
        db.session.commit()


def outcomes(app, username: str) -> list[str]:
    """The outcomes of the account's logged sign-in attempts, oldest first."""
    with app.app_context():
        query = select(SignInAttempt.outcome).where(SignInAttempt.username == username)
        return list(db.session.scalars(query.order_by(SignInAttempt.id)))


def signer(app) -> URLSafeSerializer:
    """What signs the cookie, to read it or to make one as a forger with the key would."""
    return URLSafeSerializer(app.secret_key, salt=throttle.BROWSER_SALT)


def refused(response) -> bool:
    """True when the sign-in was refused by the limits (a 400 that asks to wait)."""
    return response.status_code == 400 and TOO_MANY in response.text


# --- The shared office address --------------------------------------------------------------


def test_a_known_browser_signs_in_where_the_address_is_locked_for_the_others(app, member, office):
    colleague = f"colleague{next(_numbers)}"
    make_staff(app, colleague, EDITOR)
    cookie = known_to(app, member, office)
    lock(app, office)

    assert refused(sign_in(browser_with(app, office, None), member))
    assert refused(sign_in(browser_with(app, office, None), colleague))
    assert sign_in(browser_with(app, office, cookie), member).status_code == 303
    assert outcomes(app, member)[-2:] == ["throttled", "signed-in+known-browser"]


def test_a_signed_in_member_changes_a_password_where_the_address_is_locked(app, member, office):
    client = signed_in(app, member, address=office)
    lock(app, office)
    data = {"csrf_token": csrf(client, "/staff/password"), "current": PASSWORD, "new": NEW_PASSWORD}

    response = client.post("/staff/password", data=data)

    assert response.status_code == 303, response.text[:2000]
    assert outcomes(app, member)[-1] == "password-confirmed+known-browser"


def test_guessing_the_password_from_a_session_is_held_to_the_accounts_limit(app, member, office):
    client = signed_in(app, member, address=office)
    data = {
        "csrf_token": csrf(client, "/staff/password"),
        "current": BAD_PASSWORD,
        "new": NEW_PASSWORD,
    }
    for _guess in range(throttle.PER_KNOWN_BROWSER):
        assert "当前密码不正确" in client.post("/staff/password", data=data).text

    # Past the account's own limit, the ordinary limits, as for a known browser signing in.
    assert "当前密码不正确" in client.post("/staff/password", data=data).text
    lock(app, office)
    assert "尝试次数过多" in client.post("/staff/password", data=data).text


def age_attempts(app, address: str, by: timedelta) -> None:
    """Move every attempt from `address` `by` into the past."""
    with app.app_context():
        for attempt in db.session.scalars(
            select(SignInAttempt).where(SignInAttempt.address == address)
        ):
            attempt.at -= by
        db.session.commit()


@pytest.mark.parametrize(
    ("age", "said"), [(timedelta(0), "in 15 minutes"), (timedelta(minutes=14.5), "in 1 minute.")]
)
def test_the_english_refusals_say_minute_or_minutes_as_the_wait_needs(
    app, member, office, age, said
):
    """Half a minute left is "in 1 minute", never "in 1 minutes": signing in, and the
    current password when changing it."""
    client = signed_in(app, member, address=office)
    data = {"csrf_token": csrf(client, "/en/staff/password"), "current": BAD_PASSWORD,
            "new": NEW_PASSWORD}  # fmt: skip
    for _guess in range(throttle.PER_KNOWN_BROWSER + 1):
        assert client.post("/en/staff/password", data=data).status_code == 400
    lock(app, office)
    age_attempts(app, office, age)
    assert said in client.post("/en/staff/password", data=data).text

    stranger = client_from(app, office)
    fields = {"csrf_token": csrf(stranger, SIGN_IN_EN), "username": member, "password": PASSWORD}
    assert said in stranger.post(SIGN_IN_EN, data=fields).text


def test_the_cookie_of_another_account_gives_nothing(app, member, office):
    other = f"other{next(_numbers)}"
    make_staff(app, other, EDITOR)
    cookie = known_to(app, other)
    lock(app, office)

    assert refused(sign_in(browser_with(app, office, cookie), member))
    assert outcomes(app, member) == ["throttled"]


def test_a_known_browsers_failures_do_not_count_against_its_colleagues(app, member, office):
    colleague = f"colleague{next(_numbers)}"
    make_staff(app, colleague, EDITOR)
    cookie = known_to(app, member)
    lock(app, office, throttle.PER_ADDRESS - 1)
    for _ in range(throttle.PER_KNOWN_BROWSER):
        wrong = sign_in(browser_with(app, office, cookie), member, BAD_PASSWORD)
        assert wrong.status_code == 400 and WRONG in wrong.text

    assert sign_in(browser_with(app, office, None), colleague).status_code == 303


def test_one_browser_remembers_the_last_few_accounts_signed_in_there(app, office):
    names = [f"shared{next(_numbers)}" for _ in range(throttle.BROWSER_ACCOUNTS + 1)]
    browser = client_from(app, "192.0.2.2")
    for name in names:
        make_staff(app, name, EDITOR)
        assert sign_in(browser, name).status_code == 303
        browser.post("/staff/sign-out", data={"csrf_token": csrf(browser, "/staff/")})
    cookie = cookie_of(browser)  # signing out leaves it: it names the browser, not a session
    lock(app, office)

    oldest, *kept = names
    for name in kept:
        assert sign_in(browser_with(app, office, cookie), name).status_code == 303, name
    assert refused(sign_in(browser_with(app, office, cookie), oldest))


def test_the_english_sign_in_page_knows_the_browser_too(app, member, office):
    cookie = known_to(app, member)
    lock(app, office)
    browser = browser_with(app, office, cookie)
    data = {"csrf_token": csrf(browser, SIGN_IN_EN), "username": member, "password": PASSWORD}
    assert browser.post(SIGN_IN_EN, data=data).status_code == 303


# --- Cookies that give nothing ----------------------------------------------------------------


def _changed(value: str, app) -> str:
    payload, signature = value.rsplit(".", 1)
    return f"{payload[:-2]}AA.{signature}"


def _unsigned(value: str, app) -> str:
    return value.rsplit(".", 1)[0]


def _other_key(value: str, app) -> str:
    entries = signer(app).loads(value)
    return URLSafeSerializer("another site's key", salt=throttle.BROWSER_SALT).dumps(entries)


def _other_use(value: str, app) -> str:
    entries = signer(app).loads(value)
    return URLSafeSerializer(app.secret_key, salt="feedback-receipt").dumps(entries)


def _expired(value: str, app) -> str:
    too_old = int(time.time() - throttle.KNOWN_BROWSER.total_seconds()) - 60
    entries = [[account, stamp, too_old] for account, stamp, _ in signer(app).loads(value)]
    return signer(app).dumps(entries)


def _shape(entries):
    def make(value: str, app) -> str:
        (account, stamp, at), *_ = signer(app).loads(value)
        return signer(app).dumps(entries(account, stamp, at))

    return make


@pytest.mark.parametrize(
    "change",
    [
        _changed,
        _unsigned,
        _other_key,
        _other_use,
        _expired,
        lambda value, app: "garbage",
        lambda value, app: "稀奇古怪",
        lambda value, app: value * 30,
        _shape(lambda account, stamp, at: {"id": account, "stamp": stamp, "at": at}),
        _shape(lambda account, stamp, at: [[str(account), stamp, at]]),
        _shape(lambda account, stamp, at: [[True, stamp, at]]),
        _shape(lambda account, stamp, at: [[account, stamp]]),
        _shape(lambda account, stamp, at: [[account, None, at]]),
        _shape(lambda account, stamp, at: [[account, stamp, float(at)]]),
        _shape(lambda account, stamp, at: [[account, stamp[:-1] + "x", at]]),
        _shape(lambda account, stamp, at: [account, stamp, at]),
        _shape(lambda account, stamp, at: None),
    ],
    ids=[
        "changed", "unsigned", "other-key", "other-use", "expired", "garbage", "chinese",
        "huge", "dict", "id-as-text", "id-as-bool", "short", "no-stamp", "float-time",
        "wrong-stamp", "flat", "null",
    ],
)  # fmt: skip
def test_a_changed_garbled_or_expired_cookie_is_ignored(app, member, office, change):
    cookie = known_to(app, member)
    lock(app, office)
    assert refused(sign_in(browser_with(app, office, change(cookie, app)), member))


def _change_own_password(app, username: str) -> None:
    client = signed_in(app, username, address="192.0.2.3")
    data = {"csrf_token": csrf(client, "/staff/password"), "current": PASSWORD}
    response = client.post("/staff/password", data={**data, "new": NEW_PASSWORD})
    assert response.status_code == 303


def _admin_posts(app, username: str, *actions: dict) -> None:
    admin = signed_in(app, "chief", address="192.0.2.4")
    with app.app_context():
        user_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == username))
    url = f"/staff/accounts/{user_id}"
    for action in actions:
        response = admin.post(url, data={**account_form(admin, url), **action})
        assert response.status_code == 303


def _reset(app, username: str) -> None:
    _admin_posts(app, username, {"action": "password", "password": NEW_PASSWORD})


def _disable_and_enable(app, username: str) -> None:
    _admin_posts(app, username, {"action": "disable"}, {"action": "enable"})


@pytest.mark.parametrize(
    "change, password",
    [(_change_own_password, NEW_PASSWORD), (_reset, NEW_PASSWORD), (_disable_and_enable, PASSWORD)],
    ids=["password-changed", "password-reset", "disabled-and-enabled"],
)
def test_a_cookie_from_before_a_password_change_a_reset_or_disabling_gives_nothing(
    app, member, office, change, password
):
    before = known_to(app, member)
    change(app, member)
    browser = client_from(app, "192.0.2.5")
    assert sign_in(browser, member, password).status_code == 303
    after = cookie_of(browser)
    lock(app, office)

    assert refused(sign_in(browser_with(app, office, before), member, password))
    # The browser that signed in since is known again.
    assert sign_in(browser_with(app, office, after), member, password).status_code == 303


def test_a_disabled_account_gets_nothing_from_its_cookie(app, member, office):
    cookie = known_to(app, member)
    _admin_posts(app, member, {"action": "disable"})
    lock(app, office)
    assert refused(sign_in(browser_with(app, office, cookie), member))


# --- A stolen cookie ----------------------------------------------------------------------------


def test_a_stolen_cookie_buys_only_a_few_guesses(app, member, office):
    assert throttle.PER_KNOWN_BROWSER == 5
    cookie = known_to(app, member, office)
    lock(app, office)
    for n in range(throttle.PER_KNOWN_BROWSER):  # from anywhere: one address each
        wrong = sign_in(browser_with(app, f"203.0.113.{n}", cookie), member, BAD_PASSWORD)
        assert wrong.status_code == 400 and WRONG in wrong.text

    assert refused(sign_in(browser_with(app, office, cookie), member))
    assert outcomes(app, member)[1:] == [
        *["wrong-password+known-browser"] * throttle.PER_KNOWN_BROWSER,
        "throttled+known-browser",
    ]
    # Past its own limit, a known browser is held to the ordinary limits, like any other:
    # no worse off than a browser without the cookie.
    assert sign_in(browser_with(app, "192.0.2.6", cookie), member).status_code == 303
    assert outcomes(app, member)[-1] == "signed-in"


def test_guesses_sent_at_once_with_a_stolen_cookie_check_no_more_than_the_limits(app, member):
    cookie = known_to(app, member)
    guesses, address = 12, "192.0.2.9"
    browsers = [browser_with(app, address, cookie) for _ in range(guesses)]

    assert sign_ins_at_once(browsers, member, BAD_PASSWORD) == [400] * guesses
    found = outcomes(app, member)[1:]
    assert len(found) == guesses
    # Its own 5, then the ordinary 5 of the account from this address, never more.
    assert found.count("wrong-password+known-browser") <= throttle.PER_KNOWN_BROWSER
    assert found.count("wrong-password") <= throttle.PER_ACCOUNT_AND_ADDRESS
    assert set(found) <= {
        "wrong-password+known-browser",
        "wrong-password",
        "throttled+known-browser",
    }


# --- The cookie itself ------------------------------------------------------------------------


def known_browser_cookies(response) -> list[str]:
    """The Set-Cookie headers of the known-browser cookie."""
    headers = response.headers.getlist("Set-Cookie")
    return [c for c in headers if c.startswith(f"{throttle.BROWSER_COOKIE}=")]


@pytest.mark.parametrize("page", [SIGN_IN, SIGN_IN_EN])
def test_the_cookie_goes_only_to_the_sign_in_page_and_never_to_script(app, member, page):
    browser = client_from(app, "192.0.2.7")
    data = {"csrf_token": csrf(browser, page), "username": member, "password": PASSWORD}
    response = browser.post(page, data=data)
    assert response.status_code == 303

    cookies = known_browser_cookies(response)
    paths = sorted(c.split("Path=")[1].split(";")[0] for c in cookies)
    assert paths == sorted([SIGN_IN, SIGN_IN_EN])
    max_age = int(throttle.KNOWN_BROWSER.total_seconds())
    assert max_age == int(throttle.KNOWN_ADDRESS.total_seconds()) == 90 * 24 * 3600
    for cookie in cookies:
        attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
        assert {"HttpOnly", "SameSite", "Max-Age", "Path"} <= attributes, cookie
        assert f"Max-Age={max_age}" in cookie
        assert "SameSite=Lax" in cookie  # as the session cookie's
        assert "Secure" not in attributes  # over plain HTTP
        assert "Domain" not in attributes

    # It names the account by its id alone: no name, and a stamp that tells no time.
    (value,) = {c.split(";")[0].split("=", 1)[1] for c in cookies}
    ((account, stamp, at),) = signer(app).loads(value)
    assert isinstance(account, int) and abs(at - time.time()) < 60
    assert member not in value and member.title() not in str(signer(app).loads(value))
    assert len(stamp) >= 22 and ":" not in stamp


def test_the_cookie_is_secure_over_https(app, member):
    browser = client_from(app, "192.0.2.8")
    page = browser.get(SIGN_IN, base_url="https://localhost")
    response = browser.post(
        SIGN_IN,
        base_url="https://localhost",
        headers={"Referer": "https://localhost/staff/sign-in"},  # CSRF checks it over HTTPS
        data={"csrf_token": token_in(page.data), "username": member, "password": PASSWORD},
    )
    assert response.status_code == 303
    cookies = known_browser_cookies(response)
    assert len(cookies) == 2
    for cookie in cookies:
        assert "Secure" in {part.strip() for part in cookie.split(";")}
