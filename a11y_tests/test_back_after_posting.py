"""Back to a page a resident's post was answered with shows that page as it was and sends
nothing: the private status page after a follow-up with an error, or after 大字版 pressed
without JavaScript (its form posts to the page itself, to keep the text typed), and the
other forms whose posts are answered with a page (a question and a barrier report with an
error, the alerts' form and a subscriber's page with one, 大字版 on a half-typed form).
Chromium shows the page of a POST again only from its HTTP cache: one sent `no-store` came
back as "Confirm form resubmission" (ERR_CACHE_MISS), and reloading it sent the post again.
See `security.PRIVATE_POST_HEADERS`; the eligibility check's own pages are checked in
test_eligibility_journey.py."""

import pytest
from barrierfree.alerts import operations as alert_operations
from barrierfree.alerts.models import AlertSubscription
from barrierfree.database import db
from barrierfree.feedback import operations
from barrierfree.feedback.models import QUESTION
from barrierfree.updates.models import NOTICE
from selenium.webdriver.common.by import By
from sqlalchemy import select

from .conftest import navigate, wait_for
from .test_eligibility_journey import PostCounter

FOLLOW_UP = "轮椅坡道的扶手还是松的。"


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def driver(request, open_browser):
    """A desktop Chromium, with JavaScript on, then off."""
    return open_browser(javascript=request.param)


def status_link(site) -> str:
    """The status link of a question just sent (made here: the form is checked elsewhere)."""
    with site["app"].app_context():
        values = {"topic": "other", "reply_by": "site", "body": "无障碍卫生间锁坏了。"}
        _item, token = operations.create(QUESTION, values)
    return f"/feedback/status/{token}"


def manage_link(site) -> str:
    """A subscriber's own page (made here: the alerts' form is checked elsewhere)."""
    with site["app"].app_context():
        email = "back@example.com"
        alert_operations.subscribe(email, "zh", {"kinds": [NOTICE], "topics": [], "townships": []})
        subscription = db.session.scalar(
            select(AlertSubscription).where(AlertSubscription.email == email)
        )
        alert_operations.confirm(subscription)
        return f"/alerts/manage/{alert_operations.token_of(subscription)}"


def send(driver, selector: str) -> None:
    """Press the button `selector` in the page's main part and wait for the page it opens."""
    navigate(driver, driver.find_element(By.CSS_SELECTOR, f"main {selector}").click)


def back_sends_nothing(site, driver, shown) -> None:
    """Back shows the page before as it was (`shown(driver)` holds), without a request."""
    with PostCounter(site["app"]) as counter:
        driver.back()
        wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")
        assert "ERR_CACHE_MISS" not in driver.page_source
        assert shown(driver), driver.find_element(By.TAG_NAME, "body").text[:300]
        assert counter.posts == 0, "Back sent the form again"


def typed(driver, name: str = "body") -> str:
    return driver.find_element(By.NAME, name).get_attribute("value")


def has_error(driver) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, "[data-error-summary]"))


def test_back_to_a_follow_up_refused_on_the_status_page(site, driver):
    """The review's steps: 提交补充 with the box empty, then a follow-up sent, then Back."""
    link = status_link(site)
    driver.get(site["url"] + link)
    send(driver, "#page-form button[type='submit']")
    assert has_error(driver)
    driver.find_element(By.NAME, "body").send_keys(FOLLOW_UP)
    send(driver, "#page-form button[type='submit']")
    assert driver.current_url.endswith(link)  # the clean address: the message is flashed
    assert "已收到您的补充" in driver.find_element(By.TAG_NAME, "main").text
    back_sends_nothing(site, driver, lambda d: has_error(d) and d.current_url.endswith(link))


def test_back_to_the_status_page_shown_again_in_large_text(site, open_browser):
    """Without JavaScript 大字版 posts the follow-up's form to the page itself."""
    driver = open_browser(javascript=False)
    driver.get(site["url"] + status_link(site))
    driver.find_element(By.NAME, "body").send_keys(FOLLOW_UP)
    navigate(driver, driver.find_element(By.ID, "display-large").click)
    assert "large" in driver.find_element(By.TAG_NAME, "html").get_attribute("class")
    assert typed(driver) == FOLLOW_UP
    send(driver, "#page-form button[type='submit']")
    assert "已收到您的补充" in driver.find_element(By.TAG_NAME, "main").text
    back_sends_nothing(site, driver, lambda d: typed(d) == FOLLOW_UP)


@pytest.mark.parametrize("path", ["/feedback/ask", "/feedback/barrier", "/alerts/"])
def test_back_to_a_public_form_shown_again_with_its_errors(site, driver, path):
    driver.get(site["url"] + path)
    driver.find_element(By.NAME, "email" if path == "/alerts/" else "body").send_keys(
        "x" if path == "/alerts/" else FOLLOW_UP
    )
    send(driver, "form.form button[type='submit']")
    assert has_error(driver)
    navigate(driver, lambda: driver.get(site["url"] + "/feedback/"))
    back_sends_nothing(site, driver, has_error)


def test_back_to_a_half_typed_question_shown_again_in_large_text(site, open_browser):
    """Without JavaScript 大字版 posts the form to its own page, which keeps the text."""
    driver = open_browser(javascript=False)
    driver.get(site["url"] + "/feedback/ask")
    driver.find_element(By.NAME, "body").send_keys(FOLLOW_UP)
    navigate(driver, driver.find_element(By.ID, "display-large").click)
    navigate(driver, lambda: driver.get(site["url"] + "/feedback/"))
    back_sends_nothing(site, driver, lambda d: typed(d) == FOLLOW_UP)


def test_back_to_a_subscribers_page_with_an_error(site, driver):
    """Every kind of notice unticked: the page says to choose one, or to cancel."""
    driver.get(site["url"] + manage_link(site))
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name='kinds']:checked"):
        box.click()
    send(driver, "form button[type='submit']")
    assert has_error(driver)
    navigate(driver, lambda: driver.get(site["url"] + "/feedback/"))
    back_sends_nothing(site, driver, has_error)
