"""The judged query set: residents' own words must bring the right page into the top five.

Prints recall@5 and MRR (mean reciprocal rank of the best answer) on every run, overall and
for each category of query (pinyin, typing errors, conditions, indicators, the rest)."""

from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from barrierfree.site_search.index import site_index

JUDGEMENTS = yaml.safe_load((Path(__file__).parent / "search_judgements.yaml").read_text())[
    "judgements"
]


def top_urls(query: str, language: str) -> list[str]:
    """The URLs of the first five results, then of the first five of the query the page
    offers with 您是不是要找 (a resident follows that link when the first try misses)."""
    found = site_index().search(query, language=language, per_page=5)
    urls = [hit.url for hit in found.hits]
    if found.suggestion:
        offered = site_index().search(found.suggestion, language=language, per_page=5)
        urls += [hit.url for hit in offered.hits if hit.url not in urls]
    return urls


@pytest.fixture(scope="module")
def ranked(app):
    """Each judged query with the first five URLs it returns."""
    with app.app_context():
        return [(item, top_urls(item["query"], item.get("language", "zh"))) for item in JUDGEMENTS]


def test_the_judged_set_is_large_and_varied():
    assert len(JUDGEMENTS) >= 40
    assert any(item.get("language") == "en" for item in JUDGEMENTS)


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
        f"search judged set: {len(ranked)} queries, recall@5 {recall:.1%}, MRR {mrr:.3f}"
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


def test_each_kind_of_resident_query_is_judged():
    counts = defaultdict(int)
    for item in JUDGEMENTS:
        counts[item.get("category", "general")] += 1
    assert {"pinyin", "typing error", "condition", "indicator"} <= counts.keys()
    assert sum(counts.values()) - counts["general"] >= 25
