"""The numbers and addresses residents call, text or mail: staff save only what a phone dials,
a text reaches or a mail server takes (the content files, the editor and the spreadsheet
read one rule), and the links dial the digits while the text shows the number as written."""

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.contacts.spec import CONTACTS
from barrierfree.contacts.validation import link
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.facilities.spec import FACILITIES
from barrierfree.phone_numbers import dialled_number, texted_number
from barrierfree.staff.bulk.importing import read
from conftest import json_ld, parse
from sqlalchemy import select
from staff_helpers import answered, copied_app, form_fields, prepared_database, signed_in
from test_contacts import contact_record
from test_facilities import facility_record
from test_spreadsheets import edited, heading, to_csv

PUBLISHER = "li-publisher"
NOT_A_NUMBER = "见公告 / ask at the desk"

# --- Reading a number ----------------------------------------------------------------------

DIALLED = {
    "0635-1234567": "06351234567",
    "0635-1234567 转 8": "06351234567,8",  # the extension after a pause
    "(0635) 1234 567 分机 12": "06351234567,12",
    "０６３５－１２３４５６７": "06351234567",  # typed on a full-width keyboard
    "010-12345678": "01012345678",
    "138 0000 0000": "13800000000",
    "+86 138 0000 0000": "13800000000",
    "12345": "12345",
    "12385": "12385",
    "110": "110",
    "10086": "10086",
    "95588": "95588",
    "962222": "962222",
    "400-123-4567": "4001234567",
    "400-123-4567 转 2": "4001234567,2",
}


@pytest.mark.parametrize(("written", "digits"), DIALLED.items())
def test_a_published_number_is_dialled_as_its_digits(written, digits):
    assert dialled_number(written) == digits


@pytest.mark.parametrize(
    "written",
    [
        NOT_A_NUMBER,
        "1234567",  # no area code: nobody outside the district reaches it
        "0635-12345",
        "12345 转 3",  # a service line has no extension
        "1234",
        "0635-1234567 或 13800000000",
        "13800000000@qq.com",
    ],
)
def test_what_no_phone_dials_is_no_number(written):
    assert dialled_number(written) is None


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("13800000000", "13800000000"),
        ("12345", "12345"),
        ("95588", "95588"),
        ("1069 0000 1234", "106900001234"),
    ],
)
def test_a_text_goes_to_a_mobile_or_a_service_number_that_takes_texts(written, digits):
    assert texted_number(written) == digits


@pytest.mark.parametrize(
    "written", ["0635-1234567", "110", "400-123-4567", "962222", NOT_A_NUMBER, "1234567"]
)
def test_a_landline_an_emergency_or_a_400_number_takes_no_text(written):
    assert texted_number(written) is None


# --- The rule, as the content files and the spreadsheet meet it -----------------------------


@pytest.mark.parametrize(
    ("channel", "value"),
    [
        ("phone", "0635-1234567 转 8"),
        ("phone", "12345"),
        ("phone", "13800000000"),
        ("sms", "13800000000"),
        ("sms", "12345"),
        ("email", "service@example.cn"),
        ("email", " service＠example。cn "),  # a Chinese keyboard's, read as its ASCII self
        ("wechat", "见公告"),  # an account is what the channel says it is
    ],
)
def test_a_real_number_or_address_is_saved(channel, value):
    assert CONTACTS.check(contact_record(sample=False, channel=channel, value=value)) is None


@pytest.mark.parametrize(
    ("channel", "value", "said"),
    [
        ("phone", NOT_A_NUMBER, "这不是能拨打的电话号码。.*例如 0635-1234567.*转 8"),
        ("phone", "4261234", "固定电话要带区号，例如 0635-1234567"),
        ("phone", "0635-1234567转8号窗口", "这不是能拨打的电话号码"),
        ("sms", "0635-1234567", "固定电话收不到短信"),
        ("sms", "110", "这不是能收短信的号码.*例如 13800000000"),
        ("sms", "400-123-4567", "这不是能收短信的号码.*400、800 号码"),
        ("email", "请到窗口询问", "电子邮箱的格式不对，应当像 name@example.com"),
        ("email", "a@example.cn 张老师", "电子邮箱地址中间不能有空格"),
    ],
)
def test_a_value_that_calls_texts_or_mails_nobody_is_refused(channel, value, said):
    with pytest.raises(ValueError, match=f"^value: {said}"):
        CONTACTS.check(contact_record(sample=False, channel=channel, value=value))


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("phone", NOT_A_NUMBER, "这不是能拨打的电话号码"),
        ("phone", "4261234", "固定电话要带区号"),
        ("sms", "0635-4261234", "固定电话收不到短信"),
        ("sms", "短信请发到窗口", "这不是能收短信的号码"),
    ],
)
def test_a_place_s_number_that_calls_or_texts_nobody_is_refused(field, value, said):
    with pytest.raises(ValueError, match=f"^{field}: {said}"):
        FACILITIES.check(facility_record(sample=False, **{field: value}))


def test_a_place_s_real_numbers_are_saved():
    record = facility_record(sample=False, phone="0635-4261234 转 8", sms="13800000000")
    assert FACILITIES.check(record) is None


@pytest.fixture
def shared(app):
    """A request context on the shared app, whose database holds content/ (read only)."""
    with app.test_request_context():
        yield


def test_the_spreadsheet_refuses_a_number_nobody_answers_at_its_cell(shared):
    rows, number = edited("contacts", "hotline-12345", value=NOT_A_NUMBER)
    [error] = read("contacts", "contacts.csv", to_csv(rows)).errors
    assert (error.row, error.column) == (number, heading("contacts", "value"))
    assert "这不是能拨打的电话号码" in error.message


# --- The links residents press --------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value", "href"),
    [
        ("tel", "0635-1234567 转 8", "tel:06351234567,8"),
        ("sms", "138 0000 0000", "sms:13800000000"),
        ("mailto", "service＠example。cn", "mailto:service@example.cn"),
        # What a mailto: link would read as its own parts stays the address's (RFC 6068).
        ("mailto", "info#1?a&b@example.cn", "mailto:info%231%3Fa%26b@example.cn"),
        ("tel", NOT_A_NUMBER, None),  # saved before the rule: text, no link
        ("sms", "0635-1234567", None),
        ("mailto", "请到窗口询问", None),
        ("tel", "", None),
        (None, "见公告", None),
    ],
)
def test_a_value_makes_a_link_only_when_it_reaches_someone(scheme, value, href):
    assert link(scheme, value) == href


def test_a_contact_page_dials_the_digits_and_shows_the_number_as_written(loaded_app):
    with loaded_app.app_context():
        row = db.session.scalar(select(ContactChannel).filter_by(slug="hotline-12345"))
        row.value = "0635-1234567 转 8"  # as a real local line would be written
        db.session.commit()
    main = parse(loaded_app.test_client().get("/contacts/hotline-12345").data).find("main")
    call = main.find("a", class_="call-link")
    assert (call.get("href"), call.text) == ("tel:06351234567,8", "拨打 0635-1234567 转 8")


def test_a_value_saved_before_the_rule_is_shown_but_not_linked(loaded_app):
    with loaded_app.app_context():
        row = db.session.scalar(select(ContactChannel).filter_by(slug="hotline-12345"))
        row.value = NOT_A_NUMBER
        place = db.session.scalar(select(Facility).filter_by(status="published"))
        place.sample, place.phone, place.sms = False, NOT_A_NUMBER, "0635-1234567"
        slug = place.slug
        db.session.commit()
    client = loaded_app.test_client()
    main = parse(client.get("/contacts/hotline-12345").data).find("main")
    assert main.find("a", class_="call-link") is None and NOT_A_NUMBER in main.text
    main = parse(client.get(f"/facilities/{slug}").data).find("main")
    assert not [href for href in main.hrefs if href.startswith(("tel:", "sms:"))]
    assert NOT_A_NUMBER in main.text and "0635-1234567" in main.text


def test_a_place_s_page_dials_and_texts_the_digits(loaded_app):
    with loaded_app.app_context():
        place = db.session.scalar(select(Facility).filter_by(status="published"))
        place.sample, place.phone, place.sms = False, "0635-4261234 转 8", "138 0000 0000"
        slug = place.slug
        db.session.commit()
    main = parse(loaded_app.test_client().get(f"/facilities/{slug}").data).find("main")
    links = {a.get("href"): a.text for a in main.find_all("a", class_="call-link")}
    assert links["tel:06354261234,8"] == "0635-4261234 转 8"
    assert links["sms:13800000000"] == "138 0000 0000"


# --- The back office ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A database with content/ loaded and a publisher's account, made once a module."""
    return prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})


@pytest.fixture
def site(prepared, tmp_path):
    """An app of its own on a copy of the prepared database."""
    return copied_app(prepared, tmp_path)


def _id(site, model, slug: str) -> int:
    with site.app_context():
        return db.session.scalar(select(model.id).filter_by(slug=slug))


def _save_unticked(client, url: str, **values):
    """The edit form at `url` posted with some fields changed and 示例数据 unticked."""
    fields = form_fields(client.get(url).data, "edit-form")
    fields.pop("sample", None)
    fields.update({name: [value] for name, value in values.items()})
    return answered(client, client.post(url, data={**fields, "action": ["save"]}))


def test_a_publisher_cannot_publish_a_phone_line_nobody_can_dial(site):
    client = signed_in(site, PUBLISHER)
    url = f"/staff/contacts/{_id(site, ContactChannel, 'civil-affairs-phone')}"
    response = _save_unticked(client, url, value=NOT_A_NUMBER)
    assert response.status_code == 400
    doc = parse(response.data)
    assert "这不是能拨打的电话号码" in doc.find(id="field-value-error").text
    assert form_fields(response.data, "edit-form")["value"] == [NOT_A_NUMBER]  # kept as typed
    page = site.test_client().get("/contacts/civil-affairs-phone")
    assert not [href for href in parse(page.data).find("main").hrefs if href.startswith("tel:")]

    response = _save_unticked(client, url, value="0635-1234567 转 8")
    assert response.status_code == 303, response.text[:2000]
    page = site.test_client().get("/contacts/civil-affairs-phone")
    assert "tel:06351234567,8" in parse(page.data).find("main").hrefs
    assert json_ld(page)["telephone"] == "0635-1234567 转 8"


def test_a_publisher_cannot_give_a_place_a_landline_to_text(site):
    client = signed_in(site, PUBLISHER)
    url = f"/staff/facilities/{_id(site, Facility, 'rehabilitation-centre')}"
    response = _save_unticked(client, url, sms="0635-1234567")
    assert response.status_code == 400
    assert "固定电话收不到短信" in parse(response.data).find(id="field-sms-error").text
    assert form_fields(response.data, "edit-form")["sms"] == ["0635-1234567"]
