"""The back office's preview: the public page of an item as residents will see it, in a frame
that says it is not public, from the saved draft or from changes not saved yet; and the way
from 保存并预览 on a published item through its preview to the question before publishing."""

from pathlib import Path

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import DRAFT, PUBLISHED, db
from barrierfree.facilities.models import Facility
from barrierfree.plan.models import Indicator
from barrierfree.services.models import Service
from barrierfree.site_search.sync import SearchChange
from barrierfree.staff.editing import editor
from barrierfree.staff.models import Autosave, Revision
from conftest import parse, text_leaving_out
from sqlalchemy import func, select, update
from staff_helpers import (
    answered,
    copied_app,
    form_fields,
    prepared_database,
    signed_in,
)

PUBLISHER, EDITOR = "preview-publisher", "preview-editor"
PLACE = "child-rehabilitation-centre"
# One published item of each kind whose public page shows more than its own fields.
PUBLISHED_ITEMS = [
    ("facilities", Facility, PLACE),
    ("services", Service, "assistive-devices"),
    ("contacts", ContactChannel, "hotline-12385"),
]
NEW_SUMMARY = "预览里的新简介：康复训练改在二楼。"
NEW_HOURS = "mon,tue,wed,thu,fri 08:00-11:30; mon,tue,wed,thu,fri 14:00-17:15"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content/ and the demo pack loaded and two accounts, made once."""
    return prepared_database(
        tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher", EDITOR: "editor"}
    )


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own on a copy of the prepared database."""
    return copied_app(prepared, tmp_path)


@pytest.fixture
def publisher(site):
    """A client signed in as a publisher."""
    return signed_in(site, PUBLISHER)


def row_of(app, model, **where):
    """One row, read in a fresh app context."""
    with app.app_context():
        row = db.session.scalar(select(model).filter_by(**where))
        db.session.expunge_all()
        return row


def counts(app) -> tuple[int, int, int]:
    """How many revisions, search outbox entries and autosaves the database holds."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Revision, SearchChange, Autosave)
        )


def text_without_banner(html: bytes) -> str:
    """The text of the main content of a page, leaving out the preview's banner."""
    main = parse(html).find("main")
    banner = main.find(id="preview-banner")
    return " ".join(text_leaving_out(main, lambda inner: inner is banner).split())


def edit_form(client, url: str) -> dict:
    """What the edit form at `url` posts."""
    return form_fields(client.get(url).data, "edit-form")


def preview_changes(client, url: str, **changes):
    """Post the edit form at `url` with `changes`, pressing its preview button."""
    fields = edit_form(client, url)
    fields.update({name: [value] for name, value in changes.items()})
    return client.post(url, data={**fields, "action": "preview"})


@pytest.mark.parametrize(("kind", "model", "slug"), PUBLISHED_ITEMS)
def test_the_preview_of_a_published_item_is_its_public_page(site, publisher, kind, model, slug):
    row = row_of(site, model, slug=slug)
    preview = publisher.get(f"/staff/{kind}/{row.id}/preview")
    assert preview.status_code == 200
    public = site.test_client().get(row_public_path(kind, slug))
    assert public.status_code == 200
    # The same page, word for word, in the same layout: only the banner is added.
    assert text_without_banner(preview.data) == text_without_banner(public.data)
    doc = parse(preview.data)
    assert doc.find("title").text.startswith("预览：")
    assert doc.find("dialog", id="session-warning") is not None


def row_public_path(kind: str, slug: str) -> str:
    """The public page of an item of these kinds."""
    return f"/{kind}/{slug}"


def test_a_place_s_preview_shows_its_opening_hours_table_and_features(site, publisher):
    row = row_of(site, Facility, slug=PLACE)
    doc = parse(publisher.get(f"/staff/facilities/{row.id}/preview").data)
    main = doc.find("main")
    assert main.find("table") is not None  # the week's opening hours
    assert "每周开放时间" in main.find("table").text
    assert (
        doc.find("h1").text
        == parse(site.test_client().get(f"/facilities/{PLACE}").data).find("h1").text
    )
    # Not the editor's list of fields.
    assert "纬度" not in main.text and "网址名" not in main.text


def test_the_banner_is_a_named_region_first_in_the_main_content(site, publisher):
    row = row_of(site, Facility, slug=PLACE)
    doc = parse(publisher.get(f"/staff/facilities/{row.id}/preview").data)
    banner = doc.find(id="preview-banner")
    assert banner.get("role") == "region"
    label = doc.find(id=banner.get("aria-labelledby"))
    assert label is not None and label.text.startswith("预览：")
    assert banner.get("tabindex") == "-1"  # site.js takes focus there (data-flash)
    assert "data-flash" in banner.attrs
    # Before the page's heading: it is read first.
    in_order = doc.find("main").find_all()
    assert in_order.index(banner) < in_order.index(doc.find("h1"))
    assert len(doc.find_all("h1")) == 1
    assert "通往公开网站" in banner.text
    assert f"/staff/facilities/{row.id}" in banner.hrefs


def test_a_published_item_s_changes_are_previewed_before_anything_is_saved(site, publisher):
    row = row_of(site, Facility, slug=PLACE)
    url = f"/staff/facilities/{row.id}"
    before = counts(site)
    response = preview_changes(publisher, url, summary=NEW_SUMMARY, hours=NEW_HOURS)
    # Not the question "公开这些修改？": the preview comes first.
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}/preview?from=autosave"
    preview = publisher.get(response.headers["Location"])
    assert preview.status_code == 200
    doc = parse(preview.data)
    assert NEW_SUMMARY in doc.find("main").text
    hours = doc.find("main").find("table").text
    assert "17:15" in hours
    assert doc.find(id="preview-banner-title").text == "预览：这些修改还没有公开"

    # Nothing is public, nothing saved: the item, its revisions, the search outbox.
    after = row_of(site, Facility, slug=PLACE)
    assert (after.version, after.summary, after.hours) == (row.version, row.summary, row.hours)
    revisions, outbox, autosaves = counts(site)
    assert (revisions, outbox) == before[:2]
    assert autosaves == before[2] + 1  # the text waits, as for the question
    public = site.test_client().get(f"/facilities/{PLACE}")
    assert NEW_SUMMARY not in parse(public.data).find("main").text

    # The question comes after the preview, and offers the preview again.
    [question_link] = [
        a for a in doc.find(id="preview-banner").find_all("a") if "/changes" in a["href"]
    ]
    question = publisher.get(question_link["href"])
    assert question.status_code == 200
    form = parse(question.data).find("form", id="confirm-form")
    assert form.find("button", name="confirm", value="preview") is not None
    again = publisher.post(
        form["action"], data={**form_fields(question.data, "confirm-form"), "confirm": "preview"}
    )
    assert again.headers["Location"] == f"{url}/preview?from=autosave"
    assert row_of(site, Facility, slug=PLACE).version == row.version

    # Only the answer publishes.
    published = answered(publisher, question)
    assert published.status_code == 303
    assert row_of(site, Facility, slug=PLACE).summary == NEW_SUMMARY
    public = site.test_client().get(f"/facilities/{PLACE}")
    assert NEW_SUMMARY in parse(public.data).find("main").text


def test_back_from_the_preview_the_form_has_the_text(site, publisher):
    row = row_of(site, Facility, slug=PLACE)
    url = f"/staff/facilities/{row.id}"
    response = preview_changes(publisher, url, summary=NEW_SUMMARY)
    doc = parse(publisher.get(response.headers["Location"]).data)
    [back] = [a for a in doc.find(id="preview-banner").find_all("a") if a.text == "返回修改"]
    assert edit_form(publisher, back["href"])["summary"] == [NEW_SUMMARY]


def test_a_preview_that_writes_is_stopped(site, publisher):
    row = row_of(site, Service, slug="assistive-devices")
    with site.test_request_context():
        db.session.info[editor.PREVIEWING] = True
        try:
            service = db.session.get(Service, row.id)
            service.summary = "写进数据库的预览"
            with pytest.raises(RuntimeError):
                db.session.commit()
        finally:
            db.session.rollback()
            db.session.info.pop(editor.PREVIEWING, None)
    assert row_of(site, Service, slug="assistive-devices").summary == row.summary


def test_a_form_with_an_autosave_on_offer_previews_the_posted_text_and_keeps_the_other(
    site, publisher
):
    row = row_of(site, ContactChannel, slug="hotline-12385")
    url = f"/staff/contacts/{row.id}"
    with site.app_context():
        db.session.add(
            Autosave(user_id=user_id(site), kind="contacts", key=str(row.id),
                     data={"summary": "另一份自动保存"}, base_version=row.version)
        )  # fmt: skip
        db.session.commit()
    fields = edit_form(publisher, url)
    assert fields.get("autosave_on_offer") == ["1"]
    fields["summary"] = [NEW_SUMMARY]
    preview = publisher.post(url, data={**fields, "action": "preview"})
    assert preview.status_code == 200
    doc = parse(preview.data)
    assert NEW_SUMMARY in doc.find("main").text
    with site.app_context():
        kept = db.session.scalar(select(Autosave).where(Autosave.key == str(row.id)))
        assert kept.data == {"summary": "另一份自动保存"}
    assert row_of(site, ContactChannel, slug="hotline-12385").summary == row.summary
    # The preview carries the text on to the question, which asks before saving.
    carried = form_fields(preview.data, "preview-form")
    assert carried["summary"] == [NEW_SUMMARY]
    question = publisher.post(url, data={**carried, "action": "save"})
    assert question.status_code == 200
    assert parse(question.data).find("form", id="confirm-form") is not None
    assert row_of(site, ContactChannel, slug="hotline-12385").summary == row.summary


def user_id(app) -> int:
    """The publisher's account id."""
    from barrierfree.staff.models import StaffUser

    with app.app_context():
        return db.session.scalar(select(StaffUser.id).where(StaffUser.username == PUBLISHER))


def test_a_draft_is_saved_and_previewed_as_its_public_page_and_stays_unpublished(site, publisher):
    row = row_of(site, ContactChannel, slug="hotline-12385")
    with site.app_context():
        db.session.execute(
            update(ContactChannel).where(ContactChannel.id == row.id).values(status=DRAFT)
        )
        db.session.commit()
    url = f"/staff/contacts/{row.id}"
    response = preview_changes(publisher, url, summary=NEW_SUMMARY)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}/preview"
    saved = row_of(site, ContactChannel, slug="hotline-12385")
    assert (saved.summary, saved.status) == (NEW_SUMMARY, DRAFT)
    doc = parse(publisher.get(response.headers["Location"]).data)
    assert NEW_SUMMARY in doc.find("main").text
    assert doc.find(id="preview-banner-title").text == "预览：这条内容还没有公开"
    assert doc.find("main").find(class_="notice--success").text == "已保存草稿。"
    # A publisher may go on to the question before publishing it.
    [publish] = [href for href in doc.find(id="preview-banner").hrefs if "/publish" in href]
    assert publish == f"{url}/publish?version={saved.version}"
    assert site.test_client().get("/contacts/hotline-12385").status_code == 404
    assert row_of(site, ContactChannel, slug="hotline-12385").status != PUBLISHED


def test_the_english_preview_is_the_english_public_page(site, publisher):
    row = row_of(site, Facility, slug=PLACE)
    preview = publisher.get(f"/en/staff/facilities/{row.id}/preview")
    doc = parse(preview.data)
    assert doc.find("html")["lang"] == "en"
    public = site.test_client().get(f"/en/facilities/{PLACE}")
    assert text_without_banner(preview.data) == text_without_banner(public.data)
    banner = doc.find(id="preview-banner")
    assert doc.find(id="preview-banner-title").text.startswith("Preview:")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in banner.text)
    assert doc.find("title").text.startswith("Preview: ")


def test_the_english_preview_of_changes(site, publisher):
    row = row_of(site, Service, slug="assistive-devices")
    url = f"/en/staff/services/{row.id}"
    response = preview_changes(publisher, url, summary_en="A new summary, not public yet.")
    assert response.headers["Location"] == f"{url}/preview?from=autosave"
    doc = parse(publisher.get(response.headers["Location"]).data)
    assert "A new summary, not public yet." in doc.find("main").text
    banner = doc.find(id="preview-banner")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in banner.text)
    assert row_of(site, Service, slug="assistive-devices").summary_en == row.summary_en


def test_an_indicator_s_preview_lists_its_fields_in_the_frame(site, publisher):
    with site.app_context():
        id_ = db.session.scalar(select(Indicator.id).limit(1))
    doc = parse(publisher.get(f"/staff/indicators/{id_}/preview").data)
    assert doc.find(id="preview-banner") is not None
    assert doc.find("dl", class_="summary-list") is not None
    assert doc.find("title").text.startswith("预览：")
