"""A search whose words name a need of the places finder offers the finder filtered on it:
in Chinese, English and pinyin, typed wrong where the search corrects it, on the whole
page and the live update; truthfully when no place with it is published."""

from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from barrierfree.database import db
from barrierfree.facilities import features
from barrierfree.facilities.models import Facility
from conftest import CJK, listed, make_loaded_app, parse
from sqlalchemy import event, select


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A client of the site as `make run` has it: content/ without the demo pack, so not
    one place is published."""
    database = tmp_path_factory.mktemp("bare") / "facts.sqlite"
    return make_loaded_app(database, demo=False).test_client()


def offer(response):
    """The offer of the finder in the results block, or None."""
    results = parse(response.data).find(id="search-results")
    assert results is not None, response.text[:500]
    offers = results.find_all(class_="places-offer")
    assert len(offers) <= 1
    return offers[0] if offers else None


def offered_needs(response) -> list[str]:
    """The needs the offer links the finder filtered on, in order."""
    found = offer(response)
    links = found.find_all("a", href=lambda href: "need=" in href) if found else []
    return [parse_qs(urlsplit(link["href"]).query)["need"][0] for link in links]


def search(client, query: str, prefix: str = "", **headers):
    """The search page (or, with HX-Request, its live update) for `query`."""
    return client.get(f"{prefix}/search", query_string={"q": query}, headers=headers)


NAMED = {
    "a question": ("", "找有无障碍卫生间的地方", "accessible_toilet"),
    "toilet, another word": ("", "无障碍厕所", "accessible_toilet"),
    "everyday toilet": ("", "厕所在哪", "accessible_toilet"),
    "wheelchair ramp": ("", "轮椅坡道", "step_free_entrance"),
    "parking": ("", "无障碍停车位", "accessible_parking"),
    "parking, as said": ("", "哪里能停车", "accessible_parking"),
    "sign language": ("", "手语", "sign_language"),
    "braille": ("", "盲文", "braille_audio"),
    "hearing aid listening": ("", "助听", "hearing_loop"),
    "induction loop": ("", "感应线圈", "hearing_loop"),
    "traditional characters": ("", "無障礙廁所", "accessible_toilet"),
    "english accessible toilet": ("/en", "accessible toilet", "accessible_toilet"),
    "english step-free": ("/en", "step-free", "step_free_entrance"),
    "english level access": ("/en", "level access", "step_free_entrance"),
    "english wheelchair ramp": ("/en", "wheelchair ramp", "step_free_entrance"),
    "english parking": ("/en", "parking", "accessible_parking"),
    "english hearing loops": ("/en", "hearing loops", "hearing_loop"),
    "english on the chinese site": ("", "toilet", "accessible_toilet"),
    "pinyin": ("", "wuzhangai cesuo", "accessible_toilet"),
    "pinyin run together": ("", "wuzhangaiweishengjian", "accessible_toilet"),
    "pinyin sign language": ("", "shouyu", "sign_language"),
    "pinyin as a sentence": ("", "lunyi podao", "step_free_entrance"),
}


@pytest.mark.parametrize(("prefix", "query", "need"), NAMED.values(), ids=NAMED.keys())
def test_words_that_name_a_need_offer_the_finder_filtered_on_it(client, prefix, query, need):
    response = search(client, query, prefix)
    assert offered_needs(response) == [need]
    (link,) = offer(response).find_all("a")
    assert link["href"] == f"{prefix}/facilities/?need={need}"


TYPED_WRONG = {
    "a character of the same sound": ("", "厕锁", "accessible_toilet"),
    "another": ("", "收语", "sign_language"),
    "english": ("/en", "toliet", "accessible_toilet"),
}


@pytest.mark.parametrize(("prefix", "query", "need"), TYPED_WRONG.values(), ids=TYPED_WRONG)
def test_a_typo_the_search_corrects_offers_what_was_meant(client, prefix, query, need):
    response = search(client, query, prefix)
    assert parse(response.data).find(class_="corrected-query") is not None
    assert offered_needs(response) == [need]


@pytest.mark.parametrize(
    "query",
    [
        "盲道",  # tactile paving: a feature, but not one the finder filters on
        "轮椅借用",
        "电梯",
        "轮椅",  # the wheelchair itself, more often than the way in (ARCHITECTURE.md)
        "wheelchair",
        "助听器",  # the device a resident is fitted with
        "聋人",  # the synonym file brings 手语 to it, as help, not as a need named
        "mang",  # pinyin that only begins 盲文
        "sy",  # too short to be read as the initials of 手语
        "残疾人证",
    ],
)
def test_words_the_finder_does_not_filter_on_offer_nothing(client, query):
    assert offer(search(client, query)) is None


def test_two_needs_named_are_both_offered_in_the_finders_order(client):
    assert offered_needs(search(client, "停车位和无障碍卫生间")) == [
        "accessible_toilet",
        "accessible_parking",
    ]


def test_every_need_has_words_and_an_offer_in_both_languages(client):
    assert set(features.NEED_WORDS) == set(features.NEEDS)
    for need, words in features.NEED_WORDS.items():
        for prefix in ("", "/en"):
            (link,) = offer(search(client, words[0], prefix)).find_all("a")
            assert link["href"] == f"{prefix}/facilities/?need={need}"
            assert link.text and bool(CJK.search(link.text)) is (prefix == ""), link.text


def test_the_link_leads_to_the_places_it_counts_and_finds_them(client, app):
    with app.app_context():
        places = {
            facility.slug
            for facility in db.session.scalars(select(Facility))
            if facility.has("hearing_loop") and facility.status == "published"
        }
    assert places, "the demo pack has places with a hearing loop"
    for prefix in ("", "/en"):
        found = offer(search(client, "感应线圈", prefix))
        (link,) = found.find_all("a")
        assert str(len(places)) in found.text
        finder = client.get(link["href"])
        assert set(listed(finder, "facility-results", f"{prefix}/facilities/")) == places


def test_a_site_without_places_says_none_is_published_and_how_to_ask(bare):
    for prefix, said in (("", "还没有公布有无障碍卫生间的场所。"), ("/en", "No places with")):
        found = offer(search(bare, "无障碍卫生间", prefix))
        assert found.find("p").text.startswith(said)
        assert not [href for href in found.hrefs if "/facilities/" in href], "no empty list"
        assert found.hrefs == ["tel:12345", f"{prefix}/feedback/ask"]


def test_where_nothing_is_found_the_ways_to_ask_are_given_once(bare):
    """The page's 找人帮忙 gives 12345 and the written question already."""
    response = search(bare, "感应线圈")
    results = parse(response.data).find(id="search-results")
    assert "没有找到" in results.find(id="results-heading").text
    assert offer(response).text == "还没有公布有助听设备（感应线圈）的场所。"
    assert results.hrefs.count("/feedback/ask") == 1
    assert results.hrefs.count("tel:12345") == 1


def test_a_need_no_published_place_has_is_said_beside_one_that_has_some(tmp_path):
    app = make_loaded_app(tmp_path / "site.sqlite")
    with app.app_context():
        for facility in db.session.scalars(select(Facility)):
            if facility.has("hearing_loop"):
                facility.accessibility = {
                    **facility.accessibility,
                    "hearing_loop": {"available": False},
                }
        db.session.commit()
    found = offer(search(app.test_client(), "感应线圈 无障碍卫生间"))
    assert "还没有公布有助听设备（感应线圈）的场所。" in found.text
    assert "/facilities/?need=accessible_toilet" in found.hrefs
    assert "/feedback/ask" in found.hrefs


def test_the_live_update_carries_the_offer_and_says_the_count_as_before(client):
    page = parse(search(client, "无障碍卫生间").data).find(id="search-results")
    live = search(client, "无障碍卫生间", HX_Request="true")
    fragment = parse(live.data)
    assert offered_needs(live) == ["accessible_toilet"]
    assert str(offer(live)) == str(page.find(class_="places-offer"))
    ids = [element["id"] for element in fragment.find_all(id=True)]
    assert len(ids) == len(set(ids))
    results = fragment.find(id="search-results")
    assert results["data-announce"] == results.find(id="results-heading").text


def test_the_offer_is_read_right_after_the_results_heading(client):
    results = parse(search(client, "无障碍卫生间").data).find(id="search-results")
    heading = results.find(id="results-heading")
    assert heading.find_next_sibling() is results.find(class_="places-offer")
    assert heading.find_next_sibling().find_next_sibling("nav", class_="facets") is not None


@contextmanager
def statements(app):
    """The SQL the app sends while the block runs."""
    sent: list[str] = []

    def record(connection, cursor, statement, *args):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_places_are_counted_only_when_a_need_is_named(app):
    client = app.test_client()
    # Past the page cache, which would answer a page another test asked for.
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "none")
    with statements(app) as sent:
        search(client, "轮椅")
    assert not [statement for statement in sent if "accessibility" in statement]
    with statements(app) as sent:
        search(client, "无障碍卫生间 停车位")
    assert len([statement for statement in sent if "accessibility" in statement]) == 1
