"""Staff spreadsheets: facilities and contacts exported as CSV or XLSX, read back into a plan
of changes with the content rules, and applied to the database."""

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.content.files import read_yaml
from barrierfree.content.loader import LOAD_ORDER
from barrierfree.database import db
from barrierfree.facilities import features
from barrierfree.facilities.models import Facility
from barrierfree.facilities.spec import FACILITIES
from barrierfree.opening_hours import as_text, from_text, parse
from barrierfree.plan.models import Department
from barrierfree.site_search.sync import SearchChange, last_change
from barrierfree.staff.bulk import files
from barrierfree.staff.bulk.columns import SPREADSHEET_KINDS, layout
from barrierfree.staff.bulk.files import export
from barrierfree.staff.bulk.importing import apply, read
from barrierfree.staff.editing import publishing
from conftest import FIRST_SHEET, load_content, rewritten
from sqlalchemy import select

CONTENT = Path(__file__).resolve().parent.parent / "content"
MODELS = {"facilities": Facility, "contacts": ContactChannel}
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def shared(app):
    """A request context on the shared app, whose database holds content/ (read only)."""
    with app.test_request_context():
        yield


@pytest.fixture
def loaded(loaded_app):
    """A private database with content/ loaded, in a request context, for tests that write."""
    with loaded_app.test_request_context():
        yield


def csv_rows(kind: str) -> list[list[str]]:
    """The CSV export of `kind` as rows of cells, header first."""
    body, _mimetype, _filename = export(kind, "csv")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def to_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    """Rows as a CSV file in `encoding`."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def index_of(rows: list[list[str]], key: str) -> int:
    """The index of the column whose heading ends with `key`."""
    return [heading.split()[-1] for heading in rows[0]].index(key)


def heading(kind: str, key: str) -> str:
    """A column's heading as exported."""
    return next(column.header for column in layout(SPREADSHEET_KINDS[kind]) if column.key == key)


def edited(kind: str, slug: str, /, **cells: str) -> tuple[list[list[str]], int]:
    """The CSV export with some cells of one record changed, and that record's row number."""
    rows = csv_rows(kind)
    number = [row[0] for row in rows].index(slug)
    for key, value in cells.items():
        rows[number][index_of(rows, key)] = value
    return rows, number + 1


def actions(plan) -> dict[str, list[str]]:
    """The plan's slugs by action."""
    found: dict[str, list[str]] = {}
    for change in plan.changes:
        found.setdefault(change.action, []).append(change.slug)
    return found


def facility(slug: str) -> Facility:
    """One facility by slug."""
    return db.session.scalar(select(Facility).where(Facility.slug == slug))


def count(model) -> int:
    """How many rows `model` has."""
    return len(db.session.scalars(select(model)).all())


# --- The layout and the round trip ----------------------------------------------------------


@pytest.mark.parametrize("kind", SPREADSHEET_KINDS)
def test_layout_has_a_column_for_every_field_but_position(kind):
    spec = next(spec for spec in LOAD_ORDER if spec.name == kind)
    fields = {column.key for column in layout(SPREADSHEET_KINDS[kind]) if not column.feature}
    expected = {spec.key, *spec.columns, *spec.parents, *spec.collections}
    assert fields == expected - {"position", "accessibility"} | {"version"}
    feature_codes = [column.key for column in layout(SPREADSHEET_KINDS[kind]) if column.feature]
    assert feature_codes == ([f.code for f in features.FEATURES] if kind == "facilities" else [])


def test_headings_are_the_label_then_the_key(shared):
    rows = csv_rows("facilities")
    assert rows[0][:4] == ["网址名 slug", "名称 name", "名称（英文，可不填） name_en", "类型 type"]
    assert "电梯 lift" in rows[0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", SPREADSHEET_KINDS)
def test_export_then_read_changes_nothing(shared, kind, fmt):
    body, mimetype, filename = export(kind, fmt)
    plan = read(kind, filename, body)

    assert filename.startswith(f"{kind}-") and filename.endswith(f".{fmt}")
    assert mimetype in ("text/csv", files.XLSX_MIMETYPE)
    assert plan.valid, (plan.file_error, plan.errors)
    assert actions(plan) == {"unchanged": actions(plan)["unchanged"]}
    assert len(plan.changes) == count(MODELS[kind])


def test_csv_export_is_utf8_with_a_byte_order_mark(shared):
    body, _mimetype, _filename = export("facilities", "csv")
    assert body.startswith("\ufeff网址名 slug,".encode())


def test_xlsx_export_has_a_bold_frozen_header(shared):
    body, _mimetype, _filename = export("facilities", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "网址名 slug" and sheet["A1"].font.bold


def test_cells_are_written_for_people(shared):
    rows, number = edited("facilities", "rukang-zhenxing")
    row = dict(zip([h.split()[-1] for h in rows[0]], rows[number - 1], strict=True))
    assert row["sample"] == "是"
    assert row["hours"] == "mon,tue,wed,thu,fri 08:30-11:30; mon,tue,wed,thu,fri 13:30-17:00"
    assert row["services"] == "public-welfare-jobs、rehabilitation-fitness、rukang-home"
    assert row["step_free_entrance"] == (
        "是; steps=0; ramp=是; door_width_cm=100; automatic_door=否"
    )
    assert row["lift"] == ""


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"], ids=["utf8-without-bom", "gb18030"])
def test_csv_saved_in_another_encoding_is_read(shared, encoding):
    plan = read("contacts", "contacts.csv", to_csv(csv_rows("contacts"), encoding))
    assert plan.valid and set(actions(plan)) == {"unchanged"}


def test_headings_may_be_bare_keys_and_columns_in_any_order(shared):
    rows = csv_rows("contacts")
    rows[0] = [h.split()[-1] for h in rows[0]]
    reordered = [list(reversed(row)) for row in rows]
    plan = read("contacts", "contacts.csv", to_csv(reordered))
    assert plan.valid and set(actions(plan)) == {"unchanged"}


def test_other_columns_are_ignored_but_a_column_twice_is_refused(shared):
    header, *records = csv_rows("contacts")
    rows = [[*header, "", "备注"], *([*row, "", "已核对"] for row in records)]
    plan = read("contacts", "contacts.csv", to_csv(rows))
    assert plan.valid and set(actions(plan)) == {"unchanged"}

    twice = [[*row, row[0]] for row in rows]
    assert "slug" in read("contacts", "contacts.csv", to_csv(twice)).file_error


def test_blank_rows_are_skipped_but_still_counted(shared):
    rows, number = edited("facilities", "rukang-xinfa", township="nowhere")
    rows.insert(1, [""] * len(rows[0]))
    plan = read("facilities", "facilities.csv", to_csv(rows))
    assert [error.row for error in plan.errors] == [number + 1]


# --- Changes --------------------------------------------------------------------------------

EDITS = {
    "name": ("name", "信发街道残疾人之家", "name", "信发街道残疾人之家"),
    "hours": (
        "hours",
        "Mon, Tue 09:00–12:00；sat 09:00~11:00",
        "hours",
        [
            {"days": ["mon", "tue"], "opens": "09:00", "closes": "12:00"},
            {"days": ["sat"], "opens": "09:00", "closes": "11:00"},
        ],
    ),
    "feature": (
        "lift",
        "是; note=两部电梯; verified_on=2026-10-09",
        "accessibility",
        {"available": True, "note": "两部电梯", "verified_on": "2026-10-09"},
    ),
    # Digits typed full width, as a Chinese input method gives them, are the same number.
    "feature-full-width-count": (
        "step_free_entrance",
        "是; steps＝１２",
        "accessibility",
        {"available": True, "steps": 12},
    ),
    "services": ("services", "rukang-home; public-welfare-jobs", "services", None),
    "location": ("latitude", "36.61", "latitude", 36.61),
}


@pytest.mark.parametrize("key, value, field, after", EDITS.values(), ids=EDITS.keys())
def test_an_edited_cell_is_one_update_of_that_field(shared, key, value, field, after):
    cells = {key: value, "longitude": "116.27"} if key == "latitude" else {key: value}
    rows, number = edited("facilities", "rukang-xinfa", **cells)
    plan = read("facilities", "facilities.csv", to_csv(rows))

    assert plan.valid, plan.errors
    assert actions(plan)["update"] == ["rukang-xinfa"]
    change = next(change for change in plan.changes if change.action == "update")
    expected = ["latitude", "longitude"] if key == "latitude" else [field]
    assert (change.fields, change.row) == (expected, number)
    if field == "accessibility":
        assert change.after["accessibility"][key] == after
    elif after is not None:
        assert change.after[field] == after
    assert change.before[field] != change.after[field]


def test_an_edited_xlsx_cell_is_an_update(shared):
    body, _mimetype, filename = export("contacts", "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    sheet = workbook.active
    column = [cell.value.split()[-1] for cell in sheet[1]].index("needs") + 1
    sheet.cell(row=2, column=column, value="deaf、blind")
    out = io.BytesIO()
    workbook.save(out)

    plan = read("contacts", filename, out.getvalue())

    change = next(change for change in plan.changes if change.action == "update")
    assert (change.slug, change.fields, change.after["needs"]) == (
        "hotline-12345",
        ["needs"],
        ["deaf", "blind"],
    )


# Dates as a spreadsheet program saves them back (Excel and WPS write a date cell as
# 2026/11/20 in a CSV) or as people type them: each is the day the kinds keep as 2026-11-20.
TYPED_DATES = ["2026/11/20", "2026-11-20", "2026/11/2", "2026年11月20日", "2026/11/20 0:00"]


@pytest.mark.parametrize("typed", TYPED_DATES)
def test_a_date_saved_back_by_a_spreadsheet_program_is_read(shared, typed):
    expected = "2026-11-02" if typed == "2026/11/2" else "2026-11-20"
    rows, _number = edited(
        "facilities",
        "rukang-xinfa",
        hours_verified_on=typed,
        lift=f"是; verified_on={typed}",
    )
    plan = read("facilities", "facilities.csv", to_csv(rows))

    assert plan.valid, plan.errors
    change = next(change for change in plan.changes if change.slug == "rukang-xinfa")
    assert change.after["hours_verified_on"] == expected
    assert change.after["accessibility"]["lift"]["verified_on"] == expected


@pytest.mark.parametrize("typed", ["2026/13/01", "2026/2/30", "20.11.2026", "next week"])
def test_a_date_that_is_no_day_says_how_to_write_one(shared, typed):
    rows, number = edited("facilities", "rukang-xinfa", hours_verified_on=typed)
    plan = read("facilities", "facilities.csv", to_csv(rows))

    [error] = plan.errors
    assert (error.row, error.column) == (number, heading("facilities", "hours_verified_on"))
    assert typed in error.message and "2026/6/30" in error.message


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 11, 20), date(2026, 11, 20)],
    ids=["date-and-time-cell", "date-cell"],
)
def test_a_date_typed_into_an_xlsx_cell_is_read(shared, value):
    body, _mimetype, filename = export("facilities", "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    sheet = workbook.active
    keys = [cell.value.split()[-1] for cell in sheet[1]]
    number = [cell.value for cell in sheet["A"]].index("rukang-xinfa") + 1
    cell = sheet.cell(row=number, column=keys.index("hours_verified_on") + 1, value=value)
    cell.number_format = "yyyy/m/d"
    out = io.BytesIO()
    workbook.save(out)

    plan = read("facilities", filename, out.getvalue())

    assert plan.valid, plan.errors
    change = next(change for change in plan.changes if change.slug == "rukang-xinfa")
    assert (change.fields, change.after["hours_verified_on"]) == (
        ["hours_verified_on"],
        "2026-11-20",
    )


def test_a_row_with_a_new_slug_creates_a_record_after_the_others(shared):
    rows, number = edited("facilities", "rukang-xinfa")
    new = list(rows[number - 1])
    new[index_of(rows, "slug")] = "rukang-xinfa-east"
    plan = read("facilities", "facilities.csv", to_csv([*rows, new]))

    assert plan.valid
    assert actions(plan)["create"] == ["rukang-xinfa-east"]
    change = plan.changes[-1]
    assert change.before is None and change.row == len(rows) + 1
    assert {"name", "township", "hours", "services"} <= set(change.fields)
    assert change.after["position"] > max(c.after["position"] for c in plan.changes[:-1])


# --- Bad files ------------------------------------------------------------------------------


def zipped(entries: dict[str, bytes]) -> bytes:
    """A zip archive of `entries`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


BAD_FILES = {
    "empty": ("facilities.csv", b""),
    "blank": ("facilities.csv", b" \r\n\r\n"),
    "byte-order-mark-only": ("facilities.csv", "\ufeff".encode()),
    "wrong-header": ("facilities.csv", "名称,地址\n甲,乙\n".encode()),
    "binary-junk": ("facilities.csv", bytes(range(256)) * 8),
    "nul-bytes": ("facilities.csv", b"slug,name\x00\r\n"),
    "junk-named-xlsx": ("facilities.xlsx", bytes(range(256)) * 8),
    "docx-renamed-xlsx": (
        "facilities.xlsx",
        zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
    ),
    "damaged-workbook": ("facilities.xlsx", zipped({"xl/workbook.xml": b"<not xml"})),
    "zip-bomb": (
        "facilities.xlsx",
        zipped({"xl/workbook.xml": b"", "xl/big.xml": bytes(60 << 20)}),
    ),
    "old-xls": ("facilities.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
    "pdf": ("facilities.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    "huge": ("facilities.csv", b"a," * (files.MAX_BYTES // 2 + 1)),
}


@pytest.mark.parametrize("filename, data", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_file_that_is_not_a_facilities_spreadsheet_is_refused_with_a_message(
    shared, filename, data
):
    plan = read("facilities", filename, data)
    assert plan.file_error and not plan.valid
    assert (plan.errors, plan.changes) == ([], [])


def test_a_contacts_file_is_not_a_facilities_file(shared):
    body, _mimetype, filename = export("contacts", "csv")
    plan = read("facilities", filename, body)
    assert "类型 type" in plan.file_error


def test_a_file_with_too_many_rows_is_refused(shared, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 3)
    body, _mimetype, filename = export("contacts", "xlsx")
    assert read("contacts", filename, body).file_error


# --- Bad rows -------------------------------------------------------------------------------

FACILITY_ERRORS = {
    "unknown-township": ({"township": "nowhere"}, "township"),
    "unknown-type": ({"type": "zoo"}, "type"),
    "unknown-service": ({"services": "rukang-home、no-such-service"}, "services"),
    "unreadable-hours": ({"hours": "weekdays 9 to 5"}, "hours"),
    "hours-out-of-range": ({"hours": "mon 08:00-25:00"}, "hours"),
    "latitude-not-a-number": ({"latitude": "north", "longitude": "116.2"}, "latitude"),
    "latitude-outside-district": ({"latitude": "40.1", "longitude": "116.2"}, "latitude"),
    "longitude-missing": ({"latitude": "36.6"}, "longitude"),
    "sample-with-phone": ({"phone": "0635-1234567"}, "phone"),
    "missing-name": ({"name": ""}, "name"),
    "missing-slug": ({"slug": ""}, "slug"),
    "name-too-long": ({"name": "长" * 201}, "name"),
    "not-yes-or-no": ({"sample": "perhaps"}, "sample"),
    "unreadable-feature": ({"lift": "maybe"}, "lift"),
    "feature-count-not-a-number": ({"step_free_entrance": "是; steps=few"}, "step_free_entrance"),
    "feature-date-not-a-date": ({"lift": "是; verified_on=yesterday"}, "lift"),
    "feature-count-negative": ({"step_free_entrance": "是; steps=-3"}, "step_free_entrance"),
    "feature-count-signed": ({"step_free_entrance": "是; steps=+3"}, "step_free_entrance"),
    "feature-count-too-large": ({"step_free_entrance": "是; steps=100000"}, "step_free_entrance"),
    "feature-details-without-yes-or-no": ({"lift": "; verified_on=2026-10-09"}, "lift"),
    "feature-count-huge": ({"step_free_entrance": "是; steps=" + "9" * 5000}, "step_free_entrance"),
    "feature-count-superscript": ({"step_free_entrance": "是; steps=²"}, "step_free_entrance"),
    "new-slug-not-for-a-url": ({"slug": "新 地点"}, "slug"),
}


@pytest.mark.parametrize("cells, key", FACILITY_ERRORS.values(), ids=FACILITY_ERRORS.keys())
def test_a_bad_facility_row_is_reported_at_its_row_and_column(shared, cells, key):
    rows, number = edited("facilities", "rukang-xinfa", **cells)
    plan = read("facilities", "facilities.csv", to_csv(rows))

    assert not plan.valid and plan.file_error is None
    assert [(e.row, e.column) for e in plan.errors] == [(number, heading("facilities", key))]
    assert plan.errors[0].message
    assert "rukang-xinfa" not in [change.slug for change in plan.changes]


@pytest.mark.parametrize("key, example", [("latitude", "36.58"), ("longitude", "116.25")])
def test_a_coordinate_that_is_not_a_number_is_told_its_own_example(shared, key, example):
    rows, number = edited("facilities", "rukang-xinfa", **{key: "北纬"})
    plan = read("facilities", "facilities.csv", to_csv(rows))

    [error] = plan.errors
    assert (error.row, error.column) == (number, heading("facilities", key))
    assert f"例如 {example}；" in error.message


CONTACT_ERRORS = {
    "unknown-channel": ("dpf-sms", {"channel": "pigeon"}, "channel"),
    "unknown-department": ("dpf-sms", {"department": "ministry-of-magic"}, "department"),
    "unknown-need": ("dpf-sms", {"needs": "deaf、psychic"}, "needs"),
    "unknown-language": ("dpf-sms", {"languages": "klingon"}, "languages"),
    "sample-with-number": ("dpf-sms", {"value": "10086"}, "value"),
    "real-line-without-number": ("hotline-12345", {"value": ""}, "value"),
    "missing-channel": ("dpf-sms", {"channel": ""}, "channel"),
}


@pytest.mark.parametrize("slug, cells, key", CONTACT_ERRORS.values(), ids=CONTACT_ERRORS.keys())
def test_a_bad_contact_row_is_reported_at_its_row_and_column(shared, slug, cells, key):
    rows, number = edited("contacts", slug, **cells)
    plan = read("contacts", "contacts.csv", to_csv(rows))
    assert [(e.row, e.column) for e in plan.errors] == [(number, heading("contacts", key))]


def test_an_unknown_choice_message_lists_the_names_staff_know(shared):
    rows, _number = edited("facilities", "rukang-xinfa", township="nowhere")
    message = read("facilities", "facilities.csv", to_csv(rows)).errors[0].message
    assert "nowhere" in message and "博平镇" in message and "boping" not in message


# A choice is read by its code, its Chinese name or its English name, in any case and
# with any spaces: staff type the names they see on the site.
CHOICE_NAMES = {
    "township-chinese": ("township", "振兴街道", "zhenxing"),
    "township-english": ("township", "zhenxing  SUBDISTRICT", "zhenxing"),
    "township-code-in-capitals": ("township", " ZhenXing ", "zhenxing"),
    "type-chinese": ("type", "特殊教育学校", "special-school"),
    "type-english": ("type", "special education school", "special-school"),
    "method-chinese": ("hours_verified_method", "电话核实", "phone"),
    "method-english": ("hours_verified_method", "Checked by phone", "phone"),
    "holidays-code": ("public_holidays", "Closed", "closed"),
}


@pytest.mark.parametrize("key, typed, code", CHOICE_NAMES.values(), ids=CHOICE_NAMES.keys())
def test_a_choice_is_read_by_its_chinese_or_english_name(shared, key, typed, code):
    rows, _number = edited("facilities", "rukang-xinfa", **{key: typed})
    plan = read("facilities", "facilities.csv", to_csv(rows))

    assert plan.valid, plan.errors
    change = next(change for change in plan.changes if change.slug == "rukang-xinfa")
    assert change.after[key] == code


def test_a_list_of_choices_is_read_by_names(shared):
    rows, _number = edited("contacts", "dpf-sms", languages="普通话、Chinese Sign Language")
    plan = read("contacts", "contacts.csv", to_csv(rows))

    assert plan.valid, plan.errors
    change = next(change for change in plan.changes if change.slug == "dpf-sms")
    assert change.after["languages"] == ["zh", "csl"]


@pytest.mark.parametrize("hours", ["weekdays 9 to 5", "mon 08:00-25:00; 周六 9点-12点"])
def test_unreadable_hours_say_in_chinese_what_is_accepted(shared, hours):
    rows, _number = edited("facilities", "rukang-xinfa", hours=hours)
    [error] = read("facilities", "facilities.csv", to_csv(rows)).errors

    first = hours.split(";")[0].strip()
    assert f"看不懂开放时间里的“{first}”" in error.message
    assert "mon tue wed thu fri sat sun" in error.message
    assert "hours rule" not in error.message and "must be" not in error.message


@pytest.mark.parametrize("kind, slug", [("facilities", "rukang-xinfa"), ("contacts", "dpf-sms")])
def test_hours_with_working_days_say_why_they_are_refused(shared, kind, slug):
    rows, number = edited(kind, slug, hours="周一至周五 08:30-11:30；工作日 13:30-17:00")
    [error] = read(kind, f"{kind}.csv", to_csv(rows)).errors

    assert (error.row, error.column) == (number, heading(kind, "hours"))
    assert error.message.startswith("开放时间里的“工作日 13:30-17:00”不能用“工作日”：调休")
    assert "请写成 周一至周五" in error.message


def test_hours_with_a_typo_name_the_part_and_accept_chinese_day_names(shared):
    hours = "周一至周五 08:30-11:30；周伍 14:00-17:00"
    rows, _number = edited("facilities", "rukang-xinfa", hours=hours)
    [error] = read("facilities", "facilities.csv", to_csv(rows)).errors

    assert error.message.startswith("看不懂开放时间里的“周伍 14:00-17:00”。")
    assert "周一至周五 08:30-12:00" in error.message and "hours rule" not in error.message


def test_hours_with_working_days_are_refused_in_english_too(app):
    with app.test_request_context():
        rows, _number = edited("facilities", "rukang-xinfa", hours="工作日 08:30-11:30")
    with app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        [error] = read("facilities", "facilities.csv", to_csv(rows)).errors

    assert "工作日 08:30-11:30" in error.message and "working days" in error.message


def test_a_contact_line_with_overlapping_hours_is_refused_and_a_night_line_is_not(shared):
    overlapping = "mon-fri 08:30-11:30; mon 10:00-12:00"
    rows, number = edited("contacts", "dpf-sms", hours=overlapping)
    [error] = read("contacts", "contacts.csv", to_csv(rows)).errors
    assert (error.row, error.column) == (number, heading("contacts", "hours"))
    assert "星期一的 08:30至11:30 和 10:00至12:00 重叠了" in error.message

    rows, _number = edited("contacts", "dpf-sms", hours="mon-fri 17:00-08:00")
    plan = read("contacts", "contacts.csv", to_csv(rows))
    assert plan.valid, plan.errors


def test_unreadable_hours_say_what_is_accepted_in_english(app):
    with app.test_request_context():
        rows, _number = edited("facilities", "rukang-xinfa", hours="weekdays 9 to 5")
    with app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        [error] = read("facilities", "facilities.csv", to_csv(rows)).errors

    assert "weekdays 9 to 5" in error.message and "hours rule" not in error.message
    assert not re.search(r"[\u4e00-\u9fff]", error.message), error.message


def test_a_slug_used_twice_is_reported_at_the_second_row(shared):
    rows, number = edited("facilities", "rukang-xinfa")
    plan = read("facilities", "facilities.csv", to_csv([*rows, rows[number - 1]]))

    assert [(e.row, e.column) for e in plan.errors] == [
        (len(rows) + 1, heading("facilities", "slug"))
    ]
    assert f"第 {number} 行" in plan.errors[0].message


def test_a_file_exported_on_the_english_site_reads_back_on_the_chinese_one(app, shared):
    with app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        body, _mimetype, filename = export("facilities", "xlsx")
    header = next(openpyxl.load_workbook(io.BytesIO(body)).active.values)
    assert "Type type" in header
    assert set(actions(read("facilities", filename, body))) == {"unchanged"}


# --- Formulas -------------------------------------------------------------------------------


def test_formula_cells_are_neutralised_on_export_and_read_back_as_text(loaded):
    facility("rukang-xinfa").name = FORMULA
    db.session.flush()

    rows, number = edited("facilities", "rukang-xinfa")
    assert rows[number - 1][index_of(rows, "name")] == f"'{FORMULA}"
    body, _mimetype, filename = export("facilities", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cell = sheet.cell(row=number, column=index_of(rows, "name") + 1)
    assert (cell.value, cell.data_type) == (f"'{FORMULA}", "s")
    for data, name in ((to_csv(rows), "facilities.csv"), (body, filename)):
        assert set(actions(read("facilities", name, data))) == {"unchanged"}


# --- Applying -------------------------------------------------------------------------------


def test_apply_writes_the_plan_bumps_versions_and_queues_the_search_index(loaded):
    rows, number = edited("facilities", "rukang-xinfa", name="信发街道残疾人之家")
    new = list(rows[number - 1])
    new[index_of(rows, "slug")] = "rukang-xinfa-east"
    plan = read("facilities", "facilities.csv", to_csv([*rows, new]))
    version = facility("rukang-xinfa").version
    last = last_change()

    applied = apply(plan)
    db.session.commit()

    assert [(row.slug, change.action) for row, change in applied] == [
        ("rukang-xinfa", "update"),
        ("rukang-xinfa-east", "create"),
    ]
    assert facility("rukang-xinfa").name == "信发街道残疾人之家"
    assert facility("rukang-xinfa").version == version + 1
    created = facility("rukang-xinfa-east")
    assert (created.township.slug, created.version) == ("xinfa", 1)
    assert [s.slug for s in created.services] == [s.slug for s in facility("rukang-xinfa").services]
    queued = db.session.execute(
        select(SearchChange.kind, SearchChange.key).where(SearchChange.id > last)
    ).all()
    assert {tuple(change) for change in queued} == {
        ("facility", "rukang-xinfa"),
        ("facility", "rukang-xinfa-east"),
    }
    body, _mimetype, filename = export("facilities", "xlsx")
    assert set(actions(read("facilities", filename, body))) == {"unchanged"}


def test_apply_of_contacts_writes_links_and_lists(loaded):
    rows, _number = edited("contacts", "dpf-sms", needs="deaf", department="", hours="")
    applied = apply(read("contacts", "contacts.csv", to_csv(rows)))
    db.session.commit()

    [(row, change)] = applied
    assert change.fields == ["hours", "needs", "department"]
    assert (row.needs, row.department, row.hours) == (["deaf"], None, None)


def test_a_later_content_load_keeps_what_staff_imported(loaded, loaded_app):
    rows, _number = edited("facilities", "rukang-xinfa", name="信发街道残疾人之家")
    apply(read("facilities", "facilities.csv", to_csv(rows)))
    db.session.commit()

    report = load_content(Path(loaded_app.config["CONTENT_DIR"]))

    assert report.kept == {"facilities": ["rukang-xinfa"]}
    assert facility("rukang-xinfa").name == "信发街道残疾人之家"


def test_apply_of_an_invalid_plan_raises_and_changes_nothing(loaded):
    rows, number = edited("facilities", "rukang-xinfa", name="新名称", township="nowhere")
    rows[number][index_of(rows, "name")] = "另一个新名称"
    plan = read("facilities", "facilities.csv", to_csv(rows))
    last = last_change()

    with pytest.raises(ValueError):
        apply(plan)

    assert not (db.session.new or db.session.dirty)
    assert last_change() == last
    assert facility("rukang-xinfa").name == "信发街道“如康家园”残疾人之家"


def test_apply_refuses_a_record_changed_since_the_file_was_read(loaded):
    """Said in a sentence of the interface, naming the row and the record as the file has
    them (it was English: "facilities rukang-xinfa changed since the file was read")."""
    rows, number = edited("facilities", "rukang-xinfa", name="新名称")
    plan = read("facilities", "facilities.csv", to_csv(rows))
    facility("rukang-xinfa").hours_note = "有人同时改了这里"
    db.session.flush()

    with pytest.raises(ValueError) as refused:
        apply(plan)
    assert str(refused.value) == (
        f"第 {number} 行的“新名称”在检查文件之后被别人改过了。请重新上传这个文件，再检查一次。"
    )


def test_apply_refuses_a_link_to_a_record_deleted_since_the_file_was_read(loaded):
    db.session.add(Department(slug="temporary-office", name="临时办公室"))
    db.session.flush()
    rows, number = edited("contacts", "dpf-sms", department="temporary-office")
    plan = read("contacts", "contacts.csv", to_csv(rows))
    assert plan.valid, plan.errors
    db.session.delete(db.session.scalar(select(Department).filter_by(slug="temporary-office")))
    db.session.flush()

    with pytest.raises(LookupError) as refused:
        apply(plan)
    assert str(refused.value).startswith(f"第 {number} 行的“")
    assert "要关联的记录，在检查文件之后被删除了" in str(refused.value)


def colleague_saves(slug: str, **fields) -> None:
    """A colleague's save in the editor: the record as it was is kept as a revision first,
    then the change, a version later, as the editor keeps them."""
    row = facility(slug)
    publishing.original_revision(FACILITIES, row)
    for name, value in fields.items():
        setattr(row, name, value)
    row.version += 1
    publishing.revision(FACILITIES, row, "save")


def test_a_stale_row_the_file_did_not_change_is_left_as_the_colleague_saved_it(loaded):
    rows, _number = edited("facilities", "rukang-zhenxing", name="振兴街道残疾人之家（新址）")
    colleague_saves("rukang-xinfa", summary="同事刚改过的简介。")

    plan = read("facilities", "facilities.csv", to_csv(rows))

    assert plan.valid, plan.errors
    assert "rukang-xinfa" in actions(plan)["unchanged"]
    assert actions(plan)["update"] == ["rukang-zhenxing"]
    apply(plan)
    assert facility("rukang-xinfa").summary == "同事刚改过的简介。"
    assert facility("rukang-zhenxing").name == "振兴街道残疾人之家（新址）"


def test_a_stale_row_the_file_changed_is_refused(loaded):
    rows, number = edited("facilities", "rukang-xinfa", name="新名称")
    colleague_saves("rukang-xinfa", summary="同事刚改过的简介。")

    plan = read("facilities", "facilities.csv", to_csv(rows))

    [error] = plan.errors
    assert (error.row, error.column) == (number, heading("facilities", "version"))
    assert "删掉这一行" in error.message
    assert "rukang-xinfa" not in [change.slug for change in plan.changes]


def test_a_stale_row_is_refused_when_no_revision_says_what_was_downloaded(loaded):
    rows, number = edited("facilities", "rukang-xinfa")
    row = facility("rukang-xinfa")
    row.summary, row.version = "不经编辑器改过的简介。", row.version + 1
    db.session.flush()

    plan = read("facilities", "facilities.csv", to_csv(rows))

    assert [(e.row, e.column) for e in plan.errors] == [(number, heading("facilities", "version"))]


def record_of(kind: str, slug: str):
    """One record of `kind` by slug."""
    model = MODELS[kind]
    return db.session.scalar(select(model).where(model.slug == slug))


EDITED_BY_A_COLLEAGUE = {
    "facilities": ("rukang-xinfa", "summary"),
    "contacts": ("hotline-12345", "summary"),
}


@pytest.mark.parametrize("kind", SPREADSHEET_KINDS)
def test_a_row_without_its_version_is_refused_when_it_would_undo_a_newer_save(loaded, kind):
    """A row downloaded before a colleague's save, its version cell emptied: it held the
    text as downloaded, and was applied over the colleague's."""
    slug, name = EDITED_BY_A_COLLEAGUE[kind]
    rows, number = edited(kind, slug, version="")
    row = record_of(kind, slug)
    setattr(row, name, "同事刚改过的说明。")
    row.version += 1
    db.session.flush()

    plan = read(kind, f"{kind}.csv", to_csv(rows))

    [error] = plan.errors
    assert (error.row, error.column) == (number, heading(kind, "version"))
    assert f"已有的记录“{slug}”" in error.message
    assert "“版本（请勿修改）”一格是空的" in error.message and "请重新下载表格" in error.message
    assert slug not in [change.slug for change in plan.changes]
    assert getattr(record_of(kind, slug), name) == "同事刚改过的说明。"


@pytest.mark.parametrize("kind", SPREADSHEET_KINDS)
def test_a_row_without_its_version_that_changes_its_record_is_refused(loaded, kind):
    slug, name = EDITED_BY_A_COLLEAGUE[kind]
    rows, number = edited(kind, slug, version="", **{name: "表格里改的说明。"})

    plan = read(kind, f"{kind}.csv", to_csv(rows))

    assert [(e.row, e.column) for e in plan.errors] == [(number, heading(kind, "version"))]


def test_a_row_without_its_version_that_changes_nothing_passes(loaded):
    """It holds the record as it is now: there is nothing to undo."""
    rows, _number = edited("contacts", "hotline-12345", version="")
    plan = read("contacts", "contacts.csv", to_csv(rows))
    assert plan.valid, plan.errors
    assert set(actions(plan)) == {"unchanged"}


def test_a_row_without_its_version_is_refused_in_english_too(app):
    with app.test_request_context():
        rows, _number = edited("contacts", "hotline-12345", version="", summary="改过的说明。")
    with app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        [error] = read("contacts", "contacts.csv", to_csv(rows)).errors
    assert error.message.startswith("This row is the existing record “hotline-12345”")
    assert "Download the spreadsheet again" in error.message
    assert not re.search(r"[\u4e00-\u9fff]", error.message), error.message


@pytest.mark.parametrize("kind", SPREADSHEET_KINDS)
def test_a_new_record_needs_no_version(loaded, kind):
    slug, _name = EDITED_BY_A_COLLEAGUE[kind]
    rows, number = edited(kind, slug)
    new = list(rows[number - 1])
    new[index_of(rows, "slug")], new[index_of(rows, "version")] = f"{slug}-new", ""
    plan = read(kind, f"{kind}.csv", to_csv([*rows, new]))

    assert plan.valid, plan.errors
    assert actions(plan)["create"] == [f"{slug}-new"]
    apply(plan)
    assert record_of(kind, f"{slug}-new").version == 1


# --- Opening hours as text ------------------------------------------------------------------

CONTENT_HOURS = {
    record["slug"]: record["hours"]
    for name in ("facilities", "contacts")
    for record in read_yaml(CONTENT / f"{name}.yaml")[name]
    if record.get("hours")
}


@pytest.mark.parametrize("hours", CONTENT_HOURS.values(), ids=CONTENT_HOURS.keys())
def test_from_text_reads_back_what_as_text_wrote(hours):
    rules = from_text(as_text(hours))
    assert rules == hours
    assert parse(rules) == parse(hours)


def test_from_text_of_blank_text_means_hours_not_published():
    assert from_text("") is None
    assert from_text("  ; ") is None


def test_from_text_reads_what_people_type():
    assert from_text("Mon, TUE 9:00–12:00；sat 09:00~12:00") == [
        {"days": ["mon", "tue"], "opens": "09:00", "closes": "12:00"},
        {"days": ["sat"], "opens": "09:00", "closes": "12:00"},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "weekdays",
        "mon 9-12",
        "mon 08:30",
        "08:30-12:00",
        "funday 08:00-09:00",
        "mon 08:00-25:00",
        "mon 24:00-06:00",
        "mon 08:00-12:00 by appointment",
    ],
)
def test_from_text_rejects_text_it_cannot_read(text):
    with pytest.raises(ValueError, match="hours rule 1"):
        from_text(text)


# --- Characters XML cannot carry, and sheets too large to read -----------------------------

FORBIDDEN = ["\x01", "\x08", "\x0e", "\x1b", "\x1f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("character", FORBIDDEN, ids=[f"U+{ord(c):04X}" for c in FORBIDDEN])
def test_a_control_character_is_reported_in_its_cell_naming_the_field(shared, character):
    rows, number = edited("facilities", "rukang-xinfa", name=f"如康{character}家园")
    plan = read("facilities", "facilities.csv", to_csv(rows))
    assert plan.file_error is None
    assert [(e.row, e.column) for e in plan.errors] == [(number, heading("facilities", "name"))]
    message = plan.errors[0].message
    assert "“名称”" in message and f"U+{ord(character):04X}" in message


def test_words_line_break_in_a_cell_becomes_a_new_line(shared):
    rows, _number = edited("facilities", "rukang-xinfa", summary="第一行\x0b第二行")
    plan = read("facilities", "facilities.csv", to_csv(rows))
    assert plan.valid
    change = next(change for change in plan.changes if change.slug == "rukang-xinfa")
    assert change.after["summary"] == "第一行\n第二行"


def with_sheet(sheet_xml: str) -> bytes:
    """An exported workbook whose first sheet is replaced by `sheet_xml`."""
    body, _mimetype, _filename = export("facilities", "xlsx")
    return rewritten(body, {FIRST_SHEET: lambda _xml: sheet_xml})


def sheet(rows: str, dimension: str = "") -> str:
    """A worksheet's XML around `rows`."""
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>{rows}</sheetData></worksheet>"
    )


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Every element the size check reads from a workbook, as it reads them."""
    seen: list[str] = []
    real = files.Measure.start

    def counting(self, tag, attributes):
        seen.append(tag)
        real(self, tag, attributes)

    monkeypatch.setattr(files.Measure, "start", counting)
    return seen


HUGE_ROW = sheet("<row>" + "<c/>" * 1_200_000 + "</row>")


def test_a_row_of_a_million_cells_is_refused_after_reading_a_few(shared, parsed):
    data = with_sheet(HUGE_ROW)
    assert len(data) < 200 * 1024  # small as uploaded: the size is in the cells
    plan = read("facilities", "facilities.xlsx", data)
    assert "表格太宽了" in plan.file_error
    cells = [tag for tag in parsed if tag.endswith(" c")]
    assert len(cells) == files.MAX_COLUMNS + 1


@pytest.mark.parametrize(
    "xml, message",
    [
        (sheet('<row r="1"><c r="A1"/><c r="XFD1"><v>1</v></c></row>'), "表格太宽了"),
        (sheet("", '<dimension ref="A1:XFD2"/>'), "表格太宽了"),
        (sheet(("<row>" + "<c/>" * 100 + "</row>") * 2600), "单元格太多了"),
        (sheet("<x/>" * (files.MAX_ELEMENTS + 1)), "单元格太多了"),
        (
            sheet("<row><c/></row>", f'<dimension ref="A1:B{files.MAX_ROWS + 2}"/>'),
            "文件太大了",
        ),
    ],
    ids=["one-far-cell", "declared-columns", "many-cells", "many-elements", "declared-rows"],
)
def test_a_workbook_too_large_to_read_is_refused(shared, xml, message):
    plan = read("facilities", "facilities.xlsx", with_sheet(xml))
    assert message in plan.file_error


def damaged(encrypted: bool = False) -> bytes:
    """An exported workbook with its sheet's compressed bytes overwritten, or marked as
    encrypted (which zipfile cannot read)."""
    body, _mimetype, _filename = export("facilities", "xlsx")
    data = bytearray(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        entry = archive.getinfo(FIRST_SHEET)
    start = entry.header_offset + 30 + len(entry.filename) + len(entry.extra)
    if encrypted:
        data[entry.header_offset + 6] |= 1  # the flags of the local header
        central = data.rindex(entry.filename.encode()) - 46  # the central directory's record
        data[central + 8] |= 1  # its flags
    else:
        data[start + 20 : start + 60] = b"\xff" * 40
    return bytes(data)


@pytest.mark.parametrize("encrypted", [False, True], ids=["corrupt-data", "encrypted"])
def test_a_damaged_workbook_is_refused_with_a_message(shared, encrypted):
    plan = read("facilities", "facilities.xlsx", damaged(encrypted))
    assert "不是 Excel 工作簿" in plan.file_error


def test_a_part_declaring_a_dtd_is_not_read(shared):
    xml = '<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + sheet("<row><c/></row>")
    plan = read("facilities", "facilities.xlsx", with_sheet(xml))
    assert "不是 Excel 工作簿" in plan.file_error
