"""The editor's copy of the text in the browser: offered back when the form shows other
text, put back with the version it was written against (so a colleague's newer save is
shown to merge, never overwritten), forgotten after a good save in either language and on
signing out."""

import pytest
from barrierfree.database import db
from barrierfree.staff.models import EDITOR, Autosave, StaffUser
from barrierfree.updates.models import DRAFT, Update
from selenium.webdriver.common.by import By
from sqlalchemy import select

from .conftest import Wait, navigate, set_mode, wait_for
from .test_back_office import make_account, sign_in

MINE = "我在这个浏览器里写的正文。"
COPIES = "return Object.keys(localStorage).filter(k => k.startsWith('barrierfree-copy:'))"


def draft(site, slug: str) -> int:
    """A draft update of its own for one test; its id."""
    with site["app"].app_context():
        row = Update(slug=slug, kind="notice", status=DRAFT, title=f"草稿 {slug}",
                     summary="本地副本测试。", body="原来的正文。")  # fmt: skip
        db.session.add(row)
        db.session.commit()
        return row.id


def body_of(site, item_id: int) -> str:
    with site["app"].app_context():
        return db.session.get(Update, item_id).body


def open_form(driver, site, path: str) -> None:
    """Open an edit form signed in, with htmx and site.js set up."""
    driver.get(site["url"] + path)
    Wait(driver, 5).until(lambda d: d.execute_script("return !!window.htmx"))


def type_body(driver, text: str) -> None:
    """Replace the body's text as typing would, and wait for the copy to be written."""
    body = driver.find_element(By.NAME, "body")
    body.clear()
    body.send_keys(text)
    Wait(driver, 5).until(
        lambda d: text in (d.execute_script("return JSON.stringify(localStorage)") or "")
    )


@pytest.fixture
def staff_browser(site, browser):
    """The desktop browser, signed in to the back office."""
    set_mode(browser, site["url"], "default", site["staff"])
    yield browser
    browser.execute_script("localStorage.clear()")


def test_a_copy_put_back_after_a_colleague_saved_is_shown_to_merge(site, staff_browser):
    driver = staff_browser
    item_id = draft(site, "local-copy-merge")
    path = f"/staff/updates/{item_id}"
    open_form(driver, site, path)
    loaded_version = driver.find_element(By.NAME, "version").get_attribute("value")
    type_body(driver, MINE)
    with site["app"].app_context():  # a colleague saves meanwhile
        row = db.session.get(Update, item_id)
        row.body, row.version = "同事保存的正文。", row.version + 1
        db.session.commit()

    open_form(driver, site, path)
    offer = driver.find_element(By.ID, "local-copy")
    assert offer.is_displayed()
    offer.find_element(By.CSS_SELECTOR, "[data-local-copy-restore]").click()
    assert driver.find_element(By.NAME, "body").get_attribute("value") == MINE
    assert driver.find_element(By.NAME, "version").get_attribute("value") == loaded_version
    driver.find_element(By.CSS_SELECTOR, "#edit-form button[value=save]").click()

    wait_for(driver, lambda d: "同事保存的正文。" in d.find_element(By.TAG_NAME, "main").text)
    assert body_of(site, item_id) == "同事保存的正文。", "the colleague's save stays"


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_good_save_forgets_the_copy_in_either_language(site, staff_browser, prefix):
    driver = staff_browser
    item_id = draft(site, f"local-copy-saved{prefix.strip('/')}")
    open_form(driver, site, f"{prefix}/staff/updates/{item_id}")
    type_body(driver, "保存成功的正文。")
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "#edit-form button[value=save]").click)
    assert body_of(site, item_id) == "保存成功的正文。"
    Wait(driver, 5).until(lambda d: d.execute_script(COPIES) == [])
    assert not driver.find_element(By.ID, "local-copy").is_displayed()


def test_no_copy_is_offered_after_an_error_in_a_form_shown_with_an_autosave_on_offer(site, browser):
    """The copy kept the form's hidden autosave_on_offer; the form shown again after an
    error has none, so it seemed to hold other text than the copy, and the copy of what it
    held was offered back (这个浏览器里还留着一份您写的内容)."""
    make_account(site, "copy-on-offer", EDITOR)
    sign_in(browser, site, "copy-on-offer")
    item_id = draft(site, "copy-on-offer")
    with site["app"].app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "copy-on-offer"))
        text = {"title": "服务器上自动保存的标题"}
        db.session.add(Autosave(user_id=user.id, kind="updates", key=str(item_id), data=text))
        db.session.commit()
    open_form(browser, site, f"/staff/updates/{item_id}")
    assert browser.find_elements(By.NAME, "autosave_on_offer"), "the server's text is on offer"
    browser.find_element(By.NAME, "title").clear()  # no title: the save is refused
    type_body(browser, MINE)
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#edit-form button[value=save]").click)

    assert browser.find_element(By.CSS_SELECTOR, "[data-error-summary]").is_displayed()
    assert browser.find_element(By.NAME, "body").get_attribute("value") == MINE
    assert not browser.find_elements(By.NAME, "autosave_on_offer")
    assert not browser.find_element(By.ID, "local-copy").is_displayed()
    # The copy is still there, for the text as it is now.
    assert len(browser.execute_script(COPIES)) == 1
