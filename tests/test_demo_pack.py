"""Nothing invented: `make run` (content/ alone) shows no demo record on any page or in any
export; the demo pack (`flask content load --demo`) is bannered on every page in both
languages and kept out of the sitemap, schema.org data and /data/."""

import json
import re
from datetime import datetime

import pytest
import yaml
from barrierfree import demo
from barrierfree.contacts.models import ContactChannel
from barrierfree.content.files import ContentError, read_yaml
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.staff.models import Autosave, Revision, Schedule
from conftest import (
    PROJECT_ROOT,
    demo_paths,
    is_english,
    json_ld,
    load_content,
    make_loaded_app,
    parse,
    sitemap_paths,
)
from sqlalchemy import func, select
from staff_helpers import make_staff

DEMO = PROJECT_ROOT / "content" / "demo"
DEMO_RECORDS = {kind: read_yaml(DEMO / f"{kind}.yaml")[kind] for kind in ("facilities", "contacts")}
DEMO_SLUGS = [record["slug"] for records in DEMO_RECORDS.values() for record in records]
PLAN_TEXT = "".join(
    (PROJECT_ROOT / "content" / name).read_text(encoding="utf-8")
    for name in ("plan.yaml", "boxes.yaml")
)
# The names of invented records, but those of places the plan itself names (茌平区残疾人康复中心).
DEMO_NAMES = [
    record["name"]
    for records in DEMO_RECORDS.values()
    for record in records
    if record["name"] not in PLAN_TEXT
]
REAL_CONTACT = ContactChannel.slug == "hotline-12345"
BANNER_ZH = "演示站点"
BANNER_EN = "Demo site"
SAMPLE_WORDS = ("示例数据", "sample data", BANNER_ZH, BANNER_EN)
EXPORTS = (
    "/data/facilities.json",
    "/data/facilities.geojson",
    "/data/facilities.csv",
    "/data/contacts.json",
    "/data/contacts.csv",
    "/data/indicators.json",
    "/data/indicators.csv",
    "/sitemap.xml",
    "/updates/feed.atom",
)
# Every list that could show a place or a contact, in both languages, and searches for them.
LISTS = (
    "/",
    "/facilities/",
    "/facilities/?open=now",
    "/contacts/",
    "/contacts/?need=deaf",
    "/search?q=如康家园",
    "/search?q=手语",
    "/search?q=无障碍卫生间",
    "/sitemap",
    "/data/",
)


@pytest.fixture(scope="module")
def facts_app(tmp_path_factory):
    """The site as `make run` loads it: content/ without the demo pack."""
    return make_loaded_app(tmp_path_factory.mktemp("facts") / "site.sqlite", demo=False)


def invented(text: str) -> list[str]:
    """The demo records (by address, JSON or CSV key, or name) and the sample-data words
    found in `text`."""
    slugs = [
        slug
        for slug in DEMO_SLUGS
        if re.search(
            rf'/(facilities|contacts)/{slug}\b|"slug": ?"{slug}"|^\ufeff?{slug},', text, re.M
        )
    ]
    return slugs + [w for w in (*DEMO_NAMES, *SAMPLE_WORDS) if w in text]


def test_make_run_shows_no_invented_fact_on_any_page_or_export(facts_app):
    client = facts_app.test_client()
    paths = sitemap_paths(client) + [*LISTS, *(f"/en{p}" for p in LISTS)]
    found = {}
    for path in [*paths, *EXPORTS]:
        response = client.get(path)
        assert response.status_code == 200, path
        if hits := invented(response.get_data(as_text=True)):
            found[path] = hits
    assert len(paths) > 150
    assert found == {}


def test_without_places_the_finder_says_so_and_what_to_do(facts_app):
    client = facts_app.test_client()
    for path, words in (("/facilities/", "区残联尚未公布"), ("/en/facilities/", "has not yet")):
        doc = parse(client.get(path).data)
        main = doc.find("main")
        assert words in main.text
        assert "12345" in main.text
        assert main.find("form", attrs={"aria-labelledby": "facility-filters-title"}) is None


@pytest.mark.parametrize("query", ["township=nowhere", "need=flying", "type=zoo"])
def test_without_places_a_filter_in_the_address_is_no_error_to_correct(facts_app, query):
    """The page shows no filters then: a summary would link to fields that are not there."""
    response = facts_app.test_client().get(f"/facilities/?{query}")
    assert response.status_code == 200
    assert parse(response.data).find(**{"data-error-summary": True}) is None


def test_make_run_has_the_two_real_numbers_and_no_other_contact(facts_app):
    data = facts_app.test_client().get("/data/contacts.json").get_json()
    assert [c["slug"] for c in data["contacts"]] == ["hotline-12345", "hotline-12385"]


def test_every_page_of_the_demo_site_carries_the_banner_in_both_languages(client, site_pages):
    missing = {}
    for path, page in site_pages.items():
        main = page.doc.find("main")
        banner = main.find("div", class_="demo-banner") if main else None
        if banner is None or BANNER_ZH not in banner.text or BANNER_EN not in banner.text:
            missing[path] = "no banner"
            continue
        other = "zh-CN" if is_english(path) else "en"
        if banner.find("p", lang=other) is None:
            missing[path] = f"the {other} line is not marked"
    assert len(site_pages) > 150
    assert missing == {}
    # The banner comes first in the main content, where the skip link leads.
    doc = site_pages["/"].doc
    assert doc.find("main").find("div")["class"] == "demo-banner"


def test_the_site_without_demo_records_has_no_banner(facts_app):
    for path in ("/", "/en/", "/facilities/", "/plan/"):
        html = facts_app.test_client().get(path).get_data(as_text=True)
        assert "demo-banner" not in html, path


def demo_pages(client) -> list[str]:
    """The pages of the demo pack's records the lists link to."""
    return [p for p in demo_paths(client) if p.rsplit("/", 1)[-1] in DEMO_SLUGS]


def test_demo_records_are_left_out_of_the_sitemap_and_data(client):
    pages = demo_pages(client)
    assert any(p.startswith("/facilities/") for p in pages)
    assert any(p.startswith("/contacts/") for p in pages)
    assert not set(pages) & set(sitemap_paths(client))
    for path in EXPORTS:
        text = client.get(path).get_data(as_text=True)
        assert [slug for slug in DEMO_SLUGS if slug in text] == [], path


def test_demo_records_have_no_schema_org_data(client, site_pages):
    for path in demo_pages(client):
        doc = site_pages[path].doc
        assert doc.find("script", attrs={"type": "application/ld+json"}) is None, path
    # A real contact keeps its data.
    assert json_ld(client.get("/contacts/hotline-12345"))["telephone"] == "12345"


def test_demo_pages_still_say_they_are_invented(client, site_pages):
    place = next(p for p in demo_pages(client) if p.startswith("/facilities/"))
    assert "示例数据" in site_pages[place].doc.find("main").text


def test_an_invented_record_outside_the_demo_pack_is_refused(empty_app, content_copy):
    facilities = content_copy / "facilities.yaml"
    facilities.write_text(
        "facilities:\n" + yaml.safe_dump([DEMO_RECORDS["facilities"][0]], allow_unicode=True),
        encoding="utf-8",
    )
    with empty_app.app_context(), pytest.raises(ContentError, match="demo pack"):
        load_content(content_copy, demo=False)


def test_a_demo_record_not_marked_invented_is_refused(empty_app, content_copy):
    path = content_copy / "demo" / "contacts.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("    sample: true", "    sample: false", 1),
        encoding="utf-8",
    )
    with empty_app.app_context(), pytest.raises(ContentError, match="sample: true"):
        load_content(content_copy)


def test_content_load_takes_the_demo_pack_only_when_asked(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["content", "load"]).exit_code == 0
    assert "demo-banner" not in empty_app.test_client().get("/").get_data(as_text=True)
    result = runner.invoke(args=["content", "load", "--demo"])
    assert result.exit_code == 0, result.output
    assert f"added {len(DEMO_SLUGS)}" in result.output
    assert BANNER_ZH in empty_app.test_client().get("/").get_data(as_text=True)


def test_remove_demo_takes_the_pack_out_and_keeps_the_facts(loaded_app):
    result = loaded_app.test_cli_runner().invoke(args=["content", "remove-demo"])
    assert result.exit_code == 0, result.output
    counts = (len(DEMO_RECORDS["facilities"]), len(DEMO_RECORDS["contacts"]))
    assert f"Removed {counts[0]} demo places and {counts[1]} demo contacts" in result.output
    client = loaded_app.test_client()
    assert "demo-banner" not in client.get("/").get_data(as_text=True)
    place = f"/facilities/{DEMO_RECORDS['facilities'][0]['slug']}"
    assert client.get(place).status_code == 404
    assert client.get("/contacts/hotline-12345").status_code == 200
    assert invented(client.get("/search?q=如康家园").get_data(as_text=True)) == []
    data = json.loads(client.get("/data/contacts.json").data)
    assert len(data["contacts"]) == 2


@pytest.mark.no_database
def test_make_run_removes_a_loaded_demo_pack():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "flask content remove-demo" in run


@pytest.mark.no_database
def test_the_content_folder_keeps_demo_records_apart():
    for kind in ("facilities", "contacts"):
        records = read_yaml(PROJECT_ROOT / "content" / f"{kind}.yaml")[kind]
        assert not [r["slug"] for r in records or [] if r.get("sample")]
        assert all(r.get("sample") is True for r in DEMO_RECORDS[kind])


def test_remove_demo_takes_the_staff_work_on_demo_records_with_them(loaded_app):
    """Revisions, schedules and autosaves name an item by kind and id alone: left behind,
    a new record given a demo record's id would inherit them."""
    user = make_staff(loaded_app, "li-editor", "editor")
    with loaded_app.app_context():
        items = [
            ("facilities", db.session.scalar(select(Facility.id).where(Facility.sample))),
            ("contacts", db.session.scalar(select(ContactChannel.id).where(ContactChannel.sample))),
            ("contacts", db.session.scalar(select(ContactChannel.id).where(REAL_CONTACT))),
        ]
        for kind, item in items:
            db.session.add_all(
                [
                    Revision(kind=kind, item_id=item, version=1, data={}, action="save",
                             user_id=user, username="li-editor"),
                    Schedule(kind=kind, item_id=item, publish_at=datetime(2099, 1, 1)),
                    Autosave(user_id=user, kind=kind, key=str(item), data={}),
                ]
            )  # fmt: skip
        db.session.commit()
        demo.remove(DEMO_RECORDS)
        db.session.commit()
        for model in (Revision, Schedule, Autosave):
            kept = db.session.execute(select(model.kind, func.count()).group_by(model.kind))
            assert dict(kept.all()) == {"contacts": 1}, model


def test_remove_demo_never_deletes_a_record_staff_made_even_marked_sample(loaded_app):
    with loaded_app.app_context():
        real = db.session.scalar(select(ContactChannel).where(REAL_CONTACT))
        real.sample = True  # ticked by mistake in the back office
        db.session.commit()
    result = loaded_app.test_cli_runner().invoke(args=["content", "remove-demo"])
    assert result.exit_code == 0, result.output
    assert loaded_app.test_client().get("/contacts/hotline-12345").status_code == 200
