"""A new item's form sent twice (a double click, Back and send again, a reload that posts
again): the item is created once, and the second answer goes on as the first did."""

import pytest
from barrierfree.database import db
from barrierfree.staff.models import AuditEntry
from barrierfree.updates.models import Update
from sqlalchemy import func, select
from staff_helpers import copied_app, form_fields, prepared_database, signed_in

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
