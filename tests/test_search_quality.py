"""The judged query set: residents' own words must bring the right page into the top five.

Measured on the site as residents have it, without the demo pack's invented places and
contacts; the few queries whose answer is one of those (`demo: true`) are measured with
the demo pack loaded. Prints recall@5 and MRR (mean reciprocal rank of the best answer) on
every run, overall and for each category of query (pinyin, typing errors, conditions,
indicators, the rest). A judgement marked `first` must have its best answer first."""

from collections import defaultdict
from pathlib import Path

import pytest
from barrierfree.content.files import read_yaml
from barrierfree.site_search.index import site_index
from conftest import make_loaded_app

JUDGED = read_yaml(Path(__file__).parent / "search_judgements.yaml")
JUDGEMENTS = JUDGED["judgements"]
# What residents search for on the site as it is: every judgement but the demo pack's.
RESIDENT_JUDGEMENTS = [item for item in JUDGEMENTS if not item.get("demo")]
DEMO_JUDGEMENTS = [item for item in JUDGEMENTS if item.get("demo")]
NOTHING_FOUND = JUDGED["nothing_found"]


def top_urls(query: str, language: str) -> list[str]:
    """The URLs of the first five results, then of the first five of the query the page
    offers with 您是不是要找 (a resident follows that link when the first try misses)."""
    found = site_index().search(query, language=language, per_page=5)
    urls = [hit.url for hit in found.hits]
    if found.suggestion:
        offered = site_index().search(found.suggestion, language=language, per_page=5)
        urls += [hit.url for hit in offered.hits if hit.url not in urls]
    return urls


def ranked_on(app, judgements: list) -> list:
    """Each of `judgements` with the first five URLs its query returns on `app`."""
    with app.app_context():
        return [(item, top_urls(item["query"], item.get("language", "zh"))) for item in judgements]


@pytest.fixture(scope="module")
def site_app(tmp_path_factory):
    """The site as residents have it: content/ without the demo pack."""
    return make_loaded_app(tmp_path_factory.mktemp("site") / "site.sqlite", demo=False)


@pytest.fixture(scope="module")
def ranked(site_app):
    """Each judged query residents can find an answer to, with the first five URLs."""
    return ranked_on(site_app, RESIDENT_JUDGEMENTS)


def test_the_judged_set_is_large_and_varied():
    assert len(RESIDENT_JUDGEMENTS) >= 40
    assert any(item.get("language") == "en" for item in RESIDENT_JUDGEMENTS)


def figures(ranked: list) -> tuple[float, float, list]:
    """Recall@5 (an expected URL among the first five, or the first five offered), MRR of
    the best answer, and the queries missed."""
    found = [item for item, urls in ranked if set(item["expected"]) & set(urls)]
    reciprocal = [
        1 / (urls.index(item["expected"][0]) + 1) if item["expected"][0] in urls else 0.0
        for item, urls in ranked
    ]
    missed = [f"{item['query']} → {urls}" for item, urls in ranked if item not in found]
    return len(found) / len(ranked), sum(reciprocal) / len(ranked), missed


@pytest.mark.slow  # every judged query, and the query it suggests
def test_recall_at_five_is_at_least_ninety_five_percent(ranked, search_figures):
    recall, mrr, missed = figures(ranked)
    search_figures.append(
        f"search judged set, without the demo pack: {len(ranked)} queries,"
        f" recall@5 {recall:.1%}, MRR {mrr:.3f}"
    )
    by_category = defaultdict(list)
    for item, urls in ranked:
        by_category[item.get("category", "general")].append((item, urls))
    for category, items in sorted(by_category.items()):
        part_recall, part_mrr, _ = figures(items)
        search_figures.append(
            f"  {category}: {len(items)} queries, recall@5 {part_recall:.1%}, MRR {part_mrr:.3f}"
        )
    assert recall >= 0.95, "missed:\n" + "\n".join(missed)


@pytest.mark.slow  # every judged query, and the query it suggests
def test_the_best_answer_is_first_where_the_judgement_says_so(ranked):
    # `first: true`: not only in the top five, first (精神病 put the care allowance first,
    # found through the mental disability category twice, above the rehabilitation page).
    wrong = [
        f"{item['query']} → {urls[:3]}"
        for item, urls in ranked
        if item.get("first") and urls[:1] != item["expected"][:1]
    ]
    assert not wrong, "not first:\n" + "\n".join(wrong)


def test_each_kind_of_resident_query_is_judged():
    counts = defaultdict(int)
    for item in JUDGEMENTS:
        counts[item.get("category", "general")] += 1
    assert {"pinyin", "typing error", "condition", "indicator"} <= counts.keys()
    assert sum(counts.values()) - counts["general"] >= 25


@pytest.mark.slow  # the demo pack's judged queries on the app that has it
def test_the_demo_packs_places_and_contacts_are_found_with_it(app, search_figures):
    recall, mrr, missed = figures(ranked_on(app, DEMO_JUDGEMENTS))
    search_figures.append(
        f"  with the demo pack, its {len(DEMO_JUDGEMENTS)} queries: recall@5 {recall:.1%},"
        f" MRR {mrr:.3f}"
    )
    assert recall == 1, "missed:\n" + "\n".join(missed)


def found_urls(query: str) -> list[str]:
    """The URLs `query` finds on the Chinese site, and those the query it is corrected to
    finds (the page shows those instead)."""
    found = site_index().search(query, language="zh", per_page=5)
    urls = [hit.url for hit in found.hits]
    if not found.total and found.suggestion:
        urls += [hit.url for hit in site_index().search(found.suggestion, per_page=5).hits]
    return urls


def test_a_word_no_page_says_beside_a_site_word_or_lone_characters_find_nothing(site_app):
    # 残疾人 is on every page: beside 三轮车 it would find sport first, and 114 pages more.
    with site_app.app_context():
        assert {query: found_urls(query) for query in NOTHING_FOUND} == dict.fromkeys(
            NOTHING_FOUND, []
        )
        # A site word alone, or beside a word of a question, still finds pages.
        for query in ("残疾人", "残疾人怎么申请", "残疾人有什么优惠", "伤残"):
            assert found_urls(query), query
