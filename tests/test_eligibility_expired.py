"""我能申请什么 when a page has expired (its security code is out of date: the browser was
closed and the tab restored, say). Every form of the check's pages, sent expired, comes
back with the answers it carried and a fresh code: a question's form as that question, its
choice shown to send again (or the error it would have had), never the problem page."""

import logging
import re

import pytest
from barrierfree.eligibility.questions import BY_ID
from conftest import parse
from test_eligibility import (
    ALL_UNSURE,
    FATHER,
    OLD_CHILD,
    PRIVATE_WORDS,
    STANDING,
    Browser,
    asked_age_again,
    hidden_answers,
    journey,
    ticked,
    translated,
)

EXPIRED = {"csrf_token": ["expired"]}
MESSAGE = "您的回答还在"
MESSAGE_EN = "Your answers are still here"
BOTH = "选了“不确定”，就不要再选别的项"
PAGES = ("/eligibility/questions", "/eligibility/result")


def expired_press(browser: Browser, page, name: str, value: str, choose=None):
    """Press a button of `page` as the browser would, the page's code having expired."""
    return browser.press(page, name, value, choose={**EXPIRED, **(choose or {})})


def summary(response) -> str:
    """The text of the page's error summary."""
    box = parse(response.data).find("div", class_="error-summary")
    return box.text if box is not None else ""


def carried(answers) -> set[tuple[str, str]]:
    return {(question, value) for question, values in answers for value in values}


@pytest.mark.parametrize(
    "question, steps",
    [("needs", FATHER[:-1]), ("categories", FATHER[:4])],
    ids=["needs", "categories"],
)
@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh", "en"])
def test_not_sure_with_another_on_an_expired_page_is_the_error_not_a_lost_journey(
    client, prefix, question, steps
):
    """The review's case: 不确定 and 法律帮助 ticked, 继续 pressed on an expired page. The
    valid page says 选了“不确定”…; the expired one said 没法读取您的回答 and dropped all."""
    browser = Browser(client, prefix)
    page = journey(browser, steps)
    both = {question: ["unsure", "legal" if question == "needs" else "visual"]}
    response = expired_press(browser, page, "action", f"continue:{question}", both)
    assert response.status_code == 400
    doc = parse(response.data)
    assert doc.find("input", type="hidden", name_="asking")["value"] == question
    assert doc.find(id=f"answer-{question}-error") is not None
    if not prefix:
        assert MESSAGE in summary(response) and BOTH in summary(response)
    assert hidden_answers(response) == carried(steps)
    # the boxes as they were ticked, for the resident to untick 不确定 alone
    assert ticked(response) == {question: [*both[question][1:], "unsure"]}
    # with the fresh code, the same choice made right goes on
    following = browser.answer(response, question, both[question][1:])
    assert following.status_code == 200
    assert (question, both[question][1]) in hidden_answers(following)


def test_not_sure_with_another_via_change_on_an_expired_page_keeps_boxes_and_old_answer(client):
    """继续 pressed on an expired page opened by 更改, 不确定 ticked with another: the boxes
    come back as sent, and the old answer is still the one the back button takes back."""
    browser = Browser(client)
    review = journey(browser)
    page = browser.press(review, "action", "change:needs")
    both = {"needs": ["legal", "unsure"]}
    response = expired_press(browser, page, "action", "continue:needs", both)
    assert response.status_code == 400
    assert MESSAGE in summary(response) and BOTH in summary(response)
    assert ticked(response) == both
    opened = parse(response.data).find_all("input", name_="opened")
    assert [field["value"] for field in opened] == ["daily-care"]
    back = browser.press(response, "action", "back:needs")
    assert hidden_answers(back) == hidden_answers(review)


def test_a_choice_sent_from_an_expired_page_is_shown_again_to_send_not_taken(client):
    """The page says it did not go on: the question comes back with the choice ticked, and
    继续 with the fresh code takes it."""
    browser = Browser(client)
    page = journey(browser, FATHER[:3])
    response = expired_press(
        browser, page, "action", "continue:certificate", {"certificate": ["yes"]}
    )
    assert response.status_code == 400
    assert parse(response.data).find("h1").text == "您的家人有残疾人证吗？"
    assert MESSAGE in summary(response)
    assert ticked(response) == {"certificate": ["yes"]}
    assert hidden_answers(response) == carried(FATHER[:3])
    following = browser.press(response, "action", "continue:certificate")
    assert parse(following.data).find("h1").text == "您的家人是哪一类残疾？"


def test_nothing_chosen_on_an_expired_page_asks_for_a_choice_as_the_page_would(client):
    browser = Browser(client)
    page = journey(browser, FATHER[:3])
    response = expired_press(browser, page, "action", "continue:certificate", {"certificate": []})
    assert response.status_code == 400
    assert MESSAGE in summary(response) and "请选择一项" in summary(response)
    assert hidden_answers(response) == carried(FATHER[:3])


@pytest.mark.parametrize(
    "age, gone",
    [("7-15", ("work", "unable")), ("60-plus", ("studying", "no"))],
    ids=["work-no-longer-asked", "studying-no-longer-asked"],
)
def test_a_change_of_age_sent_from_an_expired_page_keeps_every_answer(client, age, gone):
    """Changing age from the check page makes an answer one no longer asked: the valid
    page drops it after 继续; the expired page refused the post as tampered, losing all."""
    steps = FATHER if age != "60-plus" else [*FATHER[:1], ("age", ["18-59"]), *FATHER[2:6],
                                             ("studying", ["no"]), *FATHER[6:]]  # fmt: skip
    browser = Browser(client)
    review = journey(browser, steps)
    page = browser.press(review, "action", "change:age")
    response = expired_press(browser, page, "action", "continue:age", {"age": [age]})
    assert response.status_code == 400
    assert MESSAGE in summary(response)
    assert ticked(response) == {"age": [age]}
    assert gone in hidden_answers(response)
    assert parse(response.data).find("input", name_="return")["value"] == "review"
    following = browser.press(response, "action", "continue:age")
    assert following.status_code == 200
    assert gone not in hidden_answers(following)


@pytest.mark.parametrize("button", [("action", "continue:{}"), ("large", "1")])
@pytest.mark.parametrize("question", ["for_whom", "needs"], ids=["first", "last"])
@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh", "en"])
def test_a_question_opened_by_change_sent_expired_still_returns_to_the_check_page(
    app, client, prefix, question, button
):
    """Sent expired with nothing chosen, or with 大字版, the question opened by 更改 came
    back offering 返回开始页 (the first) or the question before (the others)."""
    browser = Browser(client, prefix)
    review = journey(browser)
    page = browser.press(review, "action", f"change:{question}")
    name, value = button[0], button[1].format(question)
    response = expired_press(browser, page, name, value, {question: []})
    assert response.status_code == 400
    assert (MESSAGE_EN if prefix else MESSAGE) in summary(response)
    back = parse(response.data).find(class_="back-link").find("button")
    assert back.text.strip() == translated(app, prefix, "返回检查您的回答")
    again = browser.press(response, "action", f"back:{question}")
    assert parse(again.data).find("h1").text == translated(app, prefix, "检查您的回答")
    assert hidden_answers(again) == hidden_answers(review)


def buttons(page) -> list[tuple[str, str, str | None]]:
    """Every visible button of the page that posts to the check's questions or result:
    its name, its value and the id of its form."""
    doc = parse(page.data)
    found = []
    for button in doc.find_all("button"):
        if button.has_attr("hidden") or not button.get("name"):
            continue
        form = doc.find("form", id=button["form"]) if button.get("form") else None
        form = form or button.find_parent("form")
        target = button.get("formaction") or (form.get("action") if form else "")
        if form is not None and form.get("method") == "post" and target.endswith(PAGES):
            found.append((button["name"], button.get("value", ""), form.get("id")))
    return found


def kept(response) -> set[tuple[str, str]]:
    """The answers a page carries or shows ticked."""
    ticks = {(name, value) for name, values in ticked(response).items() for value in values}
    return hidden_answers(response) | ticks


def test_every_button_of_every_page_sent_expired_keeps_the_answers(client):
    """A journey where every question is asked (not sure of anything), its check page and
    its result: each button pressed with the page expired, and on the multi-choice questions
    with 不确定 and another ticked as well. Each answers with the expired page's sentence
    and every answer the page carried, never with the problem page."""
    browser = Browser(client)
    journey(browser, ALL_UNSURE)
    browser.press(browser.pages[-1], "view", "standard")
    pages = [
        page for page in browser.pages if page.status_code == 200 and b"csrf_token" in page.data
    ]
    assert len(pages) >= len(ALL_UNSURE) + 2
    pressed = 0
    for page in pages:
        before = hidden_answers(page)
        asking = parse(page.data).find("input", name_="asking")
        both = {}
        if asking is not None and asking["value"] in ("categories", "needs"):
            other = "visual" if asking["value"] == "categories" else "legal"
            both = {asking["value"]: ["unsure", other]}
        for name, value, form in buttons(page):
            for choice in [None, both] if both and form == "question-form" else [None]:
                response = expired_press(browser, page, name, value, choice)
                pressed += 1
                said = summary(response)
                assert response.status_code == 400, (name, value, choice, response.text[:2000])
                assert MESSAGE in said or MESSAGE_EN in said, (name, value, choice)
                assert before <= kept(response), (name, value, choice)
    assert pressed > 3 * len(pages)


def test_an_expired_post_puts_no_answer_in_an_address_or_a_log_line(client, caplog):
    caplog.set_level(logging.DEBUG)
    browser = Browser(client)
    page = journey(browser, FATHER[:-1])
    both = {"needs": ["unsure", "legal"]}
    response = expired_press(browser, page, "action", "continue:needs", both)
    assert response.status_code == 400 and "Location" not in response.headers
    doc = parse(response.data)
    addresses = [form.get("action") for form in doc.find_all("form", action=True)]
    addresses += [button.get("formaction") for button in doc.find_all("button", formaction=True)]
    addresses += [link.get("href") for link in doc.find_all("a", href=True)]
    for question in BY_ID:
        assert not [address for address in addresses if re.search(rf"[?&]{question}=", address)]
    assert not any(word in caplog.text for word in [*PRIVATE_WORDS, "legal", "unsure"])


@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh", "en"])
def test_a_browser_that_keeps_no_cookie_is_told_why_every_page_expires(app, prefix):
    """Without the session cookie no page's code can ever be checked: each 继续 came back
    "expired" for ever. The page says why and what to do, and keeps the choice made."""
    browser = Browser(app.test_client(use_cookies=False), prefix)
    page = browser.press(browser.get("/eligibility/"), "action", "start")
    response = browser.answer(page, "for_whom", ["self"])
    assert response.status_code == 400
    said = summary(response)
    assert MESSAGE_EN in said if prefix else MESSAGE in said
    assert "Cookie" in said if not prefix else "cookie" in said
    assert "12345" in said
    assert ticked(response) == {"for_whom": ["self"]}


def test_an_expired_page_says_nothing_of_cookies_to_a_browser_that_keeps_them(client):
    browser = Browser(client)
    page = journey(browser, FATHER[:3])
    response = expired_press(browser, page, "action", "continue:certificate")
    assert MESSAGE in summary(response) and "Cookie" not in summary(response)


@pytest.mark.parametrize("page", PAGES)
def test_an_expired_page_from_before_the_ages_changed_asks_age_again(app, client, page):
    """Expired and from before the ages split (0 to 6, 7 to 17): age is asked again with a
    fresh code and the answers that stand, never the problem page or a 500."""
    data = {**OLD_CHILD, "action": "review", "view": "standard", **EXPIRED}
    if page.endswith("questions"):
        del data["view"]
    else:
        del data["action"]
    response = client.post(page, data=data)
    asked_age_again(app, response)
    assert hidden_answers(response) == STANDING
    review = Browser(client).answer(response, "age", ["0-5"])  # with the fresh code
    assert review.status_code == 200
    assert parse(review.data).find("h1").text == "检查您的回答"
