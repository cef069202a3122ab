"""Typing through an input method (pinyin): the live search waits for the words chosen;
typed slowly, letter by letter, its results follow and their count is said once, after.

Chromium's DevTools protocol composes text as an input method does: `Input.imeSetComposition`
puts letters in the box inside a composition (with its events), `Input.insertText` then
commits the characters picked.
"""

import pytest
from selenium.webdriver.common.by import By

from .conftest import Wait, active

# Longer than the live search's wait after typing (600 ms in components/search_form.html).
PAUSE_MS = 1000

# Counts the searches the page sends (from the browser's own record of its requests) and
# what the live region says.
WATCH = """window.said = [];
new MutationObserver(() => {
  const text = document.getElementById("status").textContent;
  if (text) window.said.push(text);
}).observe(document.getElementById("status"), {childList: true, subtree: true});"""
SEARCHES = """return performance.getEntriesByType("resource")
  .map(entry => new URL(entry.name))
  .filter(url => url.pathname === "/search" && url.searchParams.has("q"))
  .map(url => url.searchParams.get("q"));"""


def compose(driver, letters: str) -> None:
    """Type `letters` one by one into the focused box inside a composition, as pinyin is
    typed before the characters are chosen."""
    for end in range(1, len(letters) + 1):
        driver.execute_cdp_cmd(
            "Input.imeSetComposition",
            {"text": letters[:end], "selectionStart": end, "selectionEnd": end},
        )


def pause(driver) -> None:
    """Wait longer than the live search waits after typing."""
    driver.execute_async_script("setTimeout(arguments[1], arguments[0])", PAUSE_MS)


@pytest.fixture
def search_box(site, browser):
    """The search page, watched, with focus in its box."""
    browser.get(site["url"] + "/search")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_script(WATCH)
    box = browser.find_element(By.ID, "search-page-q")
    box.click()
    return box


def searched_once(driver, query: str) -> None:
    """Wait for the results of `query`, then check they were asked for and said once."""
    Wait(driver, 10).until(lambda d: d.execute_script("return window.said.length"))
    pause(driver)
    assert driver.execute_script(SEARCHES) == [query], "one search, for the words chosen"
    heading = driver.find_element(By.ID, "results-heading").text
    assert driver.execute_script("return window.said") == [heading], "said once"
    assert driver.find_element(By.CSS_SELECTOR, "h1").text.endswith(query)
    assert active(driver).get_attribute("id") == "search-page-q"


def test_live_search_waits_while_pinyin_is_composed_then_searches_once(browser, search_box):
    compose(browser, "lunyi")
    pause(browser)
    assert browser.execute_script(SEARCHES) == [], "nothing searched for half-typed pinyin"
    assert browser.execute_script("return window.said") == [], "nothing said over the list"
    assert "q=" not in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "搜索"
    browser.execute_cdp_cmd("Input.insertText", {"text": "轮椅"})
    searched_once(browser, "轮椅")
    assert "q=%E8%BD%AE%E6%A4%85" in browser.current_url


def test_a_word_chosen_just_before_the_next_is_composed_is_searched_with_it(browser, search_box):
    """The search due after 轮椅 would have gone out while 服务 was still fuwu."""
    browser.execute_cdp_cmd("Input.insertText", {"text": "轮椅"})
    compose(browser, "fuwu")
    pause(browser)
    assert browser.execute_script(SEARCHES) == [], "nothing searched for 轮椅fuwu"
    browser.execute_cdp_cmd("Input.insertText", {"text": "服务"})
    searched_once(browser, "轮椅服务")


# A slow typist: a letter every 0.9 s, longer than the live search's wait, so the results
# follow every letter.
LETTER_MS = 900
# What the page waits after the last letter before saying what was found (site.js).
TYPING_PAUSE_MS = 1800


def test_slow_typing_updates_the_results_but_says_the_count_once_after_a_pause(browser, search_box):
    """Typed one letter every 0.9 s, canjiren was said 8 times (找到0条结果, 找到32条结果, …),
    each over the screen reader's echo of the letter just typed."""
    browser.execute_script(
        """window.saidAt = [];
        document.addEventListener("input", () => { window.typedAt = performance.now(); }, true);
        new MutationObserver(() => {
          if (document.getElementById("status").textContent) window.saidAt.push(performance.now());
        }).observe(document.getElementById("status"), {childList: true, subtree: true});"""
    )
    for letter in "canjiren":
        search_box.send_keys(letter)
        browser.execute_async_script("setTimeout(arguments[1], arguments[0])", LETTER_MS)
    # When the last letter arrived, as the page saw it: the time the test waited after it
    # is longer than asked whenever the machine is busy.
    typed_at = browser.execute_script("return window.typedAt")
    assert len(browser.execute_script(SEARCHES)) > 1, "the results followed the letters"
    assert browser.execute_script("return window.said") == [], "nothing said while typing"
    Wait(browser, 10).until(lambda d: d.execute_script("return window.said.length"))
    pause(browser)
    results = browser.find_element(By.ID, "search-results")
    said = results.get_attribute("data-announce")
    assert said.endswith(browser.find_element(By.ID, "results-heading").text)
    assert browser.execute_script("return window.said") == [said], "said once"
    said_at = browser.execute_script("return window.saidAt[0]")
    assert said_at - typed_at >= TYPING_PAUSE_MS - 100, "after the resident stopped"
    assert browser.find_element(By.CSS_SELECTOR, "h1").text.endswith("canjiren")
    assert active(browser).get_attribute("id") == "search-page-q"
