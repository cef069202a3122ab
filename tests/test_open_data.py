"""Open data: facilities and contacts as GeoJSON, JSON and CSV, the page describing them, and
the sitemaps listing every place and contact."""

import csv
import io
import json
import re

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.contacts.models import ContactChannel
from barrierfree.content.files import read_yaml
from barrierfree.database import db
from barrierfree.facilities import features
from barrierfree.facilities.models import Facility
from barrierfree.open_data import exports
from barrierfree.opening_hours import as_text
from barrierfree.tabular import cell_text, spreadsheet_cell
from conftest import make_loaded_app, parse, sitemap_paths, text_outside_lang
from sqlalchemy import func, select, update

DOWNLOADS = [
    "/data/facilities.geojson",
    "/data/facilities.json",
    "/data/facilities.csv",
    "/data/contacts.json",
    "/data/contacts.csv",
    "/data/indicators.json",
    "/data/indicators.csv",
]
# Chiping District, generously (WGS84).
LONGITUDE = (115.9, 116.6)
LATITUDE = (36.3, 36.9)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The demo pack's places and contacts as if staff had checked and published each one:
    the downloads and the sitemap leave demo records out (tests/test_demo_pack.py)."""
    app = make_loaded_app(tmp_path_factory.mktemp("open-data") / "site.sqlite")
    with app.app_context():
        for model in (Facility, ContactChannel):
            db.session.execute(update(model).values(sample=False))
        db.session.commit()
    return app


@pytest.fixture
def content_db(app):
    """An app context on the shared app, whose database holds content/ (read only)."""
    with app.app_context():
        yield


def published_count(model) -> int:
    """How many published rows of `model` the database holds."""
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.status == "published")
    )


def read_csv(response) -> tuple[list[str], list[dict]]:
    """The header and the rows of a CSV download (after its byte-order mark)."""
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header, body = rows[0], rows[1:]
    return header, [dict(zip(header, row, strict=True)) for row in body]


# --- The page -------------------------------------------------------------------------------


def test_data_page_links_the_five_downloads(client):
    response = client.get("/data/")
    main = parse(response.data).find("main")
    assert response.status_code == 200
    assert [href for href in main.hrefs if href.startswith("/data/")] == DOWNLOADS


def test_each_download_link_names_what_it_holds(client):
    main = parse(client.get("/data/").data).find("main")
    names = [a.text for a in main.find_all("a") if (a.get("href") or "").startswith("/data/")]
    assert len(set(names)) == len(names) == len(DOWNLOADS), names


def test_data_page_gives_the_licence(client):
    main = parse(client.get("/data/").data).find("main")
    assert "CC BY 4.0" in main.text
    assert any(
        href.startswith("https://creativecommons.org/licenses/by/4.0/") for href in main.hrefs
    )


def test_data_page_documents_every_column_and_feature_code(client):
    headers = {th.text for th in parse(client.get("/data/").data).find("main").find_all("th")}
    documented = {name for header in headers for name in header.split(" / ")}
    columns = set(exports.FACILITY_COLUMNS) | set(exports.CONTACT_COLUMNS) | {"accessibility"}
    columns |= set(exports.INDICATOR_COLUMNS)
    assert columns - documented == set()
    assert {feature.code for feature in features.FEATURES} - documented == set()


def test_footer_links_the_data_page(client):
    footer = parse(client.get("/").data).find("footer")
    assert "/data/" in footer.hrefs


# --- Downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DOWNLOADS)
def test_downloads_may_be_read_by_any_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == "*"


def test_geojson_is_a_feature_collection_of_points_in_the_district(client, content_db):
    response = client.get("/data/facilities.geojson")
    data = json.loads(response.data)

    assert response.mimetype == "application/geo+json"
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == published_count(Facility)
    for feature in data["features"]:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        assert LONGITUDE[0] <= longitude <= LONGITUDE[1], feature["id"]
        assert LATITUDE[0] <= latitude <= LATITUDE[1], feature["id"]
        assert feature["id"] == feature["properties"]["slug"]


def test_geojson_properties_carry_accessibility_and_no_demo_flag(client):
    collection = json.loads(client.get("/data/facilities.geojson").data)
    by_slug = {feature["id"]: feature for feature in collection["features"]}
    boping = by_slug["rukang-boping"]["properties"]

    for feature in collection["features"]:
        properties = feature["properties"]
        assert {"slug", "accessibility", "location_approximate"} <= set(properties)
        assert "sample" not in properties
        assert "latitude" not in properties and "longitude" not in properties
    assert boping["location_approximate"] is True  # the township's centre
    assert boping["accessibility"]["accessible_toilet"] == {"available": True}
    assert boping["township"] == "boping"
    # 博平镇's approximate centre, longitude first.
    assert by_slug["rukang-boping"]["geometry"]["coordinates"] == [116.13, 36.585]


def test_facilities_json_has_every_published_facility(client, content_db):
    data = client.get("/data/facilities.json").get_json()
    records = data["facilities"]
    assert len(records) == published_count(Facility)
    assert set(data) == {"facilities"}
    assert {record["slug"] for record in records} == set(db.session.scalars(select(Facility.slug)))
    boping = next(record for record in records if record["slug"] == "rukang-boping")
    assert boping["url"].endswith("/facilities/rukang-boping")
    assert boping["hours"][0] == {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "08:30",
        "closes": "11:30",
    }
    assert boping["phone"] is None and boping["address"] is None


def test_contacts_json_has_every_published_contact_and_only_real_numbers(client, content_db):
    records = client.get("/data/contacts.json").get_json()["contacts"]
    assert len(records) == published_count(ContactChannel)
    with_value = {record["slug"]: record["value"] for record in records if record["value"]}
    assert with_value == {"hotline-12345": "12345", "hotline-12385": "12385"}


@pytest.mark.parametrize(
    "path, filename",
    [
        ("/data/facilities.csv", "facilities.csv"),
        ("/data/contacts.csv", "contacts.csv"),
        ("/data/indicators.csv", "indicators.csv"),
    ],
    ids=["facilities", "contacts", "indicators"],
)
def test_csv_downloads_as_an_attachment(client, path, filename):
    response = client.get(path)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename={filename}"
    assert response.data.startswith("\ufeff".encode())


def test_facilities_csv_has_a_column_per_field_and_feature_and_a_row_per_place(client, content_db):
    header, rows = read_csv(client.get("/data/facilities.csv"))
    assert header == list(exports.FACILITY_COLUMNS) + [
        f"accessibility.{feature.code}" for feature in features.FEATURES
    ]
    assert len(header) == len(exports.FACILITY_COLUMNS) + 12
    assert len(rows) == published_count(Facility)
    assert {row["slug"] for row in rows} == set(db.session.scalars(select(Facility.slug)))


def test_facilities_csv_writes_hours_and_features_as_spreadsheet_text(client, content_db):
    _header, rows = read_csv(client.get("/data/facilities.csv"))
    by_slug = {row["slug"]: row for row in rows}
    hantun = by_slug["rukang-hantun"]

    assert by_slug["rukang-boping"]["hours"] == (
        "mon,tue,wed,thu,fri 08:30-11:30; mon,tue,wed,thu,fri 13:30-17:00"
    )
    for facility in db.session.scalars(select(Facility)):
        assert by_slug[facility.slug]["hours"] == as_text(facility.hours), facility.slug
    assert hantun["accessibility.step_free_entrance"] == "false"
    assert hantun["accessibility.quiet_room"] == "true"
    assert hantun["accessibility.lift"] == ""  # not verified
    assert hantun["location_approximate"] == "true"
    assert set(hantun["services"].split(",")) == {
        "rukang-home",
        "public-welfare-jobs",
        "rehabilitation-fitness",
    }
    assert hantun["phone"] == "" and hantun["address"] == ""


def test_contacts_csv_has_a_row_per_contact(client, content_db):
    header, rows = read_csv(client.get("/data/contacts.csv"))
    by_slug = {row["slug"]: row for row in rows}

    assert header == list(exports.CONTACT_COLUMNS)
    assert len(rows) == published_count(ContactChannel)
    assert by_slug["hotline-12345"]["value"] == "12345"
    assert by_slug["hotline-12345"]["hours"] == "mon,tue,wed,thu,fri,sat,sun 00:00-24:00"
    assert by_slug["hotline-12385"]["hours"] == ""
    assert by_slug["dpf-sms"]["value"] == ""
    assert by_slug["dpf-sms"]["needs"] == "deaf,hard-of-hearing,speech,mobility"
    assert by_slug["dpf-in-person"]["facility"] == "government-service-hall"
    for contact in db.session.scalars(select(ContactChannel)):
        assert by_slug[contact.slug]["hours"] == as_text(contact.hours), contact.slug


# --- Sitemaps -------------------------------------------------------------------------------


def expected_paths() -> set[str]:
    """The finder, every facility, the directory, every contact and the data page."""
    return (
        {"/facilities/", "/contacts/", "/data/"}
        | {f"/facilities/{slug}" for slug in db.session.scalars(select(Facility.slug))}
        | {f"/contacts/{slug}" for slug in db.session.scalars(select(ContactChannel.slug))}
    )


def test_xml_sitemap_lists_places_contacts_and_data_in_both_languages(client, content_db):
    paths = set(sitemap_paths(client))
    wanted = expected_paths()
    assert len(wanted) == 3 + 23 + 16
    assert wanted - paths == set()
    assert {"/en" + path for path in wanted} - paths == set()


def test_html_sitemap_lists_places_contacts_and_data(client, content_db):
    links = set(parse(client.get("/sitemap").data).find("main").hrefs)
    assert expected_paths() - links == set()


@pytest.mark.parametrize("text", ["=1+1", "+8612345", "-2", "@SUM(A1)", "\tx"])
def test_csv_cells_that_a_spreadsheet_would_run_stay_text(text):
    assert spreadsheet_cell(text) == "'" + text
    assert spreadsheet_cell("12345") == "12345"
    assert cell_text(spreadsheet_cell(text)) == text, "read back as it was written"


def test_the_indicators_are_data_with_the_plans_figures_and_the_latest_value(client):
    """The 11 main indicators of 专栏1: as the plan gives them, and the value staff enter
    last (empty until the federation publishes one)."""
    records = client.get("/data/indicators.json").get_json()["indicators"]
    assert [r["number"] for r in records] == list(range(1, 12))
    rehabilitation = records[5]
    assert rehabilitation["name"] == "残疾人基本康复服务覆盖率"
    assert (rehabilitation["value_2020"], rehabilitation["target_2025"]) == (">90", ">95")
    assert rehabilitation["attribute"] == "binding"
    assert {r["attribute"] for r in records} == {"expected", "binding"}
    assert all(r["url"].endswith("/plan/indicators") for r in records)

    header, rows = read_csv(client.get("/data/indicators.csv"))
    assert header == list(exports.INDICATOR_COLUMNS)
    assert [row["name"] for row in rows] == [r["name"] for r in records]
    assert rows[5]["current_value"] == (rehabilitation["current_value"] or "")


@pytest.mark.parametrize("path", ["/data/indicators.json", "/en/data/indicators.json"])
def test_the_indicators_carry_their_english_name_and_unit_as_places_and_contacts_do(client, path):
    """The indicators' downloads were the Chinese alone, though the English site shows their
    English (boxes.yaml): now each has name_en and unit_en after name and unit, the same in
    either language's address."""
    boxes = read_yaml(PROJECT_ROOT / "content" / "boxes.yaml")
    indicators = next(box["indicators"] for box in boxes["boxes"] if box.get("indicators"))
    records = client.get(path).get_json()["indicators"]
    assert [(r["name_en"], r["unit_en"]) for r in records] == [
        (i["name_en"], i["unit_en"]) for i in indicators
    ]
    header, rows = read_csv(client.get(path.replace(".json", ".csv")))
    assert header[:5] == ["number", "name", "name_en", "unit", "unit_en"]
    assert rows[5]["name_en"] == records[5]["name_en"] == indicators[5]["name_en"]


@pytest.mark.parametrize(
    ("path", "name", "unit"),
    [
        ("/data/", "指标的名称（规划原文）", "单位（规划原文）"),
        ("/en/data/", "The indicator's name (as the plan gives it)", "Unit (as the plan gives it)"),
    ],
)
def test_the_data_page_documents_the_indicators_english_fields(client, path, name, unit):
    main = parse(client.get(path).data).find("main")
    table = main.find_all("table")[-1]
    rows = {row.find("th").text: row.find("td").text for row in table.find_all("tr")[1:]}
    assert rows["name / name_en"].startswith(name)
    assert rows["unit / unit_en"].startswith(unit)


def test_the_codes_in_the_chinese_meanings_are_marked_english(client):
    """ "on-site, phone, self-reported" sat untagged in Chinese text, read by a Chinese voice."""
    main = parse(client.get("/data/").data).find("main")
    for table in main.find_all("table"):
        assert not re.search("[A-Za-z]", text_outside_lang(table, "en")), table.find("caption")
    assert "on-site, phone, self-reported" in [
        span.text for span in main.find_all("span", lang="en")
    ]
    suffix = next(p for p in main.find_all("p") if "结尾的字段" in p.text)
    assert suffix.find("span", lang="en").text == "_en"


def test_marking_codes_keeps_the_text_escaped(app):
    from barrierfree.open_data.views import mark_codes

    with app.test_request_context("/data/"):
        marked = str(mark_codes("a<b> & 实地测量 on-site"))
    assert marked == (
        '<span lang="en">a</span>&lt;<span lang="en">b</span>&gt; &amp; 实地测量 '
        '<span lang="en">on-site</span>'
    )
