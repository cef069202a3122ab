"""Every public page's meta description: there, and its own. Search engines show it under
the page's title, so a page described like every other tells nobody what it holds."""

import pytest
from barrierfree.i18n import EN, force_locale
from barrierfree.pages.descriptions import CHINESE_LIMIT, ENGLISH_LIMIT, meta_description
from conftest import is_english, parse

pytestmark = pytest.mark.markup  # the same markup on any database: run once

# The only pages that keep the site-wide description, each with why nothing is more specific.
SITE_WIDE = {
    "/": "the home page: the site-wide description says what the whole site holds",
    "/en/": "the home page: the site-wide description says what the whole site holds",
}


def description(response) -> str | None:
    """The content of the page's meta description, if it has one."""
    meta = parse(response.data).find("meta", name="description")
    return meta.get("content") if meta is not None else None


@pytest.fixture(scope="module")
def described(public_crawl) -> dict[str, str | None]:
    """The description of every public HTML page in both languages: the sitemap's pages
    and every page they link to, one per address (a page's query states are the page)."""
    return {
        path: meta.get("content") if (meta := page.doc.find("meta", name="description")) else None
        for path, page in public_crawl.pages.items()
        if (page.status, page.content_type) == (200, "text/html")
    }


def test_the_crawl_reaches_the_forms_and_the_pages_the_review_named(described):
    for path in ("/feedback/ask", "/feedback/barrier", "/alerts/", "/search", "/contact"):
        assert path in described and f"/en{path}" in described
    assert sum(path.startswith("/departments/") for path in described) == 40


def test_every_page_has_a_description(described):
    assert [path for path, text in described.items() if not (text or "").strip()] == []


def test_every_description_fits_in_a_search_result(described):
    """A longer one is cut mid-sentence under the result: the fixed ones (the site-wide one,
    the place finder's, the feedback statistics') were, in English."""
    too_long = {
        path: (len(text), text)
        for path, text in described.items()
        if len(text or "") > (ENGLISH_LIMIT if is_english(path) else CHINESE_LIMIT)
    }
    assert too_long == {}


def test_every_description_ends_on_a_whole_sentence_or_a_clause(described):
    """Whole, or cut where a clause ends, and then it says so with an ellipsis. (The plan's
    own page is described by the line it was issued with, which ends on its number in
    brackets.)"""
    ends = ("。", "！", "？", "……", ".", "!", "?", "…", "）", ")")
    assert {path: text for path, text in described.items() if not (text or "").endswith(ends)} == {}


def test_no_two_pages_share_a_description(described):
    pages: dict[tuple[bool, str], list[str]] = {}
    for path, text in described.items():
        pages.setdefault((is_english(path), text), []).append(path)
    assert {text: paths for (_english, text), paths in pages.items() if len(paths) > 1} == {}


def test_only_the_listed_pages_keep_the_site_wide_description(client, described):
    site_wide = {False: description(client.get("/")), True: description(client.get("/en/"))}
    kept = {path for path, text in described.items() if text == site_wide[is_english(path)]}
    assert kept == set(SITE_WIDE)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_search_page_never_describes_itself_with_what_was_typed(client, prefix):
    plain = description(client.get(f"{prefix}/search"))
    searched = description(client.get(f"{prefix}/search?q=轮椅补贴申请"))
    assert searched == plain and "轮椅" not in searched


def test_a_static_page_is_described_by_its_summary(client):
    assert description(client.get("/about")).startswith("本站把茌平区残疾人事业")
    assert description(client.get("/en/accessibility")).startswith("We want everyone")


def test_a_department_is_described_by_what_the_plan_gives_it(client):
    text = description(client.get("/departments/finance-bureau"))
    assert text.startswith("规划中，区财政局牵头负责保障措施“") and "参与措施1-5" in text
    english = description(client.get("/en/departments/finance-bureau"))
    assert english.startswith("District Finance Bureau, in the plan: lead department for")
    assert "measures 1-5" in english


def test_a_measure_and_a_section_are_described_by_their_titles_and_text(client):
    measure = description(client.get("/plan/measures/3-1"))
    assert measure.startswith("措施3-1 加强残疾预防工作：坚持预防为主")
    section = description(client.get("/plan/sections/employment"))
    assert "项主要措施：" in section  # its text is all in its measures


@pytest.mark.parametrize(
    "path", ["/plan/sections/guiding-ideology", "/en/plan/sections/guiding-ideology"]
)
def test_a_long_first_sentence_is_cut_within_the_limit(client, path):
    text = description(client.get(path))
    limit = ENGLISH_LIMIT if is_english(path) else CHINESE_LIMIT
    assert len(text) <= limit and text.endswith("…")


# --- The cut itself --------------------------------------------------------------------------


@pytest.mark.no_database
def test_a_short_text_is_kept_whole(i18n_app):
    with i18n_app.test_request_context("/"):
        text = "独立的无障碍卫生间，全天开放。"
        assert meta_description(text) == text


@pytest.mark.no_database
def test_only_the_first_paragraph_is_taken_without_its_marks(i18n_app):
    with i18n_app.test_request_context("/"):
        assert meta_description("**第一段**的[话](/x)。\n\n第二段。") == "第一段的话。"


@pytest.mark.no_database
def test_chinese_is_cut_after_the_last_whole_sentence_that_fits(i18n_app):
    text = "甲" * 70 + "。" + "乙" * 70 + "。"
    with i18n_app.test_request_context("/"):
        assert meta_description(text) == "甲" * 70 + "。"


@pytest.mark.no_database
def test_a_chinese_sentence_too_long_is_cut_at_a_clause(i18n_app):
    text = "甲" * 60 + "，" + "乙" * 60 + "，丙。"
    with i18n_app.test_request_context("/"):
        assert meta_description(text) == "甲" * 60 + "……"


@pytest.mark.no_database
def test_english_is_never_cut_inside_a_word(i18n_app):
    text = " ".join(["accessibility"] * 20)
    with i18n_app.test_request_context("/"), force_locale(EN):
        cut = meta_description(text)
    assert len(cut) <= ENGLISH_LIMIT and cut.endswith("accessibility…")


@pytest.mark.no_database
def test_the_title_goes_first_and_is_cut_with_the_text(i18n_app):
    with i18n_app.test_request_context("/"), force_locale(EN):
        assert meta_description("Do it. " * 40, title="Measure 1-1") == (
            "Measure 1-1: " + " ".join(["Do it."] * 21)
        )


@pytest.mark.no_database
def test_english_too_long_is_cut_at_a_clause_and_never_ends_on_a_joining_word(i18n_app):
    clause = "Services for people with disabilities in the district, " * 2
    with i18n_app.test_request_context("/"), force_locale(EN):
        at_a_clause = meta_description(clause + "x" * 40 + " and more words " * 4)
        at_a_word = meta_description("Help " + "and help for " * 30)
    assert at_a_clause == clause.rstrip(", ") + "…"
    assert len(at_a_word) <= ENGLISH_LIMIT and at_a_word.endswith("help…")
