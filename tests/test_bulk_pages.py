"""The spreadsheet pages of the back office: download, check an upload, apply it."""

import csv
import io
import os
import time
from datetime import datetime

import openpyxl
import pytest
from barrierfree import opening_hours
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.staff import periodic
from barrierfree.staff.bulk import importing, uploads
from barrierfree.staff.bulk import views as bulk_views
from barrierfree.staff.models import AuditEntry, Revision
from conftest import load_content, make_loaded_app, parse
from openpyxl.utils import get_column_letter
from staff_helpers import csrf, failure_said, make_staff, signed_in

OLD_NAME = "振兴街道“如康家园”残疾人之家"
NEW_NAME = "振兴街道如康家园（新址）"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An app with content loaded, an editor and a publisher signed in."""
    app = make_loaded_app(tmp_path_factory.mktemp("bulk") / "bulk.sqlite")
    make_staff(app, "bulk-editor", "editor")
    make_staff(app, "bulk-publisher", "publisher")
    make_staff(app, "bulk-admin", "admin")
    return {
        "app": app,
        "editor": signed_in(app, "bulk-editor"),
        "publisher": signed_in(app, "bulk-publisher"),
        "admin": signed_in(app, "bulk-admin"),
    }


def upload(
    client, data: bytes, filename: str = "facilities.csv", kind="facilities", prefix="", **headers
):
    """The check page of an upload; `prefix` "/en" for the English one."""
    token = csrf(client, "/staff/bulk/")
    return client.post(
        f"{prefix}/staff/bulk/check",
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def exported(client, kind="facilities", fmt="csv") -> bytes:
    response = client.get(f"/staff/bulk/export/{kind}.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.data


@pytest.mark.parametrize("kind", ["facilities", "contacts"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_downloaded_file_uploads_again_without_changes(site, kind, fmt):
    client = site["editor"]
    response = upload(client, exported(client, kind, fmt), f"{kind}.{fmt}", kind)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "新增 0 条，修改 0 条" in text
    assert "确认导入" not in text
    assert "不是导入用的列" not in text


def test_an_editor_sees_the_changes_but_only_a_publisher_applies_them(site):
    editor, publisher = site["editor"], site["publisher"]
    edited = exported(editor).decode("utf-8-sig").replace(OLD_NAME, NEW_NAME, 1)
    checked = upload(editor, edited.encode("utf-8-sig"))
    page = parse(checked.data)
    assert "修改 1 条" in checked.get_data(as_text=True)
    changed = page.find("table").find("tbody").find_all("td")[-1]
    # The field by its label, not its code (name), with the old and the new text.
    assert changed.find(class_="import-changes__label").text == "名称："
    assert changed.find("del") is not None and changed.find("ins") is not None
    assert page.find("button", type="submit") is None or "确认导入" not in checked.text
    checked = upload(publisher, edited.encode("utf-8-sig"))
    form = parse(checked.data).find("form", action="/staff/bulk/apply")
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    as_editor = {**fields, "csrf_token": csrf(editor, "/staff/bulk/")}
    assert editor.post("/staff/bulk/apply", data=as_editor).status_code == 403
    applied = publisher.post("/staff/bulk/apply", data=fields)
    assert applied.status_code == 303
    with site["app"].app_context():
        facility = db.session.query(Facility).filter_by(name=NEW_NAME).one()
        assert facility.version > 1
        actions = [r.action for r in db.session.query(Revision).filter_by(item_id=facility.id)]
        assert "original" in actions and "import" in actions
        # One entry for the file, and one for the record it changed.
        entries = db.session.query(AuditEntry).filter_by(action="import")
        assert [entry.key for entry in entries] == [facility.slug, ""]
    assert NEW_NAME in site["app"].test_client().get("/search?q=如康家园新址").text
    again = publisher.post("/staff/bulk/apply", data=fields)
    assert again.status_code == 303, "a file is applied once"
    assert "已经导入过了" in publisher.get(again.headers["Location"]).text


def test_a_file_being_applied_is_not_applied_again_by_a_second_click(site):
    publisher = site["publisher"]
    edited = exported(publisher).decode("utf-8-sig").replace("08:30-11:30", "08:00-11:30", 1)
    checked = parse(upload(publisher, edited.encode("utf-8-sig")).data)
    form = checked.find("form", action="/staff/bulk/apply")
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    with site["app"].app_context():
        imports = db.session.query(AuditEntry).filter_by(action="import").count()
        kept = bulk_views._kept(fields["token"])
        claimed = bulk_views._claim(kept)  # the first click, still applying
        assert claimed is not None and bulk_views._claim(kept) is None
    second = publisher.post("/staff/bulk/apply", data=fields)
    assert second.status_code == 303
    assert "正在导入" in publisher.get(second.headers["Location"]).text
    with site["app"].app_context():
        assert db.session.query(AuditEntry).filter_by(action="import").count() == imports
    # A claim left by a server that stopped mid-import is given up after a while.
    assert bulk_views._released(claimed) == claimed, "still fresh"
    old = time.time() - bulk_views.STALE_CLAIM_SECONDS - 1
    os.utime(claimed, (old, old))
    assert bulk_views._released(claimed) == kept and kept.exists() and not claimed.exists()
    kept.unlink()


def checked_token(client) -> dict:
    """The fields of the apply form after a downloaded file, with a change, is checked."""
    edited = exported(client).decode("utf-8-sig").replace("08:30-11:30", "08:00-11:30", 1)
    checked = parse(upload(client, edited.encode("utf-8-sig")).data)
    form = checked.find("form", action="/staff/bulk/apply")
    return {i.get("name"): i.get("value") for i in form.find_all("input")}


def aged(path, seconds: float) -> None:
    """Make the file `path` look `seconds` old."""
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_the_hourly_housekeeping_deletes_uploads_kept_over_a_day(site):
    publisher = site["publisher"]
    old, fresh, applying = (checked_token(publisher) for _ in range(3))
    with site["app"].app_context():
        paths = {name: bulk_views._kept(fields["token"]) for name, fields in
                 (("old", old), ("fresh", fresh), ("applying", applying))}  # fmt: skip
        aged(paths["old"], uploads.KEEP_SECONDS + 60)
        aged(paths["fresh"], uploads.KEEP_SECONDS - 600)
        # Uploaded over a day ago, but claimed just now: the import is not robbed of it.
        aged(paths["applying"], uploads.KEEP_SECONDS + 60)
        claimed = bulk_views._claim(paths["applying"])
        assert claimed is not None
        periodic.housekeeping()
        assert not paths["old"].exists()
        assert paths["fresh"].exists() and claimed.exists()
        assert bulk_views._kept(old["token"]) is None
        for path in (paths["fresh"], claimed):
            path.unlink()
    # Applying the swept file says it is gone, and changes nothing.
    response = publisher.post("/staff/bulk/apply", data=old)
    assert response.status_code == 303
    assert "文件只保留一天" in publisher.get(response.headers["Location"]).text


def test_sweeping_uploads_without_the_folder_deletes_nothing(site, monkeypatch, tmp_path):
    monkeypatch.setitem(site["app"].config, "UPLOAD_DIR", str(tmp_path / "never-made"))
    with site["app"].app_context():
        assert uploads.forget_old() == 0
    assert not (tmp_path / "never-made").exists()


def test_the_preview_shows_each_change_old_and_new_a_feature_by_its_name(site):
    editor = site["editor"]
    sheet = exported(editor).decode("utf-8-sig")
    edited = sheet.replace("是; steps=0", "是; steps=2", 1).replace("08:30-11:30", "08:00-11:30", 1)
    page = parse(upload(editor, edited.encode("utf-8-sig")).data)
    changes = page.find("ul", class_="import-changes")
    lines = {
        item.find(class_="import-changes__label").text: item.find(class_="import-changes__text")
        for item in changes.find_all("li")
    }
    assert set(lines) == {"开放时间：", "无台阶入口："}  # not "accessibility"
    entrance = lines["无台阶入口："]
    assert "0" in entrance.find("del").text and "2" in entrance.find("ins").text
    hours = lines["开放时间："]
    assert (hours.find("del").text, hours.find("ins").text) == (
        "删除：30（结束）",
        "新增：00（结束）",
    )


def test_a_file_name_with_a_control_character_is_recorded_without_it(site):
    """The file name goes into the audit log; a client can send one holding NUL, which
    PostgreSQL refuses in text."""
    publisher = site["publisher"]
    text = exported(publisher).decode("utf-8-sig")
    name = OLD_NAME if OLD_NAME in text else NEW_NAME  # the site is shared with other tests
    edited = text.replace(name, name + "（新）", 1)
    form = parse(upload(publisher, edited.encode("utf-8-sig")).data).find(
        "form", action="/staff/bulk/apply"
    )
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    applied = publisher.post("/staff/bulk/apply", data={**fields, "filename": "a\x00b.csv"})
    assert applied.status_code == 303
    with site["app"].app_context():
        entries = db.session.query(AuditEntry).filter_by(action="import")
        assert entries.order_by(AuditEntry.id.desc()).first().detail.startswith("ab.csv")


def test_a_file_with_errors_lists_them_by_row_and_column_and_changes_nothing(site):
    client = site["publisher"]
    text = exported(client).decode("utf-8-sig")
    assert ",boping," in text
    response = upload(client, text.replace(",boping,", ",atlantis,", 1).encode("utf-8-sig"))
    assert response.status_code == 400
    page = parse(response.data)
    assert page.find(**{"data-error-summary": True}) is not None
    cells = [cell.text for cell in page.find("table", id="row-errors").find_all("td")]
    assert any("atlantis" in cell for cell in cells)
    assert "确认导入" not in response.text


def test_a_long_file_lists_its_first_changes_and_problems_and_counts_the_rest(site, monkeypatch):
    """Every row is checked and imported; the page lists the first LISTED one by one (a
    file may have 5,000 rows) and says how many more there are."""
    monkeypatch.setattr(bulk_views, "LISTED", 2)
    client = site["publisher"]
    rows = list(csv.reader(io.StringIO(exported(client).decode("utf-8-sig"))))
    new = [[f"bulk-listed-{n}", *rows[1][1:]] for n in range(3)]
    checked = upload(client, to_csv([rows[0], *new]))
    page = parse(checked.data)
    assert checked.status_code == 200 and "新增 3 条" in checked.text
    listed = page.find("table").find("tbody").find_all("tr")
    assert [row.find("th").text for row in listed] == ["2", "3"]
    assert "其余 1 条没有逐条列出。确认导入时，所有 3 条都会导入。" in page.text
    assert page.find("form", action="/staff/bulk/apply") is not None
    english = parse(upload(client, to_csv([rows[0], *new]), prefix="/en").data)
    assert "the other 1 is not listed. Confirming the import imports all 3." in english.text

    township = index_of_key(rows[0], "township")
    for row in new:
        row[township] = "atlantis"
    refused = parse(upload(client, to_csv([rows[0], *new])).data)
    assert len(refused.find("table", id="row-errors").find("tbody").find_all("tr")) == 2
    assert "还有 1 处没有列出" in refused.text
    english = parse(upload(client, to_csv([rows[0], *new]), prefix="/en").data)
    assert "The first 2 problems are listed above; 1 more is not." in english.text


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def index_of_key(heading: list[str], key: str) -> int:
    """The column whose heading ends with `key` (headings are the label, then the key)."""
    return [cell.split()[-1] for cell in heading].index(key)


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"", "empty.csv"),
        (b"\x00\x01\x02junk" * 100, "junk.xlsx"),
        (b"PK\x03\x04not really a zip", "fake.xlsx"),
        ("名称,地址\n一,二\n".encode(), "wrong-header.csv"),
    ],
)
def test_a_bad_file_gets_a_clear_message_not_an_error_page(site, data, filename):
    response = upload(site["editor"], data, filename)
    assert response.status_code == 400
    assert "这个文件不能导入" in response.text


def test_missing_choices_are_reported_next_to_the_fields(site):
    client = site["editor"]
    token = csrf(client, "/staff/bulk/")
    response = client.post("/staff/bulk/check", data={"csrf_token": token})
    assert response.status_code == 400
    links = parse(response.data).hrefs
    assert "#field-kind" in links and "#field-file" in links


def test_with_htmx_the_check_answers_200_so_the_page_is_swapped(site):
    response = upload(site["editor"], b"", "empty.csv", **{"HX-Request": "true"})
    assert response.status_code == 200
    assert "这个文件不能导入" in response.text


def test_an_unknown_or_forged_token_applies_nothing(site):
    client = site["publisher"]
    token = csrf(client, "/staff/bulk/")
    for forged in ("", "../../secret_key", "0" * 32):
        response = client.post(
            "/staff/bulk/apply", data={"csrf_token": token, "kind": "facilities", "token": forged}
        )
        assert response.status_code == 303


def test_a_row_downloaded_before_someone_elses_save_is_refused_not_applied(site):
    client = site["publisher"]
    old_file = exported(client).decode("utf-8-sig")
    with site["app"].app_context():
        facility = db.session.query(Facility).filter_by(slug="rukang-hantun").one()
        facility.summary, facility.version = "同事刚改过的简介。", facility.version + 1
        db.session.commit()
    stale = old_file.replace("韩屯镇“如康家园”残疾人之家", "韩屯镇如康家园（改名）", 1)
    response = upload(client, stale.encode("utf-8-sig"))
    assert response.status_code == 400
    table = parse(response.data).find("table", id="row-errors")
    cells = [cell.text for cell in table.find_all("td")]
    assert any("重新下载表格" in cell for cell in cells)
    assert any("version" in cell for cell in cells)
    with site["app"].app_context():
        kept = db.session.query(Facility).filter_by(slug="rukang-hantun").one()
        assert kept.summary == "同事刚改过的简介。"


def test_a_file_downloaded_before_a_content_load_neither_undoes_it_nor_is_refused(
    tmp_path, content_copy
):
    """`flask content load` changed a record after the file was downloaded: the row left as
    downloaded is read against the load's revision of the record as it was, so it is
    skipped, not imported over the loaded text; the row changed is refused, as after a
    colleague's save."""
    app = make_loaded_app(tmp_path / "load.sqlite")
    make_staff(app, "load-publisher", "publisher")
    client = signed_in(app, "load-publisher")
    old_file = exported(client, "contacts").decode("utf-8-sig")
    path = content_copy / "contacts.yaml"
    text = path.read_text(encoding="utf-8")
    loaded = "全国统一的政务服务便民热线，全天有人接听。"
    start = text.index("summary: 全国统一的政务服务便民热线")
    path.write_text(
        text[:start] + f"summary: {loaded}" + text[text.index("\n", start) :], encoding="utf-8"
    )
    with app.app_context():
        assert load_content(content_copy).changed == {"contacts": ["hotline-12345"]}

    unchanged = upload(client, old_file.encode("utf-8-sig"), "contacts.csv", "contacts")
    assert unchanged.status_code == 200 and "新增 0 条，修改 0 条" in unchanged.text
    edited = with_row(old_file, "hotline-12345", summary="下载后改的说明。")
    refused = upload(client, edited.encode("utf-8-sig"), "contacts.csv", "contacts")
    assert refused.status_code == 400
    [(_number, column, message)] = row_errors(refused)
    assert column.endswith(" version") and "重新下载表格" in message
    with app.app_context():
        kept = db.session.query(ContactChannel).filter_by(slug="hotline-12345").one()
        assert kept.summary == loaded


def test_a_row_whose_version_was_emptied_is_refused_not_applied_over_a_newer_save(site):
    """The old file said it was fine and changed one row: the colleague's text was undone."""
    client = site["publisher"]
    old_file = exported(client, "contacts").decode("utf-8-sig")
    with site["app"].app_context():
        hotline = db.session.query(ContactChannel).filter_by(slug="hotline-12345").one()
        hotline.summary, hotline.version = "同事刚改过的说明。", hotline.version + 1
        db.session.commit()
    blanked = with_row(old_file, "hotline-12345", version="")
    response = upload(client, blanked.encode("utf-8-sig"), "contacts.csv", "contacts")
    assert response.status_code == 400
    assert "确认导入" not in response.text
    [(number, column, message)] = row_errors(response)
    rows = list(csv.reader(io.StringIO(blanked)))
    assert int(number) == [row[0] for row in rows].index("hotline-12345") + 1
    assert column.endswith(" version")
    assert "“hotline-12345”" in message and "请重新下载表格" in message
    with site["app"].app_context():
        kept = db.session.query(ContactChannel).filter_by(slug="hotline-12345").one()
        assert kept.summary == "同事刚改过的说明。"


def with_row(csv_text: str, slug: str, **cells: str) -> str:
    """The exported CSV with the row of `slug` changed, or added (copied from the last row)."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    keys = [heading.split()[-1] for heading in rows[0]]
    numbers = [row[0] for row in rows]
    if slug in numbers:
        row = rows[numbers.index(slug)]
    else:
        row = [*rows[-1]]
        row[keys.index("slug")], row[keys.index("version")] = slug, ""
        rows.append(row)
    for key, value in cells.items():
        row[keys.index(key)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def row_errors(response) -> list[tuple[str, str, str]]:
    """The check page's problems: (row, column, message)."""
    table = parse(response.data).find("table", id="row-errors")
    return [
        (row.find("th").text, *(cell.text for cell in row.find_all("td")))
        for row in table.find("tbody").find_all("tr")
    ]


LONG_NAME = "茌平区振兴街道残疾人之家康复训练与日间照料服务中心" * 3  # 75 characters


def test_a_new_row_that_fails_the_authoring_checks_is_not_imported(site):
    client = site["publisher"]
    text = with_row(exported(client).decode("utf-8-sig"), "zhenxing-day-care", name=LONG_NAME)
    response = upload(client, text.encode("utf-8-sig"))
    assert response.status_code == 400
    assert "确认导入" not in response.text
    (number, column, message), *others = row_errors(response)
    assert not others and column.endswith(" name")
    assert int(number) == len(list(csv.reader(io.StringIO(text))))  # the row added last
    assert "发布前的检查" in message and "标题有" in message


def test_an_update_of_a_live_record_passes_the_same_checks_and_of_a_draft_does_not_need_to(site):
    client = site["publisher"]
    summary = "这里可以做康复训练。" * 20  # 200 characters, over the 160 of a summary
    text = with_row(exported(client).decode("utf-8-sig"), "rukang-xinfa", summary=summary)
    response = upload(client, text.encode("utf-8-sig"))
    assert [column.split()[-1] for _row, column, _message in row_errors(response)] == ["summary"]
    with site["app"].app_context():
        facility = db.session.query(Facility).filter_by(slug="rukang-xinfa").one()
        facility.status = "draft"
        db.session.commit()
    try:
        response = upload(client, text.encode("utf-8-sig"))
        assert response.status_code == 200 and "修改 1 条" in response.text
    finally:
        with site["app"].app_context():
            facility = db.session.query(Facility).filter_by(slug="rukang-xinfa").one()
            facility.status = "published"
            db.session.commit()


def test_a_checked_file_the_server_cannot_keep_says_so(site, monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setitem(site["app"].config, "UPLOAD_DIR", str(blocked))  # not a folder
    publisher = site["publisher"]
    response = upload(publisher, exported(publisher))
    assert response.status_code == 503
    assert "服务器暂时写不进文件" in parse(response.data).find(class_="error-summary").text


def test_a_formula_saved_without_its_result_is_named_in_its_row_and_column(site):
    """As the review found it: 名称（英文） set to a formula by a program that computes
    nothing (openpyxl); the check said the file was fine and would have emptied the field."""
    client = site["publisher"]
    workbook = openpyxl.load_workbook(io.BytesIO(exported(client, fmt="xlsx")))
    sheet = workbook.active
    keys = [cell.value.split()[-1] for cell in sheet[1]]
    name = get_column_letter(keys.index("name") + 1)
    sheet.cell(row=2, column=keys.index("name_en") + 1, value=f"=UPPER({name}2)")
    out = io.BytesIO()
    workbook.save(out)
    response = upload(client, out.getvalue(), "facilities.xlsx")
    assert response.status_code == 400
    assert "文件没有问题" not in response.text and "确认导入" not in response.text
    ((row, heading, message),) = row_errors(response)
    assert (row, heading.split()[-1]) == ("2", "name_en")
    assert "公式" in message and "没有保存公式算出的结果" in message


def test_a_record_changed_while_a_file_is_applied_is_named_in_a_sentence(site, monkeypatch):
    """A colleague's save between the file's last read and its writing (one request) stops
    the import; the message said so in English inside a Chinese sentence."""
    publisher = site["publisher"]
    rows = list(csv.reader(io.StringIO(exported(publisher).decode("utf-8-sig"))))
    keys = [heading.split()[-1] for heading in rows[0]]
    slug, title = rows[-1][keys.index("slug")], rows[-1][keys.index("name")]
    before = rows[-1][keys.index("hours_note")]
    rows[-1][keys.index("hours_note")] = "导入时写的说明"
    checked = parse(upload(publisher, to_csv(rows)).data)
    form = checked.find("form", action="/staff/bulk/apply")
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    read = bulk_views.importing.read

    def read_then_a_colleague_saves(*args, **kwargs):
        plan = read(*args, **kwargs)
        db.session.query(Facility).filter_by(slug=slug).one().hours_note = "同事同时写的"
        return plan

    monkeypatch.setattr(bulk_views.importing, "read", read_then_a_colleague_saves)
    applied = publisher.post("/staff/bulk/apply", data=fields)
    assert applied.status_code == 303
    said = failure_said(publisher.get(applied.headers["Location"]).data)
    assert f"没有导入任何内容：第 {len(rows)} 行的“{title}”在检查文件之后被别人改过了" in said
    assert "changed since" not in said
    with site["app"].app_context():
        assert (db.session.query(Facility).filter_by(slug=slug).one().hours_note or "") == before


# --- Closures: a day too far ahead is refused; one saved before that rule never breaks a page ---

LIBRARY = "library-blind-reading-room"  # keeps its hours on holidays: no calendar stops a look
TUESDAY = datetime(2026, 12, 1, 10, 0)


def test_a_closure_too_far_ahead_is_refused_saying_what_to_write(site, monkeypatch):
    monkeypatch.setattr(opening_hours, "local_now", lambda: TUESDAY)
    client = site["publisher"]
    indefinite = "2026-12-01 至 9999-12-31 无限期暂停开放"
    text = with_row(exported(client).decode("utf-8-sig"), LIBRARY, closures=indefinite)
    response = upload(client, text.encode("utf-8-sig"))
    assert response.status_code == 400
    [(_number, column, message)] = row_errors(response)
    assert column.endswith(" closures")
    assert "最晚只能写到 2028-12-01" in message and "2026-12-01 起 无限期暂停开放" in message

    open_ended = "2026-12-01 起 无限期暂停开放"
    text = with_row(exported(client).decode("utf-8-sig"), LIBRARY, closures=open_ended)
    assert "新增 0 条，修改 1 条" in upload(client, text.encode("utf-8-sig")).text


def page_of(app, closures: str, path: str = f"/facilities/{LIBRARY}"):
    """The library's page, on TUESDAY, with `closures` saved as they are (the rules of the
    time they were saved may have let them through), and how many times a day was checked
    against a closure while it was built (a walk day by day to 9999 made millions)."""
    with app.app_context():
        db.session.query(Facility).filter_by(slug=LIBRARY).one().closures = closures
        db.session.commit()
    checks = []
    covers = opening_hours.Closure.covers

    def counted(closure, day):
        checks.append(day)
        return covers(closure, day)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(opening_hours.Closure, "covers", counted)
        response = app.test_client().get(path)
    return response, len(checks)


NO_END_IN_SIGHT = {
    "open-ended": "2026-11-30 起 无限期暂停开放",
    "saved-as-9999": "2026-11-30 至 9999-12-31 无限期暂停开放",
    "saved-as-2300": "2026-11-30 至 2300-01-01 无限期暂停开放",
}


@pytest.mark.parametrize("closures", NO_END_IN_SIGHT.values(), ids=NO_END_IN_SIGHT.keys())
def test_a_place_closed_with_no_end_in_sight_says_so_at_once(loaded_app, monkeypatch, closures):
    """A closure to 9999 took the page 100 seconds, then a 500; to 2300, 3 seconds: the
    page now steps over a closure whole instead of walking it a day at a time."""
    monkeypatch.setattr(opening_hours, "local_now", lambda: TUESDAY)
    response, checks = page_of(loaded_app, closures)
    assert response.status_code == 200 and checks < 1000, checks
    main = parse(response.data).find("main")
    assert main.find(class_="open-status").text == "现在休息"
    assert "暂停开放，还没有公布哪天恢复开放。" in main.text
    assert "今天暂停开放：无限期暂停开放。" in main.text
    assert "2026年11月30日起：无限期暂停开放" in main.text
    assert "下次开放" not in main.text and "9999" not in main.text and "2300" not in main.text

    english, checks = page_of(loaded_app, closures, f"/en/facilities/{LIBRARY}")
    assert english.status_code == 200 and checks < 1000, checks
    text = parse(english.data).find("main").text
    assert "Closed; no date has been given for reopening." in text
    assert "From 30 November 2026" in text


def test_a_place_closed_until_a_day_says_that_day_and_when_it_opens(loaded_app, monkeypatch):
    monkeypatch.setattr(opening_hours, "local_now", lambda: TUESDAY)
    response, _checks = page_of(loaded_app, "2026-11-30 至 2026-12-10 设备检修\n2026-12-11 搬书")
    main = parse(response.data).find("main")
    assert "暂停开放至2026年12月11日。" in main.text  # the next closure runs on from the first
    assert "下次开放：2026年12月12日（周六） 09:00" in main.text


def audit_rows(client, query: str) -> list[list[str]]:
    """The audit log's rows for `query`: (when, who, action, item, detail) as text."""
    table = parse(client.get(f"/staff/audit?{query}").data).find("table")
    if table is None:
        return []
    rows = table.find("tbody").find_all("tr")
    return [[cell.text for cell in row.find_all(["th", "td"])] for row in rows]


def test_the_audit_log_finds_the_import_of_each_record_it_created_or_changed(site):
    """An administrator asking who changed a place (by its key or its name) finds the
    import, the file and the row; the whole file's entry is still there."""
    publisher, admin = site["publisher"], site["admin"]
    text = exported(publisher).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    changed = rows[3][0]
    name = rows[3][index_of_key(rows[0], "name")]
    edited = with_row(text, changed, name=f"{name}（审计）")
    edited = with_row(edited, "bulk-audited-new", name="表格导入审计新场所")
    form = parse(upload(publisher, edited.encode("utf-8-sig"), "审计.csv").data).find(
        "form", action="/staff/bulk/apply"
    )
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    assert publisher.post("/staff/bulk/apply", data=fields).status_code == 303
    number = {row[0]: n for n, row in enumerate(list(csv.reader(io.StringIO(edited))), 1)}
    titles = {changed: f"{name}（审计）", "bulk-audited-new": "表格导入审计新场所"}
    for query, slug, said in [
        (f"item={changed}", changed, "按表格 审计.csv 第 %d 行修改"),
        ("item=bulk-audited-new", "bulk-audited-new", "从表格 审计.csv 第 %d 行新增"),
        ("item=表格导入审计新场所", "bulk-audited-new", "从表格 审计.csv 第 %d 行新增"),
        (f"item={name}（审计）&action=import", changed, "按表格 审计.csv 第 %d 行修改"),
    ]:
        [(_when, who, action, item, detail)] = audit_rows(admin, query)
        assert "bulk-publisher" in who and action == "表格导入", query
        assert item.endswith(f"：{titles[slug]}") and detail == said % number[slug], query
    with site["app"].app_context():
        [whole] = (
            db.session.query(AuditEntry)
            .filter_by(action="import", key="")
            .filter(AuditEntry.detail.startswith("审计.csv"))
        )
        assert whole.detail == "审计.csv: created 1, updated 1"
    english = parse(admin.get("/en/staff/audit?item=bulk-audited-new").data).find("table")
    assert f"Created from row {number['bulk-audited-new']} of" in english.text


def test_columns_the_import_does_not_read_are_named_but_do_not_stop_it(site):
    """A column of staff's own notes (or one without a heading, holding text) is left out
    of the import: the check says so, and the file can still be applied."""
    publisher = site["publisher"]
    rows = list(csv.reader(io.StringIO(exported(publisher).decode("utf-8-sig"))))
    width = len(rows[0])
    name = index_of_key(rows[0], "name")
    rows[1][name] += "（备注测试）"
    rows = [[*row, "", ""] for row in rows]
    rows[0][width] = "备注"
    rows[1][width] = "这里的文字不会保存"
    rows[2][width + 1] = "没有表头的一列"
    response = upload(publisher, to_csv(rows))
    assert response.status_code == 200
    page = parse(response.data)
    notice = page.find(class_="notice--warning")
    letter = get_column_letter(width + 2)
    assert f"不是导入用的列：备注、第 {letter} 列（没有表头）。" in notice.text
    assert "修改 1 条" in page.text and page.find("form", action="/staff/bulk/apply") is not None
    assert page.find(**{"data-error-summary": True}) is None
    english = parse(upload(publisher, to_csv(rows), prefix="/en").data)
    assert f"Column {letter} (no heading)" in english.find(class_="notice--warning").text


def test_many_columns_the_import_does_not_read_are_counted(site):
    rows = list(csv.reader(io.StringIO(exported(site["editor"]).decode("utf-8-sig"))))
    rows[0] += [f"笔记{n}" for n in range(25)]
    text = parse(upload(site["editor"], to_csv(rows)).data).find(class_="notice--warning").text
    assert "笔记19 等，共 25 列" in text and "笔记20" not in text


def test_a_cell_too_long_for_the_csv_reader_is_named_in_its_row_and_column(site):
    """The csv module refuses a cell over 131,072 characters: such a cell is reported as
    a shorter one is, not as a damaged file; a field without a limit of its own takes as
    much as in the editor, and a list is measured before it is split. (The cells are
    ASCII: a body over 500 kB is spooled by the test client to a file it never closes.)"""
    client = site["editor"]
    text = exported(client).decode("utf-8-sig")
    slug = list(csv.reader(io.StringIO(text)))[2][0]
    length = 131_072 + 1000
    long = {
        key: letter * length for key, letter in [("name", "a"), ("summary", "b"), ("services", "c")]
    }
    response = upload(client, with_row(text, slug, **long).encode("utf-8-sig"))
    assert response.status_code == 400
    assert "格式有误" not in response.text
    found = {
        column.split()[-1]: (number, message) for number, column, message in row_errors(response)
    }
    assert set(found) == set(long) and {number for number, _message in found.values()} == {"3"}
    assert found["name"][1].startswith("最多只能填 ") and f"现在有 {length} 个" in found["name"][1]
    for key in ("summary", "services"):
        assert found[key][1] == f"最多只能填 100000 个字，现在有 {length} 个。"
    english = upload(client, with_row(text, slug, summary="b" * length).encode(), prefix="/en")
    [(_number, _column, message)] = row_errors(english)
    assert message == f"This can be 100,000 characters at most. It has {length:,}."
    # The file read directly: 200,000 characters of Chinese, 600 kB.
    with site["app"].test_request_context():
        data = with_row(text, slug, name="长" * 200_000).encode()
        [error] = importing.read("facilities", "facilities.csv", data).errors
    assert (error.row, error.column.split()[-1]) == (3, "name")
    assert "现在有 200000 个" in error.message
