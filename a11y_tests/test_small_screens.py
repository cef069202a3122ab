"""A phone in large text: the header leaves most of the first screen to the page, the
navigation and search wait at the end of the page behind the header's 菜单 link, and table
cells never break a number or a short word in two."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .conftest import MODES, VIEWPORTS, active, chromium, next_frame, resize, set_mode, wait_for

# The share of a 320 × 640 screen the header may take: about a third in Chinese; English
# words are longer, so its name and its toggles take a line more.
HEADER_SHARE = {"": 0.34, "/en": 0.45}
PHONE_HEIGHT = VIEWPORTS["320"][1]


@pytest.fixture(scope="module")
def phone():
    """A 320 px wide Chromium, shared by the module's tests."""
    driver = chromium(*VIEWPORTS["320"])
    yield driver
    driver.quit()


def visible_navigation(driver) -> list[str]:
    """Where the visible navigation landmarks named 主导航 / Main navigation are."""
    return driver.execute_script(
        """
        const name = document.querySelector("header nav").getAttribute("aria-label");
        return Array.from(document.querySelectorAll("nav"))
          .filter(nav => nav.getAttribute("aria-label") === name && nav.offsetParent !== null)
          .map(nav => nav.closest("header") ? "header" : "end");
        """
    )


@pytest.mark.parametrize("prefix", HEADER_SHARE)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["/", "/services/disability-certificate", "/search"])
def test_the_header_takes_about_a_third_of_a_phone_screen(site, phone, mode, prefix, path):
    set_mode(phone, site["url"], mode)
    phone.get(site["url"] + prefix + path)
    height = phone.execute_script(
        "return document.querySelector('header.site-header').getBoundingClientRect().height"
    )
    assert height <= HEADER_SHARE[prefix] * PHONE_HEIGHT, (mode, prefix, path, height)
    assert visible_navigation(phone) == ["end"]


def test_the_menu_link_leads_to_the_navigation_and_search_at_the_end(site, phone):
    set_mode(phone, site["url"], "large")
    phone.get(site["url"] + "/services/")
    menu = phone.find_element(By.CSS_SELECTOR, "header a[href='#site-menu']")
    menu.send_keys(Keys.ENTER)
    wait_for(phone, lambda d: d.current_url.endswith("#site-menu"))
    assert active(phone).get_attribute("id") == "site-menu"
    menu_links = phone.find_elements(By.CSS_SELECTOR, "#site-menu nav a")
    assert len(menu_links) == 9 and all(link.is_displayed() for link in menu_links)
    assert phone.find_element(By.ID, "menu-search-q").is_displayed()


def test_a_wide_screen_keeps_the_navigation_in_the_header_and_no_menu_link(site, browser):
    browser.get(site["url"] + "/services/")
    assert visible_navigation(browser) == ["header"]
    assert not browser.find_element(By.CSS_SELECTOR, "a[href='#site-menu']").is_displayed()
    assert browser.find_element(By.ID, "site-search-q").is_displayed()


@pytest.mark.parametrize("mode", ["large", "large+contrast"])
@pytest.mark.parametrize("path", ["/plan/indicators", "/facilities/rukang-boping"])
def test_no_table_cell_breaks_a_number_or_a_short_word(site, phone, mode, path):
    set_mode(phone, site["url"], mode)
    phone.get(site["url"] + path)
    broken = phone.execute_script(
        """
        // A token broken across lines: a number or percentage, or a short word standing
        // alone in its cell (星期一, 预期性): its characters' boxes start on two lines.
        const found = [];
        for (const cell of document.querySelectorAll("main td, main th")) {
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent;
            const tokens = /^\\s*[\\u4e00-\\u9fff]{2,4}\\s*$/.test(text)
              ? [{index: text.search(/\\S/), 0: text.trim()}]
              : text.matchAll(/[>≥<≤]?[0-9][0-9.,%:~-]*/g);
            for (const token of tokens) {
              const range = document.createRange();
              range.setStart(node, token.index);
              range.setEnd(node, token.index + token[0].length);
              const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
              if (tops.size > 1) found.push(token[0]);
            }
          }
        }
        return found;
        """
    )
    assert broken == [], (path, mode, broken)


@pytest.mark.parametrize(
    "path", ["/en/plan/measures/", "/en/search?q=allowance", "/en/search?q=rukang", "/en/contacts/"]
)
def test_a_phone_with_the_readers_text_at_twice_its_size_keeps_the_page_in_its_width(
    site, phone, path
):
    """English titles' long words once ran off a 320 px page at 200 % text: a heading's
    only link is a flex box, which is never narrower than its longest word. So did the
    sample-data tag of a search result ("…Federation's published…", 14 px) and a filter's
    checkbox label (3 px): a box that never wraps its words."""
    set_mode(phone, site["url"], "default")
    phone.get(site["url"] + path)
    phone.execute_script("document.documentElement.style.fontSize = '200%'")
    width = phone.execute_script("return document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["320"][0]


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("mode", ["default", "large"])
def test_an_indicator_s_bars_stand_under_their_labels_across_a_phone(site, phone, mode, prefix):
    """Between its label and its figure a bar was 40 px wide at 320 px in large text: too
    short to compare one bar with another."""
    set_mode(phone, site["url"], mode)
    phone.get(site["url"] + prefix + "/plan/indicators")
    bars = phone.execute_script(
        """
        return Array.from(document.querySelectorAll(".progress-chart__picture")).flatMap(
          picture => Array.from(picture.querySelectorAll(".progress-chart__track")).map(track => {
            const label = track.previousElementSibling.getBoundingClientRect();
            const bar = track.getBoundingClientRect();
            return [bar.width / picture.getBoundingClientRect().width, bar.top - label.bottom];
          }));
        """
    )
    assert bars and all(share > 0.95 and below >= 0 for share, below in bars), bars


def test_a_table_that_stops_fitting_becomes_a_region_the_keyboard_can_scroll(site, browser):
    """A window narrowed after the page opened (or text zoomed, a phone turned): a table
    that fitted and no longer does is made reachable by Tab, to scroll it sideways."""
    set_mode(browser, site["url"], "default", site["staff"])
    browser.get(site["url"] + "/staff/accounts")  # never empty: the account signed in
    wrapper = browser.find_element(By.CSS_SELECTOR, ".table-wrapper")
    caption = wrapper.find_element(By.TAG_NAME, "caption").text
    # A cell that cannot wrap (a long reference, an image), wider than a phone and well
    # inside the wide window, whatever the fonts: the table grows, and still fits.
    browser.execute_script(
        """const block = document.createElement('span');
        block.style.cssText = 'display: inline-block; width: 480px';
        arguments[0].querySelector('td').replaceChildren(block);""",
        wrapper,
    )
    next_frame(browser)
    assert wrapper.get_attribute("tabindex") is None, "the table fits a wide window"
    assert resize(browser, *VIEWPORTS["320"]) == 320
    wait_for(browser, lambda d: wrapper.get_attribute("tabindex") == "0")
    assert wrapper.get_attribute("role") == "region"
    assert wrapper.get_attribute("aria-label") == caption


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("path", ["/facilities/rukang-zhenxing", "/contacts/dpf-in-person"])
def test_a_week_of_opening_hours_fits_a_phone_in_large_text(site, phone, prefix, path):
    """ "Wednesday" beside "08:30 to 11:30," (each range kept on one line) ran 59 px out of
    the table at 320 px in large text: the closing times were seen only by scrolling the
    table sideways, which without JavaScript the keyboard cannot."""
    set_mode(phone, site["url"], "large")
    phone.get(site["url"] + prefix + path)
    overflows = phone.execute_script(
        """
        return Array.from(document.querySelectorAll("main .table-wrapper"))
          .filter(wrapper => wrapper.querySelector(".opening-hours__day"))
          .map(wrapper => wrapper.scrollWidth - wrapper.clientWidth);
        """
    )
    assert overflows and all(overflow <= 0 for overflow in overflows), overflows
