"""Typed text a member of staff must not lose: a form posted after signing out in another
tab shows its text to copy on the page that refuses it (every back-office form with text
boxes, each box by its own label, never a password), and the inbox item's page keeps a
half-written reply and note when the header's language or display buttons are pressed
without JavaScript."""

from datetime import timedelta

import pytest
from barrierfree.database import db, utcnow
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage
from barrierfree.staff.editing.forms import EDITABLE
from barrierfree.staff.models import Autosave, StaffSession
from conftest import parse
from sqlalchemy import select, update
from staff_helpers import (
    controls_of,
    csrf,
    fields_of,
    form_fields,
    make_staff,
    sign_in,
    signed_in,
    token_in,
)
from test_inbox import send

REPLY = "您好，坡道下周修好，修好后再告诉您。"
NOTE = "已经打电话给场所管理方。"
CSRF_PAGE = "表单已失效"


@pytest.fixture
def staff(loaded_app):
    """An editor and an administrator."""
    return {
        "li": make_staff(loaded_app, "li", "editor"),
        "zhao": make_staff(loaded_app, "zhao", "admin"),
    }


def signed_out(client) -> None:
    """Sign out, as another tab of the same browser does."""
    response = client.post("/staff/sign-out", data={"csrf_token": csrf(client, "/staff/")})
    assert response.status_code == 303


def shown_to_copy(response) -> dict[str, str]:
    """The read-only text boxes of a refusal page, by label."""
    main = parse(response.data).find("main")
    boxes = {}
    for box in main.find_all("textarea"):
        assert "readonly" in box.attrs
        label = main.find("label", for_=box["id"])
        boxes[label.get_text(" ", strip=True)] = box.get_text().removeprefix("\n")
    return boxes


def link_to(element, text: str) -> str:
    """The address of the link in `element` that reads `text`."""
    return next(a["href"] for a in element.find_all("a") if a.text == text)


def messages(app) -> list:
    with app.app_context():
        return db.session.scalars(select(FeedbackMessage)).all()


def autosaves(app) -> list:
    with app.app_context():
        return db.session.scalars(select(Autosave)).all()


# --- A form posted after signing out ----------------------------------------------------


@pytest.mark.parametrize(("action", "field", "label"), [("reply", "body", "答复居民"),
                                                         ("note", "body", "备注")])  # fmt: skip
def test_a_reply_posted_after_signing_out_is_on_the_refusal_page_to_copy(
    loaded_app, staff, action, field, label
):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    signed_out(li)

    response = li.post(
        f"/staff/inbox/{item_id}/{action}",
        data={"csrf_token": token_in(page.data), field: REPLY, "last_message": "0"},
    )

    assert response.status_code == 400
    assert CSRF_PAGE in response.text
    assert shown_to_copy(response) == {label: REPLY}
    main = parse(response.data).find("main")
    assert "后退" not in main.text and "自动保存" not in main.text
    assert "复制" in main.text and "登录" in main.text
    assert link_to(main, "登录").startswith("/staff/sign-in?next=")
    assert messages(loaded_app) == [] and autosaves(loaded_app) == []


def test_the_refusal_page_shows_no_token_version_or_choice(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    token = token_in(page.data)
    signed_out(li)
    for action, data in [("state", {"state": "closed", "version": "1"}),
                         ("assign", {"assignee": "1", "version": "1"})]:  # fmt: skip
        response = li.post(f"/staff/inbox/{item_id}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 400
        assert shown_to_copy(response) == {}
        assert token not in response.text
        assert "请登录后回到表单" in parse(response.data).find("main").text


def test_an_editor_form_posted_after_signing_out_shows_its_typed_fields_only(loaded_app, staff):
    li = signed_in(loaded_app, "li")
    page = li.get("/staff/updates/new")
    fields = form_fields(page.data, "edit-form")
    signed_out(li)

    typed = {**fields, "title": ["坡道维修的通知"], "body": ["坡道下周一到周三维修。"]}
    response = li.post("/staff/updates/new", data={**typed, "action": "save"})

    assert response.status_code == 400
    shown = shown_to_copy(response)
    assert "坡道维修的通知" in shown.values() and "坡道下周一到周三维修。" in shown.values()
    assert all(value.strip() for value in shown.values())  # empty fields are left out
    assert fields["csrf_token"][0] not in response.text
    assert "notice" not in shown.values()  # a choice (the update's kind) is not typed text
    assert autosaves(loaded_app) == []


def test_a_new_account_refused_shows_its_names_and_never_the_password(loaded_app, staff):
    zhao = signed_in(loaded_app, "zhao")
    response = zhao.post(
        "/staff/accounts/new",
        data={"csrf_token": "stale", "username": "wu", "display_name": "吴",
              "role": "editor", "password": "一个很长的初始密码 123"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "一个很长的初始密码" not in response.text
    assert shown_to_copy(response) == {"用户名": "wu", "姓名": "吴"}


# Every back-office page with forms that post, as an administrator sees it (for a kind the
# back office cannot create, its first item's form).
FORM_PAGES = [
    "/staff/accounts/new",
    "/staff/accounts/{li}",
    "/staff/password",
    "/staff/media/",
    "/staff/bulk/",
    "/staff/inbox/{item}",
    *(f"/staff/{kind}/{{{kind}}}" for kind in EDITABLE),
]
# What a browser shows as a box to type text in.
TEXT_TYPES = ("text", "date", "datetime-local", "number", "email", "tel", "url", "search")
SECRET = "不能给人看的口令 42"


def text_box(element) -> bool:
    """A control a member of staff types text into, and sees."""
    if element.tag == "textarea":
        return not element.has_attr("readonly")
    return (
        element.tag == "input"
        and element.get("type", "text") in TEXT_TYPES
        and not element.has_attr("hidden")
        and not element.has_attr("readonly")
    )


def own_label(doc, box) -> str:
    """A box's label as its form shows it: a feature's controls under the feature's name."""
    label = doc.find("label", for_=box["id"]).get_text(" ", strip=True)
    fieldset = box.find_parent("fieldset")
    if fieldset is not None and "feature-visit" in fieldset.classes:
        return f"{fieldset.find('legend').get_text(' ', strip=True)}：{label}"
    return label


def form_page_ids(app, staff) -> dict:
    """The ids the pages' addresses take: another's account, an item that takes a public
    example, and for each kind the new item's form or, where there is none, the first item's."""
    item_id, _ = send(app)
    with app.app_context():
        db.session.execute(update(FeedbackItem).values(state="closed"))
        db.session.commit()
        first = {
            name: db.session.scalar(select(kind.model.id).order_by(kind.model.id))
            for name, kind in EDITABLE.items()
        }
    news = {name: "new" for name, kind in EDITABLE.items() if kind.can_create}
    return {"li": staff["li"], "item": item_id, **first, **news}


@pytest.mark.slow
def test_every_form_refused_after_signing_out_shows_its_text_boxes_by_their_labels(
    loaded_app, staff
):
    ids = form_page_ids(loaded_app, staff)
    seen_text = seen_password = 0
    for address in FORM_PAGES:
        url = address.format(**ids)
        zhao = signed_in(loaded_app, "zhao")
        page = zhao.get(url)
        assert page.status_code == 200, url
        doc = parse(page.data)
        forms = [
            f for f in doc.find_all("form", method="post") if f.find("input", name="csrf_token")
        ]
        signed_out(zhao)
        for form in forms:
            controls = controls_of(doc, form)
            data, expected = fields_of(controls), {}
            for element in controls:
                name = element.get("name")
                if not name or element.has_attr("disabled"):
                    continue
                if element.tag == "input" and element.get("type") == "password":
                    data[name] = [SECRET]
                    seen_password += 1
                elif text_box(element):
                    data[name] = [text := f"第{len(expected) + 1}个框里写的字"]
                    expected[own_label(doc, element)] = text
            response = zhao.post(form.get("action"), data=data)

            where = f"{url} {form.get('action')}"
            assert response.status_code == 400, where
            assert CSRF_PAGE in response.text, where
            assert shown_to_copy(response) == expected, where
            assert SECRET not in response.text and data["csrf_token"][0] not in response.text, where
            seen_text += len(expected)
    assert seen_text > 40 and seen_password == 4  # new account, another's, one's own two
    assert autosaves(loaded_app) == [] and messages(loaded_app) == []


def test_sign_in_refused_for_its_token_shows_nothing_typed(loaded_app, staff):
    client = loaded_app.test_client()
    response = client.post("/staff/sign-in", data={"username": "li", "password": "秘密的口令 9"})
    assert response.status_code == 400
    assert "秘密的口令" not in response.text and shown_to_copy(response) == {}


def test_the_english_refusal_page_marks_chinese_text_and_reads_in_english(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/en/staff/inbox/{item_id}")
    signed_out(li)
    response = li.post(
        f"/en/staff/inbox/{item_id}/reply", data={"csrf_token": token_in(page.data), "body": REPLY}
    )
    assert response.status_code == 400
    main = parse(response.data).find("main")
    box = main.find("textarea")
    assert box["lang"] == "zh-CN" and box.get_text().strip() == REPLY
    assert main.find("label", for_=box["id"]).get_text(strip=True) == "Reply to the resident"
    assert link_to(main, "Sign in").startswith("/en/staff/sign-in?next=")


# --- The item page's header buttons without JavaScript -----------------------------------


def test_the_item_page_sends_its_reply_form_with_the_header_buttons(loaded_app, staff):
    item_id, _ = send(loaded_app)
    page = parse(signed_in(loaded_app, "li").get(f"/staff/inbox/{item_id}").data)
    for mode in ("large", "contrast"):
        button = page.find("button", id=f"display-{mode}")
        assert button["form"] == "reply-form" and not button.has_attr("formaction")
    language = page.find("button", class_="language-link")
    assert language["form"] == "reply-form"
    assert language["formaction"] == f"/en/staff/inbox/{item_id}"
    assert (language["name"], language["value"]) == ("show", "1")


@pytest.mark.parametrize(
    ("path", "pressed"),
    [("/reply", {"large": "1"}), ("/reply", {"contrast": "1"}), ("", {"show": "1"})],
    ids=["large-text", "high-contrast", "english"],
)
def test_switching_display_or_language_keeps_the_reply_and_sends_nothing(
    loaded_app, staff, path, pressed
):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    fields = {**form_fields(page.data, "reply-form"), "body": REPLY}
    prefix = "/en" if "show" in pressed else ""

    response = li.post(f"{prefix}/staff/inbox/{item_id}{path}", data={**fields, **pressed})

    assert response.status_code == 200
    doc = parse(response.data)
    assert doc.find("textarea", id="field-reply").get_text().strip() == REPLY
    assert doc.find(data_error_summary=True) is None  # nothing was checked
    if prefix:
        assert doc.find("html")["lang"] == "en"
    else:
        mode = next(iter(pressed))
        assert mode in doc.find("html")["class"] and li.get_cookie("display").value == mode
    # The form shown again carries what the page had shown, and again sends the form.
    assert form_fields(response.data, "reply-form")["last_message"] == fields["last_message"]
    assert doc.find("button", class_="language-link")["form"] == "reply-form"
    assert messages(loaded_app) == [] and autosaves(loaded_app) == []


def test_on_the_page_of_a_refused_note_the_buttons_keep_the_note(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    refused = li.post(
        f"/staff/inbox/{item_id}/note", data={"csrf_token": token_in(page.data), "note": "  "}
    )
    assert refused.status_code == 400
    doc = parse(refused.data)
    assert doc.find("button", id="display-large")["form"] == "reply-form"
    assert doc.find("button", class_="language-link")["formaction"] == (
        f"/en/staff/inbox/{item_id}/note"
    )

    fields = {**form_fields(refused.data, "reply-form"), "body": REPLY, "note": NOTE}
    for url, pressed in [(f"/staff/inbox/{item_id}/reply", {"large": "1"}),
                         (f"/en/staff/inbox/{item_id}/note", {"show": "1"})]:  # fmt: skip
        response = li.post(url, data={**fields, **pressed})
        assert response.status_code == 200
        again = parse(response.data)
        assert again.find("textarea", id="field-note").get_text().strip() == NOTE
        assert again.find("textarea", id="field-reply").get_text().strip() == REPLY
    assert messages(loaded_app) == []


def test_the_note_is_sent_with_the_reply_form_and_saved_from_it(loaded_app, staff):
    """One form, so that the header's buttons carry both: the note's box and button join
    the reply's form, the button sending it to the note's address."""
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    doc = parse(page.data)
    note_box = doc.find("textarea", id="field-note")
    assert (note_box["form"], note_box["name"]) == ("reply-form", "note")
    save_note = next(b for b in doc.find_all("button") if b.text == "保存备注")
    assert save_note["form"] == "reply-form"
    assert save_note["formaction"] == f"/staff/inbox/{item_id}/note"
    assert doc.find("form", id="note-form") is None

    fields = {**form_fields(page.data, "reply-form"), "body": REPLY, "note": NOTE}
    saved = li.post(f"/staff/inbox/{item_id}/note", data=fields)

    assert saved.status_code == 303
    assert [(m.kind, m.body) for m in messages(loaded_app)] == [("note", NOTE)]


@pytest.mark.parametrize(
    ("path", "pressed"),
    [
        ("", {"large": "1"}),
        ("", {"contrast": "1"}),
        ("", {"show": "1"}),
        ("/reply", {"large": "1"}),
        ("/note", {"show": "1"}),
    ],  # fmt: skip
    ids=["large-text", "high-contrast", "english", "large-on-reply", "english-on-note"],
)
def test_switching_display_or_language_keeps_the_reply_and_the_note(
    loaded_app, staff, path, pressed
):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    fields = {**form_fields(page.data, "reply-form"), "body": REPLY, "note": NOTE}
    prefix = "/en" if "show" in pressed else ""
    # The buttons send the form to the page's own address: the item's (its display buttons
    # to the reply's, the form's own action), the reply's or the note's.
    url = f"{prefix}/staff/inbox/{item_id}{path or ('' if prefix else '/reply')}"

    response = li.post(url, data={**fields, **pressed})

    assert response.status_code == 200
    doc = parse(response.data)
    assert doc.find("textarea", id="field-reply").get_text().strip() == REPLY
    assert doc.find("textarea", id="field-note").get_text().strip() == NOTE
    assert doc.find(data_error_summary=True) is None  # nothing was checked
    assert messages(loaded_app) == [] and autosaves(loaded_app) == []


def test_a_note_form_from_an_older_page_is_still_saved(loaded_app, staff):
    """A page shown before the note joined the reply's form posts the note alone as "body"."""
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    token = token_in(li.get(f"/staff/inbox/{item_id}").data)
    saved = li.post(f"/staff/inbox/{item_id}/note", data={"csrf_token": token, "body": NOTE})
    assert saved.status_code == 303
    assert [(m.kind, m.body) for m in messages(loaded_app)] == [("note", NOTE)]


def test_another_forms_page_sends_no_reply_form_where_it_would_be_misread(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    refused = li.post(
        f"/staff/inbox/{item_id}/state", data={"csrf_token": token_in(page.data), "state": "x"}
    )
    assert refused.status_code == 400
    doc = parse(refused.data)
    assert doc.find(class_="language-link").name == "a"
    assert not doc.find("button", id="display-large").has_attr("form")


def test_the_language_button_after_the_session_timed_out_keeps_reply_and_note_as_drafts(
    loaded_app, staff
):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    with loaded_app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()

    response = li.post(
        f"/en/staff/inbox/{item_id}",
        data={**form_fields(page.data, "reply-form"), "body": REPLY, "note": NOTE, "show": "1"},
    )

    assert response.status_code == 303 and "/staff/sign-in" in response.headers["Location"]
    assert sign_in(li, "li").status_code == 303
    again = parse(li.get(f"/en/staff/inbox/{item_id}").data)
    assert again.find("textarea", id="field-reply").get_text().strip() == REPLY
    assert again.find("textarea", id="field-note").get_text().strip() == NOTE
    assert messages(loaded_app) == []


def test_a_post_from_another_site_is_not_shown_back(loaded_app, staff):
    """Its words would read as this site's own."""
    item_id, _ = send(loaded_app)
    client = loaded_app.test_client()
    response = client.post(
        f"/staff/inbox/{item_id}/reply",
        data={"body": "请拨打 400 电话领取补贴"},
        headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 400
    assert "领取补贴" not in response.text and shown_to_copy(response) == {}
