"""A form sent twice is one message; two residents' same words are two. Each form page
carries a key of its own (a hidden field, made when the page is shown); a post is taken for
one sent before only when it carries that page's key, within the window, with the same
details (the text, the way of answering, the contact). The key is kept only as a keyed
hash, and deleted with the item's other data. The browser that sent the form twice keeps
the receipt of the first sending, with its status link."""

import re
from datetime import timedelta

import pytest
from barrierfree.database import db, utcnow
from barrierfree.feedback import operations, queries, views
from barrierfree.feedback.models import CLOSED, FeedbackItem, FeedbackMessage
from barrierfree.staff.inbox import retention
from conftest import parse
from sqlalchemy import select, update

ASK = "/feedback/ask"
COMMON = "请问残疾证怎么办理？"
REFERENCE = re.compile(r"CP-\d{4}-\d{6}")
STATUS_LINK = re.compile(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}")


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


def form_page(client, path: str = ASK) -> dict[str, str]:
    """The hidden fields of the form page a browser opens: its CSRF token and its key."""
    response = client.get(path)
    assert response.status_code == 200
    form = parse(response.data).find("form", id="page-form")
    return {field["name"]: field["value"] for field in form.find_all("input", type="hidden")}


def send(client, page: dict[str, str], path: str = ASK, **fields):
    """Send the form page `page` (a browser sends it again as it was: the same hidden
    fields); the response to the POST."""
    data = {**page, "topic": "other", "reply_by": "site", "body": COMMON, **fields}
    return client.post(path, data=data)


def sent(client, response):
    """The sent page after a good submission."""
    assert response.status_code == 303, response.text[:3000]
    return client.get(response.headers["Location"])


def link_on(page) -> str | None:
    found = STATUS_LINK.search(page.text)
    return found.group() if found else None


def items(app) -> list[FeedbackItem]:
    with app.app_context():
        return list(db.session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)))


# --- Two residents, the same words --------------------------------------------------------


@pytest.mark.parametrize(
    "contacts",
    [
        ({"reply_by": "sms", "contact_phone": "13800000001"},
         {"reply_by": "sms", "contact_phone": "13900000002"}),
        ({"reply_by": "site"}, {"reply_by": "site"}),
        ({"reply_by": "sms", "contact_phone": "13800000001"}, {"reply_by": "site"}),
    ],
    ids=["two phone numbers", "two anonymous residents", "one with a number, one without"],
)  # fmt: skip
def test_two_residents_behind_one_address_with_the_same_words_are_both_kept(loaded_app, contacts):
    """A community centre's computer, or a mobile network behind one address: the second
    resident's message was thrown away as the first one's duplicate, their number never
    kept and no status link given."""
    pages = []
    for contact in contacts:
        browser = loaded_app.test_client()  # each from 127.0.0.1
        pages.append(sent(browser, send(browser, form_page(browser), **contact)))
    assert all("已经收到过" not in page.text and link_on(page) for page in pages)
    assert link_on(pages[0]) != link_on(pages[1])
    kept = items(loaded_app)
    assert len(kept) == 2 and {item.body for item in kept} == {COMMON}
    assert [item.contact_phone for item in kept] == [c.get("contact_phone") for c in contacts]


def test_the_same_words_on_a_form_opened_again_are_a_new_message(loaded_app, client):
    """Only a page sent again is the same message: a form opened anew is written anew
    (a resident who thinks the first did not arrive gets a status link, not nothing)."""
    first = sent(client, send(client, form_page(client)))
    second = sent(client, send(client, form_page(client)))
    assert link_on(first) and link_on(second) and link_on(first) != link_on(second)
    assert len(items(loaded_app)) == 2


# --- One form, sent again ----------------------------------------------------------------


def test_the_same_form_sent_again_is_kept_once(loaded_app, client):
    page = form_page(client)
    first = sent(client, send(client, page, reply_by="sms", contact_phone="13800000001"))
    # Back, and send again: the same words (white space aside), the same number however typed.
    again = sent(client, send(client, page, reply_by="sms", contact_phone="138 0000 0001",
                              body=f"  {COMMON}\n"))  # fmt: skip
    (item,) = items(loaded_app)
    assert item.reference in first.text and item.reference in again.text


@pytest.mark.parametrize(
    "changed",
    [
        {"body": "请问残疾证丢了怎么补办？"},
        {"reply_by": "sms", "contact_phone": "13900000002"},
        {"reply_by": "phone", "contact_phone": "13800000001"},
        {"topic": "rehabilitation"},
    ],
    ids=["another text", "another number", "another way of answering", "another topic"],
)
def test_a_form_sent_again_with_other_details_is_a_new_message(loaded_app, client, changed):
    """Back, a change, and send: what the resident changed is not thrown away."""
    page = form_page(client)
    first = {"reply_by": "sms", "contact_phone": "13800000001"}
    sent(client, send(client, page, **first))
    again = sent(client, send(client, page, **{**first, **changed}))
    assert link_on(again) and "已经收到过" not in again.text
    assert len(items(loaded_app)) == 2


def test_a_form_sent_again_after_the_window_is_a_new_message(loaded_app, client):
    page = form_page(client)
    sent(client, send(client, page))
    with loaded_app.app_context():
        earlier = utcnow() - queries.DUPLICATE_WINDOW - timedelta(minutes=1)
        db.session.execute(update(FeedbackItem).values(created_at=earlier))
        db.session.commit()
    assert link_on(sent(client, send(client, page)))
    assert len(items(loaded_app)) == 2


@pytest.mark.parametrize("key", [None, "", "short", "x" * 31 + "!", "y" * 33])
def test_a_post_without_a_key_made_here_is_never_taken_for_another(loaded_app, client, key):
    """A page from before there were keys, or a program's post: no text alone makes it a
    duplicate, so no resident's message is thrown away for someone else's words."""
    page = form_page(client)
    if key is None:
        del page[views.FORM_KEY]
    else:
        page[views.FORM_KEY] = key
    for _ in range(2):
        assert link_on(sent(client, send(client, page)))
    kept = items(loaded_app)
    assert len(kept) == 2 and all(item.form_key_hash is None for item in kept)


def test_a_double_click_on_the_barrier_form_is_one_report(loaded_app, client):
    path = "/feedback/barrier"
    page = form_page(client, path)
    fields = {"township": "zhenxing", "barrier_type": "step", "body": "盲道被占用了。"}
    first = sent(client, send(client, page, path, **fields))
    again = sent(client, send(client, page, path, **fields))
    assert link_on(again) == link_on(first)
    assert len(items(loaded_app)) == 1


# --- The key ------------------------------------------------------------------------------


def test_every_form_page_has_a_key_of_its_own(loaded_app, client):
    loaded_app.config["PAGE_CACHE"] = True
    keys = [form_page(browser)[views.FORM_KEY] for browser in
            (client, client, loaded_app.test_client())]  # fmt: skip
    assert len(set(keys)) == 3 and all(operations.form_key(key) == key for key in keys)
    for path in ("/feedback/barrier", "/feedback/page-error", "/en/feedback/ask"):
        assert operations.form_key(form_page(client, path)[views.FORM_KEY])


@pytest.mark.parametrize(
    "shown_again",
    [
        {"body": ""},  # an error
        {"large": "1"},  # 大字版, with the form
        {"csrf_token": "expired"},
    ],
    ids=["an error", "large text", "an expired page"],
)
def test_a_form_shown_again_keeps_its_key(client, shown_again):
    page = form_page(client)
    response = send(client, page, **shown_again)
    assert response.status_code in (200, 400)
    form = parse(response.data).find("form", id="page-form")
    assert form.find("input", name=views.FORM_KEY)["value"] == page[views.FORM_KEY]


def test_the_key_is_kept_only_as_a_keyed_hash_and_put_in_no_address(loaded_app, client):
    page = form_page(client)
    key = page[views.FORM_KEY]
    response = send(client, page)
    assert key not in response.headers["Location"]
    (item,) = items(loaded_app)
    assert item.form_key_hash is not None and len(item.form_key_hash) == 64
    with loaded_app.app_context():
        row = db.session.execute(select(FeedbackItem.__table__)).one()
        assert all(key not in str(value) for value in row)
        assert item.form_key_hash == operations.form_key_hash(key)
        loaded_app.secret_key = "another key"
        assert operations.form_key_hash(key) != item.form_key_hash


def test_the_purge_deletes_the_key_with_the_items_other_data(loaded_app, client):
    sent(client, send(client, form_page(client)))
    with loaded_app.app_context():
        long_ago = utcnow() - timedelta(days=loaded_app.config["FEEDBACK_RETENTION_DAYS"] + 1)
        db.session.execute(update(FeedbackItem).values(state=CLOSED, closed_at=long_ago))
        db.session.commit()
        retention.purge()
    (item,) = items(loaded_app)
    assert item.purged_at is not None and item.form_key_hash is None


# --- Follow-ups ---------------------------------------------------------------------------


def test_the_same_follow_up_on_two_residents_items_is_kept_on_each(loaded_app):
    """A follow-up sent again is looked for on its own item only."""
    links = []
    for _ in range(2):
        browser = loaded_app.test_client()
        links.append((browser, link_on(sent(browser, send(browser, form_page(browser))))))
    for browser, link in links:
        token = parse(browser.get(link).data).find("input", name="csrf_token")
        response = browser.post(link, data={"csrf_token": token["value"], "body": "好的，谢谢。"})
        assert response.status_code == 303
    with loaded_app.app_context():
        kept = db.session.scalars(select(FeedbackMessage.item_id).order_by(FeedbackMessage.id))
        assert len(set(kept)) == 2


# --- The receipt of a form sent twice ------------------------------------------------------


def receipt_cookie(client, name: str = views.RECEIPT_COOKIE):
    return client.get_cookie(name, path="/feedback/sent")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_form_sent_twice_keeps_the_first_status_link(loaded_app, client, prefix):
    """The second post's receipt, without a link, replaced the first one's: the resident
    lost the status link for good."""
    page = form_page(client, prefix + ASK)
    send(client, page, prefix + ASK)  # a double click: the first answer is never shown
    before = receipt_cookie(client).value
    again = send(client, page, prefix + ASK)
    assert again.status_code == 303 and receipt_cookie(client).value == before
    shown = client.get(prefix + "/feedback/sent")
    (item,) = items(loaded_app)
    assert link_on(shown) is not None and item.reference in shown.text
    if not prefix:
        assert "只保存了一次" in shown.text and "没有重复保存" not in shown.text
    reloaded = client.get(prefix + "/feedback/sent")
    assert link_on(reloaded) == link_on(shown)
    assert receipt_cookie(client, views.AGAIN_COOKIE) is None  # settled, and gone


def test_back_and_send_again_after_seeing_the_link_keeps_it(loaded_app, client):
    page = form_page(client)
    first = sent(client, send(client, page))
    again = sent(client, send(client, page))
    assert link_on(again) == link_on(first) is not None
    assert len(items(loaded_app)) == 1


def test_a_form_sent_again_after_its_receipt_was_removed_names_its_reference(loaded_app, client):
    page = form_page(client)
    first = sent(client, send(client, page))
    token = parse(first.data).find("main").find("input", name="csrf_token")["value"]
    client.post("/feedback/sent", data={"csrf_token": token})  # 不再显示
    again = sent(client, send(client, page))
    (item,) = items(loaded_app)
    assert link_on(again) is None and "没有重复保存" in again.text and item.reference in again.text
    reloaded = client.get("/feedback/sent")
    assert "没有重复保存" in reloaded.text and item.reference in reloaded.text


def test_a_form_sent_again_after_another_one_names_the_item_it_repeats(loaded_app, client):
    """Two forms, then Back to the first and send: the page must not show the second one's
    link as if it were the first one's."""
    first_page, second_page = form_page(client), form_page(client)
    sent(client, send(client, first_page))
    second = sent(client, send(client, second_page, body="助听器坏了，去哪里修？"))
    again = sent(client, send(client, first_page))
    first_item, second_item = items(loaded_app)
    assert link_on(again) is None and link_on(second) not in again.text
    assert first_item.reference in again.text and "没有重复保存" in again.text
    assert second_item.reference not in again.text


def test_a_new_message_after_a_form_sent_again_gets_its_own_receipt(loaded_app, client):
    """The mark a form sent again leaves goes with the next new message, whose link the
    sent page must show, even when the page in between was never opened."""
    page = form_page(client)
    send(client, page)
    send(client, page)  # the mark, never settled by the sent page
    new = sent(client, send(client, form_page(client), body="助听器坏了，去哪里修？"))
    assert link_on(new) is not None and "只保存了一次" not in new.text
    assert items(loaded_app)[1].reference in new.text


def test_the_mark_of_a_form_sent_again_is_a_cookie_like_the_receipt(client):
    page = form_page(client)
    send(client, page)
    again = send(client, page)
    headers = again.headers.getlist("Set-Cookie")
    assert not any(h.startswith(views.RECEIPT_COOKIE + "=") for h in headers)
    marks = [h for h in headers if h.startswith(views.AGAIN_COOKIE + "=")]
    assert sorted(h.split("Path=")[1].split(";")[0] for h in marks) == [
        "/en/feedback/sent",
        "/feedback/sent",
    ]
    for header in marks:
        assert "Max-Age=3600" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_removing_the_receipt_removes_the_mark_too(client):
    page = form_page(client)
    send(client, page)
    send(client, page)
    token = form_page(client)["csrf_token"]
    removed = client.post("/feedback/sent", data={"csrf_token": token})
    assert removed.status_code == 303
    assert receipt_cookie(client) is None and receipt_cookie(client, views.AGAIN_COOKIE) is None
    assert link_on(client.get("/feedback/sent")) is None
