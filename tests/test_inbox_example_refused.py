"""A public example refused because the item changed after its text was typed (the
resident's follow-up opened it again, a colleague merged it) or kept as a draft when the
session ended: the text is shown to copy where the error summary's link leads, with why."""

from datetime import timedelta

from barrierfree.database import db, utcnow
from barrierfree.staff.models import StaffSession
from conftest import parse
from sqlalchemy import update
from staff_helpers import error_summary, make_staff, signed_in, token_in
from test_inbox import follow_up, item, post, send

TEXT, ENGLISH = "门口的坡道太陡，已经请场所改缓。", "The ramp at the door was made less steep."


def answered_item(app) -> tuple[int, str]:
    """An item answered by an editor: its id and status link."""
    item_id, link = send(app)
    make_staff(app, "li", "editor")
    assert post(signed_in(app, "li"), "reply", item_id, body="已经处理。").status_code == 303
    return item_id, link


def example_form(client, item_id: int) -> dict:
    """The example form's fields as the item page has them, with the texts typed."""
    page = parse(client.get(f"/staff/inbox/{item_id}").data)
    form = page.find("form", action=f"/staff/inbox/{item_id}/example")
    assert form is not None
    version = form.find("input", name="version")["value"]
    return {"csrf_token": token_in(str(page)), "version": version,
            "example": TEXT, "example_en": ENGLISH, "action": "publish"}  # fmt: skip


def assert_text_kept(page) -> None:
    """Both texts shown, read-only, where the error summary's link points."""
    chinese = page.find("textarea", id="field-example")
    assert chinese is not None and chinese.text.strip() == TEXT
    assert chinese.has_attr("readonly")
    assert page.find("textarea", id="field-example_en").text.strip() == ENGLISH
    for link in page.find(class_="error-summary").find_all("a"):
        assert page.find(id=link["href"].removeprefix("#")) is not None, link


def test_a_follow_up_since_the_page_opened_keeps_the_example_text(loaded_app):
    item_id, link = answered_item(loaded_app)
    make_staff(loaded_app, "fang", "publisher")
    fang = signed_in(loaded_app, "fang")
    data = example_form(fang, item_id)
    follow_up(loaded_app, link, "坡道还是太陡。")
    response = fang.post(f"/staff/inbox/{item_id}/example", data=data)
    assert response.status_code == 400
    summary = error_summary(response.data).text
    assert "居民又补充了内容" in summary and "处理中" in summary
    assert_text_kept(parse(response.data))
    assert item(loaded_app, item_id).example_published_at is None


def test_a_merge_since_the_page_opened_keeps_the_example_text(loaded_app):
    item_id, _ = answered_item(loaded_app)
    other, _ = send(loaded_app)
    make_staff(loaded_app, "fang", "publisher")
    fang = signed_in(loaded_app, "fang")
    data = example_form(fang, item_id)
    target = item(loaded_app, other)
    merged = post(signed_in(loaded_app, "li"), "merge", item_id, target=target.reference,
                  confirm="yes")  # fmt: skip
    assert merged.status_code == 303
    response = fang.post(f"/staff/inbox/{item_id}/example", data=data)
    assert response.status_code == 400
    page = parse(response.data)
    assert target.reference in error_summary(response.data).text
    assert_text_kept(page)
    assert page.find("main").find("a", href=f"/staff/inbox/{other}") is not None


def test_a_draft_kept_at_the_session_s_end_comes_back_to_copy_once_reopened(loaded_app):
    item_id, link = answered_item(loaded_app)
    make_staff(loaded_app, "fang", "publisher")
    fang = signed_in(loaded_app, "fang")
    data = example_form(fang, item_id)
    with loaded_app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = fang.post(f"/staff/inbox/{item_id}/example", data=data)
    assert "/staff/sign-in" in response.headers["Location"]
    follow_up(loaded_app, link, "坡道还是太陡。")
    page = parse(signed_in(loaded_app, "fang").get(f"/staff/inbox/{item_id}").data)
    chinese = page.find("textarea", id="field-example")
    assert chinese is not None and chinese.text.strip() == TEXT
    assert page.find("textarea", id="field-example_en").text.strip() == ENGLISH
    assert (
        "居民又补充了内容" in page.find("main").text and "留在您的草稿里" in page.find("main").text
    )
    # Answered again, the draft is back in the form, to publish.
    assert post(signed_in(loaded_app, "li"), "reply", item_id, body="又处理了。").status_code == 303
    page = parse(signed_in(loaded_app, "fang").get(f"/staff/inbox/{item_id}").data)
    form = page.find("form", action=f"/staff/inbox/{item_id}/example")
    assert form.find("textarea", id="field-example").text.strip() == TEXT
