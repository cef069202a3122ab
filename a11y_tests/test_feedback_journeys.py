"""Residents' journeys in a real browser, with and without JavaScript: a question answered
by staff and read on the status page, a barrier report with a photo from a place page
seen resolved, and a report that a page is wrong, sent from that page."""

import io
import re

import pytest
from barrierfree.database import PUBLISHED, db
from barrierfree.facilities.models import Facility
from barrierfree.feedback.models import FeedbackItem
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from sqlalchemy import select

from .conftest import navigate, wait_for
from .staff_pages import token

BROWSERS = ("browser", "browser_without_javascript")
# Each journey writes its own words, so that its message is told from the others' by its
# text. Only the same form page sent again is a duplicate: each page opened has a key of
# its own, and the same text from one address on another page is a new message.
RUN = iter(range(1, 1000))


@pytest.fixture(params=BROWSERS)
def resident(request, site):
    """A desktop browser with JavaScript on, then off; a resident's own address."""
    driver = request.getfixturevalue(request.param)
    driver.get(site["url"] + "/no-such-page")
    driver.delete_all_cookies()
    return driver


def follow(driver, text: str) -> None:
    """Follow the link with this text, as a click does."""
    navigate(driver, driver.find_element(By.LINK_TEXT, text).click)


def choose(driver, name: str, value: str) -> None:
    """Tick a radio button by clicking its label."""
    box = driver.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='{value}']")
    driver.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()


def submit(driver) -> None:
    button = driver.find_element(By.CSS_SELECTOR, "main form.form button[type='submit']")
    navigate(driver, button.click)


def status_link(driver) -> str:
    """Open the status page from the page after sending; its address."""
    assert "已收到" in driver.find_element(By.TAG_NAME, "h1").text
    follow(driver, "打开您的查询页面")
    assert "/feedback/status/" in driver.current_url
    return driver.current_url


def newest_item(site) -> int:
    with site["app"].app_context():
        return db.session.scalar(select(FeedbackItem.id).order_by(FeedbackItem.id.desc()))


def staff_post(site, item_id: int, action: str, **data) -> None:
    """A member of staff answers in the inbox (signed in through the test client)."""
    staff = site["staff"]
    page = staff.get(f"/staff/inbox/{item_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    fields = {"csrf_token": token(page), "version": version, **data}
    response = staff.post(f"/staff/inbox/{item_id}/{action}", data=fields)
    assert response.status_code in (302, 303), response.status_code


def test_a_question_is_answered_and_the_answer_read_on_the_status_page(site, resident):
    driver = resident
    driver.get(site["url"] + "/")
    follow(driver, "在网上联系我们")
    follow(driver, "提问或留言")
    choose(driver, "topic", "other")
    driver.find_element(By.NAME, "body").send_keys(f"听力残疾人怎么申请助听器？（{next(RUN)}）")
    choose(driver, "reply_by", "site")
    submit(driver)
    # The reader starts at what was just done, with JavaScript or without (autofocus).
    assert "notice--success" in driver.switch_to.active_element.get_attribute("class")
    link = status_link(driver)
    item_id = newest_item(site)
    # The reply's question answered yes (the back office asks before a reply goes out).
    reply = "带上残疾人证到区残联一楼登记，当场可以预约验配。"
    staff_post(site, item_id, "reply", body=reply, confirm="yes")
    driver.get(link)
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "当场可以预约验配" in main and "已答复" in main


def test_a_page_that_is_wrong_is_reported_from_that_page(site, resident):
    driver = resident
    driver.get(site["url"] + "/contacts/")
    follow(driver, "这一页的信息有误？")
    assert driver.find_element(By.NAME, "page").get_attribute("value") == "/contacts/"
    driver.find_element(By.NAME, "body").send_keys(f"12385 热线的服务时间写错了。（{next(RUN)}）")
    choose(driver, "reply_by", "site")
    submit(driver)
    status_link(driver)
    with site["app"].app_context():
        assert db.session.get(FeedbackItem, newest_item(site)).page_path == "/contacts/"


def test_a_barrier_is_reported_with_a_photo_from_a_place_and_seen_resolved(
    site, resident, tmp_path
):
    driver = resident
    photo = tmp_path / "ramp.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    with site["app"].app_context():
        place = db.session.scalar(
            select(Facility.slug).where(Facility.status == PUBLISHED).order_by(Facility.id)
        )
    driver.get(f"{site['url']}/facilities/{place}")
    follow(driver, "报告这里的无障碍问题")
    chosen = driver.find_element(By.CSS_SELECTOR, "input[name='place']:checked")
    assert chosen.get_attribute("value") == place
    choose(driver, "barrier_type", "step")
    driver.find_element(By.NAME, "body").send_keys(f"坡道入口被电动车挡住了。（{next(RUN)}）")
    driver.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(str(photo))
    choose(driver, "reply_by", "site")
    submit(driver)
    link = status_link(driver)
    staff_post(site, newest_item(site), "state", state="closed")
    driver.get(link)
    main = driver.find_element(By.TAG_NAME, "main")
    assert "已关闭" in main.text
    image = main.find_element(By.CSS_SELECTOR, "img")
    assert driver.execute_script("return arguments[0].naturalWidth", image) > 0


def test_large_text_and_english_on_a_half_typed_form_lose_nothing(site, resident, request):
    """大字版 and English pressed halfway through a question keep every word typed, with
    JavaScript (the toggle is sent alone, the page stays) and without (the buttons send
    the form, which comes back as it was); Enter in a field still sends the form."""
    driver = resident
    javascript = request.node.callspec.params["resident"] == "browser"
    driver.get(site["url"] + "/feedback/ask")
    words = f"盲道上停满了车，怎么反映？（{next(RUN)}）"
    driver.find_element(By.NAME, "body").send_keys(words)
    choose(driver, "reply_by", "phone")
    driver.find_element(By.NAME, "contact_phone").send_keys("1380")
    large = driver.find_element(By.ID, "display-large")
    if javascript:
        driver.execute_script("window.stayed = true")
        large.click()
        wait_for(
            driver,
            lambda d: (
                "large" in (d.find_element(By.TAG_NAME, "html").get_dom_attribute("class") or "")
            ),
        )
        assert driver.execute_script("return window.stayed") is True  # no new page
    else:
        navigate(driver, large.click)
        assert "large" in driver.find_element(By.TAG_NAME, "html").get_attribute("class")
        navigate(driver, driver.find_element(By.CSS_SELECTOR, "button.language-link").click)
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert driver.find_element(By.NAME, "body").get_attribute("value") == words
    phone = driver.find_element(By.NAME, "contact_phone")
    assert phone.get_attribute("value") == "1380"
    assert newest_item(site) is None or words not in _body(site, newest_item(site))
    # Enter in the phone field sends the form: the short number is refused, words kept.
    navigate(driver, lambda: phone.send_keys(Keys.ENTER))
    assert driver.find_element(By.CSS_SELECTOR, "[data-error-summary]")
    assert driver.find_element(By.NAME, "body").get_attribute("value") == words


def _body(site, item_id: int) -> str:
    with site["app"].app_context():
        return db.session.get(FeedbackItem, item_id).body or ""


def test_the_status_link_stays_through_large_text_and_english_until_removed(site, resident):
    """The sent page showed the link once: 大字版 (a reload without JavaScript) or English
    lost it for good."""
    driver = resident
    driver.get(site["url"] + "/feedback/ask")
    choose(driver, "topic", "other")
    driver.find_element(By.NAME, "body").send_keys(f"盲文书可以借回家吗？（{next(RUN)}）")
    choose(driver, "reply_by", "site")
    submit(driver)
    link = driver.find_element(By.CSS_SELECTOR, ".status-link").text
    toggle = driver.find_element(By.ID, "display-large")
    if driver.execute_script("return !!window.htmx"):
        toggle.send_keys(Keys.ENTER)
    else:
        navigate(driver, lambda: toggle.send_keys(Keys.ENTER))
    wait_for(
        driver, lambda d: "large" in d.find_element(By.TAG_NAME, "html").get_attribute("class")
    )
    assert driver.find_element(By.CSS_SELECTOR, ".status-link").text == link
    navigate(driver, driver.find_element(By.CSS_SELECTOR, ".language-link").click)
    assert driver.find_element(By.CSS_SELECTOR, ".status-link").text.endswith(
        link.rsplit("/", 1)[1]
    )
    navigate(driver, driver.refresh)
    remove = driver.find_element(By.XPATH, "//main//button[contains(., 'stop showing them')]")
    navigate(driver, lambda: remove.send_keys(Keys.ENTER))
    assert not driver.find_elements(By.CSS_SELECTOR, ".status-link")
    assert "removed from this browser" in driver.find_element(By.TAG_NAME, "main").text


def barrier_form_at_320_in_large_text(site, driver, prefix: str = "") -> None:
    driver.set_window_size(320, 640)
    driver.get(site["url"] + "/no-such-page")
    driver.add_cookie({"name": "display", "value": "large", "path": "/"})
    driver.get(site["url"] + prefix + "/feedback/barrier")


# The lines the longest of our places' labels is drawn on, and how wide the page is.
LONGEST_PLACE = """
const labels = Array.from(document.querySelectorAll("input[name='place'] + label"));
const longest = labels.reduce((a, b) => b.textContent.length > a.textContent.length ? b : a);
const range = document.createRange();
range.selectNodeContents(longest);
const lines = Array.from(range.getClientRects()).map(r => [Math.round(r.top), r.left, r.right]);
return {text: longest.textContent, lines, page: document.documentElement.scrollWidth};
"""


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_long_place_name_is_shown_whole_at_320_px_in_large_text(site, resident, prefix):
    """A closed drop-down showed about ten characters of the place chosen: our places are
    radio buttons, whose labels wrap onto more lines inside the page's width, with
    JavaScript and without."""
    barrier_form_at_320_in_large_text(site, resident, prefix)
    found = resident.execute_script(LONGEST_PLACE)
    assert len(found["text"]) >= 17, found["text"]  # 茌平区政务服务中心（政务服务大厅）
    assert len({top for top, _left, _right in found["lines"]}) > 1, found  # wrapped
    assert all(0 <= left and right <= 320 for _top, left, right in found["lines"]), found
    assert found["page"] <= 320


def test_the_whole_name_of_a_chosen_photo_is_shown_and_said(site, browser, tmp_path):
    """At 320 px in large text the input cut the name to "坡道….jpg", and nothing else said
    which file was chosen."""
    driver = browser
    name = "坡道被自行车挡住-东大街路口-2026-12-06-上午九点.jpg"
    photo = tmp_path / name
    Image.new("RGB", (64, 48), (90, 120, 160)).save(photo, "JPEG")
    barrier_form_at_320_in_large_text(site, driver)
    shown = driver.find_element(By.ID, "field-photos-2-chosen")
    assert not shown.is_displayed()
    driver.find_element(By.ID, "field-photos-2").send_keys(str(photo))
    wait_for(driver, lambda d: shown.is_displayed())
    assert name in shown.text
    described = driver.find_element(By.ID, "field-photos-2").get_attribute("aria-describedby")
    assert "field-photos-2-chosen" in described.split()
    wait_for(driver, lambda d: name in d.find_element(By.ID, "status").get_attribute("textContent"))
    sizes = driver.execute_script(
        "return [document.documentElement.scrollWidth, innerWidth,"
        " arguments[0].scrollWidth, arguments[0].clientWidth]",
        shown,
    )
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes  # wrapped, nothing cut
    assert not driver.find_element(By.ID, "field-photos-chosen").is_displayed()
    # Cleared (as a browser does when the chooser is cancelled): the name goes, and is said.
    driver.execute_script(
        "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('change'))",
        driver.find_element(By.ID, "field-photos-2"),
    )
    wait_for(driver, lambda d: not shown.is_displayed())
    wait_for(
        driver,
        lambda d: (
            d.find_element(By.ID, "status").get_attribute("textContent") == "第 2 张照片没有选。"
        ),
    )


def test_a_bad_photo_is_linked_and_marked_in_its_own_input(site, browser, tmp_path):
    driver = browser
    good, bad = tmp_path / "ramp.jpg", tmp_path / "notes.jpg"
    Image.new("RGB", (64, 48), (90, 120, 160)).save(good, "JPEG")
    bad.write_bytes(b"not a photo")
    barrier_form_at_320_in_large_text(site, driver)
    Select(driver.find_element(By.ID, "field-township")).select_by_value("zhenxing")
    choose(driver, "barrier_type", "step")
    driver.find_element(By.NAME, "body").send_keys(f"盲道被占用了。（{next(RUN)}）")
    driver.find_element(By.ID, "field-photos").send_keys(str(good))
    driver.find_element(By.ID, "field-photos-2").send_keys(str(bad))
    choose(driver, "reply_by", "site")
    submit(driver)
    link = driver.find_element(By.CSS_SELECTOR, "[data-error-summary] a[href='#field-photos-2']")
    assert "第 2 张照片" in link.text
    link.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "field-photos-2"
    assert driver.switch_to.active_element.get_attribute("aria-invalid") == "true"
    assert driver.find_element(By.ID, "field-photos").get_attribute("aria-invalid") is None


@pytest.mark.parametrize(
    ("prefix", "counted", "over"),
    [
        ("", "已写 1500 字，最多 2000 字。", "超出 1 字，请删减。"),
        (
            "/en",
            "1,500 of 2,000 characters used.",
            "Characters over the limit: 1. Please shorten it.",
        ),
    ],
)
def test_the_character_count_writes_numbers_as_the_page_s_language_does(
    site, browser, prefix, counted, over
):
    browser.get(site["url"] + prefix + "/feedback/ask")
    box = browser.find_element(By.ID, "field-body")
    count = browser.find_element(By.ID, "field-body-count")

    def written(length: int) -> str:
        browser.execute_script(
            "arguments[0].value = '字'.repeat(arguments[1]);"
            "arguments[0].dispatchEvent(new Event('input'));",
            box,
            length,
        )
        return count.text

    assert written(1500) == counted
    assert written(2001) == over
