"""The page after a submission: the reference and the private status link stay in this
browser through 大字版, 高对比度, English and a reload, for an hour at most, until the
resident removes them; the page is never stored, indexed or named in a Referer."""

import re

import pytest
from barrierfree.feedback import views
from conftest import parse
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
    assert "保留 60 分钟" in main.text and "关闭浏览器" in main.text
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
    with client.session_transaction() as session:
        assert views.SENT not in session  # and no longer kept in the cookie


def test_it_is_never_in_the_sessions_of_other_browsers(loaded_app, client):
    client.get(ask(client).headers["Location"])
    other = loaded_app.test_client()
    assert link_on(other.get("/feedback/sent")) is None


def test_a_duplicate_keeps_its_reference_the_same_way(client):
    client.get(ask(client).headers["Location"])
    duplicate = client.get(ask(client).headers["Location"])
    assert "没有重复保存" in duplicate.text and link_on(duplicate) is None
    again = client.get("/feedback/sent")
    assert "没有重复保存" in again.text and "保留 60 分钟" in again.text


def test_the_link_is_put_in_no_other_address(client):
    page = client.get(ask(client).headers["Location"])
    token = link_on(page).rsplit("/", 1)[1]
    doc = parse(page.data)
    addresses = [tag.get("href") or tag.get("action") or tag.get("value") or "" for tag in
                 doc.find_all(["a", "link", "form", "input"])]  # fmt: skip
    holding = [address for address in addresses if token in address]
    assert holding == ["http://localhost" + link_on(page)]  # the link itself, and only that
