"""Editing in the back office: drafts, the authoring checks that guard publishing, scheduled
publication, withdrawal, revisions, conflicting edits, autosave and sanitising, all through
the forms staff use; and what the public sees (pages, feed, sitemap, search) at each step."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from barrierfree.database import WITHDRAWN, db, utcnow
from barrierfree.facilities.models import Facility
from barrierfree.opening_hours import LOCAL_TIME, local_time
from barrierfree.plan.models import Indicator
from barrierfree.services.models import Service
from barrierfree.staff.editing import autosaves as autosave_store
from barrierfree.staff.editing import editor, forms, publishing
from barrierfree.staff.models import AuditEntry, Autosave, MediaFile, Revision, Schedule
from barrierfree.updates.models import Update
from conftest import CJK, load_content, make_app, parse, sitemap_paths, text_leaving_out
from sqlalchemy import event, func, select, update
from staff_helpers import (
    answered,
    asked,
    copied_app,
    csrf,
    error_summary,
    failure_said,
    form_fields,
    prepared_database,
    signed_in,
)

EDITOR, PUBLISHER, OTHER_PUBLISHER = "zhao-editor", "li-publisher", "wang-publisher"
ACCOUNTS = {EDITOR: "editor", PUBLISHER: "publisher", OTHER_PUBLISHER: "publisher"}
ATOM = "{http://www.w3.org/2005/Atom}"
FACILITY = "rehabilitation-centre"  # a sample record: no phone number allowed

PHOTO = "0123456789abcdef0123456789abcdef.jpg"  # an upload's name (`keep_photo`)
HEARING_AIDS = {
    "slug": "2026-hearing-aids",
    "kind": "notice",
    "title": "2026年听力残疾人免费验配助听器开始报名",
    "summary": "持证听力残疾人可以免费验配助听器，6月30日前到区残联报名。",
    "body": f"## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n\n![](/media/{PHOTO})\n",
}
FIXED_BODY = HEARING_AIDS["body"].replace("![]", "![工作人员为老人调试耳背式助听器]")
READY = {**HEARING_AIDS, "body": FIXED_BODY}  # passes every authoring check (`keep_photo`)
FIRST_BODY = "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n"
SECOND_BODY = "## 怎么报名\n\n带上残疾人证和户口本，到区残联二楼窗口登记。\n"


# --- Fixtures: a private copy of a prepared site per test ----------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content/ loaded, its search index and the staff accounts, made once
    (argon2 is slow on purpose) and copied for every test."""
    database = prepared_database(tmp_path_factory.mktemp("prepared"), ACCOUNTS)
    keep_photo(make_app(database))
    return database


def keep_photo(app) -> None:
    """A row in the media library for the photo HEARING_AIDS shows, so READY passes the
    authoring checks (the file itself is never read by them)."""
    with app.app_context():
        db.session.add(
            MediaFile(
                name=PHOTO,
                original_name="助听器.jpg",
                mimetype="image/jpeg",
                size=1,
                uploaded_by="test",
            )
        )
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own, with content, search index and staff accounts."""
    return copied_app(prepared, tmp_path)


@pytest.fixture
def publisher(site):
    """A client signed in with the publisher role."""
    return signed_in(site, PUBLISHER)


@pytest.fixture
def editor_client(site):
    """A client signed in with the editor role."""
    return signed_in(site, EDITOR)


# --- Helpers ------------------------------------------------------------------------------


def edit_form(response) -> dict[str, list[str]]:
    """What a browser would submit from the edit form on this page."""
    return form_fields(response.data, "edit-form")


def changed(fields: dict, **changes) -> dict:
    """The form's fields with some of them given new values."""
    return {
        **fields,
        **{name: value if isinstance(value, list) else [value] for name, value in changes.items()},
    }


def as_a_browser_sends(fields: dict) -> dict:
    """A form's fields as a browser posts them: every line of a text ends in CR LF."""
    return {name: [v.replace("\n", "\r\n") for v in values] for name, values in fields.items()}


def field_value(response, name: str) -> str:
    """One field's value in a rendered form."""
    return edit_form(response)[name][0]


def summary_links(response) -> dict[str, str]:
    """Every link in the page's error summaries: href → text."""
    doc = parse(response.data)
    return {
        a.get("href"): a.text
        for block in doc.find_all(class_="error-summary")
        for a in block.find_all("a")
    }


def create_update(client, action: str = "save", **values):
    """Post the new-update form; return the response (not followed)."""
    fields = edit_form(client.get("/staff/updates/new"))
    return answered(
        client, client.post("/staff/updates/new", data=changed(fields, action=action, **values))
    )


def item_id(response) -> int:
    """The id of the item a save redirected to, or whose form a response shows."""
    location = response.headers.get("Location") or parse(response.data).find(
        "form", id="edit-form"
    ).get("action")
    return int(location.rstrip("/").split("/")[-1])


def edit_url(kind: str, id_: int) -> str:
    """The edit form of an item."""
    return f"/staff/{kind}/{id_}"


def save(client, url: str, action: str = "save", **values):
    """Load the edit form at `url`, change some fields, and submit it."""
    fields = edit_form(client.get(url))
    return answered(client, client.post(url, data=changed(fields, action=action, **values)))


def row_of(app, model, **where):
    """One row, read in a fresh app context."""
    with app.app_context():
        row = db.session.scalar(select(model).filter_by(**where))
        db.session.expunge_all()
        return row


def revisions_of(app, kind: str, id_: int) -> list[Revision]:
    """An item's revisions, oldest first."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Revision)
                .where(Revision.kind == kind, Revision.item_id == id_)
                .order_by(Revision.id)
            )
        )
        db.session.expunge_all()
        return rows


def search_urls(client, query: str) -> list[str]:
    """The result links of the public search page."""
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    return parse(response.data).find("main").hrefs


def feed_entries(client) -> dict[str, ET.Element]:
    """The Atom feed's entries by id."""
    response = client.get("/updates/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return {entry.findtext(f"{ATOM}id"): entry for entry in root.iter(f"{ATOM}entry")}


def public_places(client, slug: str) -> dict[str, bool]:
    """Where an update shows on the public site."""
    path = f"/updates/{slug}"
    return {
        "home": path in parse(client.get("/").data).find("main").hrefs,
        "list": path in parse(client.get("/updates/").data).find("main").hrefs,
        "page": client.get(path).status_code == 200,
        "feed": any(entry_id.endswith(path) for entry_id in feed_entries(client)),
        "sitemap": path in sitemap_paths(client),
    }


# --- Drafts and the editor role -----------------------------------------------------------


def test_an_editors_new_update_is_a_draft_nobody_outside_sees(site, editor_client):
    response = create_update(editor_client, **HEARING_AIDS)
    assert response.status_code == 303
    id_ = item_id(response)

    row = row_of(site, Update, id=id_)
    assert (row.status, row.slug, row.version) == ("draft", HEARING_AIDS["slug"], 1)
    public = site.test_client()
    assert public_places(public, HEARING_AIDS["slug"]) == dict.fromkeys(
        ("home", "list", "page", "feed", "sitemap"), False
    )
    assert public.get(f"/updates/{HEARING_AIDS['slug']}").status_code == 404
    assert f"/updates/{HEARING_AIDS['slug']}" not in search_urls(public, "助听器 报名")


def test_an_editor_cannot_publish(site, editor_client):
    id_ = item_id(create_update(editor_client, **READY))
    page = editor_client.get(edit_url("updates", id_))
    buttons = [b.get("value") for b in parse(page.data).find_all("button", name="action")]
    assert "publish" not in buttons and "schedule" not in buttons

    for action in ("publish", "schedule"):
        response = editor_client.post(
            edit_url("updates", id_),
            data=changed(edit_form(page), action=action, body=FIRST_BODY),
        )
        assert response.status_code == 403
    row = row_of(site, Update, id=id_)
    assert (row.status, row.version, row.body) == ("draft", 1, FIXED_BODY.strip())

    refused = create_update(editor_client, action="publish", **{**HEARING_AIDS, "slug": "other"})
    assert refused.status_code == 403
    assert row_of(site, Update, slug="other") is None


def test_an_editor_cannot_change_what_is_published(site, publisher, editor_client):
    id_ = item_id(create_update(publisher, action="publish", **READY))
    page = editor_client.get(edit_url("updates", id_))
    assert "需要“发布人”角色" in page.text
    # The fields show the text but take no typing that could not be saved.
    fields = parse(page.data).find("form", id="edit-form").find("fieldset", class_="read-only")
    assert "disabled" in fields.attrs and fields.find("input", id="field-title") is not None
    response = editor_client.post(
        edit_url("updates", id_), data=changed(edit_form(page), title="改过的标题", action="save")
    )
    assert response.status_code == 403
    assert row_of(site, Update, id=id_).title == HEARING_AIDS["title"]


def test_a_published_update_keeps_its_text_until_a_change_passes_the_checks(site, publisher):
    id_ = item_id(create_update(publisher, action="publish", **READY))
    before = row_of(site, Update, id=id_)
    response = save(publisher, edit_url("updates", id_), body=HEARING_AIDS["body"])
    assert response.status_code == 400
    assert "没有替代文字" in summary_links(response)["#field-body"]
    # Kept as posted, but for the new line after the text (a textarea's own)
    assert field_value(response, "body") == HEARING_AIDS["body"].rstrip()
    after = row_of(site, Update, id=id_)
    assert (after.body, after.version) == (before.body, before.version)
    public = site.test_client().get(f"/updates/{HEARING_AIDS['slug']}")
    assert "耳背式助听器" in public.text
    [kept] = autosaves(site)
    assert kept.data["body"] == HEARING_AIDS["body"].rstrip()


# --- The journey of the issue: publish, fix, publish, withdraw -----------------------------


def test_publishing_waits_for_alt_text_then_reaches_every_public_place(site, publisher):
    slug = HEARING_AIDS["slug"]
    public = site.test_client()

    refused = create_update(publisher, action="publish", **HEARING_AIDS)
    assert refused.status_code == 400
    links = summary_links(refused)
    assert "#field-body" in links
    assert f"/media/{PHOTO}" in links["#field-body"]
    assert "没有替代文字" in links["#field-body"]
    id_ = item_id(refused)
    assert [r.action for r in revisions_of(site, "updates", id_)] == ["create"]
    assert row_of(site, Update, id=id_).status == "draft"
    assert not any(public_places(public, slug).values())

    fixed = publisher.post(
        edit_url("updates", id_),
        data=changed(edit_form(refused), action="publish", body=FIXED_BODY),
    )
    # Saved as a draft, then asked before anything goes public.
    assert fixed.status_code == 303
    assert fixed.headers["Location"] == f"{edit_url('updates', id_)}/publish?version=2"
    assert row_of(site, Update, id=id_).status == "draft"
    question = publisher.get(fixed.headers["Location"])
    assert question.status_code == 200
    assert HEARING_AIDS["title"] in parse(question.data).find("h1").text
    assert not any(public_places(public, slug).values())
    published = answered(publisher, question)
    assert published.headers["Location"] == edit_url("updates", id_)
    assert "已发布" in publisher.get(published.headers["Location"]).text
    row = row_of(site, Update, id=id_)
    assert row.status == "published" and row.published_at is not None
    assert public_places(public, slug) == dict.fromkeys(
        ("home", "list", "page", "feed", "sitemap"), True
    )
    assert f"/updates/{slug}" in search_urls(public, "助听器 报名")
    assert f"/updates/{slug}" in search_urls(public, "免费验配助听器")

    entry = next(e for i, e in feed_entries(public).items() if i.endswith(f"/updates/{slug}"))
    assert entry.findtext(f"{ATOM}title") == HEARING_AIDS["title"]
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated").replace("Z", "+00:00"))
    link = entry.find(f"{ATOM}link")
    assert link.get("rel") == "alternate" and link.get("href").endswith(f"/updates/{slug}")
    assert "耳背式助听器" in entry.findtext(f"{ATOM}content")

    page = publisher.get(edit_url("updates", id_))
    withdrawal = parse(page.data).find("form", action=f"/staff/updates/{id_}/withdraw")
    version = withdrawal.find("input", name="version").get("value")
    question = publisher.post(
        f"/staff/updates/{id_}/withdraw", data={"version": version, "csrf_token": csrf(publisher)}
    )
    assert question.status_code == 200 and row_of(site, Update, id=id_).status == "published"
    response = answered(publisher, question)
    assert response.status_code == 303
    assert "已撤回" in publisher.get(response.headers["Location"]).text
    assert row_of(site, Update, id=id_).status == "withdrawn"
    assert not any(public_places(public, slug).values())
    assert public.get(f"/updates/{slug}").status_code == 404
    assert f"/updates/{slug}" not in search_urls(public, "助听器 报名")
    still_here = publisher.get(edit_url("updates", id_))
    assert still_here.status_code == 200
    assert field_value(still_here, "title") == HEARING_AIDS["title"]


def test_a_withdrawn_update_can_be_published_again(site, publisher):
    slug = HEARING_AIDS["slug"]
    id_ = item_id(create_update(publisher, action="publish", **READY))
    version = row_of(site, Update, id=id_).version
    publisher.post(
        f"/staff/updates/{id_}/withdraw",
        data={"version": version, "confirm": "yes", "csrf_token": csrf(publisher)},
    )
    assert row_of(site, Update, id=id_).status == "withdrawn"
    assert save(publisher, edit_url("updates", id_), "publish").status_code == 303
    public = site.test_client()
    assert all(public_places(public, slug).values())
    assert f"/updates/{slug}" in search_urls(public, "助听器 报名")


# --- Asked first, and undone (WCAG 3.3.6: confirm, and undo) ------------------------------


def undo_form(response):
    """The undo button's form on the page, first in its content after the success message
    (not inside that alert, which would read the button out with the message)."""
    doc = parse(response.data)
    form = doc.find("form", class_="undo")
    alert = doc.find(class_="notice--success")
    assert form is None or alert is None or form not in alert.find_all("form")
    return form


def press(client, form):
    """Press the button of a form that sends a version (an undo)."""
    version = form.find("input", name="version").get("value")
    return client.post(form.get("action"), data={"version": version, "csrf_token": csrf(client)})


def test_a_published_draft_can_be_undone_at_once(site, publisher):
    slug = HEARING_AIDS["slug"]
    public = site.test_client()
    published = create_update(publisher, action="publish", **READY)  # asked, answered yes
    id_ = item_id(published)
    first_published = row_of(site, Update, id=id_)
    assert first_published.status == "published"

    page = publisher.get(published.headers["Location"])
    form = undo_form(page)
    assert form is not None and "撤销发布" in form.text
    assert form.find("input", name="version").get("value") == str(first_published.version)
    assert undo_form(publisher.get(edit_url("updates", id_))) is None  # offered once

    undone = press(publisher, form)
    assert undone.status_code == 303
    assert "已撤销" in publisher.get(undone.headers["Location"]).text
    row = row_of(site, Update, id=id_)
    assert row.status == "draft" and row.published_at is None  # never public before
    assert row.title == READY["title"]
    assert not any(public_places(public, slug).values())
    assert [r.action for r in revisions_of(site, "updates", id_)][-1] == "undo"
    with site.app_context():
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "undo"


def test_saving_a_live_item_shows_the_changes_and_asks_first(site, publisher):
    url = edit_url("facilities", facility_id(site))
    before = row_of(site, Facility, slug=FACILITY)
    form = edit_form(publisher.get(url))
    posted = publisher.post(url, data=changed(form, summary=A_SUMMARY))
    # A page of its own: Back from the page after the answer does not post the form again.
    assert posted.status_code == 303 and "/changes?" in posted.headers["Location"]
    question = asked(publisher, posted)
    assert question.status_code == 200
    assert row_of(site, Facility, slug=FACILITY).version == before.version  # nothing saved
    doc = parse(question.data)
    assert doc.find("title").text.startswith("公开这些修改？")
    changes = [section.find("h2").text for section in doc.find_all("section", class_="diff")]
    assert changes == ["简介"]
    assert "新增" in doc.find("section", class_="diff").text
    # The text waits as this account's autosave, and goes again with the answer.
    with site.app_context():
        assert db.session.scalar(select(Autosave.data)).get("summary") == A_SUMMARY

    back = answered(publisher, question, "edit")
    assert back.status_code == 200 and field_value(back, "summary") == A_SUMMARY
    assert row_of(site, Facility, slug=FACILITY).summary == before.summary

    saved = answered(publisher, question)
    assert saved.status_code == 303
    assert row_of(site, Facility, slug=FACILITY).summary == A_SUMMARY
    page = publisher.get(saved.headers["Location"])
    assert "已保存并公开" in page.text
    form = undo_form(page)
    assert "撤销这次修改" in form.text
    undone = press(publisher, form)
    assert undone.status_code == 303
    after = row_of(site, Facility, slug=FACILITY)
    assert (after.summary, after.status) == (before.summary, "published")


def test_the_answer_sent_twice_saves_once_and_still_offers_the_undo(site, publisher):
    """A double click on 确认保存并公开, or Back and send again: the second sees that this
    account's save of the same text is the newest version, says so, and offers the undo
    (the first answer, with it, may never have reached the browser)."""
    url = edit_url("facilities", facility_id(site))
    question = asked(
        publisher,
        publisher.post(url, data=changed(edit_form(publisher.get(url)), summary=A_SUMMARY)),
    )
    answer = {**form_fields(question.data, "confirm-form"), "confirm": ["yes"]}
    first = publisher.post(url, data=answer)
    second = publisher.post(url, data=answer)
    assert (first.status_code, second.status_code) == (303, 303)
    page = publisher.get(second.headers["Location"])
    assert "已经保存过了" in page.text and "别人保存了这条内容" not in page.text
    assert undo_form(page) is not None
    saves = [r.action for r in revisions_of(site, "facilities", facility_id(site))]
    assert saves.count("save") == 1
    assert autosaves(site) == []


def test_back_to_the_question_after_the_answer_says_it_is_saved(site, publisher):
    url = edit_url("facilities", facility_id(site))
    posted = publisher.post(url, data=changed(edit_form(publisher.get(url)), summary=A_SUMMARY))
    assert answered(publisher, posted).status_code == 303
    back = publisher.get(posted.headers["Location"])
    assert back.status_code == 303 and back.headers["Location"] == url
    assert "没有等待确认的修改" in publisher.get(url).text
    assert row_of(site, Facility, slug=FACILITY).summary == A_SUMMARY


@pytest.mark.parametrize("kind", sorted(forms.EDITABLE))
def test_a_save_that_changes_nothing_asks_nothing(site, publisher, kind):
    """Of every kind, items as loaded from the content files: a text that ends in a new
    line, choices stored in another order are no change."""
    model = forms.EDITABLE[kind].model
    with site.app_context():
        ids_ = db.session.scalars(select(model.id).order_by(model.id)).all()
    for id_ in ids_[:6]:
        url = edit_url(kind, id_)
        response = publisher.post(url, data=edit_form(publisher.get(url)))
        # Saved, or (an indicator without a value yet) refused for its empty fields.
        assert response.status_code in (303, 400), url
        assert "/changes?" not in response.headers.get("Location", ""), url


def withdraw_facility(site, client):
    """Withdraw the facility through its form and the question; the answer's response."""
    url = edit_url("facilities", facility_id(site))
    form = parse(client.get(url).data).find("form", action=f"{url}/withdraw")
    version = form.find("input", name="version").get("value")
    asked = client.post(f"{url}/withdraw", data={"version": version, "csrf_token": csrf(client)})
    return answered(client, asked)


def test_a_withdrawal_of_an_item_loaded_from_the_files_can_be_undone(site, publisher):
    withdrawn = withdraw_facility(site, publisher)
    assert row_of(site, Facility, slug=FACILITY).status == WITHDRAWN
    press(publisher, undo_form(publisher.get(withdrawn.headers["Location"])))
    assert row_of(site, Facility, slug=FACILITY).status == "published"


def test_undoing_a_publication_after_a_withdrawal_withdraws_it_again(site, publisher):
    withdraw_facility(site, publisher)
    url = edit_url("facilities", facility_id(site))
    republished = save(publisher, url, "publish")
    assert row_of(site, Facility, slug=FACILITY).status == "published"
    press(publisher, undo_form(publisher.get(republished.headers["Location"])))
    assert row_of(site, Facility, slug=FACILITY).status == WITHDRAWN  # not as first loaded


def test_a_withdrawal_can_be_undone(site, publisher):
    slug = HEARING_AIDS["slug"]
    id_ = item_id(create_update(publisher, action="publish", **READY))
    published_at = row_of(site, Update, id=id_).published_at
    version = row_of(site, Update, id=id_).version
    withdrawn = answered(
        publisher,
        publisher.post(
            f"/staff/updates/{id_}/withdraw",
            data={"version": version, "csrf_token": csrf(publisher)},
        ),
    )
    page = publisher.get(withdrawn.headers["Location"])
    form = undo_form(page)
    assert "撤销撤回" in form.text
    press(publisher, form)
    row = row_of(site, Update, id=id_)
    assert (row.status, row.published_at) == ("published", published_at)
    assert all(public_places(site.test_client(), slug).values())


@pytest.mark.parametrize("version", ("", "abc", "-1", "99999999999", "1"))
def test_an_undo_of_a_change_made_since_changes_nothing(site, publisher, version):
    id_ = item_id(create_update(publisher, action="publish", **READY))
    current = row_of(site, Update, id=id_).version
    response = publisher.post(
        f"/staff/updates/{id_}/undo", data={"version": version, "csrf_token": csrf(publisher)}
    )
    assert response.status_code == 303
    assert "没有撤销" in failure_said(publisher.get(response.headers["Location"]).data)
    row = row_of(site, Update, id=id_)
    assert (row.status, row.version) == ("published", current)


def test_only_a_publisher_may_undo(site, publisher, editor_client):
    id_ = item_id(create_update(publisher, action="publish", **READY))
    version = row_of(site, Update, id=id_).version
    response = editor_client.post(
        f"/staff/updates/{id_}/undo", data={"version": version, "csrf_token": csrf(editor_client)}
    )
    assert response.status_code == 403
    assert row_of(site, Update, id=id_).status == "published"


def test_the_question_before_publishing_names_what_happens(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    saved = save(publisher, edit_url("updates", id_), "save")  # a draft: nothing to ask
    assert saved.status_code == 303
    question = publisher.get(f"/staff/updates/{id_}/publish")
    doc = parse(question.data)
    assert doc.find("title").text.startswith(f"发布“{READY['title']}”？")
    assert "发布以后" in question.text and "撤销" in question.text
    assert doc.find("a", href=f"/staff/updates/{id_}/preview") is not None
    assert row_of(site, Update, id=id_).status == "draft"
    answered(publisher, question)
    assert row_of(site, Update, id=id_).status == "published"
    again = publisher.get(f"/staff/updates/{id_}/publish")
    assert "已经公开" in again.text
    assert parse(again.data).find("form", id="confirm-form") is None
    # A second press of the same button publishes nothing twice.
    version = row_of(site, Update, id=id_).version
    twice = publisher.post(
        f"/staff/updates/{id_}/publish", data={"version": version, "csrf_token": csrf(publisher)}
    )
    assert "已经公开" in publisher.get(twice.headers["Location"]).text
    assert row_of(site, Update, id=id_).version == version


def test_publishing_after_a_colleagues_save_is_refused_as_an_error(site, publisher):
    """A colleague saves the draft while the publisher reads the question before
    publishing: 确认发布 publishes nothing, and the page says so as an error."""
    id_ = item_id(create_update(publisher, **READY))
    question = publisher.get(f"/staff/updates/{id_}/publish")
    save(signed_in(site, OTHER_PUBLISHER), edit_url("updates", id_), title="助听器报名延期")
    response = answered(publisher, question)
    assert response.status_code == 303
    page = publisher.get(response.headers["Location"])
    assert "没有发布：您看过以后，别人又改过这条内容" in failure_said(page.data)
    assert row_of(site, Update, id=id_).status == "draft"
    # What was done is still a success notice, and the next page is no error.
    assert "错误" not in parse(publisher.get(edit_url("updates", id_)).data).find("title").text


def test_withdrawing_from_a_stale_page_changes_nothing(site, publisher):
    id_ = item_id(create_update(publisher, action="publish", **READY))
    stale = row_of(site, Update, id=id_).version - 1
    response = publisher.post(
        f"/staff/updates/{id_}/withdraw",
        data={"version": stale, "confirm": "yes", "csrf_token": csrf(publisher)},
    )
    assert response.status_code == 303
    assert "刚被别人修改过" in failure_said(publisher.get(response.headers["Location"]).data)
    assert row_of(site, Update, id=id_).status == "published"


# --- Each authoring check guards publishing ------------------------------------------------

BLOCKING = {
    "missing-alt": ({"body": "![](/static/images/ramp.jpg)"}, "#field-body", "没有替代文字"),
    "h1-in-body": ({"body": "# 报名须知\n\n带上残疾人证。"}, "#field-body", "一级标题"),
    "skipped-level": (
        {"body": "## 报名\n\n带上证件。\n\n#### 材料\n\n身份证。"},
        "#field-body",
        "跳到了",
    ),
    "vague-link": ({"body": "报名表请[点击这里](/services/)。"}, "#field-body", "点击这里"),
    "bare-url": (
        {"body": "详见 [https://www.chiping.gov.cn](https://www.chiping.gov.cn)。"},
        "#field-body",
        "是一个网址",
    ),
    "table-without-header": (
        {"body": "| | |\n|---|---|\n| 听力 | 助听器 |\n"},
        "#field-body",
        "没有表头",
    ),
    "title-too-long": ({"title": "听" * 61}, "#field-title", "超过了60个字"),
    "missing-summary": ({"summary": ""}, "#field-summary", "摘要"),
    "missing-english-summary": (
        {"title_en": "Free hearing aids", "summary_en": ""},
        "#field-summary_en",
        "摘要是空的",
    ),
    "pdf-without-alternative": (
        {"body": "下载[报名表](/static/files/hearing-aids-form.pdf)。"},
        "#field-body",
        "没有无障碍的替代版本",
    ),
}


@pytest.mark.parametrize("values, anchor, words", BLOCKING.values(), ids=BLOCKING.keys())
def test_each_authoring_error_blocks_publishing(site, publisher, values, anchor, words):
    response = create_update(publisher, action="publish", **{**READY, **values})
    assert response.status_code == 400
    links = summary_links(response)
    assert anchor in links and words in links[anchor], links
    with site.app_context():
        assert db.session.scalar(select(func.count()).where(Update.status == "published")) == 0


def test_a_readability_warning_does_not_block_publishing(site, publisher):
    long_sentence = (
        "持证听力残疾人" + "以及家中有听力障碍老人需要帮助验配助听器的居民" * 3 + "都可以报名。"
    )
    response = create_update(
        publisher, action="publish", **{**HEARING_AIDS, "body": f"{FIXED_BODY}\n{long_sentence}\n"}
    )
    assert response.status_code == 303
    assert row_of(site, Update, slug=HEARING_AIDS["slug"]).status == "published"
    with site.test_request_context():
        findings = editor.authoring_findings(
            forms.EDITABLE["updates"], {**HEARING_AIDS, "body": long_sentence}
        )
    assert findings and not any(f.blocking for f in findings)


def test_the_feed_stays_valid_xml_whatever_the_title_says(site, publisher):
    title = "助听器 & 人工耳蜗：<报名>须知"
    create_update(publisher, action="publish", **{**READY, "title": title})
    entries = feed_entries(site.test_client())
    entry = next(e for i, e in entries.items() if i.endswith(f"/updates/{HEARING_AIDS['slug']}"))
    assert entry.findtext(f"{ATOM}title") == title
    content = entry.findtext(f"{ATOM}content")
    assert f'<img src="http://localhost/media/{PHOTO}"' in content
    assert entry.find(f"{ATOM}content").get("type") == "html"


# --- Scheduled publication ------------------------------------------------------------------


def local_input(delta: timedelta) -> str:
    """The Chiping time `delta` from now, as a datetime-local field holds it."""
    return f"{datetime.now(LOCAL_TIME) + delta:%Y-%m-%dT%H:%M}"


def scheduled(app, id_: int) -> Schedule | None:
    """An update's scheduled publication, if any."""
    with app.app_context():
        entry = db.session.scalar(
            select(Schedule).where(Schedule.kind == "updates", Schedule.item_id == id_)
        )
        db.session.expunge_all()
        return entry


def make_due(app, id_: int) -> datetime:
    """Move an update's scheduled time into the past; return that time (UTC)."""
    due = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    with app.app_context():
        db.session.execute(
            update(Schedule)
            .where(Schedule.kind == "updates", Schedule.item_id == id_)
            .values(publish_at=due)
        )
        db.session.commit()
    return due


def test_a_time_in_the_past_cannot_be_scheduled(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    response = save(publisher, edit_url("updates", id_), "schedule", publish_at="2020-01-01T09:00")
    assert response.status_code == 400
    assert "#field-publish_at" in summary_links(response)
    assert parse(response.data).find("input", id="field-publish_at").get("aria-invalid") == "true"
    assert scheduled(site, id_) is None
    assert row_of(site, Update, id=id_).status == "draft"
    # The text was saved all the same (a new version): the summary says so.
    assert "已保存，但还没有安排发布" in error_summary(response.data).text


def test_the_audit_log_shows_a_schedule_in_local_time(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    at = local_input(timedelta(days=1))
    save(publisher, edit_url("updates", id_), "schedule", publish_at=at)
    with site.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "schedule")).all()
    assert entry[-1].detail == at.replace("T", " ")  # as entered, Chiping time


@pytest.mark.parametrize(
    "publish_at",
    ["", "明天上午", "2026-02-30T09:00", "2099-01-01T09:00+08:00", "0001-01-01T00:00",
     "9999-12-31T23:59"],
)  # fmt: skip
def test_a_schedule_needs_a_real_local_time(site, publisher, publish_at):
    id_ = item_id(create_update(publisher, **READY))
    response = save(publisher, edit_url("updates", id_), "schedule", publish_at=publish_at)
    assert response.status_code == 400
    assert "#field-publish_at" in summary_links(response)
    assert scheduled(site, id_) is None


def test_a_schedule_more_than_ten_years_ahead_is_refused_with_its_reason(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    far = local_input(timedelta(days=3660))
    response = save(publisher, edit_url("updates", id_), "schedule", publish_at=far)
    assert response.status_code == 400
    assert summary_links(response)["#field-publish_at"] == "发布时间最晚只能安排在十年之内。"
    assert scheduled(site, id_) is None


def test_a_scheduled_update_is_published_when_its_time_comes(site, publisher):
    slug = HEARING_AIDS["slug"]
    id_ = item_id(create_update(publisher, **READY))
    response = save(
        publisher, edit_url("updates", id_), "schedule", publish_at=local_input(timedelta(days=1))
    )
    assert response.status_code == 303
    assert "已安排发布" in publisher.get(response.headers["Location"]).text
    entry = scheduled(site, id_)
    assert entry is not None and entry.publish_at > utcnow() + timedelta(hours=23)
    assert row_of(site, Update, id=id_).status == "draft"
    assert "定于" in parse(publisher.get("/staff/updates/").data).find("main").text

    due = make_due(site, id_)
    with site.app_context():
        assert publishing.release_due() == 1
    row = row_of(site, Update, id=id_)
    assert (row.status, row.published_at) == ("published", due)
    assert scheduled(site, id_) is None
    public = site.test_client()
    assert public.get(f"/updates/{slug}").status_code == 200
    assert f"/updates/{slug}" in search_urls(public, "助听器 报名")
    # The site published it, at the time its publisher chose: not a press of 发布.
    assert revisions_of(site, "updates", id_)[-1].action == publishing.SCHEDULED


def test_a_scheduled_update_keeps_its_text_until_a_change_passes_the_checks(
    site, editor_client, publisher
):
    id_ = item_id(create_update(publisher, **READY))
    save(publisher, edit_url("updates", id_), "schedule", publish_at=local_input(timedelta(days=1)))
    # It goes out unseen at its time: only a publisher may change it now.
    assert save(editor_client, edit_url("updates", id_), body=FIXED_BODY).status_code == 403
    response = save(publisher, edit_url("updates", id_), body=HEARING_AIDS["body"])
    assert response.status_code == 400
    assert "没有替代文字" in summary_links(response)["#field-body"]
    assert row_of(site, Update, id=id_).body == FIXED_BODY.strip()

    make_due(site, id_)
    with site.app_context():
        assert publishing.release_due() == 1
    assert "耳背式助听器" in site.test_client().get(f"/updates/{HEARING_AIDS['slug']}").text


def test_a_change_to_a_scheduled_update_is_asked_about_and_goes_out_at_its_time(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    version = row_of(site, Update, id=id_).version
    new_title = "助听器验配报名延长到月底"
    posted = publisher.post(url, data=changed(edit_form(publisher.get(url)), title=new_title))
    question = asked(publisher, posted)
    assert question.status_code == 200
    doc = parse(question.data)
    assert doc.find("h1").text.strip().startswith("按时公开这些修改？")
    assert "已安排在" in doc.find("main").text
    assert row_of(site, Update, id=id_).version == version  # nothing saved yet
    saved = answered(publisher, question)
    assert saved.status_code == 303
    row = row_of(site, Update, id=id_)
    assert (row.title, row.status) == (new_title, "draft")
    assert scheduled(site, id_) is not None  # still goes out at its time
    assert "撤销" not in doc.find("form", id="confirm-form").text  # no undo follows


def test_save_and_publish_on_a_scheduled_update_asks_before_saving_the_change(site, publisher):
    """保存并发布 saves the text before asking whether to publish now: declining that
    would leave the change in the scheduled version, unseen, so it is asked about first."""
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    version = row_of(site, Update, id=id_).version
    fields = changed(edit_form(publisher.get(url)), action="publish", body=SECOND_BODY)
    posted = publisher.post(url, data=fields)
    assert "/changes?" in posted.headers["Location"]
    question = asked(publisher, posted)
    doc = parse(question.data)
    assert doc.find("h1").text.strip().startswith("按时公开这些修改？")
    assert "还会问您是否现在就发布" in doc.find("main").text
    assert row_of(site, Update, id=id_).version == version  # nothing saved yet

    back = answered(publisher, question, "edit")
    assert back.status_code == 200 and field_value(back, "body") == SECOND_BODY.strip()
    assert row_of(site, Update, id=id_).body == FIXED_BODY.strip()

    saved = answered(publisher, publisher.post(url, data=fields))
    assert "/publish?version=" in saved.headers["Location"]
    row = row_of(site, Update, id=id_)
    assert (row.body, row.status) == (SECOND_BODY.strip(), "draft")


def test_a_scheduled_update_rescheduled_with_new_text_asks_then_takes_the_new_time(site, publisher):
    """安排发布 with changed text on a scheduled update asks first, as 保存 does: the new
    time rides along with the question, and the answer saves the text and the time."""
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    first, version = scheduled(site, id_).publish_at, row_of(site, Update, id=id_).version
    later = local_input(timedelta(days=3))
    fields = changed(edit_form(publisher.get(url)), action="schedule", publish_at=later,
                     title="助听器验配改期")  # fmt: skip
    posted = publisher.post(url, data=fields)
    assert "/changes?" in posted.headers["Location"]
    question = asked(publisher, posted)
    doc = parse(question.data)
    assert doc.find("h1").text.strip().startswith("按时公开这些修改？")
    assert f"改在 {later.replace('T', ' ')} 一起公开" in doc.find("main").text
    assert form_fields(question.data, "confirm-form")["publish_at"] == [later]
    assert row_of(site, Update, id=id_).version == version  # nothing saved yet
    assert scheduled(site, id_).publish_at == first

    saved = answered(publisher, question)
    assert saved.status_code == 303
    assert row_of(site, Update, id=id_).title == "助听器验配改期"
    assert scheduled(site, id_).publish_at > utcnow() + timedelta(days=2)


def test_preview_first_from_the_reschedule_question_keeps_the_new_time(site, publisher):
    """先预览 on the question of 安排发布 showed the preview, whose way on asked about a plain
    save: the new time was gone, and the changes went out at the old one."""
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    first = scheduled(site, id_).publish_at
    later = local_input(timedelta(days=3))
    fields = changed(edit_form(publisher.get(url)), action="schedule", publish_at=later,
                     title="助听器验配改期")  # fmt: skip
    question = asked(publisher, publisher.post(url, data=fields))
    previewed = answered(publisher, question, "preview")
    assert previewed.status_code == 303
    banner = parse(publisher.get(previewed.headers["Location"]).data).find(id="preview-banner")
    assert f"您要改到的新发布时间：{later.replace('T', ' ')}" in banner.text
    [onward] = [a for a in banner.find_all("a") if "/changes?" in a["href"]]
    assert onward.text == "按新的时间安排发布这些修改"
    question = publisher.get(onward["href"])
    assert f"改在 {later.replace('T', ' ')} 一起公开" in parse(question.data).find("main").text
    assert form_fields(question.data, "confirm-form")["publish_at"] == [later]
    assert scheduled(site, id_).publish_at == first  # nothing saved yet

    assert answered(publisher, question).status_code == 303
    assert row_of(site, Update, id=id_).title == "助听器验配改期"
    assert scheduled(site, id_).publish_at > utcnow() + timedelta(days=2)


def test_preview_first_on_a_form_with_an_autosave_on_offer_keeps_the_new_time(site, publisher):
    """With an autosave on offer the preview carries the text in its own form: it carries
    安排发布 and the new time too."""
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    autosave(publisher, url, body=AUTOSAVED_BODY)
    later = local_input(timedelta(days=3))
    fields = changed(edit_form(publisher.get(url)), action="schedule", publish_at=later,
                     title="助听器验配改期")  # fmt: skip
    assert fields["autosave_on_offer"] == ["1"]
    preview = answered(publisher, publisher.post(url, data=fields), "preview")
    assert preview.status_code == 200
    carried = form_fields(preview.data, "preview-form")
    assert carried["publish_at"] == [later]
    onward = parse(preview.data).find(id="preview-form").find("button", name="action")
    assert (onward["value"], onward.text) == ("schedule", "按新的时间安排发布这些修改")
    question = publisher.post(url, data={**carried, "action": "schedule"})
    assert form_fields(question.data, "confirm-form")["publish_at"] == [later]
    assert answered(publisher, question).status_code == 303
    assert scheduled(site, id_).publish_at > utcnow() + timedelta(days=2)


def test_going_back_from_the_reschedule_question_saves_nothing(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    first, version = scheduled(site, id_).publish_at, row_of(site, Update, id=id_).version
    later = local_input(timedelta(days=3))
    fields = changed(edit_form(publisher.get(url)), action="schedule", publish_at=later,
                     title="助听器验配改期")  # fmt: skip
    back = answered(publisher, publisher.post(url, data=fields), "edit")
    assert back.status_code == 200
    assert field_value(back, "title") == "助听器验配改期"
    assert parse(back.data).find("input", id="field-publish_at").get("value") == later
    assert row_of(site, Update, id=id_).version == version
    assert scheduled(site, id_).publish_at == first


@pytest.mark.parametrize("when", ["posted", "answered"])
def test_a_refused_reschedule_time_keeps_the_text_and_saves_nothing(site, publisher, when):
    """A time in the past is refused before anything is saved, whether it was typed so or
    passed while the question was shown: the form again, its text and the reason on it."""
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=1)))
    first, version = scheduled(site, id_).publish_at, row_of(site, Update, id=id_).version
    past = "2020-01-01T09:00"
    typed = past if when == "posted" else local_input(timedelta(days=3))
    fields = changed(edit_form(publisher.get(url)), action="schedule", publish_at=typed,
                     title="助听器验配改期")  # fmt: skip
    response = publisher.post(url, data=fields)
    if when == "answered":
        question = asked(publisher, response)
        answer = {**form_fields(question.data, "confirm-form"), "confirm": ["yes"]}
        response = publisher.post(url, data={**answer, "publish_at": [past]})
    assert response.status_code == 400
    assert "#field-publish_at" in summary_links(response)
    assert parse(response.data).find("input", id="field-publish_at").get("aria-invalid") == "true"
    assert field_value(response, "title") == "助听器验配改期"
    assert row_of(site, Update, id=id_).version == version
    assert scheduled(site, id_).publish_at == first


def test_flask_staff_publish_due_publishes_what_is_due(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    save(
        publisher, edit_url("updates", id_), "schedule", publish_at=local_input(timedelta(hours=2))
    )
    make_due(site, id_)
    result = site.test_cli_runner().invoke(args=["staff", "publish-due"])
    assert result.exit_code == 0, result.output
    assert "Published 1 scheduled item(s)." in result.output
    assert row_of(site, Update, id=id_).status == "published"


def test_unscheduling_keeps_the_draft_unpublished(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    save(publisher, edit_url("updates", id_), "schedule", publish_at=local_input(timedelta(days=3)))
    page = publisher.get(edit_url("updates", id_))
    assert parse(page.data).find("form", action=f"/staff/updates/{id_}/unschedule") is not None

    version = row_of(site, Update, id=id_).version
    response = publisher.post(
        f"/staff/updates/{id_}/unschedule", data={"version": version, "csrf_token": csrf(publisher)}
    )
    assert response.status_code == 303
    assert scheduled(site, id_) is None
    with site.app_context():
        assert publishing.release_due() == 0
    assert row_of(site, Update, id=id_).status == "draft"


@pytest.mark.parametrize("version", ("", "stale"))
def test_a_schedule_changed_since_the_page_was_opened_is_not_cancelled(site, publisher, version):
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=3)))
    seen = row_of(site, Update, id=id_).version
    # A colleague saves again and schedules it anew.
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=5)))
    again = scheduled(site, id_)
    posted = str(seen) if version == "stale" else ""
    response = publisher.post(
        f"{url}/unschedule", data={"version": posted, "csrf_token": csrf(publisher)}
    )
    assert response.status_code == 303
    assert "没有取消" in failure_said(publisher.get(response.headers["Location"]).data)
    assert scheduled(site, id_).publish_at == again.publish_at


def test_publishing_without_the_version_seen_publishes_nothing(site, publisher):
    id_ = item_id(create_update(publisher, **READY))
    response = publisher.post(
        f"/staff/updates/{id_}/publish", data={"csrf_token": csrf(publisher), "confirm": "yes"}
    )
    assert response.status_code == 303
    assert "没有发布" in publisher.get(response.headers["Location"]).text
    assert row_of(site, Update, id=id_).status == "draft"


def publish_scheduled_then_undo(site, publisher, past: bool = False):
    """Schedule a draft, publish it at once (which cancels the schedule), and undo that;
    `past`: the scheduled time has gone by before the undo. The update's id, the time it
    was scheduled for and the page after the undo."""
    id_ = item_id(create_update(publisher, **READY))
    url = edit_url("updates", id_)
    save(publisher, url, "schedule", publish_at=local_input(timedelta(days=2)))
    planned = scheduled(site, id_)
    published = save(publisher, url, "publish")
    assert row_of(site, Update, id=id_).status == "published" and scheduled(site, id_) is None
    form = undo_form(publisher.get(published.headers["Location"]))
    if past:
        with site.app_context():
            kept = db.session.scalars(select(Revision).where(Revision.action == "publish")).one()
            kept.cancelled_schedule = {**kept.cancelled_schedule, "publish_at": "2026-01-05T01:00"}
            db.session.commit()
    undone = press(publisher, form)
    return id_, planned, publisher.get(undone.headers["Location"])


def test_undoing_a_publication_puts_back_the_schedule_it_cancelled(site, publisher):
    id_, planned, page = publish_scheduled_then_undo(site, publisher)
    assert row_of(site, Update, id=id_).status == "draft"
    entry = scheduled(site, id_)
    assert entry is not None
    assert (entry.publish_at, entry.user_id) == (planned.publish_at, planned.user_id)
    notice = parse(page.data).find(class_="notice--success").text
    assert "定时发布也已恢复" in notice and local_time(planned.publish_at) in notice
    make_due(site, id_)
    with site.app_context():
        assert publishing.release_due() == 1
    assert row_of(site, Update, id=id_).status == "published"


def test_a_cancelled_schedule_whose_time_has_passed_is_not_put_back(site, publisher):
    id_, _planned, page = publish_scheduled_then_undo(site, publisher, past=True)
    assert row_of(site, Update, id=id_).status == "draft"
    assert scheduled(site, id_) is None  # it would go public at once
    notice = parse(page.data).find(class_="notice--success").text
    assert "没有恢复" in notice and "2026-01-05 09:00" in notice  # Chiping time


# --- Revisions ------------------------------------------------------------------------------


def test_every_save_is_a_revision_listed_with_its_version(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    assert save(publisher, url, body=SECOND_BODY).status_code == 303
    assert save(publisher, url, title="2026年助听器免费验配报名").status_code == 303

    revisions = revisions_of(site, "updates", id_)
    assert [(r.version, r.action, r.username) for r in revisions] == [
        (1, "create", PUBLISHER),
        (2, "save", PUBLISHER),
        (3, "save", PUBLISHER),
    ]
    assert revisions[1].data["body"] == SECOND_BODY.strip()
    page = publisher.get(f"{url}/revisions")
    assert page.status_code == 200
    rows = parse(page.data).find("tbody").find_all("tr")
    assert [row.find("td").text for row in rows] == ["3", "2", "1"]
    links = parse(page.data).find("tbody").hrefs
    assert links == [f"{url}/revisions/{r.id}" for r in reversed(revisions)]


def test_the_diff_marks_deletions_and_insertions_for_screen_readers(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    save(publisher, url, body=SECOND_BODY)
    first = revisions_of(site, "updates", id_)[0]

    page = publisher.get(f"{url}/revisions/{first.id}")
    assert page.status_code == 200
    diff = parse(page.data).find("section", class_="diff")
    deleted = [d.text for d in diff.find_all("del")]
    inserted = [i.text for i in diff.find_all("ins")]
    assert any("一" in text for text in deleted) and any("二" in text for text in inserted)
    assert any("和户口本" in text for text in inserted)
    for mark in diff.find_all("del") + diff.find_all("ins"):
        labels = [s.text for s in mark.find_all("span", class_="visually-hidden")]
        assert labels[0] == ("删除：" if mark.tag == "del" else "新增：")
        assert labels[-1] == "（结束）"
    assert [s.find("h2").text for s in parse(page.data).find_all("section", class_="diff")] == [
        "正文"
    ]


def test_the_diffs_words_for_screen_readers_are_in_the_interfaces_language(site, publisher):
    """On the English back office a Chinese field's diff is marked zh-CN; its "Added:" and
    "(end)" were read in a Chinese voice."""
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    save(publisher, url, body=SECOND_BODY)
    first = revisions_of(site, "updates", id_)[0]
    diff = parse(publisher.get(f"/en{url}/revisions/{first.id}").data).find(
        "section", class_="diff"
    )
    labels = diff.find_all("span", class_="visually-hidden")
    assert labels and all(label["lang"] == "en" for label in labels)
    assert not any(CJK.search(label.text) for label in labels)


def test_the_first_save_of_an_item_loaded_from_the_files_changes_only_what_was_changed(
    site, publisher
):
    """A service loaded from content/ has Markdown texts ending in a new line, and a browser
    posts them with CR LF: the question, the saved row and the revision diff show the one
    field changed, not every text as "deleted: (end)"."""
    url = edit_url("services", 1)
    before = row_of(site, Service, id=1)
    assert before.eligibility.endswith("\n")
    form = edit_form(publisher.get(url))
    posted = publisher.post(url, data=as_a_browser_sends(changed(form, summary=A_SUMMARY)))
    question = asked(publisher, posted)
    doc = parse(question.data)
    assert [s.find("h2").text for s in doc.find_all("section", class_="diff")] == ["摘要"]
    assert answered(publisher, question).status_code == 303

    after = row_of(site, Service, id=1)
    assert (after.summary, after.eligibility) == (A_SUMMARY, before.eligibility)
    original = revisions_of(site, "services", 1)[0]
    assert original.action == "original"
    page = parse(publisher.get(f"{url}/revisions/{original.id}").data)
    assert [s.find("h2").text for s in page.find_all("section", class_="diff")] == ["摘要"]


def test_an_old_revision_is_restored_as_a_new_version(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    save(publisher, url, body=SECOND_BODY)
    first = revisions_of(site, "updates", id_)[0]

    loaded = publisher.get(url, query_string={"from": first.id})
    assert loaded.status_code == 200
    assert field_value(loaded, "body") == FIRST_BODY.strip()
    assert field_value(loaded, "version") == "2"
    assert "已载入第 1 版的内容" in loaded.text
    assert row_of(site, Update, id=id_).body == SECOND_BODY.strip()

    response = publisher.post(url, data=changed(edit_form(loaded), action="save"))
    assert response.status_code == 303
    row = row_of(site, Update, id=id_)
    assert (row.body, row.version) == (FIRST_BODY.strip(), 3)
    revisions = revisions_of(site, "updates", id_)
    assert [r.version for r in revisions] == [1, 2, 3]
    assert revisions[-1].data["body"] == FIRST_BODY.strip()


def test_a_revision_from_before_a_field_was_added_leaves_that_field_as_it_is(site, publisher):
    """A revision saved before a field could be edited does not hold it: loading it back
    keeps the field's current text, and comparing shows no change to it."""
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    save(publisher, url, body=SECOND_BODY, body_en="How to sign up")
    with site.app_context():
        first = db.session.scalars(
            select(Revision).where(Revision.kind == "updates", Revision.item_id == id_)
        ).first()
        first.data = {k: v for k, v in first.data.items() if k != "body_en"}  # as saved then
        db.session.commit()
        first_id = first.id

    loaded = publisher.get(url, query_string={"from": first_id})
    assert field_value(loaded, "body") == FIRST_BODY.strip()
    assert field_value(loaded, "body_en") == "How to sign up"
    compared = publisher.get(f"/staff/updates/{id_}/revisions/{first_id}")
    assert "How to sign up" not in compared.text


def test_a_revision_of_another_item_is_not_found(site, publisher):
    first = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    other = item_id(create_update(publisher, **{**HEARING_AIDS, "slug": "2026-wheelchairs"}))
    foreign = revisions_of(site, "updates", other)[0].id
    assert publisher.get(f"/staff/updates/{first}/revisions/{foreign}").status_code == 404
    assert (
        publisher.get(edit_url("updates", first), query_string={"from": foreign}).status_code == 404
    )
    assert publisher.get(f"/staff/updates/{first}/revisions/999999").status_code == 404
    assert publisher.get(f"/staff/pages/{first}/revisions/{foreign}").status_code == 404


# --- Two members of staff editing one facility at once lose nothing ------------------------

A_SUMMARY = "提供康复训练和辅助器具适配。周三上午有手语翻译。"
B_SUMMARY = "提供康复训练、辅助器具适配和家长培训。"
MERGED_SUMMARY = "提供康复训练、辅助器具适配和家长培训。周三上午有手语翻译。"
B_HOURS_NOTE = "国家法定节假日休息；下午4点后请先打电话预约。"
A_TRANSPORT = "乘2路公交车到康复中心站下车，向东50米。"


def facility_id(app, slug: str = FACILITY) -> int:
    """The id of a facility loaded from content/."""
    return row_of(app, Facility, slug=slug).id


def test_a_conflicting_save_writes_nothing_and_offers_both_versions(site, publisher):
    other = signed_in(site, OTHER_PUBLISHER)
    url = edit_url("facilities", facility_id(site))
    form_a = edit_form(publisher.get(url))
    form_b = edit_form(other.get(url))
    loaded_version = int(form_a["version"][0])
    assert form_b["version"] == form_a["version"]

    saved = publisher.post(
        url, data=changed(form_a, summary=A_SUMMARY, transport=A_TRANSPORT, confirm="yes")
    )
    assert saved.status_code == 303
    after_a = row_of(site, Facility, slug=FACILITY)
    assert after_a.version == loaded_version + 1

    conflict = other.post(
        url, data=changed(form_b, summary=B_SUMMARY, hours_note=B_HOURS_NOTE, confirm="yes")
    )
    assert conflict.status_code == 409
    row = row_of(site, Facility, slug=FACILITY)
    assert (row.summary, row.hours_note, row.transport, row.version) == (
        A_SUMMARY, after_a.hours_note, A_TRANSPORT, after_a.version,
    )  # fmt: skip

    doc = parse(conflict.data)
    alert = next(b for b in doc.find_all(role="alert") if "#field-summary" in b.hrefs)
    assert "别人保存了这条内容" in alert.text
    assert alert.hrefs == ["#field-summary"]  # only the field both changed
    theirs = doc.find(class_="conflict")
    assert "别人保存的版本" in theirs.text and A_SUMMARY in theirs.text
    # read with the field, not only after it
    summary = doc.find(id="field-summary")
    assert theirs["id"] in summary["aria-describedby"].split()
    assert field_value(conflict, "summary") == B_SUMMARY
    assert field_value(conflict, "hours_note") == B_HOURS_NOTE
    assert field_value(conflict, "transport") == A_TRANSPORT  # only A changed it: A's value
    assert field_value(conflict, "version") == str(after_a.version)
    assert doc.find("title").text.startswith("错误：")

    merged = other.post(
        url, data=changed(edit_form(conflict), summary=MERGED_SUMMARY, confirm="yes")
    )
    assert merged.status_code == 303
    row = row_of(site, Facility, slug=FACILITY)
    assert (row.summary, row.hours_note, row.transport) == (
        MERGED_SUMMARY, B_HOURS_NOTE, A_TRANSPORT,
    )  # fmt: skip
    assert row.version == after_a.version + 1
    public = site.test_client().get(f"/facilities/{FACILITY}").text
    assert MERGED_SUMMARY in public and B_HOURS_NOTE in public and A_TRANSPORT in public


def test_two_saves_from_the_same_version_one_wins(site, publisher):
    url = edit_url("facilities", facility_id(site))
    form = edit_form(publisher.get(url))
    first = publisher.post(url, data=changed(form, summary=A_SUMMARY, confirm="yes"))
    second = publisher.post(url, data=changed(form, summary=B_SUMMARY, confirm="yes"))
    assert (first.status_code, second.status_code) == (303, 409)
    assert row_of(site, Facility, slug=FACILITY).summary == A_SUMMARY

    with site.test_request_context():
        kind = forms.EDITABLE["facilities"]
        row = db.session.get(Facility, facility_id(site))
        base = row.version
        claims = [publishing.claim(kind, row, base), publishing.claim(kind, row, base)]
        db.session.commit()
        assert claims == [True, False]
        assert db.session.get(Facility, row.id).version == base + 1


def colleague_writes(row: Facility, **values) -> None:
    """A colleague's change to the facility, committed apart (another worker), moving it
    to its next version."""
    with db.engine.begin() as connection:
        connection.execute(
            update(Facility)
            .where(Facility.id == row.id)
            .values(version=Facility.version + 1, **values)
        )


def test_a_save_that_loses_the_race_after_the_check_writes_nothing(site, publisher, monkeypatch):
    """Another worker saves between this save's version check and its claim."""
    url = edit_url("facilities", facility_id(site))
    form = edit_form(publisher.get(url))
    keep_original = publishing.original_revision

    def someone_else_saves_first(kind, row):
        colleague_writes(row, summary=A_SUMMARY)
        keep_original(kind, row)

    monkeypatch.setattr(publishing, "original_revision", someone_else_saves_first)
    response = publisher.post(
        url, data=changed(form, summary=B_SUMMARY, hours_note=B_HOURS_NOTE, confirm="yes")
    )
    assert response.status_code == 409
    row = row_of(site, Facility, slug=FACILITY)
    assert (row.summary, row.hours_note) == (A_SUMMARY, None)
    assert field_value(response, "summary") == B_SUMMARY
    assert field_value(response, "version") == str(row.version)


def test_a_colleagues_new_paragraph_survives_a_conflict_over_another_field(site, publisher):
    """A adds a paragraph to the body; B, from the same version, changes only the title.
    The body is not a conflict: B's merged form takes A's body, and saving it keeps it."""
    id_ = item_id(create_update(publisher, action="publish", **READY))
    url = edit_url("updates", id_)
    other = signed_in(site, OTHER_PUBLISHER)
    form_a, form_b = edit_form(publisher.get(url)), edit_form(other.get(url))
    body_a = form_a["body"][0] + "\n\n带上户口本也可以。"
    saved = publisher.post(
        url, data=as_a_browser_sends(changed(form_a, body=body_a, confirm="yes"))
    )
    assert saved.status_code == 303

    title_b = "2026年助听器免费验配报名开始"
    posted = as_a_browser_sends(changed(form_b, title=title_b, confirm="yes"))
    conflict = other.post(url, data=posted)
    assert conflict.status_code == 409
    assert parse(conflict.data).find(class_="conflict") is None  # nothing both changed
    assert "不同的地方" in parse(conflict.data).find(**{"data-error-summary": True}).text
    assert field_value(conflict, "body") == body_a.strip()
    assert field_value(conflict, "title") == title_b

    merged = other.post(url, data=as_a_browser_sends(changed(edit_form(conflict), confirm="yes")))
    assert merged.status_code == 303
    row = row_of(site, Update, id=id_)
    assert (row.title, row.body) == (title_b, body_a.strip())


def test_fields_nobody_touched_are_no_conflict_on_an_item_loaded_from_the_files(site, publisher):
    """The first save of a service loaded from content/ drops its texts' final new lines;
    a colleague's save from the same version finds only what each of them changed."""
    url = edit_url("services", 1)
    other = signed_in(site, OTHER_PUBLISHER)
    form_a, form_b = edit_form(publisher.get(url)), edit_form(other.get(url))
    saved = publisher.post(url, data=changed(form_a, summary=A_SUMMARY, confirm="yes"))
    assert saved.status_code == 303
    posted = as_a_browser_sends(changed(form_b, title="康复救助（新名称）", confirm="yes"))
    conflict = other.post(url, data=posted)
    assert conflict.status_code == 409
    assert parse(conflict.data).find(class_="conflict") is None
    assert summary_links(conflict) == {}
    assert field_value(conflict, "summary") == A_SUMMARY
    assert field_value(conflict, "title") == "康复救助（新名称）"


LEGAL_AID = "legal-aid"
LOADED_SUMMARY = "残疾人可以得到法律援助和司法救助（内容文件的新说明）。"
LOADED_TITLE_EN = "Legal aid and judicial help"


def content_load_changes_legal_aid(site, content_copy, **lines) -> None:
    """Give the legal-aid service's file new one-line fields and run a content load, as
    `flask content load` does after the files changed."""
    path = content_copy / "services" / f"{LEGAL_AID}.yaml"
    text = path.read_text(encoding="utf-8")
    for name, value in lines.items():
        old = next(line for line in text.splitlines() if line.startswith(f"{name}:"))
        text = text.replace(old, f"{name}: {value}")
    path.write_text(text, encoding="utf-8")
    with site.app_context():
        assert load_content(content_copy).changed == {"services": [LEGAL_AID]}


def test_a_form_opened_before_a_content_load_merges_as_after_a_colleagues_save(
    site, publisher, content_copy
):
    """The files change and `flask content load` runs while a publisher has the form open.
    Their save finds the item moved on and is merged three ways against the item as the form
    was loaded: a field only the load changed takes the loaded text, a field only the
    publisher changed keeps theirs, and only the field both changed is a conflict."""
    url = edit_url("services", row_of(site, Service, slug=LEGAL_AID).id)
    form = edit_form(publisher.get(url))
    content_load_changes_legal_aid(
        site, content_copy, summary=LOADED_SUMMARY, title_en=LOADED_TITLE_EN
    )

    title, summary = "法律援助（新名称）", A_SUMMARY
    posted = changed(form, title=title, summary=summary, confirm="yes")
    response = publisher.post(url, data=as_a_browser_sends(posted))
    assert response.status_code == 409
    row = row_of(site, Service, slug=LEGAL_AID)
    assert (row.title, row.summary, row.title_en) == (
        "法律援助和司法救助", LOADED_SUMMARY, LOADED_TITLE_EN,
    )  # fmt: skip
    assert list(summary_links(response)) == ["#field-summary"]  # the one both changed
    assert LOADED_SUMMARY in parse(response.data).find(id="conflict-summary").text
    assert field_value(response, "summary") == summary
    assert field_value(response, "title") == title
    assert field_value(response, "title_en") == LOADED_TITLE_EN
    assert field_value(response, "version") == str(row.version)


def test_the_revision_history_names_a_content_load_and_offers_no_undo_of_it(
    site, publisher, content_copy
):
    """A load that changes an item keeps it as it was, at the version it had, and as the
    load left it, at the next: both by the content files, and the load named as such. A
    load is not a change made in the back office, so no undo takes it back."""
    before = row_of(site, Service, slug=LEGAL_AID)
    content_load_changes_legal_aid(site, content_copy, summary=LOADED_SUMMARY)

    revisions = revisions_of(site, "services", before.id)
    assert [(r.version, r.action, r.user_id) for r in revisions] == [
        (before.version, "original", None),
        (before.version + 1, "load", None),
    ]
    assert (revisions[0].data["summary"], revisions[1].data["summary"]) == (
        before.summary, LOADED_SUMMARY,
    )  # fmt: skip
    url = edit_url("services", before.id)
    rows = parse(publisher.get(f"{url}/revisions").data).find("tbody").find_all("tr")
    assert [[cell.text for cell in row.find_all("td")[:3]] for row in rows] == [
        [str(before.version + 1), "从内容文件更新", "内容文件"],
        [str(before.version), "从内容文件载入", "内容文件"],
    ]
    page = parse(publisher.get(f"{url}/revisions/{revisions[1].id}").data)
    assert "从内容文件更新" in page.find("main").text

    undo = publisher.post(
        f"{url}/undo", data={"version": before.version + 1, "csrf_token": csrf(publisher)}
    )
    assert "没有撤销" in failure_said(publisher.get(undo.headers["Location"]).data)
    assert row_of(site, Service, slug=LEGAL_AID).summary == LOADED_SUMMARY


def test_a_withdrawal_between_the_question_and_the_answer_is_not_undone(site, publisher):
    """A colleague withdraws the item while the publisher reads the question before
    publishing it: the answer publishes only the version the question showed."""
    url = edit_url("facilities", facility_id(site))
    with site.app_context():
        db.session.execute(update(Facility).where(Facility.slug == FACILITY).values(status="draft"))
        db.session.commit()
    form = edit_form(publisher.get(url))
    saved = publisher.post(url, data=changed(form, summary=B_SUMMARY, action="publish"))
    question = publisher.get(saved.headers["Location"])
    assert question.status_code == 200
    with site.app_context():
        colleague_writes(row_of(site, Facility, slug=FACILITY), status=WITHDRAWN)
    response = answered(publisher, question)
    assert response.status_code == 303
    row = row_of(site, Facility, slug=FACILITY)
    assert (row.status, row.summary) == (WITHDRAWN, B_SUMMARY)
    assert "没有发布" in publisher.get(url).text


# --- Indicator values ----------------------------------------------------------------------

CURRENT = {
    "current_value": "86.5",
    "current_date": "2026-06-30",
    "current_source": "区残联 2026 年上半年统计报表",
}


def indicator_url(app, number: int = 1) -> str:
    """The edit form of one of the 11 main indicators."""
    return edit_url("indicators", row_of(app, Indicator, number=number).id)


def test_an_editor_cannot_change_an_indicator_value(site, editor_client):
    url = indicator_url(site)
    page = editor_client.get(url)
    assert page.status_code == 200
    assert "需要“发布人”角色" in page.text
    assert parse(page.data).find("button", value="save") is None
    fields = {"csrf_token": csrf(editor_client), "version": "1", **CURRENT}
    assert editor_client.post(url, data=fields).status_code == 403
    assert row_of(site, Indicator, number=1).current_value is None


def test_a_publisher_records_an_indicator_value_the_public_sees(site, publisher):
    url = indicator_url(site)
    response = save(publisher, url, **CURRENT)
    assert response.status_code == 303
    row = row_of(site, Indicator, number=1)
    assert (row.current_value, row.current_date.isoformat(), row.current_source) == tuple(
        CURRENT.values()
    )
    table = parse(site.test_client().get("/plan/indicators").data).find("table")
    first_row = next(
        tr for tr in table.find_all("tr") if tr.find("td") and tr.find("td").text == "1"
    )
    assert "86.5" in first_row.text
    assert "2026年6月30日" in first_row.text
    assert CURRENT["current_source"] in first_row.text


NO_FIGURE = "no figure in the plan"


def plan_figures(page) -> dict[str, str]:
    """The indicator's unit and figures from the plan, as the edit form has them read out
    (">" is shown, and read as 高于)."""
    shown_ = parse(page.data).find(id="indicator-plan")
    hidden = shown_.find_all(aria_hidden="true")

    def read_out(tag: str) -> list[str]:
        """The text of each `tag` not hidden, without what is hidden inside it."""
        return [
            " ".join(text_leaving_out(element, lambda inner: inner in hidden).split())
            for element in shown_.find_all(tag)
            if not any(outer in hidden for outer in (element, *element.parents))
        ]

    return dict(zip(read_out("dt"), read_out("dd"), strict=True))


@pytest.mark.parametrize(
    ("number", "prefix", "figures"),
    [
        (4, "", {"单位": "%", "2020年": "95", "2025年目标": "高于96"}),
        (10, "", {"单位": "户", "2020年": "规划里没有这个数字", "2025年目标": "高于500"}),
        (10, "/en", {"Unit": "households", "2020": NO_FIGURE, "2025 target": "above 500"}),
    ],
    ids=["percent", "households", "english"],
)
def test_the_indicator_form_shows_the_unit_and_the_plans_figures_with_the_value(
    site, publisher, number, prefix, figures
):
    page = publisher.get(prefix + indicator_url(site, number))
    assert page.status_code == 200
    assert plan_figures(page) == figures
    doc = parse(page.data)
    # Read-only text, read out with the field it is about, before the field's own hint.
    assert doc.find(id="indicator-plan").find(["input", "textarea", "select"]) is None
    described = doc.find("input", id="field-current_value")["aria-describedby"].split()
    assert described == ["field-current_value-hint", "indicator-plan"]
    assert doc.find(id="field-current_date").get("aria-describedby") == "field-current_date-hint"


@pytest.mark.parametrize("current_date", ["2026-13-01", "30/06/2026", "去年年底"])
def test_a_bad_indicator_date_is_refused_with_a_message(site, publisher, current_date):
    url = indicator_url(site)
    response = save(publisher, url, **{**CURRENT, "current_date": current_date})
    assert response.status_code == 400
    links = summary_links(response)
    assert "日期格式是 年-月-日" in links["#field-current_date"]
    assert field_value(response, "current_date") == current_date
    assert row_of(site, Indicator, number=1).current_value is None


# --- Facilities: the rules of the content files hold in the form ---------------------------

FACILITY_PROBLEMS = {
    "sample-with-phone": ({"phone": "0635-4261234"}, "phone", "示例数据不能填写电话"),
    "outside-the-district": (
        {"latitude": "116.25", "longitude": "36.58"},
        "latitude",
        "不在茌平区内",
    ),
    "only-latitude": ({"latitude": "36.58", "longitude": ""}, "longitude", "同时填写"),
    "latitude-not-a-number": ({"latitude": "北纬36度"}, "latitude", "要填数字，例如 36.58。"),
    # Each coordinate's error quotes its own example, as its hint does.
    "longitude-not-a-number": ({"longitude": "东经116度"}, "longitude", "要填数字，例如 116.25。"),
    "hours-not-understood": ({"hours": "周一到周五 上午"}, "hours", "看不懂开放时间里的“周一到"),
    "hours-impossible": ({"hours": "mon 25:00-26:00"}, "hours", "看不懂开放时间里的“mon 25"),
    # The part that cannot be read is named, and 工作日 is told why it is refused.
    "hours-typo": (
        {"hours": "周一至周五 08:30-11:30\n周伍 13:30-17:00"},
        "hours",
        "看不懂开放时间里的“周伍 13:30-17:00”",
    ),
    "hours-working-days": (
        {"hours": "工作日 08:30-11:30"},
        "hours",
        "开放时间里的“工作日 08:30-11:30”不能用“工作日”：调休会把有的周末变成工作日",
    ),
}


@pytest.mark.parametrize(
    "values, field, words", FACILITY_PROBLEMS.values(), ids=FACILITY_PROBLEMS.keys()
)
def test_a_facility_save_breaking_a_rule_is_refused_next_to_the_field(
    site, publisher, values, field, words
):
    before = row_of(site, Facility, slug=FACILITY)
    response = save(publisher, edit_url("facilities", before.id), **values)
    assert response.status_code == 400
    assert words in summary_links(response)[f"#field-{field}"]
    doc = parse(response.data)
    assert words in doc.find(id=f"field-{field}-error").text
    assert doc.find(id=f"field-{field}").get("aria-invalid") == "true"
    for name, value in values.items():
        assert field_value(response, name) == value
    after = row_of(site, Facility, slug=FACILITY)
    assert (after.version, after.phone, after.latitude, after.hours) == (
        before.version, before.phone, before.latitude, before.hours,
    )  # fmt: skip


def test_a_renamed_facility_changes_its_page_and_search(site, publisher):
    new_name = "茌平区蒲公英康复园"
    public = site.test_client()
    assert f"/facilities/{FACILITY}" not in search_urls(public, "蒲公英")
    response = save(
        publisher,
        edit_url("facilities", facility_id(site)),
        name=new_name,
        latitude="36.58",
        longitude="116.25",
        hours="mon,tue,wed,thu,fri 08:00-12:00",
    )
    assert response.status_code == 303
    page = public.get(f"/facilities/{FACILITY}")
    assert new_name in parse(page.data).find("h1").text
    assert "08:00" in page.text
    assert f"/facilities/{FACILITY}" in search_urls(public, "蒲公英")
    row = row_of(site, Facility, slug=FACILITY)
    assert (row.latitude, row.longitude) == (36.58, 116.25)
    assert row.hours == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "12:00"}
    ]


# --- Autosave -------------------------------------------------------------------------------

# As the form keeps it: a text is read without the new lines after it.
AUTOSAVED_BODY = "## 怎么报名\n\n带上残疾人证，周六上午也可以登记。"


def autosaves(app) -> list[Autosave]:
    """Every autosaved draft, of every account."""
    with app.app_context():
        rows = list(db.session.scalars(select(Autosave)))
        db.session.expunge_all()
        return rows


def autosave(client, url: str, **values):
    """What htmx posts while the user types: the form's fields, the token in a header
    (from a page with nothing on offer: a page with an autosave on offer does not post)."""
    fields = changed(edit_form(client.get(url)), **values)
    fields.pop("autosave_on_offer", None)
    csrf = fields.pop("csrf_token")[0]
    return client.post(
        f"{url}/autosave", data=fields, headers={"X-CSRFToken": csrf, "HX-Request": "true"}
    )


def test_autosaved_text_is_offered_loaded_and_discarded(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)

    response = autosave(publisher, url, body=AUTOSAVED_BODY)
    assert response.status_code == 200
    assert "已自动保存" in response.text and "<html" not in response.text
    assert row_of(site, Update, id=id_).body == FIRST_BODY.strip()
    [kept] = autosaves(site)
    assert (kept.key, kept.data["body"], kept.base_version) == (str(id_), AUTOSAVED_BODY, 1)

    page = parse(publisher.get(url).data)
    offer = page.find(class_="notice--warning")
    assert "还没有保存" in offer.text
    assert f"{url}?from=autosave" in offer.hrefs
    assert field_value(publisher.get(url), "body") == FIRST_BODY.strip()
    loaded = publisher.get(url, query_string={"from": "autosave"})
    assert field_value(loaded, "body") == AUTOSAVED_BODY
    assert "已载入自动保存的内容" in loaded.text

    discard = page.find("form", action=f"/staff/updates/{id_}/autosave/discard")
    response = publisher.post(discard.get("action"), data={"csrf_token": csrf(publisher)})
    assert response.status_code == 303
    assert autosaves(site) == []
    assert "载入自动保存的内容" not in publisher.get(url).text


@pytest.mark.parametrize("meanwhile", ["discarded", "written"])
def test_an_autosave_racing_another_write_of_it_is_kept(site, publisher, meanwhile):
    """An autosave whose row a discard (or a save in another tab) deletes, or another
    request writes first, just before this one writes it, is kept: the write is one
    statement, not a read and then an insert or update that finds the row changed."""
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    autosave(publisher, edit_url("updates", id_), body="第一次自动保存。")
    [first] = autosaves(site)
    kind = editor.kind_or_404("updates")
    table = Autosave.__table__
    with site.app_context():
        if meanwhile == "written":
            db.session.execute(table.delete())
            db.session.commit()
        raced = []

        def other_request(_conn, _cursor, statement, *_args):
            if raced or not statement.lstrip().startswith(("INSERT", "UPDATE")):
                return
            raced.append(statement)
            with db.engine.connect() as other:
                if meanwhile == "discarded":
                    other.execute(table.delete())
                else:
                    row = {c: getattr(first, c) for c in ("user_id", "kind", "key", "data")}
                    other.execute(table.insert().values(**row, base_version=7))
                other.commit()

        event.listen(db.engine, "before_cursor_execute", other_request)
        try:
            text = {**first.data, "body": AUTOSAVED_BODY}
            autosave_store.autosave(first.user_id, kind, str(id_), text, 1)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", other_request)
        assert raced
    [kept] = autosaves(site)
    assert (kept.data["body"], kept.base_version) == (AUTOSAVED_BODY, 1)


def test_saving_the_form_removes_its_autosave(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    autosave(publisher, url, body=AUTOSAVED_BODY)
    loaded = publisher.get(url, query_string={"from": "autosave"})
    response = publisher.post(url, data=changed(edit_form(loaded), action="save"))
    assert response.status_code == 303
    assert autosaves(site) == []
    assert row_of(site, Update, id=id_).body == AUTOSAVED_BODY.strip()


def test_a_form_that_did_not_load_the_autosave_on_offer_never_overwrites_it(site, publisher):
    """Shown with an autosaved text left unloaded (a session lapsed, the editor signed in
    again and typed on), the form does not autosave over it, and saving keeps it."""
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    autosave(publisher, url, body=AUTOSAVED_BODY)
    page = publisher.get(url)
    form = parse(page.data).find("form", id="edit-form")
    assert form.find("input", name="autosave_on_offer")["value"] == "1"
    assert parse(page.data).find(data_autosave=True) is None
    assert "暂时不自动保存" in page.text

    fields = changed(edit_form(page), body="另一段文字，没有载入自动保存的内容。")
    headers = {"X-CSRFToken": fields.pop("csrf_token")[0], "HX-Request": "true"}
    again = publisher.post(f"{url}/autosave", data=fields, headers=headers)
    assert again.status_code == 409 and "先载入或放弃" in again.text
    saved = publisher.post(url, data=changed(edit_form(page), body="只改正文。", action="save"))
    assert saved.status_code == 303
    assert row_of(site, Update, id=id_).body == "只改正文。"
    [kept] = autosaves(site)
    assert kept.data["body"] == AUTOSAVED_BODY
    assert "载入自动保存的内容" in publisher.get(url).text


def test_a_new_items_autosave_is_offered_on_the_new_form(site, publisher):
    fields = changed(edit_form(publisher.get("/staff/updates/new")), title="助听器验配报名（草稿）")
    csrf, key = fields.pop("csrf_token")[0], fields["draft"][0]
    response = publisher.post(
        f"/staff/updates/{key}/autosave", data=fields, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 200
    offer = parse(publisher.get("/staff/updates/new").data)
    assert "助听器验配报名（草稿）" in offer.find("ul", id="new-drafts").text
    loaded = publisher.get("/staff/updates/new", query_string={"draft": key})
    assert field_value(loaded, "title") == "助听器验配报名（草稿）"


def test_a_head_request_reads_and_keeps_the_autosave(site, publisher):
    """A link checker's or prefetcher's HEAD once took the save path (only GET showed the
    form): refused without a token, it autosaved the empty form over the draft."""
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    autosave(publisher, url, body=AUTOSAVED_BODY)
    for path in (url, "/staff/updates/new"):
        assert publisher.head(path).status_code == 200
    [kept] = autosaves(site)
    assert kept.data["body"] == AUTOSAVED_BODY
    assert row_of(site, Update, id=id_).body == FIRST_BODY.strip()


def foreign_token(app) -> str:
    """A token this site signed, for another browser's session."""
    return csrf(app.test_client())


@pytest.mark.parametrize("token", [None, "forged-token", "foreign"])
def test_a_post_without_this_browsers_token_keeps_nothing(site, publisher, token):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    autosave(publisher, url, body=AUTOSAVED_BODY)
    fields = changed(edit_form(publisher.get(url)), body="别处伪造的正文")
    del fields["csrf_token"]
    if token is not None:
        fields["csrf_token"] = [foreign_token(site) if token == "foreign" else token]

    page = publisher.post(url, data=changed(fields, action="save"))
    autosaved = publisher.post(f"{url}/autosave", data=fields, headers={"HX-Request": "true"})

    assert page.status_code == 400 and autosaved.status_code == 400
    assert "已保存在服务器上" not in page.text + autosaved.text
    assert "没有自动保存" in autosaved.text and "<html" not in autosaved.text
    assert [a.data["body"] for a in autosaves(site)] == [AUTOSAVED_BODY]
    assert row_of(site, Update, id=id_).body == FIRST_BODY.strip()


def test_an_autosave_with_a_field_beyond_its_limit_is_refused_and_says_why(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    autosave(publisher, url, body=AUTOSAVED_BODY)

    title = autosave(publisher, url, title="长" * 201)
    body = autosave(publisher, url, body="字" * (forms.TEXT_LIMIT + 1))

    assert title.status_code == 400 and "“标题”最多 200 个字" in title.text
    assert body.status_code == 400 and f"最多 {forms.TEXT_LIMIT} 个字" in body.text
    assert "<html" not in title.text
    [kept] = autosaves(site)
    assert (kept.data["title"], kept.data["body"]) == (HEARING_AIDS["title"], AUTOSAVED_BODY)


def test_a_refused_save_with_a_field_beyond_its_limit_is_not_autosaved(site, publisher):
    response = create_update(publisher, **{**HEARING_AIDS, "title": "长" * 201})
    assert response.status_code == 400
    assert "#field-title" in summary_links(response)
    assert field_value(response, "title") == "长" * 201
    assert autosaves(site) == []


# --- Large text, high contrast or English without JavaScript keep what was typed ----------

TYPED_TITLE = "2026年助听器验配报名（改了一半）"


def test_the_header_buttons_send_the_edit_form_and_enter_still_saves(site, publisher):
    url = edit_url("updates", item_id(create_update(publisher, **HEARING_AIDS)))
    page = parse(publisher.get(url).data)
    for mode in ("large", "contrast"):
        button = page.find("button", id=f"display-{mode}")
        # sent where the form itself goes, which shows it again (see the next test)
        assert button["form"] == "edit-form" and not button.has_attr("formaction")
    language = page.find("button", class_="language-link")
    assert language["form"] == "edit-form" and language["formaction"] == "/en" + url
    # The first of the form's buttons in the document is its default (Enter in a field):
    # a hidden one that saves, as the form's own first button does, before the header's.
    default = page.find("body").find("button")
    assert default["form"] == "edit-form" and default.has_attr("hidden")
    assert (default["name"], default["value"]) == ("action", "save")


@pytest.mark.parametrize(
    ("prefix", "pressed"),
    [("", {"large": "1"}), ("", {"contrast": "1"}), ("/en", {"show": "1"})],
    ids=["large-text", "high-contrast", "english"],
)
def test_switching_the_display_or_language_keeps_the_typed_text_and_saves_nothing(
    site, publisher, prefix, pressed
):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    typed = changed(edit_form(publisher.get(url)), title=TYPED_TITLE, body=SECOND_BODY)

    response = publisher.post(prefix + url, data={**as_a_browser_sends(typed), **pressed})

    assert response.status_code == 200
    page = parse(response.data)
    assert field_value(response, "title") == TYPED_TITLE
    assert "二楼窗口" in field_value(response, "body")
    assert error_summary(response.data) is None  # nothing was checked
    mode = next(iter(pressed))
    if mode == "show":
        assert page.find("html")["lang"] == "en"
    else:
        assert mode in page.find("html")["class"]
        assert publisher.get_cookie("display").value == mode
    # Nothing saved, autosaved or kept as a revision.
    row = row_of(site, Update, id=id_)
    assert (row.version, row.title, row.body) == (1, HEARING_AIDS["title"], FIRST_BODY.strip())
    assert autosaves(site) == []
    assert [r.action for r in revisions_of(site, "updates", id_)] == ["create"]
    # The form shown again saves what was typed, from the version it was loaded at.
    saved = publisher.post(url, data=changed(edit_form(response), action="save"))
    assert saved.status_code == 303
    assert row_of(site, Update, id=id_).title == TYPED_TITLE


def test_large_text_on_the_new_item_form_keeps_the_text_and_creates_nothing(site, publisher):
    typed = changed(edit_form(publisher.get("/staff/updates/new")), title=TYPED_TITLE)
    response = publisher.post("/staff/updates/new", data={**typed, "large": "1"})
    assert response.status_code == 200
    assert "large" in parse(response.data).find("html")["class"]
    assert field_value(response, "title") == TYPED_TITLE
    assert row_of(site, Update, title=TYPED_TITLE) is None
    assert autosaves(site) == []


def test_large_text_keeps_an_autosave_on_offer_on_offer(site, publisher):
    id_ = item_id(create_update(publisher, **{**HEARING_AIDS, "body": FIRST_BODY}))
    url = edit_url("updates", id_)
    autosave(publisher, url, body=AUTOSAVED_BODY)
    typed = changed(edit_form(publisher.get(url)), title=TYPED_TITLE)
    response = publisher.post(url, data={**typed, "large": "1"})
    assert response.status_code == 200
    assert "载入自动保存的内容" in response.text
    assert edit_form(response)["autosave_on_offer"] == ["1"]
    assert field_value(response, "title") == TYPED_TITLE
    [kept] = autosaves(site)
    assert kept.data["body"] == AUTOSAVED_BODY


def test_the_header_buttons_stay_apart_from_a_form_that_cannot_be_sent_there(
    site, publisher, editor_client
):
    """An editor's read-only view of a published item sends nothing; a form shown at the
    publish address (publishing refused by a check) would be posted there."""
    live = item_id(create_update(publisher, action="publish", **READY))
    read_only = parse(editor_client.get(edit_url("updates", live)).data)
    draft = create_update(publisher, **{**HEARING_AIDS, "slug": "no-alt-text"})
    draft_url = edit_url("updates", item_id(draft))
    data = {"csrf_token": csrf(publisher, draft_url), "version": "1"}
    refused = publisher.post(f"{draft_url}/publish", data=data)
    assert refused.status_code == 400
    for page in (read_only, parse(refused.data)):
        assert not page.find("button", id="display-large").has_attr("form")
        assert page.find("a", class_="language-link") is not None


# --- Sanitising, end to end ------------------------------------------------------------------

HOSTILE_BODY = """## 报名须知

<script>alert(1)</script>

<img src=x onerror=alert(1)>

[x](javascript:alert(1))

<div hx-get="/x" hx-trigger="load">载入</div>

![工作人员在窗口登记](javascript:alert(1))
"""


def assert_harmless(element) -> None:
    """Nothing in `element` runs script, fetches on its own or points at javascript:."""
    assert element is not None
    for node in element.find_all():
        assert node.tag not in ("script", "div", "iframe", "object", "embed"), node.tag
        for name, value in node.attrs.items():
            assert not name.startswith(("on", "hx-", "data-hx")), name
            assert "javascript:" not in (value or "").lower(), (name, value)


def test_markup_in_a_body_never_reaches_a_page_or_the_feed(site, publisher):
    values = {**HEARING_AIDS, "body": HOSTILE_BODY, "summary": "报名须知<script>alert(2)</script>"}
    response = create_update(publisher, action="preview", **values)
    assert response.status_code == 303
    preview = publisher.get(response.headers["Location"])
    assert preview.status_code == 200
    doc = parse(preview.data)
    assert_harmless(doc.find(class_="prose"))
    assert_harmless(doc.find(class_="lead"))
    assert "报名须知<script>alert(2)</script>" in doc.find(class_="lead").text

    id_ = int(response.headers["Location"].split("/")[-2])
    published = save(publisher, edit_url("updates", id_), "publish")
    assert published.status_code == 303, summary_links(published)
    page = site.test_client().get(f"/updates/{HEARING_AIDS['slug']}")
    assert_harmless(parse(page.data).find(class_="prose"))
    assert_harmless(parse(page.data).find(class_="lead"))
    [entry] = feed_entries(site.test_client()).values()
    assert_harmless(parse(entry.findtext(f"{ATOM}content")))
    summary = entry.find(f"{ATOM}summary")  # plain text: the reader shows it, never runs it
    assert summary.get("type") in (None, "text")
    assert summary.text == values["summary"]


def test_a_preview_in_the_public_layout_says_so_in_its_title_and_keeps_the_session_warning(
    site, publisher
):
    """Pages' and updates' previews looked like the public page to a screen reader (the
    same title) and had no session warning, unlike the other kinds' previews."""
    response = create_update(publisher, action="preview", **HEARING_AIDS)
    page = parse(publisher.get(response.headers["Location"]).data)
    assert page.find("title").text.startswith("预览：" + HEARING_AIDS["title"])
    assert page.find("dialog", id="session-warning") is not None
    public = parse(site.test_client().get("/about").data)
    assert public.find("dialog", id="session-warning") is None
    assert not public.find("title").text.startswith("预览")


def test_the_staff_preview_of_other_kinds_is_sanitised_too(site, publisher):
    service = "assistive-devices"
    url = edit_url("services", row_of(site, Service, slug=service).id)
    with site.app_context():
        row = db.session.scalar(select(Service).where(Service.slug == service))
        row.eligibility = HOSTILE_BODY
        db.session.commit()
    preview = publisher.get(f"{url}/preview")
    assert preview.status_code == 200
    for prose in parse(preview.data).find_all(class_="prose"):
        assert_harmless(prose)


def test_the_english_staff_preview_marks_chinese_text_and_not_the_interfaces_words(site, publisher):
    """An indicator's value has no page of its own: its preview lists its fields. (The other
    kinds' previews are their public pages: tests/test_staff_preview.py.)"""
    with site.app_context():
        id_ = db.session.scalar(select(Indicator.id).order_by(Indicator.id).limit(1))
        db.session.execute(
            update(Indicator)
            .where(Indicator.id == id_)
            .values(current_source="区残联统计报表", current_date=datetime(2026, 6, 30).date())
        )
        db.session.commit()
    preview = parse(publisher.get(f"/en/staff/indicators/{id_}/preview").data)
    fields = dict(zip(
        (dt.text for dt in preview.find("dl").find_all("dt")),
        preview.find("dl").find_all("dd"), strict=True,
    ))  # fmt: skip
    assert fields["Source"].get("lang") == "zh-CN"  # staff's text, in Chinese
    assert fields["Date of the figure"].get("lang") is None  # a date, in the interface's words


# --- Bad input never breaks the back office --------------------------------------------------

NOT_FOUND = [
    "/staff/no-such-kind/",
    "/staff/no-such-kind/new",
    "/staff/no-such-kind/1",
    "/staff/pages/new",
    "/staff/indicators/new",
    "/staff/updates/abc",
    "/staff/updates/-1",
    "/staff/updates/1.5",
    "/staff/updates/999999",
    "/staff/updates/99999999999999999999999",
    "/staff/updates/１",
    "/staff/updates/999999/revisions",
    "/staff/updates/999999/preview",
    "/staff/updates/abc/revisions/1",
    "/staff/facilities/1/revisions/abc",
    "/staff/facilities/1/revisions/99999999999999999999999",
    "/staff/facilities/1?from=99999999999999999999999",
    "/staff/facilities/1?from=²",
    "/staff/facilities/1?from=999999",
]


@pytest.mark.parametrize("path", NOT_FOUND)
def test_unknown_kinds_and_ids_are_not_found(site, publisher, path):
    assert publisher.get(path).status_code == 404


@pytest.mark.parametrize("key", ["abc", "999999", "99999999999999999999999", "²", "１"])
def test_autosave_for_an_unknown_item_is_not_found(site, publisher, key):
    headers = {"X-CSRFToken": csrf(publisher)}
    response = publisher.post(
        f"/staff/updates/{key}/autosave", data={"title": "x"}, headers=headers
    )
    assert response.status_code == 404
    assert autosaves(site) == []
    discard = publisher.post(f"/staff/updates/{key}/autosave/discard", headers=headers)
    assert discard.status_code in (303, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/staff/indicators/1/withdraw",
        "/staff/no-such-kind/1/withdraw",
        "/staff/updates/999999/unschedule",
    ],
)
def test_posting_to_what_does_not_exist_is_not_found(site, publisher, path):
    assert (
        publisher.post(path, data={"csrf_token": csrf(publisher), "version": "1"}).status_code
        == 404
    )


@pytest.mark.parametrize("version", ["", "abc", "-1", "１", "9" * 30, "0", "1.0", "0x1"])
def test_a_garbage_version_is_treated_as_a_conflict(site, publisher, version):
    id_ = facility_id(site)
    url = edit_url("facilities", id_)
    before = row_of(site, Facility, id=id_)
    response = publisher.post(
        url, data=changed(edit_form(publisher.get(url)), version=version, summary=A_SUMMARY)
    )
    assert response.status_code == 409
    assert field_value(response, "version") == str(before.version)
    assert field_value(response, "summary") == A_SUMMARY
    assert row_of(site, Facility, id=id_).summary == before.summary


BAD_FIELDS = {
    "title-huge": ({"title": "听" * 100_000}, "#field-title", "最多 200 个字"),
    "slug-bad": ({"slug": "../../etc/passwd"}, "#field-slug", "网址名只能用"),
    "slug-taken": ({"slug": "2026-hearing-aids"}, "#field-slug", "已被使用"),
    "kind-unknown": ({"kind": "<script>"}, "#field-kind", "请从列出的选项中选择"),
    "title-empty": ({"title": "   "}, "#field-title", "请填写"),
}


@pytest.mark.parametrize("values, anchor, words", BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_bad_fields_get_a_clear_message(site, publisher, values, anchor, words):
    create_update(publisher, **READY)
    response = create_update(publisher, **{**HEARING_AIDS, "slug": "2026-wheelchairs", **values})
    assert response.status_code == 400
    assert words in summary_links(response)[anchor]
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Update)) == 1


def test_a_body_beyond_any_notice_gets_a_clear_message(site, publisher):
    response = create_update(publisher, **{**HEARING_AIDS, "body": "听" * 100_001})
    assert response.status_code == 400
    assert "“正文”最多 100000 个字" in summary_links(response)["#field-body"]
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Update)) == 0


def test_a_request_too_big_to_read_is_refused_not_crashed(site, publisher):
    fields = changed(edit_form(publisher.get("/staff/updates/new")), **HEARING_AIDS)
    response = publisher.post("/staff/updates/new", data={**fields, "body": ["听" * 7_500_000]})
    assert response.status_code == 413
    assert "413" in parse(response.data).find("main").text
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(Update)) == 0


def test_an_unknown_action_only_saves(site, publisher):
    response = create_update(publisher, action="delete-everything", **READY)
    assert response.status_code == 303
    assert row_of(site, Update, slug=HEARING_AIDS["slug"]).status == "draft"


def test_a_facilitys_measured_accessibility_and_services_are_edited_in_the_form(site, publisher):
    facility = row_of(site, Facility, slug="rukang-boping")
    url = edit_url("facilities", facility.id)
    response = save(
        publisher,
        url,
        feature_lift="是; verified_on=2026-11-20; verified_by=区残联",
        feature_hearing_loop="",
        services=["rehabilitation-fitness"],
    )
    assert response.status_code == 303, summary_links(response)
    saved = row_of(site, Facility, slug="rukang-boping")
    assert saved.accessibility["lift"] == {
        "available": True, "verified_on": "2026-11-20", "verified_by": "区残联",
    }  # fmt: skip
    assert "hearing_loop" not in saved.accessibility
    assert set(saved.accessibility) - {"lift"} == set(facility.accessibility) - {"hearing_loop"}
    with site.app_context():
        assert [s.slug for s in db.session.get(Facility, facility.id).services] == [
            "rehabilitation-fitness"
        ]
    page = site.test_client().get("/facilities/rukang-boping").text
    assert "电梯" in page and "2026年11月20日" in page


def test_a_features_change_is_shown_part_by_part_in_the_forms_words(site, publisher):
    """The question before the save and the revision diff name each part of the record
    (台阶数, 核实方式…), not the spreadsheet's "steps=0; method=on-site"."""
    facility = row_of(site, Facility, slug="rukang-zhenxing")
    assert facility.accessibility["step_free_entrance"]["steps"] == 0
    url = edit_url("facilities", facility.id)
    visit = {
        "feature_step_free_entrance.method": "on-site",
        "feature_step_free_entrance.verified_on": "2026-11-24",
        "feature_step_free_entrance.steps": "2",
    }
    posted = publisher.post(url, data=changed(edit_form(publisher.get(url)), **visit))
    question = asked(publisher, posted)
    for page in (question, None):
        if page is None:  # saved: the diff from the revision before
            assert answered(publisher, question).status_code == 303
            before = revisions_of(site, "facilities", facility.id)[-2]
            page = publisher.get(f"{url}/revisions/{before.id}")
        (section,) = parse(page.data).find_all("section", class_="diff")
        assert section.find("h2").text == "无台阶入口"
        diff = section.find(class_="diff__text")
        assert "=" not in diff.text and "on-site" not in diff.text
        assert "台阶数：" in diff.text and "门宽（厘米）：100" in diff.text
        inserted = " ".join(i.text for i in diff.find_all("ins"))
        assert "实地测量" in inserted and "2" in inserted and "2026" in inserted
        assert [d.text for d in diff.find_all("del")] == ["删除：0（结束）"]


@pytest.mark.parametrize(
    "text, control",
    [
        ("也许", ""),
        ("; steps=0", ""),
        ("是; steps=很多", "-steps"),
        ("是; steps=-1", "-steps"),
        ("是; verified_on=昨天", "-verified_on"),
    ],
)
def test_a_feature_written_wrongly_is_an_error_on_its_control(site, publisher, text, control):
    facility = row_of(site, Facility, slug="rukang-boping")
    response = save(publisher, edit_url("facilities", facility.id), feature_step_free_entrance=text)
    assert response.status_code == 400
    assert f"#field-feature_step_free_entrance{control}" in summary_links(response)
    assert row_of(site, Facility, slug="rukang-boping").accessibility == facility.accessibility


def test_an_editors_text_is_kept_when_the_draft_goes_public_while_they_write(
    site, publisher, editor_client
):
    id_ = item_id(create_update(editor_client, **READY))
    url = edit_url("updates", id_)
    fields = edit_form(editor_client.get(url))
    save(publisher, url, "publish")
    response = editor_client.post(url, data=changed(fields, body="编辑刚写好的一段。"))
    assert response.status_code == 403
    doc = parse(response.data)
    summary = doc.find(**{"data-error-summary": True})
    assert "复制下来发给发布人" in summary.text and "#typed-text" in summary.hrefs
    # The text in a box that takes focus and can be selected and copied: read-only, not
    # disabled (nor inside a disabled fieldset, as the form's fields are).
    typed = doc.find("textarea", id="typed-body")
    assert typed.text.strip() == "编辑刚写好的一段。"
    assert "readonly" in typed.attrs and "disabled" not in typed.attrs
    assert all("disabled" not in parent.attrs for parent in typed.parents)
    assert "发布人看不到" in doc.find(id="typed-text").text
    # The form shows what is saved now, which this account can no longer change.
    assert field_value(response, "body") == FIXED_BODY.strip()
    assert row_of(site, Update, id=id_).body == FIXED_BODY.strip()
    with site.app_context():
        (kept,) = db.session.scalars(select(Autosave).where(Autosave.key == str(id_)))
        assert kept.data["body"] == "编辑刚写好的一段。"


def test_a_conflict_on_different_fields_is_still_announced_and_not_saved(site, publisher):
    facility = row_of(site, Facility, slug="rukang-boping")
    url = edit_url("facilities", facility.id)
    stale = edit_form(publisher.get(url))
    assert save(publisher, url, hours_note="周三下午闭馆。").status_code == 303
    response = publisher.post(url, data=changed(stale, transport="乘 3 路公交到博平站。"))
    assert response.status_code == 409
    alert = parse(response.data).find(**{"data-error-summary": True})
    assert alert is not None and "不同的地方" in alert.text
    assert row_of(site, Facility, slug="rukang-boping").transport == facility.transport
    merged = edit_form(response)
    assert merged["hours_note"] == ["周三下午闭馆。"]
    assert merged["transport"] == ["乘 3 路公交到博平站。"]


def test_an_indicator_has_no_schedule_to_cancel(site, publisher):
    url = "/staff/indicators/1/unschedule"
    token = edit_form(publisher.get("/staff/indicators/1"))["csrf_token"][0]
    assert publisher.post(url, data={"csrf_token": token}).status_code == 404


def test_a_news_item_about_wheelchairs_does_not_push_the_service_down(site, publisher):
    create_update(
        publisher,
        "publish",
        kind="notice",
        title="辅助器具适配服务开始预约",
        summary="持证残疾人可以预约轮椅、助听器等辅助器具的免费适配。",
        body="## 怎么预约\n\n拨打 12345 或到如康家园登记，领取轮椅。\n",
    )
    results = parse(site.test_client().get("/search?q=轮椅").data).find(id="search-results")
    found = [li.find("a").get("href") for li in results.find_all("li", **{"class": "result"})]
    assert any(url.startswith("/updates/") for url in found), "the notice is found"
    assert found[0] == "/services/assistive-devices"


@pytest.mark.slow  # every published item's edit form and public page
def test_every_published_item_opens_in_the_back_office_and_links_to_its_public_page(
    site, publisher
):
    """The plan's introduction is a static page that has no address of its own: its edit
    form once failed, building a link to /plan as if it were one."""
    create_update(publisher, action="publish", **READY)  # the content files hold none
    public = site.test_client()
    for kind in forms.EDITABLE.values():
        with site.app_context():
            rows = db.session.scalars(select(kind.model)).all()
            live = [row.id for row in rows if not kind.has_status or row.status == "published"]
        assert live, kind.name
        for id_ in live:
            page = parse(publisher.get(edit_url(kind.name, id_)).data)
            links = [a for a in page.find_all("a") if a.get_text() == "查看公开页面"]
            assert len(links) == 1, (kind.name, id_)
            link = links[0]
            assert public.get(link["href"]).status_code == 200, (kind.name, id_, link["href"])
