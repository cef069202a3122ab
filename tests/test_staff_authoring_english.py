"""The authoring checks on English text: the English site shows each English field that is
filled in (`i18n.localized`), with or without an English title, so every one of them must
pass the checks before it is published, and an item with no English at all still publishes.
"""

import pytest
from barrierfree.database import db
from barrierfree.staff.editing import editor, forms
from barrierfree.staff.models import MediaFile
from barrierfree.updates.models import Update
from conftest import make_app, parse
from sqlalchemy import select
from staff_helpers import (
    answered,
    copied_app,
    error_summary,
    form_fields,
    prepared_database,
    signed_in,
)

PUBLISHER = "li-publisher"
PHOTO = "fedcba9876543210fedcba9876543210.png"  # kept in the media library (`prepared`)

WATER_CUT = {
    "slug": "2026-water-cut",
    "kind": "notice",
    "title": "停水通知二",
    "summary": "本周六上午停水。",
    "body": "## 停水时间\n\n本周六上午 8 点到 12 点停水。",
    "title_en": "",
    "summary_en": "",
}
# An image never uploaded, with no alt text; an h4 first; a link that says nothing (the
# table has its header row, so it passes).
BAD_ENGLISH = (
    "Water cut.\n\n![](/media/0123456789abcdef0123456789abcdef.png)\n\n#### Deep heading\n\n"
    "[click here](/updates/)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
)
GOOD_ENGLISH = (
    "## When\n\nNo water on Saturday from 8 to 12 in the morning.\n\n"
    f"![A closed water tap](/media/{PHOTO})\n\n[All notices](/updates/)"
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A database with content/ loaded, a publisher's account and PHOTO in the media
    library, made once and copied for every test."""
    database = prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})
    with make_app(database).app_context():
        db.session.add(
            MediaFile(
                name=PHOTO, original_name="tap.png", mimetype="image/png", size=1, uploaded_by="t"
            )
        )
        db.session.commit()
        db.engine.dispose()
    return database


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own on a copy of the prepared database."""
    return copied_app(prepared, tmp_path)


@pytest.fixture
def publisher(site):
    """A client signed in with the publisher role."""
    return signed_in(site, PUBLISHER)


def post_new_update(client, **values):
    """Post the new-update form with 保存并发布; the response, not followed."""
    fields = form_fields(client.get("/staff/updates/new").data, "edit-form")
    fields.update({name: [value] for name, value in {**values, "action": "publish"}.items()})
    return client.post("/staff/updates/new", data=fields)


def publish_new_update(client, **values):
    """Post the new-update form with 保存并发布 and answer yes to the question that follows;
    the response to the post when it asks nothing (refused), else to the answer."""
    return answered(client, post_new_update(client, **values))


def status_of(app, slug: str) -> str | None:
    """The status of the update with `slug`, or None when there is none."""
    with app.app_context():
        return db.session.scalar(select(Update.status).where(Update.slug == slug))


# --- Through the editor ----------------------------------------------------------------------


def test_an_english_body_without_an_english_title_is_checked_before_publishing(site, publisher):
    response = publish_new_update(publisher, **WATER_CUT, body_en=BAD_ENGLISH)
    assert response.status_code == 400
    summary = error_summary(response.data)
    assert summary is not None
    said = {link.get("href"): link.text for link in summary.find_all("a")}
    assert set(said) == {"#field-body_en"}, said
    assert len(summary.find_all("li")) == 3  # the image, the heading and the link
    assert status_of(site, WATER_CUT["slug"]) != "published"


def test_an_update_with_no_english_at_all_still_publishes(site, publisher):
    response = publish_new_update(publisher, **WATER_CUT, body_en="")
    assert response.status_code in (302, 303)
    assert status_of(site, WATER_CUT["slug"]) == "published"
    page = parse(site.test_client().get(f"/en/updates/{WATER_CUT['slug']}").data)
    assert page.find("h1").get("lang") == "zh-CN"


def test_a_checked_english_body_is_shown_under_the_chinese_title(site, publisher):
    question = post_new_update(publisher, **WATER_CUT, body_en=GOOD_ENGLISH)
    assert question.status_code == 303
    asked = publisher.get(question.headers["Location"])
    assert "在中文标题下显示" in asked.get_data(as_text=True)  # the warning
    answered(publisher, question)
    assert status_of(site, WATER_CUT["slug"]) == "published"
    page = parse(site.test_client().get(f"/en/updates/{WATER_CUT['slug']}").data)
    assert page.find("h1").get("lang") == "zh-CN"
    prose = page.find("div", class_="prose")
    assert prose.get("lang") is None
    assert "No water on Saturday" in prose.text


# --- Every kind's English texts --------------------------------------------------------------

SERVICE_BODIES = ("eligibility", "benefits", "amount", "how_to_apply", "easy_read")
CHINESE = {
    "updates": {"title": "停水通知二", "summary": "本周六上午停水。", "body": "本周六停水。"},
    "pages": {"title": "关于本站", "summary": "本站是什么。", "body": "本站介绍规划。"},
    "services": {
        "title": "法律援助",
        "summary": "怎样申请法律援助。",
        **{name: "请问区司法局。" for name in SERVICE_BODIES},
    },
}
ENGLISH_FIELDS = [
    ("updates", "body_en"),
    ("pages", "body_en"),
    *(("services", f"{name}_en") for name in SERVICE_BODIES),
    ("updates", "summary_en"),
]


@pytest.fixture
def request_context(app):
    """A request to the Chinese site, with PHOTO kept in the media library until it ends
    (never committed)."""
    with app.test_request_context():
        db.session.add(
            MediaFile(
                name=PHOTO, original_name=PHOTO, mimetype="image/png", size=1, uploaded_by="t"
            )
        )
        db.session.flush()
        yield
        db.session.rollback()


def blocking(kind_name: str, values: dict) -> set[str]:
    """The fields with a blocking finding among the kind's authoring checks."""
    findings = editor.authoring_findings(forms.EDITABLE[kind_name], values)
    return {finding.field for finding in findings if finding.blocking}


@pytest.mark.parametrize(
    "kind_name, field", ENGLISH_FIELDS, ids=[f"{k}-{f}" for k, f in ENGLISH_FIELDS]
)
def test_each_english_text_is_checked_without_an_english_title(request_context, kind_name, field):
    text = "A" * 401 if field.startswith("summary") else BAD_ENGLISH
    assert blocking(kind_name, {**CHINESE[kind_name], field: text}) == {field}


@pytest.mark.parametrize("kind_name", CHINESE)
def test_no_english_at_all_passes(request_context, kind_name):
    assert blocking(kind_name, CHINESE[kind_name]) == set()


def test_an_english_text_without_an_english_title_passes_when_it_is_accessible(request_context):
    values = {**CHINESE["updates"], "body_en": GOOD_ENGLISH}
    findings = editor.authoring_findings(forms.EDITABLE["updates"], values)
    assert [(f.field, f.blocking) for f in findings] == [("title_en", False)]


def test_an_english_title_still_needs_an_english_summary(request_context):
    values = {**CHINESE["updates"], "title_en": "Water cut", "body_en": GOOD_ENGLISH}
    assert blocking("updates", values) == {"summary_en"}
