"""The back office in a real browser, with the keyboard alone: the issue's journey (sign
in, write an update with an image, be stopped by the missing alt text, fix it, publish and
answer the question before it goes public, see it on the home page, in the feed and in
search), with and without JavaScript; the
warning before a session ends, with the button that keeps it alive; and two tabs writing
new updates, each keeping its own text."""

import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pytest
from barrierfree.database import db
from barrierfree.staff.accounts.views import create_user
from barrierfree.staff.models import EDITOR, PUBLISHER, Autosave, MediaFile
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from .conftest import AXE_SCRIPT, VIEWPORTS, Wait, active, resize, wait_for
from .test_every_page import AXE_OPTIONS, AXE_RUN

PASSWORD = "keyboard only, all the way"
PHOTO = "0123456789abcdef0123456789abcdef.png"  # in the media library (`keep_photo`)
BODY = "## 怎么预约\n\n拨打 12345 或到如康家园登记。\n\n![{alt}](/media/" + PHOTO + ")\n"
ATOM = "{http://www.w3.org/2005/Atom}"


def make_account(site, username: str, role: str) -> None:
    with site["app"].app_context():
        create_user(username, username, role, PASSWORD)
        db.session.commit()


def keep_photo(site) -> None:
    """The upload BODY shows, in the media library, so the fixed text can be published."""
    with site["app"].app_context():
        if db.session.scalar(select(MediaFile).where(MediaFile.name == PHOTO)) is None:
            db.session.add(
                MediaFile(
                    name=PHOTO,
                    original_name="轮椅.png",
                    mimetype="image/png",
                    size=1,
                    uploaded_by="a11y",
                )
            )
            db.session.commit()


def tab_to(driver, matches, limit: int = 80):
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        element = active(driver)
        if matches(element):
            return element
    raise AssertionError("never reached by Tab")


def by_id(name: str):
    return lambda element: element.get_attribute("id") == name


def button(text: str):
    return lambda element: element.tag_name == "button" and element.text.strip() == text


def link(text: str):
    return lambda element: element.tag_name == "a" and element.text.strip() == text


def type_keys(driver, text: str) -> None:
    ActionChains(driver).send_keys(text).perform()


def sign_in(driver, site, username: str) -> None:
    driver.get(site["url"] + "/staff/sign-in")
    tab_to(driver, by_id("field-username"))
    type_keys(driver, username)
    tab_to(driver, by_id("field-password"))
    type_keys(driver, PASSWORD + Keys.ENTER)
    wait_for(driver, lambda d: d.current_url.endswith("/staff/"))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_publishing_an_update_with_the_keyboard_alone(
    site, browser, browser_without_javascript, javascript
):
    driver = browser if javascript else browser_without_javascript
    title = "辅助器具适配服务开始预约" + ("" if javascript else "（无脚本）")
    username = "keyboard-js" if javascript else "keyboard-nojs"
    make_account(site, username, PUBLISHER)
    keep_photo(site)
    sign_in(driver, site, username)

    tab_to(driver, link("通知公告和工作动态")).send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.current_url.endswith("/staff/updates/"))
    tab_to(driver, link("新建")).send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.current_url.endswith("/staff/updates/new"))
    tab_to(driver, by_id("field-kind"))
    type_keys(driver, "通知公告")
    tab_to(driver, by_id("field-title"))
    type_keys(driver, title)
    tab_to(driver, by_id("field-summary"))
    type_keys(driver, "持证残疾人可以预约轮椅、助听器等辅助器具的免费适配。")
    tab_to(driver, by_id("field-body"))
    type_keys(driver, BODY.format(alt=""))
    tab_to(driver, button("保存并发布")).send_keys(Keys.ENTER)

    wait_for(driver, lambda d: "错误" in d.title)
    summary = driver.find_element("css selector", "[data-error-summary]")
    assert "替代文字" in summary.text
    if javascript:
        assert active(driver) == summary, "the error summary takes focus"
    tab_to(driver, lambda e: e.tag_name == "a" and "替代文字" in e.text).send_keys(Keys.ENTER)
    assert active(driver).get_attribute("id") == "field-body", "the summary leads to the field"
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
    type_keys(driver, BODY.format(alt="工作人员为一位老人调整轮椅"))
    tab_to(driver, button("保存并发布")).send_keys(Keys.ENTER)
    # Saved as a draft; asked before it goes public (WCAG 3.3.6).
    wait_for(driver, lambda d: d.title.startswith(f"发布“{title}”？"))
    tab_to(driver, button("确认发布")).send_keys(Keys.ENTER)
    wait_for(driver, lambda d: "已发布" in d.page_source and "错误" not in d.title)
    if javascript:
        assert active(driver).get_attribute("data-flash") is not None
        # The message's undo is the next stop.
        tab_to(driver, button("撤销发布"), limit=2)

    driver.get(site["url"] + "/")
    assert title in driver.find_element("id", "main").text
    client = site["app"].test_client()
    feed = ET.fromstring(client.get("/updates/feed.atom").data)
    assert title in [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    driver.get(site["url"] + "/search?q=" + "轮椅预约")
    assert title in driver.find_element("id", "main").text


@contextmanager
def warned(site, browser, username: str):
    """An editor signed in on a new update's form, its session short enough that the
    warning opens (24 seconds: it comes 20 seconds before the end, the least time it
    gives); yields the open dialog."""
    app = site["app"]
    make_account(site, username, EDITOR)
    sign_in(browser, site, username)
    app.config["STAFF_IDLE_MINUTES"] = 0.4
    try:
        browser.get(site["url"] + "/staff/updates/new")
        dialog = browser.find_element("id", "session-warning")
        assert not dialog.is_displayed()
        Wait(browser, 15).until(lambda d: dialog.is_displayed())
        yield dialog
    finally:
        app.config["STAFF_IDLE_MINUTES"] = 24 * 60


def test_the_session_warning_opens_before_the_end_and_keeps_the_session(site, browser):
    with warned(site, browser, "warned"):
        assert active(browser).text == "继续保持登录", "focus moves to the button"
        active(browser).send_keys(Keys.ENTER)
        # htmx replaces the dialog with a fresh, closed one.
        Wait(browser, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: not d.find_element("id", "session-warning").is_displayed()
        )
        Wait(browser, 5).until(lambda d: d.find_element("id", "status").text == "已延长登录时间。")
    browser.get(site["url"] + "/staff/")
    assert browser.current_url.endswith("/staff/"), "still signed in"


def test_keeping_a_session_that_ended_elsewhere_says_it_has_ended(site, browser):
    """Signed out in another tab, "继续保持登录" was refused in silence: the dialog stayed as
    it was and nothing was said."""
    with warned(site, browser, "ended-elsewhere") as dialog:
        # Another tab signs out: the session and its token are gone.
        browser.execute_script(
            "const form = document.querySelector('form.sign-out');"
            "return fetch(form.action, {method: 'POST', body: new FormData(form)})"
            ".then(r => r.status)"
        )
        active(browser).send_keys(Keys.ENTER)
        Wait(browser, 5).until(
            lambda d: d.find_element("css selector", "[data-session-sign-in]").is_displayed()
        )
        assert active(browser).tag_name == "a", "focus on 重新登录"
        assert "已经过期" in dialog.text
        # The dialog's name (its heading) says so too, not "about to expire".
        title = dialog.find_element("id", "session-warning-title").text
        assert title == "您的登录已经过期"


def test_a_refused_autosave_is_said_once_where_the_autosave_reports(site, browser):
    """The refusal is read out by the autosave's own status paragraph; the page's live
    region repeated it, so a screen reader said it twice."""
    make_account(site, "refused-autosave", EDITOR)
    sign_in(browser, site, "refused-autosave")
    browser.get(site["url"] + "/staff/updates/new")
    browser.execute_script(
        "window.said = [];"
        "new MutationObserver(() => window.said.push(document.getElementById('status')"
        ".textContent)).observe(document.getElementById('status'),"
        " {childList: true, characterData: true, subtree: true});"
        # Signed out in another tab: the next autosave is refused.
        "const form = document.querySelector('form.sign-out');"
        "return fetch(form.action, {method: 'POST', body: new FormData(form)})"
    )
    browser.find_element("id", "field-title").send_keys("轮椅适配")
    report = browser.find_element("id", "autosave-status")
    Wait(browser, 10).until(lambda d: report.text.strip())
    assert report.get_attribute("role") == "status"
    assert "已自动保存" not in report.text, report.text
    time.sleep(1)  # the page's region speaks 100 ms after it is given a message
    said = [text for text in browser.execute_script("return window.said") if text.strip()]
    assert report.text.strip() not in said, said


@contextmanager
def offline(browser):
    """The browser's network down, as on a train or when the server cannot be reached."""
    browser.execute_cdp_cmd("Network.enable", {})
    conditions = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, **conditions})
    try:
        yield
    finally:
        browser.execute_cdp_cmd(
            "Network.emulateNetworkConditions", {"offline": False, **conditions}
        )


def test_an_autosave_that_reaches_no_server_says_so(site, browser):
    """It said 已自动保存 with the time of the last save that worked."""
    make_account(site, "offline-autosave", EDITOR)
    sign_in(browser, site, "offline-autosave")
    browser.get(site["url"] + "/staff/updates/new")
    report = browser.find_element("id", "autosave-status")
    title = browser.find_element("id", "field-title")
    title.send_keys("轮椅")
    Wait(browser, 10).until(lambda d: "已自动保存" in report.text)
    with offline(browser):
        title.send_keys("适配")
        Wait(browser, 10).until(lambda d: "没能自动保存" in report.text)
        assert title.get_attribute("value") == "轮椅适配"
    title.send_keys("服务")
    Wait(browser, 10).until(lambda d: "已自动保存" in report.text)


def test_keeping_the_session_without_a_network_does_not_say_it_ended(site, browser):
    with warned(site, browser, "offline-session") as dialog, offline(browser):
        active(browser).send_keys(Keys.ENTER)
        message = dialog.find_element("id", "session-warning-message")
        Wait(browser, 5).until(lambda d: "暂时没能延长登录" in message.text)
        assert "已经过期" not in dialog.text
        assert dialog.find_element("css selector", "[data-session-extend]").is_displayed()


# The autosaves the page has sent, from the browser's own record of its requests.
AUTOSAVES = """return performance.getEntriesByType("resource")
  .filter(entry => new URL(entry.name).pathname.endsWith("/autosave")).length;"""


def test_opening_the_session_warning_sends_no_autosave(site, browser):
    """The warning takes focus from the field being typed in; that fired `change`, which
    autosaved, and the autosave kept the session alive: the warning extended the session
    by itself, before anyone chose 继续保持登录."""
    app = site["app"]
    make_account(site, "warned-after-typing", EDITOR)
    sign_in(browser, site, "warned-after-typing")
    # 30 seconds: the warning comes 20 seconds before the end, 10 after the last request.
    app.config["STAFF_IDLE_MINUTES"] = 0.5
    try:
        browser.get(site["url"] + "/staff/updates/new")
        report = browser.find_element("id", "autosave-status")
        title = browser.find_element("id", "field-title")
        title.send_keys("轮椅适配")
        Wait(browser, 10).until(lambda d: "已自动保存" in report.text)
        saved = report.text
        assert browser.execute_script(AUTOSAVES) == 1
        assert active(browser) == title, "focus is still in the field typed in"
        dialog = browser.find_element("id", "session-warning")
        Wait(browser, 20).until(lambda d: dialog.is_displayed())
        assert active(browser).text == "继续保持登录"
        time.sleep(6)  # longer than the autosave waits after typing
        assert browser.execute_script(AUTOSAVES) == 1, "the warning sent an autosave"
        assert report.text == saved
        assert dialog.is_displayed()
    finally:
        app.config["STAFF_IDLE_MINUTES"] = 24 * 60


def test_an_autosave_waits_for_the_words_an_input_method_composes(site, browser):
    """Pinyin on its way to the characters is not autosaved; the words chosen are, once."""
    make_account(site, "pinyin-autosave", EDITOR)
    sign_in(browser, site, "pinyin-autosave")
    browser.get(site["url"] + "/staff/updates/new")
    report = browser.find_element("id", "autosave-status")
    browser.find_element("id", "field-title").click()
    for end in range(1, len("lunyi") + 1):
        browser.execute_cdp_cmd(
            "Input.imeSetComposition",
            {"text": "lunyi"[:end], "selectionStart": end, "selectionEnd": end},
        )
    time.sleep(5)  # longer than the autosave waits after typing
    assert browser.execute_script(AUTOSAVES) == 0, "half-typed pinyin was autosaved"
    browser.execute_cdp_cmd("Input.insertText", {"text": "轮椅"})
    Wait(browser, 10).until(lambda d: "已自动保存" in report.text)
    assert browser.execute_script(AUTOSAVES) == 1
    assert browser.find_element("id", "field-title").get_attribute("value") == "轮椅"


# Every copy of the editor's text in this browser, by its key.
COPIES = """return Object.fromEntries(Object.keys(localStorage)
  .filter(key => key.startsWith("barrierfree-copy:"))
  .map(key => [key, JSON.parse(localStorage.getItem(key)).text]));"""


def test_two_tabs_writing_new_updates_keep_two_copies_and_two_drafts(site, browser):
    """Two new-update tabs of one account once shared one autosave and one browser copy,
    each overwriting the other: closing either lost its text."""
    make_account(site, "two-tabs", EDITOR)
    sign_in(browser, site, "two-tabs")
    titles = ["第一个标签页写的标题", "第二个标签页写的标题"]
    tabs = {}
    for title in titles:
        if tabs:
            browser.switch_to.new_window("tab")
        browser.get(site["url"] + "/staff/updates/new")
        key = browser.find_element("css selector", "#edit-form [name=draft]").get_attribute("value")
        tabs[key] = browser.current_window_handle
        browser.find_element("id", "field-title").send_keys(title)
        Wait(browser, 10).until(
            lambda d: "已自动保存" in d.find_element("id", "autosave-status").text
        )
    first, second = tabs
    browser.switch_to.window(tabs[first])
    browser.find_element("id", "field-title").send_keys("（又改了）")

    def kept() -> dict[str, str]:
        with site["app"].app_context():
            rows = db.session.scalars(select(Autosave).where(Autosave.kind == "updates"))
            return {row.key: row.data["title"] for row in rows}

    Wait(browser, 10).until(lambda d: kept().get(first) == titles[0] + "（又改了）")
    assert kept()[second] == titles[1]
    copies = browser.execute_script(COPIES)
    by_key = {name.rsplit("#", 1)[-1]: text["title"] for name, text in copies.items()}
    assert by_key == {first: [titles[0] + "（又改了）"], second: [titles[1]]}

    # A third tab offers both drafts, each with its title, and no copy that is not its own.
    browser.switch_to.new_window("tab")
    browser.get(site["url"] + "/staff/updates/new")
    offer = browser.find_element("css selector", "#new-drafts")
    assert [h.text for h in offer.find_elements("tag name", "h3")] == [
        titles[0] + "（又改了）",
        titles[1],
    ]
    assert not browser.find_element("id", "local-copy").is_displayed()
    # The list breaks no rule, and fits a 320 px screen.
    browser.execute_script(AXE_SCRIPT.read_text(encoding="utf-8"))
    axe = browser.execute_async_script(AXE_RUN, AXE_OPTIONS)
    assert "error" not in axe and axe["violations"] == [], axe.get("violations")
    resize(browser, *VIEWPORTS["320"])
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
