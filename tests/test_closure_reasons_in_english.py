"""A place's closures in English: the reasons, one a line in the order of the Chinese lines
(`closures_en`), kept by the editor and the spreadsheet, published in the open data, and
shown on the English pages; without them, the English page gives the dates and says that the
reason is in Chinese only, marked as Chinese."""

import csv
import io
from datetime import date, datetime

import pytest
from barrierfree import opening_hours
from barrierfree.database import db
from barrierfree.facilities import validation
from barrierfree.facilities.models import Facility
from barrierfree.facilities.spec import FACILITIES
from barrierfree.opening_hours import closure_notes_en, parse_closures
from barrierfree.staff.bulk import files, importing
from conftest import make_loaded_app, parse
from sqlalchemy import select
from staff_helpers import answered, form_fields, make_staff, signed_in

XINFA = "rukang-xinfa"  # a demo place closed from 2026-12-01 to 2027-01-31 装修暂停开放
RENOVATION = "2026-12-01 至 2027-01-31 装修暂停开放"
DURING = datetime(2026, 12, 2, 10, 0)
TWO = "2027-03-01 起 无限期暂停开放\n2026-12-01 至 2027-01-31 装修暂停开放"


@pytest.fixture
def clock(monkeypatch):
    """The site's clock stopped during the demo place's renovation."""
    monkeypatch.setattr(opening_hours, "local_now", lambda: DURING)


@pytest.fixture
def site(loaded_app):
    """A site with content/ and the demo pack loaded, and a publisher's account."""
    make_staff(loaded_app, "publisher", "publisher")
    return loaded_app


def set_closures(app, closures: str | None, english: str | None) -> None:
    """Give the demo place these closures and English reasons."""
    with app.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == XINFA))
        place.closures, place.closures_en = closures, english
        db.session.commit()


def hours_section(client, path: str):
    """The closures' list and today's closure sentence of a place's page."""
    response = client.get(path)
    assert response.status_code == 200, path
    main = parse(response.data).find("main")
    listed = next(h3 for h3 in main.find_all("h3") if h3.text in ("暂停开放", "Closures"))
    items = listed.find_next_sibling("ul").find_all("li")
    today = next(
        p for p in main.find_all("p") if p.text.startswith(("今天暂停开放", "Closed today"))
    )
    return items, today


def stored(app) -> tuple[str | None, str | None]:
    """The demo place's closures and English reasons as the database holds them."""
    with app.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == XINFA))
        return place.closures, place.closures_en


# --- Reading them --------------------------------------------------------------------------


def test_each_english_reason_goes_with_its_chinese_line_whatever_the_date_order():
    closures = parse_closures(TWO, english="Closed until further notice\nClosed for renovation")
    assert [(c.start, c.note, c.note_en) for c in closures] == [
        (date(2026, 12, 1), "装修暂停开放", "Closed for renovation"),
        (date(2027, 3, 1), "无限期暂停开放", "Closed until further notice"),
    ]


def test_a_dash_leaves_one_reason_in_chinese_only():
    closures = parse_closures(TWO, english="-\n  Closed for renovation  \n\n")
    assert [c.note_en for c in closures] == ["Closed for renovation", None]
    assert closure_notes_en("－\nClosed", 2) == (None, "Closed")


def test_english_that_does_not_match_line_for_line_is_never_shown_with_the_wrong_closure():
    closures = parse_closures(TWO, english="Closed for renovation")
    assert [c.note_en for c in closures] == [None, None]
    assert parse_closures(RENOVATION, english=None)[0].note_en is None


ENGLISH_REFUSED = {
    "fewer-lines": ("Closed for renovation", 2, "英文原因有 1 行，暂停开放的日子有 2 行"),
    "more-lines": ("Closed\nClosed again", 1, "英文原因有 2 行，暂停开放的日子有 1 行"),
    "without-closures": ("Closed", 0, "暂停开放的日子有 0 行"),
    "dates-typed-again": ("2026-12-01 to 2027-01-31 Closed", 1, "第 1 行只写原因，不写日期"),
    "too-long": ("x" * 301, 1, "第 1 行最多 300 个字符"),
}


@pytest.mark.parametrize(
    "english, count, words", ENGLISH_REFUSED.values(), ids=ENGLISH_REFUSED.keys()
)
def test_english_reasons_that_cannot_be_shown_are_refused_saying_why(
    i18n_app, english, count, words
):
    with i18n_app.test_request_context(), pytest.raises(ValueError, match=words):
        closure_notes_en(english, count)


@pytest.mark.parametrize(
    ("english", "count", "said"),
    [("Closed", 2, "have 1 line, the closures 2 lines."),
     ("Closed\nClosed again", 1, "have 2 lines, the closures 1.")],
)  # fmt: skip
def test_the_english_says_line_or_lines_as_the_count_needs(i18n_app, english, count, said):
    environ = {"barrierfree.locale": "en"}
    with (
        i18n_app.test_request_context(environ_overrides=environ),
        pytest.raises(ValueError) as refused,
    ):
        closure_notes_en(english, count)
    assert said in str(refused.value)


def test_the_rules_blame_the_english_only_once_the_closures_can_be_read(i18n_app):
    with i18n_app.test_request_context():
        record = {"closures": "2026-12-31 至 2026-12-01 装修", "closures_en": "a\nb"}
        assert [p.field for p in validation.problems(record)] == ["closures"]
        record = {"closures": RENOVATION, "closures_en": "a\nb"}
        assert [p.field for p in validation.problems(record)] == ["closures_en"]
        assert validation.problems({"closures": RENOVATION, "closures_en": "Closed"}) == []


# --- The English pages ---------------------------------------------------------------------


def test_without_english_the_english_page_gives_the_dates_and_says_the_reason_is_chinese(
    site, clock
):
    set_closures(site, RENOVATION, None)
    items, today = hours_section(site.test_client(), f"/en/facilities/{XINFA}")
    (item,) = items
    assert item.text == (
        "1 December 2026 to 31 January 2027. The reason is given in Chinese only: 装修暂停开放"
    )
    assert today.text == "Closed today. The reason is given in Chinese only: 装修暂停开放."
    for line in (item, today):
        (span,) = line.find_all("span", lang="zh-CN")
        assert span.text == "装修暂停开放"


def test_with_english_the_english_page_gives_the_reason_in_english(site, clock):
    set_closures(site, RENOVATION, "Closed for renovation")
    items, today = hours_section(site.test_client(), f"/en/facilities/{XINFA}")
    assert [item.text for item in items] == [
        "1 December 2026 to 31 January 2027: Closed for renovation"
    ]
    assert today.text == "Closed today: Closed for renovation."
    assert not [line for line in (*items, today) if line.find(lang="zh-CN") or "装" in line.text]


def test_a_dash_gives_that_reason_in_chinese_and_the_others_in_english(site, clock):
    set_closures(site, TWO, "-\nClosed for renovation")
    items, _today = hours_section(site.test_client(), f"/en/facilities/{XINFA}")
    assert [item.text for item in items] == [
        "1 December 2026 to 31 January 2027: Closed for renovation",
        "From 1 March 2027. The reason is given in Chinese only: 无限期暂停开放",
    ]
    assert items[1].find("span", lang="zh-CN").text == "无限期暂停开放"


@pytest.mark.parametrize("english", [None, "Closed for renovation"])
def test_the_chinese_page_is_the_same_with_or_without_english(site, clock, english):
    set_closures(site, RENOVATION, english)
    items, today = hours_section(site.test_client(), f"/facilities/{XINFA}")
    assert [item.text for item in items] == ["2026年12月1日至2027年1月31日：装修暂停开放"]
    assert today.text == "今天暂停开放：装修暂停开放。"
    assert not [line for line in (*items, today) if line.find(lang=True)]


# --- The editor ----------------------------------------------------------------------------


def place_form(site, prefix: str = ""):
    """A publisher's client, the demo place's edit form's address and what it sends."""
    with site.app_context():
        place_id = db.session.scalar(select(Facility.id).where(Facility.slug == XINFA))
    client = signed_in(site, "publisher")
    url = f"{prefix}/staff/facilities/{place_id}"
    return client, url, client.get(url).data


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_edit_form_has_the_english_reasons_labelled_hinted_and_marked_english(site, prefix):
    _client, _url, page = place_form(site, prefix)
    doc = parse(page)
    box = doc.find(id="field-closures_en")
    assert box.name == "textarea" and box["lang"] == "en"
    label = doc.find("label", for_="field-closures_en").text.strip()
    assert label == (
        "Reasons for the closures in English (optional)"
        if prefix
        else "暂停开放的原因（英文，可不填）"
    )
    hint = doc.find(id=box["aria-describedby"].split()[0]).text
    assert ("line for line" if prefix else "一行对一行") in hint


def test_english_reasons_saved_in_the_editor_are_kept_and_shown_back(site):
    client, url, page = place_form(site)
    fields = form_fields(page, "edit-form")
    fields["closures"] = [TWO.replace("\n", "\r\n")]
    fields["closures_en"] = ["-\r\nClosed for renovation"]
    response = answered(client, client.post(url, data={**fields, "action": "save"}))
    assert response.status_code == 303
    assert stored(site) == (TWO, "-\nClosed for renovation")
    assert form_fields(client.get(url).data, "edit-form")["closures_en"] == [
        "-\nClosed for renovation"
    ]


def test_english_reasons_that_do_not_match_are_refused_and_kept_as_typed(site):
    client, url, page = place_form(site)
    fields = form_fields(page, "edit-form")
    typed = "Closed for renovation\nClosed until further notice"
    fields["closures_en"] = [typed]
    response = client.post(url, data={**fields, "action": "save"})
    assert response.status_code == 400
    error = parse(response.data).find(id="field-closures_en-error").text
    assert "英文原因有 2 行，暂停开放的日子有 1 行" in error
    assert form_fields(response.data, "edit-form")["closures_en"] == [typed]
    assert stored(site) == (RENOVATION, None)


# --- The spreadsheet and the open data -----------------------------------------------------


def exported_rows() -> list[list[str]]:
    """The places' CSV export, header first."""
    body, _mimetype, _filename = files.export("facilities", "csv")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_spreadsheet_has_a_column_of_english_reasons_that_round_trips(site):
    with site.test_request_context():
        rows = exported_rows()
        keys = [heading.split()[-1] for heading in rows[0]]
        assert keys.index("closures_en") == keys.index("closures") + 1
        assert rows[0][keys.index("closures_en")] == "暂停开放的原因（英文，可不填） closures_en"
        row = next(row for row in rows if row[keys.index("slug")] == XINFA)
        assert row[keys.index("closures_en")] == ""
        row[keys.index("closures_en")] = "Closed for renovation"
        out = io.StringIO()
        csv.writer(out).writerows([rows[0], row])
        plan = importing.read("facilities", "facilities.csv", out.getvalue().encode())
        assert plan.valid, plan.errors
        importing.apply(plan)
        db.session.commit()
        assert stored(site) == (RENOVATION, "Closed for renovation")
        row = next(row for row in exported_rows() if row[keys.index("slug")] == XINFA)
        assert row[keys.index("closures_en")] == "Closed for renovation"


def test_a_spreadsheet_row_whose_english_does_not_match_is_refused_in_that_column(site):
    with site.test_request_context():
        rows = exported_rows()
        keys = [heading.split()[-1] for heading in rows[0]]
        number = [row[keys.index("slug")] for row in rows].index(XINFA)
        rows[number][keys.index("closures_en")] = "2026-12-01 Closed for renovation"
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        plan = importing.read("facilities", "facilities.csv", out.getvalue().encode())
        assert [(e.row, e.column) for e in plan.errors] == [
            (number + 1, rows[0][keys.index("closures_en")])
        ]
        assert "只写原因，不写日期" in plan.errors[0].message


def test_the_open_data_publishes_the_english_reasons(tmp_path):
    app = make_loaded_app(tmp_path / "site.sqlite")
    with app.app_context():
        for place in db.session.scalars(select(Facility)):
            place.sample = False  # demo records never reach the open data
        db.session.commit()
    set_closures(app, RENOVATION, "Closed for renovation")
    client = app.test_client()
    data = client.get("/data/facilities.json").get_json()
    records = (
        data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    )
    xinfa = next(r for r in records if r["slug"] == XINFA)
    assert (xinfa["closures"], xinfa["closures_en"]) == (RENOVATION, "Closed for renovation")
    table = list(
        csv.DictReader(io.StringIO(client.get("/data/facilities.csv").text.lstrip("\ufeff")))
    )
    assert next(r for r in table if r["slug"] == XINFA)["closures_en"] == "Closed for renovation"
    page = parse(client.get("/data/").data).find("main").text
    assert "closures / closures_en" in page
    assert FACILITIES.field("closures_en").lang == "en"


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_spreadsheet_page_says_how_to_write_the_english_reasons(site, prefix):
    page = signed_in(site, "publisher").get(f"{prefix}/staff/bulk/")
    assert page.status_code == 200
    said = (
        "Reasons for the closures in English (optional)"
        if prefix
        else "暂停开放的原因（英文，可不填）"
    )
    assert said in parse(page.data).find("main").text
