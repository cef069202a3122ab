"""New items' autosaves: each opening of the new form keeps its draft under a key of its own,
so two tabs of one account never overwrite or delete each other's text."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from barrierfree.database import db, utcnow
from barrierfree.services.models import Service
from barrierfree.staff.editing import autosaves
from barrierfree.staff.models import Autosave, StaffSession, StaffUser
from barrierfree.updates.models import Update
from conftest import parse
from sqlalchemy import select
from staff_helpers import copied_app, form_fields, make_staff, prepared_database, signed_in

PUBLISHER = "li-publisher"
NEW = "/staff/updates/new"
FIRST = {
    "kind": "notice",
    "title": "助听器验配报名",
    "summary": "持证听力残疾人可以免费验配助听器。",
    "body": "第一个标签页写的正文。",
}
SECOND = FIRST | {"title": "盲人按摩培训", "body": "第二个标签页写的正文。"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content and a publisher account, made once and copied per test."""
    return prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own."""
    return copied_app(prepared, tmp_path)


@pytest.fixture
def client(site):
    """A client signed in as the publisher."""
    return signed_in(site, PUBLISHER)


def new_form(client, **query) -> dict[str, list[str]]:
    """The fields of a new update's form, opened now (in a tab of its own)."""
    return form_fields(client.get(NEW, query_string=query).data, "edit-form")


def typed(fields: dict, text: dict) -> dict:
    """The form's fields with `text` typed in."""
    return fields | {name: [value] for name, value in text.items()}


def autosave(client, fields: dict, text: dict, key: str | None = None):
    """What htmx posts while `text` is typed into the form, to the form's autosave URL."""
    data = typed(fields, text)
    token = data.pop("csrf_token")[0]
    return client.post(
        f"/staff/updates/{key or fields['draft'][0]}/autosave",
        data=data,
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )


def drafts(site) -> dict[str, dict]:
    """Every autosave kept, by key: its text."""
    with site.app_context():
        return {row.key: row.data for row in db.session.scalars(select(Autosave))}


def offered(client) -> list[tuple[str, str, str]]:
    """The drafts a new form offers, in order: (title shown, load link, discard address)."""
    offer = parse(client.get(NEW).data).find("ul", id="new-drafts")
    if offer is None:
        return []
    return [
        (item.find("h3").text.strip(), item.find("a")["href"], item.find("form")["action"])
        for item in offer.find_all("li")
    ]


def test_two_new_forms_autosave_separately_and_both_are_offered(site, client):
    one, two = new_form(client), new_form(client)
    keys = one["draft"][0], two["draft"][0]
    assert keys[0] != keys[1] and all(autosaves.is_new_key(key) for key in keys)
    assert len(keys[0]) + len(autosaves.KEPT) <= 40  # the key column's size

    assert autosave(client, one, FIRST).status_code == 200
    assert autosave(client, two, SECOND).status_code == 200
    assert autosave(client, one, FIRST | {"body": "第一个标签页又写了一句。"}).status_code == 200

    kept = drafts(site)
    assert set(kept) == set(keys)
    assert kept[keys[0]]["body"] == "第一个标签页又写了一句。"
    assert kept[keys[1]]["body"] == SECOND["body"]
    # Newest first, each told apart by its title, with its own load link.
    shown = offered(client)
    assert [title for title, _link, _discard in shown] == [FIRST["title"], SECOND["title"]]
    assert [parse_qs(urlsplit(link).query)["draft"] for _t, link, _d in shown] == [
        [keys[0]],
        [keys[1]],
    ]


def test_both_forms_autosave_at_once_while_drafts_are_offered(site, client):
    autosave(client, new_form(client), FIRST)
    page = client.get(NEW)
    fields = form_fields(page.data, "edit-form")
    assert autosaves.ON_OFFER not in fields
    assert parse(page.data).find(data_autosave=True) is not None
    assert autosave(client, fields, SECOND).status_code == 200
    assert len(drafts(site)) == 2


def test_saving_one_form_leaves_the_others_draft(site, client):
    one, two = new_form(client), new_form(client)
    autosave(client, one, FIRST)
    autosave(client, two, SECOND)

    saved = client.post(NEW, data=typed(one, FIRST | {"action": "save"}))

    assert saved.status_code == 303
    assert list(drafts(site)) == [two["draft"][0]]
    assert [title for title, _link, _discard in offered(client)] == [SECOND["title"]]


def test_a_save_with_errors_keeps_the_text_under_the_forms_own_key(site, client):
    one, two = new_form(client), new_form(client)
    autosave(client, two, SECOND)

    response = client.post(NEW, data=typed(one, {"title": "", "body": "没有标题的正文。"}))

    assert response.status_code == 400
    assert form_fields(response.data, "edit-form")["draft"] == one["draft"]
    kept = drafts(site)
    assert kept[one["draft"][0]]["body"] == "没有标题的正文。"
    assert kept[two["draft"][0]]["body"] == SECOND["body"]


def test_loading_a_draft_continues_it_under_its_key(site, client):
    one = new_form(client)
    key = one["draft"][0]
    autosave(client, one, FIRST)
    (_title, link, _discard) = offered(client)[0]

    loaded = form_fields(client.get(link).data, "edit-form")

    assert loaded["draft"] == [key] and loaded["body"] == [FIRST["body"]]
    autosave(client, loaded, FIRST | {"body": "载入以后接着写。"})
    assert drafts(site) == {key: drafts(site)[key]}
    assert drafts(site)[key]["body"] == "载入以后接着写。"
    # The draft it continues is not offered above it again.
    page = parse(client.get(link).data)
    assert page.find("ul", id="new-drafts") is None
    saved = client.post(NEW, data=typed(loaded, FIRST | {"action": "save"}))
    assert saved.status_code == 303 and drafts(site) == {}


def test_discarding_one_draft_keeps_the_others(site, client):
    one, two, here = new_form(client), new_form(client), new_form(client)
    autosave(client, one, FIRST)
    autosave(client, two, SECOND)
    autosave(client, here, {"title": "正在写的"})
    page = parse(client.get(NEW, query_string={"draft": here["draft"][0]}).data)
    discard = page.find("form", action=f"/staff/updates/{two['draft'][0]}/autosave/discard")
    fields = {i["name"]: i.get("value", "") for i in discard.find_all("input")}

    gone = client.post(discard["action"], data=fields)

    assert gone.status_code == 303
    # The page that discarded it goes on with its own draft.
    assert parse_qs(urlsplit(gone.headers["Location"]).query)["draft"] == here["draft"]
    assert set(drafts(site)) == {one["draft"][0], here["draft"][0]}


@pytest.mark.parametrize(
    "key",
    [
        "new-short",
        "new-" + "a" * 17,
        "new-" + "a" * 15 + "!",
        "new-" + "a" * 16 + ":kept:kept",
        "newer",
        "new-" + "a" * 16 + ":other",
        "0",
    ],
)
def test_a_forged_or_malformed_key_is_refused_and_never_stored(site, client, key):
    fields = new_form(client)

    assert autosave(client, fields, FIRST, key=key).status_code == 404
    assert client.post(NEW, data=typed(fields, FIRST | {"draft": key})).status_code == 404
    assert client.get(NEW, query_string={"draft": key}).status_code == 404
    discard = client.post(
        f"/staff/updates/{key}/autosave/discard", data={"csrf_token": fields["csrf_token"]}
    )
    assert discard.status_code == 404
    assert drafts(site) == {}
    with site.app_context():
        assert db.session.scalar(select(Update).where(Update.title == FIRST["title"])) is None


def test_a_form_posted_after_the_session_lapsed_keeps_its_text_under_its_own_key(site, client):
    one, two = new_form(client), new_form(client)
    autosave(client, two, SECOND)
    with site.app_context():
        for open_session in db.session.scalars(select(StaffSession)):
            open_session.last_seen_at -= timedelta(minutes=45)
        db.session.commit()

    forged = autosave(client, one, FIRST, key="new-forged")
    response = client.post(NEW, data=typed(one, FIRST | {"action": "save"}))

    assert forged.status_code == 404
    assert response.status_code == 303
    kept = drafts(site)
    assert set(kept) == {one["draft"][0], two["draft"][0]}
    assert kept[one["draft"][0]]["body"] == FIRST["body"]
    assert kept[two["draft"][0]]["body"] == SECOND["body"]


def test_an_old_single_new_draft_is_still_offered_and_loaded(site, client):
    with site.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == PUBLISHER))
        for key, title, age in (("new", "旧的草稿", 2), ("new:kept", "", 1)):
            db.session.add(
                Autosave(
                    user_id=user.id, kind="updates", key=key, data={"title": title, "body": "旧"},
                    base_version=None, saved_at=utcnow() - timedelta(hours=age),
                )
            )  # fmt: skip
        db.session.commit()

    shown = offered(client)

    assert [title for title, _link, _discard in shown] == ["未填标题", "旧的草稿"]
    assert shown[1][2] == "/staff/updates/new/autosave/discard"
    loaded = form_fields(client.get(shown[1][1]).data, "edit-form")
    assert loaded["draft"] == ["new"] and loaded["title"] == ["旧的草稿"]
    saved = client.post(NEW, data=typed(loaded, FIRST | {"title": "旧的草稿", "action": "save"}))
    assert saved.status_code == 303 and list(drafts(site)) == ["new:kept"]


def test_each_new_form_keeps_its_own_browser_copy(client):
    names = [
        parse(client.get(NEW).data).find("form", id="edit-form")["data-local-copy"]
        for _ in range(2)
    ]
    assert names[0] != names[1] and not any(name.endswith(NEW) for name in names)


def unsaved(client, path: str = "/staff/") -> list[tuple[str, str]]:
    """What the back office's home lists as not yet saved, in order: (link text, address)."""
    listed = parse(client.get(path).data).find("ul", id="unsaved")
    if listed is None:
        return []
    return [(" ".join(a.text.split()), a["href"]) for a in listed.select("li > a")]


def first_service(site) -> tuple[int, str]:
    """The id and title of a service, an item that exists."""
    with site.app_context():
        service = db.session.scalar(select(Service).order_by(Service.id))
        return service.id, service.title


def test_the_home_page_lists_the_accounts_unsaved_texts_newest_first(site, client):
    service_id, title = first_service(site)
    edit = form_fields(client.get(f"/staff/services/{service_id}").data, "edit-form")
    blank, titled = new_form(client), new_form(client)
    autosave(client, blank, {"body": "还没有标题的正文。"})
    token = edit.pop("csrf_token")[0]
    client.post(
        f"/staff/services/{service_id}/autosave",
        data=edit | {"summary": ["改过的摘要。"]},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    autosave(client, titled, FIRST)
    with site.app_context():  # a second older than the next, so that the order is sure
        for age, key in enumerate((titled["draft"][0], str(service_id), blank["draft"][0])):
            row = db.session.scalar(select(Autosave).where(Autosave.key == key))
            row.saved_at = utcnow() - timedelta(seconds=age)
        db.session.commit()

    listed = unsaved(client)

    assert [text for text, _address in listed] == [
        f"通知公告和工作动态：{FIRST['title']}",
        f"服务事项：{title}",
        "通知公告和工作动态：未填标题",
    ]
    first = form_fields(client.get(listed[0][1]).data, "edit-form")
    assert first["draft"] == titled["draft"] and first["title"] == [FIRST["title"]]
    assert listed[1][1] == f"/staff/services/{service_id}"
    offer = parse(client.get(listed[1][1]).data).find("a", href=f"{listed[1][1]}?from=autosave")
    assert offer is not None  # and loaded, the autosave has the summary typed
    assert form_fields(client.get(offer["href"]).data, "edit-form")["summary"] == ["改过的摘要。"]
    english = parse(client.get("/en/staff/").data).find("ul", id="unsaved")
    assert english.find("span", lang="zh-CN").text == FIRST["title"]


def test_the_home_page_lists_an_item_once_and_only_the_accounts_own(site, client):
    make_staff(site, "wang-editor", "editor")
    service_id, _title = first_service(site)
    with site.app_context():
        users = {u.username: u.id for u in db.session.scalars(select(StaffUser))}
        for username, kind, key in (
            (PUBLISHER, "services", str(service_id)),
            (PUBLISHER, "services", f"{service_id}:kept"),
            ("wang-editor", "updates", "new-AAAAAAAAAAAAAAAA"),
        ):
            db.session.add(
                Autosave(user_id=users[username], kind=kind, key=key, data={"title": key},
                         base_version=None, saved_at=utcnow())
            )  # fmt: skip
        db.session.commit()

    listed = unsaved(client)

    assert [address for _text, address in listed] == [f"/staff/services/{service_id}"]
    assert "失效" in parse(client.get("/staff/").data).find("ul", id="unsaved").text
    assert len(unsaved(signed_in(site, "wang-editor"))) == 1
