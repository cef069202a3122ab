"""Helpers for the back-office tests: staff accounts, CSRF tokens, signing in, form fields."""

import json
import re
import threading
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TypeVar

from barrierfree.database import db
from barrierfree.staff.accounts import throttle
from barrierfree.staff.accounts.views import create_user
from barrierfree.staff.models import SignInAttempt
from conftest import Element, copy_database, make_app, make_loaded_app, parse

K = TypeVar("K")
T = TypeVar("T")

# Long, uncommon, no composition rules: what the password policy asks people to pick.
PASSWORD = "四月的雨 falls on quiet hills"
SIGN_IN = "/staff/sign-in"


def make_staff(app, username: str, role: str, password: str = PASSWORD) -> int:
    """Create an active account through the same function the CLI and the admin page use;
    return its id."""
    with app.app_context():
        user = create_user(username, username.title(), role, password)
        db.session.commit()
        return user.id


def prepared_database(folder: Path, accounts: Mapping[str, str], **config) -> Path:
    """A database in `folder` with content/ and the demo pack loaded and these staff
    accounts (username: role): made once a module (argon2 is slow on purpose), and copied
    for each test by `copied_app`."""
    database = folder / "site.sqlite"
    app = make_loaded_app(database, **config)
    for username, role in accounts.items():
        make_staff(app, username, role)
    with app.app_context():
        db.engine.dispose()
    return database


def copied_app(database: Path, folder: Path, **config):
    """An app of its own on a copy, in `folder`, of a prepared database."""
    copy_database(database, folder / "site.sqlite")
    return make_app(folder / "site.sqlite", **config)


# The hidden input every form of the site's carries (one macro writes it).
TOKEN_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


def token_in(html: str | bytes) -> str:
    """The CSRF token of a page: a form's hidden input, or the body's htmx headers. Read
    from the text when a form carries it: parsing a whole page costs a test more than the
    page cost the site."""
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    found = TOKEN_INPUT.search(text)
    if found:
        return found.group(1)
    doc = parse(text)
    hidden = doc.find("input", name="csrf_token")
    if hidden is not None:
        return hidden.get("value")
    return json.loads(doc.find("body").get("data-hx-headers"))["X-CSRFToken"]


def csrf(client, url: str = SIGN_IN) -> str:
    """A CSRF token valid for `client`'s session, read from the page at `url`."""
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return token_in(response.data)


def account_form(client, url: str) -> dict[str, str]:
    """What each form of another's account page at `url` carries: a CSRF token and the
    account as the page showed it (`version`), without which a change is refused."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    version = parse(response.data).find("input", name="version")
    return {"csrf_token": token_in(response.data), "version": version.get("value")}


def sign_in(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    """Post the sign-in form as a browser would (token from the page); return the response."""
    data = {"csrf_token": csrf(client), "username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(SIGN_IN, data=data)


def signed_in(app, username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    """A new test client of `app`, from `address`, signed in as `username`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = sign_in(client, username, password)
    assert response.status_code == 303, response.text[:2000]
    return client


def form_controls(html: str | bytes, form_id: str) -> list[Element]:
    """The elements of form `form_id` in document order: those inside it that name no other
    form, and those elsewhere that name it in their `form` attribute."""
    doc = parse(html)
    form = doc.find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    return controls_of(doc, form)


def controls_of(doc: Element, form: Element) -> list[Element]:
    """The elements of `form`, a form of the parsed page `doc`, in document order: those
    inside it that name no other form, and (when it has an id) those elsewhere that name
    it in their `form` attribute."""
    form_id = form.get("id")
    inside = set(form.iter())
    return [
        element
        for element in doc.find_all()
        if (
            form_id is not None and element.get("form") == form_id
            if element.has_attr("form")
            else element in inside
        )
    ]


def form_fields(html: str | bytes, form_id: str) -> dict:
    """What the browser would submit from form `form_id`, without its submit buttons."""
    return fields_of(form_controls(html, form_id))


def fields_of(controls: list[Element]) -> dict:
    """What the browser would submit from a form's `controls`, without its submit buttons."""
    fields: dict[str, list[str]] = {}
    for element in controls:
        name = element.get("name")
        if not name or "disabled" in element.attrs:
            continue
        value = _value(element)
        if value is not None:
            fields.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return fields


def _value(element: Element) -> str | list[str] | None:
    if element.tag == "textarea":
        # HTML drops the newline straight after <textarea>; Python's parser keeps it.
        return element.get_text().removeprefix("\n")
    if element.tag == "select":
        options = element.find_all("option")
        chosen = [o for o in options if "selected" in o.attrs] or options[:1]
        return [o.get("value", o.text) for o in chosen]
    if element.tag != "input" or element.get("type") in ("submit", "button", "image", "reset"):
        return None
    if element.get("type") in ("checkbox", "radio"):
        return element.get("value", "on") if "checked" in element.attrs else None
    return element.get("value", "")


def error_summary(html: str | bytes) -> Element | None:
    """The page's error summary (announced with role=alert), if any."""
    return parse(html).find(class_="error-summary", role="alert")


def failure_said(html: str | bytes) -> str:
    """What a page says was not done (a message flashed as a failure), after checking it is
    shown as an error, not as a success notice, and that the title says so first."""
    doc = parse(html)
    assert doc.find(class_="notice--success") is None
    assert doc.find("title").text.startswith("错误：")
    summary = error_summary(html)
    assert summary is not None
    return summary.text


def record_attempt(username: str, address: str, outcome: str) -> None:
    """An earlier sign-in attempt with its outcome, as the limits count it (caller commits)."""
    attempt = SignInAttempt(username=username, address=address)
    db.session.add(attempt)
    throttle.settle(attempt, outcome)


def asked(client, response):
    """The question a response leads to (publishing a draft, saving a live item: a page of
    its own, reached by a redirect), or the response itself when it leads to none."""
    location = response.headers.get("Location", "")
    if response.status_code == 303 and ("/publish?" in location or "/changes?" in location):
        return client.get(location)
    return response


def answered(client, response, answer: str = "yes"):
    """Answer the question that comes before a change to what the public sees (publishing a
    draft, saving a live item, a public reply) as its button does, and return the answer's
    response; a response that asks nothing comes back as it is."""
    response = asked(client, response)
    form = (
        parse(response.data).find("form", id="confirm-form")
        if response.status_code == 200
        else None
    )
    if form is None:
        return response
    fields = form_fields(response.data, "confirm-form")
    if form.find("button", name="confirm", value=answer) is not None:
        fields["confirm"] = [answer]
    return client.post(form.get("action"), data=fields)


def client_from(app, address: str):
    """A test client (a browser) whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def at_once(calls: Mapping[K, Callable[[], T]]) -> dict[K, T]:
    """Each call run in a thread of its own, all started together; their results by key.
    What makes them overlap (a barrier where the code under test reads or looks) is the
    caller's."""
    results: dict[K, T] = {}

    def run(key: K) -> None:
        results[key] = calls[key]()

    threads = [threading.Thread(target=run, args=(key,)) for key in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def sign_ins_at_once(clients, username: str, password: str) -> list[int]:
    """Each client posts the sign-in form (with its own token) at the same moment; the
    status codes, in the clients' order."""
    tokens = [csrf(client) for client in clients]
    start = threading.Barrier(len(clients))

    def post(n: int) -> int:
        start.wait()
        data = {"csrf_token": tokens[n], "username": username, "password": password}
        return clients[n].post(SIGN_IN, data=data).status_code

    answers = at_once({n: partial(post, n) for n in range(len(clients))})
    return [answers[n] for n in range(len(clients))]
