"""Contacts: the directory by need and channel, a page per channel, the ways to ask about a
service, and the help link every page carries in the same place."""

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from barrierfree import opening_hours
from barrierfree.contacts.models import ContactChannel
from barrierfree.contacts.spec import CONTACTS
from barrierfree.contacts.structured_data import contact_page
from barrierfree.content.files import ContentError
from barrierfree.content.loader import load
from barrierfree.database import db
from conftest import json_ld, listed, parse
from sqlalchemy import select

ALL_CONTACTS = 16
REAL = {"hotline-12345": "12345", "hotline-12385": "12385"}
HEARING_IMPAIRED = "https://schema.org/HearingImpairedSupported"


@pytest.fixture
def content_db(app):
    """An app context on the shared app, whose database holds content/ (read only)."""
    with app.app_context():
        yield


def contacts_in_database() -> list[ContactChannel]:
    """Every published contact channel."""
    return list(
        db.session.scalars(select(ContactChannel).where(ContactChannel.status == "published"))
    )


def results(response):
    """The directory's results block."""
    block = parse(response.data).find(id="contact-results")
    assert block is not None, response.text[:500]
    return block


def found(response) -> list[str]:
    """The slugs of the contacts listed, in order."""
    return listed(response, "contact-results", "/contacts/")


def dial_links(element) -> list[str]:
    """The tel:, sms: and mailto: links inside `element`."""
    return [href for href in element.hrefs if href.startswith(("tel:", "sms:", "mailto:"))]


# --- The directory --------------------------------------------------------------------------


def test_unfiltered_directory_lists_every_published_contact(client, content_db):
    response = client.get("/contacts/")
    assert response.status_code == 200
    assert len(found(response)) == ALL_CONTACTS
    assert set(found(response)) == {c.slug for c in contacts_in_database()}


def test_directory_links_the_two_real_numbers(client):
    links = dial_links(results(client.get("/contacts/")))
    assert sorted(links) == ["tel:12345", "tel:12385"]


def test_directory_gives_the_emergency_numbers_first(client):
    main = parse(client.get("/contacts/").data).find("main")
    assert {"tel:110", "tel:120", "tel:119"} <= set(main.hrefs)


def test_the_directory_says_only_national_lines_are_known_until_a_local_one_is_published(
    loaded_app,
):
    said = "现在能给出的号码只有两个：全国统一的 12345，和本站还没有核实的 12385"
    assert said in loaded_app.test_client().get("/contacts/").text  # the demo's are invented
    with loaded_app.app_context():
        demo = db.session.scalar(select(ContactChannel).where(ContactChannel.slug == "dpf-sms"))
        assert demo.department_id is not None
        demo.sample = False  # as if staff published the federation's real text line
        db.session.commit()
    assert said not in loaded_app.test_client().get("/contacts/").text


@pytest.mark.parametrize(
    ("prefix", "voice", "no_text"),
    [
        ("", "这三个号码都是语音电话", "用短信（文字）报警、叫急救或报火警的办法，本站还没有公布"),
        ("/en", "These three are voice calls", "has not yet published a way to reach the police"),
    ],
)
def test_the_emergency_numbers_are_said_to_be_voice_calls(client, prefix, voice, no_text):
    box = parse(client.get(prefix + "/contacts/").data).find("main")
    emergency = next(e for e in box.find_all("ul") if "tel:110" in e.hrefs).parent
    assert voice in emergency.text and no_text in emergency.text
    assert sorted(h for h in emergency.hrefs if h.startswith(("tel:", "sms:"))) == [
        "tel:110",
        "tel:119",
        "tel:120",
    ]


def test_the_12385_card_claims_nothing_unsourced(client):
    """No document here says who runs 12385 or in which languages (12345 cites 国办发〔2020〕
    53号 for its hours): the card says they are not checked, and names no language."""
    main = parse(client.get("/contacts/hotline-12385").data).find("main")
    assert "全国的残疾人服务热线" not in main.text
    assert "由谁开通、服务时间和使用的语言，本站还没有核实" in main.text
    languages = next(h for h in main.find_all("h2") if h.text == "使用的语言")
    assert languages.find_next("p").text == "没有写明。"


@pytest.mark.parametrize(
    ("prefix", "national", "unverified"),
    [
        ("", "全国统一的 12345", "本站还没有核实的 12385"),
        ("/en", "the national 12345", "12385, which this site has not yet verified"),
    ],
)
def test_the_directory_calls_only_12345_national(client, prefix, national, unverified):
    """Only 12345 has a source (国办发〔2020〕53号); nothing here says 12385 is national."""
    text = parse(client.get(prefix + "/contacts/").data).find("main").text
    assert national in text and unverified in text
    for said in ("全国统一的 12345 和 12385", "the national 12345 and 12385"):
        assert said not in text


@pytest.mark.parametrize("slug", sorted(REAL))
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_hotline_cards_name_no_need_or_language_without_a_source(client, prefix, slug):
    """No document says which needs either line suits or which languages it uses (国办发
    〔2020〕53号 is cited for 12345's hours only): the page says they are not stated, and
    neither the directory's card nor the JSON-LD names any."""
    main = parse(client.get(f"{prefix}/contacts/{slug}").data).find("main")
    not_stated, headings = (
        ("Not stated.", {"Who it suits", "Languages"})
        if prefix
        else ("没有写明。", {"适合谁", "使用的语言"})
    )
    said = {h.text: h.find_next_sibling().text for h in main.find_all("h2") if h.text in headings}
    assert said == dict.fromkeys(headings, not_stated)
    assert json_ld(client.get(f"{prefix}/contacts/{slug}"))["availableLanguage"] == []
    card = next(
        li
        for li in results(client.get(f"{prefix}/contacts/")).find_all("li")
        if f"{prefix}/contacts/{slug}" in li.hrefs
    )
    assert "适合：" not in card.text and "Good for:" not in card.text


def test_a_blind_resident_is_not_told_the_hotlines_suit_them_without_a_source(client):
    assert not {"hotline-12345", "hotline-12385"} & set(found(client.get("/contacts/?need=blind")))


FILTERS = {
    "deaf": (
        "need=deaf",
        {"dpf-video-sign-language", "dpf-sms", "dpf-text-relay"},
        {"hotline-12345", "hotline-12385", "dpf-phone"},
    ),
    "sms": ("channel=sms", {"dpf-sms"}, {"hotline-12345", "dpf-video-sign-language"}),
    "video-sign-language": (
        "channel=video-sign-language",
        {"dpf-video-sign-language"},
        {"dpf-sms", "dpf-text-relay"},
    ),
    "deaf-in-person": (
        "need=deaf&channel=in-person",
        {"dpf-in-person", "civil-affairs-in-person", "human-resources-in-person"},
        {"dpf-sms"},
    ),
}


@pytest.mark.parametrize("query, listed, not_listed", FILTERS.values(), ids=FILTERS.keys())
def test_directory_filters(client, query, listed, not_listed):
    response = client.get(f"/contacts/?{query}")
    slugs = set(found(response))
    assert response.status_code == 200
    assert listed <= slugs
    assert not_listed & slugs == set()


@pytest.mark.parametrize(("prefix", "label"), [("", "联系方式"), ("/en", "How to get in touch")])
def test_the_channel_filter_is_named_for_what_it_chooses(client, prefix, label):
    """In English the filter of channels is how to get in touch, not "Contacts" (what the
    whole directory lists), and a refused value names it as the page labels it."""
    page = parse(client.get(f"{prefix}/contacts/").data)
    assert page.find("label", for_="channel").text.strip() == label
    refused = client.get(f"{prefix}/contacts/?channel=pigeon").get_data(as_text=True)
    assert f"“{label}”" in refused


@pytest.mark.parametrize("channel", ["sms", "video-sign-language", "phone", "in-person"])
def test_channel_filter_lists_exactly_that_channel(client, content_db, channel):
    expected = {c.slug for c in contacts_in_database() if c.channel == channel}
    assert expected
    assert set(found(client.get(f"/contacts/?channel={channel}"))) == expected


def test_need_filter_lists_exactly_the_contacts_for_that_need(client, content_db):
    expected = {c.slug for c in contacts_in_database() if "deaf" in c.needs}
    assert set(found(client.get("/contacts/?need=deaf"))) == expected


def test_a_deaf_resident_finds_every_video_sign_language_and_sms_contact(client, content_db):
    wanted = {c.slug for c in contacts_in_database() if c.channel in ("video-sign-language", "sms")}
    listed = set(found(client.get("/contacts/?need=deaf")))
    assert wanted
    assert wanted - listed == set()


def test_directory_says_when_nothing_matches(client):
    block = results(client.get("/contacts/?need=deaf&channel=phone"))
    assert found(client.get("/contacts/?need=deaf&channel=phone")) == []
    assert "没有符合这些条件的联系方式" in block.text
    assert "/contacts/" in block.hrefs


# --- Available now, against a fixed clock ---------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Set the site's clock: clock(datetime) makes local_now() return that time."""

    def set_clock(when: datetime) -> None:
        monkeypatch.setattr(opening_hours, "local_now", lambda: when)

    return set_clock


def test_available_now_on_a_saturday_morning_is_12345_only(client, clock):
    clock(datetime(2026, 11, 28, 10, 0))
    response = client.get("/contacts/?open=now")
    assert response.status_code == 200
    assert found(response) == ["hotline-12345"]


def test_available_now_on_a_weekday_lists_only_channels_that_can_be_used(client, clock):
    """A channel with no published number cannot be "available now", whatever its hours."""
    clock(datetime(2026, 11, 25, 10, 0))
    listed = set(found(client.get("/contacts/?open=now")))
    assert listed == {
        "hotline-12345",
        "dpf-in-person",
        "civil-affairs-in-person",
        "human-resources-in-person",
    }


def test_available_now_combines_with_the_need(client, clock):
    clock(datetime(2026, 11, 25, 10, 0))
    assert set(found(client.get("/contacts/?open=now&need=deaf"))) == {
        "dpf-in-person",
        "civil-affairs-in-person",
        "human-resources-in-person",
    }
    clock(datetime(2026, 11, 25, 12, 30))  # the counters are at lunch
    assert found(client.get("/contacts/?open=now&need=deaf")) == []


def test_contact_page_says_whether_it_answers_now(client, clock):
    clock(datetime(2026, 11, 29, 3, 0))
    closed = parse(client.get("/contacts/dpf-in-person").data).find("main")
    always = parse(client.get("/contacts/hotline-12345").data).find("main")
    unknown = parse(client.get("/contacts/hotline-12385").data).find("main")
    no_number = parse(client.get("/contacts/dpf-sms").data).find("main")
    assert closed.find(class_="open-status").text == "现在不在服务时间"
    assert always.find(class_="open-status").text == "现在可以联系"
    # without hours, the hours say so once, not a status above them too
    assert unknown.find(class_="open-status") is None
    assert "时间尚未公布。" in unknown.text and "服务时间未公布" not in unknown.text
    assert no_number.find(class_="open-status") is None, "no promise for an unusable channel"


@pytest.mark.parametrize(
    ("prefix", "line"), [("", "全天24小时"), ("/en", "24 hours, every day")], ids=["zh", "en"]
)
def test_a_line_that_never_closes_says_so_in_one_line(client, prefix, line):
    """Seven rows of "00:00–24:00" said less, more slowly."""
    main = parse(client.get(prefix + "/contacts/hotline-12345").data).find("main")
    assert main.find("table") is None
    assert line in [p.text for p in main.find_all("p")]
    assert "00:00" not in main.text


def test_service_times_are_ranges_in_words(client):
    """Hours written "08:30–11:30" were read "八点三十 十一点三十", with no "to"."""
    table = parse(client.get("/contacts/dpf-phone").data).find("main").find("table")
    assert table.find("td").text == "08:30至11:30、13:30至17:00"
    assert "–" not in table.text


# --- Bad filter values ----------------------------------------------------------------------

BAD_FILTERS = {
    "unknown-need": ({"need": "x"}, "need", "x"),
    "markup-channel": (
        {"channel": "<script>alert(1)</script>"},
        "channel",
        "<script>alert(1)</script>",
    ),
    "long-need": ({"need": "a" * 10000}, "need", "a" * 100 + "…"),
    "long-channel": ({"channel": "a" * 10000}, "channel", "a" * 100 + "…"),
    "open-not-now": ({"open": "abc"}, "open-now", "abc"),
    "escape-need": ({"need": "\x1b[31m"}, "need", "“\ufffd[31m”"),
}


@pytest.mark.parametrize("query, field_id, shown", BAD_FILTERS.values(), ids=BAD_FILTERS.keys())
def test_bad_filter_value_is_reported_and_the_list_still_shown(client, query, field_id, shown):
    response = client.get("/contacts/?" + urlencode(query))
    doc = parse(response.data)
    summary = doc.find(class_="error-summary")

    assert response.status_code == 400
    assert summary is not None
    assert summary.hrefs == [f"#{field_id}"]
    assert doc.find(id=field_id) is not None
    assert shown in summary.text
    assert "里的选项，已忽略" in summary.text
    # A box's error is its group's (the fieldset of "open"), a drop-down's its own.
    assert doc.find(id="open-error" if field_id == "open-now" else f"{field_id}-error") is not None
    assert b"<script>alert(1)" not in response.data
    assert "a" * 101 not in doc.find("main").text
    assert len(found(response)) == ALL_CONTACTS


def test_htmx_request_gets_only_the_results_fragment(client):
    response = client.get("/contacts/?channel=sms", headers={"HX-Request": "true"})
    doc = parse(response.data)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="contact-results"')
    assert doc.find("html") is None and doc.find("form") is None
    assert doc.find(id="contact-results").get("data-announce") == "找到1种联系方式"
    assert found(response) == ["dpf-sms"]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_directory_without_js_opens_its_answer_at_the_results_heading(client, prefix):
    """In large text on a phone the results began thousands of pixels down; htmx asks
    its own address, so the pushed one carries no fragment."""
    doc = parse(client.get(f"{prefix}/contacts/").data)
    form = doc.find("form", class_="filter-form")
    heading = doc.find(id="contact-results-heading")

    assert form.get("action") == f"{prefix}/contacts/#contact-results-heading"
    assert form.get("data-hx-get") == f"{prefix}/contacts/"
    assert heading.find_parent(id="contact-results") is not None
    assert heading.get("tabindex") == "-1"


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "fragment"])
def test_directory_response_varies_on_hx_request(client, headers):
    vary = client.get("/contacts/", headers=headers).headers.get("Vary", "")
    assert "HX-Request" in [part.strip() for part in vary.split(",")]


# --- A contact's page -----------------------------------------------------------------------


def test_no_sample_contact_page_has_a_number_to_dial(client, content_db):
    contacts = contacts_in_database()
    sample = [c.slug for c in contacts if c.sample]
    with_links = {
        slug: links
        for slug in sample
        if (links := dial_links(parse(client.get(f"/contacts/{slug}").data).find("main")))
    }
    assert len(sample) == ALL_CONTACTS - len(REAL)
    assert with_links == {}


@pytest.mark.parametrize("slug, number", REAL.items(), ids=REAL.keys())
def test_a_real_number_is_a_tel_link_on_its_page(client, slug, number):
    main = parse(client.get(f"/contacts/{slug}").data).find("main")
    assert dial_links(main) == [f"tel:{number}"]
    assert "示例数据" not in main.text


def test_sample_contact_page_says_so_and_that_the_number_is_not_published(client):
    main = parse(client.get("/contacts/dpf-sms").data).find("main")
    assert "示例数据，以区残联公布为准" in main.find(class_="notice--sample").text
    assert "号码或地址尚未公布" in main.text


def test_in_person_contact_links_to_its_place(client):
    main = parse(client.get("/contacts/dpf-in-person").data).find("main")
    assert "/facilities/government-service-hall" in main.hrefs
    assert dial_links(main) == []


def described(app, slug: str) -> dict:
    """The schema.org data of a contact as its page would give it if it were real (demo
    records have none on their pages: tests/test_demo_pack.py)."""
    with app.test_request_context():
        contact = db.session.scalar(select(ContactChannel).where(ContactChannel.slug == slug))
        return contact_page(contact)


def test_sms_contact_json_ld_is_hearing_impaired_supported(app):
    data = described(app, "dpf-sms")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ContactPoint"
    assert data["contactOption"] == HEARING_IMPAIRED
    assert "telephone" not in data  # no number published
    assert "additionalProperty" not in data, "not a ContactPoint property"
    assert data["url"].endswith("/contacts/dpf-sms")


def test_a_demo_contact_page_has_no_json_ld(client):
    doc = parse(client.get("/contacts/dpf-sms").data)
    assert doc.find("script", attrs={"type": "application/ld+json"}) is None


@pytest.mark.parametrize("slug, number", REAL.items(), ids=REAL.keys())
def test_real_hotline_json_ld_has_its_telephone(client, slug, number):
    data = json_ld(client.get(f"/contacts/{slug}"))
    assert data["@type"] == "ContactPoint"
    assert data["telephone"] == number
    assert "contactOption" not in data
    assert "additionalProperty" not in data


def test_only_a_line_confirmed_to_serve_the_district_says_so_in_json_ld(client):
    """12345 is national (国办发〔2020〕53号); whether 12385 runs in 茌平区 is not verified,
    so a machine reading its page is not told it does."""
    assert json_ld(client.get("/contacts/hotline-12345"))["areaServed"]["name"] == "聊城市茌平区"
    assert "areaServed" not in json_ld(client.get("/contacts/hotline-12385"))


@pytest.mark.parametrize(
    ("fields", "serves"),
    [
        ({}, False),  # a general line with no hours checked: 12385
        ({"hours": [{"days": ["mon"], "opens": "08:00", "closes": "17:00"}]}, True),
        ({"department_id": 1}, True),
        ({"facility_id": 1}, True),
    ],
)
def test_a_channel_serves_the_district_when_it_is_local_or_its_hours_are_checked(fields, serves):
    assert ContactChannel(**fields).serves_district is serves


def test_12345_json_ld_is_available_all_day_every_day(client):
    hours = json_ld(client.get("/contacts/hotline-12345"))["hoursAvailable"]
    assert [(item["opens"], item["closes"]) for item in hours] == [("00:00", "23:59")]
    assert len(hours[0]["dayOfWeek"]) == 7


def test_contact_json_ld_has_no_empty_hours(app, content_db):
    for contact in contacts_in_database():
        data = described(app, contact.slug)
        assert data.get("hoursAvailable", ["given"]) != [], contact.slug


def test_sign_language_contact_json_ld_names_chinese_sign_language(app):
    data = described(app, "dpf-video-sign-language")
    assert data["contactOption"] == HEARING_IMPAIRED
    assert {"@type": "Language", "name": "中国手语", "alternateName": "csl"} in data[
        "availableLanguage"
    ]


def test_an_email_contact_without_an_address_gives_none(app):
    data = described(app, "dpf-email")
    assert "email" not in data and "telephone" not in data


# --- Validation -----------------------------------------------------------------------------


def contact_record(**changes) -> dict:
    """A valid sample contact record with `changes` applied."""
    record = {
        "slug": "test-line",
        "channel": "sms",
        "sample": True,
        "name": "测试短信",
        "summary": "测试用的短信号码。",
        "hours": [{"days": ["mon"], "opens": "08:30", "closes": "17:00"}],
        "needs": ["deaf", "speech"],
        "languages": ["written-zh"],
    }
    record.update(changes)
    return record


def test_the_valid_contact_records_pass():
    assert CONTACTS.check(contact_record()) is None
    assert CONTACTS.check(contact_record(sample=False, channel="phone", value="12345")) is None
    assert CONTACTS.check(contact_record(sample=False, channel="in-person")) is None


BAD_CONTACTS = {
    "sample-with-a-number": ({"value": "10600000000"}, "^value: 示例数据不能填写号码"),
    "sample-email-with-an-address": (
        {"channel": "email", "value": "a@example.org"},
        "^value: 示例数据不能填写号码",
    ),
    "real-phone-without-a-number": ({"sample": False, "channel": "phone"}, "^value: 请填写号码"),
    "real-sms-without-a-number": ({"sample": False}, "^value: 请填写号码"),
    "unknown-need": ({"needs": ["deaf", "telepathy"]}, "^needs: 请从列出的选项中选择"),
    "unknown-language": ({"languages": ["klingon"]}, "^languages: 请从列出的选项中选择"),
    "unknown-channel": ({"channel": "carrier-pigeon"}, "^channel: "),
    "no-channel": ({"channel": None}, "^channel: "),
    "bad-hours": (
        {"hours": [{"days": ["mon"], "opens": "8:3", "closes": "17:00"}]},
        "^hours: .*8:3",
    ),
}


@pytest.mark.parametrize("changes, named", BAD_CONTACTS.values(), ids=BAD_CONTACTS.keys())
def test_check_contact_refuses(changes, named):
    with pytest.raises(ValueError, match=named):
        CONTACTS.check(contact_record(**changes))


def hours(*periods: str) -> list[dict]:
    """Rules of one period each: "mon 08:30-11:30"."""
    return opening_hours.from_text("; ".join(periods))


def test_a_contact_line_with_overlapping_periods_is_refused_naming_them():
    record = contact_record(hours=hours("mon-fri 08:30-11:30", "mon 10:00-12:00"))
    with pytest.raises(ValueError) as refused:
        CONTACTS.check(record)
    assert str(refused.value).startswith(
        "hours: 开放时间里星期一的 08:30至11:30 和 10:00至12:00 重叠了"
    )


def test_a_night_line_may_not_overlap_the_next_morning():
    record = contact_record(hours=hours("mon 20:00-08:00", "tue 07:00-09:00"))
    with pytest.raises(ValueError, match="^hours: 开放时间里星期二的 00:00至08:00 和 07:00至09:00"):
        CONTACTS.check(record)
    # Sunday night runs into Monday morning.
    record = contact_record(hours=hours("sun 22:00-06:00", "mon 05:00-09:00"))
    with pytest.raises(ValueError, match="^hours: 开放时间里星期一的"):
        CONTACTS.check(record)


@pytest.mark.parametrize(
    "rules",
    [
        hours("mon-sun 00:00-24:00"),  # a 24-hour hotline, as 12345 is
        hours("mon-fri 17:00-08:00"),  # a duty line at night: one period past midnight
        hours("mon-sun 00:00-00:00"),  # all day, written as a night
        hours("mon 08:30-11:30", "mon 11:30-12:00"),  # periods that only touch
        hours("mon 20:00-08:00", "tue 08:00-12:00"),  # the night, then the morning
        [{"days": ["mon"], "opens": "8:30", "closes": "17:00"}],  # an unpadded time
    ],
)
def test_contact_lines_may_run_past_midnight_and_all_day(rules):
    assert CONTACTS.check(contact_record(hours=rules)) is None


def test_overlapping_hours_saved_before_the_rule_are_still_read():
    rules = hours("mon-fri 08:30-11:30", "mon 10:00-12:00")
    assert len(opening_hours.parse(rules)) == 6


def test_loader_refuses_a_sample_contact_with_a_number_naming_file_and_slug(
    empty_app, content_copy
):
    path = content_copy / "demo" / "contacts.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  - slug: dpf-sms\n    channel: sms\n    sample: true\n"
    assert old in text
    path.write_text(text.replace(old, old + '    value: "10600000000"\n'), encoding="utf-8")

    with empty_app.app_context(), pytest.raises(ContentError) as raised:
        load(Path(content_copy), demo=True)
    assert "demo/contacts.yaml (dpf-sms)" in str(raised.value)
    assert "value: 示例数据不能填写号码" in str(raised.value)


# --- Service pages: every way to ask, and where to go ---------------------------------------


@pytest.fixture(scope="module")
def certificate(app):
    """The disability certificate's service page."""
    response = app.test_client().get("/services/disability-certificate")
    assert response.status_code == 200
    return response


def section(main, heading: str) -> list:
    """The elements after the h2 `heading`, up to the next h2."""
    elements = [child for child in main.children if not isinstance(child, str)]
    start = next(i for i, e in enumerate(elements) if e.tag == "h2" and e.text == heading)
    after = elements[start + 1 :]
    end = next((i for i, e in enumerate(after) if e.tag == "h2"), len(after))
    return after[:end]


def hrefs_in(elements) -> set[str]:
    """Every link target inside `elements`."""
    return {href for element in elements for href in element.hrefs}


def test_service_page_lists_every_way_to_ask_about_it(certificate, content_db):
    ask = hrefs_in(section(parse(certificate.data).find("main"), "找人咨询"))
    federation = {
        f"/contacts/{c.slug}"
        for c in contacts_in_database()
        if c.department and c.department.slug == "disabled-persons-federation"
    }
    assert {"/contacts/dpf-in-person", "/contacts/hotline-12345", "tel:12345"} <= ask
    assert len(federation) == 7
    assert federation <= ask
    assert "/contacts/civil-affairs-phone" not in ask  # a participant, not a lead


def test_service_page_lists_contacts_grouped_by_channel(certificate):
    ask = section(parse(certificate.data).find("main"), "找人咨询")
    cards = [card for element in ask for card in element.find_all("li", class_="card")]
    kinds = [card.find("p", class_="card__meta").text.split("，")[0] for card in cards]
    assert kinds == sorted(kinds, key=kinds.index)  # each kind of channel together
    assert list(dict.fromkeys(kinds)) == [
        "电话",
        "短信",
        "视频手语",
        "文字转接",
        "微信",
        "电子邮件",
        "当面",
    ]


def test_service_page_contact_cards_are_list_items_under_one_heading(certificate):
    ask = section(parse(certificate.data).find("main"), "找人咨询")
    cards = [card for element in ask for card in element.find_all("li", class_="card")]
    assert len(cards) > 5
    assert all(card.find("p", class_="card__title").find("a") is not None for card in cards)
    headings = [h for element in ask for tag in ("h3", "h4") for h in element.find_all(tag)]
    assert headings == [], "a card is a list item, not a heading"


def test_service_page_says_where_to_go_without_pointing_at_a_sample_place(certificate):
    # The demo pack's service hall offers the certificate, but it is invented: the page
    # names the department in charge, and 12345 under 找人咨询 (tests/test_service_pages.py).
    main = parse(certificate.data).find("main")
    where = section(main, "去哪里办")
    assert "/facilities/government-service-hall" not in hrefs_in(where)
    assert "/departments/disabled-persons-federation" in hrefs_in(where)
    assert "tel:12345" in hrefs_in(section(main, "找人咨询"))
    assert "示例数据" not in " ".join(e.text for e in where)


def test_service_json_ld_is_a_government_service_with_the_12345_line(certificate):
    data = json_ld(certificate)
    phones = [channel["servicePhone"].get("telephone") for channel in data["availableChannel"]]

    assert data["@type"] == "GovernmentService"
    assert data["name"] == "残疾评定和残疾人证（电子证照）"
    assert {"@type": "GovernmentOrganization", "name": "区残联"} in data["provider"]
    assert "12345" in phones
    assert "12385" not in phones  # not verified to serve the district
    assert None not in phones  # a sample line has no number to offer
    assert {channel["@type"] for channel in data["availableChannel"]} == {"ServiceChannel"}


# --- The help link, in the same place on every page (WCAG 3.2.6) ---------------------------

HELP_PAGES = {
    "home": "/",
    "service": "/services/disability-certificate",
    "facility": "/facilities/rukang-boping",
    "finder": "/facilities/?township=boping",
    "contact": "/contacts/hotline-12345",
    "open-data": "/data/",
    "search": "/search?q=残疾人证",
    "not-found": "/no-such-page",
}


def help_link(response) -> tuple:
    """The element just before the display controls in the header: tag, class, href, text."""
    header = parse(response.data).find("header", class_="site-header")
    controls = header.find("form", class_="display-controls")
    siblings = [child for child in controls.parent.children if not isinstance(child, str)]
    before = siblings[siblings.index(controls) - 1]
    return before.tag, before.get("class"), before.get("href"), before.text


@pytest.mark.parametrize("path", HELP_PAGES.values(), ids=HELP_PAGES.keys())
def test_help_link_is_in_the_same_place_in_every_header(client, path):
    assert help_link(client.get(path)) == ("a", "help-link", "/contacts/", "找人帮忙")


@pytest.mark.parametrize(
    "path", ["/en/", "/en/services/disability-certificate", "/en/no-such-page"]
)
def test_help_link_on_the_english_site_goes_to_the_english_directory(client, path):
    assert help_link(client.get(path)) == (
        "a",
        "help-link",
        "/en/contacts/",
        "Get help",
    )


def test_the_header_has_one_help_link(client):
    header = parse(client.get("/").data).find("header", class_="site-header")
    assert len(header.find_all("a", class_="help-link")) == 1


# --- A department's page: how to reach it ---------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_department_page_without_published_channels_says_so_and_how_to_ask(client, prefix):
    main = parse(client.get(f"{prefix}/departments/civil-affairs-bureau").data).find("main")
    assert "tel:12345" in main.hrefs
    assert f"{prefix}/feedback/ask" in main.hrefs
    assert f"{prefix}/contacts/" in main.hrefs
    said = "本站还没有公布这个部门的" if not prefix else "has been published on this site yet"
    assert said in main.text
    # The demo pack's invented channels of the department are not offered as real.
    assert not main.find_all("li", class_="card")[1:]


def test_a_department_page_lists_its_own_real_channels_first(loaded_app):
    with loaded_app.app_context():
        channel = db.session.scalar(
            select(ContactChannel).where(
                ContactChannel.department_id.is_not(None), ContactChannel.channel == "phone"
            )
        )
        channel.value = "0635-4000000"
        channel.sample = False
        channel.facility = None
        department, value = channel.department.slug, channel.value
        db.session.commit()
    main = parse(loaded_app.test_client().get(f"/departments/{department}").data).find("main")
    assert value in main.text
    assert "本站还没有公布这个部门的" not in main.text
    assert "tel:12345" in main.hrefs and "/feedback/ask" in main.hrefs
