"""我能申请什么 over HTTP: the journey as a browser without JavaScript makes it (it posts
exactly what each page's forms hold), the result, tampered and hostile posts, what is and
is not kept (addresses, the access log, cookies, caches), and the staff's page of rules."""

import io
import logging
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from barrierfree.access_log import AccessLogger
from barrierfree.database import db
from barrierfree.eligibility import results
from barrierfree.eligibility.questions import BY_ID
from barrierfree.eligibility.rules import rules as current_rules
from barrierfree.opening_hours import local_now
from barrierfree.plan.models import Project
from barrierfree.services.queries import published_service
from barrierfree.services.where import where_to_go
from barrierfree.staff.models import EDITOR
from conftest import CJK, is_english, parse, text_outside_lang
from flask import render_template_string
from flask_babel import gettext
from gunicorn.config import Config
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload
from staff_helpers import make_staff, signed_in
from werkzeug.datastructures import MultiDict

START = "/eligibility/"
QUESTIONS = "/eligibility/questions"
RESULT = "/eligibility/result"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

# The Done-when journey: a family member, for a bedridden father with a grade 1 physical
# disability, in a household on the minimum living allowance.
FATHER = [
    ("for_whom", ["family"]),
    ("age", ["60-plus"]),
    ("residence", ["hukou"]),
    ("certificate", ["yes"]),
    ("categories", ["physical"]),
    ("grade", ["1"]),
    ("work", ["unable"]),
    ("household", ["dibao"]),
    ("needs", ["daily-care"]),
]
FATHER_ANSWERS = dict(FATHER)
# Someone not sure of anything: every question is asked, every service may fit.
ALL_UNSURE = [("for_whom", ["self"])] + [(question, ["unsure"]) for question in list(BY_ID)[1:]]
# Answers no address, log line or cookie may show.
PRIVATE_WORDS = ["daily-care", "dibao", "60-plus", "physical", "unable", "hukou"]


class Browser:
    """A test client that submits forms as a browser without JavaScript does: the hidden
    fields and ticked boxes of the button's form, the button's own name and value, to the
    button's formaction or the form's action, with the page it came from as Referer."""

    def __init__(self, client, prefix: str = ""):
        self.client = client
        self.prefix = prefix
        self.visited: list[str] = []
        self.pages: list = []

    def get(self, path: str):
        response = self.client.get(self.prefix + path)
        return self._seen(self.prefix + path, response)

    def press(self, response, name: str, value: str | None = None, choose=None, referer=None):
        """Press the button `name`(=`value`) of the page, first ticking `choose` (a dict of
        field name to the values to tick instead of what is ticked)."""
        doc = parse(response.data)
        button = next(
            b
            for b in doc.find_all("button")
            if b.get("name") == name
            and (value is None or b.get("value") == value)
            and not b.has_attr("hidden")  # the form's default, for Enter: not a button to press
        )
        if button.get("form"):  # a button outside its form names the form
            form = doc.find("form", id=button["form"])
        else:
            form = next(f for f in doc.find_all("form") if button in f.iter())
        fields: dict[str, list[str]] = {}
        for field in form.find_all("input"):
            kind = field.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in field.attrs:
                continue
            fields.setdefault(field.get("name"), []).append(field.get("value", ""))
        for field_name, values in (choose or {}).items():
            fields[field_name] = list(values)
        if button.get("name"):
            fields.setdefault(button.get("name"), []).append(button.get("value", ""))
        action = button.get("formaction") or form.get("action")
        posted = self.client.post(action, data=fields, headers={"Referer": referer or "x"})
        return self._seen(action, posted)

    def answer(self, response, question: str, values: list[str]):
        """Tick `values` on the question page and press 继续."""
        return self.press(response, "action", f"continue:{question}", choose={question: values})

    def _seen(self, path, response):
        self.visited.append(path)
        self.pages.append(response)
        return response


def token(client, prefix: str = "") -> str:
    """A CSRF token of `client`'s session, from the start page."""
    return TOKEN.search(client.get(prefix + START).get_data(as_text=True)).group(1)


def journey(browser: Browser, steps=FATHER):
    """From the start page to the check page, answering `steps` in order."""
    page = browser.press(browser.get(START), "action", "start")
    for question, values in steps:
        assert page.status_code == 200, page.text[:3000]
        page = browser.answer(page, question, values)
    return page


def result_of(browser: Browser, steps=FATHER, view: str = "standard"):
    """The result page of `steps`."""
    result = browser.press(journey(browser, steps), "view", "standard")
    return result if view == "standard" else browser.press(result, "view", view)


def test_a_step_varies_by_no_cookie_so_back_finds_it_after_a_display_change(client):
    """The browser keeps a step (the answer to a POST) only for Back; with Vary: Cookie,
    turning on large text would leave Back asking to send the form again."""
    browser = Browser(client)
    start = browser.get(START)
    assert "cookie" in start.headers.get("Vary", "").lower()  # pages for any visitor
    step = journey(browser, FATHER[:2])
    assert step.request.method == "POST"
    assert "cookie" not in step.headers.get("Vary", "").lower()


def translated(app, prefix: str, message: str) -> str:
    """`message` in the language of `prefix`, as the catalogue has it."""
    locale = {"barrierfree.locale": "en"} if prefix else {}
    with app.test_request_context("/", environ_overrides=locale):
        return gettext(message)


def card(doc, service_title: str):
    """The result's card of the service whose title is `service_title`."""
    heading = next(h for h in doc.find_all("h3") if h.text == service_title)
    return heading.parent


@pytest.fixture(params=["", "/en"], ids=["zh", "en"])
def prefix(request) -> str:
    return request.param


# --- The journey ------------------------------------------------------------------------------


def test_the_start_page_says_what_it_does_and_that_nothing_is_kept(client, prefix):
    doc = parse(client.get(prefix + START).data)
    assert doc.find("h1") is not None
    button = doc.find("button", value="start")
    assert button is not None and button.parent.get("method") == "post"
    if not prefix:
        assert "网站不保存" in doc.find("main").text


@pytest.mark.parametrize("page", ["/", "/services/"])
def test_the_home_page_and_the_services_lead_to_the_check(client, prefix, page):
    assert prefix + START in parse(client.get(prefix + page).data).hrefs


def test_each_question_is_one_fieldset_whose_legend_is_the_h1(client, prefix):
    browser = Browser(client, prefix)
    journey(browser)
    questions = [page for page in browser.pages if b'name="action" value="continue:' in page.data]
    assert len(questions) == len(FATHER)
    for page in questions:
        doc = parse(page.data)
        (h1,) = doc.find_all("h1")
        assert h1.parent.tag == "legend" and h1.parent.parent.tag == "fieldset"
        assert doc.find("html").get("lang") == ("en" if prefix else "zh-CN")


def progress_of(page) -> str:
    """How far a question page says the resident is: the legend's caption, which a screen
    reader says with the question when focus enters the fieldset."""
    legend = parse(page.data).find("fieldset").find("legend")
    return legend.find(class_="question__progress").text


def test_the_progress_is_a_range_until_age_settles_it(client):
    browser = Browser(client)
    journey(browser)
    captions = [progress_of(page) for page in browser.pages if b"continue:" in page.data]
    assert captions[:3] == [
        "第 1 题，共 9 到 10 题",
        "第 2 题，共 9 到 10 题",
        "第 3 题，共 9 题",
    ]
    assert captions[-1] == "第 9 题，共 9 题"


def test_the_progress_is_in_words_in_english_too(client):
    """The progress was "问题 3 / 9", read as a fraction, outside the question's fieldset."""
    browser = Browser(client, "/en")
    journey(browser, FATHER[:2])
    assert progress_of(browser.pages[-2]) == "Question 2 of 9 to 10"
    assert progress_of(browser.pages[-1]) == "Question 3 of 9"


def test_questions_about_someone_else_name_them(client):
    browser = Browser(client)
    page = browser.press(browser.get(START), "action", "start")
    page = browser.answer(page, "for_whom", ["family"])
    assert parse(page.data).find("h1").text == "您的家人多大年纪？"


def test_the_check_page_lists_every_answer_with_a_change_button(client, prefix):
    review = journey(Browser(client, prefix))
    doc = parse(review.data)
    changes = [b.get("value") for b in doc.find_all("button", name_="action")]
    assert [v for v in changes if v.startswith("change:")] == [f"change:{q}" for q, _ in FATHER]
    assert doc.find("button", value="standard").get("formaction") == prefix + RESULT


def test_answers_whose_words_hold_a_comma_are_set_apart_on_the_check_page(client):
    """Two needs ran together: "康复（康复训练、康复治疗）、辅助器具（比如轮椅、助听器、假肢）"."""
    needs = ["rehabilitation", "assistive-devices"]
    review = journey(Browser(client), [*FATHER[:-1], ("needs", needs)])
    row = parse(review.data).find("button", value="change:needs").parent
    assert "康复（康复训练、康复治疗）；辅助器具（比如轮椅、助听器、假肢）" in row.text


def test_done_when_the_father_gets_both_allowances_as_very_likely_in_chinese(client):
    doc = parse(result_of(Browser(client)).data)
    likely = doc.find("section", aria_labelledby="likely-heading")
    care = card(likely, "重度残疾人护理补贴")
    assert "因为您选了：一级、需要长期照护。" in care.text
    assert "联系负责这项服务的区民政局，问清楚能不能申请、要带什么材料、去哪里办。" in care.text
    assert "/departments/civil-affairs-bureau" in care.hrefs
    assert "/services/severe-disability-care-allowance" in care.hrefs
    living = card(likely, "困难残疾人生活补贴")
    assert "因为您选了：低保。" in living.text
    assert "/departments/civil-affairs-bureau" in living.hrefs
    assert "tel:12345" in doc.find("section", aria_labelledby="anyone-heading").hrefs
    assert "网站没有保存您的回答" in doc.find("main").text


def test_done_when_the_father_gets_both_allowances_as_very_likely_in_english(app, client):
    doc = parse(result_of(Browser(client, "/en")).data)
    assert doc.find("html").get("lang") == "en"
    likely = doc.find("section", aria_labelledby="likely-heading")
    care = card(likely, "Care allowance for people with severe disabilities")
    # the answers behind it, in lower case inside the sentence
    assert "Because you chose: grade 1, needs long-term care." in care.text
    assert "grade 1 or 2 and who need long-term care" in care.text
    assert "District Civil Affairs Bureau" in care.text
    assert "/en/services/severe-disability-care-allowance" in care.hrefs
    living = card(likely, "Living allowance for disabled people with financial difficulties")
    assert "households on the minimum living allowance (dibao)" in living.text
    assert "/en/departments/civil-affairs-bureau" in living.hrefs


def test_a_possible_service_says_what_to_verify_and_cites_its_sources(client):
    doc = parse(result_of(Browser(client)).data)
    possible = doc.find("section", aria_labelledby="possible-heading")
    care = card(possible, "托养和照护服务")
    assert "需要核实：" in care.text and "请问区民政局" in care.text
    assert "/plan/measures/3-6" in care.hrefs


# The father's answers, but his hukou is in Chiping District and he lives elsewhere.
FATHER_AWAY = [(q, ["away"] if q == "residence" else v) for q, v in FATHER]
# Someone 18 to 59 not sure about work: two rules of 职业技能培训 ask about it.
WORK_UNSURE = [
    ("for_whom", ["self"]),
    ("age", ["18-59"]),
    ("residence", ["hukou"]),
    ("certificate", ["yes"]),
    ("categories", ["physical"]),
    ("grade", ["4"]),
    ("studying", ["no"]),
    ("work", ["unsure"]),
    ("household", ["none"]),
    ("needs", ["rehabilitation"]),
]


@pytest.mark.parametrize(
    ("prefix", "away", "cross_province", "allowances", "rukang"),
    [
        (
            "",
            "规划没有写人不在茌平区住",
            "跨省通办",
            ("重度残疾人护理补贴", "困难残疾人生活补贴"),
            "“如康家园”残疾人之家",
        ),
        (
            "/en",
            "does not say whether someone who does not live in Chiping District can apply",
            "any province",
            (
                "Care allowance for people with severe disabilities",
                "Living allowance for disabled people with financial difficulties",
            ),
            "Rukang Home community centres for disabled people",
        ),
    ],
    ids=["zh", "en"],
)
def test_living_away_gives_the_cross_province_rule_to_the_two_allowances_alone(
    client, prefix, away, cross_province, allowances, rukang
):
    doc = parse(result_of(Browser(client, prefix), FATHER_AWAY).data)
    possible = doc.find("section", aria_labelledby="possible-heading")
    titles = [heading.text for heading in possible.find_all("h3")]
    assert set(allowances) | {rukang} <= set(titles)
    for title in titles:
        text = card(possible, title).text
        assert (away in text) == (title not in allowances), title
        assert (cross_province in text) == (title in allowances), title
    for title in allowances:
        assert prefix + "/plan/measures/1-3" in card(possible, title).hrefs
    assert prefix + "/plan/measures/1-3" not in card(possible, rukang).hrefs


# The tester's answers: 多重残疾 chosen alone, without saying which kinds.
MULTIPLE_ALONE = [
    ("for_whom", ["family"]),
    ("age", ["18-59"]),
    ("residence", ["hukou"]),
    ("certificate", ["yes"]),
    ("categories", ["multiple"]),
    ("grade", ["1"]),
    ("studying", ["no"]),
    ("work", ["unable"]),
    ("household", ["dibao"]),
    ("needs", ["communication"]),
]
# The services a category decides, which 多重残疾 alone once left among the rest.
BY_CATEGORY = ("“如康家园”残疾人之家", "盲人阅览室和盲人文化服务", "听力言语残疾人视频手语服务平台")


def test_multiple_disabilities_alone_shows_each_category_s_services_and_says_why(client):
    """Rukang Home was under 这些服务看起来不适合您的家人, and the reading room and the
    sign-language platform were not offered: each is possible now, its card saying why."""
    browser = Browser(client)
    doc = parse(result_of(browser, MULTIPLE_ALONE).data)
    possible = doc.find("section", aria_labelledby="possible-heading")
    for title in BY_CATEGORY:
        text = card(possible, title).text
        assert "您选了多重残疾，没有选是哪几类。" in text and "把每一类也选上" in text, title
    likely = doc.find("section", aria_labelledby="likely-heading")
    assert "多重残疾" not in likely.text
    easy = parse(browser.press(browser.pages[-1], "view", "easy").data)
    for title in BY_CATEGORY:
        assert "您选了多重残疾，没有说是哪几类。" in [p.text for p in card(easy, title)("p")]


@pytest.mark.parametrize(
    ("prefix", "whom", "who"),
    [
        ("", "self", "您"),
        ("", "family", "您的家人"),
        ("", "other", "您帮忙查询的人"),
        ("/en", "family", "your family member"),
    ],
)
@pytest.mark.parametrize("view", ["standard", "easy"])
def test_a_result_names_whom_the_check_is_for(client, prefix, whom, who, view):
    """Checking for a relative, the result says what may suit the relative, not "you"."""
    steps = [("for_whom", [whom])] + FATHER[1:]
    doc = parse(result_of(Browser(client, prefix), steps, view).data)
    headings = [heading.text for heading in doc.find("main").find_all(["h1", "h2"])]
    assert sum(who in heading for heading in headings) >= 2, headings
    if whom != "self":
        assert not any(heading.endswith("适合您") for heading in headings), headings
        assert who in doc.find("title").text


def living(residence: str) -> list[tuple[str, list[str]]]:
    """FATHER's answers with another answer on residence."""
    return [(q, [residence] if q == "residence" else v) for q, v in FATHER]


# What the easy read's opening says for each answer on residence but hukou (none of it).
EASY_RESIDENCE = {
    "away": "要不要回茌平区办",
    "elsewhere": "能不能在茌平区申请，去问下面写的部门。",
    "resident": "户口不在茌平区，人住在茌平区。",
    "unsure": "不确定户口在不在茌平区。",
}
# Said for a hukou that is, or may be, elsewhere: the standard result's 低保 card says it.
WHERE_THE_HUKOU_IS = "有的服务要去户口所在地申请，比如低保。"


@pytest.mark.parametrize("residence", [*EASY_RESIDENCE, "hukou"])
def test_the_easy_read_result_says_what_living_elsewhere_means(client, residence):
    """The easy read gives no check's words, so it says once, at the top, what to ask
    first when the hukou or the person is not in Chiping District (or may not be)."""
    page = result_of(Browser(client), living(residence), "easy")
    intro = parse(page.data).find("div", class_="easy-read")
    for answer, text in EASY_RESIDENCE.items():
        assert (text in intro.text) == (answer == residence), text
    elsewhere = residence in ("resident", "unsure")
    assert (intro.text.count(WHERE_THE_HUKOU_IS), "户籍" in intro.text) == (int(elsewhere), False)
    assert intro.text.count("能不能在茌平区申请，要先问清楚。") == int(elsewhere)


@pytest.mark.parametrize(
    ("prefix", "title", "offices", "dibao"),
    [
        ("", "最低生活保障（低保）", "去问那里的残联、民政部门。", "去问户口所在地的民政部门。"),
        (
            "/en",
            "Minimum living allowance (dibao)",
            "ask the disabled persons' federation or the civil affairs department there.",
            "Ask the civil affairs department where the hukou is.",
        ),
    ],
    ids=["zh", "en"],
)
def test_the_easy_read_sends_people_from_elsewhere_to_the_office_the_standard_result_names(
    client, prefix, title, offices, dibao
):
    """The easy read sent someone from elsewhere only to the federation, 低保 and all; the
    standard result names the federation and civil affairs, and for 低保 (国务院令第649号)
    the township where the hukou is and civil affairs there."""
    steps = [(q, ["low-income"] if q == "household" else v) for q, v in living("elsewhere")]
    doc = parse(result_of(Browser(client, prefix), steps, "easy").data)
    assert card(doc, title)
    intro = doc.find("div", class_="easy-read").text
    assert offices in intro and dibao in intro
    assert not prefix or not CJK.search(intro)
    father = parse(result_of(Browser(client, prefix), living("elsewhere"), "easy").data)
    intro = father.find("div", class_="easy-read").text
    assert offices in intro and dibao not in intro  # no 低保 listed: nothing said of it


def test_the_easy_read_says_where_the_hukou_decides_in_english_too(client):
    page = result_of(Browser(client, "/en"), living("resident"), "easy")
    intro = parse(page.data).find("div", class_="easy-read").text
    assert "Hukou somewhere else, home in Chiping District." in intro
    assert "ask first: can the application be made in Chiping District?" in intro
    assert "Some services are applied for where the hukou is" in intro
    assert not CJK.search(intro)


@pytest.mark.parametrize("whom", ["self", "family"])
def test_living_away_reads_in_english_whoever_the_check_is_for(client, whom):
    """The Chinese names no one (您选了户籍在茌平区、现在住在别的地方): nor does the English,
    which once told a resident checking for themselves that "the person" lives elsewhere."""
    steps = [("for_whom", [whom])] + FATHER_AWAY[1:]
    main = parse(result_of(Browser(client, "/en"), steps).data).find("main")
    said = "You said the hukou is in Chiping District but the home is now elsewhere."
    possible = main.find("section", aria_labelledby="possible-heading")
    for title in (
        "Care allowance for people with severe disabilities",
        "Rukang Home community centres for disabled people",
    ):
        text = card(possible, title).text
        assert said in text and "the person now lives" not in text, title
    easy = parse(result_of(Browser(client, "/en"), steps, "easy").data)
    intro = easy.find("div", class_="easy-read").text
    assert "Hukou in Chiping District, home somewhere else." in intro
    assert "where the home is now, or only in Chiping District?" in intro
    assert "person" not in intro and "they" not in intro


# Words that name the one the check is for as someone else: a resident checking for
# themselves read "You said the person is in work".
SOMEONE_ELSE = {"": re.compile("这个人"), "/en": re.compile(r"\b(?:the|this) person\b", re.I)}


@pytest.mark.parametrize("residence", BY_ID["residence"].codes)
def test_a_check_for_oneself_never_calls_the_resident_someone_else(client, prefix, residence):
    """Every page after 为谁查询, for a resident checking for themselves, every rule matched
    (all 不确定, so every card is shown with what to check), each answer on residence, both
    versions of the result: nothing calls them "the person"."""
    steps = [
        (q, [residence] if q == "residence" else ["employed"] if q == "work" else v)
        for q, v in ALL_UNSURE
    ]
    browser = Browser(client, prefix)
    browser.press(result_of(browser, steps), "view", "easy")
    pages = browser.pages[2:]  # after the start page and 为谁查询 itself
    assert len(pages) == len(steps) + 2  # the other questions, the check page, two results
    for page in pages:
        main = parse(page.data).find("main").text
        assert not SOMEONE_ELSE[prefix].findall(main), SOMEONE_ELSE[prefix].findall(main)


def test_question_words_fit_a_check_for_oneself_and_for_someone_else(app, prefix):
    """A question's title, hint and answers are the same whoever the check is for: none
    names that one in the third person ("Where they live", "Runs their own business")."""
    pronoun = re.compile(r"\b(?:the|this) person|\b(?:they|their|them)\b", re.I)
    for question in BY_ID.values():
        if question.id == "for_whom":
            continue  # asked before anyone is chosen: it names both
        words = [question.title, question.hint, *[o.label for o in question.options]]
        words += [option.short for option in question.options]
        locale = {"barrierfree.locale": "en"} if prefix else {}
        with app.test_request_context("/", environ_overrides=locale):
            texts = [str(word) for word in words if word]
        for text in texts:
            assert not pronoun.search(text) and "这个人" not in text, text


@pytest.mark.parametrize(("whom", "who"), [("self", "you"), ("family", "your family member")])
def test_the_result_says_whose_service_the_department_decides(client, whom, who):
    """A resident checking for a relative was told "Whether you can get a service"."""
    steps = [("for_whom", [whom])] + FATHER[1:]
    browser = Browser(client, "/en")
    standard = parse(result_of(browser, steps).data).find("main").text
    easy = parse(browser.press(browser.pages[-1], "view", "easy").data).find("main").text
    assert f"Whether {who} can get a service is for the department in charge" in standard
    assert f"The department will tell you if {who} can get it." in easy


@pytest.mark.parametrize("steps", [WORK_UNSURE, ALL_UNSURE], ids=["work-unsure", "all-unsure"])
def test_a_card_says_each_answer_behind_it_once(client, steps):
    doc = parse(result_of(Browser(client), steps).data)
    possible = doc.find("section", aria_labelledby="possible-heading")
    if steps is WORK_UNSURE:
        training = card(possible, "职业技能培训").text
        assert training.count("您选了“不确定”：工作。") == 1
    for heading in possible.find_all("h3"):
        said = re.findall(r"(?:因为您选了|您选了“不确定”)：[^。]*。", heading.parent.text)
        assert len(said) == len(set(said)), heading.text


def test_rehabilitation_fitness_says_its_words_once_when_the_need_is_not_sure(client, prefix):
    """Both of its rules match 不确定, and the card gave two near-identical sentences."""
    steps = [*FATHER[:-1], ("needs", ["unsure"])]
    doc = parse(result_of(Browser(client, prefix), steps).data)
    title, said = (
        ("Rehabilitation fitness and sport for disabled people", "fitness and sport are to be")
        if prefix
        else ("残疾人康复健身体育", "开展残疾人康复健身体育活动")
    )
    assert card(doc, title).text.count(said) == 1


# A child under 6 whose hukou is elsewhere, living in Chiping District, needing rehabilitation.
CHILD_HUKOU_ELSEWHERE = [
    ("for_whom", ["family"]),
    ("age", ["0-5"]),
    ("residence", ["resident"]),
    ("certificate", ["yes"]),
    ("categories", ["hearing"]),
    ("grade", ["2"]),
    ("studying", ["preschool"]),
    ("household", ["none"]),
    ("needs", ["rehabilitation"]),
]
# What the card of 残疾儿童康复救助 says for each answer on residence, in each language: where
# 国发〔2018〕20号 has the aid applied for, and whom to ask where the plan is silent.
CHILD_AID_SAYS = {
    "hukou": ("", ""),
    "resident": (
        "居住证是茌平区发的，向区残联申请；不是的，请问户籍所在地的残联。",
        "If the residence permit was issued in Chiping District, apply to the District "
        "Disabled Persons' Federation; if not, ask the disabled persons' federation where "
        "the hukou is.",
    ),
    "unsure": (
        "户籍在茌平区，或者居住证是茌平区发的，向区残联申请；都不是的，请问户籍所在地的残联。",
        "If the hukou is in Chiping District, or the residence permit was issued there, apply "
        "to the District Disabled Persons' Federation; if neither, ask the disabled persons' "
        "federation where the hukou is.",
    ),
    "away": (
        "户籍在茌平区，就是向区残联申请。要不要回茌平区办，规划没有写，请问区残联；"
        "不在茌平区，也可以在本站网上写给区残联。",
        "with the hukou in Chiping District, that is the District Disabled Persons' "
        "Federation. The plan does not say whether the application must be made back in "
        "Chiping District, so ask the District Disabled Persons' Federation; away from "
        "Chiping District, you can also write to it online on this site.",
    ),
    "elsewhere": (
        "这里列的是茌平区的服务。《国务院关于建立残疾儿童康复救助制度的意见》规定",
        "These are Chiping District's services. The State Council's Opinions",
    ),
}


# What the general residence checks say, which other services keep.
GENERAL_CHECK = {
    "resident": ("规划没有写，请先问负责的部门", "so ask the department first"),
    "unsure": ("规划没有写，请先问负责的部门", "so ask the department first"),
    "away": ("请先向负责的部门问清楚", "so check with the department first"),
    "elsewhere": ("能不能在茌平区申请，请问这些部门", "Ask these departments whether"),
}


@pytest.mark.parametrize("residence", list(CHILD_AID_SAYS))
def test_rehabilitation_aid_for_a_child_says_where_to_apply_for_each_residence(
    client, prefix, residence
):
    """国发〔2018〕20号, as the service's page quotes it, for every answer on residence: a
    hukou or a residence permit in Chiping District means 区残联, otherwise the federation
    where the hukou (or the permit) is; no card says only that the plan is silent."""
    steps = [(q, [residence] if q == "residence" else v) for q, v in CHILD_HUKOU_ELSEWHERE]
    doc = parse(result_of(Browser(client, prefix), steps).data)
    title = "Rehabilitation assistance for disabled children" if prefix else "残疾儿童康复救助"
    aid = card(doc, title).text
    assert CHILD_AID_SAYS[residence][1 if prefix else 0] in aid
    # With the hukou in Chiping District the aid very likely fits, with nothing to check.
    assert (("需要核实：" if not prefix else "To check:") in aid) == (residence != "hukou")
    language = 1 if prefix else 0
    assert not [words[language] for words in GENERAL_CHECK.values() if words[language] in aid]
    # Another service keeps the general check of its residence.
    doctor = (
        "Family doctor services and easier access to medical care"
        if prefix
        else "家庭医生签约服务和就医便利"
    )
    general = GENERAL_CHECK.get(residence, ("", ""))[language]
    assert general in card(doc, doctor).text


def test_a_card_names_every_question_answered_not_sure_once_at_its_top(client, prefix):
    """Three paragraphs in a row began 您对这些问题选了“不确定”：, each with some of them."""
    doc = parse(result_of(Browser(client, prefix), ALL_UNSURE).data)
    care = doc.find("section", aria_labelledby="possible-heading").find("li", class_="card")
    lines = [p.text for p in care.find_all("p", recursive=False)]
    if prefix:
        assert lines[0] == (
            'You answered "Not sure" to: Kind of disability, grade of disability, help needed.'
        )
    else:
        assert lines[0] == "您选了“不确定”：残疾类别、残疾等级、需要的帮助。"
    assert not [line for line in lines[1:] if "选了“不确定”：" in line or '"Not sure" to' in line]


def test_the_easy_read_says_nin_as_the_rest_of_the_site_does(client):
    """It mixed 你 (你选了, 告诉你) with the 您 of its headings."""
    browser = Browser(client)
    steps = [*FATHER[:2], ("residence", ["elsewhere"]), *FATHER[3:]]
    main = parse(result_of(browser, steps, "easy").data).find("main")
    assert "您" in main.text and "你" not in main.text


def test_a_change_button_is_named_in_one_sentence(client, prefix):
    """Read as "更改 ：为谁查询": the hidden words beside the visible one got a space."""
    doc = parse(journey(Browser(client, prefix)).data)
    button = doc.find("button", value="change:for_whom")
    shown, hidden = button.find_all("span")
    assert shown.get("aria-hidden") == "true" and "visually-hidden" in hidden.classes
    assert hidden.text == ("Change: " if prefix else "更改：") + doc.find("dt").text


def test_answers_behind_one_rule_s_words_are_one_sentence(client):
    """Two rules with the same words read 因为您选了：有残疾人证。因为您选了：需要信息…。"""
    steps = [*FATHER[:-1], ("needs", ["communication"])]
    doc = parse(result_of(Browser(client), steps).data)
    discount = card(doc, "残疾人信息消费优惠（话费、流量、宽带）").text
    assert discount.count("因为您选了") == 1, discount
    assert re.search("因为您选了：有残疾人证、[^。]*信息", discount), discount


BECAUSE_ONLY = re.compile(r"(?:因为您选了：[^。]*。)+")


@pytest.mark.parametrize(
    "steps", [FATHER, WORK_UNSURE, ALL_UNSURE], ids=["father", "work", "unsure"]
)
def test_every_reason_a_card_gives_ends_with_the_rule_it_meets(client, steps):
    """A reason is never left as a bare "you chose …": two rules with the same words give
    one paragraph, every answer behind them first, then the words once."""
    doc = parse(result_of(Browser(client), steps).data)
    for section in ("likely-heading", "possible-heading"):
        for heading in doc.find("section", aria_labelledby=section).find_all("h3"):
            texts = [p.text for p in heading.parent.find_all("p")]
            assert not [text for text in texts if BECAUSE_ONLY.fullmatch(text)], heading.text


def test_many_answers_of_not_sure_are_said_to_widen_the_result(client, prefix):
    said = "9 个问题选了“不确定”" if not prefix else 'You answered "Not sure" to 9 questions'
    for view in ("standard", "easy"):
        unsure = parse(result_of(Browser(client, prefix), ALL_UNSURE, view=view).data)
        assert said in unsure.find("main").text, view
    father = parse(result_of(Browser(client, prefix)).data).find("main")
    assert "个问题选了“不确定”" not in father.text and "questions, so many" not in father.text


@pytest.mark.parametrize("view", ["standard", "easy"])
def test_a_result_offers_a_written_way_to_ask_beside_the_phone(client, prefix, view):
    """Deaf residents and people who cannot speak on the phone are not left with 12345."""
    main = parse(result_of(Browser(client, prefix), view=view).data).find("main")
    assert prefix + "/feedback/ask" in main.hrefs
    assert "tel:12345" in main.hrefs


def test_the_easy_read_is_offered_near_the_top_as_well_as_at_the_end(client, prefix):
    """Offered only at the end, it was 74 Tab presses and many screens of large text away."""
    doc = parse(result_of(Browser(client, prefix)).data)
    main = doc.find("main")
    offers = [b for b in main.find_all("button", name="view") if b.get("value") == "easy"]
    assert len(offers) == 2
    order = main.iter()
    assert order.index(offers[0]) < order.index(main.find(id="likely-heading"))
    ids = [element["id"] for element in doc.iter() if element.has_attr("id")]
    assert len(ids) == len(set(ids))
    for offer in offers:  # each a form of its own, with the answers, without JavaScript
        form = next(f for f in main.find_all("form") if offer in f.iter())
        fields = [(i["name"], i["value"]) for i in form.find_all("input", type="hidden")]
        posted = client.post(form["action"], data=MultiDict([*fields, ("view", "easy")]))
        assert posted.status_code == 200
        assert parse(posted.data).find("div", class_="easy-read") is not None


def test_the_easy_read_result_says_one_thing_a_line(client):
    doc = parse(result_of(Browser(client), view="easy").data)
    care = card(doc, "重度残疾人护理补贴")
    lines = [p.text for p in care.find_all("p")]
    assert lines[:3] == ["您选了：一级。", "您选了：需要长期照护。", "去问：区民政局。"]
    assert all(len(line) <= 20 for line in lines)
    # 去问 leads to the department's page, which says how to reach it.
    assert "/departments/civil-affairs-bureau" in care.hrefs


def test_the_rest_are_shown_on_request(client):
    browser = Browser(client)
    page = result_of(browser)
    rest = parse(page.data).find("section", aria_labelledby="rest-heading")
    assert rest.find("ul") is None
    page = browser.press(page, "view", "all")
    rest = parse(page.data).find("section", aria_labelledby="rest-heading")
    assert "/services/legal-aid" in rest.hrefs


def test_showing_the_rest_leads_to_them_under_a_title_that_says_so(client, prefix):
    """The page came back at the top, under the same title: nothing said the rest was
    there, or took the reader to it."""
    browser = Browser(client, prefix)
    page = result_of(browser)
    doc = parse(page.data)
    (button,) = doc.find_all("button", value="all")
    form = next(f for f in doc.find_all("form") if button in f.iter())
    assert form["action"] == f"{prefix}{RESULT}#rest-heading"
    shown = parse(browser.press(page, "view", "all").data)
    heading = shown.find(id="rest-heading")
    assert heading.name == "h2" and heading["tabindex"] == "-1"
    assert shown.find("title").text != doc.find("title").text


def test_the_back_button_posts_the_answers_to_the_question_before(client):
    browser = Browser(client)
    page = browser.press(browser.get(START), "action", "start")
    page = browser.answer(page, "for_whom", ["family"])
    page = browser.answer(page, "age", ["60-plus"])
    page = browser.press(page, "action", "back:residence")
    doc = parse(page.data)
    assert doc.find("h1").text == "您的家人多大年纪？"
    assert doc.find("input", type="radio", value="60-plus").get("checked") is not None


def test_going_back_and_on_shows_each_question_again_with_its_answer(client):
    browser = Browser(client)
    review = journey(browser)
    page = browser.press(review, "action", "back:review")
    page = browser.press(page, "action", "back:needs")
    assert "checked" in parse(page.data).find("input", type="radio", value="dibao").attrs
    page = browser.answer(page, "household", ["low-income"])
    needs = parse(page.data).find("input", type="checkbox", value="daily-care")
    assert needs.get("checked") is not None


def test_a_change_from_the_check_page_returns_there_keeping_the_rest(client):
    browser = Browser(client)
    review = journey(browser)
    page = browser.press(review, "action", "change:grade")
    assert parse(page.data).find("input", name_="return").get("value") == "review"
    review = browser.press(page, "action", "continue:grade", choose={"grade": ["2"]})
    text = parse(review.data).find("dl").text
    assert "二级" in text and "低保" in text and "60周岁或以上" in text


def back_link(page) -> str:
    """The words of the page's back link (a link, or a button posting the answers)."""
    return parse(page.data).find(class_="back-link").find(["a", "button"]).text.strip()


@pytest.mark.parametrize("question", [question for question, _values in FATHER])
def test_back_from_a_question_opened_by_change_returns_to_the_check_page(
    app, client, prefix, question
):
    """The first question's back link went to the start page, and every answer was lost;
    the others went back to the check page but said "the previous question"."""
    browser = Browser(client, prefix)
    review = journey(browser)
    page = browser.press(review, "action", f"change:{question}")
    assert back_link(page) == translated(app, prefix, "返回检查您的回答")
    again = browser.press(page, "action", f"back:{question}")
    assert parse(again.data).find("h1").text == translated(app, prefix, "检查您的回答")
    assert hidden_answers(again) == hidden_answers(review)


def shown_again(browser: Browser, page, question: str, state: str):
    """The question page `page` shown again in `state`: after 继续 with nothing chosen,
    after the header's 大字版 or language button (without JavaScript each sends the
    question's own form, to the page itself)."""
    if state == "nothing-chosen":
        return browser.press(page, "action", f"continue:{question}", choose={question: []})
    if state == "large-text":
        return browser.press(page, "large", "1")
    button = parse(page.data).find("header").find("button", class_="language-link")
    return browser.press(page, "action", button["value"])


@pytest.mark.parametrize("state", ["nothing-chosen", "large-text", "other-language"])
@pytest.mark.parametrize("question", ["for_whom", "needs"], ids=["first", "last"])
def test_a_question_opened_by_change_and_shown_again_still_returns_to_the_check_page(
    app, client, prefix, question, state
):
    """Shown again, the question opened by 更改 lost its way back: the first one offered
    返回开始页 (a link, every answer lost), the others the question before, as its own
    answer is not among those its page carries. The answer it was opened with goes back."""
    browser = Browser(client, prefix)
    review = journey(browser)
    page = browser.press(review, "action", f"change:{question}")
    again = shown_again(browser, page, question, state)
    assert again.status_code == (400 if state == "nothing-chosen" else 200)
    assert parse(again.data).find("input", name_="asking")["value"] == question
    shown_in = "/en" if (state == "other-language") != bool(prefix) else ""
    assert back_link(again) == translated(app, shown_in, "返回检查您的回答")
    back = browser.press(again, "action", f"back:{question}")
    assert back.status_code == 200
    assert parse(back.data).find("h1").text == translated(app, shown_in, "检查您的回答")
    assert hidden_answers(back) == hidden_answers(review)


def test_a_question_opened_by_change_shown_again_twice_still_takes_a_new_answer(client):
    """An error, then 大字版: the back link still leads to the check page, and 继续 with
    a choice changes the answer there, as on the page 更改 opened."""
    browser = Browser(client)
    review = journey(browser)
    page = browser.press(review, "action", "change:for_whom")
    page = shown_again(browser, page, "for_whom", "nothing-chosen")
    page = shown_again(browser, page, "for_whom", "large-text")
    assert back_link(page) == "返回检查您的回答"
    changed = browser.answer(page, "for_whom", ["self"])
    assert parse(changed.data).find("h1").text == "检查您的回答"
    expected = (hidden_answers(review) - {("for_whom", "family")}) | {("for_whom", "self")}
    assert hidden_answers(changed) == expected


@pytest.mark.parametrize("state", ["nothing-chosen", "large-text"])
@pytest.mark.parametrize("question", [question for question, _values in ALL_UNSURE])
def test_a_question_opened_by_change_and_shown_again_keeps_its_progress(
    client, prefix, question, state
):
    """Shown again, age opened by 更改 counted as unanswered: "第 2 题，共 10 题" became
    "第 2 题，共 9 到 10 题". Every question reads as the page 更改 opened, which is its
    first pass from the third question on (before age is answered, a range: see
    test_the_progress_is_a_range_until_age_settles_it)."""
    first_pass = Browser(client, prefix)
    review = journey(first_pass, ALL_UNSURE)
    asked = [progress_of(page) for page in first_pass.pages if b"continue:" in page.data]
    browser = Browser(client, prefix)
    page = browser.press(review, "action", f"change:{question}")
    opened = progress_of(page)
    again = shown_again(browser, page, question, state)
    assert progress_of(again) == opened
    number = [q for q, _values in ALL_UNSURE].index(question) + 1
    said = "Question {number} of 10" if prefix else "第 {number} 题，共 10 题"
    assert opened == said.format(number=number)  # every question asked: a count, no range
    if number > 2:
        assert opened == asked[number - 1]


def test_age_opened_by_change_and_shown_again_counts_the_questions_its_answer_asks(client, prefix):
    """The father is 60 or over: 上学 is not asked, nine questions; not a range."""
    browser = Browser(client, prefix)
    page = browser.press(journey(browser), "action", "change:age")
    again = shown_again(browser, page, "age", "nothing-chosen")
    assert again.status_code == 400
    assert progress_of(again) == ("Question 2 of 9" if prefix else "第 2 题，共 9 题")


def test_a_question_added_by_a_change_and_shown_again_goes_back_to_the_one_before(client):
    """A question the change of age adds was not answered on the check page: after its
    error it still goes back to the question before it."""
    browser = Browser(client)
    page = browser.press(journey(browser), "action", "change:age")
    page = browser.press(page, "action", "continue:age", choose={"age": ["18-59"]})
    page = shown_again(browser, page, "studying", "nothing-chosen")
    assert back_link(page) == "返回上一个问题"
    assert parse(page.data).find("input", name_="opened") is None


def test_a_question_s_back_link_says_where_it_goes(client):
    """To the start page from the first question, else to the question before: also while
    changing an answer, on a question the change adds, whose answer the check page lacks."""
    browser = Browser(client)
    page = browser.press(browser.get(START), "action", "start")
    assert back_link(page) == "返回开始页"
    assert back_link(browser.answer(page, "for_whom", ["family"])) == "返回上一个问题"
    page = browser.press(journey(Browser(client)), "action", "change:age")
    page = browser.press(page, "action", "continue:age", choose={"age": ["18-59"]})
    assert back_link(page) == "返回上一个问题"
    back = browser.press(page, "action", "back:studying")
    assert parse(back.data).find("h1").text == "您的家人是几级残疾？"  # asked before it


def test_a_change_of_age_asks_the_question_it_adds_then_returns(client):
    browser = Browser(client)
    review = journey(browser)
    page = browser.press(review, "action", "change:age")
    page = browser.press(page, "action", "continue:age", choose={"age": ["18-59"]})
    assert parse(page.data).find("h1").text == "您的家人现在在上学吗？"
    review = browser.press(page, "action", "continue:studying", choose={"studying": ["no"]})
    assert parse(review.data).find("h1").text == "检查您的回答"


def test_a_change_of_age_drops_the_answer_no_longer_asked(client):
    browser = Browser(client)
    review = journey(browser)
    page = browser.press(review, "action", "change:age")
    page = browser.press(page, "action", "continue:age", choose={"age": ["7-15"]})
    page = browser.press(page, "action", "continue:studying", choose={"studying": ["compulsory"]})
    doc = parse(page.data)
    assert doc.find("h1").text == "检查您的回答"
    assert doc.find("input", name_="work") is None


def test_the_other_language_button_carries_the_answers(client):
    browser = Browser(client)
    review = journey(browser)
    button = parse(review.data).find("button", lang="en")
    page = browser.press(review, "action", button.get("value"))
    doc = parse(page.data)
    assert doc.find("html").get("lang") == "en"
    assert len(doc.find_all("input", type="hidden")) > len(FATHER)


def hidden_answers(response) -> set[tuple[str, str]]:
    """The answers a page carries in the hidden fields of its main forms."""
    main = parse(response.data).find("main")
    return {
        (field["name"], field["value"])
        for field in main.find_all("input", type="hidden")
        if field["name"] in BY_ID
    }


@pytest.mark.parametrize("pages", [1, 3, len(FATHER)])
def test_the_display_toggle_keeps_the_answers(client, prefix, pages):
    """Without JavaScript the header's 大字版 posted to /display, whose redirect back to
    the page lost every answer; on the check's pages it posts them to the page itself."""
    browser = Browser(client, prefix)
    page = browser.press(browser.get(START), "action", "start")
    for question, values in FATHER[:pages]:
        page = browser.answer(page, question, values)
    before = parse(page.data)
    switched = browser.press(page, "large", "1")
    after = parse(switched.data)
    assert switched.status_code == 200
    assert "large" in after.find("html")["class"]
    assert client.get_cookie("display").value == "large"
    assert after.find("h1").text == before.find("h1").text
    assert hidden_answers(switched) == hidden_answers(page) != set()
    back = browser.press(switched, "large", "0")
    assert "large" not in (parse(back.data).find("html").get("class") or [])
    assert hidden_answers(back) == hidden_answers(page)


def ticked(response) -> dict[str, list[str]]:
    """The boxes ticked on a question page."""
    main = parse(response.data).find("main")
    found: dict[str, list[str]] = {}
    for box in main.find_all("input", checked=True):
        found.setdefault(box["name"], []).append(box["value"])
    return found


@pytest.mark.parametrize(
    "button",
    [("large", "1"), ("contrast", "1"), ("action", "show:categories")],
    ids=["large-text", "high-contrast", "the-other-language"],
)
def test_a_choice_not_yet_sent_survives_the_header_buttons(client, prefix, button):
    """Without JavaScript the header's buttons send the question's own form: the boxes
    ticked and not yet sent come back ticked, and the answers before them too."""
    browser = Browser(client, prefix)
    page = browser.press(browser.get(START), "action", "start")
    for question, values in FATHER[:4]:
        page = browser.answer(page, question, values)
    choice = {"categories": ["hearing", "physical"]}
    switched = browser.press(page, *button, choose=choice)
    assert switched.status_code == 200
    html = parse(switched.data).find("html")
    if button[0] == "action":
        assert html["lang"] == ("zh-CN" if prefix else "en")
    else:
        assert button[0] in html["class"]
    assert ticked(switched) == choice
    assert hidden_answers(switched) == hidden_answers(page)
    # and 继续 from there sends that choice on
    following = browser.press(switched, "action", "continue:categories")
    assert ("categories", "hearing") in hidden_answers(following)


def test_the_header_buttons_keep_a_choice_that_cannot_be_sent_ticked_not_taken(client):
    """不确定 with another, then 大字版 without JavaScript: every box came back unticked.
    The boxes stay as they were (as with JavaScript, where the page stays), no answer is
    taken, and 继续 then gives the error, the boxes still as they were."""
    browser = Browser(client)
    page = browser.press(browser.get(START), "action", "start")
    for question, values in FATHER[:4]:
        page = browser.answer(page, question, values)
    both = {"categories": ["physical", "unsure"]}
    switched = browser.press(page, "large", "1", choose=both)
    assert switched.status_code == 200 and ticked(switched) == both
    assert hidden_answers(switched) == hidden_answers(page)
    refused = browser.press(switched, "action", "continue:categories")
    assert refused.status_code == 400 and ticked(refused) == both
    assert "选了“不确定”，就不要再选别的项" in parse(refused.data).find("main").text


def test_enter_on_a_question_means_continue(client):
    """The hidden first button of the page is the question form's default: 继续."""
    doc = parse(Browser(client).press(Browser(client).get(START), "action", "start").data)
    default = doc.find("body").find("button")
    assert default.has_attr("hidden") and default["form"] == "question-form"
    assert (default["name"], default["value"]) == ("action", "continue:for_whom")


def test_the_display_toggle_keeps_the_result(client):
    browser = Browser(client)
    result = result_of(browser)
    switched = browser.press(result, "contrast", "1")
    assert "contrast" in parse(switched.data).find("html")["class"]
    assert parse(switched.data).find("h1").text == parse(result.data).find("h1").text
    assert hidden_answers(switched) == hidden_answers(result)


def test_the_header_language_button_keeps_the_answers(client, prefix):
    """The header's 中文/English link loaded the page afresh, without the answers; on the
    check's pages it is a button that sends them, as 用中文继续 does."""
    browser = Browser(client, prefix)
    page = browser.press(browser.get(START), "action", "start")
    page = browser.answer(page, *FATHER[0])
    button = parse(page.data).find("header").find("button", class_="language-link")
    other = browser.press(page, "action", button["value"])
    doc = parse(other.data)
    assert doc.find("html")["lang"] == ("zh-CN" if prefix else "en")
    assert hidden_answers(other) == hidden_answers(page) != set()


# --- Errors on a question ---------------------------------------------------------------------


def test_no_answer_shows_the_question_again_with_its_error(client, prefix):
    browser = Browser(client, prefix)
    page = browser.press(browser.get(START), "action", "start")
    page = browser.answer(page, "for_whom", ["family"])
    page = browser.answer(page, "age", [])
    assert page.status_code == 400
    doc = parse(page.data)
    link = doc.find("div", class_="error-summary").find("a")
    assert link.get("href") == "#answer-age-0-5"
    assert doc.find(id="answer-age-0-5") is not None
    assert doc.find(id="answer-age-error") is not None
    assert doc.find("title").text.startswith("错误：" if not prefix else "Error")
    assert doc.find("input", name_="for_whom").get("value") == "family"


def test_not_sure_with_another_answer_is_an_error_not_a_guess(client):
    browser = Browser(client)
    page = journey(browser, FATHER[:4])
    page = browser.answer(page, "categories", ["visual", "unsure"])
    assert page.status_code == 400
    assert "选了“不确定”，就不要再选别的项" in parse(page.data).find("main").text


# The checkbox questions whose 不确定 stands alone, and two other answers to tick with it.
EXCLUSIVE = [q.id for q in BY_ID.values() if q.multiple and "unsure" in q.codes]
OTHERS = {"categories": ["visual", "hearing"], "needs": ["rehabilitation", "legal"]}
BOTH = "选了“不确定”，就不要再选别的项；或者去掉“不确定”。"


def test_every_question_whose_not_sure_stands_alone_is_tried():
    assert sorted(EXCLUSIVE) == sorted(OTHERS)


def steps_before(question: str):
    """The father's answers to the questions before `question`."""
    return FATHER[: [asked for asked, _values in FATHER].index(question)]


def without_not_sure(page, question: str) -> dict[str, list[str]]:
    """The boxes of `page` as ticked, 不确定 unticked: what the error asks the resident to do."""
    return {question: [value for value in ticked(page)[question] if value != "unsure"]}


@pytest.mark.parametrize("question", EXCLUSIVE)
def test_not_sure_with_others_comes_back_ticked_as_sent_and_is_not_taken(
    app, client, prefix, question
):
    """An outside screen-reader review: 视力残疾, 听力残疾 and 不确定 ticked, 继续: the error
    said to untick 不确定, and no box was ticked any more. The boxes come back as sent; the
    choice counts nowhere (hidden fields, progress, back link); unticking 不确定 goes on."""
    browser = Browser(client, prefix)
    page = journey(browser, steps_before(question))
    sent = [*OTHERS[question], "unsure"]
    refused = browser.answer(page, question, sent)
    assert refused.status_code == 400
    doc = parse(refused.data)
    assert translated(app, prefix, BOTH) in doc.find(id=f"answer-{question}-error").text
    assert ticked(refused) == {question: sent}
    assert hidden_answers(refused) == hidden_answers(page)  # its back button's too
    assert doc.find("input", name_="opened") is None
    assert progress_of(refused) == progress_of(page)
    assert back_link(refused) == back_link(page)
    back = browser.press(refused, "action", f"back:{question}")
    assert not {field for field in hidden_answers(back) if field[0] == question}
    following = browser.press(
        refused, "action", f"continue:{question}", choose=without_not_sure(refused, question)
    )
    assert following.status_code == 200
    carried = {field for field in hidden_answers(following) if field[0] == question}
    assert carried == {(question, value) for value in OTHERS[question]}


@pytest.mark.parametrize("question", EXCLUSIVE)
def test_not_sure_with_others_via_change_comes_back_ticked_keeping_the_old_answer(
    app, client, prefix, question
):
    """The same via 更改 from 检查您的回答: the new choice and the old answer were both gone
    from the page. The boxes come back as sent; the old answer is the one the back button,
    the check page and the result keep; unticking 不确定 changes it."""
    browser = Browser(client, prefix)
    review = journey(browser)
    page = browser.press(review, "action", f"change:{question}")
    sent = [*OTHERS[question], "unsure"]
    refused = browser.answer(page, question, sent)
    assert refused.status_code == 400
    doc = parse(refused.data)
    assert translated(app, prefix, BOTH) in doc.find(id=f"answer-{question}-error").text
    assert ticked(refused) == {question: sent}
    assert [field["value"] for field in doc.find_all("input", name_="opened")] == FATHER_ANSWERS[
        question
    ]
    assert hidden_answers(refused) == hidden_answers(page)
    assert progress_of(refused) == progress_of(page)
    assert back_link(refused) == translated(app, prefix, "返回检查您的回答")
    back = browser.press(refused, "action", f"back:{question}")
    assert hidden_answers(back) == hidden_answers(review)
    result = browser.press(back, "view", "standard")
    assert result.status_code == 200 and hidden_answers(result) == hidden_answers(review)
    changed = browser.press(
        refused, "action", f"continue:{question}", choose=without_not_sure(refused, question)
    )
    assert parse(changed.data).find("h1").text == translated(app, prefix, "检查您的回答")
    expected = {field for field in hidden_answers(review) if field[0] != question}
    assert hidden_answers(changed) == expected | {(question, v) for v in OTHERS[question]}


@pytest.mark.parametrize("state", ["large-text", "other-language"])
@pytest.mark.parametrize("returning", [False, True], ids=["first-pass", "via-change"])
def test_not_sure_with_others_stays_ticked_through_the_header_buttons(
    app, client, prefix, returning, state
):
    """Without JavaScript the header's buttons send the question's form: after the error,
    大字版 or the other language shows the boxes as sent (no error until 继续 again), and
    继续 there gives the error in that language, the boxes still as sent."""
    browser = Browser(client, prefix)
    if returning:
        page = browser.press(journey(browser), "action", "change:categories")
    else:
        page = journey(browser, steps_before("categories"))
    sent = {"categories": ["visual", "hearing", "unsure"]}
    refused = browser.answer(page, "categories", sent["categories"])
    again = shown_again(browser, refused, "categories", state)
    assert again.status_code == 200 and ticked(again) == sent
    assert hidden_answers(again) == hidden_answers(page)
    shown_in = "/en" if (state == "other-language") != bool(prefix) else ""
    once_more = browser.press(again, "action", "continue:categories")
    assert once_more.status_code == 400 and ticked(once_more) == sent
    assert translated(app, shown_in, BOTH) in parse(once_more.data).find("main").text


@pytest.mark.parametrize("question", [question for question, _values in FATHER])
def test_nothing_chosen_comes_back_with_nothing_ticked_first_and_via_change(client, question):
    """The other error a question can show: nothing chosen. What was sent is nothing, so
    nothing is ticked, the old answer (via 更改) kept for the back button alone."""
    browser = Browser(client)
    page = journey(browser, steps_before(question))
    refused = browser.answer(page, question, [])
    assert refused.status_code == 400 and ticked(refused) == {}
    assert hidden_answers(refused) == hidden_answers(page)
    page = browser.press(journey(browser), "action", f"change:{question}")
    refused = browser.answer(page, question, [])
    assert refused.status_code == 400 and ticked(refused) == {}
    assert hidden_answers(refused) == hidden_answers(page)


# --- Tampered and hostile posts ---------------------------------------------------------------

TAMPERED = {
    "an unknown field": {"for_whom": "self", "shoe_size": "42", "action": "continue:age"},
    "an unknown answer": {"for_whom": "alien", "action": "continue:age", "age": "18-59"},
    "an answer given twice": {"for_whom": ["self", "family"], "action": "continue:age"},
    "a box ticked twice": {
        **{q: v for q, v in FATHER[:4]},
        "categories": ["visual", "visual"],
        "action": "continue:grade",
        "grade": "1",
    },
    "not sure with another answer": {
        **{q: v for q, v in FATHER[:4]},
        "categories": ["unsure", "visual"],
        "action": "continue:grade",
        "grade": "1",
    },
    "not sure with an answer the question lacks": {
        **{q: v for q, v in FATHER[:4]},
        "categories": ["unsure", "alien"],
        "action": "continue:categories",
    },
    "not sure ticked twice with another": {
        **{q: v for q, v in FATHER[:4]},
        "categories": ["unsure", "unsure", "visual"],
        "action": "continue:categories",
    },
    "a radio question answered with one it lacks": {
        "for_whom": "self",
        "action": "continue:age",
        "age": "99-plus",
    },
    "a radio question answered twice": {
        "for_whom": "self",
        "action": "continue:age",
        "age": ["unsure", "18-59"],
    },
    "an answer to a question not asked": {
        "for_whom": "self",
        "age": "0-5",
        "work": "employed",
        "action": "continue:residence",
        "residence": "hukou",
    },
    "a question skipped": {"for_whom": "self", "action": "continue:household", "household": "none"},
    "a question not asked": {
        "for_whom": "self",
        "age": "60-plus",
        "action": "continue:studying",
        "studying": "no",
    },
    "an unknown button": {"for_whom": "self", "action": "explode"},
    "no button": {"for_whom": "self"},
    "a button without its question": {"for_whom": "self", "action": "continue:"},
    "an unknown return": {"for_whom": "self", "action": "continue:age", "return": "home"},
    "a button named twice": {"for_whom": "self", "action": ["continue:age", "review"]},
    "a start with answers": {"for_whom": "self", "action": "start"},
    "the check page before the end": {"for_whom": "self", "action": "review"},
    "a change of a question not asked": {**FATHER_ANSWERS, "action": "change:studying"},
    "thousands of ticks": {"for_whom": "self", "categories": ["visual"] * 300, "action": "review"},
    "an opened answer without a change": {
        "for_whom": "self",
        "opened": "60-plus",
        "action": "continue:age",
        "age": "60-plus",
    },
    "an opened answer the question lacks": {
        **FATHER_ANSWERS,
        "opened": "alien",
        "return": "review",
        "action": "show:for_whom",
    },
    "an opened answer on the check page": {
        **FATHER_ANSWERS,
        "opened": "self",
        "return": "review",
        "action": "review",
    },
}


@pytest.mark.parametrize("case", TAMPERED)
def test_tampered_hidden_fields_are_refused_clearly(app, client, prefix, case):
    response = client.post(
        prefix + QUESTIONS, data={**TAMPERED[case], "csrf_token": token(client, prefix)}
    )
    assert response.status_code == 400
    doc = parse(response.data)
    assert doc.find("h1").text == translated(app, prefix, "没法读取您的回答")
    assert prefix + START in doc.find("main").hrefs
    assert "private" in response.headers["Cache-Control"]


RESULT_TAMPERED = {
    "an unknown view": {**FATHER_ANSWERS, "view": "pdf"},
    "answers missing": {"for_whom": "self", "view": "standard"},
    "no answers": {"view": "standard"},
    "an answer out of range": {**FATHER_ANSWERS, "grade": "0", "view": "standard"},
}


@pytest.mark.parametrize("case", RESULT_TAMPERED)
def test_a_tampered_result_is_refused_clearly(client, case):
    data = {**RESULT_TAMPERED[case], "csrf_token": token(client)}
    response = client.post(RESULT, data=data)
    assert response.status_code == 400
    assert "没法读取您的回答" in response.text


# --- Pages kept from before the ages changed --------------------------------------------------

# A check page as it was sent before the ages split where the sources split (0 to 6, 7 to 17):
# Back, or a tab restored, may send it again.
OLD_CHILD = {
    "for_whom": "family",
    "age": "0-6",
    "residence": "hukou",
    "certificate": "yes",
    "categories": "physical",
    "grade": "1",
    "studying": "preschool",
    "household": "dibao",
    "needs": "daily-care",
}
STANDING = {(question, value) for question, value in OLD_CHILD.items() if question != "age"}


def asked_age_again(app, response, prefix: str = "") -> None:
    """`response` asks age again, none ticked, saying why, every other answer carried."""
    assert response.status_code == 200, response.text[:2000]
    assert "private" in response.headers["Cache-Control"]
    doc = parse(response.data)
    who = translated(app, prefix, "您的家人")
    assert doc.find("h1").text == translated(app, prefix, "%(who)s多大年纪？") % {"who": who}
    said = translated(
        app,
        prefix,
        "“%(question)s”的选项改过了，原来的回答对不上新的选项，请再选一次。其他问题的回答都还在。",
    )
    assert said % {"question": translated(app, prefix, "年龄")} in summary_text(response)
    assert ticked(response) == {}
    assert "0-6" not in response.text and "7-17" not in response.text


def summary_text(response) -> str:
    box = parse(response.data).find("div", class_="error-summary")
    return " ".join(box.text.split()) if box is not None else ""


@pytest.mark.parametrize("old", ["0-6", "7-17"])
def test_a_check_page_from_before_the_ages_changed_asks_age_again(app, client, prefix, old):
    """An old age answer was refused as tampered (没法读取您的回答): now age is asked
    again, the other answers kept, and after it the check page, as after 更改."""
    data = {**OLD_CHILD, "age": old, "action": "review", "csrf_token": token(client, prefix)}
    response = client.post(prefix + QUESTIONS, data=data)
    asked_age_again(app, response, prefix)
    assert hidden_answers(response) == STANDING
    browser = Browser(client, prefix)
    review = browser.answer(response, "age", ["0-5"])
    assert review.status_code == 200
    assert parse(review.data).find("h1").text == translated(app, prefix, "检查您的回答")
    assert hidden_answers(review) == STANDING | {("age", "0-5")}


def test_a_result_from_before_the_ages_changed_asks_age_again(app, client):
    data = {**OLD_CHILD, "age": "7-17", "view": "easy", "csrf_token": token(client)}
    response = client.post(RESULT, data=data)
    asked_age_again(app, response)
    work = Browser(client).answer(response, "age", ["16-17"])
    assert parse(work.data).find("h1").text == "您的家人现在的工作情况是？"  # asked from 16
    review = Browser(client).answer(work, "work", ["other"])
    assert parse(review.data).find("h1").text == "检查您的回答"
    result = Browser(client).press(review, "view", "standard")
    assert result.status_code == 200 and "如康家园" in result.text


def test_an_age_page_from_before_asks_again_then_goes_on_to_the_next_question(app, client):
    """Its own box ticked with an old age (Back to the age page, then 继续)."""
    data = {"for_whom": "family", "asking": "age", "action": "continue:age", "age": "0-6"}
    response = client.post(QUESTIONS, data={**data, "csrf_token": token(client)})
    asked_age_again(app, response)
    assert hidden_answers(response) == {("for_whom", "family")}
    following = Browser(client).answer(response, "age", ["6"])
    assert parse(following.data).find("h1").text == "您的家人住在茌平区吗？"
    assert ("age", "6") in hidden_answers(following)


def test_an_age_page_opened_by_change_before_the_ages_changed_asks_again(app, client):
    """Opened by 更改 with an old answer (`opened`), its own box a new one: asked again."""
    data = {
        **{q: v for q, v in OLD_CHILD.items() if q != "age"},
        "opened": "7-17",
        "return": "review",
        "asking": "age",
        "action": "continue:age",
        "age": "7-15",
    }
    response = client.post(QUESTIONS, data={**data, "csrf_token": token(client)})
    asked_age_again(app, response)
    assert hidden_answers(response) == STANDING
    assert parse(response.data).find("input", name_="return")["value"] == "review"


def test_an_old_age_with_tampered_answers_is_still_refused_clearly(client):
    data = {**OLD_CHILD, "grade": "0", "action": "review", "csrf_token": token(client)}
    response = client.post(QUESTIONS, data=data)
    assert response.status_code == 400 and "没法读取您的回答" in response.text


# --- Work, asked from 16 -----------------------------------------------------------------------

# Someone of 16 who has left school and is looking for work (劳动法 第十五条: 16 is the
# minimum working age). Work was asked from 18.
TEEN_LOOKING = [
    ("for_whom", ["self"]),
    ("age", ["16-17"]),
    ("residence", ["hukou"]),
    ("certificate", ["yes"]),
    ("categories", ["physical"]),
    ("grade", ["4"]),
    ("studying", ["no"]),
    ("work", ["looking"]),
    ("household", ["none"]),
    ("needs", ["legal"]),
]
WORK_QUESTION = "您现在的工作情况是？"


def headings(browser: Browser) -> list[str]:
    return [parse(page.data).find("h1").text for page in browser.pages]


def test_at_16_or_17_work_is_asked_and_looking_for_work_gets_employment_assistance(client):
    browser = Browser(client)
    doc = parse(result_of(browser, TEEN_LOOKING).data)
    assert WORK_QUESTION in headings(browser)
    likely = doc.find("section", aria_labelledby="likely-heading")
    assistance = card(likely, "就业服务和就业援助（含高校残疾人毕业生就业服务）")
    assert "因为您选了：在找工作。" in assistance.text


def test_at_15_work_is_not_asked(client):
    browser = Browser(client)
    steps = [(q, ["7-15"] if q == "age" else v) for q, v in TEEN_LOOKING if q != "work"]
    review = journey(browser, steps)
    assert parse(review.data).find("h1").text == "检查您的回答"
    assert WORK_QUESTION not in headings(browser)


# The answers of TEEN_LOOKING as a page sent them before work was asked from 16: none to work.
TEEN_BEFORE = {question: values[0] for question, values in TEEN_LOOKING if question != "work"}
BEFORE_HOUSEHOLD = {q: v for q, v in TEEN_BEFORE.items() if q not in ("household", "needs")}


@pytest.mark.parametrize(
    "path, data, following",
    [
        (QUESTIONS, {**TEEN_BEFORE, "action": "review"}, "检查您的回答"),
        (RESULT, {**TEEN_BEFORE, "view": "standard"}, "检查您的回答"),
        (
            QUESTIONS,
            {**BEFORE_HOUSEHOLD, "asking": "household", "action": "continue:household"},
            "您家的经济情况是哪一种？",
        ),
    ],
    ids=["check-page", "result", "question-after-work"],
)
def test_a_page_from_before_work_was_asked_at_16_asks_it_then_goes_on(
    client, path, data, following
):
    """Its answers lack work, which is no tampering: work is asked, saying why, the other
    answers kept; then on to the first question left, or the check page."""
    response = client.post(path, data={**data, "csrf_token": token(client)})
    assert response.status_code == 200, response.text[:2000]
    assert parse(response.data).find("h1").text == WORK_QUESTION
    said = "现在也会问“工作”，原来的回答里还没有这一题，请选一项。其他问题的回答都还在。"
    assert said in summary_text(response)
    kept = {(q, v) for q, v in data.items() if q in BY_ID and q != data.get("asking")}
    assert hidden_answers(response) == kept
    page = Browser(client).answer(response, "work", ["looking"])
    assert parse(page.data).find("h1").text == following
    assert hidden_answers(page) == kept | {("work", "looking")}


def test_a_huge_post_is_refused_before_it_is_read(client):
    data = {"for_whom": "self", "action": "review", "csrf_token": token(client)}
    response = client.post(QUESTIONS, data={**data, "age": "x" * 20_000})
    assert response.status_code == 413
    assert "内容太多" in response.text
    upload = {**data, "file": (io.BytesIO(b"0" * 20_000), "answers.txt")}
    assert client.post(QUESTIONS, data=upload).status_code == 413


def test_a_post_without_its_security_code_keeps_the_answers_and_asks_again(client):
    response = client.post(QUESTIONS, data={**dict(FATHER[:3]), "action": "continue:certificate"})
    assert response.status_code == 400
    doc = parse(response.data)
    assert doc.find("h1").text == "您的家人有残疾人证吗？"
    assert "您的回答还在" in doc.find("div", class_="error-summary").text
    assert doc.find("input", name_="age").get("value") == "60-plus"
    assert doc.find("input", name_="csrf_token") is not None


def test_large_text_pressed_on_an_expired_page_still_switches(client):
    """The toggle on the check's pages carries the page's token; when it has expired the
    answers come back as above, and 大字版 is on all the same."""
    data = {**dict(FATHER[:3]), "action": "show:certificate", "large": "1"}
    response = client.post(QUESTIONS, data=data)
    assert response.status_code == 400
    assert "large" in parse(response.data).find("html")["class"]
    assert client.get_cookie("display").value == "large"


@pytest.mark.parametrize(
    "ticked_now, shown",
    [
        (["hearing"], {"categories": ["hearing"]}),
        (["hearing", "unsure"], {"categories": ["hearing", "unsure"]}),
    ],
)
def test_large_text_on_an_expired_question_keeps_its_choice_unsent(client, ticked_now, shown):
    """Without JavaScript the toggle sends the question's form: with its token expired, the
    question comes back with its choice ticked (even one that cannot be sent, 不确定 with
    another), not taken as an answer to move on with."""
    data = {**dict(FATHER[:4]), "categories": ticked_now, "asking": "categories", "large": "1"}
    response = client.post(QUESTIONS, data=data)
    assert response.status_code == 400
    doc = parse(response.data)
    assert "large" in doc.find("html")["class"]
    assert doc.find("input", type="hidden", value="categories") is not None  # asking
    assert ticked(response) == shown
    assert hidden_answers(response) == {(q, v) for q, values in FATHER[:4] for v in values}


@pytest.mark.parametrize(
    "data",
    [{"action": "start", "x": "1"}, {"action": "continue:for_whom", "for_whom": "nope"}],
    ids=["unknown-field", "unknown-answer"],
)
@pytest.mark.parametrize("path", [QUESTIONS, RESULT])
def test_an_expired_page_that_is_not_the_site_s_own_says_so(client, prefix, path, data):
    """Expired and changed (a tab restored after the questions changed): the problem page,
    as for any page the site did not make, not an error of the site."""
    response = client.post(prefix + path, data=data)
    assert response.status_code == 400
    assert parse(response.data).find("h1") is not None


@pytest.mark.parametrize("path", [QUESTIONS, RESULT])
def test_opening_a_question_or_result_address_says_answers_are_not_kept(client, prefix, path):
    response = client.get(prefix + path)
    assert response.status_code == 200
    doc = parse(response.data)
    assert prefix + START in doc.find("main").hrefs
    if not prefix:
        assert "网站不保存您的回答" in doc.find("main").text


# --- What is kept, and where ------------------------------------------------------------------


def recorded(app):
    """The WSGI environ of every request the app gets (as gunicorn's logger would see it)."""
    environs = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        environs.append({k: v for k, v in environ.items() if k.isupper()})
        return inner(environ, start_response)

    return environs, recording


def test_no_answer_is_ever_in_an_address_a_log_line_or_a_cookie(app, caplog):
    caplog.set_level(logging.DEBUG)
    environs, recording = recorded(app)
    app.wsgi_app, inner = recording, app.wsgi_app
    try:
        client = app.test_client()
        browser = Browser(client)
        page = result_of(browser)
        browser.press(page, "view", "easy")
    finally:
        app.wsgi_app = inner
    urls = list(browser.visited)
    for response in browser.pages:
        assert "Location" not in response.headers
        doc = parse(response.data)
        urls += [a.get("href") for a in doc.find_all("a", href=True)]
        urls += [f.get("action") for f in doc.find_all("form", action=True)]
        urls += [b.get("formaction") for b in doc.find_all("button", formaction=True)]
    for url in urls:
        parts = urlsplit(url)
        if "/eligibility" in parts.path:
            assert not parts.query, url
        assert not any(re.search(rf"[?&]{question}=", url) for question in BY_ID), url
    logger = AccessLogger(Config())
    for environ in environs:
        assert not environ.get("QUERY_STRING")
        atoms = logger.atoms(
            SimpleNamespace(status="200 OK", sent=1, headers=[]), {}, environ, timedelta(0)
        )
        logged = " ".join(str(value) for value in atoms.values())
        assert not any(word in logged for word in PRIVATE_WORDS), logged
    assert not any(word in caplog.text for word in PRIVATE_WORDS)
    cookies = {cookie.key: cookie.value for cookie in client._cookies.values()}
    assert set(cookies) == {"session"}
    session = app.session_interface.get_signing_serializer(app).loads(cookies["session"])
    assert set(session) == {"csrf_token"}


def test_pages_with_answers_are_private_and_not_indexed(client):
    browser = Browser(client)
    result_of(browser)
    for response in browser.pages[1:]:
        cache = response.headers["Cache-Control"]
        assert "private" in cache and "no-cache" in cache and "public" not in cache
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_clearing_asks_the_browser_to_forget_the_pages(client):
    browser = Browser(client)
    page = result_of(browser)
    button = next(
        b for b in parse(page.data).find_all("button") if b.text == "清除这台设备上的记录"
    )
    assert button.parent.get("action") == "/eligibility/clear"
    response = client.post("/eligibility/clear", data={"csrf_token": token(client)})
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache"'
    # Holding no answer, the page is kept for Back, which shows it without clearing again.
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "关掉这个浏览器窗口" in response.text


# --- What the result reads -------------------------------------------------------------------


def test_where_to_go_for_many_services_is_where_to_go_for_each(app):
    with app.test_request_context():
        now = local_now()
        services = list(results.published_services().values())
        batch = results.where_to_go_for(services, now)
        for service in services:
            one = where_to_go(published_service(service.slug), now)
            many = batch[service.slug]
            assert [p.id for p in many.places] == [p.id for p in one.places], service.slug
            assert [d.id for d in many.departments] == [d.id for d in one.departments]
            assert [c.contact.id for c in many.channels] == [c.contact.id for c in one.channels]


def test_the_result_runs_a_few_statements_however_many_services_it_lists(app):
    browser = Browser(app.test_client())
    review = journey(browser, ALL_UNSURE)
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = browser.press(review, "view", "standard")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    possible = parse(response.data).find("section", aria_labelledby="possible-heading")
    assert len(possible.find_all("h3")) == 32
    assert len(statements) <= 15


@pytest.mark.parametrize(
    "steps, view",
    [(ALL_UNSURE, "standard"), (ALL_UNSURE, "easy"), (FATHER, "all")],
    ids=["every-service", "every-service-easy-read", "father-with-the-rest"],
)
def test_the_longest_results_keep_within_the_page_budget(client, steps, view):
    """The budget of tests/test_page_weight.py: at most 800 elements."""
    page = result_of(Browser(client), steps, view)
    assert page.status_code == 200
    assert len(parse(page.data).find_all(True)) <= 800


# --- English -------------------------------------------------------------------------------


# A document number as a Chinese text prints it (国发〔2015〕52号, 国务院令第649号): the one
# Chinese an English source may show (content/README.md).
DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号|国务院令第\d+号")
SOURCES = (
    '{% from "eligibility/_finding.html" import sources with context %}'
    "{{ sources(finding, projects) }}"
)


def test_no_english_source_shows_chinese_but_a_document_number_marked_so(app):
    """The Compulsory Education Law's card read "(第十一条)": an article, not a document
    number, is translated (Article 11). Every source of every rule and check, as a card
    cites it in English."""
    with app.test_request_context(
        "/en/eligibility/", environ_overrides={"barrierfree.locale": "en"}
    ):
        loaded = current_rules()
        cited = [s for item in (*loaded.rules, *loaded.checks) for s in item.sources]
        projects = db.session.scalars(select(Project).options(joinedload(Project.box)))
        html = render_template_string(
            SOURCES,
            finding=SimpleNamespace(sources=list({(s.kind, s.key): s for s in cited}.values())),
            projects={project.slug: project for project in projects},
        )
    doc = parse(html)
    assert "Compulsory Education Law of the People's Republic of China (Article 11)" in doc.text
    assert "国发〔2015〕52号" in doc.text and "Box " in doc.text
    assert not CJK.search(text_outside_lang(doc))
    marked = [element.text for element in doc.find_all(lang="zh-CN")]
    assert marked and [text for text in marked if not DOCUMENT_NUMBER.fullmatch(text)] == []


def test_english_pages_mark_every_chinese_word(client):
    """Needs the English of the check's messages in the catalogue."""
    browser = Browser(client, "/en")
    page = result_of(browser)
    browser.press(page, "view", "easy")
    browser.get(START)
    unmarked = {}
    for path, response in zip(browser.visited, browser.pages, strict=True):
        assert is_english(urlsplit(path).path) or path.startswith("/en")
        doc = parse(response.data)
        found = CJK.findall(doc.find("title").text) + CJK.findall(
            text_outside_lang(doc.find("body"))
        )
        if found:
            unmarked[path] = "".join(found)[:60]
    assert unmarked == {}


# --- The staff's page of rules ---------------------------------------------------------------


def test_the_rules_page_is_for_signed_in_staff(client):
    response = client.get("/staff/eligibility-rules")
    assert response.status_code in (302, 303)
    assert "/staff/sign-in" in response.headers["Location"]


def test_the_rules_page_lists_every_rule_and_its_sources(loaded_app):
    make_staff(loaded_app, "reviewer", EDITOR)
    staff = signed_in(loaded_app, "reviewer")
    for prefix in ("", "/en"):
        response = staff.get(prefix + "/staff/eligibility-rules")
        assert response.status_code == 200
        doc = parse(response.data)
        with loaded_app.app_context():
            loaded = current_rules()
        assert len(doc.find_all("li", id=re.compile("^rule-"))) == len(loaded.rules)
        assert len(doc.find_all("section")) == 32
        assert "国发〔2015〕52号" in doc.find("main").text
        assert prefix + "/plan/measures/1-3" in doc.find("main").hrefs


def test_what_was_asked_for_comes_first_in_each_group(client):
    """A daughter chose 辅助器具 and 无障碍改造; the first result was 五个一 文化进家庭."""
    steps = [*FATHER[:-1], ("needs", ["assistive-devices", "home-adaptation"])]
    doc = parse(result_of(Browser(client), steps).data)
    for section in ("likely-heading", "possible-heading"):
        cards = doc.find("section", aria_labelledby=section).find_all("li", class_="card")
        chosen = [" ".join(re.findall("因为您选了：([^。]*)。", card.text)) for card in cards]
        asked = [bool(re.search("辅助器具|无障碍改造", answers)) for answers in chosen]
        assert asked == sorted(asked, reverse=True), (section, chosen)
        assert asked[0] or section == "possible-heading", (section, chosen)


# --- What a result says of a service the plan only sets out to provide; counts in English ----


def test_a_likely_service_the_plan_only_sets_out_to_provide_says_to_ask_if_it_is_there(client):
    """The father is very likely a Rukang Home's kind of visitor, but the plan only says
    every township is to have one: the card says to ask whether his has one yet."""
    likely = parse(result_of(Browser(client)).data).find(
        "section", aria_labelledby="likely-heading"
    )
    rukang = card(likely, "“如康家园”残疾人之家").text
    assert "需要核实：" in rukang and "这是规划要做的事" in rukang
    assert "现在有没有建好" in rukang
    # A likely service the plan states as done says nothing to verify.
    assert "需要核实" not in card(likely, "重度残疾人护理补贴").text


def test_the_easy_read_says_so_in_two_short_lines(client):
    doc = parse(result_of(Browser(client), view="easy").data)
    lines = [p.text for p in card(doc, "“如康家园”残疾人之家").find_all("p")]
    assert "规划说要办这件事。" in lines and "现在有没有，要先问清楚。" in lines
    assert "规划说要办这件事。" not in card(doc, "重度残疾人护理补贴").text


# A grade 2 visual disability and no certificate: only the certificate is very likely.
ONE_LIKELY = [
    ("for_whom", ["self"]),
    ("age", ["18-59"]),
    ("residence", ["hukou"]),
    ("certificate", ["no"]),
    ("categories", ["visual"]),
    ("grade", ["2"]),
    ("studying", ["no"]),
    ("work", ["employed"]),
    ("household", ["none"]),
    ("needs", ["unsure"]),
]


def test_the_english_result_counts_one_service_in_the_singular(client):
    """It said "1 services very likely to suit"."""
    lead = parse(result_of(Browser(client, "/en"), ONE_LIKELY).data).find("p", class_="lead")
    assert lead.text.startswith("From the answers: 1 service very likely to suit, and ")
    assert "services that may suit but need checking" not in lead.text
    assert re.search(r"and \d+ that may suit but need checking\.$", lead.text), lead.text


def test_the_chinese_result_counts_as_before(client):
    lead = parse(result_of(Browser(client), ONE_LIKELY).data).find("p", class_="lead")
    assert re.fullmatch(r"根据您的回答：很可能适合 1 项，可能适合、需要核实 \d+ 项。", lead.text)
