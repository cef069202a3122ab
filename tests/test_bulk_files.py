"""Uploaded workbooks as a spreadsheet program leaves them: formulas saved with or without
the result they compute, workbooks of several sheets, and a first sheet wherever the
workbook keeps it."""

import io
import re
from itertools import pairwise

import openpyxl
import pytest
from barrierfree.i18n import EN, force_locale
from barrierfree.staff.bulk.files import export
from barrierfree.staff.bulk.importing import UNCOMPUTED, read
from conftest import FIRST_SHEET, rewritten
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

NEW_NAME = "RUKANG HOME"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"


@pytest.fixture
def shared(app):
    """A request context on the shared app, whose database holds content/ (read only)."""
    with app.test_request_context():
        yield


def exported() -> openpyxl.Workbook:
    """The facilities export, opened for editing as a spreadsheet program would."""
    body, _mimetype, _filename = export("facilities", "xlsx")
    return openpyxl.load_workbook(io.BytesIO(body))


def column(sheet, key: str) -> int:
    """The number of the column whose heading ends with `key`."""
    return [cell.value.split()[-1] for cell in sheet[1]].index(key) + 1


def saved(workbook: openpyxl.Workbook) -> bytes:
    """The workbook as openpyxl saves it: a formula without the result it computes."""
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_results(data: bytes, results: dict[str, str]) -> bytes:
    """The workbook with the result of the formula in each cell of `results` saved as text,
    as Excel and WPS save it (t="str", the text in <v>)."""

    def computed(text: str) -> str:
        for cell, value in results.items():
            pattern = rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/>'
            text, found = re.subn(
                pattern, rf'<c r="{cell}"\1 t="str"><f>\2</f><v>{value}</v>', text
            )
            assert found == 1, cell
        return text

    return rewritten(data, {FIRST_SHEET: computed})


def errors(plan) -> list[tuple[int, str, str]]:
    return [(error.row, error.column.split()[-1], error.message) for error in plan.errors]


def upper_of_name(sheet, key: str = "name_en", row: int = 2) -> str:
    """Put =UPPER(<name>) in the `key` cell of `row`; return that cell's reference."""
    name = f"{get_column_letter(column(sheet, 'name'))}{row}"
    sheet.cell(row=row, column=column(sheet, key), value=f"=UPPER({name})")
    return f"{get_column_letter(column(sheet, key))}{row}"


@pytest.mark.parametrize("key", ["name_en", "name"], ids=["optional", "required"])
def test_a_formula_saved_without_its_result_is_reported_in_its_cell_not_read_as_empty(shared, key):
    """Read as empty, it would have emptied the field (or called a required one empty)."""
    workbook = exported()
    upper_of_name(workbook.active, key)
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert not plan.valid
    assert errors(plan) == [(2, key, str(UNCOMPUTED))]


def test_a_formula_saved_with_its_result_is_read_as_that_result(shared):
    workbook = exported()
    cell = upper_of_name(workbook.active)
    plan = read("facilities", "facilities.xlsx", with_results(saved(workbook), {cell: NEW_NAME}))
    assert plan.valid, plan.errors
    (change,) = [change for change in plan.changes if change.action != "unchanged"]
    assert (change.row, change.fields, change.after["name_en"]) == (2, ["name_en"], NEW_NAME)


def test_a_formula_whose_result_is_empty_text_is_read_as_empty(shared):
    """=IF(A2="","",A2) can compute nothing: saved as an empty text, it is no missing result."""
    workbook = exported()
    cell = upper_of_name(workbook.active, "hours_note")
    plan = read("facilities", "facilities.xlsx", with_results(saved(workbook), {cell: ""}))
    assert plan.valid, plan.errors


def test_a_row_of_formulas_alone_is_reported_not_skipped_as_blank(shared):
    workbook = exported()
    sheet = workbook.active
    row = sheet.max_row + 1
    upper_of_name(sheet, "name_en", row)
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert (row, "name_en", str(UNCOMPUTED)) in errors(plan)


def test_formulas_outside_the_imported_columns_and_sheet_do_not_matter(shared):
    """A column of the person's own notes, and another sheet, are not read."""
    workbook = exported()
    sheet = workbook.active
    notes = sheet.max_column + 1
    sheet.cell(row=1, column=notes, value="备注")
    sheet.cell(row=2, column=notes, value="=LEN(B2)")
    workbook.create_sheet("计算")["A1"] = "=1+1"
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert plan.valid, plan.errors
    assert {change.action for change in plan.changes} == {"unchanged"}


def test_data_on_a_second_sheet_is_not_read_and_the_message_says_so(shared):
    workbook = exported()
    workbook.create_sheet("说明", 0)
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert "第一个工作表是空的" in plan.file_error
    assert "放在第一个工作表里" in plan.file_error


def test_notes_on_the_first_sheet_and_the_table_on_the_second_the_message_says_which_is_read(
    shared,
):
    workbook = exported()
    notes = workbook.create_sheet("说明", 0)
    notes["A1"], notes["A2"] = "填表说明", "第二个工作表是场所的表格。"
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert "导入只读第一个工作表（最左边的那个），这个工作簿有 2 个工作表。" in plan.file_error
    assert "放在第一个工作表里" in plan.file_error
    assert "名称 name" in plan.file_error, "the missing columns are still named"
    with force_locale(EN):
        english = read("facilities", "facilities.xlsx", saved(workbook)).file_error
    assert "Only the first sheet (the leftmost one) is imported" in english
    assert "this workbook has 2 sheets" in english


def test_a_first_sheet_missing_a_few_columns_is_not_taken_for_notes(shared):
    """The table on the first sheet with a column deleted: the other sheets are not to
    blame, and the message does not send staff looking at them."""
    workbook = exported()
    workbook.active.delete_cols(column(workbook.active, "name_en"))
    workbook.create_sheet("说明")["A1"] = "填表说明"
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert "第 1 行的表头缺少这些列：名称（英文，可不填） name_en。" in plan.file_error
    assert "第一个工作表" not in plan.file_error


def test_a_workbook_of_one_empty_sheet_is_an_empty_file(shared):
    workbook = openpyxl.Workbook()
    workbook.active["C3"].font = openpyxl.styles.Font(bold=True)  # formatted, but empty
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert "文件是空的" in plan.file_error


# --- Which part is the first sheet ----------------------------------------------------------


def sheets_reversed(workbook_xml: str) -> str:
    """The workbook's list of sheets in the other order, their parts as they were: tabs
    moved in Excel."""
    sheets = re.findall(r"<sheet [^>]*/>", workbook_xml)
    assert len(sheets) > 1
    return workbook_xml.replace("".join(sheets), "".join(reversed(sheets)))


def test_the_first_sheet_is_the_workbooks_first_whatever_its_part_is_called(shared):
    """Moved to the front, the facilities keep their part, sheet2.xml, while the sheet now
    second, with a formula of its own saved without a result, is sheet1.xml."""
    workbook = exported()
    upper_of_name(workbook.active)
    workbook.create_sheet("计算", 0)["A1"] = "=1+1"  # saved first: sheet1.xml
    data = rewritten(saved(workbook), {WORKBOOK: sheets_reversed})
    plan = read("facilities", "facilities.xlsx", data)
    assert errors(plan) == [(2, "name_en", str(UNCOMPUTED))]


TARGETS = {
    "absolute": "/xl/worksheets/x.xml",
    "relative": "worksheets/x.xml",
    "relative-through-the-root": "../xl/worksheets/x.xml",
}


@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
def test_the_first_sheet_is_found_wherever_its_relationship_leads(shared, target):
    """A relationship's target is a part's name from the package's root (/xl/…, as openpyxl
    writes it) or from the workbook's folder (worksheets/…, as Excel does)."""
    workbook = exported()
    upper_of_name(workbook.active)
    old, new = "/" + FIRST_SHEET, "/xl/worksheets/x.xml"
    data = rewritten(
        saved(workbook),
        {
            WORKBOOK_RELATIONSHIPS: lambda xml: xml.replace(f'"{old}"', f'"{target}"'),
            "[Content_Types].xml": lambda xml: xml.replace(f'"{old}"', f'"{new}"'),
        },
        renamed={FIRST_SHEET: new[1:]},
    )
    plan = read("facilities", "facilities.xlsx", data)
    assert errors(plan) == [(2, "name_en", str(UNCOMPUTED))]


def test_a_chart_sheet_before_the_data_is_not_the_first_sheet(shared):
    """A chart sheet is no worksheet: the first worksheet is read, as openpyxl reads it."""
    workbook = exported()
    sheet = workbook.active
    upper_of_name(sheet)
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=3), titles_from_data=True)
    workbook.create_chartsheet("图表", 0).add_chart(chart)
    plan = read("facilities", "facilities.xlsx", saved(workbook))
    assert errors(plan) == [(2, "name_en", str(UNCOMPUTED))]


# Entities that each hold ten of the one before: a few lines that unpack huge when read.
ENTITY_BOMB = (
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {b} "{f"&{a};" * 10}">' for a, b in pairwise("abcdefghi"))
    + "]>"
)


@pytest.mark.parametrize("part", [WORKBOOK, WORKBOOK_RELATIONSHIPS])
def test_the_workbooks_own_parts_are_not_read_with_a_dtd(shared, part):
    def bomb(xml: str) -> str:
        assert not xml.startswith("<?")  # openpyxl writes no XML declaration
        return ENTITY_BOMB + xml.replace('"rId1"', '"&i;"', 1)

    plan = read("facilities", "facilities.xlsx", rewritten(saved(exported()), {part: bomb}))
    assert "不是 Excel 工作簿" in plan.file_error
