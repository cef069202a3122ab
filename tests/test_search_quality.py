"""The judged query set: residents' own words must bring the right page into the top five.

Prints recall@5 and MRR (mean reciprocal rank of the best answer) on every run."""

from pathlib import Path

import pytest
import yaml
from barrierfree.site_search.index import site_index

JUDGEMENTS = yaml.safe_load((Path(__file__).parent / "search_judgements.yaml").read_text())[
    "judgements"
]


def top_urls(query: str, language: str) -> list[str]:
    """The URLs of the first five results."""
    return [hit.url for hit in site_index().search(query, language=language, per_page=5).hits]


@pytest.fixture(scope="module")
def ranked(app):
    """Each judged query with the first five URLs it returns."""
    with app.app_context():
        return [(item, top_urls(item["query"], item.get("language", "zh"))) for item in JUDGEMENTS]


def test_the_judged_set_is_large_and_varied():
    assert len(JUDGEMENTS) >= 40
    assert any(item.get("language") == "en" for item in JUDGEMENTS)


def test_recall_at_five_is_at_least_ninety_percent(ranked, search_figures):
    found = [item for item, urls in ranked if set(item["expected"]) & set(urls)]
    recall = len(found) / len(ranked)
    reciprocal = [
        1 / (urls.index(item["expected"][0]) + 1) if item["expected"][0] in urls else 0.0
        for item, urls in ranked
    ]
    mrr = sum(reciprocal) / len(ranked)
    search_figures.append(
        f"search judged set: {len(ranked)} queries, recall@5 {recall:.1%}, MRR {mrr:.3f}"
    )
    missed = [f"{item['query']} → {urls}" for item, urls in ranked if item not in found]
    assert recall >= 0.9, "missed:\n" + "\n".join(missed)
