"""Staff accounts, passwords, sessions, CSRF, sign-in rate limits and who may do what in the
back office: every back-office route, for every role, from the app's own URL map."""

import re
from dataclasses import dataclass
from datetime import timedelta
from itertools import chain, count
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from barrierfree.database import db, utcnow
from barrierfree.staff import periodic
from barrierfree.staff.accounts import passwords, throttle
from barrierfree.staff.accounts.audit import record as audit_record
from barrierfree.staff.editing import forms
from barrierfree.staff.models import (
    ADMIN,
    EDITOR,
    PUBLISHER,
    RANK,
    AuditEntry,
    Autosave,
    MediaFile,
    Revision,
    SignInAttempt,
    StaffSession,
    StaffUser,
)
from barrierfree.updates.models import Update
from conftest import make_app, make_loaded_app, parse, site_password_hashing
from flask import url_for
from sqlalchemy import func, select
from staff_helpers import (
    PASSWORD,
    SIGN_IN,
    account_form,
    client_from,
    csrf,
    error_summary,
    form_fields,
    make_staff,
    record_attempt,
    sign_in,
    signed_in,
    token_in,
)

ANONYMOUS = "anonymous"
ROLES = (EDITOR, PUBLISHER, ADMIN)
BAD_PASSWORD = "not the password at all"
NEW_PASSWORD = "黄河边的 kite flies high"
TOO_MANY = "登录尝试次数过多"
WRONG = "用户名或密码不正确"
CSRF_PAGE = "表单已失效"
NEW_ACCOUNT = {
    "username": "liu-new",
    "display_name": "刘新",
    "role": EDITOR,
    "password": NEW_PASSWORD,
}
# argon2id's encoded hash: version, memory (KiB), passes, lanes, salt, hash.
ARGON2ID = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[\w+/]+\$[\w+/]+$", re.ASCII)


# --- Fixtures ----------------------------------------------------------------------------


@dataclass
class Office:
    """The module's site: content loaded, a draft and a published update, an account per role."""

    app: object
    database: Path
    items: dict[str, int]  # an item of every kind (for updates: the draft)
    revisions: dict[str, int]  # a revision of that item
    published_update: int
    accounts: dict[str, int]  # role -> user id; the username is the role


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Office:
    """One app for the module (argon2 is slow on purpose, so accounts are made once)."""
    database = tmp_path_factory.mktemp("office") / "office.sqlite"
    app = make_loaded_app(database)
    with app.app_context():
        draft = notice("draft-notice", "draft", "草稿正文。")
        live = notice("live-notice", "published", "公开正文。")
        items, revisions = {}, {}
        for kind in forms.EDITABLE.values():
            row = (
                draft if kind.name == "updates" else db.session.scalars(select(kind.model)).first()
            )
            revision = Revision(
                kind=kind.name,
                item_id=row.id,
                version=row.version,
                action="original",
                data=forms.revision_data(kind, row),
                username="",
            )
            db.session.add(revision)
            db.session.flush()
            items[kind.name], revisions[kind.name] = row.id, revision.id
        db.session.add(
            MediaFile(name=MEDIA_NAME, original_name="名单.pdf", mimetype="application/pdf",
                      size=1, uploaded_by="admin")
        )  # fmt: skip
        db.session.commit()
        published_update = live.id
    accounts = {role: make_staff(app, role, role) for role in ROLES}
    return Office(app, database, items, revisions, published_update, accounts)


def notice(slug: str, status: str, body: str) -> Update:
    """A notice in the database (flushed, so it has an id)."""
    row = Update(slug=slug, kind="notice", status=status, title=f"通知 {slug}",
                 summary="一条测试用的通知。", body=body)  # fmt: skip
    if status == "published":
        row.published_at = utcnow()
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture(scope="module")
def clients(office) -> dict:
    """A test client per role, signed in once for the module; the anonymous one has a token."""
    anonymous = office.app.test_client()
    csrf(anonymous)
    return {ANONYMOUS: anonymous} | {role: signed_in(office.app, role) for role in ROLES}


@pytest.fixture(scope="module")
def worker_b(office):
    """A second app on the same database: another worker process of the same site."""
    return make_app(office.database)


_numbers = count(1)


@pytest.fixture
def member(office) -> str:
    """A new editor account of its own, for a test that ends sessions or changes passwords."""
    username = f"member{next(_numbers)}"
    make_staff(office.app, username, EDITOR)
    return username


@pytest.fixture(autouse=True)
def no_checks_for_what_is_due(monkeypatch):
    """The check for scheduled items and mail due, made before a request every 30 seconds,
    would change rows of its own during whichever request it fell on, and the tests here
    compare every row before and after a request (see `database_state`)."""
    monkeypatch.setattr(periodic, "check_is_due", lambda: False)


def database_state(app) -> dict:
    """Every row of every table, except the sign-in log, the sessions' last-seen times and
    the autosaves (a refused form is kept there, privately, for the account that wrote it)."""
    with app.app_context():
        state = {}
        for table in db.metadata.sorted_tables:
            if table.name in (SignInAttempt.__tablename__, Autosave.__tablename__):
                continue
            columns = [c for c in table.columns if c.name != "last_seen_at"]
            query = select(*columns).order_by(*table.primary_key.columns)
            state[table.name] = db.session.execute(query).all()
        return state


def rows(app, model, *where) -> list:
    """Rows of `model`, detached so they can be read after the context ends."""
    with app.app_context():
        found = list(db.session.scalars(select(model).where(*where).order_by(model.id)))
        db.session.expunge_all()
        return found


def user_named(app, username: str) -> StaffUser | None:
    found = rows(app, StaffUser, StaffUser.username == username)
    return found[0] if found else None


def sessions_of(app, username: str) -> list[StaffSession]:
    return rows(app, StaffSession, StaffSession.user_id == user_named(app, username).id)


def shift_sessions(app, username: str, **back: timedelta) -> None:
    """Move the account's open sessions' times into the past (`last_seen_at=...`)."""
    user_id = user_named(app, username).id
    with app.app_context():
        open_sessions = db.session.scalars(
            select(StaffSession).where(
                StaffSession.user_id == user_id, StaffSession.ended_at.is_(None)
            )
        )
        for session in open_sessions:
            for name, delta in back.items():
                setattr(session, name, getattr(session, name) - delta)
        db.session.commit()


def attempts(app, **where) -> list[str]:
    """The outcomes of logged sign-in attempts, oldest first."""
    conditions = [getattr(SignInAttempt, name) == value for name, value in where.items()]
    return [a.outcome for a in rows(app, SignInAttempt, *conditions)]


def is_sign_in_redirect(response) -> bool:
    return response.status_code in (302, 303) and (
        urlsplit(response.headers["Location"]).path == SIGN_IN
    )


def flashes(response) -> str:
    """The messages flashed onto a page: success notices, and error summaries for what was
    not done."""
    doc = parse(response.data)
    return " ".join(
        e.text for e in [*doc.find_all(data_flash=True), *doc.select("[data-error-summary] p")]
    )


def set_cookie_of(response) -> str:
    """The Set-Cookie header of the session cookie."""
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


# --- No default account; the create-admin command ------------------------------------------


def create_admin(app, username: str, password: str, name: str = "王主任"):
    """Run `flask staff create-admin` with every value given as an option."""
    options = {"--username": username, "--name": name, "--password": password}
    return app.test_cli_runner().invoke(args=["staff", "create-admin", *chain(*options.items())])


def test_a_new_database_has_no_account_and_admin_admin_does_not_sign_in(empty_app):
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0

    client = empty_app.test_client()
    response = sign_in(client, "admin", "admin")
    assert response.status_code == 400
    assert WRONG in response.text
    assert is_sign_in_redirect(client.get("/staff/"))


def test_create_admin_makes_an_argon2id_account_that_can_sign_in(empty_app, monkeypatch):
    hasher, no_account = site_password_hashing()  # the site's own, not the tests' quick one
    monkeypatch.setattr(passwords, "HASHER", hasher)
    monkeypatch.setattr(passwords, "_DUMMY", no_account)
    result = create_admin(empty_app, "Chief", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "chief" in result.output

    user = user_named(empty_app, "chief")
    assert (user.role, user.display_name, user.active) == (ADMIN, "王主任", True)
    found = ARGON2ID.match(user.password_hash)
    assert found, user.password_hash
    memory_kib, passes, lanes = map(int, found.groups())
    assert memory_kib >= 19456 and passes >= 2 and lanes >= 1  # OWASP's minimum for argon2id
    assert PASSWORD not in user.password_hash

    assert sign_in(empty_app.test_client(), "chief").status_code == 303


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("shortpw", "ab3$5x7", "至少要有 8 个字符"),
        ("commonpw", "password1", "太常见"),
        ("commonpw", "woaini1314", "太常见"),
        ("namepw", "namepw is my password", "不能包含用户名"),
        ("has space", PASSWORD, "不含空格"),
    ],
)
def test_create_admin_refuses_bad_accounts(office, username, password, message):
    result = create_admin(office.app, username, password)
    assert result.exit_code != 0
    assert message in result.output
    assert user_named(office.app, username.casefold()) is None


def test_create_admin_refuses_a_name_already_taken(office):
    before = user_named(office.app, ADMIN).password_hash
    result = create_admin(office.app, "ADMIN", NEW_PASSWORD, name="冒名")
    assert result.exit_code != 0
    assert "这个用户名已被使用" in result.output
    assert user_named(office.app, ADMIN).password_hash == before


# --- The password policy and the password fields ------------------------------------------


@pytest.mark.parametrize(
    "password, username, refused",
    [
        ("abcdefg", "", True),  # 7 characters
        ("tqbfjotl", "", False),  # 8
        ("password1", "", True),
        ("12345678", "", True),
        ("woaini1314", "", True),
        ("qwertyuiop", "", True),
        ("Password1", "", True),  # the list is case-insensitive
        ("aaaaaaaaaaaa", "", True),  # one character repeated
        ("zhangwei-spring-2026", "zhangwei", True),
        ("ZhangWei rides to work", "zhangwei", True),
        ("correct horse battery staple", "", False),  # a passphrase with spaces
        ("春眠不觉晓处处闻啼鸟", "", False),  # Chinese
        ("四月的雨 falls on quiet hills", "lisi", False),
        ("riverlanternmoon", "", False),  # all lower case: no composition rules
        ("x" * 7 + "y" * 122, "", True),  # over 128 characters
    ],
)
def test_password_policy(office, password, username, refused):
    with office.app.test_request_context():
        assert (passwords.problem(password, username) is not None) is refused


def test_sign_in_form_lets_password_managers_and_paste_work(office):
    form = parse(office.app.test_client().get(SIGN_IN).data).find("form", action=SIGN_IN)
    assert form.find("input", name="username").get("autocomplete") == "username"
    password = form.find("input", name="password")
    assert password.get("type") == "password"
    assert password.get("autocomplete") == "current-password"
    for element in form.iter():
        assert not any(name.startswith("on") for name in element.attrs), element.attrs
    assert int(password.get("maxlength") or 64) >= 64


def test_change_password_form_asks_for_a_new_password(clients):
    form = parse(clients[EDITOR].get("/staff/password").data).find("main").find("form")
    assert form.find("input", name="current").get("autocomplete") == "current-password"
    new = form.find("input", name="new")
    assert new.get("autocomplete") == "new-password"
    assert int(new.get("maxlength") or 64) >= 64
    assert not any(name.startswith("on") for e in form.iter() for name in e.attrs)


# --- Who may open what: every back-office route, from the URL map ----------------------------

BACK_OFFICE = ("staff", "editor", "bulk", "media")
# Routes anyone may use; every other back-office route must check the role on the server.
WITHOUT_SIGN_IN = {"staff.sign_in", "staff.sign_out"}
# The role a route needs, when more than "editor".
NEEDS = {
    "staff.accounts": ADMIN,
    "staff.account": ADMIN,
    "staff.new_account": ADMIN,
    "staff.audit_log": ADMIN,
    "editor.withdraw": PUBLISHER,
    "editor.unschedule": PUBLISHER,
    "editor.publish": PUBLISHER,
    "editor.undo": PUBLISHER,
    "bulk.apply": PUBLISHER,
    "media.delete": PUBLISHER,
}
# The route that answers 404 for a kind of item that cannot be created, and the one that
# answers 404 for a kind without a publishing status (an indicator value is always live).
CREATE = "editor.create"
PUBLISH = "editor.publish"
# The URL parameters this test knows real values for; a new one must be added here.
FILLED_IN = {"kind_name", "item_id", "revision_id", "key", "user_id", "kind", "fmt", "name"}
MEDIA_NAME = "0" * 32 + ".pdf"  # an uploaded file's row in the office's database


def back_office_requests(office) -> list[tuple[str, str, str, str | None]]:
    """(endpoint, method, url, kind) for every back-office rule, parameters filled in with
    real ids; a rule with a parameter nobody knows how to fill fails the test."""
    app = office.app
    found = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.endpoint.partition(".")[0] not in BACK_OFFICE:
                continue
            if rule.endpoint in WITHOUT_SIGN_IN:
                continue
            for kind, values in _url_values(office, rule):
                url = url_for(rule.endpoint, **values)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    found.append((rule.endpoint, method, url, kind))
    return found


def _url_values(office, rule):
    """Values for a rule's parameters: every kind of item with its ids, or none."""
    unknown = rule.arguments - FILLED_IN
    assert not unknown, f"{rule.rule}: say how to fill <{'>, <'.join(unknown)}> in this test"
    common = {
        "user_id": office.accounts[EDITOR], "kind": "facilities", "fmt": "csv", "name": MEDIA_NAME,
    }  # fmt: skip
    if "kind_name" not in rule.arguments:
        yield None, {k: v for k, v in common.items() if k in rule.arguments}
        return
    for name in forms.EDITABLE:
        values = common | {
            "kind_name": name,
            "item_id": office.items[name],
            "revision_id": office.revisions[name],
            "key": "new",
        }
        yield name, {k: v for k, v in values.items() if k in rule.arguments}


def test_the_route_list_comes_from_the_url_map(office):
    endpoints = {endpoint for endpoint, *_ in back_office_requests(office)}
    assert {"staff.dashboard", "staff.accounts", "editor.edit", "bulk.index"} <= endpoints
    assert set(NEEDS) <= endpoints


@pytest.mark.parametrize("role", (ANONYMOUS, *ROLES))
def test_every_back_office_route_checks_the_role(office, clients, role):
    client = clients[role]
    token = csrf(client, "/staff/" if role != ANONYMOUS else SIGN_IN)
    failures = []
    for endpoint, method, url, kind in back_office_requests(office):
        needed = NEEDS.get(endpoint, EDITOR)
        allowed = role != ANONYMOUS and RANK[role] >= RANK[needed]
        if method == "POST" and allowed:
            continue  # what an allowed POST does is the business of the feature's own tests
        before = database_state(office.app) if method == "POST" else None
        response = client.open(url, method=method, data={"csrf_token": token})
        status = response.status_code
        if role == ANONYMOUS:
            expected = "redirect to sign-in"
            ok = is_sign_in_redirect(response)
            if ok and method == "GET":
                next_url = parse_qs(urlsplit(response.headers["Location"]).query).get("next")
                ok = next_url == [url]
        elif not allowed:
            expected, ok = "403", status == 403
        else:
            can_create = kind is None or forms.EDITABLE[kind].can_create
            has_status = kind is None or forms.EDITABLE[kind].has_status
            missing = (endpoint == CREATE and not can_create) or (
                endpoint == PUBLISH and not has_status
            )
            # With no change waiting to be confirmed, the question goes back to the form.
            wanted = 404 if missing else 303 if endpoint == "editor.changes" else 200
            expected, ok = str(wanted), status == wanted
        if not ok:
            failures.append(f"{method} {url} ({endpoint}): {status}, expected {expected}")
        elif before is not None and (after := database_state(office.app)) != before:
            changed = sorted(name for name in after if after[name] != before.get(name))
            failures.append(f"{method} {url} ({endpoint}): refused, but {changed} changed")
    assert not failures, "\n".join(failures)


def test_an_editor_cannot_change_what_the_public_sees(office, clients):
    client = clients[EDITOR]
    url = f"/staff/updates/{office.published_update}"
    fields = form_fields(client.get(url).data, "edit-form")
    before = database_state(office.app)

    response = client.post(url, data=fields | {"body": ["改了公开的正文。"], "action": "save"})

    assert response.status_code == 403
    assert database_state(office.app) == before


@pytest.mark.parametrize("action", ("publish", "schedule"))
def test_an_editor_cannot_publish_or_schedule(office, clients, action):
    client = clients[EDITOR]
    url = f"/staff/updates/{office.items['updates']}"
    fields = form_fields(client.get(url).data, "edit-form")
    before = database_state(office.app)

    response = client.post(url, data=fields | {"action": action, "publish_at": "2099-01-01T09:00"})

    assert response.status_code == 403
    # A refusal saves nothing: the 403 page must not hide a save that happened before it.
    assert database_state(office.app) == before


def test_a_refusal_names_the_role_it_needs_and_that_the_text_was_not_saved(clients):
    client = clients[EDITOR]
    page = client.get("/staff/accounts")
    assert page.status_code == 403
    text = parse(page.data).find("main").text
    assert "没有这个权限" in text and "编辑（写草稿）" in text and "管理员（管理账号）" in text
    assert "没有保存" not in text
    posted = client.post("/staff/accounts/new", data={"csrf_token": csrf(client, "/staff/")})
    assert posted.status_code == 403 and "没有保存" in parse(posted.data).find("main").text


def test_back_office_navigation_shows_only_what_the_role_may_open(clients):
    for role, shown in ((EDITOR, False), (PUBLISHER, False), (ADMIN, True)):
        links = parse(clients[role].get("/staff/").data).find("header").hrefs
        assert ("/staff/accounts" in links) is shown, role
        assert ("/staff/audit" in links) is shown, role


@pytest.mark.parametrize("prefix, menu", [("", "后台菜单"), ("/en", "Back office menu")])
def test_the_navigation_folds_into_a_menu_after_a_skip_link(clients, prefix, menu):
    page = parse(clients[ADMIN].get(f"{prefix}/staff/").data)
    first = page.find("body").find("a")
    assert first["href"] == "#main" and page.find(id="main") is not None

    details = page.find("header").find("details")
    summary = details.find("summary")
    assert summary.text.strip() == menu
    assert not details.has_attr("open"), "folded on narrow screens; wide ones show it (CSS)"
    nav = details.find("nav")
    assert nav["aria-label"] and f"{prefix}/staff/audit" in nav.hrefs
    assert nav.find("form", action=f"{prefix}/staff/sign-out") is not None


# --- CSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", (None, "wrong-token"))
def test_sign_in_without_a_valid_token_is_refused_and_explained(office, token):
    client = client_from(office.app, "192.0.2.10")
    csrf(client)
    data = {"username": EDITOR, "password": PASSWORD} | ({"csrf_token": token} if token else {})

    response = client.post(SIGN_IN, data=data)

    assert response.status_code == 400
    assert CSRF_PAGE in response.text
    assert attempts(office.app, address="192.0.2.10") == []
    assert is_sign_in_redirect(client.get("/staff/"))


@pytest.mark.parametrize("token", (None, "wrong-token"))
def test_back_office_posts_without_a_valid_token_change_nothing(office, clients, token):
    admin = clients[ADMIN]
    edit = f"/staff/updates/{office.items['updates']}"
    fields = form_fields(admin.get(edit).data, "edit-form")
    posts = [
        (edit, fields | {"body": ["没有校验码的修改。"]}),
        ("/staff/sign-out", {}),
        ("/staff/accounts/new", NEW_ACCOUNT),
    ]
    for url, data in posts:
        before = database_state(office.app)
        response = admin.post(url, data={**data, "csrf_token": token or []})
        assert response.status_code == 400, url
        assert CSRF_PAGE in response.text
        assert database_state(office.app) == before, url
    assert admin.get("/staff/").status_code == 200  # still signed in


def test_htmx_requests_carry_the_token_in_a_header(office, member):
    client = signed_in(office.app, member)
    page = client.get("/staff/")
    body = parse(page.data).find("body")
    token = token_in(page.data)
    assert f'"X-CSRFToken": "{token}"' in body.get("data-hx-headers")

    fragment = client.post("/staff/session", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert fragment.status_code == 200

    signed_out = client.post("/staff/sign-out", headers={"X-CSRFToken": token})
    assert signed_out.status_code == 303
    assert sessions_of(office.app, member)[-1].end_reason == "signed-out"


def test_csrf_is_on_in_the_test_configuration(office):
    assert office.app.config["TESTING"] and office.app.config["WTF_CSRF_ENABLED"]


# --- Sign-in rate limits, shared by every worker ---------------------------------------------


def test_five_failures_from_one_address_block_that_address_in_every_worker(office, worker_b):
    username = "throttled"
    make_staff(office.app, username, EDITOR)
    here, elsewhere = "198.51.100.1", "198.51.100.2"
    worker_a = office.app
    for app in (worker_a, worker_b, worker_a, worker_b, worker_a):
        response = sign_in(client_from(app, here), username, BAD_PASSWORD)
        assert response.status_code == 400 and WRONG in response.text

    refused = sign_in(client_from(worker_b, here), username)  # the right password
    assert refused.status_code == 400
    assert TOO_MANY in refused.text
    minutes = int(re.search(r"请 (\d+) 分钟后再试", refused.text).group(1))
    assert 1 <= minutes <= 15

    # Not locked out for everyone: the same account signs in from another address.
    assert sign_in(client_from(worker_a, elsewhere), username).status_code == 303

    assert attempts(office.app, username=username) == [
        "wrong-password", "wrong-password", "wrong-password", "wrong-password",
        "wrong-password", "throttled", "signed-in",
    ]  # fmt: skip

    # Waiting ends the block.
    with office.app.app_context():
        for attempt in db.session.scalars(
            select(SignInAttempt).where(SignInAttempt.username == username)
        ):
            attempt.at -= timedelta(minutes=16)
        db.session.commit()
    assert sign_in(client_from(worker_b, here), username).status_code == 303


def test_twenty_failures_from_one_address_block_it_for_every_account(office, worker_b):
    username = "sprayed"
    make_staff(office.app, username, EDITOR)
    spraying, elsewhere = "198.51.100.20", "198.51.100.21"
    with office.app.test_request_context():
        # 19 earlier guesses, never 5 at one name, so only the address limit can apply.
        for n in range(19):
            record_attempt(f"guess{n % 5}", spraying, "unknown-account")
        db.session.commit()
    last_guess = sign_in(client_from(worker_b, spraying), "guess-last", BAD_PASSWORD)
    assert last_guess.status_code == 400 and WRONG in last_guess.text

    refused = sign_in(client_from(office.app, spraying), username)
    assert refused.status_code == 400 and TOO_MANY in refused.text
    assert sign_in(client_from(office.app, elsewhere), username).status_code == 303


def test_account_limit_spares_the_address_the_account_signs_in_from(office):
    username = "targeted"
    make_staff(office.app, username, EDITOR)
    office_address, stranger = "198.51.100.40", "198.51.100.41"
    assert sign_in(client_from(office.app, office_address), username).status_code == 303
    with office.app.test_request_context():
        for n in range(throttle.PER_ACCOUNT):  # a botnet: one guess from each address
            record_attempt(username, f"203.0.113.{n}", "wrong-password")
        db.session.commit()

    assert sign_in(client_from(office.app, office_address), username).status_code == 303
    refused = sign_in(client_from(office.app, stranger), username)
    assert refused.status_code == 400 and TOO_MANY in refused.text


def test_every_attempt_is_logged(office):
    username = "logged"
    user_id = make_staff(office.app, username, EDITOR)
    address = "198.51.100.60"
    sign_in(client_from(office.app, address), username)
    sign_in(client_from(office.app, address), username, BAD_PASSWORD)
    sign_in(client_from(office.app, address), "nobody-by-this-name", BAD_PASSWORD)
    with office.app.app_context():
        db.session.get(StaffUser, user_id).active = False
        db.session.commit()
    disabled = sign_in(client_from(office.app, address), username)
    # A disabled account is refused like a wrong password: it confirms nothing.
    assert disabled.status_code == 400 and WRONG in disabled.text

    assert attempts(office.app, address=address) == [
        "signed-in", "wrong-password", "unknown-account", "disabled",
    ]  # fmt: skip
    logged = rows(office.app, SignInAttempt, SignInAttempt.address == address)
    assert [a.succeeded for a in logged] == [True, False, False, False]
    assert logged[2].username == "nobody-by-this-name"


@pytest.mark.parametrize(
    "next_url", ("//evil.example/staff/", "https://evil.example/", "/\\evil.example")
)
def test_sign_in_goes_back_only_to_this_site(office, next_url):
    response = sign_in(client_from(office.app, "192.0.2.99"), EDITOR, next_url=next_url)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert not location.netloc and location.path.startswith("/")
    assert not location.path.startswith(("//", "/\\"))


def test_sign_in_goes_back_to_the_page_asked_for(office):
    response = sign_in(client_from(office.app, "192.0.2.99"), EDITOR, next_url="/staff/audit")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/audit"


def test_an_english_page_asks_to_sign_in_and_comes_back_in_english(office):
    """/en/staff/… sent to sign in came back to /staff/…, in Chinese."""
    client = client_from(office.app, "192.0.2.98")
    response = client.get("/en/staff/updates/new")
    next_url = parse_qs(urlsplit(response.headers["Location"]).query).get("next")
    assert next_url == ["/en/staff/updates/new"]
    signed = sign_in(client, EDITOR, next_url=next_url[0])
    assert signed.headers["Location"] == "/en/staff/updates/new"


# --- Sessions ------------------------------------------------------------------------------


def test_signing_in_starts_a_new_session(office, member):
    client = office.app.test_client()
    csrf(client)
    before = client.get_cookie("session").value
    copy = office.app.test_client()
    copy.set_cookie("session", before)

    response = sign_in(client, member)

    assert response.status_code == 303
    assert client.get_cookie("session").value != before
    assert client.get("/staff/").status_code == 200
    # The cookie from before the sign-in does not carry the staff session.
    assert is_sign_in_redirect(copy.get("/staff/"))
    assert [s.ended_at for s in sessions_of(office.app, member)] == [None]


def test_signing_in_again_ends_the_session_it_replaces(office, member):
    client = signed_in(office.app, member)
    copy = office.app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)

    assert sign_in(client, member).status_code == 303

    first, second = sessions_of(office.app, member)
    assert first.ended_at is not None and second.ended_at is None
    assert is_sign_in_redirect(copy.get("/staff/"))
    assert client.get("/staff/").status_code == 200


@pytest.mark.parametrize(
    "shift, reason",
    [
        ({"last_seen_at": timedelta(minutes=31)}, "idle"),
        ({"created_at": timedelta(hours=12, minutes=1)}, "absolute"),
    ],
)
def test_a_session_ends_after_its_limits(office, member, shift, reason):
    assert office.app.config["STAFF_IDLE_MINUTES"] == 30
    assert office.app.config["STAFF_ABSOLUTE_HOURS"] == 12
    client = signed_in(office.app, member)
    assert client.get("/staff/").status_code == 200

    shift_sessions(office.app, member, **shift)
    response = client.get("/staff/")

    assert is_sign_in_redirect(response)
    (session,) = sessions_of(office.app, member)
    assert session.ended_at is not None and session.end_reason == reason
    assert is_sign_in_redirect(client.get("/staff/"))


def test_activity_keeps_an_idle_session_alive(office, member):
    client = signed_in(office.app, member)
    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=29))
    assert client.get("/staff/").status_code == 200
    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=29))
    assert client.get("/staff/").status_code == 200


def test_signing_out_ends_the_session_even_for_a_copied_cookie(office, member):
    client = signed_in(office.app, member)
    copy = office.app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/staff/").status_code == 200

    response = client.post("/staff/sign-out", data={"csrf_token": csrf(client, "/staff/")})

    assert response.status_code == 303 and is_sign_in_redirect(response)
    assert is_sign_in_redirect(client.get("/staff/"))
    assert is_sign_in_redirect(copy.get("/staff/"))
    (session,) = sessions_of(office.app, member)
    assert session.end_reason == "signed-out"


def test_changing_the_password_signs_out_every_other_session(office, member):
    here = signed_in(office.app, member)
    there = signed_in(office.app, member, address="192.0.2.77")
    form = {"csrf_token": csrf(here, "/staff/password"), "current": PASSWORD, "new": NEW_PASSWORD}

    wrong = here.post("/staff/password", data=form | {"current": BAD_PASSWORD})
    assert wrong.status_code == 400 and error_summary(wrong.data) is not None
    assert there.get("/staff/").status_code == 200

    response = here.post("/staff/password", data=form)

    assert response.status_code == 303
    assert here.get("/staff/").status_code == 200
    assert is_sign_in_redirect(there.get("/staff/"))
    open_sessions = [s for s in sessions_of(office.app, member) if s.ended_at is None]
    assert len(open_sessions) == 1
    assert {s.end_reason for s in sessions_of(office.app, member)} == {None, "password-changed"}
    assert sign_in(office.app.test_client(), member).status_code == 400
    assert sign_in(office.app.test_client(), member, NEW_PASSWORD).status_code == 303


def test_a_new_password_must_meet_the_policy(office, member):
    client = signed_in(office.app, member)
    form = {"csrf_token": csrf(client, "/staff/password"), "current": PASSWORD}
    for new in ("short", "password1", f"{member} likes tea"):
        response = client.post("/staff/password", data=form | {"new": new})
        assert response.status_code == 400
        assert error_summary(response.data).find("a", href="#field-new") is not None
    assert sign_in(office.app.test_client(), member).status_code == 303


def test_disabling_an_account_ends_its_sessions_and_its_sign_in(office, clients, member):
    victim = signed_in(office.app, member)
    admin = clients[ADMIN]
    user_id = user_named(office.app, member).id
    url = f"/staff/accounts/{user_id}"

    response = admin.post(url, data={**account_form(admin, url), "action": "disable"})

    assert response.status_code == 303
    assert is_sign_in_redirect(victim.get("/staff/"))
    assert [s.end_reason for s in sessions_of(office.app, member)] == ["disabled"]
    refused = sign_in(client_from(office.app, "192.0.2.88"), member)
    assert refused.status_code == 400 and WRONG in refused.text
    assert [e.action for e in rows(office.app, AuditEntry, AuditEntry.key == member)] == [
        "disable-account"
    ]


def test_session_cookie_flags(office, member):
    plain = office.app.test_client()
    cookie = set_cookie_of(plain.get(SIGN_IN))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    cookie = set_cookie_of(sign_in(plain, member))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    https = office.app.test_client()
    page = https.get(SIGN_IN, base_url="https://localhost")
    cookie = set_cookie_of(page)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    signed = https.post(
        SIGN_IN,
        base_url="https://localhost",
        headers={"Referer": "https://localhost/staff/sign-in"},  # CSRF checks it over HTTPS
        data={"csrf_token": token_in(page.data), "username": member, "password": PASSWORD},
    )
    assert signed.status_code == 303
    assert "Secure" in set_cookie_of(signed)


def test_keeping_the_session_alive(office, member):
    client = signed_in(office.app, member)
    page = client.get("/staff/")
    expires = parse(page.data).find(id="session-warning").get("data-expires")
    assert 29 * 60 <= int(expires) <= 30 * 60
    assert 29 * 60 <= int(page.headers["X-Session-Expires"]) <= 30 * 60

    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=20))
    token = token_in(page.data)
    fragment = client.post("/staff/session", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert fragment.status_code == 200
    assert parse(fragment.data).find(id="session-warning") is not None
    assert "<html" not in fragment.text
    (session,) = sessions_of(office.app, member)
    assert utcnow() - session.last_seen_at < timedelta(seconds=10)

    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=20))
    plain = client.post("/staff/session", data={"csrf_token": token, "next": "/staff/password"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/staff/password"
    (session,) = sessions_of(office.app, member)
    assert utcnow() - session.last_seen_at < timedelta(seconds=10)


def session_warning_text(html) -> str:
    """All the session warning can say: now, and once the session has ended."""
    message = parse(html).find(id="session-warning").find(id="session-warning-message")
    return message.text + " " + message["data-expired-text"]


def test_only_a_page_whose_form_autosaves_promises_the_text_is_kept(office, member):
    """The warning promised 自动保存 on every back-office page, the inbox too, where
    nothing is autosaved."""
    client = signed_in(office.app, member)
    editor_page = client.get(f"/staff/updates/{office.items['updates']}")
    assert parse(editor_page.data).find(data_autosave=True) is not None
    assert "自动保存在服务器上" in session_warning_text(editor_page.data)
    read_only = client.get(f"/staff/updates/{office.published_update}")  # an editor's view
    for page in (client.get("/staff/inbox/"), client.get("/staff/"), read_only):
        assert page.status_code == 200
        assert parse(page.data).find(data_autosave=True) is None
        said = session_warning_text(page.data)
        assert "自动保存" not in said and "先复制下来" in said

    # The fresh dialog after 继续保持登录 is asked for by the dialog's own form.
    token = token_in(editor_page.data)
    for page, promised in ((editor_page, True), (client.get("/staff/inbox/"), False)):
        fields = form_fields(page.data, "session-extend")
        fresh = client.post(
            "/staff/session", data=fields, headers={"X-CSRFToken": token, "HX-Request": "true"}
        )
        assert fresh.status_code == 200
        assert ("自动保存在服务器上" in session_warning_text(fresh.data)) is promised


# --- A form posted after the session lapsed keeps its text ---------------------------------


def test_a_lapsed_session_keeps_the_text_as_a_draft(office, member):
    item_id = office.items["updates"]
    url = f"/staff/updates/{item_id}"
    client = signed_in(office.app, member)
    fields = form_fields(client.get(url).data, "edit-form")
    before = database_state(office.app)
    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=45))

    response = client.post(url, data=fields | {"body": ["会后补充的正文。"], "action": "save"})

    assert is_sign_in_redirect(response)
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [url]
    assert "您填写的内容已保存在服务器上" in flashes(client.get(response.headers["Location"]))
    (draft,) = rows(office.app, Autosave, Autosave.user_id == user_named(office.app, member).id)
    assert draft.data["body"] == "会后补充的正文。"

    back = sign_in(client, member, next_url=url)
    assert back.status_code == 303 and back.headers["Location"] == url
    page = parse(client.get(url).data)
    offer = next(a for a in page.find_all("a") if a.text == "载入自动保存的内容")
    loaded = client.get(offer.get("href"))
    assert "from=autosave" in offer.get("href")
    assert form_fields(loaded.data, "edit-form")["body"] == ["会后补充的正文。"]
    assert rows(office.app, Update, Update.id == item_id)[0].body == "草稿正文。"
    after = database_state(office.app)
    assert after["update"] == before["update"] and after["revision"] == before["revision"]


def test_a_lapsed_autosave_is_kept_for_its_item(office, member):
    item_id = office.items["updates"]
    client = signed_in(office.app, member)
    fields = form_fields(client.get(f"/staff/updates/{item_id}").data, "edit-form")
    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=45))

    response = client.post(
        f"/staff/updates/{item_id}/autosave",
        data=fields | {"body": ["自动保存时登录已过期。"]},
        headers={"HX-Request": "true"},
    )

    # htmx puts the answer where the autosave reports: a sentence, not the sign-in page.
    assert response.status_code == 200
    assert "登录已过期" in response.text and "<html" not in response.text
    (draft,) = rows(office.app, Autosave, Autosave.user_id == user_named(office.app, member).id)
    assert (draft.key, draft.data["body"]) == (str(item_id), "自动保存时登录已过期。")


# --- Accounts, managed by an administrator --------------------------------------------------


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"username": "has space"}, "username"),
        ({"username": ""}, "username"),
        ({"username": ADMIN}, "username"),  # taken
        ({"password": "password1"}, "password"),
        ({"password": "short"}, "password"),
        ({"role": "superuser"}, "role"),
        ({"display_name": " "}, "display_name"),
    ],
)
def test_creating_an_account_with_bad_fields_shows_the_errors(office, clients, fields, field):
    admin = clients[ADMIN]
    data = NEW_ACCOUNT | fields | {"csrf_token": csrf(admin, "/staff/accounts/new")}

    response = admin.post("/staff/accounts/new", data=data)

    assert response.status_code == 400
    summary = error_summary(response.data)
    assert summary is not None and summary.find("a", href=f"#field-{field}") is not None
    assert parse(response.data).find(id=f"field-{field}") is not None
    assert user_named(office.app, "liu-new") is None


def test_an_administrator_manages_accounts(office, clients):
    admin = clients[ADMIN]
    token = csrf(admin, "/staff/accounts/new")
    created = admin.post(
        "/staff/accounts/new",
        data={
            "csrf_token": token,
            "username": "Zhou-Clerk",
            "display_name": "周文员",
            "role": EDITOR,
            "password": NEW_PASSWORD,
        },  # fmt: skip
    )
    assert created.status_code == 303
    user = user_named(office.app, "zhou-clerk")
    assert (user.role, user.active) == (EDITOR, True)
    assert ARGON2ID.match(user.password_hash)
    url = f"/staff/accounts/{user.id}"

    role = admin.post(url, data={**account_form(admin, url), "action": "role", "role": PUBLISHER})
    assert role.status_code == 303
    assert user_named(office.app, "zhou-clerk").role == PUBLISHER

    clerk = signed_in(office.app, "zhou-clerk", NEW_PASSWORD)
    reset = admin.post(url, data={**account_form(admin, url), "action": "password",
                                  "password": PASSWORD})  # fmt: skip
    assert reset.status_code == 303
    assert is_sign_in_redirect(clerk.get("/staff/"))
    assert [s.end_reason for s in sessions_of(office.app, "zhou-clerk")] == ["password-changed"]
    assert sign_in(office.app.test_client(), "zhou-clerk").status_code == 303

    weak = admin.post(url, data={**account_form(admin, url), "action": "password",
                                 "password": "123456"})  # fmt: skip
    assert weak.status_code == 400 and error_summary(weak.data) is not None

    entries = rows(office.app, AuditEntry, AuditEntry.key == "zhou-clerk")
    assert [(e.action, e.username) for e in entries] == [
        ("create-account", ADMIN), ("change-role", ADMIN), ("reset-password", ADMIN),
    ]  # fmt: skip
    log = admin.get("/staff/audit")
    assert log.status_code == 200
    assert all(text in log.text for text in ("新建账号", "修改角色", "重设密码", "zhou-clerk"))


def logged(app, *entries: tuple[str, str, str, str]) -> None:
    """Audit entries (action, kind, key, detail) as the administrator made them, in order."""
    with app.app_context():
        admin = db.session.scalar(select(StaffUser).where(StaffUser.username == ADMIN))
        for action, kind, key, detail in entries:
            audit_record(action, kind, key, detail, user=admin)
        db.session.commit()


def audit_table(response):
    """The table of audit entries on a page."""
    return parse(response.data).find("table")


def test_the_audit_log_names_items_states_and_roles_in_words(office, clients):
    logged(
        office.app,
        ("publish", "updates", "live-notice", ""),
        ("change-role", "account", EDITOR, PUBLISHER),
        ("inbox-state", "feedback", "CP-2026-999999", "closed -> new"),
        ("import", "facilities", "", "fac_good.csv: created 0, updated 2"),
        ("save", "updates", "a-notice-since-deleted", ""),
    )
    table = audit_table(clients[ADMIN].get("/staff/audit"))
    text = table.find("tbody").text

    links = {a.text: a["href"] for a in table.find_all("a")}
    assert links["通知 live-notice"] == f"/staff/updates/{office.published_update}"
    assert "updates/live-notice" not in text
    assert "已关闭 → 新收到" in text and "closed -> new" not in text
    assert "发布人（发布和撤回）" in text and "account/" not in text
    assert "fac_good.csv" in text and "新增 0 条，修改 2 条" in text and "created" not in text
    assert "a-notice-since-deleted" in text and "a-notice-since-deleted" not in links


@pytest.mark.parametrize("path", ["/en/staff/audit", "/en/staff/updates/{id}/revisions"])
def test_the_time_column_is_time_not_opening_hours_in_english(office, clients, path):
    logged(office.app, ("publish", "updates", "live-notice", ""))
    page = clients[ADMIN].get(path.format(id=office.items["updates"]))
    headings = [th.text for th in audit_table(page).find("thead").find_all("th")]
    assert "Time" in headings and "Hours" not in headings


def test_the_dashboard_shows_editors_only_work_on_content(office, clients):
    logged(
        office.app,
        ("publish", "updates", "live-notice", ""),
        ("change-role", "account", EDITOR, EDITOR),
    )
    editor = audit_table(clients[EDITOR].get("/staff/"))
    admin = audit_table(clients[ADMIN].get("/staff/"))

    assert "通知 live-notice" in editor.text and "修改角色" not in editor.text
    assert "修改角色" in admin.text


@pytest.mark.parametrize("data", ({"action": "disable"}, {"action": "role", "role": EDITOR}))
def test_an_administrator_cannot_disable_or_demote_themselves(office, clients, data):
    admin = clients[ADMIN]
    url = f"/staff/accounts/{office.accounts[ADMIN]}"

    response = admin.post(url, data=data | {"csrf_token": csrf(admin, url)})

    assert response.status_code == 400
    assert error_summary(response.data) is not None
    user = user_named(office.app, ADMIN)
    assert (user.role, user.active) == (ADMIN, True)
    assert admin.get("/staff/accounts").status_code == 200


def test_a_lapsed_session_keeps_text_from_every_tab_not_only_the_first(office, member):
    item_id = office.items["updates"]
    url = f"/staff/updates/{item_id}"
    client = signed_in(office.app, member)
    fields = form_fields(client.get(url).data, "edit-form")
    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=45))
    assert is_sign_in_redirect(client.get("/staff/"))  # another tab noticed first

    response = client.post(url, data=fields | {"body": ["第二个标签页里写的。"], "action": "save"})

    assert is_sign_in_redirect(response)
    (draft,) = rows(office.app, Autosave, Autosave.user_id == user_named(office.app, member).id)
    assert draft.data["body"] == "第二个标签页里写的。"


def test_a_form_from_before_signing_in_again_is_kept_not_lost(office, member):
    item_id = office.items["updates"]
    url = f"/staff/updates/{item_id}"
    client = signed_in(office.app, member)
    fields = form_fields(client.get(url).data, "edit-form")
    assert sign_in(client, member).status_code == 303  # in another tab: a new token

    response = client.post(url, data=fields | {"body": ["旧标签页里写的。"], "action": "save"})

    assert response.status_code == 400
    assert "已保存在服务器上" in response.text
    (draft,) = rows(office.app, Autosave, Autosave.user_id == user_named(office.app, member).id)
    assert draft.data["body"] == "旧标签页里写的。"
    assert rows(office.app, Update, Update.id == item_id)[0].body == "草稿正文。"


def test_a_signed_out_session_keeps_nothing(office, member):
    item_id = office.items["updates"]
    url = f"/staff/updates/{item_id}"
    client = signed_in(office.app, member)
    fields = form_fields(client.get(url).data, "edit-form")
    copied = office.app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    client.post("/staff/sign-out", data={"csrf_token": fields["csrf_token"][0]})

    copied.post(url, data=fields | {"body": ["用复制的 cookie 写的。"]})

    assert rows(office.app, Autosave, Autosave.user_id == user_named(office.app, member).id) == []


def test_a_form_from_before_signing_in_again_goes_beside_a_newer_autosave(office, member):
    item_id = office.items["updates"]
    url = f"/staff/updates/{item_id}"
    client = signed_in(office.app, member)
    old_tab = form_fields(client.get(url).data, "edit-form")
    assert sign_in(client, member).status_code == 303  # in another tab: a new token
    new_tab = form_fields(client.get(url).data, "edit-form")
    token = new_tab.pop("csrf_token")[0]
    newer = client.post(
        f"{url}/autosave",
        data=new_tab | {"body": ["新标签页里写的。"]},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert newer.status_code == 200

    response = client.post(url, data=old_tab | {"body": ["旧标签页里写的。"], "action": "save"})

    assert response.status_code == 400 and "已保存在服务器上" in response.text
    mine = Autosave.user_id == user_named(office.app, member).id
    drafts = {draft.key: draft.data["body"] for draft in rows(office.app, Autosave, mine)}
    assert drafts == {str(item_id): "新标签页里写的。", f"{item_id}:kept": "旧标签页里写的。"}
    page = parse(client.get(url).data)
    offer = next(a for a in page.find_all("a") if a.text == "载入从旧页面提交的内容")
    loaded = client.get(offer.get("href"))
    assert form_fields(loaded.data, "edit-form")["body"] == ["旧标签页里写的。"]
    discard = page.find("form", action=f"/staff/updates/{item_id}:kept/autosave/discard")
    gone = client.post(discard.get("action"), data={"csrf_token": token})
    assert gone.status_code == 303 and gone.headers["Location"] == url
    assert {draft.key for draft in rows(office.app, Autosave, mine)} == {str(item_id)}


def test_a_form_from_before_another_account_signed_in_keeps_nothing(office, member):
    other = f"member{next(_numbers)}"
    make_staff(office.app, other, EDITOR)
    url = f"/staff/updates/{office.items['updates']}"
    client = signed_in(office.app, member)
    fields = form_fields(client.get(url).data, "edit-form")
    assert sign_in(client, other).status_code == 303  # the same browser, another account

    response = client.post(url, data=fields | {"body": ["前一个账号写的。"], "action": "save"})

    assert response.status_code == 400 and "已保存在服务器上" not in response.text
    for username in (member, other):
        user_id = user_named(office.app, username).id
        assert rows(office.app, Autosave, Autosave.user_id == user_id) == []


def test_a_lapsed_form_beyond_a_fields_limit_is_not_kept_and_says_why(office, member):
    item_id = office.items["updates"]
    url = f"/staff/updates/{item_id}"
    client = signed_in(office.app, member)
    fields = form_fields(client.get(url).data, "edit-form")
    shift_sessions(office.app, member, last_seen_at=timedelta(minutes=45))

    response = client.post(url, data=fields | {"title": ["长" * 201], "action": "save"})

    assert is_sign_in_redirect(response)
    page = client.get(response.headers["Location"])
    message = flashes(page)
    assert "没有保存" in message and "“标题”最多 200 个字" in message
    # Nothing was kept: an error, not a success notice.
    assert parse(page.data).find("title").text.startswith("错误：")
    assert not parse(page.data).find_all(data_flash=True)
    user_id = user_named(office.app, member).id
    assert rows(office.app, Autosave, Autosave.user_id == user_id) == []
