"""The page after a submission: the reference and the private status link stay in this
browser through 大字版, 高对比度, English and a reload, for an hour at most, until the
resident removes them, in a signed cookie of their own the browser drops after the hour
(not the session's); the page is never stored, indexed or named in a Referer."""

import re

import pytest
from barrierfree.database import db
from barrierfree.feedback import operations, views
from barrierfree.feedback.models import FeedbackItem
from barrierfree.feedback.queries import token_hash
from conftest import parse
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from staff_helpers import csrf

ASK = "/feedback/ask"
QUESTION = "助听器坏了，去哪里修？"
STATUS_LINK = re.compile(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}")


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


def ask(client, prefix: str = "", body: str = QUESTION):
    """Ask a question as a browser would; the response to the POST (a redirect)."""
    data = {"csrf_token": csrf(client, prefix + ASK), "reply_by": "site",
            "topic": "rehabilitation", "body": body}  # fmt: skip
    response = client.post(prefix + ASK, data=data)
    assert response.status_code == 303, response.text[:2000]
    return response


def link_on(page) -> str | None:
    """The status link the page shows, or None."""
    found = STATUS_LINK.search(page.text)
    return found.group() if found else None


def private(page) -> bool:
    return (
        page.headers["Cache-Control"] == "private, no-store"
        and page.headers["Referrer-Policy"] == "no-referrer"
        and page.headers["X-Robots-Tag"].startswith("noindex")
    )


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_link_survives_a_reload(client, prefix):
    client.get(ask(client, prefix).headers["Location"])
    again = client.get(prefix + "/feedback/sent")
    assert again.status_code == 200 and private(again)
    assert link_on(again) is not None and link_on(again).startswith(prefix + "/feedback/")


@pytest.mark.parametrize("mode", ["large", "contrast"])
def test_the_link_survives_the_display_toggle_without_javascript(client, mode):
    first = client.get(ask(client).headers["Location"])
    toggled = client.post("/display", data={mode: "1", "next": "/feedback/sent"})
    assert toggled.status_code == 303 and toggled.headers["Location"] == "/feedback/sent"
    page = client.get("/feedback/sent")
    assert link_on(page) == link_on(first) is not None
    assert mode in parse(page.data).find("html")["class"].split()
    assert private(page)


def test_the_link_survives_the_language_switch(client):
    first = client.get(ask(client).headers["Location"])
    english = client.get("/en/feedback/sent")
    assert english.status_code == 200 and private(english)
    assert link_on(english).rsplit("/", 1)[1] == link_on(first).rsplit("/", 1)[1]
    doc = parse(english.data)
    assert doc.find("html")["lang"] == "en" and "60 minutes" in doc.find("main").text


def test_the_page_says_how_long_it_is_kept_and_offers_to_remove_it(client):
    doc = parse(client.get(ask(client).headers["Location"]).data)
    main = doc.find("main")
    assert "保留 60 分钟" in main.text and "关闭浏览器不会提前删除" in main.text
    form = main.find("form", action="/feedback/sent")
    assert form["method"] == "post" and form.find("input", name="csrf_token")
    assert "不再显示" in form.find("button").text


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_removing_it_takes_it_out_of_this_browser(client, prefix):
    page = client.get(ask(client, prefix).headers["Location"])
    token = parse(page.data).find("main").find("input", name="csrf_token")["value"]
    removed = client.post(prefix + "/feedback/sent", data={"csrf_token": token})
    assert removed.status_code == 303 and private(removed)
    assert removed.headers["Location"] == prefix + "/feedback/sent"
    after = client.get(prefix + "/feedback/sent")
    assert link_on(after) is None and private(after)
    assert parse(after.data).find(data_flash=True) is not None  # said, once
    assert parse(client.get(prefix + "/feedback/sent").data).find(data_flash=True) is None


def test_removing_needs_the_pages_token(client):
    client.get(ask(client).headers["Location"])
    assert client.post("/feedback/sent").status_code == 303  # refused: back to the page
    assert link_on(client.get("/feedback/sent")) is not None  # still there


def test_after_an_hour_it_is_gone(client, monkeypatch):
    first = client.get(ask(client).headers["Location"])
    assert link_on(first) is not None
    now = views.time.time()
    monkeypatch.setattr(views.time, "time", lambda: now + views.RECEIPT_SECONDS + 1)
    page = client.get("/feedback/sent")
    assert link_on(page) is None and "提交结果" in parse(page.data).find("h1").text
    assert receipt_cookie(client) is None  # and the browser told to drop it


def test_it_is_never_in_the_sessions_of_other_browsers(loaded_app, client):
    client.get(ask(client).headers["Location"])
    other = loaded_app.test_client()
    assert link_on(other.get("/feedback/sent")) is None


def test_the_link_is_put_in_no_other_address(client):
    page = client.get(ask(client).headers["Location"])
    token = link_on(page).rsplit("/", 1)[1]
    doc = parse(page.data)
    addresses = [tag.get("href") or tag.get("action") or tag.get("value") or "" for tag in
                 doc.find_all(["a", "link", "form", "input"])]  # fmt: skip
    holding = [address for address in addresses if token in address]
    assert holding == ["http://localhost" + link_on(page)]  # the link itself, and only that


def receipt_cookie(client, path: str = "/feedback/sent"):
    """The receipt cookie the browser holds for `path`, or None."""
    return client.get_cookie(views.RECEIPT_COOKIE, path=path)


def receipt_headers(response) -> list[str]:
    """The Set-Cookie headers of the receipt cookie in `response`."""
    return [h for h in response.headers.getlist("Set-Cookie")
            if h.startswith(views.RECEIPT_COOKIE + "=")]  # fmt: skip


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_receipt_is_a_cookie_the_browser_drops_after_the_hour(client, scheme):
    """Not in the session cookie, which is only signed, has no end of its own and goes
    with every request: the status link stayed in it long after the hour."""
    data = {"csrf_token": csrf(client, ASK), "reply_by": "site", "topic": "other",
            "body": QUESTION}  # fmt: skip
    sent = client.post(ASK, data=data, base_url=f"{scheme}://localhost")
    assert sent.status_code == 303
    headers = receipt_headers(sent)
    assert sorted(h.split("Path=")[1].split(";")[0] for h in headers) == [
        "/en/feedback/sent",
        "/feedback/sent",
    ]
    for header in headers:
        assert "Max-Age=3600" in header and "HttpOnly" in header and "SameSite=Lax" in header
        assert ("Secure" in header) == (scheme == "https")
    with client.session_transaction() as session:
        assert all(views.OLD_SESSION_KEY not in key for key in session)
        token = link_on(client.get("/feedback/sent", base_url=f"{scheme}://localhost"))
        assert token is not None and token.rsplit("/", 1)[1] not in str(dict(session))


def test_removing_it_tells_the_browser_to_drop_both_cookies(client):
    page = client.get(ask(client).headers["Location"])
    token = parse(page.data).find("main").find("input", name="csrf_token")["value"]
    removed = client.post("/feedback/sent", data={"csrf_token": token})
    headers = receipt_headers(removed)
    assert len(headers) == 2 and all("Max-Age=0" in h or "Expires=Thu, 01 Jan 1970" in h
                                     for h in headers)  # fmt: skip
    assert receipt_cookie(client) is None and receipt_cookie(client, "/en/feedback/sent") is None


@pytest.mark.parametrize(
    "value",
    [
        "garbled",
        "eyJyZWZlcmVuY2UiOiJDUC0yMDI2LTAwMDAwMSJ9.bad-signature",
        URLSafeSerializer("another key", salt=views.RECEIPT_SALT).dumps(
            {"reference": "CP-2026-000001", "token": "x" * 43, "until": 2**40}
        ),
        "",
    ],
)
def test_a_changed_or_garbled_receipt_is_ignored(loaded_app, value):
    client = loaded_app.test_client()
    client.set_cookie(views.RECEIPT_COOKIE, value, path="/feedback/sent")
    page = client.get("/feedback/sent")
    assert page.status_code == 200 and link_on(page) is None and "CP-2026" not in page.text


def test_a_receipt_signed_for_another_use_or_past_its_hour_is_ignored(loaded_app):
    """The salt: a value the site signs for something else is no receipt; `until`: a browser
    that kept the cookie past its Max-Age is shown nothing."""
    client = loaded_app.test_client()
    receipt = {"reference": "CP-2026-000001", "token": "y" * 43}
    for salt, until in (("another-use", 2**40), (views.RECEIPT_SALT, 1), (views.RECEIPT_SALT, "x")):
        value = URLSafeSerializer(loaded_app.secret_key, salt=salt).dumps(
            {**receipt, "until": until}
        )
        client.set_cookie(views.RECEIPT_COOKIE, value, path="/feedback/sent")
        page = client.get("/feedback/sent")
        assert page.status_code == 200 and link_on(page) is None


def test_the_page_cache_never_keeps_the_sent_page_and_other_pages_ignore_the_receipt(
    loaded_app, client
):
    """The sent page is private, so never stored or sent from the cache; the cookie is sent
    to the sent page alone, so a browser holding it (and no session) gets the same cached
    pages as anyone."""
    loaded_app.config["PAGE_CACHE"] = True
    client.get(ask(client).headers["Location"])
    value = receipt_cookie(client).value
    holder = loaded_app.test_client()  # the receipt, and no session cookie
    holder.set_cookie(views.RECEIPT_COOKIE, value, path="/feedback/sent")
    anyone = loaded_app.test_client()
    anyone.get("/plan/")
    assert holder.get("/plan/").headers.get("X-Page-Cache") == "hit"
    for _ in range(2):
        for browser in (holder, anyone):
            sent = browser.get("/feedback/sent")
            assert sent.headers.get("X-Page-Cache") != "hit" and private(sent)
            assert (link_on(sent) is not None) == (browser is holder)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_reference_stays_on_one_line_and_the_link_wraps_between_groups(client, prefix):
    """At 320 px in large text the reference broke as "CP- / 2026-000003"; the link may
    wrap, after a "/" or between groups of four of its token's symbols, and reads and
    copies as one."""
    page = client.get(ask(client, prefix).headers["Location"])
    doc = parse(page.data)
    (reference,) = doc.find_all("span", class_="reference")
    assert re.fullmatch(r"CP-\d{4}-\d{6}", reference.text)
    shown = doc.find("p", class_="status-link")
    assert shown.text.endswith(link_on(page)) and shown.find("wbr") is not None
    token = link_on(page).rsplit("/", 1)[1]
    groups = str(shown).split("status/<wbr/>")[1].removesuffix("</p>").split("<wbr/>")
    assert "".join(groups) == token and {len(group) for group in groups[:-1]} == {4}


def test_a_new_status_token_has_no_look_alike_characters(client):
    """Residents write the link down: no l or 1, no o or 0, no capitals (I, O); as many
    bits as before or more."""
    tokens = {link_on(client.get(ask(client).headers["Location"])).rsplit("/", 1)[1]
              for _ in range(3)}  # fmt: skip
    for token in tokens:
        assert re.fullmatch(r"[2-9a-km-np-z]{52}", token), token
    assert len(tokens) == 3
    symbols, length = operations.STATUS_TOKEN_ALPHABET, operations.STATUS_TOKEN_LENGTH
    assert len(set(symbols)) == 32 and length * 5 >= 32 * 8  # before: token_urlsafe(32)


def test_a_status_link_made_before_still_opens_its_item(loaded_app, client):
    new = link_on(client.get(ask(client).headers["Location"]))
    old = "Il0O-_" + "x" * 37  # token_urlsafe(32): 43 of A-Z, a-z, 0-9, "-" and "_"
    with loaded_app.app_context():
        item = db.session.scalars(select(FeedbackItem).order_by(FeedbackItem.id.desc())).first()
        item.token_hash, reference = token_hash(old), item.reference
        db.session.commit()
    page = client.get(f"/feedback/status/{old}")
    assert page.status_code == 200 and reference in page.text
    assert client.get(new).status_code == 404
