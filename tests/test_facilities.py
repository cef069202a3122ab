"""Facilities: the sample records and the rules they keep, the finder, a place's page, JSON-LD."""

import re
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from barrierfree import PROJECT_ROOT, opening_hours
from barrierfree.content.files import ContentError, read_yaml
from barrierfree.content.loader import load
from barrierfree.database import db
from barrierfree.facilities import features
from barrierfree.facilities.models import Facility, Township
from barrierfree.facilities.spec import FACILITIES
from conftest import json_ld, listed, load_content, make_loaded_app, parse
from sqlalchemy import select

ALL_FACILITIES = 23
TOILETS_AND_PARKING = {"toilet-zhenxing", "toilet-boping", "parking-service-centre"}
LIBRARY = "library-blind-reading-room"
# "约1.2公里"; "不到0.1公里" and a place known only by the township measured from (its
# distance "不详") counted as 0.
DISTANCE = re.compile(r"约(\d+(?:\.\d+)?)公里|(不到0\.1公里|距离不详)")
SAMPLE_NOTICE = "示例数据，以区残联公布为准"
DEMO_FILE = "demo/facilities.yaml"
# The demo places whose hours nobody verified: shown, never "open now".
UNVERIFIED_HOURS = {"rukang-hantun", "rukang-jiazhai"}


@pytest.fixture
def content_db(app):
    """An app context on the shared app, whose database holds content/ (read only)."""
    with app.app_context():
        yield


def results(response):
    """The finder's results block."""
    block = parse(response.data).find(id="facility-results")
    assert block is not None, response.text[:500]
    return block


def found(response) -> list[str]:
    """The slugs of the facilities the finder lists, in order."""
    return listed(response, "facility-results", "/facilities/")


def distances(response) -> list[float]:
    """The "约X公里" distance of each listed facility, in order."""
    return [float(km or 0) for km, _near in DISTANCE.findall(results(response).text)]


def every_slug(client) -> list[str]:
    """Every facility the unfiltered finder lists."""
    return found(client.get("/facilities/"))


def edit_record(path: Path, slug: str, old: str, new: str) -> None:
    """Replace the first `old` (which must be there) with `new` in one record of a content
    file, the record that starts with `- slug: <slug>`."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- slug: {slug}\n")
    end = text.find("\n- slug:", start)
    end = len(text) if end == -1 else end
    record = text[start:end]
    assert old in record, f"{old!r} not in {slug}"
    path.write_text(text[:start] + record.replace(old, new, 1) + text[end:], encoding="utf-8")


# --- The records ----------------------------------------------------------------------------


def test_fourteen_townships_three_subdistricts_ten_towns_one_township(content_db):
    kinds = Counter(township.kind for township in db.session.scalars(select(Township)))
    assert kinds == {"subdistrict": 3, "town": 10, "township": 1}


def test_every_township_has_a_rukang_home(content_db):
    townships = list(db.session.scalars(select(Township)))
    without = [
        township.slug
        for township in townships
        if not any(facility.type == "rukang-home" for facility in township.facilities)
    ]
    assert len(townships) == 14
    assert without == []


def test_every_facility_in_the_demo_pack_is_sample_data_with_no_number_or_address(app):
    records = read_yaml(Path(app.config["CONTENT_DIR"]) / DEMO_FILE)["facilities"]
    assert len(records) == ALL_FACILITIES
    offending = [
        record["slug"]
        for record in records
        if record.get("sample") is not True
        or any(record.get(field) for field in ("phone", "sms", "address"))
    ]
    assert offending == []


def test_every_facility_in_the_database_is_marked_sample(content_db):
    facilities = list(db.session.scalars(select(Facility)))
    assert len(facilities) == ALL_FACILITIES
    assert [f.slug for f in facilities if not f.sample or f.phone or f.sms or f.address] == []


# --- Validation -----------------------------------------------------------------------------


def facility_record(**changes) -> dict:
    """A valid facility record with `changes` applied."""
    record = {
        "slug": "test-place",
        "type": "service-hall",
        "township": "boping",
        "sample": True,
        "name": "测试场所",
        "summary": "测试用的场所。",
        "latitude": 36.59,
        "longitude": 116.14,
        "hours": [{"days": ["mon", "tue"], "opens": "08:30", "closes": "17:00"}],
        "accessibility": {
            "step_free_entrance": {"available": True, "steps": 0, "ramp": True},
            "accessible_parking": {"available": True, "spaces": 2},
            "lift": {
                "available": False,
                "method": "on-site",
                "verified_on": "2026-10-09",
                "verified_by": "区残联",
            },
        },
    }
    record.update(changes)
    return record


def accessibility(**changes) -> dict:
    """The valid record's accessibility with some features replaced."""
    return {**facility_record()["accessibility"], **changes}


def test_the_valid_record_passes():
    assert FACILITIES.check(facility_record()) is None
    assert FACILITIES.check(facility_record(sample=False, phone="0635-0000000")) is None
    assert FACILITIES.check(facility_record(latitude=None, longitude=None)) is None


# (changes, a word the message must contain)
BAD_FACILITIES = {
    "sample-with-phone": ({"phone": "0635-0000000"}, "^phone: 示例数据"),
    "sample-with-sms": ({"sms": "10600000000"}, "^sms: 示例数据"),
    "unknown-type": ({"type": "swimming-pool"}, "type"),
    "no-type": ({"type": None}, "type"),
    "unknown-feature": (
        {"accessibility": accessibility(escalator={"available": True})},
        "escalator",
    ),
    "feature-without-available": ({"accessibility": accessibility(lift={"note": "有"})}, "lift"),
    "feature-not-a-mapping": ({"accessibility": accessibility(lift=True)}, "lift"),
    "unknown-detail": (
        {"accessibility": accessibility(lift={"available": True, "spaces": 2})},
        "spaces",
    ),
    "count-as-boolean": (
        {"accessibility": accessibility(accessible_parking={"available": True, "spaces": True})},
        "spaces",
    ),
    "count-as-text": (
        {"accessibility": accessibility(step_free_entrance={"available": False, "steps": "两"})},
        "steps",
    ),
    "available-as-text": ({"accessibility": accessibility(lift={"available": "yes"})}, "available"),
    "accessibility-not-a-mapping": ({"accessibility": ["lift"]}, "accessibility"),
    "outside-the-district": ({"latitude": 39.9, "longitude": 116.4}, "^latitude: .*不在茌平区内"),
    "latitude-and-longitude-swapped": (
        {"latitude": 116.14, "longitude": 36.59},
        "^latitude: .*不在茌平区内",
    ),
    "longitude-outside": ({"longitude": 120.0}, "^longitude: .*不在茌平区内"),
    "only-a-latitude": ({"longitude": None}, "^longitude: .*同时填写"),
    "coordinates-as-text": ({"latitude": "36.59"}, "^latitude: .*要填数字"),
    "hour-25": ({"hours": [{"days": ["mon"], "opens": "08:30", "closes": "25:00"}]}, "25:00"),
    "unquoted-yaml-time": (
        {"hours": [{"days": ["mon"], "opens": "08:30", "closes": 810}]},
        "quote",
    ),
    "no-hours-rules": ({"hours": []}, "hours"),
}


@pytest.mark.parametrize("changes, named", BAD_FACILITIES.values(), ids=BAD_FACILITIES.keys())
def test_check_facility_refuses(changes, named):
    with pytest.raises(ValueError, match=named):
        FACILITIES.check(facility_record(**changes))


def test_check_facility_refuses_a_verification_date_that_is_not_a_date():
    """The page writes the date out (2026年10月9日); a date it cannot read would break it."""
    bad = accessibility(lift={"available": True, "verified_on": "last spring"})
    with pytest.raises(ValueError, match="verified_on"):
        FACILITIES.check(facility_record(accessibility=bad))


def test_loader_refuses_a_sample_facility_with_a_phone_naming_file_and_slug(
    empty_app, content_copy
):
    edit_record(
        content_copy / DEMO_FILE,
        "rukang-boping",
        "  sample: true\n",
        "  sample: true\n  phone: '00000000'\n",
    )
    with empty_app.app_context(), pytest.raises(ContentError) as raised:
        load(content_copy, demo=True)
    message = str(raised.value)
    assert "facilities.yaml" in message
    assert "rukang-boping" in message
    assert "phone" in message


def test_loader_refuses_an_unquoted_time_and_says_to_quote_it(empty_app, content_copy):
    """YAML reads an unquoted 11:30 as the integer 690 (base 60)."""
    edit_record(content_copy / DEMO_FILE, "rukang-boping", "'11:30'", "11:30")
    with empty_app.app_context(), pytest.raises(ContentError) as raised:
        load(content_copy, demo=True)
    message = str(raised.value)
    assert "facilities.yaml (rukang-boping)" in message
    assert "quote" in message


# --- The finder -----------------------------------------------------------------------------


def test_unfiltered_finder_lists_every_published_facility(client, content_db):
    slugs = set(db.session.scalars(select(Facility.slug).where(Facility.status == "published")))
    response = client.get("/facilities/")
    assert response.status_code == 200
    assert len(slugs) == ALL_FACILITIES
    assert set(found(response)) == slugs
    assert results(response).find("h2").text == f"找到{ALL_FACILITIES}个场所"


FILTERS = {
    "township": ("township=boping", {"rukang-boping", "toilet-boping"}),
    "type": ("type=accessible-toilet", {"toilet-zhenxing", "toilet-boping"}),
    "type-and-township": ("type=rukang-home&township=hantun", {"rukang-hantun"}),
    "need": ("township=zhenxing&need=hearing_loop", set()),
    "acceptance-boping-step-free-with-toilet": (
        "township=boping&need=step_free_entrance&need=accessible_toilet",
        {"rukang-boping", "toilet-boping"},
    ),
    "need-and-type": (
        "type=rukang-home&need=sign_language",
        {"rukang-zhenxing", "rukang-wenchen", "rukang-boping"},
    ),
    "parking": (
        "need=accessible_parking&township=xinfa",
        {"rukang-xinfa", "government-service-hall", "parking-service-centre"},
    ),
}


@pytest.mark.parametrize("query, expected", FILTERS.values(), ids=FILTERS.keys())
def test_finder_filters(client, query, expected):
    response = client.get(f"/facilities/?{query}")
    assert response.status_code == 200
    assert set(found(response)) == expected
    assert len(found(response)) == len(expected)


def test_township_filter_lists_only_that_townships_places(client):
    main = parse(client.get("/facilities/?township=boping").data).find(id="facility-results")
    metas = [p.text for p in main.find_all("p", class_="card__meta") if "，" in p.text]
    assert metas and all("博平镇" in meta for meta in metas)


def test_an_empty_result_says_so_and_links_to_every_place(client):
    block = results(client.get("/facilities/?township=zhenxing&need=hearing_loop"))
    assert "没有符合这些条件的场所" in block.text
    assert "/facilities/" in block.hrefs


def test_two_needs_list_exactly_the_places_that_have_both(client, content_db):
    response = client.get("/facilities/?need=step_free_entrance&need=accessible_toilet")
    both = {
        facility.slug
        for facility in db.session.scalars(select(Facility))
        if (facility.accessibility.get("step_free_entrance") or {}).get("available") is True
        and (facility.accessibility.get("accessible_toilet") or {}).get("available") is True
    }
    assert "rukang-hantun" not in found(response)  # two steps at the door
    assert "rukang-boping" in found(response)
    assert set(found(response)) == both
    assert 0 < len(both) < ALL_FACILITIES


def test_needs_are_ticked_again_in_the_form(client):
    doc = parse(client.get("/facilities/?need=step_free_entrance&need=accessible_toilet").data)
    ticked = {box.get("value") for box in doc.find_all("input", type="checkbox", checked=True)}
    assert ticked == {"step_free_entrance", "accessible_toilet"}


def test_near_a_township_sorts_by_distance_from_its_centre(client):
    response = client.get("/facilities/?near=boping")
    listed = found(response)
    km = distances(response)

    assert response.status_code == 200
    assert len(listed) == ALL_FACILITIES
    assert len(km) == ALL_FACILITIES
    assert set(listed[:2]) == {"rukang-boping", "toilet-boping"}
    assert km[0] == 0.0
    assert km == sorted(km)
    assert km[-1] > 10
    assert "离博平镇近的在前。" in results(response).text


def test_near_here_sorts_by_distance_from_the_given_point(client):
    # The approximate centre of 杨官屯乡, in the far north-east.
    response = client.get("/facilities/?near=here&lat=36.72&lon=116.32")
    km = distances(response)
    doc = parse(response.data)

    assert response.status_code == 200
    assert found(response)[0] == "rukang-yangguantun"
    assert found(response)[-1] != "rukang-yangguantun"
    assert km[0] == 0.0 and km == sorted(km)
    assert "离您的位置近的在前。" in results(response).text
    hidden = {i.get("name"): i.get("value") for i in doc.find_all("input", type="hidden")}
    assert (hidden.get("lat"), hidden.get("lon")) == ("36.72", "116.32")


def test_without_an_origin_there_are_no_distances(client):
    assert distances(client.get("/facilities/")) == []


def test_near_here_without_a_location_asks_for_a_township(client):
    response = client.get("/facilities/?near=here")
    summary = parse(response.data).find(class_="error-summary")

    assert response.status_code == 400
    assert summary is not None
    assert "没有收到您的位置" in summary.text
    assert "#near" in summary.hrefs
    assert len(found(response)) == ALL_FACILITIES
    assert distances(response) == []


def test_finder_page_lets_the_browser_share_its_location(client):
    """The "用我的位置排序" button needs the Geolocation API, which the policy must allow."""
    response = client.get("/facilities/")
    assert parse(response.data).find("button", data_locate=True) is not None
    policy = response.headers.get("Permissions-Policy", "")
    assert "geolocation=()" not in policy


# --- Open now, against a fixed clock --------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Set the site's clock: clock(datetime) makes local_now() return that time."""

    def set_clock(when: datetime) -> None:
        monkeypatch.setattr(opening_hours, "local_now", lambda: when)

    return set_clock


WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)
WEDNESDAY_12_30 = datetime(2026, 11, 25, 12, 30)
MONDAY_10 = datetime(2026, 11, 23, 10, 0)
SATURDAY_10 = datetime(2026, 11, 28, 10, 0)
SUNDAY_03 = datetime(2026, 11, 29, 3, 0)


def test_open_now_on_a_wednesday_morning_lists_every_place_with_verified_hours(client, clock):
    everything = set(every_slug(client))
    clock(WEDNESDAY_10)
    listed = found(client.get("/facilities/?open=now"))
    assert {"rukang-boping", "government-service-hall", LIBRARY} <= set(listed)
    assert set(listed) == everything - UNVERIFIED_HOURS


def test_open_now_in_the_lunch_break_lists_only_places_open_through_it(client, clock):
    clock(WEDNESDAY_12_30)
    assert set(found(client.get("/facilities/?open=now"))) == TOILETS_AND_PARKING | {LIBRARY}


def test_open_now_on_a_monday_leaves_out_the_library(client, clock):
    everything = set(every_slug(client))
    clock(MONDAY_10)
    assert set(found(client.get("/facilities/?open=now"))) == everything - {LIBRARY} - (
        UNVERIFIED_HOURS
    )


def test_open_now_on_a_saturday_morning(client, clock):
    clock(SATURDAY_10)
    assert set(found(client.get("/facilities/?open=now"))) == TOILETS_AND_PARKING | {
        LIBRARY,
        "government-service-hall",
        "child-rehabilitation-centre",
    }


def test_open_now_at_three_on_sunday_night_lists_the_24_hour_places(client, clock):
    clock(SUNDAY_03)
    assert set(found(client.get("/facilities/?open=now"))) == TOILETS_AND_PARKING


def test_open_now_combines_with_the_township(client, clock):
    clock(SUNDAY_03)
    assert found(client.get("/facilities/?open=now&township=boping")) == ["toilet-boping"]


@pytest.mark.parametrize(
    "when, status", [(WEDNESDAY_10, "现在开放"), (SUNDAY_03, "现在休息")], ids=["open", "closed"]
)
def test_list_and_page_say_whether_the_place_is_open_now(client, clock, when, status):
    clock(when)
    listing = results(client.get("/facilities/?township=boping"))
    page = parse(client.get("/facilities/rukang-boping").data).find("main")
    assert status in listing.find_all("li", class_="card")[0].text
    assert status in page.find(class_="open-status").text


# --- Bad filter values ----------------------------------------------------------------------

LONG = "a" * 10000

# (query, the id of the field to fix, the value as the page shows it)
BAD_FILTERS = {
    "unknown-township": ({"township": "nowhere"}, "township", "nowhere"),
    "markup-type": (
        {"type": "<script>alert(1)</script>"},
        "type",
        "<script>alert(1)</script>",
    ),
    "unknown-need": ({"need": "x"}, "need-step_free_entrance", "x"),
    "unknown-origin": ({"near": "nowhere"}, "near", "nowhere"),
    "nan-latitude": ({"near": "here", "lat": "nan", "lon": "116.2"}, "near", "nan"),
    "latitude-out-of-range": ({"near": "here", "lat": "95", "lon": "116.2"}, "near", "95"),
    "long-township": ({"township": LONG}, "township", "a" * 100 + "…"),
    "long-type": ({"type": LONG}, "type", "a" * 100 + "…"),
    "long-need": ({"need": LONG}, "need-step_free_entrance", "a" * 100 + "…"),
    "long-origin": ({"near": LONG}, "near", "a" * 100 + "…"),
    "long-longitude": ({"near": "here", "lat": "36.6", "lon": "1" * 10000}, "near", "1" * 100),
    "open-not-now": ({"open": "later"}, "open-now", "later"),
    # What nobody can see is shown as U+FFFD: a NUL is no valid HTML, and an override would
    # turn the rest of the summary round.
    "nul-township": ({"township": "\x00"}, "township", "“\ufffd”"),
    "override-type": ({"type": "a\u202ebc"}, "type", "“a\ufffdbc”"),
}


@pytest.mark.parametrize("query, field_id, shown", BAD_FILTERS.values(), ids=BAD_FILTERS.keys())
def test_bad_filter_value_is_reported_and_the_list_still_shown(client, query, field_id, shown):
    response = client.get("/facilities/?" + urlencode(query))
    doc = parse(response.data)
    summary = doc.find(class_="error-summary")

    assert response.status_code == 400
    assert summary is not None
    assert f"#{field_id}" in summary.hrefs
    assert doc.find(id=field_id) is not None
    assert shown in summary.text
    assert doc.find(class_="field__error") is not None
    assert b"<script>alert(1)" not in response.data
    assert "a" * 101 not in doc.find("main").text  # a long value is cut short
    assert len(found(response)) == ALL_FACILITIES


@pytest.mark.parametrize("query, field_id, shown", BAD_FILTERS.values(), ids=BAD_FILTERS.keys())
def test_every_error_summary_link_leads_to_a_field_on_the_page(client, query, field_id, shown):
    doc = parse(client.get("/facilities/?" + urlencode(query)).data)
    summary_links = doc.find(class_="error-summary").hrefs
    ids = {element.get("id") for element in doc.iter() if element.get("id")}
    assert [href for href in summary_links if href.removeprefix("#") not in ids] == []


def test_a_good_need_beside_a_bad_one_still_filters(client):
    response = client.get("/facilities/?need=hearing_loop&need=x")
    assert response.status_code == 400
    assert set(found(response)) == {"special-education-school", "government-service-hall"}


# --- htmx -----------------------------------------------------------------------------------


def test_htmx_request_gets_only_the_results_fragment(client):
    response = client.get("/facilities/?township=boping", headers={"HX-Request": "true"})
    doc = parse(response.data)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="facility-results"')
    assert doc.find("html") is None and doc.find("form") is None
    assert doc.find(id="facility-results").get("data-announce") == "找到2个场所"
    assert set(found(response)) == {"rukang-boping", "toilet-boping"}


def test_htmx_request_with_a_bad_value_gets_the_fragment_of_the_rest(client):
    response = client.get("/facilities/?township=nowhere", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="facility-results"')
    assert len(found(response)) == ALL_FACILITIES


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_finder_without_js_opens_its_answer_at_the_results_heading(client, prefix):
    """In large text on a phone the results began thousands of pixels down; htmx asks
    its own address, so the pushed one carries no fragment."""
    doc = parse(client.get(f"{prefix}/facilities/").data)
    form = doc.find("form", class_="filter-form")
    heading = doc.find(id="facility-results-heading")

    assert form.get("action") == f"{prefix}/facilities/#facility-results-heading"
    assert form.get("data-hx-get") == f"{prefix}/facilities/"
    assert heading.find_parent(id="facility-results") is not None
    assert heading.get("tabindex") == "-1"


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "fragment"])
def test_finder_response_varies_on_hx_request(client, headers):
    vary = client.get("/facilities/", headers=headers).headers.get("Vary", "")
    assert "HX-Request" in [part.strip() for part in vary.split(",")]


# --- A facility's page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def boping_home(app):
    """The page of 博平镇's 如康家园 on Wednesday 25 November 2026 at 10:00."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(opening_hours, "local_now", lambda: WEDNESDAY_10)
        response = app.test_client().get("/facilities/rukang-boping")
    assert response.status_code == 200
    return response


def test_facility_page_says_it_is_sample_data(boping_home):
    main = parse(boping_home.data).find("main")
    assert main.find("h1").text == "博平镇“如康家园”残疾人之家"
    assert SAMPLE_NOTICE in main.find(class_="notice--sample").text


def test_facility_hours_table_has_a_caption_and_a_row_header_per_day(boping_home):
    table = parse(boping_home.data).find("main").find("table")
    rows = table.find_all("th", scope="row")

    assert table.find("caption").text == "每周开放时间"
    assert [th.text for th in rows] == [
        "星期一",
        "星期二",
        "星期三（今天）",
        "星期四",
        "星期五",
        "星期六",
        "星期日",
    ]
    cells = [td.text for td in table.find_all("td")]
    assert cells[0] == "08:30至11:30、13:30至17:00"
    assert cells[5:] == ["休息", "休息"]


def test_hours_break_between_time_ranges_and_the_day_before_today(boping_home):
    """At 320 px in large text the day cell, kept on one line, took 180 of 288 px, and the
    hours broke inside a range ("08:30 / to / 11:30," or "08:30至 / 11:30、"). A range is
    kept whole from 400 px; on a narrower screen it may break between its times, or the
    closing times ran out of the table (a11y_tests/test_small_screens.py)."""
    table = parse(boping_home.data).find("main").find("table")
    monday = table.find("td")
    ranges = monday.find_all("span", class_="opening-hours__range")
    assert [span.text for span in ranges] == ["08:30至11:30", "13:30至17:00"]
    assert monday.text == "08:30至11:30、13:30至17:00", "the separator between the ranges"
    for day in table.find_all("th", scope="row"):
        assert "opening-hours__day" in day.classes and "table__nowrap" not in day.classes
    css = (PROJECT_ROOT / "site" / "static" / "css" / "site.css").read_text()
    assert re.search(
        r"@media \(min-width: 25em\) \{\s*\.opening-hours__range \{\s*white-space: nowrap;", css
    )
    assert re.search(r"\.opening-hours__day \{\s*word-break: keep-all;", css)


def test_a_place_that_never_closes_says_so_in_one_line(client):
    main = parse(client.get("/facilities/toilet-zhenxing").data).find("main")
    assert "每周开放时间" not in main.text and "星期一" not in main.text
    assert "全天24小时" in [p.text for p in main.find_all("p")]
    assert "00:00" not in main.text and "24:00" not in main.text


@pytest.mark.parametrize(
    ("prefix", "item", "separator"),
    [("", "盲文、大字或有声资料", "；"), ("/en", "braille, large-print or audio material", "; ")],
    ids=["zh", "en"],
)
def test_a_feature_whose_name_holds_a_comma_is_set_apart_in_a_list(client, prefix, item, separator):
    """A list read "…手语服务、盲文、大字或有声资料、安静休息室": the items ran together."""
    finder = parse(client.get(prefix + "/facilities/").data)
    card = finder.find("a", href=f"{prefix}/facilities/rukang-zhenxing").find_parent("li")
    detail = parse(client.get(prefix + "/facilities/rukang-zhenxing").data).find("main")
    for element in [*card.find_all("p"), *detail.find_all("li")]:
        if item in element.text.lower():
            assert f"{separator}{item}{separator}" in element.text.lower(), element.text


@pytest.mark.parametrize(("prefix", "name"), [("", "当前位置"), ("/en", "You are here")])
def test_the_breadcrumbs_are_named_in_plain_words(client, prefix, name):
    """They were 面包屑导航, the web's jargon; government sites say 当前位置."""
    page = parse(client.get(prefix + "/facilities/rukang-boping").data)
    (trail,) = page.find_all("nav", class_="breadcrumbs")
    assert trail["aria-label"] == name


def test_the_finder_without_places_gives_12345_as_a_number_to_call(tmp_path):
    """It said 拨打 12345 in plain text, where every other page gives a link a phone dials."""
    client = make_loaded_app(tmp_path / "facts.sqlite", demo=False).test_client()
    for prefix in ("", "/en"):
        main = parse(client.get(prefix + "/facilities/").data).find("main")
        (call,) = main.find_all("a", href="tel:12345")
        assert call["class"] == "call-link" and "12345" in call.text
        assert call.parent.name == "li" and call.parent.text.startswith(call.text)


def test_facility_page_has_a_heading_for_every_feature(app, boping_home):
    headings = [h3.text for h3 in parse(boping_home.data).find("main").find_all("h3")]
    with app.test_request_context():
        names = [str(feature.name) for feature in features.FEATURES]
    assert len(names) == 12
    assert [name for name in names if name not in headings] == []


def first_paragraph_after(heading):
    """The first <p> after `heading` among its siblings."""
    siblings = [child for child in heading.parent.children if not isinstance(child, str)]
    return next(e for e in siblings[siblings.index(heading) + 1 :] if e.tag == "p")


def test_facility_page_says_what_is_there_what_is_not_and_what_is_unverified(boping_home):
    main = parse(boping_home.data).find("main")
    headings = {h3.text: h3 for h3 in main.find_all("h3")}
    assert "未核实：电梯" in main.text
    assert first_paragraph_after(headings["电梯"]).text == "未核实。"
    assert first_paragraph_after(headings["无障碍卫生间"]).text == "有。"
    assert "服务时间：每周三上午，需提前一天预约" in main.text
    verified = [p.text for p in main.find_all("p", class_="verified")]
    # The hours, then one per feature the record describes; an invented place names an
    # invented verifier, never the federation.
    assert verified == ["开放时间：2026年11月12日实地核实，示例核实人"] + ["这一项从未核实。"] * 5


MAP_HOSTS = {"uri.amap.com", "api.map.baidu.com", "www.openstreetmap.org"}


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_sample_place_offers_no_map_links(client, prefix):
    """A map app searching for an invented place finds a real one of the name, or none."""
    main = parse(client.get(prefix + "/facilities/rukang-boping").data).find("main")
    assert not {urlsplit(href).hostname for href in main.hrefs} & MAP_HOSTS
    said = "这是演示用的虚构场所，地图上没有它" if not prefix else "invented"
    assert said in main.text


def test_map_links_search_for_a_checked_place_without_a_point_by_name(loaded_app):
    with loaded_app.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == "rukang-boping"))
        place.sample = False  # checked, its own point not yet published
        db.session.commit()
    page = loaded_app.test_client().get("/facilities/rukang-boping")
    links = [href for href in parse(page.data).find("main").hrefs if "map" in href]
    by_host = {urlsplit(href).hostname: parse_qs(urlsplit(href).query) for href in links}
    place = "聊城市茌平区博平镇“如康家园”残疾人之家"

    assert set(by_host) == {"uri.amap.com", "api.map.baidu.com"}
    assert by_host["uri.amap.com"]["keyword"] == [place]
    assert by_host["api.map.baidu.com"]["query"] == [place]
    assert all(href.startswith("https://") for href in links)


def test_facility_page_loads_nothing_from_elsewhere(boping_home):
    doc = parse(boping_home.data)
    assert doc.find_all("img") == [] and doc.find_all("iframe") == []
    sources = [element.get("src") for element in doc.iter() if element.get("src")]
    assert sources  # the site's own scripts
    assert [src for src in sources if not src.startswith("/") or src.startswith("//")] == []


def test_facility_page_says_the_phone_is_not_published_and_has_no_tel_link(boping_home):
    main = parse(boping_home.data).find("main")
    assert "电话：尚未公布" in main.text
    assert [href for href in main.hrefs if href.startswith(("tel:", "sms:"))] == []


def test_english_facility_page_uses_the_english_name(client):
    doc = parse(client.get("/en/facilities/rukang-boping").data)
    assert doc.find("html").get("lang") == "en"
    assert doc.find("h1").text == "Boping Town Rukang Home for disabled people"


def test_service_hall_page_lists_the_counters_based_there(client):
    main = parse(client.get("/facilities/government-service-hall").data).find("main")
    assert {"/contacts/dpf-in-person", "/contacts/civil-affairs-in-person"} <= set(main.hrefs)


# --- JSON-LD --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A client of a site whose demo places were all checked (sample cleared), so their
    pages describe them to machines; the shared site is left as it is."""
    app = make_loaded_app(tmp_path_factory.mktemp("checked") / "site.sqlite")
    with app.app_context():
        for place in db.session.scalars(select(Facility)):
            place.sample = False
        db.session.commit()
    return app.test_client()


def test_a_demo_place_is_not_described_to_machines(boping_home):
    assert parse(boping_home.data).find("script", type="application/ld+json") is None


def test_facility_json_ld_is_a_place_with_its_features_and_hours(checked):
    data = json_ld(checked.get("/facilities/rukang-boping"))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Place"
    assert data["name"] == "博平镇“如康家园”残疾人之家"
    assert data["url"].endswith("/facilities/rukang-boping")
    amenities = data["amenityFeature"]
    assert {item["@type"] for item in amenities} == {"LocationFeatureSpecification"}
    assert {item["name"]: item["value"] for item in amenities} == {
        "无台阶入口": True,
        "无障碍卫生间": True,
        "盲道": True,
        "手语服务": True,
        "安静休息室": True,
    }
    hours = data["openingHoursSpecification"]
    assert [(item["opens"], item["closes"]) for item in hours] == [
        ("08:30", "11:30"),
        ("13:30", "17:00"),
    ]
    assert hours[0]["@type"] == "OpeningHoursSpecification"
    assert hours[0]["dayOfWeek"][0] == "https://schema.org/Monday"
    assert len(hours[0]["dayOfWeek"]) == 5


def test_facility_json_ld_has_no_made_up_type_or_empty_hours(checked):
    for slug in ("rukang-boping", "parking-service-centre", "toilet-boping"):
        data = json_ld(checked.get(f"/facilities/{slug}"))
        assert "additionalType" not in data  # a type name is not the URL schema.org wants
        assert data.get("openingHoursSpecification", ["given"]) != []


def test_english_facility_json_ld_describes_it_in_english(checked):
    data = json_ld(checked.get("/en/facilities/rukang-boping"))
    assert data["name"] == "Boping Town Rukang Home for disabled people"


def test_a_feature_that_is_not_there_is_false_in_json_ld(checked):
    data = json_ld(checked.get("/facilities/rukang-xinfa"))
    values = {item["name"]: item["value"] for item in data["amenityFeature"]}
    assert values["盲道"] is False
    assert "电梯" not in values  # not verified: left out, not false


def test_unverified_hours_are_not_given_to_machines(checked):
    assert "openingHoursSpecification" not in json_ld(checked.get("/facilities/rukang-hantun"))


def test_a_24_hour_place_closes_at_23_59_in_json_ld(checked):
    hours = json_ld(checked.get("/facilities/toilet-boping"))["openingHoursSpecification"]
    assert [(item["opens"], item["closes"]) for item in hours] == [("00:00", "23:59")]
    assert len(hours[0]["dayOfWeek"]) == 7


# --- A checked place: its own location, a real phone, a verified feature -----------------

VERIFIED_PLACE = """
- slug: verified-hall
  type: service-hall
  township: boping
  sample: false
  name: 博平镇便民服务中心
  name_en: Boping Town service centre
  summary: 办理残疾人证等事项的窗口。
  address: 博平镇测试路1号
  latitude: 36.5861
  longitude: 116.1312
  phone: '0635-0000000'
  hours:
  - days: [mon, tue, wed, thu, fri]
    opens: '09:00'
    closes: '17:00'
  public_holidays: closed
  hours_verified_method: phone
  hours_verified_on: 2026-11-20
  hours_verified_by: 区残联
  accessibility:
    step_free_entrance:
      available: true
      steps: 0
      ramp: true
      method: on-site
      verified_on: 2026-10-09
      verified_by: 区残联
    lift:
      available: false
  services: []
"""


@pytest.fixture(scope="module")
def verified_place(tmp_path_factory):
    """The page of a checked, non-sample place, from its own database (the shared one is
    left as content/ has it)."""
    folder = tmp_path_factory.mktemp("verified")
    app = make_loaded_app(folder / "site.sqlite")
    content = Path(shutil.copytree(app.config["CONTENT_DIR"], folder / "content"))
    (content / "facilities.yaml").write_text("facilities:" + VERIFIED_PLACE, encoding="utf-8")
    with app.app_context():
        load_content(content)
    response = app.test_client().get("/facilities/verified-hall")
    assert response.status_code == 200
    return response


def test_checked_place_json_ld_has_geo_and_telephone_and_no_sample_mark(verified_place):
    data = json_ld(verified_place)
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 36.5861, "longitude": 116.1312}
    assert data["telephone"] == "0635-0000000"
    assert data["address"]["streetAddress"] == "博平镇测试路1号"
    assert "additionalProperty" not in data


def test_checked_place_map_links_put_a_marker_on_its_point(verified_place):
    links = [href for href in parse(verified_place.data).find("main").hrefs if "map" in href]
    by_host = {urlsplit(href).hostname: href for href in links}
    amap = parse_qs(urlsplit(by_host["uri.amap.com"]).query)
    baidu = parse_qs(urlsplit(by_host["api.map.baidu.com"]).query)
    osm = urlsplit(by_host["www.openstreetmap.org"])

    assert urlsplit(by_host["uri.amap.com"]).path == "/marker"
    assert amap["coordinate"] == ["wgs84"]
    assert amap["position"] == ["116.1312,36.5861"]
    assert amap["name"] == ["博平镇便民服务中心"]
    assert baidu["coord_type"] == ["wgs84"] and baidu["location"] == ["36.5861,116.1312"]
    assert parse_qs(osm.query) == {"mlat": ["36.5861"], "mlon": ["116.1312"]}
    assert osm.fragment == "map=17/36.5861/116.1312"


def test_checked_place_has_a_tel_link_and_no_sample_notice(verified_place):
    main = parse(verified_place.data).find("main")
    call = main.find("a", class_="call-link")
    assert (call.get("href"), call.text) == ("tel:06350000000", "0635-0000000")  # digits dialled
    assert SAMPLE_NOTICE not in main.text
    assert "位置尚未公布" not in main.text


def test_a_verified_feature_shows_its_date_and_who_checked_it(verified_place):
    main = parse(verified_place.data).find("main")
    verified = [p.text for p in main.find_all("p", class_="verified")]
    assert verified[0] == "开放时间：2026年11月20日电话核实，区残联"
    assert verified[1] == "2026年10月9日实地测量，区残联"
    assert verified[2] == "这一项从未核实。"


def test_a_sample_place_in_a_list_carries_a_tag_not_a_bold_paragraph(client):
    results = parse(client.get("/facilities/").data).find(id="facility-results")
    tags = results.find_all("span", class_="tag")
    assert tags and all(tag.text == SAMPLE_NOTICE for tag in tags)
    assert all(p.find("strong") is None for p in results.find_all("p", class_="tag-line"))


@pytest.mark.parametrize(
    ("path", "name"), [("/facilities/", "筛选场所"), ("/contacts/", "筛选联系方式")]
)
def test_a_filter_form_is_named_apart_from_the_site_search(client, path, name):
    page = parse(client.get(path).data)
    form = page.find("form", class_="filter-form")
    assert page.find(id=form.get("aria-labelledby")).text == name
    assert form.get("role") != "search"


def test_a_place_with_its_own_coordinates_gives_them_as_geo(loaded_app):
    with loaded_app.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == "rukang-boping"))
        place.latitude, place.longitude = 36.585, 116.13
        place.sample = False  # a demo place is not described to machines
        db.session.commit()
    data = json_ld(loaded_app.test_client().get("/facilities/rukang-boping"))
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 36.585, "longitude": 116.13}


# --- What the finder says of distance; what it offers before any place is published --------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_finder_does_not_promise_how_far_a_place_is_from_you(client, prefix):
    """The townships' points are approximate and cite nothing: the page says the order is
    by straight-line distance from the chosen township's seat, and that it is approximate."""
    doc = parse(client.get(prefix + "/facilities/").data)
    lead = doc.find("p", class_="lead").text
    description = next(m for m in doc.find_all("meta") if m.get("name") == "description")["content"]
    for text in (lead, description):
        assert "离您有多远" not in text and "how far away they are" not in text
    said = ("驻地的大致直线距离", "approximate straight-line distance")[bool(prefix)]
    assert said in lead and said in description
    hint = doc.find(id="near-hint").text
    assert ("只是大概", "rough guide")[bool(prefix)] in hint


def test_a_list_sorted_by_distance_says_the_distance_is_approximate(client):
    text = results(client.get("/facilities/?near=boping")).text
    assert "离博平镇近的在前。距离是按大致位置算的直线距离，不是路程，只是大概。" in text


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_no_distance_claims_a_precision_the_data_has_not(client, prefix):
    """A place in the township measured from read "about 0.0 km": known only by its
    township, it has no distance to tell; known by its own point, it is under 0.1 km."""
    page = results(client.get(f"{prefix}/facilities/?near=boping"))
    cards = {
        card.find("a").get("href").rsplit("/", 1)[-1]: card.text for card in page.find_all("li")
    }
    assert not re.search(r"0\.0 ?(公里|km)", page.text)
    said = ("距离不详（只知道在哪个乡镇）", "distance unknown (only the township is known)")
    assert said[bool(prefix)] in cards["rukang-boping"]


def test_a_place_by_its_own_point_at_the_centre_measured_from_is_under_0_1_km(client, monkeypatch):
    monkeypatch.setattr(
        Facility,
        "point",
        lambda facility: (facility.township.latitude, facility.township.longitude),
    )
    page = results(client.get("/facilities/?near=boping&type=rukang-home"))
    [card] = [c for c in page.find_all("li") if c.find("a", href="/facilities/rukang-boping")]
    assert "直线距离不到0.1公里" in card.text and "估算" not in card.text


def test_the_finder_without_places_offers_the_written_question_as_well(tmp_path):
    """Before any place is published, 12345 was the only thing to do: a call."""
    client = make_loaded_app(tmp_path / "facts.sqlite", demo=False).test_client()
    for prefix in ("", "/en"):
        main = parse(client.get(prefix + "/facilities/").data).find("main")
        items = main.find("ul", class_="link-list").find_all("li")
        ask = [li for li in items if li.find("a", href=prefix + "/feedback/ask")]
        assert len(ask) == 1
        assert "tel:12345" in main.hrefs


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_days_the_calendar_does_not_know_are_not_listed_as_holidays(app, prefix):
    """On 6 December 2026 the next four weeks run into 2027, whose holidays the calendar
    does not know: "2027年1月1日至2027年1月2日：本站还没有收录…" under 未来四周的节假日 read
    as if those two days were holidays. They are said apart, as days not yet known."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(opening_hours, "local_now", lambda: datetime(2026, 12, 6, 10, 0))
        page = app.test_client().get(prefix + "/facilities/rukang-boping")
    main = parse(page.data).find("main")
    heading = next(
        h3
        for h3 in main.find_all("h3")
        if h3.text in ("未来四周的节假日", "Public holidays in the next four weeks")
    )
    following = []
    for element in heading.find_next_siblings():
        if element.tag in ("h2", "h3"):
            break
        following.append(element)
    assert [element.tag for element in following] == ["p", "p"]
    known, unknown = (element.text for element in following)
    if prefix:
        assert known.startswith("In the next four weeks, none of the days")
        assert (
            "does not have the public holiday calendar for 1 January 2027 to 2 January" in unknown
        )
    else:
        assert known == "未来四周里，本站已经收录的日子没有法定节假日或调休。"
        assert unknown == (
            "本站还没有收录2027年1月1日至2027年1月2日的法定节假日安排："
            "是不是节假日、开不开放，现在都还不能确认。"
        )
