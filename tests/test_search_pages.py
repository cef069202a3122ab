"""The search page over HTTP: plain form, htmx fragment, filters, no results, bad input."""

import re
import shutil
from urllib.parse import quote, unquote

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.site_search import sync
from barrierfree.site_search.index import all_documents, site_index
from conftest import Page, make_loaded_app, parse


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
    fragment = parse(body)
    assert fragment.find(id="search-results") is not None
    assert "<html" not in body and "<header" not in body
    assert 'data-announce="找到' in body
    assert "HX-Request" in response.headers["Vary"]


def test_the_heading_names_the_query_and_follows_a_live_update(client):
    assert parse(client.get("/search").data).find("h1").text == "搜索"
    assert parse(client.get("/search?q=康复").data).find("h1").text == "搜索：康复"
    assert parse(client.get("/en/search?q=rehab").data).find("h1").text == "Search: rehab"
    live = parse(client.get("/search?q=轮椅", headers={"HX-Request": "true"}).data)
    heading = live.find(id="search-heading")
    assert heading.get("data-hx-swap-oob") == "true" and heading.find("h1").text == "搜索：轮椅"


@pytest.mark.parametrize(
    "path", ["/search?q=%E3%80%80", "/en/search?q=%20", "/search?q=+%E2%80%8B+"]
)
def test_a_query_of_spaces_alone_is_no_search_in_the_title_or_the_heading(client, path):
    page = parse(client.get(path).data)
    empty = parse(client.get(path.split("?")[0]).data)
    assert page.find("title").text == empty.find("title").text
    assert page.find("h1").text == empty.find("h1").text
    assert page.find(id="results-heading") is None, "nothing was searched"


def test_spaces_around_a_query_are_not_named_in_the_title(client):
    page = parse(client.get("/search", query_string={"q": "\u3000轮椅 "}).data)
    assert page.find("title").text.startswith("“轮椅”的搜索结果")
    assert page.find("h1").text == "搜索：轮椅"


def test_kind_filter_and_facet_counts(client):
    page = client.get("/search?q=补贴&kind=service").get_data(as_text=True)
    assert 'aria-current="page">服务（' in page
    assert "/plan/measures/" not in page.split('class="result-list"')[1]


def test_the_plans_own_sections_are_found_and_named_as_such(client):
    page = parse(client.get("/search?q=指导思想").data)
    first = page.find(class_="result")
    assert first.find("a")["href"] == "/plan/sections/guiding-ideology"
    assert first.find(class_="result__kind").text == "规划章节"
    assert "<mark>指导</mark>" in str(first.find(class_="result__snippet")), "words of its text"
    english_page = parse(client.get("/en/search?q=guiding+ideology").data)
    english = english_page.find(class_="result")
    assert english.find("a")["href"] == "/en/plan/sections/guiding-ideology"
    assert english.find(class_="result__kind").text == "Plan section"  # one result
    tabs = [link.text for link in english_page.find("nav", class_="facets").find_all("a")]
    assert any(tab.startswith("Plan sections (") for tab in tabs), tabs  # what it filters
    # The five task areas have no text but their measures, which are found instead.
    assert "/plan/sections/employment" not in client.get("/search?q=就业").text


def test_english_search_stays_in_english(client):
    page = client.get("/en/search?q=wheelchair").get_data(as_text=True)
    assert 'lang="en"' in page and "/en/services/assistive-devices" in page


def test_no_results_says_so_and_offers_a_way_on(client):
    page = client.get("/search?q=xyzzy").get_data(as_text=True)
    assert "没有找到与“xyzzy”相关的内容" in page
    assert "/eligibility/" in parse(page).find(id="search-results").hrefs
    assert 'href="tel:12345"' in page
    assert "/services/living-allowance" in page, "services to try instead"


@pytest.mark.parametrize(
    ("prefix", "typed", "meant", "first", "said"),
    [
        ("", "低宝", "低保", "/services/subsistence-allowance", "下面是“低保”的结果"),
        ("", "轮倚", "轮椅", "/services/assistive-devices", "下面是“轮椅”的结果"),
        # Chinese mistyped on the English site, where it was "No results".
        ("/en", "残疾正", "残疾证", "/en/services/disability-certificate", 'results for "残疾证"'),
        (
            "/en",
            "wheelchiar",
            "wheelchair",
            "/en/services/assistive-devices",
            'results for "wheelchair"',
        ),
    ],
)
def test_a_typo_that_finds_nothing_shows_what_was_meant(client, prefix, typed, meant, first, said):
    """A typo got an empty page and a small "did you mean" link; residents stopped there."""
    response = client.get(f"{prefix}/search", query_string={"q": typed})
    doc = parse(response.data)
    results = doc.find(id="search-results")
    note = results.find(class_="corrected-query")
    assert note is not None and typed in note.text and said in note.text
    assert said in results["data-announce"], "said aloud with the count"
    assert results.find("a", class_=None, href=first) or first in str(results.find("ol"))
    # The query stays as typed in the box and the title, and in the filters, where the word
    # meant is searched again and said again (a filter changes nothing else).
    assert doc.find(id="search-page-q")["value"] == typed
    assert typed in doc.find("title").text
    facets = doc.find("nav", class_="facets").find_all("a")
    assert all(f"q={quote(typed)}" in link["href"] for link in facets)
    kind = next(link for link in facets if "kind=" in link["href"])
    filtered = parse(client.get(kind["href"]).data)
    assert filtered.find(id="search-page-q")["value"] == typed
    note = filtered.find(id="search-results").find(class_="corrected-query")
    assert note is not None and typed in note.text and said in note.text
    assert filtered.find("a", href=kind["href"])["aria-current"] == "page"


def test_the_correction_is_read_right_after_the_results_heading(client):
    """After a submit, focus goes to the results heading: a note above it went unheard."""
    results = parse(client.get("/search?q=轮倚").data).find(id="search-results")
    heading = results.find(id="results-heading")
    assert heading.find_next_sibling() is results.find(class_="corrected-query")


@pytest.mark.parametrize(
    ("path", "between"), [("/search?q=轮倚", ""), ("/en/search?q=wheelchiar", " ")]
)
def test_the_correction_is_said_before_the_count_as_a_sentence_of_its_own(client, path, between):
    """English ran them together: …results for "wheelchair" instead.2 results found."""
    results = parse(client.get(path).data).find(id="search-results")
    note = results.find(class_="corrected-query").text
    heading = results.find(id="results-heading").text
    assert results["data-announce"] == note + between + heading


@pytest.mark.parametrize("live", [False, True])
@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/search?q=xyzzy", "没有找到与“xyzzy”相关的内容"),
        ("/en/search?q=xyzzy", 'No results for "xyzzy"'),
    ],
)
def test_words_that_find_nothing_are_said_as_the_heading_says_them(client, path, said, live):
    """The heading said 没有找到与“xyzzy”相关的内容, the live region 找到0条结果."""
    headers = {"HX-Request": "true"} if live else {}
    results = parse(client.get(path, headers=headers).data).find(id="search-results")
    assert results.find(id="results-heading").text == said
    assert results["data-announce"] == said


def test_the_words_a_query_in_pinyin_was_read_as_are_said_with_the_count(client):
    """A correction was said aloud, the pinyin's reading only shown."""
    results = parse(client.get("/search?q=lunyi").data).find(id="search-results")
    words = [item.text for item in results.find("ul", class_="pinyin-words").find_all("li")]
    said = results["data-announce"]
    assert said.startswith("按拼音“lunyi”找到了这些词：" + "、".join(words) + "。")
    assert said.endswith(results.find(id="results-heading").text)


def test_the_words_of_a_corrected_pinyin_query_are_credited_to_the_correction(client):
    """dibo said 按拼音“dibo”找到了这些词：低保, under a note that the results were for dibao."""
    results = parse(client.get("/search?q=dibo").data).find(id="search-results")
    assert "下面是“dibao”的结果" in results.find(class_="corrected-query").text
    assert "按拼音“dibao”找到了这些词：" in results.text
    assert "按拼音“dibo”" not in results.text
    assert "按拼音“dibao”找到了这些词：" in results["data-announce"]


@pytest.mark.parametrize("query", ["100", "80", "95", "95%"])
def test_a_number_is_searched_as_typed_never_as_another(client, query):
    """100 and 80 showed 下面是“10”的结果; 95 found nothing though two indicators say 95%."""
    results = parse(client.get("/search", query_string={"q": query}).data).find(id="search-results")
    assert results.find(class_="corrected-query") is None
    assert "您是不是要找" not in results.text
    if query.startswith("95"):
        assert "/plan/indicators#indicator-4" in results.hrefs


def test_sight_alone_finds_the_services_for_blind_people_first(client):
    """视力 put 职业技能培训 first and 盲人阅览室和盲人文化服务 fifth: only 视力不好 and 视力残疾
    led to the help for people who cannot see well."""
    assert first_result(client, "/search?q=视力") == "/services/blind-cultural-services"


@pytest.mark.parametrize("query", ["hearing aid", "hearing aids"])
def test_a_hearing_aid_leads_to_assistive_devices_not_legal_aid(client, query):
    """The aid of "legal aid" counted as much as the hearing aid asked for: second."""
    page = parse(client.get("/en/search", query_string={"q": query}).data)
    found = page.find(class_="result-list").hrefs
    assert found[0] == "/en/services/assistive-devices"
    assert "/en/services/legal-aid" not in found[:5]


def test_a_word_found_as_typed_is_not_corrected(client):
    doc = parse(client.get("/search?q=轮椅").data)
    assert doc.find(class_="corrected-query") is None


@pytest.mark.parametrize(
    "query",
    ["(", '"', "AND OR NOT", "*", "title:x", "%00", "😀", "a" * 10000, "   ", "<script>"],
    ids=["paren", "quote", "operators", "star", "field", "nul", "emoji", "long", "blank", "tag"],
)
def test_hostile_queries_get_a_page_not_an_error(client, query):
    response = client.get("/search", query_string={"q": query, "page": "-1"})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_english_words_that_find_nothing_are_offered_on_the_english_site(client):
    results = parse(client.get("/search?q=wheelchair").data).find(id="search-results")
    link = results.find("a", href="/en/search?q=wheelchair")
    assert link is not None and "英文网站" in link.text
    english = parse(client.get(link["href"]).data)
    assert english.find("a", href="/en/services/assistive-devices") is not None
    # Not for Chinese, nor where letters found something, nor on the English site.
    for path in ("/search?q=没有这个词", "/search?q=lunyi", "/en/search?q=xyzzy"):
        results = parse(client.get(path).data).find(id="search-results")
        assert results is not None and "/en/search?q=" not in str(results), path


@pytest.mark.parametrize("invisible", ["\x00", "\u202e", "\u200b", "\x1b"])
def test_invisible_characters_in_a_query_are_not_shown_again(client, invisible):
    page = client.get("/search", query_string={"q": f"残疾{invisible}证"}).get_data(as_text=True)
    assert invisible not in page
    assert "残疾 证" in page  # searched and shown as two words


@pytest.mark.parametrize(
    ("name", "field_id"),
    [("kind", "search-page-q"), ("category", "search-category"), ("township", "search-township")],
)
def test_a_filter_value_that_is_not_a_choice_is_reported_and_ignored(client, name, field_id):
    response = client.get("/search", query_string={"q": "补贴", name: "<evil>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“&lt;evil&gt;”不是“" in page and "<evil>" not in page
    assert f'href="#{field_id}"' in page
    assert "找到" in page  # the search still ran, without the bad filter


def test_category_filter_keeps_only_that_category(client):
    page = client.get("/search?q=补贴&category=employment").get_data(as_text=True)
    assert "/services/self-employment-subsidy" in page
    assert "/services/living-allowance" not in page


def test_township_filter_keeps_only_places_there(client):
    page = client.get("/search?q=如康家园&township=boping").get_data(as_text=True)
    results = page[page.index('id="search-results"') :]
    assert "/facilities/rukang-boping" in results
    assert "/facilities/rukang-zhenxing" not in results


def test_only_townships_with_places_are_offered(client, tmp_path):
    # With the demo pack every township has a place; the site itself has none yet.
    page = parse(client.get("/search?q=康复").get_data(as_text=True))
    assert len(page.select("#search-township option")) == 1 + 14
    site = make_loaded_app(tmp_path / "site.sqlite", demo=False).test_client()
    page = parse(site.get("/search?q=康复").get_data(as_text=True))
    assert page.select_one("#search-category") and not page.select_one("#search-township")
    # A township chosen in a link is still offered, as chosen (and finds no place).
    page = parse(site.get("/search?q=康复&township=boping").get_data(as_text=True))
    options = page.select("#search-township option")
    assert [o.get("value") for o in options] == ["", "boping"] and options[1].has_attr("selected")


@pytest.mark.parametrize("query", ["残疾人证书", "康复", "补贴", "精神病"])
def test_snippets_are_short_enough_to_read_at_a_glance(client, query):
    from search.results import ELLIPSIS, MAX_SNIPPET_CHARS

    page = parse(client.get(f"/search?q={quote(query)}").get_data(as_text=True))
    snippets = [p.get_text() for p in page.select(".result__snippet")]
    assert snippets
    assert max(len(s.replace(ELLIPSIS, "")) for s in snippets) <= MAX_SNIPPET_CHARS


def test_a_contacts_snippet_shows_its_number(tmp_path):
    # On the site without the demo pack, whose made-up contacts come first.
    site = make_loaded_app(tmp_path / "site.sqlite", demo=False).test_client()
    page = parse(site.get("/search?q=电话").get_data(as_text=True))
    link = page.select_one('a[href="/contacts/hotline-12345"]')
    assert "电话：12345" in link.find_parent("li").select_one(".result__snippet").get_text()


def test_missing_index_says_search_is_unavailable_and_rebuilds(empty_app):
    shutil.rmtree(empty_app.config["SEARCH_INDEX_DIR"], ignore_errors=True)
    client = empty_app.test_client()
    response = client.get("/search?q=轮椅")
    assert response.status_code == 200
    assert "搜索暂时无法使用" in response.get_data(as_text=True)
    # Never kept, by the page cache or the browser: the rebuild will be done soon.
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/search?q=轮椅").headers["X-Page-Cache"] == "miss"
    # The rebuild runs in a thread of its own: wait for it, so that it does not outlive the
    # test's database, and see search back.
    assert sync._rebuilding.acquire(timeout=60), "the rebuild finished"
    sync._rebuilding.release()
    assert "搜索暂时无法使用" not in client.get("/search?q=轮椅").get_data(as_text=True)


def test_filters_that_match_nothing_give_no_results_not_every_result(client):
    """Services have no township and places no category: both together match nothing."""
    response = client.get("/search?q=康复&category=rehabilitation&township=zhenxing")
    page = response.get_data(as_text=True)
    assert "没有找到" in page and "下一页" not in page


@pytest.mark.parametrize("number", ["¹", "٣", "0", "99999999"])
def test_odd_page_numbers_give_the_first_page(client, number):
    response = client.get("/search", query_string={"q": "补贴", "page": number})
    assert response.status_code == 200
    assert "第1页" in response.get_data(as_text=True)


def test_sample_places_and_contacts_are_marked_in_the_results_as_on_their_pages(client):
    results = parse(client.get("/search?q=如康家园&kind=facility").data).find_all(
        "li", **{"class": "result"}
    )
    assert results
    for result in results:
        assert "示例数据，以区残联公布为准" in result.text
    services = parse(client.get("/search?q=补贴&kind=service").data).find_all(
        "li", **{"class": "result"}
    )
    assert services and not any("示例数据" in result.text for result in services)


def test_english_results_mark_sample_places_too(client):
    results = parse(client.get("/en/search?q=Rukang&kind=facility").data).find_all(
        "li", **{"class": "result"}
    )
    assert results
    for result in results:
        assert "Sample data" in result.text


def test_every_document_leads_to_its_page_in_its_language(app, public_crawl):
    """Each address comes from `url_for`, written outside any request, in both languages.
    The crawl's pages (the same content) are taken as it found them; any other is fetched."""
    with app.app_context():
        documents = list(all_documents())
    client, pages = app.test_client(), {}
    for document in documents:
        path, _, anchor = document.url.partition("#")
        assert path.startswith("/en/") == (document.language == "en"), document.id
        if path not in pages:
            crawled = public_crawl.pages.get(path)
            if crawled is None:
                response = client.get(path)
                crawled = Page(path, response.status_code, response.mimetype, response.text)
            pages[path] = crawled
        assert pages[path].status == 200, document.id
        assert not anchor or f'id="{anchor}"' in pages[path].html, document.id


def every_page(query: str, language: str, kind: str | None) -> tuple[set[int], list[str]]:
    """Page through one search to the end: the totals each page gave, and every hit's id."""
    index, totals, ids, page = site_index(), set(), [], 1
    while True:
        found = index.search(query, language=language, kinds=[kind] if kind else None, page=page)
        totals.add(found.total)
        ids += [hit.id for hit in found.hits]
        if page >= found.pages:
            return totals, ids
        page += 1


@pytest.mark.parametrize(
    ("query", "language"),
    (("康复", "zh"), ("残疾人", "zh"), ("服务", "zh"), ("补贴", "zh"), ("rehabilitation", "en")),
)
def test_paging_gives_every_result_once_with_one_total(app, query, language):
    with app.app_context():
        totals, everything = every_page(query, language, None)
        assert len(totals) == 1 and len(everything) == totals.pop() > 10, query
        assert len(set(everything)) == len(everything), "a result on two pages"
        counts = site_index().search(query, language=language).kind_counts
        by_kind = set()
        for kind, count in counts.items():
            kind_totals, ids = every_page(query, language, kind)
            assert kind_totals == {count} and len(ids) == len(set(ids)) == count, kind
            by_kind |= set(ids)
        assert by_kind == set(everything), "the kind tabs together hold what 全部 holds"


def test_a_query_in_pinyin_shows_the_words_it_read_as_each_a_search(client):
    main = parse(client.get("/search?q=lunyi").data).find("main")
    words = main.find("ul", class_="pinyin-words")
    assert "/search?q=%E8%BD%AE%E6%A4%85" in words.hrefs  # 轮椅
    assert "/services/assistive-devices" in main.hrefs


@pytest.mark.parametrize("query", ["lunyi", "canji", "dibao", "haizi", "wuzhangai"])
def test_every_word_a_query_in_pinyin_lists_finds_something(client, query):
    """lunyi listed 轮椅能进, a synonym term no page of the site answers: its link found
    nothing."""
    words = parse(client.get("/search", query_string={"q": query}).data).find(
        "ul", class_="pinyin-words"
    )
    assert words is not None
    for word in (item.text for item in words.find_all("li")):
        assert found_count(client, f"/search?q={quote(word)}") > 0, word


def test_a_word_pinyin_begins_that_finds_nothing_is_not_listed(tmp_path):
    """Without the demo pack no published place says it has a step-free entrance."""
    client = make_loaded_app(tmp_path / "site.sqlite", demo=False).test_client()
    nothing = parse(client.get("/search?q=轮椅能进").data).find(id="results-heading")
    assert nothing.text == "没有找到与“轮椅能进”相关的内容"
    words = parse(client.get("/search?q=lunyi").data).find("ul", class_="pinyin-words")
    listed = [item.text for item in words.find_all("li")]
    assert listed[0] == "轮椅" and "轮椅补贴" in listed
    assert "轮椅能进" not in listed


def test_a_same_sounding_character_is_offered_corrected_above_the_results(client):
    main = parse(client.get("/search?q=残急人证").data).find("main")
    assert "您是不是要找" in main.text
    assert "/search?q=%E6%AE%8B%E7%96%BE%E4%BA%BA%E8%AF%81" in main.hrefs  # 残疾人证


def test_two_words_spelt_right_are_not_corrected_where_they_meet(client):
    """语翻 reads like 预防, but in 手语翻译 it is the end of one word and the start of the
    next: nothing to correct."""
    main = parse(client.get("/search?q=手语翻译").data).find("main")
    assert "您是不是要找" not in main.text
    assert "/services/sign-language-video-service" in main.hrefs


@pytest.mark.parametrize("query", ["办证", "电梯"])
def test_a_short_word_is_never_corrected_to_a_single_character(client, query):
    """办证 once offered 办, and 电梯 电费: a word of the site's subject, from the synonym
    file, finds its pages instead."""
    main = parse(client.get("/search", query_string={"q": query}).data).find("main")
    assert "您是不是要找" not in main.text
    assert "找到" in main.text and "没有找到" not in main.text


@pytest.mark.parametrize(
    "query",
    [
        "孩子是自闭症可以申请什么",  # 是自 reads like 师资, but 自闭症 is one word
        "失智",  # a word of the synonym file, not a typing error for 师资
        "唐氏综合征",  # not 探视综合征
        "廉租房",  # not 廉住房
        "点字",  # not 电子
        "人社局",  # not 人设局
    ],
)
def test_a_word_spelt_right_is_never_corrected_by_sound(client, query):
    main = parse(client.get("/search", query_string={"q": query}).data).find("main")
    assert "您是不是要找" not in main.text
    assert "找到" in main.text and "没有找到" not in main.text


@pytest.mark.parametrize(
    "query",
    [
        "出门",  # once offered 部门
        "字体",  # 媒体
        "证件",  # 事件
        "假牙",  # 假肢
        "lun椅",  # once lun轮椅
    ],
)
def test_nothing_found_offers_no_respelling_of_a_real_word(client, query):
    """A word the dictionary knows is spelt right even when no page uses it: respelling
    it by one character offers a search for something else."""
    main = parse(client.get("/search", query_string={"q": query}).data).find("main")
    assert "您是不是要找" not in main.text


def test_a_long_sentence_is_not_matched_on_its_single_characters(client):
    """不, 去 and 办 beside the words of a question found every page that says 不低于 or
    办理; only the words of the question count."""
    main = parse(client.get("/search", query_string={"q": "我腿脚不方便去哪里办残疾证"}).data)
    results = main.find("main").find("ol", class_="result-list")
    assert results.find("a")["href"] == "/services/disability-certificate"
    marked = {mark.text for mark in results.find_all("mark")}
    assert marked and not marked & {"不", "去", "办"}


def test_one_result_is_counted_in_the_singular_in_english(client):
    """Said as "1 results found" before the count went through ngettext."""
    one = parse(client.get("/en/search", query_string={"q": "煤气"}).data)
    assert one.find(id="results-heading").text == "1 result found"
    assert one.find(id="search-results")["data-announce"] == "1 result found"
    more = parse(client.get("/en/search", query_string={"q": "audiobook"}).data)
    count, words = more.find(id="results-heading").text.split(" ", 1)
    assert int(count) > 1 and words == "results found"
    chinese = parse(client.get("/search", query_string={"q": "煤气"}).data)
    assert chinese.find(id="results-heading").text == "找到1条结果"


@pytest.mark.parametrize(
    "path", ["/search?q=康复", "/facilities/?township=boping", "/en/contacts/?need=deaf"]
)
def test_restoring_a_history_entry_gets_the_whole_page(client, path):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    page = parse(client.get(path, headers=headers).data)
    assert page.find("header") is not None and page.find("main") is not None
    assert len(page.find_all("h1")) == 1
    assert page.find("footer") is not None


@pytest.mark.parametrize("query", ["lunyi", "没有这个词", "xyzzy"])
def test_nothing_found_on_the_english_site_offers_the_chinese_one(client, query):
    results = parse(client.get("/en/search", query_string={"q": query}).data).find(
        id="search-results"
    )
    offered = results.find("a", hreflang="zh-CN")
    assert offered is not None and offered["href"].startswith("/search?q=")


def first_result(client, path: str) -> str:
    """The address of the first result of the search at `path`."""
    return parse(client.get(path).data).find(class_="result__title").find("a")["href"]


@pytest.mark.parametrize(
    "query", ["就业", "找工作", "康复", "上学", "补贴", "低保", "轮椅", "无障碍"]
)
def test_chinese_typed_on_the_english_site_finds_first_what_the_chinese_site_does(client, query):
    """A service's Chinese title was only in its English document's body: the projects and
    indicators, whose English titles carry theirs, came first and it ranked 7th to 12th."""
    chinese = first_result(client, f"/search?q={query}")
    assert first_result(client, f"/en/search?q={query}") == "/en" + chinese


def results(client, path: str) -> list[str]:
    """The addresses of the results of the search at `path`, in order."""
    found = parse(client.get(path).data).find_all(class_="result__title")
    return [title.find("a")["href"] for title in found]


@pytest.mark.parametrize("query", ["无障碍", "康复", "补贴"])
def test_chinese_typed_on_the_english_site_ranks_as_the_chinese_site(client, query):
    """无障碍: the Chinese site's first result was on the English site's second page, then
    5th: the English pages were found by their Chinese titles alone, weighed against the
    length of the English titles beside them. The same first result and the same top three:
    their order below the first may differ a little, as an English page's own words may
    hold Chinese too (a place's name, a measure citing a provincial regulation by its name)
    and scores close together then change places with the text of another page."""
    chinese = results(client, f"/search?q={query}")[:3]
    english = [url.removeprefix("/en") for url in results(client, f"/en/search?q={query}")[:3]]
    assert english[:1] == chinese[:1]
    assert sorted(english) == sorted(chinese)


@pytest.mark.parametrize("query", ["无障碍", "轮椅 wheelchair"])
def test_chinese_typed_on_the_english_site_offers_the_chinese_site_too(client, query):
    results = parse(client.get("/en/search", query_string={"q": query}).data).find(
        id="search-results"
    )
    assert results.find(class_="result") is not None, "it found something"
    offered = results.find("a", hreflang="zh-CN")
    assert offered is not None and offered["href"].startswith("/search?q=")
    assert offered.parent.text.startswith("You typed Chinese.")


def test_english_that_finds_something_offers_no_chinese_site(client):
    results = parse(client.get("/en/search?q=wheelchair").data).find(id="search-results")
    assert results.find("a", hreflang="zh-CN") is None


def test_the_chinese_site_offers_no_chinese_site(client):
    results = parse(client.get("/search?q=xyzzy").data).find(id="search-results")
    assert results.find("a", hreflang="zh-CN") is None


@pytest.mark.parametrize(
    ("prefix", "query", "above"),
    [("", "辅助器具适配率", "高于85%"), ("/en", "assistive devices fitted", "above 85%")],
)
def test_an_indicator_result_says_above_in_words_as_the_indicators_page_does(
    client, prefix, query, above
):
    """Screen readers skip ">" at their usual punctuation level: 2020年：>85 was heard as 85."""
    page = parse(client.get(f"{prefix}/search", query_string={"q": query}).data)
    result = next(
        result
        for result in page.find_all(class_="result")
        if f"{prefix}/plan/indicators#" in result.find("a")["href"]
    )
    snippet = result.find(class_="result__snippet").text
    assert above in snippet and ">" not in snippet
    assert above in parse(client.get(f"{prefix}/plan/indicators").data).find("main").text


def test_a_place_s_features_and_services_are_searched_and_shown_as_lists(app):
    """Run together with spaces, "Step-free entrance Lift Accessible toilet" read as one
    phrase, and a snippet could only be cut between its words."""
    with app.app_context():
        documents = {document.id: document for document in all_documents()}
    zh = documents["facility:government-service-hall:zh"].body
    en = documents["facility:government-service-hall:en"].body
    assert "无台阶入口、电梯、无障碍卫生间" in zh
    assert "残疾评定和残疾人证（电子证照）；养老保险和医疗保险缴费补贴" in zh
    assert "Step-free entrance, lift, accessible toilet" in en
    contact = documents["contact:dpf-video-sign-language:zh"].body
    assert "、" in contact.splitlines()[1], "the needs a contact serves, listed"


def found_count(client, path: str) -> int:
    """How many results the search at `path` says it found."""
    announced = parse(client.get(path).data).find(id="search-results")["data-announce"]
    return int("".join(ch for ch in announced if ch.isdigit()))


@pytest.mark.parametrize(
    ("path", "everything", "said"),
    [
        (
            "/search?q=轮椅&township=fengguantun",
            "/search?q=轮椅",
            "在冯官屯镇没有找到与“轮椅”相关的内容，不限乡镇（街道）有{n}条",
        ),
        (
            "/search?q=低保&category=education",
            "/search?q=低保",
            "在“教育”类服务中没有找到与“低保”相关的内容，不限服务类别有{n}条",
        ),
        (
            "/search?q=轮椅&kind=contact",
            "/search?q=轮椅",
            "在“联系方式”中没有找到与“轮椅”相关的内容，不限结果类型有{n}条",
        ),
        # A typo that only its correction finds: the filter is still the cause, and the
        # words named are those counted.
        (
            "/search?q=轮倚&kind=contact",
            "/search?q=轮倚",
            "在“联系方式”中没有找到与“轮椅”相关的内容，不限结果类型有{n}条",
        ),
        (
            "/search?q=轮倚&township=fengguantun",
            "/search?q=轮倚",
            "在冯官屯镇没有找到与“轮椅”相关的内容，不限乡镇（街道）有{n}条",
        ),
        (
            "/search?q=康复&category=rehabilitation&township=zhenxing",
            "/search?q=康复",
            "按所选的条件没有找到与“康复”相关的内容，不限条件有{n}条",
        ),
        (
            "/en/search?q=wheelchair&township=fengguantun",
            "/en/search?q=wheelchair",
            'No results for "wheelchair" in Fengguantun Town, '
            "but {n} results in all townships and subdistricts",
        ),
        (
            "/en/search?q=allowance&kind=contact&category=education",
            "/en/search?q=allowance",
            'No results for "allowance" with the filters chosen, but {n} results without them',
        ),
    ],
)
@pytest.mark.parametrize("live", [False, True])
def test_a_filter_that_leaves_nothing_is_named_as_the_cause_with_a_way_out_of_it(
    client, path, everything, said, live
):
    """The heading (focused after a submit) and the announcement said 没有找到 and 找到0条结果,
    and the advice was to reword: the words were fine, the township had no such place."""
    n = found_count(client, everything)
    assert n > 0
    headers = {"HX-Request": "true"} if live else {}
    results = parse(client.get(path, headers=headers).data).find(id="search-results")
    heading = results.find(id="results-heading")
    assert heading.text == said.format(n=n)
    assert results["data-announce"] == heading.text
    way_out = [link for link in results.find_all("a") if unquote(link["href"]) == everything]
    assert len(way_out) == 1 and str(n) in way_out[0].text
    # Nothing blames the words, offers other words, or another language's site.
    text = results.text
    for wording in ("换一个说法", "您是不是要找", "Try other words", "Did you mean"):
        assert wording not in text
    assert results.find("a", hreflang=True) is None


def test_words_that_find_nothing_anywhere_are_still_the_cause_with_a_filter(client):
    results = parse(client.get("/search?q=xyzzy&township=fengguantun").data).find(
        id="search-results"
    )
    assert results.find(id="results-heading").text == "没有找到与“xyzzy”相关的内容"
    assert results["data-announce"] == "没有找到与“xyzzy”相关的内容"
    assert "换一个说法" in results.text


def test_the_search_without_filters_is_made_only_when_the_filters_left_nothing(app, monkeypatch):
    """Counted in that case alone, and from the kind facet's counts when only the kind was
    chosen (they leave the kind out): every other search costs what it did."""
    from barrierfree.site_search import views

    client = app.test_client()
    # Past the page cache, which would answer a page another test asked for without a search.
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "none")
    unfiltered = []

    class Counting:
        def __init__(self, backend):
            self.backend = backend

        def search(self, query, **options):
            if not any(options.get(name) for name in ("kinds", "categories", "township")):
                unfiltered.append(options)
            return self.backend.search(query, **options)

    real = views.site_index
    monkeypatch.setattr(views, "site_index", lambda: Counting(real()))
    for path in ["/search?q=轮椅&township=zhenxing", "/search?q=轮椅&kind=contact"]:
        client.get(path)
    assert unfiltered == []
    client.get("/search?q=轮椅&township=fengguantun")
    assert unfiltered == [{"language": "zh", "per_page": 1}]


def test_a_filter_s_first_choice_fits_a_phone_in_large_text(client):
    """A select cannot wrap: at 320 px in large text "All townships and sub" was all of it."""
    doc = parse(client.get("/en/search?q=wheelchair").data)
    select = doc.find("select", name="township")
    assert select.find("option").text == "Whole district"
    css = (PROJECT_ROOT / "site" / "static" / "css" / "site.css").read_text()
    narrow = css[css.index("@media (max-width: 40em) {\n  .field__select {") :]
    assert re.match(r"[^}]*\{\s*width: 100%;\s*padding-inline: 0.25em;", narrow)


def test_a_spelling_it_may_have_meant_is_said_as_well_as_shown(client):
    """护里补贴 showed 您是不是要找：护理补贴, and the live region said only the count."""
    results = parse(client.get("/search?q=护里补贴").data).find(id="search-results")
    link = results.find(
        "a", href=lambda href: href and "q=" in href and "护理补贴" in unquote(href)
    )
    assert link is not None, "the suggestion is shown"
    notes = results["data-announce-notes"]
    assert "护理补贴" in notes and notes.rstrip("。?") != notes, "said as a sentence of its own"
    heading = results.find(id="results-heading").text
    assert results["data-announce"].startswith(notes) and results["data-announce"].endswith(heading)


@pytest.mark.parametrize(
    "path", ["/search?q=轮倚", "/search?q=lunyi", "/en/search?q=wheelchiar", "/search?q=护里补贴"]
)
def test_after_a_submit_only_the_notes_are_said_the_focused_heading_is_read_for_itself(
    client, path
):
    """The count was said twice: by the heading taking focus, then by the live region."""
    results = parse(client.get(path).data).find(id="search-results")
    heading = results.find(id="results-heading").text
    assert heading not in results["data-announce-notes"]


@pytest.mark.parametrize("path", ["/search?q=轮椅", "/search?q=xyzzy", "/en/search?q=wheelchair"])
def test_a_page_with_no_notes_has_none_to_say_after_a_submit(client, path):
    results = parse(client.get(path).data).find(id="search-results")
    assert not results.has_attr("data-announce-notes")
