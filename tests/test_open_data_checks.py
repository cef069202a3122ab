"""What an outside reader of /data/ relies on: a download names only what residents may see
(no withdrawn or draft service or place, no demo place, even as a link), says its licence,
gives the English twin of every name, keeps staff's text from running as a formula, and
answers a reader that has it with 304."""

import csv
import io
import json

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import DRAFT, WITHDRAWN, db
from barrierfree.facilities.models import Facility
from barrierfree.services.models import Service
from conftest import make_loaded_app
from sqlalchemy import select

DOWNLOADS = [
    "/data/facilities.geojson",
    "/data/facilities.json",
    "/data/facilities.csv",
    "/data/contacts.json",
    "/data/contacts.csv",
    "/data/indicators.json",
    "/data/indicators.csv",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """content/ and the demo pack, with one demo place made real and published (rukang-
    hantun: three services) and the real 12345 contact given a place."""
    app = make_loaded_app(tmp_path_factory.mktemp("open-data-checks") / "site.sqlite")
    with app.app_context():
        real = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
        real.sample = False
        db.session.commit()
    return app


def by_slug(client, path: str, key: str) -> dict[str, dict]:
    return {row["slug"]: row for row in json.loads(client.get(path).data)[key]}


def csv_rows(client, path: str) -> dict[str, dict]:
    text = client.get(path).data.decode("utf-8").removeprefix("\ufeff")
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}


def set_place(app, contact: str, place: str | None) -> None:
    with app.app_context():
        row = db.session.scalar(select(ContactChannel).where(ContactChannel.slug == contact))
        row.facility = place and db.session.scalar(select(Facility).where(Facility.slug == place))
        db.session.commit()


def set_status(app, model, slug: str, status: str) -> str:
    """Give a row another status; what it had."""
    with app.app_context():
        row = db.session.scalar(select(model).where(model.slug == slug))
        was, row.status = row.status, status
        db.session.commit()
    return was


def test_a_contact_names_its_place_only_while_the_place_is_public_and_real(site):
    client = site.test_client()
    set_place(site, "hotline-12345", "rukang-boping")  # a demo place
    assert by_slug(client, "/data/contacts.json", "contacts")["hotline-12345"]["facility"] is None
    assert csv_rows(client, "/data/contacts.csv")["hotline-12345"]["facility"] == ""
    set_place(site, "hotline-12345", "rukang-hantun")
    assert by_slug(client, "/data/contacts.json", "contacts")["hotline-12345"]["facility"] == (
        "rukang-hantun"
    )
    was = set_status(site, Facility, "rukang-hantun", WITHDRAWN)
    try:
        contact = by_slug(client, "/data/contacts.json", "contacts")["hotline-12345"]
        assert contact["facility"] is None
        assert "rukang-hantun" not in by_slug(client, "/data/facilities.json", "facilities")
    finally:
        set_status(site, Facility, "rukang-hantun", was)
        set_place(site, "hotline-12345", None)


@pytest.mark.parametrize("status", [WITHDRAWN, DRAFT])
def test_a_place_lists_only_the_services_residents_can_open(site, status):
    client = site.test_client()
    listed = by_slug(client, "/data/facilities.json", "facilities")["rukang-hantun"]["services"]
    assert "rukang-home" in listed
    was = set_status(site, Service, "rukang-home", status)
    try:
        place = by_slug(client, "/data/facilities.json", "facilities")["rukang-hantun"]
        assert place["services"] == [slug for slug in listed if slug != "rukang-home"]
        row = csv_rows(client, "/data/facilities.csv")["rukang-hantun"]
        assert "rukang-home" not in row["services"].split(",")
        geojson = json.loads(client.get("/data/facilities.geojson").data)
        [feature] = [f for f in geojson["features"] if f["id"] == "rukang-hantun"]
        assert "rukang-home" not in feature["properties"]["services"]
    finally:
        set_status(site, Service, "rukang-home", was)


@pytest.mark.parametrize("path", DOWNLOADS)
def test_every_download_names_its_licence_to_programs_too(site, path):
    response = site.test_client().get(path)
    assert (
        response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    )
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_reader_that_has_a_download_gets_304(site, path):
    client = site.test_client()
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("path", ["/data/facilities.json", "/en/data/facilities.json"])
def test_a_place_s_township_is_named_in_english_too(site, path):
    place = by_slug(site.test_client(), path, "facilities")["rukang-hantun"]
    assert place["township_name"] == "韩屯镇"
    assert place["township_name_en"] == "Hantun Town"


def test_the_data_page_documents_the_township_s_english_name(site):
    assert "township_name_en" in site.test_client().get("/data/").text


@pytest.mark.parametrize("text", ['=HYPERLINK("http://example.com","点这里")', "@SUM(1)"])
def test_a_name_staff_typed_as_a_formula_stays_text_in_the_csv(site, text):
    with site.app_context():
        row = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
        was, row.name = row.name, text
        db.session.commit()
    try:
        assert csv_rows(site.test_client(), "/data/facilities.csv")["rukang-hantun"]["name"] == (
            "'" + text
        )
    finally:
        with site.app_context():
            row = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
            row.name = was
            db.session.commit()
