"""A new item's form sent twice (a double click, Back and send again, a reload that posts
again): the item is created once, and the second answer goes on as the first did."""

import contextlib
import threading
from functools import partial

import pytest
from barrierfree.database import db
from barrierfree.staff.editing import editor
from barrierfree.staff.models import AuditEntry
from barrierfree.updates.models import Update
from sqlalchemy import func, select
from staff_helpers import at_once, copied_app, csrf, form_fields, prepared_database, signed_in

PUBLISHER = "li-publisher"
NOTICE = {
    "kind": "notice",
    "title": "2026年听力残疾人免费验配助听器开始报名",
    "summary": "持证听力残疾人可以免费验配助听器，6月30日前到区残联报名。",
    "body": "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """content/ loaded and a publisher's account, made once for the module."""
    return prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own."""
    return copied_app(prepared, tmp_path)


@pytest.fixture
def publisher(site):
    """A client signed in as a publisher."""
    return signed_in(site, PUBLISHER)


def updates(site) -> int:
    """How many updates there are."""
    with site.app_context():
        return db.session.scalar(select(func.count()).select_from(Update))


def new_form(client, prefix: str = "", **values) -> dict:
    """The new update's form filled in with NOTICE, and `values`."""
    fields = form_fields(client.get(f"{prefix}/staff/updates/new").data, "edit-form")
    fields |= {name: [value] for name, value in NOTICE.items()} | {"action": ["save"]}
    return fields | {name: [value] for name, value in values.items()}


@pytest.mark.parametrize("slug", ["2026-hearing-aids", ""], ids=["named", "unnamed"])
def test_a_new_items_form_sent_twice_creates_it_once(site, publisher, slug):
    fields = new_form(publisher, slug=slug)
    before = updates(site)

    first = publisher.post("/staff/updates/new", data=fields)
    again = publisher.post("/staff/updates/new", data=fields)

    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert updates(site) == before + 1
    assert "已经新建过了" in publisher.get(again.headers["Location"]).text
    with site.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "create")
            )
            == 1
        )


@pytest.mark.parametrize("slug", ["2026-hearing-aids", ""], ids=["named", "unnamed"])
def test_a_new_items_form_sent_twice_at_the_same_moment_creates_it_once(
    site, publisher, slug, monkeypatch
):
    """Both posts of a double click arrive before either has made the item. The first to
    look for an earlier creation waits a moment for the other to look too: were the look
    and the adding not held one after the other, both would find nothing and each make an
    item (named, the second would be refused its address). Held, the other cannot look
    until the first is made, and then answers as a double click does."""
    form, fields = "/staff/updates/new", new_form(publisher, slug=slug)
    before = updates(site)
    # Two sessions of the account, so that each answer's message is kept to be read; the
    # same form, but for each session's own form token.
    second = signed_in(site, PUBLISHER)
    clicks = [publisher, second]
    sent = {publisher: fields, second: fields | {"csrf_token": [csrf(second, form)]}}
    together = threading.Barrier(2)
    read, created_just_now = editor.read, editor._created_just_now

    def read_by_both(*args):
        together.wait(10)
        return read(*args)

    def looked_at_by_both(*args):
        found = created_just_now(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(0.2)
        return found

    monkeypatch.setattr(editor, "read", read_by_both)
    monkeypatch.setattr(editor, "_created_just_now", looked_at_by_both)
    answers = at_once({client: partial(client.post, form, data=sent[client]) for client in clicks})
    monkeypatch.undo()

    assert [answers[c].status_code for c in clicks] == [303, 303]
    [url] = {answers[c].headers["Location"] for c in clicks}
    pages = [c.get(url).text for c in clicks]
    assert sorted("已经新建过了" in page for page in pages) == [False, True]
    assert updates(site) == before + 1


def test_publishing_sent_twice_asks_once_about_the_one_item(site, publisher):
    fields = new_form(publisher, prefix="/en", slug="", action="publish")
    before = updates(site)
    first = publisher.post("/en/staff/updates/new", data=fields)
    again = publisher.post("/en/staff/updates/new", data=fields)
    assert "/publish?" in first.headers["Location"]
    assert again.headers["Location"] == first.headers["Location"]
    assert updates(site) == before + 1
    assert "already created" in publisher.get(again.headers["Location"]).text


def test_a_second_item_with_other_text_is_created(site, publisher):
    before = updates(site)
    publisher.post("/staff/updates/new", data=new_form(publisher, slug=""))
    other = new_form(publisher, slug="", title="2027年听力残疾人免费验配助听器开始报名")
    assert publisher.post("/staff/updates/new", data=other).status_code == 303
    assert updates(site) == before + 2


def test_the_same_text_again_after_a_change_to_the_first_is_a_new_item(site, publisher):
    """Once the first item has moved on (saved, published), the same text sent again is
    not that item's form coming back: it makes an item of its own."""
    before = updates(site)
    first = publisher.post("/staff/updates/new", data=new_form(publisher, slug=""))
    url = first.headers["Location"]
    changed = form_fields(publisher.get(url).data, "edit-form") | {"summary": ["新的简介。"]}
    assert publisher.post(url, data=changed).status_code == 303
    again = publisher.post("/staff/updates/new", data=new_form(publisher, slug=""))
    assert again.status_code == 303 and again.headers["Location"] != url
    assert updates(site) == before + 2
