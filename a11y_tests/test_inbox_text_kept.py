"""A reply and a note being written in the inbox are not lost, by keyboard in a real
browser: without JavaScript, 大字版 and the English button show the item again with the
reply and the note in their boxes (with it, the English button does, and 大字版 leaves the
page as it is); a reply sent after signing out in another tab is on the page that refuses
it, to copy."""

from barrierfree.database import db
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage
from barrierfree.staff.models import EDITOR
from selenium.webdriver.common.keys import Keys
from sqlalchemy import func, select

from .conftest import navigate, wait_for
from .test_back_office import button, by_id, make_account, sign_in, tab_to, type_keys

REPLY = "您好，坡道下周修好，修好后再告诉您。"
NOTE = "已经打电话给场所管理方。"


def open_item(site) -> int:
    """An item that still takes replies."""
    with site["app"].app_context():
        return db.session.scalar(
            select(FeedbackItem.id)
            .where(FeedbackItem.purged_at.is_(None))
            .order_by(FeedbackItem.id)
        )


def message_count(site) -> int:
    with site["app"].app_context():
        return db.session.scalar(select(func.count()).select_from(FeedbackMessage))


def reply_box(driver) -> str:
    return driver.find_element("id", "field-reply").get_attribute("value")


def note_box(driver) -> str:
    return driver.find_element("id", "field-note").get_attribute("value")


def write_reply_and_note(driver) -> None:
    """Type a reply, then a note in the box beside it, by keyboard."""
    tab_to(driver, by_id("field-reply"), limit=200)
    type_keys(driver, REPLY)
    tab_to(driver, by_id("field-note"), limit=10)
    type_keys(driver, NOTE)


def test_large_text_and_english_keep_the_reply_and_note_without_javascript(
    site, browser_without_javascript
):
    driver = browser_without_javascript
    make_account(site, "reply-nojs", EDITOR)
    sign_in(driver, site, "reply-nojs")
    item_id = open_item(site)
    sent_before = message_count(site)
    driver.get(f"{site['url']}/staff/inbox/{item_id}")
    write_reply_and_note(driver)

    large = driver.find_element("id", "display-large")
    navigate(driver, lambda: large.send_keys(Keys.ENTER))
    assert "large" in driver.find_element("tag name", "html").get_attribute("class")
    assert (reply_box(driver), note_box(driver)) == (REPLY, NOTE)

    english = driver.find_element("css selector", ".language-link")
    navigate(driver, lambda: english.send_keys(Keys.ENTER))
    # At the address 大字版 sent the form to, in English.
    assert driver.current_url.endswith(f"/en/staff/inbox/{item_id}/reply")
    assert driver.find_element("tag name", "html").get_attribute("lang") == "en"
    assert (reply_box(driver), note_box(driver)) == (REPLY, NOTE)
    assert message_count(site) == sent_before  # nothing was sent


def test_large_text_and_english_keep_the_reply_and_note_with_javascript(site, browser):
    make_account(site, "reply-js", EDITOR)
    sign_in(browser, site, "reply-js")
    item_id = open_item(site)
    sent_before = message_count(site)
    browser.get(f"{site['url']}/staff/inbox/{item_id}")
    write_reply_and_note(browser)

    # htmx sends 大字版 alone: the page, with what was typed, stays.
    large = browser.find_element("id", "display-large")
    large.send_keys(Keys.ENTER)
    wait_for(
        browser, lambda d: "large" in d.find_element("tag name", "html").get_attribute("class")
    )
    assert browser.current_url.endswith(f"/staff/inbox/{item_id}")
    assert (reply_box(browser), note_box(browser)) == (REPLY, NOTE)

    english = browser.find_element("css selector", ".language-link")
    navigate(browser, lambda: english.send_keys(Keys.ENTER))

    assert browser.current_url.endswith(f"/en/staff/inbox/{item_id}")
    assert (reply_box(browser), note_box(browser)) == (REPLY, NOTE)
    assert message_count(site) == sent_before  # nothing was sent


def test_a_reply_sent_after_signing_out_elsewhere_is_shown_to_copy(site, browser):
    make_account(site, "reply-signed-out", EDITOR)
    sign_in(browser, site, "reply-signed-out")
    item_id = open_item(site)
    browser.get(f"{site['url']}/staff/inbox/{item_id}")
    first = browser.current_window_handle
    tab_to(browser, by_id("field-reply"), limit=200)
    type_keys(browser, REPLY)

    browser.switch_to.new_window("tab")
    browser.get(f"{site['url']}/staff/")
    sign_out = "document.querySelector('form.sign-out').requestSubmit()"  # in a folded menu
    navigate(browser, lambda: browser.execute_script(sign_out))
    browser.close()
    browser.switch_to.window(first)
    tab_to(browser, button("发布答复")).send_keys(Keys.ENTER)

    wait_for(browser, lambda d: "表单已失效" in d.title)
    kept = browser.find_element("css selector", "main textarea")
    assert kept.get_attribute("readonly") is not None
    assert kept.get_attribute("value") == REPLY
    label = browser.find_element("css selector", f"label[for='{kept.get_attribute('id')}']")
    assert label.text == "答复居民"
    # Reached by keyboard, its text selected and copied as any text box's.
    assert tab_to(browser, by_id(kept.get_attribute("id")), limit=40) is not None
    sign_in_link = tab_to(browser, lambda e: e.tag_name == "a" and e.text == "登录", limit=5)
    navigate(browser, lambda: sign_in_link.send_keys(Keys.ENTER))
    assert "/staff/sign-in" in browser.current_url
