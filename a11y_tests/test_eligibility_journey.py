"""我能申请什么 in a real browser: the whole journey with the keyboard alone (at 320 px in
large text, as the issue's "done when" asks), and with JavaScript off; the browser's Back
and Forward buttons show each page again with its answers and send nothing; clearing the
device's pages takes them out of Back.

See eligibility/views.py for why the pages are `private, no-cache`: these tests are where
Chromium's behaviour is checked."""

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .conftest import VIEWPORTS, active, navigate, set_mode, wait_for
from .eligibility_pages import FATHER

START = "/eligibility/"
TITLES = {
    "": ("重度残疾人护理补贴", "困难残疾人生活补贴"),
    "/en": (
        "Care allowance for people with severe disabilities",
        "Living allowance for disabled people with financial difficulties",
    ),
}

# How far the resident is, at the start of each question's group name.
PROGRESS = {
    "": r"第 \d+ 题，共 \d+( 到 \d+)? 题 ?",
    "/en": r"Question \d+ of \d+( to \d+)? ?",
}


def h1(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def wider_than_the_screen(driver) -> int:
    return driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def tab_to(driver, wanted, limit: int = 80):
    """Press Tab until `wanted(focused element)` holds; return that element."""
    for _ in range(limit):
        active(driver).send_keys(Keys.TAB)
        element = active(driver)
        if wanted(element):
            return element
    raise AssertionError("the keyboard never reached it")


def is_button(value: str):
    return lambda e: e.tag_name == "button" and e.get_attribute("value") == value


def answer_with_keyboard(driver, question: str, values: list[str]) -> None:
    """Reach the question's boxes with Tab, choose `values` (arrows for radios, Space for
    checkboxes), then Tab to 继续 and press Enter."""
    first = tab_to(driver, lambda e: e.get_attribute("name") == question)
    if first.get_attribute("type") == "radio":
        while active(driver).get_attribute("value") != values[0]:
            active(driver).send_keys(Keys.ARROW_DOWN)
        if not active(driver).is_selected():
            active(driver).send_keys(Keys.SPACE)
    else:
        for value in values:
            box = active(driver)
            while box.get_attribute("value") != value:
                box.send_keys(Keys.TAB)
                box = active(driver)
            box.send_keys(Keys.SPACE)
    tab_to(driver, is_button(f"continue:{question}")).send_keys(Keys.ENTER)


def click_answers(driver, base: str, steps) -> None:
    """From the start page, answer `steps` as a pointer user does: tick, then 继续."""
    driver.get(base + START)
    driver.find_element(By.CSS_SELECTOR, "button[value='start']").click()
    for question, values in steps:
        wait_for(driver, lambda d, q=question: d.find_elements(By.NAME, q))
        for value in values:
            driver.find_element(
                By.CSS_SELECTOR, f"input[name='{question}'][value='{value}']"
            ).click()
        driver.find_element(By.CSS_SELECTOR, f"main button[value='continue:{question}']").click()


def click_through(driver, base: str) -> None:
    """From the start page to the check page, as a pointer user does it."""
    click_answers(driver, base, FATHER)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "button[value='standard']"))


def assert_the_father_is_told_of_both_allowances(driver, prefix: str) -> None:
    likely = driver.find_element(By.ID, "likely-heading").find_element(By.XPATH, "..")
    titles = [h.text for h in likely.find_elements(By.TAG_NAME, "h3")]
    assert set(TITLES[prefix]) <= set(titles)
    care = likely.find_element(By.XPATH, f".//h3[.='{TITLES[prefix][0]}']/..")
    assert f"{prefix}/departments/civil-affairs-bureau" in care.get_attribute("innerHTML")
    if not prefix:
        assert "因为您选了：一级、需要长期照护。" in care.text


@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh", "en"])
def test_the_whole_journey_by_keyboard_at_320_px_in_large_text(site, prefix, open_browser):
    driver = open_browser("320")
    set_mode(driver, site["url"], "large")
    driver.get(site["url"] + prefix + START)
    tab_to(driver, is_button("start")).send_keys(Keys.ENTER)
    for question, values in FATHER:
        wait_for(driver, lambda d, q=question: d.find_elements(By.NAME, q))
        legend = driver.find_element(By.CSS_SELECTOR, "fieldset legend h1")
        assert legend.text == h1(driver)
        # Entering the boxes, a screen reader says the group's name: how far, then the
        # question ("第 3 题，共 9 题", never "3 / 9", which is read as a fraction).
        name = driver.find_element(By.CSS_SELECTOR, "main fieldset").accessible_name
        assert re.fullmatch(PROGRESS[prefix] + re.escape(h1(driver)), name), name
        assert wider_than_the_screen(driver) <= 0, question
        answer_with_keyboard(driver, question, values)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "button[value='standard']"))
    assert wider_than_the_screen(driver) <= 0
    tab_to(driver, is_button("standard")).send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_elements(By.ID, "likely-heading"))
    assert wider_than_the_screen(driver) <= 0
    assert driver.execute_script("return document.documentElement.className") == "large"
    assert_the_father_is_told_of_both_allowances(driver, prefix)


def test_a_forgotten_answer_is_caught_and_the_summary_takes_the_keyboard(site, browser):
    driver = browser
    driver.get(site["url"] + START)
    driver.find_element(By.CSS_SELECTOR, "button[value='start']").click()
    wait_for(driver, lambda d: d.find_elements(By.NAME, "for_whom"))
    driver.find_element(By.CSS_SELECTOR, "main button[value='continue:for_whom']").click()
    wait_for(driver, lambda d: d.find_elements(By.CLASS_NAME, "error-summary"))
    assert "error-summary" in active(driver).get_attribute("class")
    active(driver).send_keys(Keys.TAB)
    active(driver).send_keys(Keys.ENTER)
    assert active(driver).get_attribute("id") == "answer-for_whom-self"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_not_sure_with_others_comes_back_ticked_to_untick_alone(site, javascript, open_browser):
    """视力残疾, 听力残疾 and 不确定 ticked, 继续: the error said to untick 不确定, and no box
    was ticked any more. The boxes come back as ticked: unticking 不确定 is enough."""
    driver = open_browser(javascript=javascript)
    sent = ["visual", "hearing", "unsure"]
    click_answers(driver, site["url"], [*FATHER[:4], ("categories", sent)])
    wait_for(driver, lambda d: d.find_elements(By.CLASS_NAME, "error-summary"))
    ticked = driver.find_elements(By.CSS_SELECTOR, "input[name='categories']:checked")
    assert [box.get_attribute("value") for box in ticked] == sent
    driver.find_element(By.CSS_SELECTOR, "input[name='categories'][value='unsure']").click()
    continue_ = driver.find_element(By.CSS_SELECTOR, "main button[value='continue:categories']")
    navigate(driver, continue_.click)
    assert driver.find_elements(By.NAME, "grade")


def test_the_whole_journey_without_javascript(site, browser_without_javascript):
    driver = browser_without_javascript
    click_through(driver, site["url"])
    driver.find_element(By.CSS_SELECTOR, "button[value='standard']").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "likely-heading"))
    assert_the_father_is_told_of_both_allowances(driver, "")
    driver.find_element(By.CSS_SELECTOR, "button[value='easy']").click()
    wait_for(driver, lambda d: "易读版" in h1(d))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_showing_the_other_services_lands_on_them(site, javascript, open_browser):
    """也显示其他服务 reloaded the page at the top, focus on the body, under the same title:
    a screen reader or magnifier user had to find what they had asked for."""
    driver = open_browser("320", javascript=javascript)
    set_mode(driver, site["url"], "large")
    click_through(driver, site["url"])
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "button[value='standard']").click)
    title = driver.title
    more = driver.find_element(By.CSS_SELECTOR, ".result-actions button[value='all']")
    navigate(driver, more.click)
    assert driver.find_elements(By.CSS_SELECTOR, "#rest-heading ~ .card-list")
    assert driver.current_url.endswith("#rest-heading")
    assert active(driver).get_attribute("id") == "rest-heading"
    top = driver.execute_script(
        "return document.getElementById('rest-heading').getBoundingClientRect().top"
    )
    assert driver.execute_script("return window.scrollY") > 0
    assert 0 < top < VIEWPORTS["320"][1] / 2  # its focus outline in sight too
    assert driver.title != title and driver.title.startswith(title.split(" - ")[0])


class PostCounter:
    """Counts the POSTs the served app receives, while in a `with` block."""

    def __init__(self, app):
        self.app, self.posts = app, 0

    def __enter__(self):
        self.inner = self.app.wsgi_app

        def counting(environ, start_response):
            self.posts += environ["REQUEST_METHOD"] == "POST"
            return self.inner(environ, start_response)

        self.app.wsgi_app = counting
        return self

    def __exit__(self, *_exc):
        self.app.wsgi_app = self.inner


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_back_and_forward_show_each_page_again_and_send_nothing(site, javascript, open_browser):
    driver = open_browser(javascript=javascript)
    click_answers(driver, site["url"], FATHER[:3])
    wait_for(driver, lambda d: d.find_elements(By.NAME, "certificate"))
    with PostCounter(site["app"]) as counter:
        driver.back()
        wait_for(driver, lambda d: d.find_elements(By.NAME, "residence"))
        assert "ERR_CACHE_MISS" not in driver.page_source
        assert driver.find_element(By.CSS_SELECTOR, "input[value='hukou']").is_selected()
        driver.back()
        wait_for(driver, lambda d: d.find_elements(By.NAME, "age"))
        assert driver.find_element(By.CSS_SELECTOR, "input[value='60-plus']").is_selected()
        driver.forward()
        wait_for(driver, lambda d: d.find_elements(By.NAME, "residence"))
        assert counter.posts == 0, "Back and Forward sent the answers again"
    driver.find_element(By.CSS_SELECTOR, "input[value='elsewhere']").click()
    driver.find_element(By.CSS_SELECTOR, "main button[value='continue:residence']").click()
    wait_for(driver, lambda d: d.find_elements(By.NAME, "certificate"))
    assert h1(driver) == "您的家人有残疾人证吗？"


def assert_back_to_the_check_page(driver, answers: str) -> None:
    """The question's back button says where it goes, and takes every answer back there."""
    back = driver.find_element(By.CSS_SELECTOR, "main .back-link button")
    assert back.text == "返回检查您的回答"
    navigate(driver, back.click)
    assert h1(driver) == "检查您的回答"
    assert driver.find_element(By.TAG_NAME, "dl").text == answers


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_back_from_changing_the_first_answer_returns_to_the_check_page(
    site, javascript, open_browser
):
    """更改：为谁查询 opened the first question, whose only back link went to the start page
    and lost all nine answers."""
    driver = open_browser(javascript=javascript)
    click_through(driver, site["url"])
    answers = driver.find_element(By.TAG_NAME, "dl").text
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "button[value='change:for_whom']").click)
    assert driver.find_elements(By.NAME, "for_whom")
    assert_back_to_the_check_page(driver, answers)


def test_a_question_opened_by_change_keeps_its_way_back_when_shown_again(site, open_browser):
    """更改：需要哪些帮助, every box cleared and 继续 pressed, then 大字版, without JavaScript:
    shown again, the question's back link led to the question before, not to the check
    page (and the first question's to the start page, every answer lost)."""
    driver = open_browser(javascript=False)
    click_through(driver, site["url"])
    answers = driver.find_element(By.TAG_NAME, "dl").text
    change = driver.find_element(By.CSS_SELECTOR, "button[value='change:needs']")
    navigate(driver, change.click)
    driver.find_element(By.CSS_SELECTOR, "input[type='checkbox'][value='daily-care']").click()
    continue_ = driver.find_element(By.CSS_SELECTOR, "main button[value='continue:needs']")
    navigate(driver, continue_.click)
    assert driver.find_elements(By.CLASS_NAME, "error-summary")
    navigate(driver, driver.find_element(By.ID, "display-large").click)
    assert "large" in driver.find_element(By.TAG_NAME, "html").get_attribute("class")
    assert driver.find_elements(By.NAME, "needs")
    assert_back_to_the_check_page(driver, answers)


def test_clearing_takes_the_answers_out_of_back(site, browser_without_javascript):
    driver = browser_without_javascript
    click_through(driver, site["url"])
    driver.find_element(By.CSS_SELECTOR, "button[value='standard']").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "likely-heading"))
    driver.find_element(By.CSS_SELECTOR, "form[action$='/eligibility/clear'] button").click()
    wait_for(driver, lambda d: "清除" in h1(d))
    navigate(driver, driver.back)
    assert "likely-heading" not in driver.page_source, "the result is gone from Back"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_large_text_and_english_keep_a_choice_not_yet_sent(site, javascript, open_browser):
    """大字版 pressed on a question with a box ticked, then English: the box stays ticked,
    and 继续 sends it on. Without JavaScript each button sends the question's own form."""
    driver = open_browser(javascript=javascript)
    click_answers(driver, site["url"], FATHER[:4])
    wait_for(driver, lambda d: d.find_elements(By.NAME, "categories"))
    driver.find_element(By.CSS_SELECTOR, "input[name='categories'][value='hearing']").click()
    driver.find_element(By.ID, "display-large").click()
    wait_for(
        driver,
        lambda d: "large" in (d.find_element(By.TAG_NAME, "html").get_attribute("class") or ""),
    )
    driver.find_element(By.CSS_SELECTOR, "button.language-link").click()
    wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    ticked = driver.find_elements(By.CSS_SELECTOR, "input[name='categories']:checked")
    assert [box.get_attribute("value") for box in ticked] == ["hearing"]
    assert "large" in driver.find_element(By.TAG_NAME, "html").get_attribute("class")
    # Enter in the question sends it on: the hidden first button is 继续, not 大字版.
    ticked[0].send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_elements(By.NAME, "grade"))
