"""Service pages: the English of every field, the departments that answer for a service
(apart from the plan's list for its measures), and 去哪里办, which never sends anyone to an
invented place."""

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.content.files import ContentError, read_yaml
from barrierfree.content.loader import load
from barrierfree.database import PUBLISHED, WITHDRAWN, db
from barrierfree.facilities.models import Facility
from barrierfree.plan.models import LEAD, Box, Project
from barrierfree.services.departments import HANDLING, IN_CHARGE
from barrierfree.services.models import Category, Service
from barrierfree.services.spec import SERVICES
from conftest import CJK, parse, text_outside_lang
from sqlalchemy import select

CARE_ALLOWANCE = "severe-disability-care-allowance"
TRANSLATED = ("eligibility", "benefits", "amount", "how_to_apply", "documents")


def services(app) -> list[Service]:
    """Every published service, with what its page shows loaded."""
    with app.app_context():
        found = db.session.scalars(select(Service).where(Service.status == PUBLISHED)).all()
        for service in found:
            for measure in service.measures:
                [r.department for r in measure.responsibilities]
            [r.department for r in service.responsibilities]
        return found


def opening(markdown: str | None) -> str:
    """The first words of a Markdown text as a page shows them (no list or bold marks)."""
    first = next((line for line in (markdown or "").splitlines() if line.strip("-* ")), "")
    return first.replace("**", "").lstrip("- ").strip()[:40]


def section(main, heading: str) -> list:
    """The elements after the h2 `heading`, up to the next h2."""
    elements = [child for child in main.children if not isinstance(child, str)]
    start = next(i for i, e in enumerate(elements) if e.tag == "h2" and e.text == heading)
    after = elements[start + 1 :]
    end = next((i for i, e in enumerate(after) if e.tag == "h2"), len(after))
    return after[:end]


def department_groups(main) -> dict[str, list[str]]:
    """The departments list of a service page: {group label: [department link, …]}."""
    listing = main.find("div", class_="departments").find("dl")
    labels = [dt.text for dt in listing.find_all("dt")]
    return dict(zip(labels, (dd.hrefs for dd in listing.find_all("dd")), strict=True))


# --- English ------------------------------------------------------------------------------


def test_every_service_has_english_for_every_field_it_has_in_chinese(app):
    missing = [
        (service.slug, name)
        for service in services(app)
        for name in TRANSLATED
        if getattr(service, name) and not getattr(service, f"{name}_en")
    ]
    assert missing == []


def test_the_english_fields_are_declared_for_the_loader_the_editor_and_search():
    for name in TRANSLATED:
        english = SERVICES.field(f"{name}_en")
        assert english.lang == "en" and english.load and english.edit and not english.required
        assert english.type == SERVICES.field(name).type


def test_english_service_pages_show_the_english_fields_and_no_chinese_in_them(app, public_crawl):
    """No Chinese but what English prints as it is (a document's number), marked zh-CN."""
    for service in services(app):
        main = public_crawl.doc(f"/en/services/{service.slug}").find("main")
        proses = main.find_all("div", class_="prose")
        assert proses, service.slug
        for prose in proses:
            assert prose.get("lang") is None, service.slug
            assert not CJK.search(text_outside_lang(prose)), (service.slug, prose.text[:80])
        for name in ("eligibility_en", "benefits_en", "how_to_apply_en"):
            assert opening(getattr(service, name)) in main.text, (service.slug, name)
        if service.amount_en:
            assert service.amount_en.strip() in main.text, service.slug


def test_the_chinese_page_keeps_the_chinese_fields(app, client):
    main = parse(client.get(f"/services/{CARE_ALLOWANCE}").data).find("main")
    assert "重度残疾人，经资格认定。" in main.text
    assert "Applications to be confirmed" not in main.text


def test_a_missing_translation_shows_the_chinese_marked_and_the_note(loaded_app):
    client = loaded_app.test_client()
    path = f"/en/services/{CARE_ALLOWANCE}"
    notices = len(parse(client.get(path).data).find("main").find_all("p", class_="notice"))
    with loaded_app.app_context():
        service = db.session.scalar(select(Service).where(Service.slug == CARE_ALLOWANCE))
        service.eligibility_en = None
        db.session.commit()
    main = parse(client.get(path).data).find("main")
    chinese = [prose for prose in main.find_all("div", class_="prose") if prose.get("lang")]
    assert [prose.get("lang") for prose in chinese] == ["zh-CN"]
    assert "重度残疾人，经资格认定。" in chinese[0].text
    # The note that part of the page is still in Chinese: only now.
    assert len(main.find_all("p", class_="notice")) == notices + 1


# --- Departments --------------------------------------------------------------------------


def test_every_service_names_a_department_in_charge_and_the_plans_list_apart(app, public_crawl):
    for service in services(app):
        groups = department_groups(public_crawl.doc(f"/services/{service.slug}").find("main"))
        in_charge = [r.department.slug for r in service.responsibilities if r.role == IN_CHARGE]
        assert groups["主管部门"] == [f"/departments/{slug}" for slug in in_charge], service.slug
        # The measures' lists, leads first, then by measure and place in its list, each once.
        named = [r for measure in service.measures for r in measure.responsibilities]
        ordered = sorted(named, key=lambda r: r.role != LEAD)
        in_the_plan = dict.fromkeys(f"/departments/{r.department.slug}" for r in ordered)
        assert groups["规划中参与这项措施的部门"] == list(in_the_plan), service.slug


def test_the_care_allowance_is_in_the_charge_of_civil_affairs_not_transport(app, client):
    service = next(s for s in services(app) if s.slug == CARE_ALLOWANCE)
    own = {r.department.slug: r.role for r in service.responsibilities}
    assert own == {"civil-affairs-bureau": IN_CHARGE, "disabled-persons-federation": HANDLING}

    groups = department_groups(parse(client.get(f"/services/{CARE_ALLOWANCE}").data).find("main"))
    assert groups["主管部门"] == ["/departments/civil-affairs-bureau"]
    assert groups["经办和配合部门"] == ["/departments/disabled-persons-federation"]
    responsible = groups["主管部门"] + groups["经办和配合部门"]
    assert "/departments/transport-bureau" not in responsible
    assert "/departments/veterans-affairs-bureau" not in responsible
    # The measure's whole list is still there, on its own line.
    assert {"/departments/transport-bureau", "/departments/veterans-affairs-bureau"} <= set(
        groups["规划中参与这项措施的部门"]
    )


@pytest.mark.parametrize(("prefix", "box"), [("", "专栏"), ("/en", "Box ")])
def test_the_projects_a_service_comes_from_are_linked_with_their_box(loaded_app, prefix, box):
    # content/ links no service to a project yet: link one to projects of three boxes.
    with loaded_app.app_context():
        service = db.session.scalar(select(Service).where(Service.slug == CARE_ALLOWANCE))
        service.projects = [
            db.session.scalars(select(Project).join(Box).where(Box.number == number)).first()
            for number in (2, 5, 8)
        ]
        db.session.commit()
        expected = {
            f"{prefix}/plan/projects#project-{project.slug}": (
                f"{box}{project.box.number} {(prefix and project.title_en) or project.title}"
            )
            for project in service.projects
        }
    page = parse(loaded_app.test_client().get(f"{prefix}/services/{CARE_ALLOWANCE}").data)
    basis = section(page.find("main"), "Basis in the plan" if prefix else "规划依据")
    links = [a for element in basis for a in element.find_all("a", href=True)]
    shown = {a.get("href"): " ".join(a.text.split()) for a in links if "#project-" in a.get("href")}
    assert shown == expected


def test_every_service_file_says_where_its_departments_come_from():
    folder = PROJECT_ROOT / "content" / "services"
    without = [
        path.name
        for path in sorted(folder.glob("*.yaml"))
        if not str(read_yaml(path).get("departments_source") or "")
    ]
    assert without == []


def test_every_service_page_shows_where_its_departments_come_from_in_both_languages(
    app, public_crawl
):
    for service in services(app):
        assert service.departments_source and service.departments_source_en, service.slug
        for prefix, text in (
            ("", service.departments_source),
            ("/en", service.departments_source_en),
        ):
            main = public_crawl.doc(f"{prefix}/services/{service.slug}").find("main")
            source = main.find("div", class_="departments").find("p", class_="departments__source")
            assert source is not None and text in source.text, (prefix, service.slug)
            if prefix:
                assert not CJK.search(text_outside_lang(source)), service.slug
    care = next(s for s in services(app) if s.slug == CARE_ALLOWANCE)
    assert "国发〔2015〕52号" in care.departments_source


@pytest.mark.parametrize(
    ("prefix", "heading", "said"),
    [
        ("", "可以得到什么", "下面是规划写的内容"),
        ("/en", "What you can get", "Below is what the plan says"),
    ],
)
def test_what_you_can_get_is_introduced_as_the_plans_words(
    app, public_crawl, prefix, heading, said
):
    """Benefits are the plan's words, many of them its aims: the page says so before them
    and whom to ask what can be had now."""
    for service in services(app):
        main = public_crawl.doc(f"{prefix}/services/{service.slug}").find("main")
        first = section(main, heading)[0]
        assert first.tag == "p" and said in first.text, (prefix, service.slug)
        assert ("ask the District" if prefix else "请问区") in first.text, (prefix, service.slug)


def test_the_loader_refuses_a_service_without_a_departments_source(empty_app, content_copy):
    path = content_copy / "services" / f"{CARE_ALLOWANCE}.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("departments_source:")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")

    with empty_app.app_context(), pytest.raises(ContentError) as raised:
        load(content_copy)
    assert CARE_ALLOWANCE in str(raised.value)
    assert "departments_source" in str(raised.value)


@pytest.mark.parametrize(
    "record, refused",
    [
        ({"lead": ["civil-affairs-bureau"]}, True),
        ({"lead": ["civil-affairs-bureau"], "departments_source": "  "}, True),
        ({"participants": [], "departments_source": "国发〔2015〕52号"}, False),
        ({}, False),  # the editor's and the spreadsheet's records name no departments
    ],
    ids=["no-source", "blank-source", "with-source", "no-departments"],
)
def test_the_departments_source_rule(i18n_app, record, refused):
    with i18n_app.test_request_context():
        problems = SERVICES.rules(record)
    assert [p.field for p in problems] == (["departments_source"] if refused else [])


# --- 去哪里办 --------------------------------------------------------------------------------


def sample_places(app) -> set[str]:
    """The links of every sample place in the database."""
    with app.app_context():
        slugs = db.session.scalars(select(Facility.slug).where(Facility.sample.is_(True)))
        return {f"/facilities/{slug}" for slug in slugs}


def test_where_to_go_never_links_a_sample_place_even_with_the_demo_pack(app, public_crawl):
    samples = sample_places(app)
    assert samples, "the tests' database has the demo pack's places"
    for service in services(app):
        main = public_crawl.doc(f"/services/{service.slug}").find("main")
        where = section(main, "去哪里办")
        links = {href for element in where for href in element.hrefs}
        assert not links & samples, service.slug
        assert not any(href.startswith("/facilities/") for href in links), service.slug
        assert "示例数据" not in " ".join(element.text for element in where), service.slug


def test_without_a_real_place_it_names_the_departments_and_how_to_reach_them_once(app, client):
    service = next(s for s in services(app) if s.slug == CARE_ALLOWANCE)
    main = parse(client.get(f"/services/{service.slug}").data).find("main")
    where = section(main, "去哪里办")
    text = " ".join(element.text for element in where)
    links = {href for element in where for href in element.hrefs}
    assert "区里还没有公布办理这项服务的地点" in text
    assert {"/departments/civil-affairs-bureau", "/departments/disabled-persons-federation"} <= (
        links
    )
    # 12345 is listed once, under 找人咨询, and 去哪里办 points back to it.
    ask = {href for element in section(main, "找人咨询") for href in element.hrefs}
    assert {"tel:12345", "/contacts/hotline-12345"} <= ask
    assert "tel:12345" not in links and "找人咨询" in text
    assert len(main.find_all("a", href="tel:12345")) == 1


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_service_page_offers_a_way_to_ask_without_a_phone_call(app, public_crawl, prefix):
    """Deaf residents met only phone numbers under 找人咨询, told four times to ask."""
    for service in services(app):
        main = public_crawl.doc(f"{prefix}/services/{service.slug}").find("main")
        ask = {href for element in section(main, "Get help and advice" if prefix else "找人咨询")
               for href in element.hrefs}  # fmt: skip
        assert f"{prefix}/feedback/ask" in ask, service.slug


def test_a_real_place_is_listed_instead(loaded_app):
    with loaded_app.app_context():
        place = db.session.scalar(
            select(Facility).where(Facility.sample.is_(True), Facility.services.any())
        )
        service = place.services[0].slug
        place.sample = False
        db.session.commit()
        slug = place.slug
    main = parse(loaded_app.test_client().get(f"/services/{service}").data).find("main")
    where = section(main, "去哪里办")
    links = {href for element in where for href in element.hrefs}
    assert f"/facilities/{slug}" in links
    assert "区里还没有公布办理这项服务的地点" not in " ".join(element.text for element in where)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_plan_s_years_are_said_where_a_resident_starts(client, prefix):
    """The plan's targets were "by 2025": a resident reading it later is told what that
    means for them now."""
    said = (
        ["2021 to 2025", "ask the department"] if prefix else ["2021年到2025年", "请问负责的部门"]
    )
    for path in ("/", "/services/", "/plan/"):
        text = parse(client.get(prefix + path).data).find("main").text
        assert all(words in text for words in said), path


def test_related_services_are_the_published_ones_in_the_services_order(loaded_app):
    # assistive-devices names precise-rehabilitation, home-accessibility-adaptation and
    # child-rehabilitation-aid as related; one is withdrawn.
    with loaded_app.app_context():
        withdrawn = db.session.scalar(
            select(Service).where(Service.slug == "home-accessibility-adaptation")
        )
        withdrawn.status = WITHDRAWN
        db.session.commit()
        listed = db.session.scalars(
            select(Service.slug)
            .join(Service.category)
            .where(Service.slug.in_(["precise-rehabilitation", "child-rehabilitation-aid"]))
            .order_by(Category.position, Service.position)
        ).all()
    main = parse(loaded_app.test_client().get("/services/assistive-devices").data).find("main")
    related = section(main, "相关服务")
    hrefs = [href for element in related for href in element.hrefs if "/services/" in href]
    assert hrefs == [f"/services/{slug}" for slug in listed]
