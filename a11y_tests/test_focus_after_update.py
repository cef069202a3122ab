"""Focus in the results when a live update replaces them (WCAG 2.4.3): a resident who tabbed
into the results while the update was on its way (half a second after a choice, 0.6 s after
a letter, longer on a slow link) lost focus to <body> with the old results, and the next Tab
went to the footer past every result. Focus now stays on the same link in the new results,
or goes to their heading when the link is gone; focus outside them is left where it is."""

from contextlib import contextmanager

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from .conftest import Wait, active


def ready(driver) -> None:
    """Wait for htmx to have set up the page."""
    Wait(driver, 5).until(lambda d: d.execute_script("return !!window.htmx"))


def watch_updates(driver, results_id: str) -> None:
    """Count the live updates that replace the results from now on (window.updates)."""
    driver.execute_script(
        """window.updates = 0;
        document.addEventListener("htmx:afterSettle", (event) => {
          if (event.detail.target.id === arguments[0]) window.updates++;
        });""",
        results_id,
    )


def wait_for_update(driver) -> None:
    """Wait until one live update has replaced the results and settled."""
    Wait(driver, 15).until(lambda d: d.execute_script("return window.updates") >= 1)


def tab_into_results(driver, selector: str) -> None:
    """Put focus on a link in the results, where Tab would have taken the resident."""
    link = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].focus()", link)
    assert active(driver) == link


def focus_described(driver, results_id: str) -> dict:
    """Where focus is: the element's tag, id and address, and whether it is in the results."""
    return driver.execute_script(
        """const element = document.activeElement;
        return {tag: element.tagName.toLowerCase(), id: element.id,
          href: element.getAttribute("href"),
          inResults: !!element.closest("#" + arguments[0])};""",
        results_id,
    )


def assert_next_tab_reaches_a_result(driver, results_id: str) -> None:
    """Tab goes on from where focus is to a link in the results, not past them."""
    ActionChains(driver).send_keys(Keys.TAB).perform()
    after = focus_described(driver, results_id)
    assert after["tag"] == "a" and after["inResults"], after


@contextmanager
def slow_link(driver):
    """A slow mobile connection: every answer takes more than a second to come."""
    driver.execute_cdp_cmd("Network.enable", {})
    conditions = {"latency": 1200, "downloadThroughput": 200_000, "uploadThroughput": 100_000}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, **conditions})
    try:
        yield
    finally:
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )


def listed(driver, results_id: str) -> list[str]:
    """The paths the results block links to, in order."""
    links = driver.find_elements(By.CSS_SELECTOR, f"#{results_id} .card__link")
    return [link.get_attribute("pathname") for link in links]


def said_from_now(driver) -> None:
    """Keep each thing the live region says from now on (window.said)."""
    driver.execute_script(
        """window.said = [];
        new MutationObserver(() => {
          const text = document.getElementById("status").textContent;
          if (text) window.said.push(text);
        }).observe(document.getElementById("status"), {childList: true, subtree: true});"""
    )


# Each finder and a choice that keeps some of its places or contacts and takes others out.
FINDERS = {
    "facilities": ("/facilities/", "facility-results", "township", "boping"),
    "contacts": ("/contacts/", "contact-results", "need", "deaf"),
}


def kept_and_gone(driver, base_url: str, finder: str) -> tuple[str, str]:
    """A path the finder lists both before and after its choice, and one it lists only
    before, as the page without JavaScript shows them."""
    path, results_id, field, value = FINDERS[finder]
    driver.get(f"{base_url}{path}?{field}={value}")
    after = listed(driver, results_id)
    driver.get(base_url + path)
    before = listed(driver, results_id)
    return (
        next(each for each in before if each in after),
        next(each for each in before if each not in after),
    )


@pytest.mark.parametrize("finder", FINDERS)
def test_focus_on_a_result_that_stays_stays_on_it(site, browser, finder):
    path, results_id, field, value = FINDERS[finder]
    kept, _ = kept_and_gone(browser, site["url"], finder)
    ready(browser)
    watch_updates(browser, results_id)
    Select(browser.find_element(By.ID, field)).select_by_value(value)
    tab_into_results(browser, f"#{results_id} .card__link[href$='{kept}']")
    wait_for_update(browser)
    after = focus_described(browser, results_id)
    assert after["inResults"] and after["href"].endswith(kept), after
    assert f"{field}={value}" in browser.current_url
    assert_next_tab_reaches_a_result(browser, results_id)


@pytest.mark.parametrize("finder", FINDERS)
def test_focus_on_a_result_that_goes_moves_to_the_results_heading(site, browser, finder):
    path, results_id, field, value = FINDERS[finder]
    _, gone = kept_and_gone(browser, site["url"], finder)
    ready(browser)
    watch_updates(browser, results_id)
    said_from_now(browser)
    Select(browser.find_element(By.ID, field)).select_by_value(value)
    tab_into_results(browser, f"#{results_id} .card__link[href$='{gone}']")
    wait_for_update(browser)
    heading = browser.find_element(By.CSS_SELECTOR, f"#{results_id} [data-results-heading]")
    assert active(browser) == heading
    # The focused heading is read for itself: the live region does not say its count too.
    browser.execute_script("return new Promise(r => setTimeout(r, 300))")
    assert browser.execute_script("return window.said") == []
    assert_next_tab_reaches_a_result(browser, results_id)


def test_focus_in_the_results_on_a_slow_link_is_kept_by_tab(site, browser):
    """The reviewer's journey: a need ticked, then Tab, Tab into the results before the
    answer comes over a slow link."""
    browser.get(site["url"] + "/contacts/")
    ready(browser)
    watch_updates(browser, "contact-results")
    with slow_link(browser):
        browser.find_element(By.ID, "open-now").send_keys(Keys.SPACE)
        for _ in range(5):  # past the button below it
            if focus_described(browser, "contact-results")["inResults"]:
                break
            ActionChains(browser).send_keys(Keys.TAB).perform()
        assert browser.execute_script("return window.updates") == 0, "the answer came too soon"
        before = focus_described(browser, "contact-results")
        wait_for_update(browser)
    after = focus_described(browser, "contact-results")
    assert after["tag"] != "body" and after["inResults"], after
    assert after["href"] == before["href"] or after["id"] == "contact-results-heading"
    assert_next_tab_reaches_a_result(browser, "contact-results")


def test_a_search_updated_while_a_result_has_focus_keeps_it(site, browser):
    browser.get(site["url"] + "/search?q=轮椅")
    ready(browser)
    watch_updates(browser, "search-results")
    # The same category chosen again: the same results, each link in them again.
    browser.execute_script(
        """const category = document.getElementById("search-category");
        category.dispatchEvent(new Event("change", {bubbles: true}));"""
    )
    first = "#search-results .result__title a"
    href = browser.find_element(By.CSS_SELECTOR, first).get_attribute("href")
    tab_into_results(browser, first)
    wait_for_update(browser)
    assert active(browser).get_attribute("href") == href
    assert_next_tab_reaches_a_result(browser, "search-results")


def test_a_search_typed_then_tabbed_away_from_keeps_focus_in_the_results(site, browser):
    """Words typed, then Tab into the results before they follow the box: the results of
    the new words take focus at their heading, or at the same link if it is still there."""
    browser.get(site["url"] + "/search?q=轮椅")
    ready(browser)
    watch_updates(browser, "search-results")
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys(Keys.END, Keys.BACKSPACE, Keys.BACKSPACE, "低保")
    tab_into_results(browser, "#search-results .result__title a")
    wait_for_update(browser)
    assert "%E4%BD%8E%E4%BF%9D" in browser.current_url  # 低保
    after = focus_described(browser, "search-results")
    assert after["tag"] != "body" and after["inResults"], after
    assert_next_tab_reaches_a_result(browser, "search-results")


def test_focus_outside_the_results_stays_where_it_is(site, browser):
    """A filter chosen, then focus left in the form: the update does not take it away."""
    browser.get(site["url"] + "/facilities/")
    ready(browser)
    watch_updates(browser, "facility-results")
    Select(browser.find_element(By.ID, "township")).select_by_value("boping")
    other = browser.find_element(By.ID, "type")
    browser.execute_script("arguments[0].focus()", other)
    wait_for_update(browser)
    assert active(browser) == other
