"""The search page over HTTP: plain form, htmx fragment, filters, no results, bad input."""

import shutil

import pytest
from barrierfree.site_search.index import site_index


def test_every_page_has_a_labelled_search_box_in_the_header(client):
    page = client.get("/services/").get_data(as_text=True)
    assert '<label class="search-form__label" for="site-search-q">' in page
    assert 'action="/search"' in page and 'method="get"' in page


def test_wheelchair_finds_the_assistive_devices_service_first(client):
    page = client.get("/search?q=轮椅").get_data(as_text=True)
    first = page.index('class="result__title"')
    assert "/services/assistive-devices" in page[first : first + 200]
    assert 'value="轮椅"' in page, "the query stays in the box"


def test_htmx_request_gets_only_the_results_block(client):
    response = client.get("/search?q=低保", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="search-results"')
    assert "<html" not in body
    assert 'data-announce="找到' in body
    assert "HX-Request" in response.headers["Vary"]


def test_kind_filter_and_facet_counts(client):
    page = client.get("/search?q=补贴&kind=service").get_data(as_text=True)
    assert 'aria-current="page">服务（' in page
    assert "/plan/measures/" not in page.split('class="result-list"')[1]


def test_english_search_stays_in_english(client):
    page = client.get("/en/search?q=wheelchair").get_data(as_text=True)
    assert 'lang="en"' in page and "/en/services/assistive-devices" in page


def test_no_results_says_so_and_offers_a_way_on(client):
    page = client.get("/search?q=xyzzy").get_data(as_text=True)
    assert "没有找到与“xyzzy”相关的内容" in page
    assert 'href="tel:12345"' in page
    assert "/services/living-allowance" in page, "services to try instead"


def test_a_typo_gets_a_suggestion(client):
    page = client.get("/search?q=低宝").get_data(as_text=True)
    assert "/services/subsistence-allowance" in page or "您是不是要找" in page


@pytest.mark.parametrize(
    "query",
    ["(", '"', "AND OR NOT", "*", "title:x", "%00", "😀", "a" * 10000, "   ", "<script>"],
    ids=["paren", "quote", "operators", "star", "field", "nul", "emoji", "long", "blank", "tag"],
)
def test_hostile_queries_get_a_page_not_an_error(client, query):
    response = client.get("/search", query_string={"q": query, "page": "-1", "kind": "evil"})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_missing_index_says_search_is_unavailable_and_rebuilds(empty_app):
    with empty_app.app_context():
        shutil.rmtree(site_index().path, ignore_errors=True)
    response = empty_app.test_client().get("/search?q=轮椅")
    assert response.status_code == 200
    assert "搜索暂时无法使用" in response.get_data(as_text=True)
