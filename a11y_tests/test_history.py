"""Back after a live update: the browser always shows a whole page (landmarks, one h1,
styles, a usable focus), typing adds one history entry at most (none over an empty box), and
a submit or a filter change adds one."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from .conftest import Wait, active, navigate, wait_for


def ready(driver) -> None:
    """Wait for htmx to have set up the page."""
    Wait(driver, 5).until(lambda d: d.execute_script("return !!window.htmx"))


def whole_page(driver) -> dict:
    """What makes the page whole: its landmarks, its h1s, its styles and the skip link."""
    return driver.execute_script(
        """
        return {
          banner: !!document.querySelector("header, [role=banner]"),
          nav: !!document.querySelector("nav"),
          main: !!document.querySelector("main"),
          footer: !!document.querySelector("footer, [role=contentinfo]"),
          h1: document.querySelectorAll("h1").length,
          styled: document.styleSheets.length > 0,
          skip: !!document.querySelector("a[href='#main']"),
          lang: document.documentElement.lang,
        };
        """
    )


def assert_whole(driver, lang: str = "zh-CN") -> None:
    """The page after Back is a whole page, with the focus on something in it."""
    page = whole_page(driver)
    assert page == {
        "banner": True, "nav": True, "main": True, "footer": True, "h1": 1, "styled": True,
        "skip": True, "lang": lang,
    }, page  # fmt: skip
    focused = active(driver)
    assert focused.tag_name in ("body", "a", "input", "button", "select", "h1", "h2", "main")


def back_to(driver, fragment: str) -> None:
    """Press Back and wait until the URL holds `fragment` and the page has loaded."""
    driver.back()
    wait_for(driver, lambda d: fragment in d.current_url and d.find_elements(By.TAG_NAME, "h1"))


def type_slowly(element, text: str) -> None:
    """Type as a person does, a pause after each character, so each one sends a request."""
    for character in text:
        element.send_keys(character)
        element.parent.execute_script("return new Promise(r => setTimeout(r, 700))")


def test_back_after_typing_a_search_returns_to_the_page_before_it_whole(site, browser):
    browser.get(site["url"] + "/services/")
    browser.get(site["url"] + "/search")
    ready(browser)
    box = browser.find_element(By.ID, "search-page-q")
    type_slowly(box, "康复")
    Wait(browser, 10).until(lambda d: "q=%E5%BA%B7%E5%A4%8D" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "搜索：康复"
    # Typing replaced the entry: one Back leaves the search, not just a character of it.
    back_to(browser, "/services/")
    assert_whole(browser)


WHEELCHAIR, SUBSISTENCE = "q=%E8%BD%AE%E6%A4%85", "q=%E4%BD%8E%E4%BF%9D"  # 轮椅, 低保


@pytest.mark.parametrize("how", ["loaded", "submitted"])
def test_back_after_typing_over_a_search_returns_to_that_search(site, browser, how):
    """轮椅 searched, then the box cleared and 低保 typed: Back went past 轮椅 to the page
    before it, as the first live update replaced 轮椅's entry instead of adding one."""
    browser.get(site["url"] + "/services/")
    ready(browser)
    if how == "loaded":  # the header's form, Enter: a whole page
        box = browser.find_element(By.ID, "site-search-q")
        navigate(browser, lambda: box.send_keys("轮椅", Keys.ENTER))
    else:  # the search page's own form, sent by its button: a live update
        navigate(browser, lambda: browser.get(site["url"] + "/search"))
        ready(browser)
        browser.execute_script("document.getElementById('search-page-q').value = '轮椅'")
        browser.find_element(By.CSS_SELECTOR, "#main .search-form__button").click()
    Wait(browser, 10).until(lambda d: WHEELCHAIR in d.current_url)
    ready(browser)
    entries = browser.execute_script("return history.length")
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    type_slowly(box, "低保")
    Wait(browser, 10).until(lambda d: SUBSISTENCE in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "搜索：低保"
    # One entry for the typing, however many updates it made.
    assert browser.execute_script("return history.length") == entries + 1

    back_to(browser, WHEELCHAIR)
    assert_whole(browser)
    assert browser.find_element(By.ID, "search-page-q").get_attribute("value") == "轮椅"
    assert browser.find_elements(By.CSS_SELECTOR, "#search-results .result")
    back_to(browser, "/search" if how == "submitted" else "/services/")
    assert WHEELCHAIR not in browser.current_url


def test_back_after_submitting_a_search_and_following_a_result(site, browser):
    browser.get(site["url"] + "/search")
    ready(browser)
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys("轮椅", Keys.ENTER)
    Wait(browser, 10).until(lambda d: "q=" in d.current_url)
    Wait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results .result__title a")
    )
    browser.find_element(By.CSS_SELECTOR, "#search-results .result__title a").click()
    wait_for(browser, lambda d: "/search" not in d.current_url)
    back_to(browser, "/search?q=")
    assert_whole(browser)
    assert browser.find_element(By.ID, "search-page-q").get_attribute("value") == "轮椅"
    assert browser.find_elements(By.CSS_SELECTOR, "#search-results .result")


@pytest.mark.parametrize(
    ("path", "choose", "results", "expected"),
    [
        ("/facilities/", ("township", "boping"), "facility-results", "township=boping"),
        ("/contacts/", ("channel", "sms"), "contact-results", "channel=sms"),
        ("/en/contacts/", ("need", "deaf"), "contact-results", "need=deaf"),
    ],
)
def test_back_after_a_filter_change_restores_each_whole_page(
    site, browser, path, choose, results, expected
):
    browser.get(site["url"] + path)
    ready(browser)
    field, value = choose
    Select(browser.find_element(By.ID, field)).select_by_value(value)
    Wait(browser, 10).until(lambda d: expected in d.current_url)
    link = browser.find_element(By.CSS_SELECTOR, f"#{results} .card__link")
    link.click()
    wait_for(browser, lambda d: expected not in d.current_url)
    back_to(browser, expected)
    lang = "en" if path.startswith("/en/") else "zh-CN"
    assert_whole(browser, lang)
    assert (
        Select(browser.find_element(By.ID, field)).first_selected_option.get_attribute("value")
        == value
    )
    # The filter change added an entry of its own: Back again shows the list unfiltered.
    back_to(browser, path)
    assert expected not in browser.current_url
    assert_whole(browser, lang)


def test_submitting_the_same_filters_again_adds_no_entry(site, browser):
    """Pressing 查找场所 without changing anything once added an entry for the same address,
    so the first Back seemed to do nothing."""
    browser.get(site["url"] + "/facilities/?township=boping")
    ready(browser)
    entries = browser.execute_script("return history.length")
    form = browser.find_element(By.CSS_SELECTOR, "form.filter-form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    Wait(browser, 10).until(
        lambda d: d.execute_script(
            "return document.activeElement.hasAttribute('data-results-heading')"
        )
    )
    assert browser.execute_script("return history.length") == entries
    assert "township=boping" in browser.current_url


def links_for_this_address(driver) -> dict:
    """What the server writes for the page's address: the language link, the alternates and
    the display toggle's way back; and the footer's link to report the page."""
    return driver.execute_script(
        """
        const alternates = {};
        document.querySelectorAll("link[rel=alternate][hreflang]").forEach((link) => {
          alternates[link.hreflang] = link.href;
        });
        return {
          language: document.querySelector(".language-link").getAttribute("href"),
          alternates,
          next: document.querySelector(".display-controls input[name=next]").value,
          report: document.querySelector("a[href*='page-error']").getAttribute("href"),
        };
        """
    )


@pytest.mark.parametrize(
    ("path", "choose", "other"),
    [
        ("/contacts/", ("channel", "sms"), "/en/contacts/"),
        ("/en/contacts/", ("need", "deaf"), "/contacts/"),
        ("/facilities/", ("township", "boping"), "/en/facilities/"),
    ],
)
def test_a_live_update_brings_the_links_for_the_page_to_its_new_address(
    site, browser, path, choose, other
):
    """After a filter changed the address, English lost the filters: the language link (and
    the alternates, and the display toggle's way back) still named the address before it."""
    browser.get(site["url"] + path)
    ready(browser)
    before = links_for_this_address(browser)
    field, value = choose
    Select(browser.find_element(By.ID, field)).select_by_value(value)
    Wait(browser, 10).until(lambda d: f"{field}={value}" in d.current_url)
    here = browser.execute_script("return location.pathname + location.search")
    query = here[here.index("?") :]
    links = links_for_this_address(browser)
    own = "en" if path.startswith("/en/") else "zh-CN"
    assert links == {
        "language": other + query,
        "alternates": {
            own: site["url"] + here,
            "en" if own == "zh-CN" else "zh-CN": site["url"] + other + query,
        },
        "next": here,
        "report": before["report"],  # the path alone, which has not changed
    }
    navigate(browser, browser.find_element(By.CSS_SELECTOR, ".language-link").click)
    assert browser.current_url == site["url"] + other + query
    assert (
        Select(browser.find_element(By.ID, field)).first_selected_option.get_attribute("value")
        == value
    )


def test_the_links_follow_a_live_search_as_it_is_typed(site, browser):
    browser.get(site["url"] + "/search")
    ready(browser)
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys("低保")
    Wait(browser, 10).until(lambda d: "q=" in d.current_url)
    here = browser.execute_script("return location.pathname + location.search")
    links = links_for_this_address(browser)
    assert links["language"] == "/en" + here and links["next"] == here
    # English keeps the query.
    navigate(browser, browser.find_element(By.CSS_SELECTOR, ".language-link").click)
    assert browser.find_element(By.ID, "search-page-q").get_attribute("value") == "低保"
