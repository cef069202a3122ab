"""Every public page answers, in both languages, with the structure a screen reader relies on."""

from collections import defaultdict

import pytest
from barrierfree.database import PUBLISHED, db
from barrierfree.i18n import SITE_NAME
from barrierfree.plan.models import Department, Measure, Project
from barrierfree.plan.queries import measures_in_order, roles_of
from barrierfree.services.models import Category, Service
from conftest import CJK, SITE_NAME_ZH, is_english, parse, sitemap_paths
from markupsafe import escape
from sqlalchemy import select

pytestmark = pytest.mark.markup  # the same markup on any database: run once

SERVICE_SECTIONS = ["易读版", "谁可以申请", "可以得到什么", "怎样申请", "负责部门"]


def problems(site_pages, check) -> list[str]:
    """The paths of the pages for which `check(page)` is false."""
    return [path for path, page in site_pages.items() if not check(page)]


def english_site_name(app) -> str:
    """The site's name as the English site shows it."""
    with app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        return str(SITE_NAME)


def published_services(app) -> list[Service]:
    """Every published service."""
    with app.app_context():
        return list(db.session.scalars(select(Service).where(Service.status == PUBLISHED)))


def test_sitemap_lists_both_languages(client):
    paths = sitemap_paths(client)
    chinese = {p for p in paths if not is_english(p)}
    english = {p for p in paths if is_english(p)}
    assert "/" in chinese and "/en/" in english
    assert english == {"/en" + p for p in chinese}


def test_every_sitemap_url_answers_200_with_html(site_pages):
    assert problems(site_pages, lambda p: (p.status, p.content_type) == (200, "text/html")) == []


def test_every_page_has_exactly_one_h1(site_pages):
    assert problems(site_pages, lambda p: len(p.doc.find_all("h1")) == 1) == []


def test_html_lang_is_chinese_at_root_and_english_under_en(site_pages):
    def right_lang(page):
        expected = "en" if is_english(page.path) else "zh-CN"
        return page.doc.find("html").get("lang") == expected

    assert problems(site_pages, right_lang) == []


def test_title_is_page_name_then_site_name(app, site_pages):
    site_name = {False: SITE_NAME_ZH, True: english_site_name(app)}

    def well_formed(page):
        title = page.doc.find("title").text
        suffix = " - " + site_name[is_english(page.path)]
        return title.endswith(suffix) and title.removesuffix(suffix).strip() != ""

    assert problems(site_pages, well_formed) == []


def test_titles_are_unique_within_each_language(site_pages):
    by_title = defaultdict(list)
    for path, page in site_pages.items():
        by_title[(is_english(path), page.doc.find("title").text)].append(path)
    assert {title: paths for title, paths in by_title.items() if len(paths) > 1} == {}


def test_skip_link_is_the_first_link_and_points_to_main(site_pages):
    def skip_link_first(page):
        first = page.doc.find("body").find("a")
        return first is not None and first.get("href") == "#main"

    assert problems(site_pages, skip_link_first) == []


def test_every_page_has_one_main_with_id_main(site_pages):
    def one_main(page):
        mains = page.doc.find_all("main")
        return len(mains) == 1 and mains[0].get("id") == "main"

    assert problems(site_pages, one_main) == []


def test_no_page_makes_a_landmark_of_every_section(site_pages):
    """A named section is a region landmark: a page's sections named one by one made the
    landmark list a second table of contents (11 on the home page), burying main, the
    navigation and search. Headings already lead through the sections."""

    def few_regions(page):
        named = page.doc.select("section[aria-labelledby], section[aria-label]")
        return len(named) <= 4

    assert problems(site_pages, few_regions) == []


def test_home_page_links_to_every_category_and_every_published_service(app, client):
    links = set(parse(client.get("/").data).find("main").hrefs)
    with app.app_context():
        categories = db.session.scalars(select(Category.slug))
        assert {f"/services/categories/{slug}" for slug in categories} <= links
    assert {f"/services/{s.slug}" for s in published_services(app)} <= links


def test_service_pages_have_the_sections_a_resident_needs(app, public_crawl):
    for service in published_services(app):
        main = public_crawl.doc(f"/services/{service.slug}").find("main")
        headings = [h.text for h in main.find_all("h2")]
        assert [s for s in SERVICE_SECTIONS if s not in headings] == [], service.slug
        assert any(href.startswith("/plan/measures/") for href in main.hrefs), service.slug


def test_service_without_amount_says_so_and_names_its_lead_department(app, public_crawl):
    with app.app_context():
        services = db.session.scalars(
            select(Service).where(Service.amount.is_(None), Service.status == PUBLISHED)
        ).all()
        assert services
        for service in services:
            leads = [r.department.name for r in service.responsibilities if r.role == "lead"]
            main = public_crawl.doc(f"/services/{service.slug}").find("main")
            notices = [p.text for p in main.find_all("p") if "规划没有写明具体金额" in p.text]
            assert len(notices) == 1, service.slug
            assert all(name in notices[0] for name in leads), (service.slug, notices[0])


def test_the_plan_has_every_measure_with_its_departments_on_its_sections_page(app, public_crawl):
    contents = public_crawl.doc("/plan/").find("main")
    with app.app_context():
        measures = measures_in_order()
        assert len(measures) == 32
        for measure in measures:
            assert f"/plan/measures/{measure.slug}" in contents.hrefs, measure.slug
            section = f"/plan/sections/{measure.section.slug}"
            assert section in contents.hrefs, measure.slug
            article = public_crawl.doc(section).find(id=f"measure-{measure.slug}")
            assert article is not None, measure.slug
            expected = {f"/departments/{r.department.slug}" for r in measure.responsibilities}
            assert expected <= set(article.hrefs), measure.slug
            assert f"/plan/measures/{measure.slug}" in article.hrefs, measure.slug


@pytest.mark.parametrize("path", ["/plan/", "/plan/sections/public-services"])
def test_no_link_text_on_a_plan_page_leads_to_two_places(client, path):
    targets = defaultdict(set)
    for link in parse(client.get(path).data).find("main").find_all("a"):
        targets[link.text.strip()].add(link.get("href"))
    assert {text: hrefs for text, hrefs in targets.items() if len(hrefs) > 1} == {}


def test_indicator_table_has_caption_and_scoped_headers(client):
    table = parse(client.get("/plan/indicators").data).find("main").find("table")
    assert table is not None
    assert table.find("caption").text
    assert table.find_all("th", scope="col")
    assert len(table.find_all("th", scope="row")) == 11
    assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))


def test_projects_page_lists_all_48_projects_each_under_a_heading(client):
    main = parse(client.get("/plan/projects").data).find("main")
    projects = [li for li in main.find_all("li") if (li.get("id") or "").startswith("project-")]
    assert len(projects) == 48
    # Each box is an h2, so heading navigation reaches every project as an h3.
    assert all(li.find("h3", class_="project-list__title") is not None for li in projects)


def test_english_projects_page_shows_the_english_project_titles(app, client):
    with app.app_context():
        titled = db.session.scalars(select(Project).where(Project.title_en.is_not(None))).all()
    assert titled
    page = client.get("/en/plan/projects").get_data(as_text=True)
    assert all(str(escape(project.title_en)) in page for project in titled)


def test_department_pages_list_what_each_department_leads(app, public_crawl):
    with app.app_context():
        departments = db.session.scalars(select(Department)).all()
        for department in departments:
            led = roles_of(department).get("lead", {})
            expected = {f"/plan/measures/{m.slug}" for m in led.get("measures", [])}
            expected |= {f"/services/{s.slug}" for s in led.get("services", [])}
            links = public_crawl.doc(f"/departments/{department.slug}").find("main").hrefs
            assert expected <= set(links), department.slug


def test_every_measure_page_names_a_lead_department(app, public_crawl):
    with app.app_context():
        slugs = db.session.scalars(select(Measure.slug)).all()
    for slug in slugs:
        main = public_crawl.doc(f"/plan/measures/{slug}").find("main")
        assert "牵头部门" in main.text, slug
        assert any(href.startswith("/departments/") for href in main.hrefs), slug


@pytest.mark.parametrize("path", ["/en/plan/", "/en/plan/measures/1-1", "/en/plan/projects"])
def test_the_translated_plan_carries_no_untranslated_note(client, path):
    """The note shows only where something is still Chinese: tests/test_plan_english.py
    takes a translation away and finds it."""
    main = parse(client.get(path).data).find("main")
    assert "not yet been translated" not in main.text


def test_chinese_site_has_no_untranslated_note(client):
    assert "尚未翻译" not in parse(client.get("/plan/measures/1-1").data).find("main").text


@pytest.mark.parametrize("sitemap_page, prefix", [("/sitemap", ""), ("/en/sitemap", "/en")])
def test_html_sitemap_links_to_every_page_in_sitemap_xml(client, sitemap_page, prefix):
    listed = {p for p in sitemap_paths(client) if is_english(p) == (prefix == "/en")}
    links = set(parse(client.get(sitemap_page).data).find("main").hrefs)
    assert listed - links == set()


def test_the_english_sitemap_names_the_measures_in_english_under_main_measures(client):
    links = parse(client.get("/en/sitemap").data).find("main").find_all("a")
    texts = [link.text for link in links]
    first = next(link for link in links if link["href"] == "/en/plan/measures/1-1")
    assert first.get("lang") is None and first.text.startswith("1-1 ")
    assert not CJK.search(first.text)
    assert texts.index(first.text) == texts.index("Main measures") + 1


@pytest.mark.parametrize("path", ["/en", "/en/"])
def test_english_home_answers_with_and_without_slash(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert parse(response.data).find("html").get("lang") == "en"


def test_htmx_is_served_locally_as_javascript(client):
    with client.get("/assets/htmx.min.js") as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert b"htmx" in response.data


def test_pages_load_htmx_from_the_site_itself(client):
    scripts = [s.get("src") or "" for s in parse(client.get("/").data).find_all("script")]
    htmx = [src for src in scripts if src.startswith("/assets/htmx.") and src.endswith(".min.js")]
    assert len(htmx) == 1
    with client.get(htmx[0]) as response:
        assert b"htmx" in response.data


def test_english_measure_pages_are_titled_in_english(app, public_crawl):
    with app.app_context():
        measures = measures_in_order()
        assert all(measure.title_en for measure in measures)
        for measure in measures:
            page = public_crawl.doc(f"/en/plan/measures/{measure.slug}")
            assert page.find("title").text.startswith(f"Measure {measure.slug} {measure.title_en}")
            heading = page.find("h1")
            assert heading.text == measure.title_en and heading.get("lang") is None
    listed = public_crawl.doc("/en/plan/measures/").find("main")
    assert "Strengthening disability prevention" in listed.text


@pytest.mark.parametrize(
    "path", ["/services/", "/facilities/", "/contacts/", "/data/", "/plan/indicators"]
)
def test_key_pages_describe_themselves_not_the_whole_site(client, path):
    def description(page: str) -> str:
        return parse(client.get(page).data).select_one("meta[name=description]")["content"]

    assert description(path) not in ("", description("/"))
    assert description(f"/en{path}") not in ("", description("/en/"))
