"""The public forms: ask a question, report a barrier, report a wrong page; the reference
and the status link; the status page and the follow-up; the honeypot, the rate
limits, duplicates, sizes and hostile input."""

import re
import threading
from datetime import datetime

import pytest
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage
from barrierfree.feedback.spec import FORMS, contact_problems, typed_phone
from barrierfree.feedback.working_days import add_working_days, is_working_day
from conftest import MAIL_NOWHERE, make_app, make_loaded_app, parse
from sqlalchemy import select
from staff_helpers import csrf, error_summary, make_staff, signed_in

ASK, BARRIER, PAGE = "/feedback/ask", "/feedback/barrier", "/feedback/page-error"
EMAIL, PHONE = {"reply_by": "email"}, {"reply_by": "phone"}
QUESTION = "残疾人证丢了怎么补办？\n我听不见，请在网站上答复。"
STATUS_LINK = re.compile(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}")


def submit(client, path: str, **fields):
    """Post a form as a browser would, with the page's CSRF token."""
    data = {"csrf_token": csrf(client, path), "reply_by": "site", **fields}
    return client.post(path, data=data)


def ask(client, prefix: str = "", **fields):
    """Ask a question; the response to the POST."""
    return submit(client, prefix + ASK, **{"topic": "rehabilitation", "body": QUESTION, **fields})


def sent_page(client, response):
    """Follow the redirect after a good submission to the confirmation page."""
    assert response.status_code == 303, response.text[:3000]
    return client.get(response.headers["Location"])


def status_path(page) -> str:
    """The status link on the confirmation page."""
    return STATUS_LINK.search(page.text).group()


def items(app) -> list[FeedbackItem]:
    with app.app_context():
        return list(db.session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)))


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


@pytest.mark.parametrize(("prefix", "limit"), [("", "最多 2000 个字"), ("/en", "At most 2,000")])
def test_the_length_limit_is_written_as_the_page_s_language_writes_numbers(client, prefix, limit):
    """In the hint and the character count's words; the count's own limit stays a number."""
    page = parse(client.get(prefix + ASK).data)
    box = page.find("textarea", id="field-body")
    hint = page.find(id=box["aria-describedby"].split()[0])
    assert limit in hint.get_text()
    assert box["data-character-count"] == "2000"
    count = page.find(id=f"{box['id']}-count")
    assert ("2,000" if prefix else "2000") in count["data-count-text"]


# --- The journey: ask, get a reference and a link, read the status page ---------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_question_gets_a_reference_and_a_private_status_link(loaded_app, client, prefix):
    page = sent_page(client, ask(client, prefix))
    assert page.status_code == 200
    assert re.search(r"CP-20\d\d-000001", page.text)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    link = status_path(page)
    assert link.startswith(prefix + "/feedback/status/")
    # A reload still shows it (for an hour at most: tests/test_feedback_receipt.py).
    again = client.get(prefix + "/feedback/sent")
    assert STATUS_LINK.search(again.text).group() == link
    (item,) = items(loaded_app)
    assert item.kind == "question" and item.topic == "rehabilitation" and item.body == QUESTION
    assert item.language == ("en" if prefix else "zh")
    assert link.rsplit("/", 1)[1] not in item.token_hash  # only the hash is kept
    assert item.contact_email is None and item.contact_phone is None


def test_the_status_page_shows_the_state_the_text_and_is_never_indexed(client):
    link = status_path(sent_page(client, ask(client)))
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    doc = parse(page.data)
    assert "新收到" in doc.find("dl").text
    text = doc.find(class_="plain-text")
    assert text.find("br") is not None  # line breaks kept
    assert "残疾人证丢了怎么补办？" in text.text
    assert link not in client.get("/sitemap.xml").text


@pytest.mark.parametrize(
    ("prefix", "written"),
    [("", r"2026年12月6日 07:37"), ("/en", r"6 December 2026, 07:37")],
)
def test_the_status_page_gives_times_as_the_site_writes_dates(loaded_app, client, prefix, written):
    """It gave 2026-12-06 07:37, the back office's form, beside 2026年12月11日."""
    link = status_path(sent_page(client, ask(client, prefix)))
    sent_at = datetime(2026, 12, 5, 23, 37)  # stored in UTC: 07:37 the next day in Chiping
    with loaded_app.app_context():
        item = db.session.scalars(select(FeedbackItem)).one()
        item.created_at = sent_at
        db.session.add(FeedbackMessage(item_id=item.id, kind="reply", body="已经办好了。"))
        db.session.flush()
        item.messages[-1].created_at = sent_at
        db.session.commit()
    doc = parse(client.get(link).data)
    received = doc.find("dl").find("time")
    assert received["datetime"] == "2026-12-06T07:37+08:00" and received.text == written
    (reply,) = doc.find("main").find_all("h3")
    assert reply.find("time").text == written
    assert "2026-12-06" not in doc.find("main").text


def test_a_wrong_token_is_not_found(client):
    link = status_path(sent_page(client, ask(client)))
    assert client.get("/feedback/status/not-a-token").status_code == 404
    assert client.get("/feedback/status/" + "a" * 43).status_code == 404
    assert client.get(link[:-1] + ("A" if link[-1] != "A" else "B")).status_code == 404
    token = csrf(client, link)
    response = client.post("/feedback/status/" + "a" * 43, data={"csrf_token": token, "body": "x"})
    assert response.status_code == 404
    # …and with a stale token: the page for a form too old is shown on a page that exists.
    response = client.post("/feedback/status/" + "a" * 43, data={"csrf_token": "x", "body": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_status_link_that_opens_nothing_says_what_to_do_privately(client, prefix):
    """It was the site's general "page not found": a resident with a link copied short
    was not told the reference finds the item again."""
    response = client.get(f"{prefix}/feedback/status/" + "a" * 43)
    assert response.status_code == 404
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    lost = parse(response.data).find(id="lost-link")
    assert lost is not None and f"{prefix}/feedback/ask" in lost.parent.hrefs
    assert parse(client.get(f"{prefix}/feedback/").data).find(id="lost-link") is not None


def test_the_resident_adds_a_follow_up_on_the_status_page(loaded_app, client):
    link = status_path(sent_page(client, ask(client)))
    response = client.post(
        link, data={"csrf_token": csrf(client, link), "body": "补充：我住在振兴街道。"}
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "已收到您的补充" in page.text and "我住在振兴街道" in page.text
    with loaded_app.app_context():
        (message,) = db.session.scalars(select(FeedbackMessage)).all()
        assert message.kind == "follow_up"


def test_an_empty_follow_up_is_refused_with_an_error(client):
    link = status_path(sent_page(client, ask(client)))
    response = client.post(link, data={"csrf_token": csrf(client, link), "body": "  "})
    assert response.status_code == 400
    assert error_summary(response.data).find("a", href="#field-body") is not None


def test_an_error_after_a_follow_up_is_not_announced_as_received(client):
    """The form posted back to ?added=1, so an empty follow-up sent next showed its error
    and the alert 已收到您的补充 together."""
    link = status_path(sent_page(client, ask(client)))
    added = client.post(link, data={"csrf_token": csrf(client, link), "body": "补充：在二楼。"})
    page = client.get(added.headers["Location"])
    assert added.headers["Location"] == link and "已收到您的补充" in page.text
    action = parse(page.data).find("form", id="page-form")["action"]
    assert action == link
    for address in (action, link + "?added=1"):  # the form's, and an old link's
        refused = client.post(address, data={"csrf_token": csrf(client, link), "body": " "})
        assert refused.status_code == 400 and error_summary(refused.data) is not None
        assert "已收到您的补充" not in refused.text


def received(response) -> list[str]:
    """The page's success alerts (role=alert, focused by site.js): what it says was done."""
    return [alert.text.strip() for alert in parse(response.data).select("[data-flash]")]


@pytest.mark.parametrize(
    ("prefix", "message"), [("", "已收到您的补充。"), ("/en", "We have received what you added.")]
)
def test_a_follow_up_is_said_to_be_received_once_and_never_by_its_address(
    loaded_app, prefix, message
):
    """An outside screen-reader review: the redirect went to ?added=1, the address the
    resident then bookmarked or copied, so every later visit first announced (and, with
    JavaScript, focused) a stale "your follow-up was received". Now the page after the
    follow-up says it, and no other: not a reload, not the address opened again, not
    another browser, not an old link with ?added=1, which still opens the page."""
    client = loaded_app.test_client()
    link = status_path(sent_page(client, ask(client, prefix)))
    assert link.startswith(prefix + "/feedback/status/")
    added = client.post(link, data={"csrf_token": csrf(client, link), "body": "补充：在二楼。"})
    assert added.status_code == 303 and added.headers["Location"] == link
    after = client.get(added.headers["Location"])
    assert after.status_code == 200 and received(after) == [message]
    assert "补充：在二楼。" in after.text
    again = client.get(link)  # a reload, or the address opened again
    assert again.status_code == 200 and received(again) == [] and message not in again.text
    other = loaded_app.test_client()  # another browser, or a new session
    for address in (link, link + "?added=1"):
        opened = other.get(address)
        assert opened.status_code == 200 and received(opened) == []
        assert message not in opened.text and "补充：在二楼。" in opened.text
    old = client.get(link + "?added=1")  # an old link, in the browser that sent it
    assert old.status_code == 200 and received(old) == [] and message not in old.text


def test_a_follow_up_refused_says_nothing_was_received_on_the_next_page(client):
    """A follow-up with an error flashes nothing: the page after it, and the next one,
    say nothing was received."""
    link = status_path(sent_page(client, ask(client)))
    refused = client.post(link, data={"csrf_token": csrf(client, link), "body": " "})
    assert refused.status_code == 400 and received(refused) == []
    assert received(client.get(link)) == []


@pytest.mark.parametrize(
    ("path", "emptied", "chinese", "english"),
    [
        (ASK, {"topic": ""}, "请选择您的问题和哪方面有关。", "Choose what your question is about."),
        (ASK, {"body": " "}, "请写下您的问题或留言。", "Write your question or message."),
        (ASK, {"reply_by": ""}, "请选择您想怎样收到答复。",
         "Choose how you want to get the answer."),
        (BARRIER, {"barrier_type": ""}, "请选择是哪一类问题。",
         "Choose what kind of problem it is."),
        (BARRIER, {"body": ""}, "请写下您遇到的问题。", "Describe the problem."),
        (PAGE, {"body": ""}, "请写下页面哪里有误。", "Tell us what is wrong on the page."),
    ],
)  # fmt: skip
def test_a_question_left_empty_is_asked_again_in_the_forms_own_words(
    client, path, emptied, chinese, english
):
    """Each empty field of the residents' forms says what to do, as the form would ask it,
    not a label in quotation marks; the message is in the summary and at the field."""
    (name,) = emptied
    filled = {"topic": "rehabilitation", "barrier_type": "step", "township": "boping",
              "location": "路口", "body": "坡道坏了"}  # fmt: skip
    for prefix, expected in (("", chinese), ("/en", english)):
        response = submit(client, prefix + path, **{**filled, **emptied})
        assert response.status_code == 400
        link = error_summary(response.data).find("a", href=f"#field-{name}")
        assert link is not None and link.text.strip() == expected
        assert response.get_data(as_text=True).count(expected) == 2, "in the summary and at it"


def test_every_required_field_of_the_residents_forms_has_its_own_words_when_empty():
    for form in FORMS.values():
        for field in form.fields:
            assert not field.required or field.missing is not None, (form.name, field.name)


# --- 大字版 and English on a half-typed form (without JavaScript) ------------------------


def test_the_header_buttons_send_the_form_and_enter_still_sends_it(client):
    page = parse(client.get(ASK).data)
    form = page.find("form", id="page-form")
    assert form is not None
    for mode in ("large", "contrast"):
        button = page.find("button", id=f"display-{mode}")
        # sent where the form itself goes (the page's own address)
        assert button["form"] == "page-form" and not button.has_attr("formaction")
    assert form["action"] == ASK
    language = page.find("button", class_="language-link")
    assert language["form"] == "page-form" and language["formaction"] == "/en" + ASK
    # The first of the form's buttons in the document is its default (Enter in a field):
    # a hidden one that sends it, before the header's.
    default = page.find("body").find("button")
    assert default["form"] == "page-form" and default.has_attr("hidden")
    assert not default.has_attr("name")


@pytest.mark.parametrize(
    ("path", "pressed", "shown_in"),
    [(ASK, {"large": "1"}, "zh-CN"), ("/en" + ASK, {"show": "1"}, "en")],
    ids=["large-text", "english"],
)
def test_large_text_or_english_shows_the_form_again_with_what_was_typed(
    loaded_app, client, path, pressed, shown_in
):
    token = csrf(client, ASK)
    fields = {"topic": "other", "body": QUESTION, **PHONE, "contact_phone": "1234"}
    response = client.post(path, data={"csrf_token": token, **fields, **pressed})
    assert response.status_code == 200
    page = parse(response.data)
    assert page.find("html")["lang"] == shown_in
    assert "请在网站上答复" in page.find("textarea", id="field-body").text
    assert page.find("input", id="field-contact_phone")["value"] == "1234"
    assert page.find(attrs={"data-error-summary": True}) is None  # nothing checked
    assert items(loaded_app) == []  # nothing sent
    if "large" in pressed:
        assert "large" in page.find("html")["class"]
        assert client.get_cookie("display").value == "large"


def test_large_text_on_an_expired_form_switches_and_keeps_the_text(loaded_app, client):
    data = {"csrf_token": "expired", "topic": "other", "body": QUESTION, "large": "1"}
    response = client.post(ASK, data=data)
    assert response.status_code == 200
    assert len(response.headers.getlist("Set-Cookie")) == 2  # display once, and the session
    page = parse(response.data)
    assert "large" in page.find("html")["class"]
    assert "请在网站上答复" in page.find("textarea", id="field-body").text
    assert page.find(attrs={"data-error-summary": True}) is None
    assert items(loaded_app) == []


def test_large_text_on_the_status_page_keeps_the_follow_up(loaded_app, client):
    link = status_path(sent_page(client, ask(client)))
    page = parse(client.get(link).data)
    assert page.find("button", id="display-large")["form"] == "page-form"
    data = {"csrf_token": csrf(client, link), "body": "补充：我住在振兴街道。", "large": "1"}
    response = client.post(link, data=data)
    assert response.status_code == 200
    page = parse(response.data)
    assert "large" in page.find("html")["class"]
    assert "补充：我住在振兴街道。" in page.find("textarea", id="field-body").text
    with loaded_app.app_context():
        assert db.session.scalars(select(FeedbackMessage)).all() == []


# --- The other forms ------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_barrier_report_about_one_of_our_places(loaded_app, client, prefix):
    form = client.get(prefix + BARRIER + "?place=rukang-zhenxing")
    chosen = parse(form.data).find("input", name="place", checked=True)
    assert chosen["value"] == "rukang-zhenxing"
    response = submit(
        client, prefix + BARRIER, place="rukang-zhenxing", barrier_type="step",
        body="坡道入口被电动车挡住了，轮椅过不去。",
    )  # fmt: skip
    sent_page(client, response)
    (item,) = items(loaded_app)
    assert item.kind == "barrier" and item.barrier_type == "step"
    with loaded_app.app_context():
        item = db.session.get(FeedbackItem, item.id)
        assert item.facility.slug == "rukang-zhenxing"
        assert item.township_id == item.facility.township_id


def place_list(client, path: str) -> list:
    """The barrier form's list of our places in order: ((heading, lang), [(label, lang)])
    for each group of radio buttons, (None, [(label, lang)]) for those outside the groups."""
    doc = parse(client.get(path).data)
    question = doc.find(id="field-place").find_parent("fieldset")

    def labels(within) -> list:
        return [(label.text, label.get("lang")) for label in within.find_all("label")]

    plain = question.find("ul", recursive=False)
    groups = question.find_all("fieldset", class_="checkboxes__group")
    return [(None, labels(plain))] + [
        ((group.find("legend").text, group.find("legend").get("lang")), labels(group))
        for group in groups
    ]


def test_our_places_are_radio_buttons_whose_labels_wrap_under_their_townships(app):
    """A closed drop-down showed about ten characters of the place chosen at 320 px in large
    text: a radio button's label shows the whole name, wrapped. The township is its
    group's legend; the error summary's link goes to the first button."""
    doc = parse(app.test_client().get(BARRIER).data)
    assert doc.find("select", attrs={"name": "place"}) is None
    first = doc.find(id="field-place")
    assert (first.get("type"), first.get("value")) == ("radio", "")
    assert "checked" not in first.attrs  # no button is chosen for the resident
    question = first.find_parent("fieldset")
    assert question.find("legend").text == "我们公布的场所"
    assert question.find_parent("fieldset").find("legend").text == "问题在哪里（必填）"


def test_our_places_are_listed_under_their_townships_each_by_its_own_name(app):
    """名称（镇街） only repeated the heading: the township is the group's."""
    groups = place_list(app.test_client(), BARRIER)
    assert groups[0] == (None, [("不在列表里，或者不知道", None)])
    headings = [heading for heading, _options in groups[1:]]
    assert headings[:3] == [("振兴街道", None), ("信发街道", None), ("温陈街道", None)]
    assert len(headings) == len(set(headings))  # each township once, in the district's order
    zhenxing = dict(groups[1:])[("振兴街道", None)]
    assert [text for text, _lang in zhenxing] == [
        "振兴街道“如康家园”残疾人之家",  # its name says its township: kept as it is
        "茌平区残疾人康复中心",
        "茌平区特殊儿童定点康复机构",
        "茌平区图书馆盲人阅览室",
        "无障碍公共厕所（振兴街道）",
    ]


def test_on_the_english_site_our_places_are_listed_under_their_townships_in_english(app):
    groups = dict(place_list(app.test_client(), "/en" + BARRIER)[1:])
    assert groups[("Zhenxing Subdistrict", None)][:2] == [
        ("Zhenxing Subdistrict Rukang Home for disabled people", None),
        ("Chiping District Rehabilitation Centre for Disabled People", None),
    ]


def test_a_name_places_in_two_townships_share_keeps_each_ones_township(loaded_app, client):
    with loaded_app.app_context():
        for place in db.session.scalars(
            select(Facility).where(Facility.slug.in_(["rukang-zhenxing", "rukang-boping"]))
        ):
            place.name, place.name_en = "残疾人之家", "Home for disabled people"
        db.session.commit()
    groups = dict(place_list(client, BARRIER)[1:])
    assert ("残疾人之家（振兴街道）", None) in groups[("振兴街道", None)]
    assert ("残疾人之家（博平镇）", None) in groups[("博平镇", None)]
    english = dict(place_list(client, "/en" + BARRIER)[1:])
    assert ("Home for disabled people (Boping Town)", None) in english[("Boping Town", None)]
    # Either is still a choice the form takes.
    response = submit(
        client, BARRIER, place="rukang-boping", barrier_type="step", body="坡道被挡住了。"
    )
    sent_page(client, response)
    with loaded_app.app_context():
        (item,) = db.session.scalars(select(FeedbackItem)).all()
        assert (item.facility.slug, item.township.slug) == ("rukang-boping", "boping")


def test_a_barrier_elsewhere_names_a_township_and_a_spot(loaded_app, client):
    response = submit(
        client, BARRIER, township="zhenxing", location="振兴路和文化路路口", barrier_type="tactile",
        body="盲道上停满了车。",
    )  # fmt: skip
    sent_page(client, response)
    (item,) = items(loaded_app)
    assert item.facility_id is None and item.location == "振兴路和文化路路口"


def test_an_unknown_place_in_the_address_is_ignored(client):
    form = client.get(BARRIER + "?place=<script>")
    assert form.status_code == 200
    assert chosen_places(form) == []


def chosen_places(response) -> list[str]:
    """The values of the barrier form's place buttons that are chosen."""
    boxes = parse(response.data).find_all("input", name="place", checked=True)
    return [box["value"] for box in boxes]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_no_place_is_chosen_on_a_fresh_barrier_form(client, prefix):
    """A button chosen for the resident is missed, or sent unread: none is, not even
    不在列表里，或者不知道, which is still offered first."""
    form = client.get(prefix + BARRIER)
    assert chosen_places(form) == []
    first = parse(form.data).find(id="field-place")
    assert first["value"] == "" and "checked" not in first.attrs


@pytest.mark.parametrize("place", [{}, {"place": ""}], ids=["unanswered", "not-in-the-list"])
def test_a_place_left_unanswered_is_taken_as_not_in_the_list(loaded_app, client, place):
    """No button chosen means what 不在列表里，或者不知道 means: a township and a spot do."""
    response = submit(
        client, BARRIER, **place, township="zhenxing", location="振兴路和文化路路口",
        barrier_type="tactile", body="盲道上停满了车。",
    )  # fmt: skip
    sent_page(client, response)
    (item,) = items(loaded_app)
    assert item.facility_id is None and item.location == "振兴路和文化路路口"


@pytest.mark.parametrize("place", [{}, {"place": ""}], ids=["unanswered", "not-in-the-list"])
def test_a_place_left_unanswered_needs_a_township_as_not_in_the_list_does(client, place):
    response = submit(client, BARRIER, **place, barrier_type="step", body="坡道被挡住了。")
    assert response.status_code == 400
    links = error_summary(response.data).find_all("a")
    assert [(a["href"], a.text) for a in links] == [
        ("#field-place", "请选择场所，或者选择镇街并写下具体地点。")
    ]


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize(
    ("place", "chosen"),
    [({}, []), ({"place": ""}, [""]), ({"place": "rukang-zhenxing"}, ["rukang-zhenxing"])],
    ids=["unanswered", "not-in-the-list", "one-of-ours"],
)
def test_the_place_answer_is_kept_after_an_error_elsewhere(client, prefix, place, chosen):
    """Shown again for a missing description, the form chooses what the resident chose,
    or nothing: an unanswered question does not come back answered."""
    response = submit(client, prefix + BARRIER, **place, township="zhenxing", barrier_type="step")
    assert response.status_code == 400
    assert chosen_places(response) == chosen


@pytest.mark.parametrize(
    ("place", "chosen"), [({}, []), ({"place": ""}, [""])], ids=["unanswered", "not-in-the-list"]
)
def test_the_place_answer_is_kept_when_the_form_comes_back_in_large_text(client, place, chosen):
    """The header's 大字版 sends the form (the page again, nothing sent): what was chosen,
    or that nothing was, comes back with it."""
    response = submit(client, BARRIER, **place, large="1", show="1")
    assert response.status_code == 200
    assert "large" in parse(response.data).find("html")["class"]
    assert chosen_places(response) == chosen


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_page_error_report_names_the_page(loaded_app, client, prefix):
    form = client.get(prefix + PAGE + "?page=/facilities/rukang-zhenxing")
    assert (
        parse(form.data).find("input", id="field-page").get("value")
        == "/facilities/rukang-zhenxing"
    )
    response = submit(
        client, prefix + PAGE, page="/facilities/rukang-zhenxing", body="电话打不通。"
    )
    sent_page(client, response)
    (item,) = items(loaded_app)
    assert item.kind == "page" and item.page_path == "/facilities/rukang-zhenxing"


@pytest.mark.parametrize(
    "page",
    ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "facilities", "/\\evil"],
)
def test_a_page_from_another_site_is_dropped_without_an_error(client, page):
    form = client.get(PAGE, query_string={"page": page})
    assert form.status_code == 200
    assert parse(form.data).find("input", id="field-page").get("value") == ""
    assert error_summary(form.data) is None


def test_the_query_of_a_named_page_is_not_kept(client):
    form = client.get(PAGE, query_string={"page": "/search?q=我的病"})
    assert parse(form.data).find("input", id="field-page").get("value") == "/search"


def test_a_private_link_named_as_the_page_keeps_its_place_not_its_token(loaded_app, client):
    status = status_path(sent_page(client, ask(client)))
    footer = [a["href"] for a in parse(client.get(status).data).find_all("a", href=True)]
    [report_link] = [href for href in footer if href.startswith(PAGE)]
    assert status.rsplit("/", 1)[1] not in report_link
    # Pasted in whole, it is kept as the page it is, without the token.
    sent_page(client, submit(client, PAGE, page="http://localhost" + status, body="看不到答复。"))
    [report] = [item for item in items(loaded_app) if item.kind == "page"]
    assert report.page_path == "/feedback/status/…"


# --- Every validation error -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields", "field"),
    [
        (ASK, {"topic": "", "body": QUESTION}, "topic"),
        (ASK, {"topic": "nonsense", "body": QUESTION}, "topic"),
        (ASK, {"topic": "other", "body": "   "}, "body"),
        (ASK, {"topic": "other", "body": "长" * 2001}, "body"),
        (ASK, {"topic": "other", "body": QUESTION, "reply_by": "pigeon"}, "reply_by"),
        (ASK, {"topic": "other", "body": QUESTION, "reply_by": "email"}, "contact_email"),
        (ASK, {"topic": "other", "body": "问", **EMAIL, "contact_email": "x@"}, "contact_email"),
        (ASK, {"topic": "other", "body": QUESTION, "reply_by": "phone"}, "contact_phone"),
        (ASK, {"topic": "other", "body": "问", **PHONE, "contact_phone": "1234"}, "contact_phone"),
        (ASK, {"topic": "other", "body": "a\x00b"}, "body"),
        (BARRIER, {"barrier_type": "step", "body": "挡住了"}, "place"),
        (BARRIER, {"place": "rukang-zhenxing", "body": "挡住了"}, "barrier_type"),
        (BARRIER, {"place": "nowhere", "barrier_type": "step", "body": "挡住了"}, "place"),
        (BARRIER, {"township": "zhenxing", "barrier_type": "step", "body": ""}, "body"),
        (PAGE, {"page": "https://evil.example/", "body": "错了"}, "page"),
        (PAGE, {"page": "/about", "body": ""}, "body"),
    ],
)  # fmt: skip
def test_each_error_is_listed_and_shown_by_its_field_and_the_text_is_kept(
    loaded_app, client, path, fields, field
):
    loaded_app.config.update(MAIL_NOWHERE)
    response = submit(client, path, **fields)
    assert response.status_code == 400
    doc = parse(response.data)
    summary = error_summary(response.data)
    assert summary is not None and summary.find("a", href=f"#field-{field}") is not None
    assert doc.find(id=f"field-{field}") is not None
    assert doc.find(class_="field--error") is not None
    assert doc.find("title").text.startswith("错误：")
    body = doc.find("textarea", id="field-body")
    if fields.get("body", "").strip() and "\x00" not in fields["body"]:
        assert fields["body"].strip() in body.get_text()
    assert items(loaded_app) == []


@pytest.mark.parametrize("path", [ASK, BARRIER, PAGE])
def test_email_is_offered_only_when_the_site_can_send_mail(loaded_app, client, path):
    doc = parse(client.get(path).data)  # no mail server: the default
    assert doc.find("input", name="reply_by", value="email") is None
    assert doc.find(id="field-contact_email") is None
    for address in ("li@example.com", ""):  # a form from before, or sent by hand
        response = submit(client, path, **EMAIL, contact_email=address)
        assert response.status_code == 400
        links = [a["href"] for a in error_summary(response.data).find_all("a")]
        assert "#field-reply_by" in links
        doc = parse(response.data)
        assert all(doc.find(id=href[1:]) is not None for href in links), links
    loaded_app.config.update(MAIL_NOWHERE)
    doc = parse(client.get(path).data)
    assert doc.find("input", name="reply_by", value="email") is not None
    assert doc.find(id="field-contact_email") is not None


@pytest.mark.parametrize("path", [ASK, BARRIER, PAGE])
def test_errors_on_the_english_site(loaded_app, client, path):
    response = submit(client, "/en" + path, body="")
    assert response.status_code == 400
    doc = parse(response.data)
    assert doc.find("html").get("lang") == "en"
    assert error_summary(response.data).find("a", href="#field-body") is not None
    assert items(loaded_app) == []


def test_an_over_long_text_says_how_much_to_cut(client):
    response = submit(client, ASK, topic="other", body="长" * 2010)
    assert "现在有 2010 个字" in error_summary(response.data).text


# A browser sends each line break of a text box as CR LF; the box and its count have LF.
LINES_IN_THE_BOX = "第一行\r\n" * 500  # 2,000 characters in the box, 1,999 once stripped


def test_a_line_break_counts_as_one_character_and_is_kept_as_lf(loaded_app, client):
    link = status_path(sent_page(client, submit(client, ASK, topic="other", body=LINES_IN_THE_BOX)))
    response = client.post(link, data={"csrf_token": csrf(client, link), "body": LINES_IN_THE_BOX})
    assert response.status_code == 303
    with loaded_app.app_context():
        (item,) = db.session.scalars(select(FeedbackItem)).all()
        (message,) = db.session.scalars(select(FeedbackMessage)).all()
        assert item.body == message.body == LINES_IN_THE_BOX.replace("\r\n", "\n").strip()


@pytest.mark.parametrize(
    ("prefix", "said"),
    [("", "现在有 2001 个字。请删去 1 个字。"),
     ("/en", "it has 2,001. Please remove 1 character.")],
)  # fmt: skip
def test_one_character_over_counted_as_the_box_counts_is_one_to_remove(client, prefix, said):
    response = submit(client, prefix + ASK, topic="other", body=LINES_IN_THE_BOX + "多")
    assert response.status_code == 400
    assert said in error_summary(response.data).text


def test_an_email_typed_beside_answer_on_the_site_is_not_kept(loaded_app, client):
    sent_page(client, ask(client, contact_email="li@example.com", contact_phone="13800000000"))
    (item,) = items(loaded_app)
    assert item.contact_email is None and item.contact_phone is None


def test_a_resident_who_cannot_take_a_call_asks_for_texts_only(loaded_app, client):
    """A deaf resident could only choose "text or call me"; staff now see a text is wanted."""
    refused = ask(client, reply_by="sms")
    assert refused.status_code == 400
    assert error_summary(refused.data).find("a", href="#field-contact_phone") is not None
    sent_page(client, ask(client, reply_by="sms", contact_phone="138 0000 0001"))
    (item,) = items(loaded_app)
    assert item.reply_by == "sms" and item.contact_phone == "13800000001"
    make_staff(loaded_app, "sms-reader", "admin")
    page = signed_in(loaded_app, "sms-reader").get(f"/staff/inbox/{item.id}").get_data(as_text=True)
    assert "只要短信，不要打电话" in page and "只发短信给我，不要打电话" in page


def test_a_mobile_number_is_kept_as_its_digits(loaded_app, client):
    sent_page(client, ask(client, reply_by="phone", contact_phone="+86 138-0000-0000"))
    (item,) = items(loaded_app)
    assert item.contact_phone == "13800000000" and item.reply_by == "phone"


# What each form needs besides its contact fields, to be sent.
FILLED = {
    ASK: {"topic": "other", "body": QUESTION},
    BARRIER: {"township": "zhenxing", "barrier_type": "step", "body": "坡道被挡住了。"},
    PAGE: {"page": "/about", "body": "电话打不通。"},
}


@pytest.mark.parametrize("path", [ASK, BARRIER, PAGE])
@pytest.mark.parametrize(
    ("way", "typed", "kept"),
    [
        ("phone", "１３８００００００００", "13800000000"),
        ("sms", "＋８６ １３８－００００－０００２", "13800000002"),
        ("phone", "0635-1234567", "0635-1234567"),
        ("phone", "０６３５－１２３４５６７", "0635-1234567"),
        ("phone", "(0635) 123 4567", "0635-1234567"),
        ("phone", "010-12345678", "010-12345678"),
        ("phone", "+86 10 1234 5678", "010-12345678"),
        ("email", "someone＠example.com", "someone@example.com"),
        ("email", "\u3000ｌｉ＠ｅｘａｍｐｌｅ。ｃｏｍ ", "li@example.com"),
    ],
)  # fmt: skip
def test_contact_details_from_a_chinese_keyboard_are_taken_and_kept_as_they_are_meant(
    loaded_app, client, path, way, typed, kept
):
    """A full-width number or ＠ was refused as a wrong number or address, and a resident
    with only a landline could not ask to be called back."""
    loaded_app.config.update(MAIL_NOWHERE)
    field = "contact_email" if way == "email" else "contact_phone"
    sent_page(client, submit(client, path, **FILLED[path], reply_by=way, **{field: typed}))
    (item,) = items(loaded_app)
    assert getattr(item, field) == kept and item.reply_by == way


@pytest.mark.parametrize(
    ("field", "typed", "shown"),
    [
        ("contact_phone", "＋８６ １３８－００００－００００", "13800000000"),
        ("contact_phone", "０６３５ １２３４５６７", "0635-1234567"),
        ("contact_phone", "１２３４", "1234"),
        ("contact_email", "someone＠example.com", "someone@example.com"),
    ],
)
def test_a_form_shown_again_shows_contact_details_as_they_are_kept(
    loaded_app, client, field, typed, shown
):
    loaded_app.config.update(MAIL_NOWHERE)
    way = "email" if field == "contact_email" else "phone"
    response = ask(client, topic="", reply_by=way, **{field: typed})
    assert response.status_code == 400
    assert parse(response.data).find("input", id=f"field-{field}")["value"] == shown


@pytest.mark.parametrize(
    ("prefix", "typed", "said"),
    [
        ("", "me@163.com 1", "电子邮箱地址中间不能有空格"),  # was kept as me@163.com1
        ("", "not an email", "电子邮箱地址中间不能有空格"),  # was shown again as notanemail
        ("/en", "zhang san@qq.com", "cannot have a space inside it"),
    ],
)
def test_an_address_with_a_space_inside_is_refused_beside_it_and_shown_as_typed(
    loaded_app, client, prefix, typed, said
):
    loaded_app.config.update(MAIL_NOWHERE)
    refused = ask(client, prefix, reply_by="email", contact_email=typed)
    assert refused.status_code == 400
    doc = parse(refused.data)
    box = doc.find("input", id="field-contact_email")
    assert box["value"] == typed
    assert any(said in doc.find(id=ref).text for ref in box["aria-describedby"].split())
    assert items(loaded_app) == []


def test_a_text_needs_a_mobile_and_the_message_says_a_landline_can_be_called(loaded_app, client):
    refused = ask(client, reply_by="sms", contact_phone="0635-1234567")
    assert refused.status_code == 400
    message = error_summary(refused.data).find("a", href="#field-contact_phone").text
    assert "短信只能发到手机" in message and "工作人员发短信或打电话给我" in message
    assert items(loaded_app) == []


@pytest.mark.parametrize(
    ("way", "typed", "said"),
    [
        ("phone", "", "请填写手机号码或固定电话"),
        ("phone", "635-1234567", "或者带区号的固定电话"),
        ("phone", "1234567", "或者带区号的固定电话"),
        ("sms", "", "您选了只发短信，请填写手机号码"),
        ("sms", "1380000000", "1 开头的 11 位数字"),
    ],
)
def test_a_wrong_number_is_told_what_is_taken(client, way, typed, said):
    refused = ask(client, reply_by=way, contact_phone=typed)
    assert refused.status_code == 400
    assert said in error_summary(refused.data).find("a", href="#field-contact_phone").text


def test_staff_see_a_landline_as_it_is_dialled(loaded_app, client):
    sent_page(client, ask(client, reply_by="phone", contact_phone="（０６３５）１２３４５６７"))
    (item,) = items(loaded_app)
    make_staff(loaded_app, "landline-reader", "admin")
    reader = signed_in(loaded_app, "landline-reader")
    page = parse(reader.get(f"/staff/inbox/{item.id}").data)
    terms = {dt.text: dt.find_next_sibling("dd").text.strip() for dt in page.find_all("dt")}
    assert terms["联系方式"] == "0635-1234567", terms


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0635-1234567-8", "0635-1234567 转 8"),  # was 0635-12345678
        ("0635-1234567 转 8", "0635-1234567 转 8"),
        ("０６３５－１２３４５６７转８", "0635-1234567 转 8"),
        ("0635-1234567 ext. 12", "0635-1234567 转 12"),
        ("0635-1234567分机123", "0635-1234567 转 123"),
        ("010-12345678-1234", "010-12345678 转 1234"),
        ("0635-123-4567", "0635-1234567"),  # short of a whole number: its parts are one
        ("010-1234-5678", "010-12345678"),
        ("0635 1234567 8", "0635 1234567 8"),  # was 0635-12345678
        ("010-1234567-8", "010-1234567-8"),  # was 010-12345678
        ("13800000000 转 8", "13800000000 转 8"),
    ],
)
def test_a_landline_s_extension_is_kept_and_never_made_part_of_another_number(typed, kept):
    assert typed_phone(typed) == kept


@pytest.mark.parametrize(
    ("way", "typed", "said"),
    [
        ("phone", "0635-1234567-8", None),
        ("phone", "0635 1234567 8", "有分机号的，写成 0635-1234567 转 8"),
        ("phone", "010-1234567-8", "有分机号的，写成 0635-1234567 转 8"),
        ("sms", "0635-1234567 转 8", "短信只能发到手机"),
    ],
)
def test_a_number_with_an_extension_is_called_or_told_how_to_write_it(i18n_app, way, typed, said):
    with i18n_app.test_request_context():
        problems = contact_problems({"reply_by": way, "contact_phone": typed_phone(typed)})
    assert [said in p.message for p in problems] == ([True] if said else [])


def test_staff_see_a_landline_s_extension_and_are_told_to_call(loaded_app, client):
    sent_page(client, ask(client, reply_by="phone", contact_phone="０６３５－１２３４５６７－８"))
    (item,) = items(loaded_app)
    assert item.contact_phone == "0635-1234567 转 8"
    make_staff(loaded_app, "extension-reader", "admin")
    reader = signed_in(loaded_app, "extension-reader")
    page = parse(reader.get(f"/staff/inbox/{item.id}").data)
    terms = {dt.text: dt.find_next_sibling("dd").text.strip() for dt in page.find_all("dt")}
    assert terms["联系方式"] == "0635-1234567 转 8"
    assert "留的是固定电话，收不到短信" in page.text


def test_every_form_says_what_is_kept_and_for_how_long(client):
    for path in (ASK, BARRIER, PAGE, "/en" + ASK):
        doc = parse(client.get(path).data)
        privacy = doc.find(id="privacy")
        assert privacy is not None
        kept = privacy.find_next("ul").text
        assert "180" in kept  # FEEDBACK_RETENTION_DAYS
        assert ("备份" in kept or "backup" in kept) and "30" in kept  # BACKUP_KEEP_DAYS
        assert "邮箱" not in kept and "email" not in kept  # this site sends no mail


def test_every_field_is_labelled(client):
    for path in (ASK, BARRIER, PAGE):
        doc = parse(client.get(path).data)
        form = doc.find("form", class_="form")
        for control in form.find_all(["input", "select", "textarea"]):
            if control.get("type") in ("hidden", "radio"):
                continue
            assert doc.find("label", for_=control.get("id")) is not None, control


@pytest.mark.parametrize("prefix, marker", [("", "（必填）"), ("/en", " (required)")])
def test_a_field_that_must_be_filled_in_says_so_before_the_form_is_sent(client, prefix, marker):
    for path, form in zip((ASK, BARRIER, PAGE), FORMS.values(), strict=True):
        doc = parse(client.get(prefix + path).data)
        for field in form.fields:
            control = doc.find(id=f"field-{field.name}")
            if control is None:  # not offered: email without mail, places none published
                continue
            if field.type == "radio":
                said = control.find_parent("fieldset").find("legend").get_text()
            else:
                said = doc.find("label", for_=control["id"]).get_text()
                assert (control.get("aria-required") == "true") is field.required, control
            assert said.endswith(marker) is field.required, (path, said)


@pytest.mark.parametrize("demo, hint", [(True, "在我们公布的场所里选一个"), (False, "选择镇街")])
def test_where_a_barrier_is_is_one_question_that_needs_an_answer(tmp_path, demo, hint):
    client = make_loaded_app(tmp_path / "site.sqlite", demo=demo).test_client()
    doc = parse(client.get(BARRIER).data)
    where = doc.find("fieldset", aria_describedby="field-where-hint")
    assert where.find("legend").get_text() == "问题在哪里（必填）"
    assert doc.find(id="field-where-hint").get_text().startswith(hint)
    names = list(dict.fromkeys(c["name"] for c in where.find_all(["select", "input"])))
    assert names == (["place", "township", "location"] if demo else ["township", "location"])


# --- Spam and abuse ----------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_everyone_and_refuses_the_form(loaded_app, client):
    doc = parse(client.get(ASK).data)
    trap = doc.find("input", name="homepage")
    wrapper = trap.parent
    assert wrapper.get("aria-hidden") == "true" and "visually-hidden" in wrapper.classes
    assert trap.get("tabindex") == "-1"
    assert "不要填写" in wrapper.find("label").text
    response = ask(client, homepage="http://spam.example")
    assert response.status_code == 400
    assert error_summary(response.data) is not None
    assert QUESTION.split("\n")[0] in response.text  # the text is kept for a person
    assert items(loaded_app) == []


def test_no_captcha_anywhere(client):
    for path in (ASK, BARRIER, PAGE):
        assert "captcha" not in client.get(path).text.lower()


def test_the_rate_limit_per_address_is_shared_by_every_app_on_the_database(tmp_path):
    from conftest import make_loaded_app

    config = {"FEEDBACK_PER_ADDRESS": 2, "FEEDBACK_OVERALL": 100}
    first = make_loaded_app(tmp_path / "site.sqlite", **config)
    second = make_app(tmp_path / "site.sqlite", **config)  # the same file, another app
    one, two = first.test_client(), second.test_client()
    sent_page(one, ask(one, body="第一个问题"))
    sent_page(two, ask(two, body="第二个问题"))
    refused = ask(one, body="第三个问题")
    assert refused.status_code == 429
    assert "分钟后再提交" in error_summary(refused.data).text
    assert "第三个问题" in refused.text  # kept
    other_address = second.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    sent_page(other_address, ask(other_address, body="别的地址的问题"))


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_whole_site_s_figure_tells_staff_and_refuses_only_at_the_ceiling(tmp_path):
    """Many senders no longer shut the forms for everyone at FEEDBACK_OVERALL: staff are
    told on the inbox's list and the back office's home; only the much higher ceiling
    refuses, and the refusal says how else to reach the federation."""
    from conftest import make_loaded_app

    app = make_loaded_app(
        tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=100, FEEDBACK_OVERALL=2, FEEDBACK_CEILING=4
    )
    make_staff(app, "li", "editor")
    inbox = signed_in(app, "li")
    assert parse(inbox.get("/staff/inbox/").data).find(id="inbox-flood") is None
    assert parse(inbox.get("/staff/").data).find(id="inbox-flood") is None
    for number in range(4):
        client = from_address(app, f"10.0.{number}.1")
        sent_page(client, ask(client, body=f"问题 {number}"))
    for page in ("/staff/inbox/", "/staff/"):  # the inbox's list and the back office's home
        flood = parse(inbox.get(page).data).find(id="inbox-flood")
        assert flood is not None and "4 条" in flood.text
    late = from_address(app, "10.0.200.1")
    refused = ask(late, body="又一个问题")
    assert refused.status_code == 429
    summary = error_summary(refused.data).text
    assert "分钟后再提交" in summary and "也可以这样联系我们" in summary
    assert "又一个问题" in refused.text
    other_ways = parse(refused.data).find(id="other-ways")
    assert other_ways is not None
    text = other_ways.find_next("p").text
    assert "12345" in text and "短信" not in text  # the federation has published no SMS line
    assert "区残联的电话、地址和办公时间，本站还没有公布" in parse(refused.data).find("main").text
    assert "/contacts/" in parse(refused.data).find("main").hrefs
    # A form that was not refused does not list them.
    assert parse(late.get(ASK).data).find(id="other-ways") is None


@pytest.mark.parametrize(
    ("addresses", "refused"),
    [
        # One IPv6 /56: three /64s, the third over the /56's limit of 2.
        (["2001:db8:1:1::1", "2001:db8:1:2::1", "2001:db8:1:3::1"], 2),
        # One /48: /56s of their own, the fourth over the /48's limit of 3.
        (["2001:db8:1:100::1", "2001:db8:1:200::1", "2001:db8:1:300::1", "2001:db8:1:400::1"], 3),
        # One IPv4 /24: the fourth over its limit of 3.
        (["10.0.3.1", "10.0.3.2", "10.0.3.3", "10.0.3.4"], 3),
    ],
)
def test_wider_networks_are_counted_too(tmp_path, addresses, refused):
    """A sender with many addresses (a /48 holds 65,536 /64s) is limited by the networks
    they are in, and only they: the next network is served."""
    from conftest import make_loaded_app

    app = make_loaded_app(
        tmp_path / "site.sqlite",
        FEEDBACK_PER_ADDRESS=1, FEEDBACK_PER_NETWORK=2, FEEDBACK_PER_WIDE_NETWORK=3,
    )  # fmt: skip
    codes = []
    for number, address in enumerate(addresses):
        codes.append(ask(from_address(app, address), body=f"问题 {number}").status_code)
    assert codes == [303] * refused + [429] * (len(addresses) - refused)
    for neighbour in ("2001:db8:2::1", "10.0.4.1"):
        client = from_address(app, neighbour)
        sent_page(client, ask(client, body=f"邻居 {neighbour}"))


def follow_up(app, address: str, link: str, text: str) -> int:
    """A follow-up sent from `address` on the status page `link`: the status code."""
    client = from_address(app, address)
    return client.post(link, data={"csrf_token": csrf(client, link), "body": text}).status_code


def test_a_follow_up_is_counted_by_its_item_and_not_refused_for_new_messages(tmp_path):
    """The new messages' ceiling refuses no follow-up: they have one of their own."""
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_CEILING=1, FEEDBACK_PER_ITEM=2)
    resident = from_address(app, "10.0.5.1")
    link = status_path(sent_page(resident, ask(resident)))
    assert ask(from_address(app, "10.0.6.1"), body="别人的问题").status_code == 429  # the ceiling
    codes = [follow_up(app, "10.0.5.1", link, text) for text in ("补充一", "补充二", "补充三")]
    assert codes == [303, 303, 429]  # the item's own limit
    with app.app_context():
        assert len(db.session.scalars(select(FeedbackMessage)).all()) == 2
    # A made-up status link is no follow-up: nothing is counted, the page is not found.
    assert resident.post("/feedback/status/" + "x" * 43, data={"body": "补充"}).status_code in (
        400, 404
    )  # fmt: skip


@pytest.mark.parametrize(("window", "said"), [(1, "in 1 minute;"), (60, "in 60 minutes;")])
def test_the_english_refusals_say_minute_or_minutes_as_the_wait_needs(tmp_path, window, said):
    """The minutes to wait can be one (a window of one minute): "in 1 minute", never "in 1
    minutes", on the forms and on the status page's follow-up."""
    from conftest import make_loaded_app

    app = make_loaded_app(
        tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=1, FEEDBACK_WINDOW_MINUTES=window
    )
    resident = from_address(app, "10.0.5.1")
    link = status_path(sent_page(resident, ask(resident, "/en")))
    refused = ask(resident, "/en", body="A second question")
    assert refused.status_code == 429
    assert said in error_summary(refused.data).text
    more = resident.post(link, data={"csrf_token": csrf(resident, link), "body": "One more thing"})
    assert more.status_code == 429
    assert said in error_summary(more.data).text
    assert "One more thing" in more.text  # kept


def test_follow_ups_are_counted_by_their_sender_and_against_a_ceiling_of_their_own(tmp_path):
    """A sender with many items could add FEEDBACK_PER_ITEM follow-ups to each, without
    end: they count against the sender's address and networks too, and against a whole-site
    ceiling for follow-ups, which keeps storage bounded."""
    from conftest import make_loaded_app

    app = make_loaded_app(
        tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=3, FEEDBACK_FOLLOW_UP_CEILING=4
    )
    links = []
    for number in range(3):
        client = from_address(app, f"10.1.{number}.1")
        links.append(status_path(sent_page(client, ask(client, body=f"问题 {number}"))))
    flooder = [follow_up(app, "10.9.9.9", link, f"补充 {n}") for n, link in enumerate(links * 2)]
    assert flooder == [303, 303, 303, 429, 429, 429]  # the address's limit
    assert follow_up(app, "10.9.8.1", links[0], "又一条") == 303  # the fourth of the site
    assert follow_up(app, "10.9.7.1", links[1], "再一条") == 429  # the follow-ups' ceiling
    newcomer = from_address(app, "10.2.0.1")
    sent_page(newcomer, ask(newcomer, body="新的问题"))  # new messages have their own
    with app.app_context():
        assert len(db.session.scalars(select(FeedbackMessage)).all()) == 4


def test_the_log_is_told_of_a_flood_once_a_window_however_the_level_is_passed(tmp_path, caplog):
    """It was told only when the figure equalled the level: two messages at once could pass
    it without a line, and a figure going down and up again told it again."""
    from datetime import timedelta

    from barrierfree.database import utcnow
    from barrierfree.feedback import throttle
    from barrierfree.feedback.models import FeedbackSubmission
    from conftest import make_loaded_app
    from sqlalchemy import update

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=100, FEEDBACK_OVERALL=3)
    with app.app_context():  # as if several came at once: the level passed, not met
        db.session.add_all(FeedbackSubmission(address_hash=throttle.SITE) for _ in range(4))
        db.session.commit()

    def warnings() -> int:
        return sum("a flood?" in r.getMessage() for r in caplog.records)

    for number in range(3):
        client = from_address(app, f"10.3.{number}.1")
        sent_page(client, ask(client, body=f"问题 {number}"))
    assert warnings() == 1
    with app.app_context():  # a window later, still a flood: told again
        db.session.execute(
            update(FeedbackSubmission)
            .where(FeedbackSubmission.address_hash == throttle.ALARM)
            .values(at=utcnow() - timedelta(minutes=61))
        )
        db.session.commit()
    client = from_address(app, "10.3.9.1")
    sent_page(client, ask(client, body="又一个问题"))
    assert warnings() == 2


def test_counted_rows_are_kept_as_long_as_a_window_longer_than_a_day(tmp_path):
    from datetime import timedelta

    from barrierfree.database import utcnow
    from barrierfree.feedback import throttle
    from barrierfree.feedback.models import FeedbackSubmission

    app = make_app(tmp_path / "site.sqlite", FEEDBACK_WINDOW_MINUTES=3 * 24 * 60)
    with app.app_context():
        for days in (2, 4):
            db.session.add(FeedbackSubmission(address_hash="a", at=utcnow() - timedelta(days=days)))
        db.session.commit()
        assert throttle.forget_old() == 1  # the one older than the window
        db.session.commit()
        assert len(db.session.scalars(select(FeedbackSubmission)).all()) == 1


def test_a_message_keeps_no_trace_of_its_senders_address(loaded_app):
    """The privacy note says the address is not kept: the rate limits' counted rows hold it
    only as keyed hashes, for a day, and the item holds neither it nor any of them."""
    from datetime import timedelta

    from barrierfree.database import utcnow
    from barrierfree.feedback import throttle
    from barrierfree.feedback.models import FeedbackSubmission
    from sqlalchemy import update

    client = from_address(loaded_app, "10.7.7.7")
    sent_page(client, ask(client))
    with loaded_app.app_context():
        counted = db.session.scalars(select(FeedbackSubmission.address_hash)).all()
        hashes = {throttle.keyed("10.7.7.7"), throttle.keyed("10.7.7.0/24")}
        assert hashes <= set(counted)
        row = db.session.execute(select(FeedbackItem.__table__)).one()
        assert not any(str(value) in hashes or "10.7.7." in str(value) for value in row)
        a_day_ago = utcnow() - throttle.KEEP - timedelta(minutes=1)
        db.session.execute(update(FeedbackSubmission).values(at=a_day_ago))
        assert throttle.forget_old() == len(counted)


@pytest.mark.parametrize(
    ("window", "said"),
    [(60, ("1 天后就删除", "after 1 day.")), (3 * 24 * 60, ("3 天后就删除", "after 3 days."))],
)
def test_the_privacy_note_says_how_long_the_address_s_code_is_kept(tmp_path, window, said):
    """As long as the counted rows are kept: a day, or a window longer than that."""
    app = make_app(tmp_path / "site.sqlite", FEEDBACK_WINDOW_MINUTES=window)
    client = app.test_client()
    for prefix, words in zip(("", "/en"), said, strict=True):
        note = parse(client.get(prefix + ASK).data).find(id="privacy").find_next("ul")
        assert words in note.text


def test_the_networks_a_sender_is_counted_in():
    from barrierfree.feedback.throttle import wider_networks

    assert wider_networks("2001:db8:1:2::/64") == ["2001:db8:1::/56", "2001:db8:1::/48"]
    assert wider_networks("2001:db8:1:2ff::/64") == ["2001:db8:1:200::/56", "2001:db8:1::/48"]
    assert wider_networks("192.0.2.77") == ["192.0.2.0/24"]
    assert wider_networks("unknown") == []


def test_the_honeypot_uses_up_no_limit_that_residents_share(tmp_path):
    """301 filled-in honeypots shut the forms for the whole site for an hour."""
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=1, FEEDBACK_OVERALL=2)
    for number in range(3):
        bot = app.test_client()
        bot.environ_base["REMOTE_ADDR"] = f"10.0.1.{number}"
        assert ask(bot, homepage="http://spam.example").status_code == 400
    resident = app.test_client()
    resident.environ_base["REMOTE_ADDR"] = "10.0.1.0"  # a bot's address, even
    sent_page(resident, ask(resident))


def test_one_ipv6_network_counts_as_one_sender(tmp_path):
    """A home or a phone is given a whole /64: each of its addresses had a limit of its own."""
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=1)
    first, same_home, next_door = (app.test_client() for _ in range(3))
    first.environ_base["REMOTE_ADDR"] = "2001:db8:5:7::1"
    same_home.environ_base["REMOTE_ADDR"] = "2001:db8:5:7:ffff::12c"
    next_door.environ_base["REMOTE_ADDR"] = "2001:db8:5:8::1"
    sent_page(first, ask(first, body="第一个问题"))
    assert ask(same_home, body="第二个问题").status_code == 429
    sent_page(next_door, ask(next_door, body="邻居的问题"))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "**粗体** [链接](javascript:alert(1))",
        "\u202egnp.exe\u202c 正常文字",
    ],
)
def test_hostile_text_is_stored_plain_and_shown_escaped(loaded_app, client, hostile):
    page = sent_page(client, ask(client, body=hostile))
    link = status_path(page)
    status = client.get(link)
    (item,) = items(loaded_app)
    assert "\u202e" not in item.body and "\u202c" not in item.body
    assert "<script>alert" not in status.text and "<img src=x" not in status.text
    assert "<strong>" not in parse(status.data).find(class_="plain-text").decode()
    shown = parse(status.data).find(class_="plain-text").text
    assert shown == item.body


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_ten_megabyte_body_gets_a_clear_page_not_an_error(loaded_app, client, prefix):
    token = csrf(client, prefix + ASK)
    response = client.post(
        prefix + ASK,
        data={"csrf_token": token, "topic": "other", "reply_by": "site", "body": "长" * 10_000_000},
    )
    assert response.status_code == 413
    doc = parse(response.data)
    assert doc.find("html").get("lang") == ("en" if prefix else "zh-CN")
    assert doc.find("form", class_="form") is None  # the page that says why, not a form
    if not prefix:  # (the English wording comes with the catalogue)
        assert doc.find("h1").text == "内容太长，没有保存"
    assert items(loaded_app) == []


def test_a_body_over_the_forms_limit_is_refused_before_it_is_read(loaded_app, client):
    token = csrf(client, ASK)
    response = client.post(ASK, data={"csrf_token": token, "topic": "other", "body": "x" * 100_000})
    assert response.status_code == 413
    assert len(response.data) < 50_000  # the text is not sent back
    assert items(loaded_app) == []


def test_a_text_a_little_too_long_comes_back_with_how_much_to_cut(client):
    response = submit(client, ASK, topic="other", body="长" * 3000)
    assert response.status_code == 400
    assert "请删去 1000 个字" in error_summary(response.data).text


def test_an_expired_form_keeps_the_text(loaded_app, client):
    response = client.post(ASK, data={"topic": "other", "reply_by": "site", "body": QUESTION})
    assert response.status_code == 400
    assert "已经失效" in error_summary(response.data).text
    assert (
        "残疾人证丢了怎么补办" in parse(response.data).find("textarea", id="field-body").get_text()
    )


def test_a_body_that_cannot_be_read_is_not_said_to_be_kept(client):
    """A multipart body cut short is dropped whole by the form parser, token and text: the
    page may not say that what was written is still below."""
    token = csrf(client, ASK)
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n{QUESTION}'
    ).encode()
    response = client.post(ASK, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    summary = error_summary(response.data).text
    assert "没能读出来" in summary and "还在下面" not in summary


@pytest.mark.parametrize("address", ["http://[x", "https://[::1", "//["])
def test_a_page_address_with_an_open_bracket_is_refused_not_a_failure(client, address):
    assert client.get(PAGE, query_string={"page": address}).status_code == 200
    response = submit(client, PAGE, page=address, body="地址写错了")
    assert response.status_code == 400
    assert "地址写错了" in response.get_data(as_text=True)


def test_nothing_typed_goes_into_an_address(client):
    response = ask(client)
    assert "残疾" not in response.headers["Location"]


# --- References -------------------------------------------------------------------------


def test_references_are_unique_when_many_arrive_at_once(tmp_path):
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=100, FEEDBACK_OVERALL=100)
    statuses = []

    def send(number: int) -> None:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{number}"
        statuses.append(ask(client, body=f"同时提交的问题 {number}").status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 16
    sequences = sorted(item.sequence for item in items(app))
    assert sequences == list(range(1, 17))


def test_a_double_click_stores_one_item(tmp_path, monkeypatch):
    """Two posts of one form at the same moment: the second waits for the first, finds it,
    and gets its reference."""
    from barrierfree.feedback import throttle
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=100)
    together = threading.Barrier(2)
    reserve = throttle.reserve
    monkeypatch.setattr(
        throttle, "reserve", lambda address: together.wait(10) and 0 or reserve(address)
    )
    client = app.test_client()
    page = parse(client.get(ASK).data).find("form", id="page-form")
    token, key = (page.find("input", name=name)["value"] for name in ("csrf_token", "form_key"))
    pages = []

    def click() -> None:
        data = {"csrf_token": token, "form_key": key, "reply_by": "site", "topic": "other",
                "body": QUESTION}  # fmt: skip
        pages.append(client.post(ASK, data=data).status_code)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pages == [303, 303]
    assert len(items(app)) == 1


def test_a_follow_up_sent_twice_is_kept_once_but_again_after_an_answer(loaded_app, client):
    link = status_path(sent_page(client, ask(client)))

    def follow_up():
        response = client.post(
            link, data={"csrf_token": csrf(client, link), "body": "好的，谢谢。"}
        )
        assert response.status_code == 303

    follow_up()
    follow_up()  # Back, and send again
    with loaded_app.app_context():
        item = db.session.scalar(select(FeedbackItem))
        db.session.add(FeedbackMessage(item_id=item.id, kind="reply", body="已经办好了。"))
        db.session.commit()
    follow_up()  # to the next answer
    with loaded_app.app_context():
        kinds = db.session.scalars(select(FeedbackMessage.kind).order_by(FeedbackMessage.id))
        assert list(kinds) == ["follow_up", "reply", "follow_up"]


# --- Working days ----------------------------------------------------------------------


def test_working_days_skip_weekends():
    from datetime import date

    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday → Monday
    assert add_working_days(date(2026, 12, 2), 5) == date(2026, 12, 9)


def test_working_days_skip_public_holidays_when_the_calendar_is_installed(monkeypatch):
    from datetime import date

    from barrierfree.feedback import working_days

    pytest.importorskip("chinese_calendar")
    assert not is_working_day(date(2026, 10, 1))  # National Day, a Thursday
    monkeypatch.setattr(working_days, "chinese_calendar", None)
    assert is_working_day(date(2026, 10, 1))  # without it, weekdays only


# --- The page cache --------------------------------------------------------------------


def test_a_submission_leaves_the_public_pages_cached(loaded_app, client):
    from barrierfree.page_cache import PageCacheGeneration

    def generation() -> int:
        with loaded_app.app_context():
            return db.session.get(PageCacheGeneration, 1).number

    before = generation()
    link = status_path(sent_page(client, ask(client)))
    client.post(link, data={"csrf_token": csrf(client, link), "body": "补充"})
    assert generation() == before


def test_forms_and_status_pages_are_never_served_from_the_cache(client):
    link = status_path(sent_page(client, ask(client)))
    for path in (ASK, link):
        for _ in range(2):
            response = client.application.test_client().get(path)
            assert response.headers.get("X-Page-Cache") != "hit", path


def test_without_published_places_the_barrier_form_asks_only_for_the_township(tmp_path):
    """The list of our places offered one choice, 不在列表里, while none was published."""
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", demo=False)
    client = app.test_client()
    form = parse(client.get(BARRIER).data).find("form", class_="form")
    assert form.find(id="field-place") is None and form.find(id="field-township") is not None
    refused = submit(client, BARRIER, barrier_type="step", body="坡道被挡住了。")
    assert refused.status_code == 400
    assert error_summary(refused.data).find("a", href="#field-township") is not None


@pytest.mark.parametrize("path", ["/", "/facilities/"])
def test_the_home_page_and_the_places_lead_to_the_barrier_report(client, path):
    assert BARRIER in parse(client.get(path).data).find("main").hrefs


def test_a_browser_that_keeps_no_cookie_is_told_why_the_form_fails(loaded_app):
    """Without the session cookie the form's token can never be checked: the resident is
    told what to do instead of being asked to send again and again."""
    client = loaded_app.test_client(use_cookies=False)
    page = parse(client.get(ASK).data)
    token = page.find("input", name="csrf_token").get("value")
    data = {"csrf_token": token, "reply_by": "site", "topic": "other", "body": QUESTION}
    response = client.post(ASK, data=data)
    assert response.status_code == 400
    text = parse(response.data).find("main").text
    assert "Cookie" in text and "12345" in text
    assert parse(response.data).find("textarea", name="body").get_text().strip() == QUESTION
