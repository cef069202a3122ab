"""Finding a place and a person in a real browser, with and without JavaScript: the issue's
two journeys, the live update of the lists, and sorting by the browser's own location."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from .conftest import Wait, active, wait_for

BOPING = (36.585, 116.130)


def listed(driver, results_id: str) -> list[str]:
    """The paths the results block links to, in order."""
    links = driver.find_elements(By.CSS_SELECTOR, f"#{results_id} .card__link")
    return [link.get_attribute("pathname") for link in links]


def test_wheelchair_user_finds_step_free_places_with_a_toilet_in_boping_without_javascript(
    site, browser_without_javascript
):
    driver = browser_without_javascript
    driver.get(site["url"] + "/facilities/")
    Select(driver.find_element(By.ID, "township")).select_by_value("boping")
    for need in ("step_free_entrance", "accessible_toilet"):
        driver.find_element(By.ID, f"need-{need}").send_keys(Keys.SPACE)
    driver.find_element(By.CSS_SELECTOR, ".filter-form button[type=submit]").send_keys(Keys.ENTER)
    wait_for(driver, lambda d: "township=boping" in d.current_url)
    assert listed(driver, "facility-results") == [
        "/facilities/rukang-boping",
        "/facilities/toilet-boping",
    ]
    driver.find_element(By.LINK_TEXT, "博平镇“如康家园”残疾人之家").send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.current_url.endswith("/facilities/rukang-boping"))
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h3")]
    assert "无台阶入口" in headings and "无障碍卫生间" in headings
    assert "从未核实" in driver.find_element(By.ID, "main").text
    assert "示例数据，以区残联公布为准" in driver.find_element(By.ID, "main").text


def test_deaf_user_finds_video_sign_language_and_sms_contacts_without_javascript(
    site, browser_without_javascript
):
    driver = browser_without_javascript
    driver.get(site["url"] + "/contacts/")
    Select(driver.find_element(By.ID, "need")).select_by_value("deaf")
    driver.find_element(By.CSS_SELECTOR, ".filter-form button[type=submit]").send_keys(Keys.ENTER)
    wait_for(driver, lambda d: "need=deaf" in d.current_url)
    paths = listed(driver, "contact-results")
    assert "/contacts/dpf-video-sign-language" in paths and "/contacts/dpf-sms" in paths
    assert "/contacts/hotline-12345" not in paths


def test_ticking_a_need_updates_the_list_in_place_and_announces_only_the_count(site, browser):
    browser.get(site["url"] + "/facilities/")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_script("window.notReloaded = true")
    before = len(listed(browser, "facility-results"))
    box = browser.find_element(By.ID, "need-hearing_loop")
    box.send_keys(Keys.SPACE)
    Wait(browser, 10).until(
        lambda d: d.find_element(By.ID, "status").get_attribute("textContent") != ""
    )
    status = browser.find_element(By.ID, "status").get_attribute("textContent")
    heading = browser.find_element(By.ID, "facility-results-heading").text
    assert status == heading, "only the count is announced"
    assert 0 < len(listed(browser, "facility-results")) < before
    assert active(browser).get_attribute("id") == "need-hearing_loop", "focus stays on the box"
    assert browser.execute_script("return window.notReloaded") is True
    assert "need=hearing_loop" in browser.current_url, "the URL follows the filters"
    assert browser.find_element(By.ID, "facility-results").get_attribute("aria-busy") != "true"


def test_choosing_a_channel_updates_the_directory_in_place(site, browser):
    browser.get(site["url"] + "/en/contacts/")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_script("window.notReloaded = true")
    Select(browser.find_element(By.ID, "channel")).select_by_value("sms")
    Wait(browser, 10).until(lambda d: "channel=sms" in d.current_url)
    Wait(browser, 10).until(
        lambda d: d.find_element(By.ID, "status").get_attribute("textContent") != ""
    )
    assert listed(browser, "contact-results") == ["/en/contacts/dpf-sms"]
    assert browser.execute_script("return window.notReloaded") is True


def test_going_down_a_list_with_the_arrow_keys_is_one_update(site, browser):
    browser.get(site["url"] + "/facilities/")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_script(
        "window.requests = 0;"
        "document.addEventListener('htmx:beforeRequest', function () { window.requests++; });"
    )
    length = browser.execute_script("return history.length")
    township = browser.find_element(By.ID, "township")
    township.click()
    township.send_keys(Keys.ESCAPE)
    for _ in range(4):
        township.send_keys(Keys.ARROW_DOWN)
    wait_for(browser, lambda d: "township=" in d.current_url)
    Wait(browser, 10).until(
        lambda d: d.find_element(By.ID, "facility-results").get_attribute("aria-busy") != "true"
    )
    assert browser.execute_script("return window.requests") == 1
    assert browser.execute_script("return history.length") == length + 1


def test_a_good_choice_clears_the_report_of_a_bad_value(site, browser):
    browser.get(site["url"] + "/facilities/?township=nowhere")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    assert browser.title.startswith("错误：")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-error-summary]")
    Select(browser.find_element(By.ID, "township")).select_by_value("boping")
    wait_for(browser, lambda d: "township=boping" in d.current_url)
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-error-summary]"))
    township = browser.find_element(By.ID, "township")
    assert township.get_attribute("aria-invalid") is None
    assert "township-error" not in (township.get_attribute("aria-describedby") or "")
    assert not browser.find_elements(By.CSS_SELECTOR, ".field__error, .field--error")
    assert not browser.title.startswith("错误：")


def test_a_failed_update_is_said_and_leaves_the_results_not_busy(site, browser):
    browser.get(site["url"] + "/contacts/")
    Wait(browser, 5).until(lambda d: d.execute_script("return !!window.htmx"))
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/contacts/?*"]})
    try:
        Select(browser.find_element(By.ID, "channel")).select_by_value("sms")
        wait_for(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#contact-results [data-update-failed]"),
        )
        results = browser.find_element(By.ID, "contact-results")
        assert results.get_attribute("aria-busy") != "true"
        message = results.find_element(By.CSS_SELECTOR, "[data-update-failed]").text
        assert "没能更新结果" in message
        wait_for(browser, lambda d: d.find_element(By.ID, "status").get_attribute("textContent"))
        assert browser.find_element(By.ID, "status").get_attribute("textContent") == message
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


def test_my_location_orders_places_nearest_first(site, browser):
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": site["url"], "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": BOPING[0], "longitude": BOPING[1], "accuracy": 50},
    )
    browser.get(site["url"] + "/facilities/")
    button = browser.find_element(By.CSS_SELECTOR, "[data-locate]")
    Wait(browser, 5).until(lambda d: button.is_displayed())
    button.send_keys(Keys.ENTER)
    Wait(browser, 10).until(lambda d: "near=here" in d.current_url)
    Wait(browser, 10).until(lambda d: active(d).get_attribute("id") == "facility-results-heading")
    first = listed(browser, "facility-results")[:2]
    assert set(first) == {"/facilities/rukang-boping", "/facilities/toilet-boping"}


def test_the_location_button_is_not_offered_without_javascript(site, browser_without_javascript):
    browser_without_javascript.get(site["url"] + "/facilities/")
    button = browser_without_javascript.find_element(By.CSS_SELECTOR, "[data-locate]")
    assert not button.is_displayed()
