"""A chosen photo's name is shown and said as it is written, whatever characters it has."""

from PIL import Image
from selenium.webdriver.common.by import By

from .conftest import wait_for

# "$&", "$'" and "$`" are what String.replace reads as patterns in a replacement text: the
# name was shown as "第 1 张照片已选：a{name}b…" and so on.
NAME = "a$&b$'c$`d$$e.jpg"


def test_a_name_with_dollar_signs_is_shown_and_said_as_written(site, browser, tmp_path):
    """The barrier form shows the whole name of a chosen photo and says it once."""
    photo = tmp_path / NAME
    Image.new("RGB", (64, 48), (90, 120, 160)).save(photo, "JPEG")
    browser.get(site["url"] + "/feedback/barrier")
    shown = browser.find_element(By.ID, "field-photos-chosen")
    browser.find_element(By.ID, "field-photos").send_keys(str(photo))
    wait_for(browser, lambda d: shown.is_displayed())
    assert shown.text == f"第 1 张照片已选：{NAME}"
    wait_for(
        browser,
        lambda d: d.find_element(By.ID, "status").get_attribute("textContent") == shown.text,
    )
