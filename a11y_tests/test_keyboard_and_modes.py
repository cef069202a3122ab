"""What a person does with the keyboard, with and without JavaScript: skip to the content,
switch the display modes, have the page read aloud. Each behaviour asserted on its own."""

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .conftest import MODES, VIEWPORTS, Wait, active, chromium, navigate, set_mode, wait_for

SERVICE = "/services/assistive-devices"


def html_classes(driver) -> set[str]:
    """The classes on <html>, where the display modes are rendered."""
    return set(driver.execute_script("return document.documentElement.className").split())


def press(driver, element_id: str) -> None:
    """Focus an element and press Enter on it, as a keyboard user would."""
    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].focus()", element)
    element.send_keys(Keys.ENTER)


@pytest.fixture(scope="module")
def window_of_each_width():
    """A Chromium at each viewport, shared by the skip-link tests: each test sets its own
    cookies afresh (`set_mode`) and loads its page, which starts from nothing focused."""
    drivers = {viewport: chromium(*size) for viewport, size in VIEWPORTS.items()}
    yield drivers
    for driver in drivers.values():
        driver.quit()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["/", SERVICE, "/en/plan/"])
def test_skip_link_is_first_visible_and_moves_focus_to_main(
    site, window_of_each_width, mode, viewport, path
):
    driver = window_of_each_width[viewport]
    set_mode(driver, site["url"], mode)
    driver.get(site["url"] + path)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    link = active(driver)
    assert "skip-link" in link.get_attribute("class")
    box = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", link)
    assert box["top"] >= 0 and box["height"] > 0, "the focused skip link is on screen"
    link.send_keys(Keys.ENTER)
    assert active(driver).get_attribute("id") == "main"


@pytest.mark.parametrize(
    ("prefix", "button"),
    [("", "display-large"), ("", "display-contrast"), ("/en", "display-large")],
)
def test_display_toggle_works_without_javascript(site, browser_without_javascript, prefix, button):
    driver = browser_without_javascript
    mode = button.removeprefix("display-")
    driver.get(site["url"] + prefix + SERVICE)
    assert mode not in html_classes(driver)
    press(driver, button)
    wait_for(driver, lambda d: mode in html_classes(d))
    assert driver.current_url == site["url"] + prefix + SERVICE, "back on the same page"
    assert driver.find_element(By.ID, button).get_attribute("aria-pressed") == "true"
    press(driver, button)
    wait_for(driver, lambda d: mode not in html_classes(d))
    assert driver.find_element(By.ID, button).get_attribute("aria-pressed") == "false"


@pytest.mark.parametrize(("prefix", "message"), [("", "已开启大字版"), ("/en", "Large text on")])
def test_display_toggle_with_htmx_keeps_the_page_focus_and_announces(
    site, browser, prefix, message
):
    driver = browser
    driver.get(site["url"] + prefix + SERVICE)
    Wait(driver, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    driver.execute_script("window.notReloaded = true")
    press(driver, "display-large")
    Wait(driver, 5).until(lambda d: "large" in html_classes(d))
    assert driver.execute_script("return window.notReloaded") is True, "no page reload"
    assert active(driver).get_attribute("id") == "display-large", "focus stays on the toggle"
    assert active(driver).get_attribute("aria-pressed") == "true"
    Wait(driver, 5).until(
        lambda d: d.find_element(By.ID, "status").get_attribute("textContent") == message
    )
    driver.refresh()
    assert "large" in html_classes(driver), "the choice persists and is rendered by the server"


def toggles(driver) -> dict[str, tuple[str, str]]:
    """Each display toggle's aria-pressed and the value it sends next."""
    return {
        mode: (
            driver.find_element(By.ID, f"display-{mode}").get_attribute("aria-pressed"),
            driver.find_element(By.ID, f"display-{mode}").get_attribute("value"),
        )
        for mode in ("large", "contrast")
    }


def follow(driver, link_href: str) -> None:
    """Click the link to `link_href` (a new history entry) and wait for its page."""
    link = driver.find_element(By.CSS_SELECTOR, f"main a[href='{link_href}']")
    navigate(driver, link.click)


def go_back(driver, url: str) -> None:
    """Press Back and wait for the page at `url`. (Not `navigate`: a page restored from the
    back/forward cache keeps its window, and the mark `navigate` left on it as it left.)"""
    driver.back()
    wait_for(driver, lambda d: d.current_url == url)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_back_shows_the_page_in_the_modes_chosen_after_it(site, browser, prefix):
    """A page restored from the back/forward cache (or the HTTP cache) was in the old
    modes: the toggles said 大字版 was off while it was on."""
    driver = browser
    driver.get(site["url"] + prefix + "/services/")
    follow(driver, prefix + SERVICE)
    Wait(driver, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    press(driver, "display-large")
    Wait(driver, 5).until(lambda d: "large" in html_classes(d))
    go_back(driver, site["url"] + prefix + "/services/")
    assert html_classes(driver) == {"large"}
    assert toggles(driver) == {"large": ("true", "0"), "contrast": ("false", "1")}
    # Forward, 大字版 off and 高对比度 on, Back again: the page follows both.
    driver.forward()
    wait_for(driver, lambda d: d.current_url == site["url"] + prefix + SERVICE)
    press(driver, "display-large")
    Wait(driver, 5).until(lambda d: "large" not in html_classes(d))
    press(driver, "display-contrast")
    Wait(driver, 5).until(lambda d: "contrast" in html_classes(d))
    go_back(driver, site["url"] + prefix + "/services/")
    assert html_classes(driver) == {"contrast"}
    assert toggles(driver) == {"large": ("false", "1"), "contrast": ("true", "0")}
    # The toggle still works from the page shown again, from the state it shows.
    press(driver, "display-contrast")
    Wait(driver, 5).until(lambda d: "contrast" not in html_classes(d))
    driver.refresh()
    assert html_classes(driver) == set()


def test_back_without_javascript_asks_the_server_for_the_modes_of_now(site):
    """Without JavaScript nothing can change a page kept whole in the back/forward cache
    (see ARCHITECTURE.md, Display modes); a page the browser takes from its HTTP cache is
    asked for again, since it varies on the cookie, and comes in the modes of now."""
    driver = chromium(
        *VIEWPORTS["1280"], javascript=False, extra=("--disable-features=BackForwardCache",)
    )
    try:
        driver.get(site["url"] + "/services/")
        follow(driver, SERVICE)
        press(driver, "display-contrast")
        wait_for(driver, lambda d: "contrast" in html_classes(d))
        navigate(driver, driver.back)  # the service page before the toggle (same address)
        navigate(driver, driver.back)
        assert driver.current_url == site["url"] + "/services/"
        assert html_classes(driver) == {"contrast"}
        assert toggles(driver)["contrast"] == ("true", "0")
    finally:
        driver.quit()


FAKE_SPEECH = """
window.spoken = [];
window.cancelled = 0;
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speak(utterance) { window.spoken.push({text: utterance.text, lang: utterance.lang}); },
  cancel() { window.cancelled += 1; },
  getVoices() { return []; },
}});
"""
NO_SPEECH = """
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: undefined});
"""


def before_scripts(driver, source: str) -> None:
    """Run `source` in every new document before the page's own scripts."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})


def test_read_aloud_starts_only_when_pressed_and_stops_on_second_press(site, browser):
    before_scripts(browser, FAKE_SPEECH)
    browser.get(site["url"] + SERVICE)
    button = browser.find_element(By.CSS_SELECTOR, "[data-read-aloud]")
    Wait(browser, 5).until(lambda d: button.is_displayed())
    assert browser.execute_script("return window.spoken.length") == 0, "never starts by itself"
    button.send_keys(Keys.ENTER)
    spoken = browser.execute_script("return window.spoken")
    about = [item for item in spoken if "辅助器具" in item["text"]]
    assert about and all(item["lang"] == "zh-CN" for item in about)
    assert button.get_attribute("aria-pressed") == "true"
    button.send_keys(Keys.ENTER)
    assert button.get_attribute("aria-pressed") == "false"
    assert browser.execute_script("return window.cancelled") >= 1


def test_read_aloud_speaks_each_part_in_its_own_language(site, browser):
    """An English page's 大字版 in a Chinese voice, its English around it in an English one
    (WCAG 3.1.2): each run of text is read in the language of its nearest lang."""
    before_scripts(browser, FAKE_SPEECH)
    browser.get(site["url"] + "/en/about")
    button = browser.find_element(By.CSS_SELECTOR, "[data-read-aloud]")
    Wait(browser, 5).until(lambda d: button.is_displayed())
    button.send_keys(Keys.ENTER)
    spoken = browser.execute_script("return window.spoken")
    chinese = [item for item in spoken if item["lang"] == "zh-CN"]
    assert chinese and all(not re.search("[A-Za-z]{3}", item["text"]) for item in chinese)
    assert any("大字版" in item["text"] for item in chinese)
    assert any(item["lang"] == "en" and "Large text" in item["text"] for item in spoken)
    button.send_keys(Keys.ENTER)


def test_read_aloud_is_hidden_where_speech_is_unsupported(site, browser):
    before_scripts(browser, NO_SPEECH)
    browser.get(site["url"] + SERVICE)
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    assert not browser.find_element(By.CSS_SELECTOR, "[data-read-aloud]").is_displayed()


def test_read_aloud_is_hidden_without_javascript(site, browser_without_javascript):
    browser_without_javascript.get(site["url"] + SERVICE)
    button = browser_without_javascript.find_element(By.CSS_SELECTOR, "[data-read-aloud]")
    assert not button.is_displayed()


@pytest.mark.parametrize(
    "features",
    [
        [{"name": "forced-colors", "value": "active"}],
        [{"name": "prefers-contrast", "value": "more"}],
        [{"name": "prefers-reduced-motion", "value": "reduce"}],
    ],
    ids=["forced-colors", "prefers-contrast", "reduced-motion"],
)
def test_system_settings_keep_a_visible_focus_ring(site, browser, features):
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    browser.get(site["url"] + "/")
    link = browser.find_element(By.CSS_SELECTOR, ".site-nav__link")
    browser.execute_script("arguments[0].focus()", link)
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth]", link
    )
    assert style[0] != "none" and float(style[1].removesuffix("px")) >= 3


# The contrast of a focused element's own text on its own background (the focus style
# paints both), from their computed colours.
FOCUSED_TEXT_CONTRAST = """
const s = getComputedStyle(arguments[0]);
const luminance = (colour) => {
  const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const [a, b] = [luminance(s.color), luminance(s.backgroundColor)].sort((x, y) => y - x);
return (a + 0.05) / (b + 0.05);
"""


@pytest.mark.parametrize("mode", ["default", "contrast"])
@pytest.mark.parametrize("width", [1280, 320])
def test_focused_header_and_menu_links_keep_readable_text(site, browser, mode, width):
    set_mode(browser, site["url"], mode)
    browser.set_window_size(width, 900)
    browser.get(site["url"] + "/")
    links = browser.find_elements(
        By.CSS_SELECTOR,
        ".site-header a, .site-header button.language-link, .site-menu a",
    )
    assert links
    for link in links:
        if not link.is_displayed():
            continue
        browser.execute_script("arguments[0].focus()", link)
        ratio = browser.execute_script(FOCUSED_TEXT_CONTRAST, link)
        assert ratio >= 4.5, (link.text, mode, width, ratio)


def test_error_summary_takes_focus_and_its_links_reach_the_fields(site, browser):
    size = browser.get_window_size()
    browser.set_window_size(320, 640)  # where the page scrolls, and a label can be lost
    try:
        error_summary_links(site, browser)
    finally:
        browser.set_window_size(size["width"], size["height"])


def error_summary_links(site, browser):
    browser.get(site["url"] + "/test-components")
    Wait(browser, 5).until(lambda d: active(d).get_attribute("data-error-summary") is not None)
    active(browser).find_element(By.CSS_SELECTOR, "a[href='#name']").send_keys(Keys.ENTER)
    Wait(browser, 5).until(lambda d: active(d).get_attribute("id") == "name")
    # with the field's label in view, not scrolled off above it
    top = browser.execute_script(
        "return document.querySelector(\"label[for='name']\").getBoundingClientRect().top"
    )
    assert -1 < top < browser.execute_script("return window.innerHeight")


@pytest.mark.parametrize(("prefix", "word"), [("", "轮椅"), ("/en", "wheelchair")])
def test_live_search_announces_the_count_and_keeps_focus_in_the_box(site, browser, prefix, word):
    browser.get(site["url"] + prefix + "/search")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_script(
        """window.notReloaded = true;
        window.said = [];
        new MutationObserver(() => {
          const text = document.getElementById("status").textContent;
          if (text) window.said.push(text);
        }).observe(document.getElementById("status"), {childList: true, subtree: true});"""
    )
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys(word)
    Wait(browser, 10).until(
        lambda d: d.find_element(By.ID, "status").get_attribute("textContent") != ""
    )
    browser.execute_script("return new Promise(r => setTimeout(r, 500))")
    status = browser.find_element(By.ID, "status").get_attribute("textContent")
    heading = browser.find_element(By.ID, "results-heading").text
    assert status == heading, "only the result count is announced"
    assert browser.execute_script("return window.said") == [heading], "and only once"
    assert word in browser.title, "the title names the query the results are for"
    assert active(browser).get_attribute("id") == "search-page-q", "focus stays while typing"
    assert browser.execute_script("return window.notReloaded") is True
    assert "q=" in browser.current_url, "the URL follows the query"
    assert browser.find_element(By.ID, "search-results").get_attribute("aria-busy") != "true"


@pytest.mark.parametrize(
    ("word", "notes"), [("轮椅", []), ("护里补贴", ["您是不是要找：护理补贴。"])]
)
def test_a_submitted_search_says_its_count_once_by_the_focused_heading(site, browser, word, notes):
    """The heading took focus and was read, then the live region said the count again."""
    browser.get(site["url"] + "/search")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_script(
        """window.said = [];
        new MutationObserver(() => {
          const text = document.getElementById("status").textContent;
          if (text) window.said.push(text);
        }).observe(document.getElementById("status"), {childList: true, subtree: true});"""
    )
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys(word + Keys.ENTER)
    Wait(browser, 10).until(lambda d: active(d).get_attribute("id") == "results-heading")
    browser.execute_script("return new Promise(r => setTimeout(r, 1500))")  # past typing's pause
    assert browser.execute_script("return window.said") == notes, "only what the heading lacks"


def test_submitting_the_search_moves_focus_to_the_results_heading(site, browser):
    browser.get(site["url"] + "/search")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    box = browser.find_element(By.ID, "search-page-q")
    box.send_keys("低保" + Keys.ENTER)
    Wait(browser, 10).until(lambda d: active(d).get_attribute("id") == "results-heading")
    browser.back()
    Wait(browser, 10).until(lambda d: "q=" not in d.current_url)


def test_header_search_works_without_javascript(site, browser_without_javascript):
    driver = browser_without_javascript
    driver.get(site["url"] + SERVICE)
    driver.find_element(By.ID, "site-search-q").send_keys("轮椅" + Keys.ENTER)
    wait_for(driver, lambda d: "/search" in d.current_url)
    first = driver.find_element(By.CSS_SELECTOR, ".result__title a")
    assert first.get_attribute("href").endswith("/services/assistive-devices")
