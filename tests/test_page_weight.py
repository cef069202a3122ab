"""Every page keeps within its budget: what a first visit transfers (the page, its stylesheet
and scripts, compressed as the site sends them), what a repeat visit transfers (the page
alone: the assets are cached for a year under their content-hashed names), and how many
elements it has (a long page is slow to load and to move about in with a screen reader)."""

import pytest
from conftest import parse, sitemap_paths

pytestmark = pytest.mark.markup  # the same markup on any database: run once

FIRST_VIEW_BYTES = 60 * 1024
REPEAT_VIEW_BYTES = 25 * 1024
MOST_ELEMENTS = 800
# Pages the sitemap does not list, with the most a resident can ask for.
ANSWERS = [
    "/search?q=康复",
    "/en/search?q=rehabilitation",
    "/facilities/?township=zhenxing",
    "/facilities/?need=step_free_entrance&need=accessible_toilet",
    "/contacts/?need=deaf",
]
BROTLI = {"Accept-Encoding": "br"}


@pytest.fixture(scope="module")
def weights(public_crawl, site_pages) -> dict[str, tuple[int, int, int]]:
    """(first view bytes, repeat view bytes, elements) of every page, asked of the crawled
    app (the sitemap's pages parsed as the crawl found them)."""
    client = public_crawl.app.test_client()
    assets: dict[str, int] = {}
    found = {}
    for path in [*sitemap_paths(client), *ANSWERS]:
        response = client.get(path, headers=BROTLI)
        assert response.status_code == 200, path
        assert response.headers.get("Content-Encoding") == "br", path
        page = len(response.get_data())
        doc = site_pages[path].doc if path in site_pages else parse(client.get(path).data)
        linked = [link.get("href") for link in doc.find_all("link", rel="stylesheet")]
        linked += [script.get("src") for script in doc.find_all("script", src=True)]
        for url in linked:
            if url not in assets:
                with client.get(url, headers=BROTLI) as asset:
                    assets[url] = len(asset.get_data())
        elements = len(doc.find_all(True))
        found[path] = (page + sum(assets[url] for url in linked), page, elements)
    return found


def test_every_page_is_within_the_first_view_budget(weights):
    over = {path: w[0] for path, w in weights.items() if w[0] > FIRST_VIEW_BYTES}
    assert over == {}


def test_every_page_is_within_the_repeat_view_budget(weights):
    over = {path: w[1] for path, w in weights.items() if w[1] > REPEAT_VIEW_BYTES}
    assert over == {}


def test_no_page_has_more_than_800_elements(weights):
    over = {path: w[2] for path, w in weights.items() if w[2] > MOST_ELEMENTS}
    assert over == {}


def test_the_plan_is_read_a_section_a_page(client):
    """The contents link every section's page, and each section page has the full text."""
    contents = parse(client.get("/plan/").data)
    sections = [href for href in contents.find("main").hrefs if "/plan/sections/" in href]
    assert len(sections) == 12
    page = parse(client.get("/plan/sections/public-services").data)
    assert len(page.find_all("article", class_="measure")) == 10
    assert client.get("/plan/sections/no-such-section").status_code == 404
