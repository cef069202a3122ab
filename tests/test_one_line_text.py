"""A field of one line (a name, a title, a number) keeps to the one-line rule,
`query_args.clean_line`, in the editor and in the spreadsheet import: a line break, a tab, a
control or a direction control is refused naming the field; a zero-width space, a word
joiner, a byte-order mark or a soft hyphen, drawn as nothing, is dropped. A field of several
lines keeps its lines and refuses C1 and direction controls (`clean_text`). Text saved
before is shown as it is."""

import csv
import io
import re
from pathlib import Path

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.query_args import clean_line, clean_text
from barrierfree.staff.bulk.files import export
from barrierfree.staff.bulk.importing import read
from barrierfree.staff.models import AuditEntry
from conftest import parse
from sqlalchemy import select
from staff_helpers import (
    answered,
    copied_app,
    error_summary,
    form_fields,
    prepared_database,
    signed_in,
)

CONTACT = "dpf-in-person"
PUBLISHER = "li-publisher"
LINE_BREAKS = {"CR LF": "一\r\n二", "LF": "一\n二", "NEL": "甲\x85乙", "LS": "甲\u2028乙",
               "PS": "甲\u2029乙"}  # fmt: skip
CONTROLS = {"RLO": ("甲\u202e乙", "U+202E"), "LRI": ("甲\u2066乙", "U+2066"),
            "RLM": ("甲\u200f乙", "U+200F"), "tab": ("甲\t乙", "U+0009"),
            "Word's line break": ("甲\x0b乙", "U+000B"), "escape": ("甲\x1b乙", "U+001B"),
            "C1": ("甲\x93乙", "U+0093"), "ZWJ": ("甲\u200d乙", "U+200D")}  # fmt: skip
DROPPED = {"ZWSP": "甲\u200b乙", "soft hyphen": "甲\xad乙", "word joiner": "甲\u2060乙",
           "BOM": "\ufeff甲乙"}  # fmt: skip


# --- The rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_a_line_break_in_a_line_is_refused_naming_the_field(i18n_app, text):
    with i18n_app.test_request_context(), pytest.raises(ValueError, match="“名称”只能写一行"):
        clean_line(text, "名称")


@pytest.mark.parametrize(("text", "code"), CONTROLS.values(), ids=CONTROLS.keys())
def test_an_invisible_control_in_a_line_is_refused_naming_it(i18n_app, text, code):
    with i18n_app.test_request_context(), pytest.raises(ValueError) as refused:
        clean_line(text, "名称")
    assert f"“名称”里有一个看不见的控制字符（{code}）" in str(refused.value)


@pytest.mark.parametrize("text", DROPPED.values(), ids=DROPPED.keys())
def test_what_is_drawn_as_nothing_is_dropped_from_a_line(text):
    assert clean_line(text, "名称") == "甲乙"


def test_a_line_loses_the_break_and_spaces_around_it():
    assert clean_line(" 甲乙\r\n", "名称") == "甲乙"
    assert clean_line("\u200b Rehab Centre \u200b", "名称") == "Rehab Centre"


@pytest.mark.parametrize(
    ("text", "kept"),
    [("一\n二\t三", "一\n二\t三"), ("一\r\n二\r三", "一\n二\n三"), ("一\x85二", "一\n二"),
     ("一\u2028二", "一\n二"), ("一\u2029二", "一\n\n二"), ("一\x0b二", "一\n二"),
     ("甲\u200b乙", "甲\u200b乙")],
)  # fmt: skip
def test_text_of_several_lines_keeps_its_lines(text, kept):
    assert clean_text(text, "简介") == kept


@pytest.mark.parametrize(
    ("text", "code"),
    [("“\x93引号\x94”", "U+0093"), ("甲\u202e乙", "U+202E"), ("\u200e甲", "U+200E"),
     ("甲\u2069", "U+2069")],
)  # fmt: skip
def test_text_of_several_lines_refuses_c1_and_direction_controls(i18n_app, text, code):
    with i18n_app.test_request_context(), pytest.raises(ValueError, match=re.escape(f"（{code}）")):
        clean_text(text, "简介")


# --- The editor ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content/ and the demo pack loaded and the accounts, made once."""
    return prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})


@pytest.fixture
def site(prepared, tmp_path):
    return copied_app(prepared, tmp_path)


def contact(app) -> ContactChannel:
    with app.app_context():
        return db.session.scalar(select(ContactChannel).where(ContactChannel.slug == CONTACT))


def save_contact(client, item: int, **values):
    fields = form_fields(client.get(f"/staff/contacts/{item}").data, "edit-form")
    response = client.post(f"/staff/contacts/{item}", data={**fields, **values})
    return answered(client, response)


BROKEN_NAMES = {**LINE_BREAKS, **{name: text for name, (text, _code) in CONTROLS.items()}}


@pytest.mark.parametrize("name", BROKEN_NAMES.values(), ids=BROKEN_NAMES.keys())
def test_the_editor_refuses_a_broken_name_at_its_field(site, name):
    before = contact(site)
    response = save_contact(signed_in(site, PUBLISHER), before.id, name=name)
    assert response.status_code == 400
    links = {a.get("href"): a.text for a in error_summary(response.data).find_all("a")}
    assert "“名称”" in links["#field-name"]
    after = contact(site)
    assert (after.name, after.version) == (before.name, before.version)


@pytest.mark.parametrize("name", DROPPED.values(), ids=DROPPED.keys())
def test_the_editor_saves_a_name_without_what_is_drawn_as_nothing(site, name):
    item = contact(site).id
    response = save_contact(signed_in(site, PUBLISHER), item, name=name)
    assert response.status_code == 303
    assert contact(site).name == "甲乙"
    page = site.test_client().get(f"/contacts/{CONTACT}")
    assert parse(page.data).find("title").text.startswith("甲乙 - ")
    with site.app_context():
        logged = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.key == CONTACT))
        assert not any("\u200b" in (detail or "") for detail in logged)


def test_the_editor_keeps_the_lines_of_a_summary_and_refuses_an_override(site):
    publisher = signed_in(site, PUBLISHER)
    item = contact(site).id
    refused = save_contact(publisher, item, summary="当面办理。\u202e请带证件。")
    assert refused.status_code == 400
    assert "U+202E" in error_summary(refused.data).text
    saved = save_contact(publisher, item, summary="当面办理。\r\n请带证件。")
    assert saved.status_code == 303
    assert contact(site).summary == "当面办理。\n请带证件。"


def test_a_name_saved_before_the_rule_is_shown_as_it_is(site):
    with site.app_context():
        row = db.session.scalar(select(ContactChannel).where(ContactChannel.slug == CONTACT))
        row.name = "区残联\t窗口"
        item = row.id
        db.session.commit()
    page = site.test_client().get(f"/contacts/{CONTACT}")
    assert page.status_code == 200 and "<h1>区残联\t窗口</h1>" in page.text
    form = form_fields(signed_in(site, PUBLISHER).get(f"/staff/contacts/{item}").data, "edit-form")
    assert form["name"] == ["区残联\t窗口"]


# --- The spreadsheet ----------------------------------------------------------------------


def sheet_with(kind: str, slug: str, **cells: str) -> tuple[bytes, int, dict]:
    """The CSV export with cells of one record changed, its row number and the headings."""
    body, _mimetype, _filename = export(kind, "csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    keys = [heading.split()[-1] for heading in rows[0]]
    number = [row[0] for row in rows].index(slug)
    for key, value in cells.items():
        rows[number][keys.index(key)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig"), number + 1, dict(zip(keys, rows[0], strict=True))


@pytest.mark.parametrize("name", ["如康\n家园", "如康\r\n家园", "如康\u2028家园"])
def test_a_line_break_in_a_name_cell_is_refused_in_its_column(app, name):
    with app.test_request_context():
        data, number, headings = sheet_with("facilities", "rukang-xinfa", name=name)
        plan = read("facilities", "facilities.csv", data)
    assert [(e.row, e.column) for e in plan.errors] == [(number, headings["name"])]
    assert "“名称”只能写一行" in plan.errors[0].message


@pytest.mark.parametrize(("name", "code"), [("如康\t家园", "U+0009"), ("如康\u202e家园", "U+202E")])
def test_a_control_in_a_name_cell_is_refused_naming_it(app, name, code):
    with app.test_request_context():
        data, number, headings = sheet_with("facilities", "rukang-xinfa", name=name)
        plan = read("facilities", "facilities.csv", data)
    assert [(e.row, e.column) for e in plan.errors] == [(number, headings["name"])]
    assert code in plan.errors[0].message


def test_a_name_cell_loses_what_is_drawn_as_nothing_and_a_summary_keeps_its_lines(app):
    with app.test_request_context():
        name = db.session.scalar(select(Facility.name).where(Facility.slug == "rukang-xinfa"))
        data, _number, _headings = sheet_with(
            "facilities",
            "rukang-xinfa",
            name=name[:2] + "\u200b" + name[2:] + "\xad",
            summary="第一行\n第二行",
        )
        plan = read("facilities", "facilities.csv", data)
    assert plan.valid, plan.errors
    [change] = [change for change in plan.changes if change.slug == "rukang-xinfa"]
    assert change.after["name"] == name
    assert change.after["summary"] == "第一行\n第二行"
    assert change.fields == ["summary"]
