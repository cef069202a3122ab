"""The staff inbox: the list with its filters and counts, one item, state changes,
assigning, notes, public replies, merging, the audit log, two people at once, who sees
contact details, overdue items in working days, and the purge of contact details."""

import itertools
import re
from datetime import date, timedelta

import pytest
from barrierfree.database import db, utcnow
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage
from barrierfree.mail.models import OutgoingMail
from barrierfree.staff.models import AuditEntry, Autosave, StaffUser
from conftest import MAIL_NOWHERE, parse, visitor_addresses
from flask import g
from sqlalchemy import select, update
from staff_helpers import (
    answered,
    csrf,
    error_summary,
    form_fields,
    make_staff,
    signed_in,
    token_in,
)

STATUS_LINK = re.compile(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}")
addresses = visitor_addresses(9)
question_number = itertools.count(1)


def send(app, path: str = "/feedback/ask", **fields) -> tuple[int, str]:
    """A resident sends a form from an address of their own: the item's id and the path
    of its status page."""
    if fields.get("reply_by") == "email":
        app.config.update(MAIL_NOWHERE)  # offered only when the site can send mail
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = next(addresses)
    data = {"csrf_token": csrf(client, path), "reply_by": "site", "topic": "other",
            "body": f"问题 {next(question_number)}", **fields}  # fmt: skip
    response = client.post(path, data=data)
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["Location"])
    with app.app_context():
        newest = db.session.scalar(select(FeedbackItem.id).order_by(FeedbackItem.id.desc()))
    return newest, STATUS_LINK.search(page.text).group()


def post(client, path: str, item_id: int, **data):
    """Post one of the item page's forms, with the token, version and newest message of
    the page; a public reply's question is answered yes."""
    page = client.get(f"/staff/inbox/{item_id}")
    fields = {"csrf_token": token_in(page.data), **data}
    for name in ("version", "last_message"):
        found = parse(page.data).find("input", name=name)
        if found is not None and name not in data:
            fields[name] = found.get("value")
    return answered(client, client.post(f"/staff/inbox/{item_id}/{path}", data=fields))


def item(app, item_id: int) -> FeedbackItem:
    with app.app_context():
        row = db.session.get(FeedbackItem, item_id)
        db.session.expunge(row)
        return row


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (a.action, a.key)
            for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


@pytest.fixture
def staff(loaded_app):
    """Three accounts: an editor, a second editor and an administrator."""
    return {
        "li": make_staff(loaded_app, "li", "editor"),
        "wang": make_staff(loaded_app, "wang", "editor"),
        "admin": make_staff(loaded_app, "zhao", "admin"),
    }


def test_the_inbox_needs_a_signed_in_member_of_staff(loaded_app):
    item_id, _ = send(loaded_app)
    client = loaded_app.test_client()
    for path in ("/staff/inbox/", f"/staff/inbox/{item_id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    assert client.post(f"/staff/inbox/{item_id}/reply", data={"body": "x"}).status_code in (
        302,
        303,
        400,
    )


def test_a_post_without_the_csrf_token_is_refused(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    assert li.post(f"/staff/inbox/{item_id}/reply", data={"body": "答复"}).status_code == 400
    with loaded_app.app_context():
        assert db.session.scalars(select(FeedbackMessage)).all() == []


# --- The journey: a question answered on the site --------------------------------------


@pytest.mark.parametrize("page", ["0", "00", "-1", "x"])
def test_an_odd_page_number_shows_the_first_page(loaded_app, staff, page):
    """?page=0 made a negative OFFSET, which PostgreSQL refuses (a 500)."""
    admin = signed_in(loaded_app, "zhao")
    for path in ("/staff/inbox/", "/staff/audit"):
        assert admin.get(path, query_string={"page": page}).status_code == 200


def test_each_page_of_the_audit_log_has_a_title_of_its_own(loaded_app, staff):
    with loaded_app.app_context():
        db.session.add_all(AuditEntry(username="zhao", action="save") for _ in range(101))
        db.session.commit()
    admin = signed_in(loaded_app, "zhao")
    titles = {parse(admin.get(f"/staff/audit?page={n}").data).find("title").text for n in (1, 2)}
    assert len(titles) == 2 and any("第2页" in title for title in titles)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_reply_reaches_the_status_page_and_answers_the_item(loaded_app, staff, prefix):
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    listing = li.get(prefix + "/staff/inbox/")
    assert listing.status_code == 200
    reference = item(loaded_app, item_id).reference
    assert reference in listing.text
    assert li.get(f"{prefix}/staff/inbox/{item_id}").status_code == 200
    response = post(li, "reply", item_id, body="您好：\n补办残疾人证请带身份证到区残联。")
    assert response.status_code == 303
    assert item(loaded_app, item_id).state == "answered"
    assert item(loaded_app, item_id).answered_at is not None
    status = loaded_app.test_client().get(link)
    assert "补办残疾人证请带身份证到区残联" in status.text and "已答复" in status.text
    assert ("inbox-reply", reference) in audit_actions(loaded_app)


def test_a_public_reply_is_shown_as_the_resident_will_read_it_before_it_goes(loaded_app, staff):
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    text = "您好：\n请带身份证到区残联。<b>不是标记</b>"
    question = li.post(
        f"/staff/inbox/{item_id}/reply", data={"csrf_token": token_in(page.data), "body": text}
    )
    assert question.status_code == 200
    doc = parse(question.data)
    assert doc.find("title").text.startswith("发布这条答复？")
    assert "不能撤回" in doc.find("main").text
    shown = doc.find(class_="reply-preview")
    assert "<b>不是标记</b>" in shown.text and shown.find("b") is None
    assert item(loaded_app, item_id).state == "new"
    assert "请带身份证" not in loaded_app.test_client().get(link).text

    back = answered(li, question, "edit")
    assert back.status_code == 200
    assert parse(back.data).find("textarea", id="field-reply").get_text().strip() == text
    assert item(loaded_app, item_id).state == "new"

    assert answered(li, question).status_code == 303
    assert item(loaded_app, item_id).state == "answered"
    assert "请带身份证到区残联" in loaded_app.test_client().get(link).text


def test_a_reply_confirmed_twice_is_published_and_mailed_once(loaded_app, staff):
    """A double click on 确认发布答复, or Back and confirm again: the resident gets one reply,
    and staff are told the second was not sent."""
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    question = li.post(
        f"/staff/inbox/{item_id}/reply",
        data={"csrf_token": token_in(page.data), "body": "已办好。"},
    )
    assert answered(li, question).status_code == 303
    again = answered(li, question)
    assert again.status_code == 303
    assert "刚才已经发布过了" in li.get(again.headers["Location"]).text
    with loaded_app.app_context():
        replies = db.session.scalars(select(FeedbackMessage).where(FeedbackMessage.kind == "reply"))
        assert [m.body for m in replies] == ["已办好。"]
    assert ("inbox-reply", item(loaded_app, item_id).reference) in audit_actions(loaded_app)


# --- Two replies at once: one is shown the other before it goes --------------------------


def reply_form(client, item_id: int, prefix: str = "") -> dict:
    """What the item page's reply form sends (its token and the newest message it showed),
    as a member of staff loads the page before writing."""
    page = client.get(f"{prefix}/staff/inbox/{item_id}")
    return {"csrf_token": token_in(page.data), **{
        name: values[0] for name, values in form_fields(page.data, "reply-form").items()
    }}  # fmt: skip


def replies(app, item_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(FeedbackMessage.body)
                .where(FeedbackMessage.item_id == item_id, FeedbackMessage.kind == "reply")
                .order_by(FeedbackMessage.id)
            )
        )


def follow_up(app, link: str, text: str) -> None:
    resident = app.test_client()
    page = resident.get(link)
    response = resident.post(link, data={"csrf_token": token_in(page.data), "body": text})
    assert response.status_code == 303


def held_back(response) -> str:
    """The question sent again because messages came: its error summary, in words."""
    assert response.status_code == 409
    doc = parse(response.data)
    assert doc.find("title").text.startswith("错误：")
    summary = error_summary(response.data)
    assert summary["role"] == "alert" and summary.find("a", href="#arrived-heading") is not None
    assert doc.find(id="arrived-heading") is not None
    return summary.text


@pytest.mark.parametrize("when", ["before asking", "while asked"])
def test_a_reply_from_an_older_page_is_shown_a_colleague_s_reply_first(loaded_app, staff, when):
    """Two members of staff open the item; one publishes. The other's reply, written on the
    page from before, is not published: the question comes again with the colleague's reply
    in full and the text kept, whether it came before the question was asked or while it
    was on the screen."""
    item_id, link = send(loaded_app)
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    form = reply_form(wang, item_id)
    question = None
    if when == "while asked":
        question = wang.post(f"/staff/inbox/{item_id}/reply", data={**form, "body": "请下周一来。"})
        assert question.status_code == 200
    assert post(li, "reply", item_id, body="请本周五来办理。").status_code == 303

    if question is None:
        response = wang.post(f"/staff/inbox/{item_id}/reply", data={**form, "body": "请下周一来。"})
    else:
        response = answered(wang, question)
    assert "1 条公开的消息" in held_back(response) and "还没有发布" in held_back(response)
    main = parse(response.data).find("main")
    arrived = main.find("ol")
    assert "请本周五来办理。" in arrived.text and "公开答复" in arrived.text
    assert "请下周一来。" in main.find(class_="reply-preview").text
    assert replies(loaded_app, item_id) == ["请本周五来办理。"]
    assert "请下周一来" not in loaded_app.test_client().get(link).text

    # Asked again, knowing: it goes, once.
    assert answered(wang, response).status_code == 409  # not answered: the helper asks 200
    again = wang.post(
        f"/staff/inbox/{item_id}/reply",
        data={**form_fields(response.data, "confirm-form"), "confirm": "yes"},
    )
    assert again.status_code == 303
    assert replies(loaded_app, item_id) == ["请本周五来办理。", "请下周一来。"]


def test_a_follow_up_from_the_resident_meanwhile_is_shown_before_the_reply_goes(loaded_app, staff):
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    form = reply_form(li, item_id)
    question = li.post(f"/staff/inbox/{item_id}/reply", data={**form, "body": "请带身份证。"})
    follow_up(loaded_app, link, "我已经办好了，不用答复了。")

    response = answered(li, question)
    assert "还没有发布" in held_back(response)
    arrived = parse(response.data).find("main").find("ol")
    assert "居民的补充" in arrived.text and "我已经办好了，不用答复了。" in arrived.text
    assert replies(loaded_app, item_id) == []

    # Back to change it: the text is in the box, and the page now counts the follow-up seen.
    back = li.post(
        f"/staff/inbox/{item_id}/reply",
        data={**form_fields(response.data, "confirm-form"), "confirm": "edit"},
    )
    assert back.status_code == 200
    doc = parse(back.data)
    assert doc.find("textarea", id="field-reply").get_text().strip() == "请带身份证。"
    fields = {name: values[0] for name, values in form_fields(back.data, "reply-form").items()}
    asked = li.post(
        f"/staff/inbox/{item_id}/reply",
        data={**fields, "csrf_token": token_in(back.data), "body": "好的，这一条就关闭了。"},
    )
    assert asked.status_code == 200
    assert answered(li, asked).status_code == 303
    assert replies(loaded_app, item_id) == ["好的，这一条就关闭了。"]


def test_a_colleague_s_note_meanwhile_does_not_hold_a_reply_back(loaded_app, staff):
    """A note is not what the resident reads: the reply goes."""
    item_id, _ = send(loaded_app)
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    form = reply_form(li, item_id)
    assert post(wang, "note", item_id, body="已经打过电话。").status_code == 303
    question = li.post(f"/staff/inbox/{item_id}/reply", data={**form, "body": "请带身份证。"})
    assert question.status_code == 200
    assert answered(li, question).status_code == 303
    assert replies(loaded_app, item_id) == ["请带身份证。"]


def test_a_reply_without_the_newest_message_counts_every_public_one_as_new(loaded_app, staff):
    """A form from a page older than the field (or made by hand) has seen nothing."""
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    post(li, "reply", item_id, body="第一条答复。")
    form = reply_form(li, item_id)
    del form["last_message"]
    response = li.post(
        f"/staff/inbox/{item_id}/reply", data={**form, "body": "第二条。", "confirm": "yes"}
    )
    assert "第一条答复。" in parse(response.data).find("main").find("ol").text
    held_back(response)
    assert replies(loaded_app, item_id) == ["第一条答复。"]


def test_a_reply_kept_after_its_session_ended_still_meets_what_came_since(loaded_app, staff):
    from barrierfree.staff.models import StaffSession
    from staff_helpers import sign_in

    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    form = reply_form(li, item_id)
    with loaded_app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    lapsed = li.post(f"/staff/inbox/{item_id}/reply", data={**form, "body": "请带身份证。"})
    assert "/staff/sign-in" in lapsed.headers["Location"]
    follow_up(loaded_app, link, "地址在哪里？")
    sign_in(li, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    fields = {name: values[0] for name, values in form_fields(page.data, "reply-form").items()}
    assert fields["body"] == "请带身份证。" and fields["last_message"] == form["last_message"]
    asked = li.post(
        f"/staff/inbox/{item_id}/reply", data={**fields, "csrf_token": token_in(page.data)}
    )
    assert "地址在哪里？" in parse(asked.data).find("main").find("ol").text
    held_back(asked)


def test_the_reply_held_back_reads_in_english(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    form = reply_form(wang, item_id, "/en")
    post(li, "reply", item_id, body="请本周五来办理。")
    response = wang.post(
        f"/en/staff/inbox/{item_id}/reply",
        data={**form, "body": "Come on Monday.", "confirm": "yes"},
    )
    assert response.status_code == 409
    doc = parse(response.data)
    assert doc.find("title").text.startswith("Error: ")
    summary = error_summary(response.data).text
    assert "not been published" in summary and "1 public message" in summary
    assert "Public reply" in doc.find("main").find("ol").text
    assert doc.find("button", value="yes").text.strip() == "Publish this reply anyway"
    assert replies(loaded_app, item_id) == ["请本周五来办理。"]


def test_the_page_a_resident_reported_is_named_page_in_english(loaded_app, staff):
    # One page, not the search filter's "Pages" that shares its Chinese word.
    item_id, _ = send(loaded_app, "/feedback/page-error", page="/facilities/")
    doc = parse(signed_in(loaded_app, "li").get(f"/en/staff/inbox/{item_id}").data)
    link = doc.find("main").find("a", href="/facilities/")
    assert link.find_parent("dd").find_previous_sibling("dt").text == "Page"


@pytest.mark.parametrize(
    ("phone", "says", "never"),
    [
        ("0635-4281234", "留的是固定电话，收不到短信。请在这里写下答复，再打电话", "再发短信"),
        ("13800000000", "再发短信或打电话告诉居民", "固定电话"),
    ],
)
def test_the_reply_box_says_how_a_call_back_reaches_the_resident(
    loaded_app, staff, phone, says, never
):
    """To the assignee and to an administrator, who see the number."""
    item_id, _ = send(loaded_app, reply_by="phone", contact_phone=phone)
    li = signed_in(loaded_app, "li")
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    for reader in (li, signed_in(loaded_app, "zhao")):
        page = reader.get(f"/staff/inbox/{item_id}").text
        assert says in page and never not in page


def test_who_may_not_see_the_number_is_not_told_what_kind_it_is(loaded_app, staff):
    """Whether the number is a landline (so that it has an area code, or 11 digits) is
    part of the contact details: an editor who is not the assignee, of an item nobody has
    or of a colleague's, reads the same about a landline as about a mobile, on the page,
    asked by htmx, on the page of a refused form, and in the counts."""
    ids = [send(loaded_app, reply_by="phone", contact_phone=phone, body="电梯坏了")[0]
           for phone in ("0635-4281234", "13800000000")]  # fmt: skip
    with loaded_app.app_context():  # received in the same minute: pages alike but for this
        db.session.execute(
            update(FeedbackItem).where(FeedbackItem.id.in_(ids)).values(created_at=utcnow())
        )
        db.session.commit()
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")

    def told(item_id: int) -> list[str]:
        """What Wang reads of the item, its reference left out."""
        path = f"/staff/inbox/{item_id}"
        responses = [wang.get(path), wang.get(path, headers={"HX-Request": "true"}),
                     post(wang, "assign", item_id, assignee=str(staff["li"]))]  # fmt: skip
        reference = item(loaded_app, item_id).reference
        return [parse(r.data).find("main").get_text(" ", strip=True).replace(reference, "")
                for r in responses]  # fmt: skip

    for assignee in (None, staff["li"]):
        if assignee is not None:  # then Li's
            for item_id in ids:
                assert post(li, "assign", item_id, assignee=str(assignee)).status_code == 303
        landline, mobile = (told(item_id) for item_id in ids)
        assert landline == mobile
        for text in landline:
            assert "号码只有负责人和管理员能看到" in text
            assert "固定电话" not in text and "0635" not in text and "4281234" not in text
    counts = wang.get("/staff/inbox/counts.csv").text
    assert "0635" not in counts and "固定电话" not in counts


def test_a_note_stays_inside(loaded_app, staff):
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    assert post(li, "note", item_id, body="已经转给康复部。").status_code == 303
    assert "已经转给康复部" in li.get(f"/staff/inbox/{item_id}").text
    assert "已经转给康复部" not in loaded_app.test_client().get(link).text
    assert item(loaded_app, item_id).state == "new"
    assert ("inbox-note", item(loaded_app, item_id).reference) in audit_actions(loaded_app)


def test_an_empty_reply_is_refused_and_the_page_says_where(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    response = post(li, "reply", item_id, body="   ")
    assert response.status_code == 400
    assert error_summary(response.data).find("a", href="#field-reply") is not None


@pytest.mark.parametrize("action", ["reply", "note"])
def test_an_empty_text_is_named_by_its_fields_own_label(loaded_app, staff, action):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = parse(post(li, action, item_id, body="").data)

    label = next(tag.text for tag in page.find_all("label") if tag.get("for") == f"field-{action}")
    error = page.find(id=f"field-{action}-error").text
    assert f"请填写“{label}”" in error


def test_the_resident_text_is_escaped_in_the_inbox(loaded_app, staff):
    item_id, _ = send(loaded_app, body="<script>alert(1)</script>\n第二行")
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    assert "<script>alert(1)" not in page.text
    assert "<script>alert(1)" not in li.get("/staff/inbox/").text


# --- States, assigning, merging ----------------------------------------------------------


def test_the_states_in_order_each_in_the_audit_log(loaded_app, staff):
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    for state in ("in_progress", "answered", "closed"):
        assert post(li, "state", item_id, state=state).status_code == 303
        assert item(loaded_app, item_id).state == state
    row = item(loaded_app, item_id)
    assert row.closed_at is not None
    actions = [a for a in audit_actions(loaded_app) if a[0] == "inbox-state"]
    assert len(actions) == 3
    status = loaded_app.test_client().get(link)
    assert "已关闭" in status.text and parse(status.data).find("textarea") is None


def test_an_unknown_state_is_refused(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    assert post(li, "state", item_id, state="lost").status_code == 400


def test_a_stale_state_change_is_refused_with_a_message(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    page = wang.get(f"/staff/inbox/{item_id}")
    stale = {
        "csrf_token": token_in(page.data),
        "version": parse(page.data).find("input", name="version").get("value"),
    }
    assert post(li, "state", item_id, state="in_progress").status_code == 303
    response = wang.post(f"/staff/inbox/{item_id}/state", data={**stale, "state": "closed"})
    assert response.status_code == 409
    assert "别人已经改过" in error_summary(response.data).text
    assert item(loaded_app, item_id).state == "in_progress"


def test_of_two_replies_from_pages_of_the_same_moment_the_second_waits(loaded_app, staff):
    item_id, link = send(loaded_app)
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    pages = [client.get(f"/staff/inbox/{item_id}") for client in (li, wang)]
    codes = []
    for client, page, text in zip((li, wang), pages, ("李的答复", "王的答复"), strict=True):
        response = client.post(
            f"/staff/inbox/{item_id}/reply",
            data={**form_fields(page.data, "reply-form"), "csrf_token": token_in(page.data),
                  "body": text, "confirm": "yes"},
        )  # fmt: skip
        codes.append(response.status_code)
    assert codes == [303, 409]
    status = loaded_app.test_client().get(link).text
    assert "李的答复" in status and "王的答复" not in status
    # A state change from a page loaded before the replies is refused, not applied.
    stale_version = parse(pages[1].data).find("input", name="version").get("value")
    response = wang.post(
        f"/staff/inbox/{item_id}/state",
        data={"csrf_token": token_in(pages[1].data), "version": stale_version, "state": "new"},
    )
    assert response.status_code == 409
    assert item(loaded_app, item_id).state == "answered"


def test_assigning_and_who_sees_the_contact(loaded_app, staff):
    item_id, _ = send(loaded_app, reply_by="email", contact_email="resident@example.com")
    li, wang, admin = (signed_in(loaded_app, name) for name in ("li", "wang", "zhao"))
    assert "resident@example.com" not in li.get(f"/staff/inbox/{item_id}").text
    assert "resident@example.com" in admin.get(f"/staff/inbox/{item_id}").text
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    assert item(loaded_app, item_id).assignee_id == staff["li"]
    assert "resident@example.com" in li.get(f"/staff/inbox/{item_id}").text
    assert "resident@example.com" not in wang.get(f"/staff/inbox/{item_id}").text
    assert "resident@example.com" not in li.get("/staff/inbox/").text
    assert ("inbox-assign", item(loaded_app, item_id).reference) in audit_actions(loaded_app)
    assert post(li, "assign", item_id, assignee="9999").status_code == 400


def assign_details(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.detail)
                .where(AuditEntry.action == "inbox-assign")
                .order_by(AuditEntry.id)
            )
        )


def test_an_editor_takes_an_item_nobody_has_but_not_a_colleague_s(loaded_app, staff):
    """The assignee sees the contact details: an editor cannot make themselves (or anyone)
    the assignee of an item a colleague has, so cannot see its contact details that way."""
    item_id, _ = send(loaded_app, reply_by="email", contact_email="resident@example.com")
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    # Nobody's: an editor may give it to themselves only.
    refused = post(wang, "assign", item_id, assignee=str(staff["li"]))
    assert refused.status_code == 403 and item(loaded_app, item_id).assignee_id is None
    assert "只能交给自己" in error_summary(refused.data).text
    page = parse(wang.get(f"/staff/inbox/{item_id}").data)
    assert "由我负责" in page.find("main").text
    assert page.find("select", id="field-assignee") is None
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    # Li's now: Wang can neither take it nor give it to anyone else, nor to nobody.
    for assignee in (str(staff["wang"]), str(staff["admin"]), ""):
        response = post(wang, "assign", item_id, assignee=assignee)
        assert response.status_code == 403, assignee
        assert "resident@example.com" not in response.text
        assert item(loaded_app, item_id).assignee_id == staff["li"]
    page = parse(wang.get(f"/staff/inbox/{item_id}").data)
    assert page.find("select", id="field-assignee") is None
    assert "只有负责人本人和管理员能更换负责人" in page.find("main").text
    assert "resident@example.com" not in wang.get(f"/staff/inbox/{item_id}").text
    assert assign_details(loaded_app) == ["- -> li"]


def test_the_assignee_hands_over_and_an_administrator_reassigns(loaded_app, staff):
    item_id, _ = send(loaded_app, reply_by="email", contact_email="resident@example.com")
    li, wang, admin = (signed_in(loaded_app, name) for name in ("li", "wang", "zhao"))
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    assert post(li, "assign", item_id, assignee=str(staff["wang"])).status_code == 303
    assert "resident@example.com" in wang.get(f"/staff/inbox/{item_id}").text
    assert "resident@example.com" not in li.get(f"/staff/inbox/{item_id}").text
    # Taken from a colleague: only an administrator.
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 403
    assert post(admin, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    assert item(loaded_app, item_id).assignee_id == staff["li"]
    # The assignee may give it up; then anyone may take it.
    assert post(li, "assign", item_id, assignee="").status_code == 303
    assert post(wang, "assign", item_id, assignee=str(staff["wang"])).status_code == 303
    assert assign_details(loaded_app) == [
        "- -> li",
        "li -> wang",
        "wang -> li",
        "li -> -",
        "- -> wang",
    ]


def test_the_form_says_who_sees_the_contact_details(loaded_app):
    text = parse(loaded_app.test_client().get("/feedback/ask").data).find("main").text
    assert "只有这件事的负责人和管理员能看到" in text
    assert "只有管理员能做" in text and "每次指定负责人都有记录" in text
    english = parse(loaded_app.test_client().get("/en/feedback/ask").data).find("main").text
    assert "administrator" in english


def test_a_merge_shows_the_replies_the_other_resident_will_read(loaded_app, staff):
    """A merged item's status page shows the replies of the item it joins, those written
    before too: the question before the merge shows them, for staff to check."""
    first_id, _ = send(loaded_app, body="电梯坏了")
    second_id, second_link = send(loaded_app, body="电梯又坏了")
    li = signed_in(loaded_app, "li")
    post(li, "reply", first_id, body="王女士您好，电梯下周修。")
    first = item(loaded_app, first_id)
    asked = parse(post(li, "merge", second_id, target=first.reference).data).find("main")
    assert "王女士您好" in asked.text and "请不要合并" in asked.text
    # What the other resident's page shows of the first item: its replies, never its
    # text, follow-ups or contact details.
    post(li, "merge", second_id, target=first.reference, confirm="yes")
    status = loaded_app.test_client().get(second_link).text
    assert "王女士您好" in status and "电梯坏了" not in status.replace("电梯又坏了", "")


def test_merging_a_duplicate(loaded_app, staff):
    first_id, _ = send(loaded_app, body="电梯坏了")
    second_id, second_link = send(loaded_app, body="电梯又坏了")
    li = signed_in(loaded_app, "li")
    first = item(loaded_app, first_id)
    assert post(li, "merge", second_id, target="CP-2099-000001").status_code == 400
    assert (
        post(li, "merge", second_id, target=item(loaded_app, second_id).reference).status_code
        == 400
    )
    asked = post(li, "merge", second_id, target=first.reference)
    assert asked.status_code == 200 and item(loaded_app, second_id).merged_into_id is None
    page = parse(asked.data)
    assert first.reference in page.find("h1").text and "不能再分开" in page.find("main").text
    assert "电梯坏了" in page.find("main").text and "电梯又坏了" in page.find("main").text
    assert f"/staff/inbox/{second_id}" in page.find("main").hrefs  # the way back
    assert post(li, "merge", second_id, target=first.reference, confirm="yes").status_code == 303
    second = item(loaded_app, second_id)
    assert second.state == "closed" and second.merged_into_id == first_id
    post(li, "reply", first_id, body="电梯已经修好了。")
    status = loaded_app.test_client().get(second_link).text
    assert first.reference in status and "电梯已经修好了" in status
    assert ("inbox-merge", second.reference) in audit_actions(loaded_app)
    assert second.reference in li.get(f"/staff/inbox/{first_id}").text


def test_an_item_merged_already_is_not_merged_again(loaded_app, staff):
    first_id, _ = send(loaded_app, body="电梯坏了")
    second_id, _ = send(loaded_app, body="电梯又坏了")
    third_id, _ = send(loaded_app, body="楼梯扶手松了")
    li = signed_in(loaded_app, "li")
    first, third = item(loaded_app, first_id), item(loaded_app, third_id)
    assert post(li, "merge", second_id, target=first.reference, confirm="yes").status_code == 303
    # A form sent by hand (the page offers no merge now): its resident stays on one thread.
    response = post(li, "merge", second_id, target=third.reference, confirm="yes")
    assert response.status_code == 409
    assert first.reference in error_summary(response.data).text
    assert item(loaded_app, second_id).merged_into_id == first_id


def test_a_barrier_report_links_to_its_place_and_its_edit_form(loaded_app, staff):
    item_id, _ = send(loaded_app, "/feedback/barrier", place="rukang-zhenxing", barrier_type="lift")
    li = signed_in(loaded_app, "li")
    hrefs = parse(li.get(f"/staff/inbox/{item_id}").data).find("main").hrefs
    assert "/facilities/rukang-zhenxing" in hrefs
    assert any(re.fullmatch(r"/staff/facilities/\d+", href) for href in hrefs)


# --- The list: filters and counts ------------------------------------------------------


def test_the_filters(loaded_app, staff):
    question, _ = send(loaded_app)
    barrier, _ = send(loaded_app, "/feedback/barrier", place="rukang-zhenxing", barrier_type="step")
    elsewhere, _ = send(loaded_app, "/feedback/barrier", township="xinfa", barrier_type="door")
    li = signed_in(loaded_app, "li")
    post(li, "assign", barrier, assignee=str(staff["li"]))
    post(li, "state", question, state="in_progress")

    def listed(**args) -> set[int]:
        response = li.get("/staff/inbox/", query_string=args)
        assert response.status_code == 200, args
        return (
            {int(h.rsplit("/", 1)[1]) for h in parse(response.data).find("tbody").hrefs}
            if "<tbody>" in response.text
            else set()
        )

    assert listed() == {question, barrier, elsewhere}
    counts = parse(li.get("/staff/inbox/").data).find(id="inbox-counts").text
    assert "无障碍问题：2 条" in counts and "处理中：1 条" in counts
    assert "新收到：2 条" in counts and "已超期" not in counts  # no answer time is set
    assert listed(kind="barrier") == {barrier, elsewhere}
    assert listed(state="in_progress") == {question}
    assert listed(township="xinfa") == {elsewhere}
    assert listed(place="rukang-zhenxing") == {barrier}
    assert listed(assignee="me") == {barrier}
    assert listed(assignee="none") == {question, elsewhere}
    assert listed(assignee=str(staff["li"])) == {barrier}
    assert listed(overdue="1") == {question, barrier, elsewhere}  # nothing to filter by
    assert parse(li.get("/staff/inbox/").data).find(id="filter-overdue") is None
    bad = li.get("/staff/inbox/", query_string={"state": "nonsense"})
    assert bad.status_code == 400 and error_summary(bad.data) is not None


def test_overdue_items_are_marked_in_words_and_counted(loaded_app, staff):
    loaded_app.config["FEEDBACK_ANSWER_DAYS"] = 5
    late, _ = send(loaded_app)
    on_time, _ = send(loaded_app)
    with loaded_app.app_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == late)
            .values(due_on=date.today() - timedelta(days=3))
        )
        db.session.commit()
        from barrierfree.feedback.queries import overdue_count

        assert overdue_count() == 1
    li = signed_in(loaded_app, "li")
    listing = parse(li.get("/staff/inbox/").data)
    row = next(
        tr for tr in listing.find("tbody").find_all("tr") if f"/staff/inbox/{late}" in tr.hrefs[0]
    )
    assert "已超期" in row.text
    assert "已超期" in li.get(f"/staff/inbox/{late}").text
    assert "已超期" not in li.get(f"/staff/inbox/{on_time}").text
    overdue_only = parse(li.get("/staff/inbox/?overdue=1").data).find("tbody").hrefs
    assert overdue_only == [f"/staff/inbox/{late}"]
    assert "1" in parse(li.get("/staff/").data).find(id="inbox-overdue").text
    # Answered is no longer overdue.
    post(li, "reply", late, body="答复")
    with loaded_app.app_context():
        assert overdue_count() == 0


def test_the_target_date_counts_working_days(loaded_app):
    from barrierfree.feedback.operations import due_on

    with loaded_app.app_context():
        assert due_on(date(2026, 12, 4)) is None  # no answer time is set: no date is promised
        loaded_app.config["FEEDBACK_ANSWER_DAYS"] = 5
        assert due_on(date(2026, 12, 4)) == date(2026, 12, 11)  # Friday + 5 working days
        loaded_app.config["FEEDBACK_ANSWER_DAYS"] = 1
        assert due_on(date(2026, 12, 4)) == date(2026, 12, 7)  # over the weekend


def test_the_target_date_skips_public_holidays(loaded_app):
    pytest.importorskip("chinese_calendar")
    from barrierfree.feedback.operations import due_on

    with loaded_app.app_context():
        loaded_app.config["FEEDBACK_ANSWER_DAYS"] = 1
        assert due_on(date(2026, 9, 30)) == date(2026, 10, 8)  # after the National Day break


# --- Retention ---------------------------------------------------------------------------


def test_an_answered_item_nobody_touched_for_a_month_is_closed_and_so_purged_in_time(
    loaded_app, staff
):
    quiet, _ = send(loaded_app, body="我腿脚不方便，想问轮椅补贴。")
    lately, _ = send(loaded_app)
    waiting, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    for item_id in (quiet, lately):
        post(li, "reply", item_id, body="请到区残联办理。")
    days_ago = {quiet: 31, lately: 29, waiting: 400}  # the last waits for an answer
    with loaded_app.app_context():
        for item_id, days in days_ago.items():
            db.session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.id == item_id)
                .values(updated_at=utcnow() - timedelta(days=days))
            )
        db.session.commit()
    before = item(loaded_app, quiet).version
    assert loaded_app.test_cli_runner().invoke(args=["inbox", "purge"]).exit_code == 0
    closed = item(loaded_app, quiet)
    assert closed.state == "closed" and closed.closed_at and closed.version == before + 1
    assert closed.body  # closed today: deleted FEEDBACK_RETENTION_DAYS from now
    assert item(loaded_app, lately).state == "answered"
    assert item(loaded_app, waiting).state == "new"
    with loaded_app.app_context():
        entries = db.session.execute(select(AuditEntry.action, AuditEntry.detail)).all()
    assert ("inbox-close-answered", "1") in [tuple(entry) for entry in entries]


def test_housekeeping_in_a_staff_request_is_logged_as_the_site_s(loaded_app, staff):
    from barrierfree.staff.inbox.retention import purge

    quiet, _ = send(loaded_app)
    post(signed_in(loaded_app, "li"), "reply", quiet, body="请到区残联办理。")
    with loaded_app.test_request_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == quiet)
            .values(updated_at=utcnow() - timedelta(days=31))
        )
        g.staff = db.session.scalar(select(StaffUser).where(StaffUser.username == "li"))
        purge()
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "inbox-close-answered")
        )
        assert entry.username == "" and entry.user_id is None
    page = signed_in(loaded_app, "zhao").get("/staff/audit")
    assert "办结答复后一直没有新消息的来信" in page.text


def test_purge_deletes_texts_and_contact_details_when_due_and_keeps_what_is_counted(
    loaded_app, staff
):
    old, old_link = send(
        loaded_app, reply_by="email", contact_email="old@example.com", topic="rehabilitation",
        body="我有糖尿病，家里低保，想问康复补贴。",
    )  # fmt: skip
    recent, _ = send(loaded_app, reply_by="phone", contact_phone="13800000000")
    still_open, _ = send(loaded_app, reply_by="email", contact_email="open@example.com")
    li = signed_in(loaded_app, "li")
    post(li, "reply", old, body="请带上病历到区残联康复部。")
    post(li, "note", old, body="居民说有糖尿病。")
    with loaded_app.app_context():
        staff_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "li"))
        for item_id in (old, recent):  # replies kept as drafts when a session lapsed
            db.session.add(Autosave(user_id=staff_id, kind="inbox", key=f"{item_id}:reply",
                                    data={"body": "糖尿病的事"}))  # fmt: skip
        # Mail the server never took: the receipt of the old item, a day after it came.
        db.session.add(OutgoingMail(recipient="old@example.com", subject="收到", text_body="糖尿病",
                                    created_at=utcnow() - timedelta(days=200)))  # fmt: skip
        db.session.add(OutgoingMail(recipient="new@example.com", subject="收到", text_body="新"))
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == old)
            .values(state="closed", closed_at=utcnow() - timedelta(days=181))
        )
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == recent)
            .values(state="closed", closed_at=utcnow() - timedelta(days=10))
        )
        db.session.commit()
    result = loaded_app.test_cli_runner().invoke(args=["inbox", "purge"])
    assert result.exit_code == 0 and "of 1 item(s)" in result.output
    purged = item(loaded_app, old)
    assert purged.contact_email is None and purged.purged_at is not None
    assert purged.body == "" and purged.location is None and purged.text_hash == ""
    assert purged.form_key_hash is None and purged.page_path is None
    with loaded_app.app_context():
        drafts = db.session.scalars(select(Autosave.key).where(Autosave.kind == "inbox")).all()
        mail = db.session.scalars(select(OutgoingMail.text_body)).all()
    assert drafts == [f"{recent}:reply"] and "新" in mail and "糖尿病" not in mail
    with loaded_app.app_context():
        texts = db.session.scalars(
            select(FeedbackMessage.body).where(FeedbackMessage.item_id == old)
        ).all()
    assert len(texts) == 2 and set(texts) == {""}  # the replies are still counted
    assert (purged.kind, purged.topic, purged.state) == ("question", "rehabilitation", "closed")
    assert item(loaded_app, recent).contact_phone == "13800000000"
    assert item(loaded_app, recent).body
    assert item(loaded_app, still_open).contact_email == "open@example.com"
    admin = signed_in(loaded_app, "zhao")
    page = admin.get(f"/staff/inbox/{old}").text
    assert "已按保存期限删除" in page and "糖尿病" not in page
    english = parse(admin.get(f"/en/staff/inbox/{old}").data)
    term = next(dt for dt in english.find_all("dt") if dt.text == "Contact details")
    assert term.find_next_sibling("dd").text.strip() == "Deleted at the end of the retention period"
    listed = parse(admin.get("/staff/inbox/?state=closed").data)
    link = listed.find("a", href=f"/staff/inbox/{old}")
    assert link is not None and "已按保存期限删除" in link.parent.parent.text
    status = loaded_app.test_client().get(old_link).text
    assert "都已删除" in status and "糖尿病" not in status and "病历" not in status


def test_the_purge_takes_down_the_public_examples_of_the_items_it_erases(loaded_app, staff):
    """An example is staff's words, but of the resident's case: it goes with the item's
    texts, whichever rule deletes them, and so does one left up by a purge before this
    rule (the next purge takes it down); the page cached with them is not served on."""
    day = timedelta(days=1)
    max_age = loaded_app.config["FEEDBACK_MAX_AGE_DAYS"]
    cases = {  # example -> (received, state, closed, purged) days ago
        "closed-long-ago": (200, "closed", 181, None),
        "received-too-long-ago": (max_age + 1, "answered", None, None),
        "purged-before": (300, "closed", 290, 100),
        "kept": (30, "closed", 10, None),
    }
    ids = {}
    for example, (received, state, closed, purged) in cases.items():
        ids[example], _ = send(loaded_app)
        with loaded_app.app_context():
            db.session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.id == ids[example])
                .values(created_at=utcnow() - received * day, state=state,
                        answered_at=utcnow() - received * day,
                        closed_at=closed and utcnow() - closed * day,
                        purged_at=purged and utcnow() - purged * day,
                        example_text=f"例子：{example}", example_text_en=f"Example: {example}",
                        example_published_at=utcnow() - day)
            )  # fmt: skip
            db.session.commit()
    visitor = loaded_app.test_client()
    for path in ("/feedback/results", "/en/feedback/results"):
        page = visitor.get(path).text
        assert all(example in page for example in cases)
        assert visitor.get(path).headers["X-Page-Cache"] == "hit"
    result = loaded_app.test_cli_runner().invoke(args=["inbox", "purge"])
    assert result.exit_code == 0, result.output
    for path in ("/feedback/results", "/en/feedback/results"):
        page = visitor.get(path).text
        assert "例子：kept" in page or "Example: kept" in page
        assert not any(example in page for example in cases if example != "kept")
    for example, item_id in ids.items():
        row = item(loaded_app, item_id)
        texts = (row.example_text, row.example_text_en, row.example_published_at)
        assert (texts == (None, None, None)) is (example != "kept"), (example, texts)
    taken_down = [key for action, key in audit_actions(loaded_app)
                  if action == "inbox-example-unpublish"]  # fmt: skip
    assert sorted(taken_down) == sorted(
        item(loaded_app, ids[example]).reference for example in cases if example != "kept"
    )
    with loaded_app.app_context():
        assert {entry.username for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "inbox-example-unpublish")
        )} == {""}  # the site's  # fmt: skip
    # Each goes once: the next purge finds nothing left to take down.
    assert loaded_app.test_cli_runner().invoke(args=["inbox", "purge"]).exit_code == 0
    assert len([a for a, _ in audit_actions(loaded_app) if a == "inbox-example-unpublish"]) == 3


def test_a_duplicate_keeps_its_contact_details_while_the_item_it_joined_is_open(loaded_app, staff):
    kept_id, _ = send(loaded_app, reply_by="email", contact_email="first@example.com")
    duplicate_id, _ = send(loaded_app, reply_by="email", contact_email="again@example.com")
    li = signed_in(loaded_app, "li")
    target = item(loaded_app, kept_id).reference
    assert post(li, "merge", duplicate_id, target=target, confirm="yes").status_code == 303

    def age(item_id, days, state):
        with loaded_app.app_context():
            db.session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.id == item_id)
                .values(state=state, closed_at=utcnow() - timedelta(days=days))
            )
            db.session.commit()

    def purge():
        assert loaded_app.test_cli_runner().invoke(args=["inbox", "purge"]).exit_code == 0

    age(duplicate_id, 400, "closed")  # merged long ago, still answered in the other item
    purge()
    assert item(loaded_app, duplicate_id).contact_email == "again@example.com"
    age(kept_id, 10, "closed")
    purge()
    assert item(loaded_app, duplicate_id).contact_email == "again@example.com"
    age(kept_id, 181, "closed")
    purge()
    assert item(loaded_app, duplicate_id).contact_email is None
    assert item(loaded_app, kept_id).contact_email is None


def test_the_retention_is_configurable(loaded_app, staff):
    item_id, _ = send(loaded_app, reply_by="email", contact_email="x@example.com")
    with loaded_app.app_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == item_id)
            .values(state="closed", closed_at=utcnow() - timedelta(days=11))
        )
        db.session.commit()
    loaded_app.config["FEEDBACK_RETENTION_DAYS"] = 10
    loaded_app.test_cli_runner().invoke(args=["inbox", "purge"])
    assert item(loaded_app, item_id).contact_email is None


def test_a_follow_up_after_an_answer_opens_the_item_again(loaded_app, staff):
    loaded_app.config["FEEDBACK_ANSWER_DAYS"] = 5
    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    post(li, "reply", item_id, body="请带证件来。")
    with loaded_app.app_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == item_id)
            .values(due_on=date.today() - timedelta(days=30))
        )
        db.session.commit()
    resident = loaded_app.test_client()
    page = resident.get(link)
    response = resident.post(
        link, data={"csrf_token": token_in(page.data), "body": "要带哪些证件？"}
    )
    assert response.status_code == 303
    row = item(loaded_app, item_id)
    assert row.state == "in_progress" and row.due_on > date.today()  # a new target date
    page = li.get(f"/staff/inbox/{item_id}").text
    assert "居民的补充" in page and "要带哪些证件" in page


# --- A reply is never lost to a timed-out session ---------------------------------------


def test_a_reply_posted_after_the_session_timed_out_comes_back_after_signing_in(loaded_app, staff):
    from barrierfree.staff.models import StaffSession
    from staff_helpers import sign_in

    item_id, link = send(loaded_app)
    li = signed_in(loaded_app, "li")
    page = li.get(f"/staff/inbox/{item_id}")
    with loaded_app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = li.post(
        f"/staff/inbox/{item_id}/reply",
        data={"csrf_token": token_in(page.data), "body": "登录过期前写好的答复"},
    )
    assert response.status_code == 303 and "/staff/sign-in" in response.headers["Location"]
    assert sign_in(li, "li", next_url=f"/staff/inbox/{item_id}/reply").status_code == 303
    page = li.get(f"/staff/inbox/{item_id}/reply", follow_redirects=True)
    doc = parse(page.data)
    assert "登录过期前写好的答复" in doc.find("textarea", id="field-reply").get_text()
    assert "放回下面的表单" in doc.find("main").text
    assert post(li, "reply", item_id, body="登录过期前写好的答复").status_code == 303
    assert "登录过期前写好的答复" in loaded_app.test_client().get(link).text
    after = parse(li.get(f"/staff/inbox/{item_id}").data)
    assert after.find("textarea", id="field-reply").get_text().strip() == ""


@pytest.mark.parametrize("action", ["reply", "note", "state", "assign", "merge", "example"])
def test_a_stale_form_for_an_item_gone_meanwhile_gets_the_expired_page(loaded_app, staff, action):
    """Merged away or deleted while the page was open: there is no item to show the text
    on, and the answer is the back office's page for an expired form, not an error page."""
    li = signed_in(loaded_app, "li")
    response = li.post(f"/staff/inbox/123456/{action}", data={"body": "答复"})
    assert response.status_code == 400


def test_a_reply_refused_for_its_token_keeps_the_text(loaded_app, staff):
    item_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    response = li.post(
        f"/staff/inbox/{item_id}/reply", data={"csrf_token": "stale", "body": "很长的答复"}
    )
    assert response.status_code == 400
    assert "已经失效" in error_summary(response.data).text
    assert "很长的答复" in parse(response.data).find("textarea", id="field-reply").get_text()
    with loaded_app.app_context():
        assert db.session.scalars(select(FeedbackMessage)).all() == []


def received_days_ago(app, item_id: int, days: int) -> None:
    with app.app_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == item_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


def test_staff_are_told_ahead_of_an_item_losing_its_personal_data_for_its_age(loaded_app, staff):
    """FEEDBACK_PURGE_NOTICE_DAYS before FEEDBACK_MAX_AGE_DAYS, an item not closed is
    counted and listed on the inbox's list and the back office's home, and marked on its
    page; then the housekeeping
    deletes its texts and contact details, whatever its state."""
    from barrierfree.staff.periodic import housekeeping

    max_age = loaded_app.config["FEEDBACK_MAX_AGE_DAYS"]
    notice = loaded_app.config["FEEDBACK_PURGE_NOTICE_DAYS"]
    soon, _ = send(loaded_app, reply_by="phone", contact_phone="13912345678", body="坡道太陡")
    later, _ = send(loaded_app)
    closed, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    post(li, "state", closed, state="closed")
    post(li, "note", soon, body="已经通知场所")
    for item_id in (soon, closed):
        received_days_ago(loaded_app, item_id, max_age - notice + 1)
    received_days_ago(loaded_app, later, max_age - notice - 1)
    listing = parse(li.get("/staff/inbox/").data)
    assert "1 条" in listing.find(id="inbox-purge-soon").text
    home = parse(li.get("/staff/").data)
    assert "1 条" in home.find(id="inbox-purge-soon").text
    assert "/staff/inbox/?purge_soon=1" in home.find("main").hrefs
    assert parse(li.get("/staff/inbox/?purge_soon=1").data).find("tbody").hrefs == [
        f"/staff/inbox/{soon}"
    ]
    assert "不论是否办结" in li.get(f"/staff/inbox/{soon}").text
    assert "不论是否办结" not in li.get(f"/staff/inbox/{later}").text
    assert "不论是否办结" not in li.get(f"/staff/inbox/{closed}").text
    with loaded_app.app_context():
        housekeeping()
    assert item(loaded_app, soon).purged_at is None  # not yet
    received_days_ago(loaded_app, soon, max_age + 1)
    with loaded_app.app_context():
        housekeeping()
        notes = db.session.scalars(
            select(FeedbackMessage.body).where(FeedbackMessage.item_id == soon)
        ).all()
    gone = item(loaded_app, soon)
    assert gone.purged_at and gone.body == "" and gone.contact_phone is None and notes == [""]
    assert gone.state == "closed" and gone.closed_at == gone.purged_at  # nobody can answer
    assert item(loaded_app, later).body and item(loaded_app, later).purged_at is None
    assert "0 条" in parse(li.get("/staff/inbox/").data).find(id="inbox-purge-soon").text
    assert parse(li.get("/staff/").data).find(id="inbox-purge-soon") is None
    assert "坡道太陡" not in li.get(f"/staff/inbox/{soon}").text


def test_the_form_says_an_item_goes_after_its_maximum_age_whatever_its_state(loaded_app):
    loaded_app.config["FEEDBACK_MAX_AGE_DAYS"] = 200
    text = parse(loaded_app.test_client().get("/feedback/ask").data).find("main").text
    assert "不论是否办结，收到来信 200 天后" in text


def purged_for_age(app, item_id: int) -> None:
    """The item received longer ago than FEEDBACK_MAX_AGE_DAYS, and the hourly purge run."""
    from barrierfree.staff.inbox import retention

    received_days_ago(app, item_id, app.config["FEEDBACK_MAX_AGE_DAYS"] + 1)
    with app.app_context():
        retention.purge()


def messages_of(app, item_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (m.kind, m.body)
            for m in db.session.scalars(
                select(FeedbackMessage).where(FeedbackMessage.item_id == item_id)
            )
        ]


def test_an_item_deleted_for_its_age_is_closed_and_takes_no_more_text(loaded_app, staff):
    """Its texts go, so a follow-up, reply or note added now would be deleted at the next
    purge: none is offered or taken, each page says why, and the item closes (not overdue
    for ever). Pages loaded before the purge get the reason and their text back."""
    item_id, link = send(loaded_app, body="电梯坏了")
    resident = loaded_app.test_client()
    resident_token = csrf(resident, link)
    li = signed_in(loaded_app, "li")
    before = li.get(f"/staff/inbox/{item_id}")
    token, version = token_in(before.data), parse(before.data).find("input", name="version")
    purged_for_age(loaded_app, item_id)
    row = item(loaded_app, item_id)
    assert row.state == "closed" and row.closed_at == row.purged_at
    assert ("inbox-close-too-old", "") in audit_actions(loaded_app)
    # The status page: no form, and why.
    page = parse(resident.get(link).data)
    assert page.find("textarea") is None and page.find(id="page-form") is None
    assert "这一条的内容已经删除" in page.find("main").text
    sent = resident.post(link, data={"csrf_token": resident_token, "body": "还没有修好"})
    assert sent.status_code == 400
    main = parse(sent.data).find("main")
    assert "不能再补充" in error_summary(sent.data).text and "还没有修好" in main.text
    # The inbox: no reply, note or state form, and why; the posts keep their text.
    page = parse(li.get(f"/staff/inbox/{item_id}").data)
    assert all(page.find(id=f"field-{name}") is None for name in ("reply", "note", "state"))
    assert "并由网站自动关闭" in page.find("main").text
    for action, text in (("reply", "已经修好了"), ("note", "下周复查")):
        data = {"csrf_token": token, "body": text, "confirm": "yes"}
        refused = li.post(f"/staff/inbox/{item_id}/{action}", data=data)
        assert refused.status_code == 409
        assert "按保存期限删除" in error_summary(refused.data).text
        assert text in parse(refused.data).find("main").text
    data = {"csrf_token": token, "state": "in_progress", "version": version.get("value")}
    assert li.post(f"/staff/inbox/{item_id}/state", data=data).status_code == 409
    assert messages_of(loaded_app, item_id) == []
    assert item(loaded_app, item_id).state == "closed"
    # Nor can a new message be merged into it: nobody could answer that resident there.
    newer, _ = send(loaded_app)
    refused = post(li, "merge", newer, target=row.reference, confirm="yes")
    assert refused.status_code == 400 and "不能合并到那一条" in error_summary(refused.data).text
    assert item(loaded_app, newer).merged_into_id is None
    with loaded_app.app_context():
        from barrierfree.feedback import queries

        assert queries.overdue_count() == 0


@pytest.mark.parametrize("who", ["resident", "reply", "note"])
def test_a_text_sent_as_the_purge_runs_is_refused_with_the_text_not_lost(
    loaded_app, staff, monkeypatch, who
):
    """The purge commits between the page's check and the write: the write sees it (the
    item is held and read again) and refuses, no 500, the text on the page."""
    from barrierfree.feedback import queries

    item_id, link = send(loaded_app)
    client = loaded_app.test_client() if who == "resident" else signed_in(loaded_app, "li")
    path = link if who == "resident" else f"/staff/inbox/{item_id}/{who}"
    token = csrf(client, link if who == "resident" else f"/staff/inbox/{item_id}")
    hold = queries.hold

    def purged_first(row: FeedbackItem) -> None:
        """The purge, in the request's own session (on SQLite a second connection would
        wait for the write lock the request may hold), then the hold."""
        from barrierfree.staff.inbox import retention

        old = utcnow() - timedelta(days=loaded_app.config["FEEDBACK_MAX_AGE_DAYS"] + 1)
        db.session.execute(
            update(FeedbackItem).where(FeedbackItem.id == item_id).values(created_at=old)
        )
        retention.purge()
        hold(row)

    monkeypatch.setattr(queries, "hold", purged_first)
    response = client.post(path, data={"csrf_token": token, "body": "写到一半", "confirm": "yes"})
    assert response.status_code == 409
    assert "写到一半" in parse(response.data).find("main").text
    assert messages_of(loaded_app, item_id) == []


def test_purge_soon_in_python_and_in_sql_agree_on_every_case(loaded_app):
    """The list and the counts use the SQL condition, an item's page the Python one."""
    import itertools

    from barrierfree.feedback.models import STATES
    from barrierfree.staff.inbox import retention

    max_age = loaded_app.config["FEEDBACK_MAX_AGE_DAYS"]
    notice = loaded_app.config["FEEDBACK_PURGE_NOTICE_DAYS"]
    numbers = itertools.count(900_001)

    def new_item(state: str, days: int, **columns) -> FeedbackItem:
        number = next(numbers)
        received = utcnow() - timedelta(days=days)
        row = FeedbackItem(
            year=2020, sequence=number, kind="question", state=state, body="x",
            token_hash=f"t-{number:062d}", text_hash="t", created_at=received,
            updated_at=received, due_on=received.date(), **columns,
        )  # fmt: skip
        db.session.add(row)
        db.session.flush()
        return row

    with loaded_app.app_context():
        mains = {None: None, "open": new_item("in_progress", 1), "closed": new_item("closed", 1)}
        rows = [
            new_item(state, days, merged_into_id=main.id if main else None,
                     purged_at=utcnow() if purged else None)  # fmt: skip
            for state, main, purged, days in itertools.product(
                STATES, mains.values(), (False, True),
                (max_age - notice - 1, max_age - notice + 1, max_age + 1),
            )
        ]  # fmt: skip
        db.session.commit()
        ids = [row.id for row in rows]
        in_sql = set(
            db.session.scalars(
                select(FeedbackItem.id).where(
                    retention.purge_soon_condition(), FeedbackItem.id.in_(ids)
                )
            )
        )
        in_python = {row.id for row in rows if retention.purge_soon(row)}
        assert in_sql == in_python
        # Open items, and duplicates merged into open items, each way old enough and kept.
        assert len(in_sql) == (3 * 3 + 1) * 2


def test_a_duplicate_merged_into_an_open_item_is_flagged_before_its_data_goes(loaded_app, staff):
    """Its resident is still answered through the item it was merged into, so its loss of
    contact details is counted and shown on that item's page too."""
    max_age = loaded_app.config["FEEDBACK_MAX_AGE_DAYS"]
    notice = loaded_app.config["FEEDBACK_PURGE_NOTICE_DAYS"]
    main, _ = send(loaded_app)
    duplicate, _ = send(loaded_app, reply_by="phone", contact_phone="13912345678")
    li = signed_in(loaded_app, "li")
    main_ref = item(loaded_app, main).reference
    post(li, "merge", duplicate, target=main_ref, confirm="yes")
    assert item(loaded_app, duplicate).state == "closed"
    received_days_ago(loaded_app, duplicate, max_age - notice + 1)
    assert "1 条" in parse(li.get("/staff/inbox/").data).find(id="inbox-purge-soon").text
    assert parse(li.get("/staff/inbox/?purge_soon=1").data).find("tbody").hrefs == [
        f"/staff/inbox/{duplicate}"
    ]
    reference = item(loaded_app, duplicate).reference
    page = parse(li.get(f"/staff/inbox/{main}").data).find("main").text
    assert f"合并到这一条的 {reference} 收到 {max_age} 天后" in page
    assert "不论是否办结" in li.get(f"/staff/inbox/{duplicate}").text
    post(li, "state", main, state="closed")  # the main item done: no more warning
    assert "0 条" in parse(li.get("/staff/inbox/").data).find(id="inbox-purge-soon").text
    assert f"合并到这一条的 {reference}" not in li.get(f"/staff/inbox/{main}").text


def test_a_flag_filter_with_a_value_no_box_sends_is_reported(loaded_app, staff):
    li = signed_in(loaded_app, "li")
    response = li.get("/staff/inbox/?purge_soon=yes")
    summary = parse(response.data).find(class_="error-summary")
    assert response.status_code == 400
    assert summary.hrefs == ["#filter-purge-soon"] and "“yes”" in summary.text
    assert li.get("/staff/inbox/?overdue=yes").status_code == 200  # no answer time: no box
