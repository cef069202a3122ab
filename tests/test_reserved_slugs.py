"""A new item's slug is none of the words its kind's addresses already use: an update called
feeds would be sent to /updates/feeds/, the feeds' page. The words are read from the site's
routes, and refused in the editor and in the spreadsheet import alike."""

import csv
import io

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import db
from barrierfree.kinds import reserved_slugs, slug_problems
from barrierfree.services.spec import SERVICES
from barrierfree.staff.bulk.files import export
from barrierfree.staff.bulk.importing import read
from barrierfree.staff.editing.forms import EDITABLE
from barrierfree.updates.models import Update
from barrierfree.updates.spec import UPDATES
from conftest import parse
from sqlalchemy import func, select
from staff_helpers import error_summary, form_fields, make_staff, signed_in

NOTICE = {
    "kind": "notice",
    "title": "订阅说明",
    "summary": "怎样订阅通知公告。",
    "body": "## 订阅\n\n在通知公告页面选择订阅。\n",
}


def test_each_kind_reserves_the_words_its_addresses_begin_with(app):
    with app.app_context():
        assert reserved_slugs(UPDATES) == {
            "feeds": "/updates/feeds",
            "feed.atom": "/updates/feed.atom",
        }
        assert reserved_slugs(SERVICES) == {"categories": "/services/categories"}
        assert reserved_slugs(EDITABLE["contacts"]) == {}
        # A kind without a page of its own by slug reserves nothing.
        assert reserved_slugs(EDITABLE["indicators"]) == {}


def test_a_reserved_word_is_refused_for_a_new_item_only(app):
    with app.test_request_context():
        [problem] = slug_problems("feeds", UPDATES)
        assert problem.field == "slug"
        assert "“feeds”" in problem.message and "/updates/feeds" in problem.message
        assert slug_problems("feeds") == []  # the spelling alone is fine
        assert slug_problems("feeds-2026", UPDATES) == []
        record = {"slug": "feeds", **NOTICE}
        assert [p.field for p in UPDATES.problems(record)] == ["slug"]
        assert UPDATES.problems(record, new=False) == []


@pytest.fixture
def publisher(loaded_app):
    make_staff(loaded_app, "li-publisher", "publisher")
    return signed_in(loaded_app, "li-publisher")


@pytest.mark.parametrize(("kind", "word"), [("updates", "feeds"), ("services", "categories")])
def test_the_editor_refuses_a_reserved_slug_at_its_field(loaded_app, publisher, kind, word):
    model = EDITABLE[kind].model
    with loaded_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(model))
    fields = form_fields(publisher.get(f"/staff/{kind}/new").data, "edit-form")
    response = publisher.post(f"/staff/{kind}/new", data={**fields, "slug": word})
    assert response.status_code == 400
    links = {a.get("href"): a.text for a in error_summary(response.data).find_all("a")}
    assert f"网址名不能用“{word}”" in links["#field-slug"]
    with loaded_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(model)) == before


def test_an_update_with_a_free_slug_is_still_created(loaded_app, publisher):
    fields = form_fields(publisher.get("/staff/updates/new").data, "edit-form")
    response = publisher.post("/staff/updates/new", data={**fields, **NOTICE, "slug": "feeds-help"})
    assert response.status_code == 303
    with loaded_app.app_context():
        assert db.session.scalar(select(Update.title).where(Update.slug == "feeds-help"))


def test_a_route_added_later_is_reserved_in_the_spreadsheet_too(loaded_app):
    # No list to keep: a page the site gains under /contacts/ takes its word at once.
    loaded_app.add_url_rule("/contacts/print/", "contacts_print", lambda: "")
    with loaded_app.test_request_context():
        body, _mimetype, _filename = export("contacts", "csv")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        keys = [heading.split()[-1] for heading in rows[0]]
        new = dict(zip(keys, rows[1], strict=True)) | {"slug": "print", "version": ""}
        rows.append([new[key] for key in keys])
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        plan = read("contacts", "contacts.csv", out.getvalue().encode("utf-8-sig"))
        [error] = plan.errors
        assert error.row == len(rows) and error.column.endswith(" slug")
        assert "网址名不能用“print”" in error.message and "/contacts/print" in error.message
        made = select(ContactChannel).where(ContactChannel.slug == "print")
        assert db.session.scalar(made) is None


def test_the_english_message_names_the_word(loaded_app, publisher):
    fields = form_fields(publisher.get("/en/staff/updates/new").data, "edit-form")
    response = publisher.post("/en/staff/updates/new", data={**fields, "slug": "feeds"})
    assert response.status_code == 400
    text = parse(response.data).text
    assert "“feeds”" in text and "/updates/feeds" in text
