"""A resident's data deleted now, at their request (《个人信息保护法》第四十七条): on the
status page, or by the assignee or an administrator for a request by phone or letter. The
same deletion as the timed purge's (inbox/retention.py `delete_now`), audited, the item
closed; merged duplicates as the purge treats them; and the privacy notices that say so."""

import pytest
from barrierfree.database import db
from barrierfree.feedback import queries
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage, FeedbackPhoto
from barrierfree.staff.models import AuditEntry, Autosave, StaffUser
from conftest import MAIL_NOWHERE, parse
from sqlalchemy import select, update
from staff_helpers import csrf, error_summary, make_staff, signed_in, token_in
from test_inbox import item, post, purged_for_age, send

TEXT = "我有糖尿病，家里低保，想问康复补贴。"


@pytest.fixture
def staff(loaded_app):
    """An editor, a second editor and an administrator."""
    return {
        "li": make_staff(loaded_app, "li", "editor"),
        "wang": make_staff(loaded_app, "wang", "editor"),
        "admin": make_staff(loaded_app, "zhao", "admin"),
    }


def with_everything(app, item_id: int) -> None:
    """Give the item what a purge deletes besides its own text: a photo and a colleague's
    draft of a reply."""
    with app.app_context():
        db.session.add(FeedbackPhoto(item_id=item_id, content_type="image/png", data=b"png",
                                     width=1, height=1))  # fmt: skip
        li = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "li"))
        db.session.add(Autosave(user_id=li, kind="inbox", key=f"{item_id}:reply",
                                data={"body": "糖尿病的事"}))  # fmt: skip
        db.session.commit()


def audited(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return list(entries)


def assert_deleted(app, item_id: int) -> FeedbackItem:
    """The item's personal data is gone as the purge deletes it; what is counted stays."""
    row = item(app, item_id)
    assert row.purged_at is not None and row.state == "closed"
    assert row.body == "" and row.contact_email is None and row.contact_phone is None
    assert row.location is None and row.text_hash == "" and row.form_key_hash is None
    with app.app_context():
        texts = db.session.scalars(
            select(FeedbackMessage.body).where(FeedbackMessage.item_id == item_id)
        ).all()
        assert set(texts) <= {""}
        assert not db.session.scalars(
            select(FeedbackPhoto).where(FeedbackPhoto.item_id == item_id)
        ).all()
        assert not db.session.scalars(
            select(Autosave).where(Autosave.key.startswith(f"{item_id}:"))
        ).all()
        # Not taken for an item the purge closed for its age: the statistics would count it
        # as never answered.
        assert not queries.closed_for_age(db.session.get(FeedbackItem, item_id))
    return row


# --- On the status page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "button", "said", "done"),
    [
        ("", "删除我的个人信息", ("您的补充", "您附的照片", "您留的邮箱", "工作人员对这一条的答复",
                                  "备份"), "已删除您的个人信息"),
        ("/en", "Delete my personal data", ("Your follow-up", "Your photo",
         "The email address you gave", "The staff's answer", "backups"),
         "Your personal data has been deleted"),
    ],
)  # fmt: skip
def test_a_resident_deletes_their_data_from_the_status_page(
    loaded_app, staff, prefix, button, said, done
):
    item_id, link = send(loaded_app, reply_by="email", contact_email="me@example.com", body=TEXT)
    link = prefix + link
    resident = loaded_app.test_client()
    assert resident.post(link, data={"csrf_token": csrf(resident, link), "body": "我还有低保证。"}
                         ).status_code == 303  # fmt: skip
    post(signed_in(loaded_app, "li"), "reply", item_id, body="请带上病历到区残联康复部。")
    with_everything(loaded_app, item_id)
    status = parse(resident.get(link).data)
    found = next(a for a in status.find_all("a", href=True) if a.text.strip() == button)
    assert found["href"] == f"{link}/delete"
    question = resident.get(found["href"])
    assert question.status_code == 200
    assert question.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in question.headers["X-Robots-Tag"]
    words = parse(question.data).find("main").text
    assert all(part in words for part in said), words
    assert item(loaded_app, item_id).purged_at is None  # asking deletes nothing
    answer = resident.post(found["href"], data={"csrf_token": csrf(resident, found["href"])})
    assert answer.status_code == 200 and done in answer.text
    assert answer.headers["Cache-Control"] == "private, no-cache"
    assert TEXT not in answer.text
    assert_deleted(loaded_app, item_id)
    (entry,) = audited(loaded_app, "inbox-delete-by-resident")
    assert (entry.user_id, entry.username, entry.kind) == (None, "", "feedback")
    assert entry.key == item(loaded_app, item_id).reference
    # Afterwards the link shows what a purged item shows, and offers nothing more to delete.
    page = resident.get(link)
    assert TEXT not in page.text and "病历" not in page.text and "低保证" not in page.text
    assert "都已删除" in page.text or "have been deleted" in page.text
    assert not any(a.text.strip() == button for a in parse(page.data).find_all("a"))
    again = resident.get(found["href"])
    assert again.status_code == 303 and again.headers["Location"].endswith(link)
    # Pressed twice (Back and press): the same page, nothing done twice.
    twice = resident.post(found["href"], data={"csrf_token": csrf(resident, "/feedback/ask")})
    assert twice.status_code == 200 and done in twice.text
    assert len(audited(loaded_app, "inbox-delete-by-resident")) == 1
    log = signed_in(loaded_app, "zhao").get(prefix + "/staff/audit").text
    assert "居民在查询页面上删除了个人信息" in log or "Resident deleted their personal" in log


def test_an_open_item_deleted_is_closed_and_takes_no_follow_up(loaded_app):
    item_id, link = send(loaded_app, body=TEXT)
    resident = loaded_app.test_client()
    page = resident.get(link + "/delete")
    assert "这件事会随之关闭" in page.text
    resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    row = assert_deleted(loaded_app, item_id)
    assert row.closed_at is not None and row.version > 1  # a new version: open forms are refused
    token = csrf(resident, "/feedback/ask")  # the page has no form now
    refused = resident.post(link, data={"csrf_token": token, "body": "再问一句"})
    assert refused.status_code == 400
    assert item(loaded_app, item_id).purged_at is not None


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_an_expired_page_deletes_nothing_and_asks_again(loaded_app, prefix):
    item_id, link = send(loaded_app, body=TEXT)
    resident = loaded_app.test_client()
    resident.get(prefix + link)
    response = resident.post(f"{prefix}{link}/delete", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "private, no-cache"
    summary = error_summary(response.data)
    assert summary is not None
    assert "还没有删除" in summary.text or "nothing was deleted yet" in summary.text
    assert parse(response.data).find("form", action=f"{prefix}{link}/delete") is not None
    assert item(loaded_app, item_id).purged_at is None


def test_a_link_that_opens_nothing_deletes_nothing(loaded_app):
    resident = loaded_app.test_client()
    token = csrf(resident, "/feedback/ask")
    for method in (resident.get, resident.post):
        response = method("/feedback/status/" + "a" * 43 + "/delete", data={"csrf_token": token})
        assert response.status_code == 404 and "这个查询链接打不开" in response.text
        assert response.headers["Cache-Control"].startswith("private, no-")


def test_a_duplicate_deleted_leaves_the_item_it_joined_and_its_answers(loaded_app, staff):
    """As the purge: a duplicate's data is its resident's; the item it joined (its replies)
    is another message, whose resident is answered there."""
    main_id, main_link = send(loaded_app, reply_by="email", contact_email="first@example.com")
    duplicate_id, link = send(loaded_app, reply_by="email", contact_email="again@example.com")
    li = signed_in(loaded_app, "li")
    main = item(loaded_app, main_id).reference
    assert post(li, "merge", duplicate_id, target=main, confirm="yes").status_code == 303
    post(li, "reply", main_id, body="已经安排人去看。")
    resident = loaded_app.test_client()
    question = resident.get(link + "/delete").text
    assert f"{main} 那一条和它的答复不会删除" in question
    resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    assert_deleted(loaded_app, duplicate_id)
    kept = item(loaded_app, main_id)
    assert kept.purged_at is None and kept.contact_email == "first@example.com"
    assert "已经安排人去看。" in resident.get(main_link).text
    assert item(loaded_app, duplicate_id).merged_into_id == main_id


def test_the_item_others_joined_deleted_leaves_theirs(loaded_app, staff):
    main_id, link = send(loaded_app, reply_by="email", contact_email="first@example.com")
    duplicate_id, _ = send(loaded_app, reply_by="email", contact_email="again@example.com")
    li = signed_in(loaded_app, "li")
    main = item(loaded_app, main_id).reference
    assert post(li, "merge", duplicate_id, target=main, confirm="yes").status_code == 303
    resident = loaded_app.test_client()
    resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    assert_deleted(loaded_app, main_id)
    other = item(loaded_app, duplicate_id)
    assert other.purged_at is None and other.contact_email == "again@example.com"


# --- The public example of the item goes with it ---------------------------------------------

EXAMPLE = "居民问康复补贴怎么申请，我们在办事指南里补上了申请步骤。"
EXAMPLE_EN = "A resident asked how to apply for the rehabilitation allowance; we added the steps."
RESULTS = ("/feedback/results", "/en/feedback/results")


def with_example(app, item_id: int) -> None:
    """An administrator answers the item and publishes an example of it in both languages,
    which the public page shows, from the page cache the second time."""
    zhao = signed_in(app, "zhao")
    assert post(zhao, "reply", item_id, body="请看办事指南。").status_code == 303
    assert post(zhao, "example", item_id, action="publish", example=EXAMPLE,
                example_en=EXAMPLE_EN).status_code == 303  # fmt: skip
    visitor = app.test_client()
    for path, text in zip(RESULTS, (EXAMPLE, EXAMPLE_EN), strict=True):
        assert text in visitor.get(path).text
        assert visitor.get(path).headers["X-Page-Cache"] == "hit"


def assert_example_gone(app, item_id: int) -> None:
    """The item's example is off the public page (cached or not) and its texts deleted."""
    row = item(app, item_id)
    assert (row.example_text, row.example_text_en, row.example_published_at) == (None, None, None)
    visitor = app.test_client()
    for path in RESULTS:
        page = visitor.get(path).text
        assert EXAMPLE not in page and EXAMPLE_EN not in page


@pytest.mark.parametrize(
    ("prefix", "listed", "done"),
    [
        ("", "工作人员根据这件事写的例子", "公开例子也已撤下"),
        ("/en", "The example the staff wrote about this matter", "has been taken down too"),
    ],
)
def test_a_resident_s_deletion_takes_the_public_example_down(
    loaded_app, staff, prefix, listed, done
):
    """《个人信息保护法》第四十七条: staff wrote the example in their own words, but it tells
    the resident's case; it stayed public after they deleted their data, while the pages
    said only what is counted was left."""
    item_id, link = send(loaded_app, body=TEXT)
    with_example(loaded_app, item_id)
    resident = loaded_app.test_client()
    question = parse(resident.get(f"{prefix}{link}/delete").data).find("main").text
    assert listed in question
    delete = f"{prefix}{link}/delete"
    answer = resident.post(delete, data={"csrf_token": csrf(resident, delete)})
    assert answer.status_code == 200 and done in parse(answer.data).find("main").text
    assert_deleted(loaded_app, item_id)
    assert_example_gone(loaded_app, item_id)
    # Audited as a take-down, by nobody on the staff, beside the deletion.
    (entry,) = audited(loaded_app, "inbox-example-unpublish")
    assert (entry.user_id, entry.username) == (None, "")
    assert entry.key == item(loaded_app, item_id).reference
    # The staff's page offers no example to write again of a case its resident deleted.
    page = parse(signed_in(loaded_app, "zhao").get(f"/staff/inbox/{item_id}").data)
    assert page.find("form", action=f"/staff/inbox/{item_id}/example") is None


def test_nothing_about_an_example_is_said_to_a_resident_whose_item_has_none(loaded_app):
    item_id, link = send(loaded_app, body=TEXT)
    resident = loaded_app.test_client()
    assert "例子" not in parse(resident.get(link + "/delete").data).find("main").text
    answer = resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    assert "例子" not in parse(answer.data).find("main").text
    assert audited(loaded_app, "inbox-example-unpublish") == []


@pytest.mark.parametrize(
    ("prefix", "noted", "warned", "listed"),
    [
        ("", "例子也会撤下", "例子也会从公开页面上撤下", "公开的处理例子"),
        ("/en", "the example is taken down", "takes it off the public page too",
         "The published example"),
    ],
)  # fmt: skip
def test_staff_deleting_at_a_resident_s_request_are_told_the_example_goes(
    loaded_app, staff, prefix, noted, warned, listed
):
    item_id, _link = send(loaded_app, body=TEXT)
    with_example(loaded_app, item_id)
    zhao = signed_in(loaded_app, "zhao")
    page = parse(zhao.get(f"{prefix}/staff/inbox/{item_id}").data)
    assert noted in page.find("h2", id="example-heading").find_next("p").text
    form = page.find("form", action=f"{prefix}/staff/inbox/{item_id}/delete-data")
    assert warned in form.text
    token = csrf(zhao, f"/staff/inbox/{item_id}")
    question = zhao.post(form["action"], data={"csrf_token": token})
    assert listed in parse(question.data).find("main").text
    assert item(loaded_app, item_id).example_published_at is not None  # asking takes nothing
    done = zhao.post(form["action"], data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303
    assert_deleted(loaded_app, item_id)
    assert_example_gone(loaded_app, item_id)
    (entry,) = audited(loaded_app, "inbox-example-unpublish")
    assert (entry.user_id, entry.username) == (staff["admin"], "zhao")


def test_an_example_not_yet_published_is_deleted_too(loaded_app, staff):
    item_id, link = send(loaded_app, body=TEXT)
    with loaded_app.app_context():
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == item_id)
            .values(state="answered", example_text=EXAMPLE, example_text_en=EXAMPLE_EN)
        )
        db.session.commit()
    zhao = signed_in(loaded_app, "zhao")
    token = csrf(zhao, f"/staff/inbox/{item_id}")
    question = zhao.post(f"/staff/inbox/{item_id}/delete-data", data={"csrf_token": token})
    assert "为这一条写的处理例子（还没有公开）" in question.text
    resident = loaded_app.test_client()
    assert "例子" not in parse(resident.get(link + "/delete").data).find("main").text
    resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    assert_example_gone(loaded_app, item_id)
    assert audited(loaded_app, "inbox-example-unpublish") == []  # nothing public came down


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_no_example_is_published_of_an_item_whose_data_was_deleted(loaded_app, staff, action):
    """A page loaded before the deletion still has the example form: what it sends is
    refused, and a draft kept of it goes."""
    item_id, link = send(loaded_app, body=TEXT)
    with_example(loaded_app, item_id)
    zhao = signed_in(loaded_app, "zhao")
    before = zhao.get(f"/staff/inbox/{item_id}")
    version = parse(before.data).find("input", name="version").get("value")
    resident = loaded_app.test_client()
    resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    with loaded_app.app_context():
        # A new version too: a publish that passed the check before the deletion committed
        # is refused by its version.
        assert db.session.get(FeedbackItem, item_id).version > int(version)
        db.session.add(Autosave(user_id=staff["admin"], kind="inbox", key=f"{item_id}:example",
                                data={"example": EXAMPLE}))  # fmt: skip
        db.session.commit()
    response = zhao.post(f"/staff/inbox/{item_id}/example",
                         data={"csrf_token": token_in(before.data), "version": version,
                               "action": action, "example": EXAMPLE})  # fmt: skip
    assert response.status_code == 409
    assert "不能再公开例子" in error_summary(response.data).text
    assert_example_gone(loaded_app, item_id)
    with loaded_app.app_context():
        assert not db.session.scalars(
            select(Autosave).where(Autosave.key.startswith(f"{item_id}:"))
        ).all()


@pytest.mark.parametrize(
    ("prefix", "said"),
    [("", "这个例子也会撤下、删除"), ("/en", "that example is taken down and deleted too")],
)
def test_the_privacy_note_says_an_example_goes_with_the_data(loaded_app, prefix, said):
    note = parse(loaded_app.test_client().get(prefix + "/feedback/ask").data)
    assert said in note.find(id="privacy").find_next("ul").text


# --- In the inbox, for a request by phone or letter ------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "heading", "merged_note"),
    [
        ("", "立即删除这位居民的个人信息", "是别的来信，不会删除"),
        ("/en", "Delete this resident's personal data now", "are other messages"),
    ],
)
def test_the_assignee_deletes_a_resident_s_data_at_their_request(
    loaded_app, staff, prefix, heading, merged_note
):
    item_id, link = send(loaded_app, reply_by="phone", contact_phone="13800000000", body=TEXT)
    other_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    reference = item(loaded_app, item_id).reference
    assert post(li, "merge", other_id, target=reference, confirm="yes").status_code == 303
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    with_everything(loaded_app, item_id)
    page = parse(li.get(f"{prefix}/staff/inbox/{item_id}").data)
    assert page.find("h2", id="delete-heading").text == heading
    form = page.find("form", action=f"{prefix}/staff/inbox/{item_id}/delete-data")
    question = li.post(form["action"], data={"csrf_token": csrf(li, f"/staff/inbox/{item_id}")})
    assert question.status_code == 200 and merged_note in question.text
    assert item(loaded_app, item_id).purged_at is None
    done = li.post(form["action"], data={"csrf_token": csrf(li, f"/staff/inbox/{item_id}"),
                                         "confirm": "yes"})  # fmt: skip
    assert done.status_code == 303
    assert_deleted(loaded_app, item_id)
    assert item(loaded_app, other_id).purged_at is None  # another message: its own rule
    (entry,) = audited(loaded_app, "inbox-delete-on-request")
    assert (entry.user_id, entry.username, entry.key) == (staff["li"], "li", reference)
    after = li.get(f"{prefix}/staff/inbox/{item_id}")
    assert TEXT not in after.text and "13800000000" not in after.text
    assert parse(after.data).find("h2", id="delete-heading") is None
    # Not said to have gone at the end of its retention period: the audit log says why.
    assert "已按保存期限删除" not in after.text and "retention" not in after.text
    assert "已按居民要求删除" in after.text or "at the resident's request" in after.text
    assert "都已删除" in loaded_app.test_client().get(link).text


def test_only_the_assignee_and_administrators_may_delete(loaded_app, staff):
    item_id, _ = send(loaded_app, reply_by="phone", contact_phone="13800000000")
    li, wang = signed_in(loaded_app, "li"), signed_in(loaded_app, "wang")
    assert post(li, "assign", item_id, assignee=str(staff["li"])).status_code == 303
    page = parse(wang.get(f"/staff/inbox/{item_id}").data)
    assert page.find("h2", id="delete-heading") is None
    path = f"/staff/inbox/{item_id}"
    refused = wang.post(
        f"{path}/delete-data", data={"csrf_token": csrf(wang, path), "confirm": "yes"}
    )
    assert refused.status_code == 403 and error_summary(refused.data) is not None
    assert item(loaded_app, item_id).purged_at is None
    admin = signed_in(loaded_app, "zhao")
    token = csrf(admin, path)
    response = admin.post(f"{path}/delete-data", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 303
    assert item(loaded_app, item_id).purged_at is not None
    (entry,) = audited(loaded_app, "inbox-delete-on-request")
    assert entry.username == "zhao"


# --- The notices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "said"),
    [
        ("", ("您有权查看、更正和删除", "删除我的个人信息", "说出编号", "本网站的密钥")),
        ("/en", ("right to see, correct and delete", "Delete my personal data",
                 "quote the reference", "the site's secret key")),
    ],
)  # fmt: skip
def test_the_privacy_note_names_the_rights_and_how_to_use_them(loaded_app, prefix, said):
    client = loaded_app.test_client()
    for path in ("/feedback/ask", "/feedback/barrier", "/feedback/page-error"):
        doc = parse(client.get(prefix + path).data)
        note = doc.find(id="privacy").find_next("ul")
        assert all(part in note.text for part in said), note.text
        assert "无法还原" not in note.text and "cannot be turned back" not in note.text
        assert any("/contacts" in href for href in note.hrefs), note.hrefs


@pytest.mark.parametrize(
    ("prefix", "said"),
    [("", ("查看、修改或删除", "本网站的密钥")), ("/en", ("see, change or delete", "secret key"))],
)
def test_the_alerts_privacy_note_names_the_rights_and_whose_key_the_codes_use(
    loaded_app, prefix, said
):
    loaded_app.config.update(MAIL_NOWHERE)
    note = parse(loaded_app.test_client().get(prefix + "/alerts/").data).find("h2", id="privacy")
    text = note.find_next("ul").text
    assert all(part in text for part in said), text
    assert "无法还原" not in text and "cannot be turned back" not in text
    # no way to reach the federation that it has not published (the demo's are samples)
    assert "本站还没有公布" in text or "not yet published" in text


# --- Every inbox page says why an item's data went -------------------------------------------


def said_deleted(page, address: str) -> str:
    """What the inbox list's row of the item at `address` says in its 内容 column."""
    link = parse(page.data).find("a", href=address)
    return link.find_parent("tr").find_all("td")[1].text


def said_of_messages(page) -> list[str]:
    """The texts of the messages an item's page lists (each under its own heading)."""
    items = [li for li in parse(page.data).find("main").find_all("li") if li.find("h3")]
    return [li.find("p").text for li in items]


@pytest.mark.parametrize(
    ("prefix", "on_request", "when_due"),
    [
        ("", "已按居民要求删除。", "已按保存期限删除。"),
        (
            "/en",
            "Deleted at the resident's request.",
            "Deleted at the end of the retention period.",
        ),
    ],
)
def test_every_inbox_page_says_whether_the_resident_asked_or_the_data_was_due(
    loaded_app, staff, prefix, on_request, when_due
):
    """The item page named the resident's request (from the audit log), but the list, the
    text of each message, the merge question and a post refused still said the data had
    gone when it was due. They all ask the same rule (`deleted_on_request`) now."""
    asked_id, link = send(loaded_app)
    due_id, _ = send(loaded_app)
    open_id, _ = send(loaded_app)
    li = signed_in(loaded_app, "li")
    for item_id in (asked_id, due_id):
        assert post(li, "reply", item_id, body="已经安排人去看。").status_code == 303
    resident = loaded_app.test_client()
    resident.post(link + "/delete", data={"csrf_token": csrf(resident, link + "/delete")})
    purged_for_age(loaded_app, due_id)
    asked, due, kept = (item(loaded_app, i).reference for i in (asked_id, due_id, open_id))
    assert item(loaded_app, asked_id).purged_at and item(loaded_app, due_id).purged_at

    listed = li.get(f"{prefix}/staff/inbox/")
    assert said_deleted(listed, f"{prefix}/staff/inbox/{asked_id}") == on_request
    assert said_deleted(listed, f"{prefix}/staff/inbox/{due_id}") == when_due

    # Each message's text, on the item's page.
    for item_id, said in ((asked_id, on_request), (due_id, when_due)):
        assert said_of_messages(li.get(f"{prefix}/staff/inbox/{item_id}")) == [said]

    # The merge question (in Chinese: `post` sends the forms of the Chinese pages): the item
    # merged, deleted at its resident's request.
    question = post(li, "merge", asked_id, target=kept)
    assert question.status_code == 200 and "已按居民要求删除。" in question.text
    assert "已按保存期限删除" not in question.text

    # An item deleted cannot be merged into, and says why.
    for target, said, not_said in ((asked, "按居民要求删除", "按保存期限删除"),
                                   (due, "按保存期限删除", "按居民要求删除")):  # fmt: skip
        refused = post(li, "merge", open_id, target=target)
        assert refused.status_code == 400
        summary = error_summary(refused.data).text
        assert said in summary and not_said not in summary

    # A post refused (a page open as the data went) says why too.
    for item_id, said, not_said in ((asked_id, "按居民要求删除", "按保存期限删除"),
                                    (due_id, "按保存期限删除", "按居民要求删除")):  # fmt: skip
        refused = post(li, "note", item_id, body="打过电话了。")
        assert refused.status_code == 409
        summary = error_summary(refused.data).text
        assert said in summary and not_said not in summary
