"""What the content files say, word by word, where a word once said more than its source:
the plan's figures (">85" is 高于85%, never 85%以上, which includes 85), what the plan only
says is to be done (said as the plan's), national documents only where their own words were
checked, and the demo pack's invented verifications (never a real body's name)."""

import re

import pytest
import yaml
from barrierfree import PROJECT_ROOT
from barrierfree.i18n import EN, force_locale
from barrierfree.plan.progress import spoken

pytestmark = pytest.mark.no_database

CONTENT = PROJECT_ROOT / "content"
SERVICES = {
    path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in sorted((CONTENT / "services").glob("*.yaml"))
}
INDICATORS = {
    indicator["number"]: indicator
    for box in yaml.safe_load((CONTENT / "boxes.yaml").read_text(encoding="utf-8"))["boxes"]
    for indicator in box.get("indicators") or ()
}
# The services whose pages give an indicator of 专栏1, by the indicator's number.
INDICATORS_ON_SERVICES = {
    "insurance-contribution-subsidy": (4, 5),
    "precise-rehabilitation": (6,),
    "assistive-devices": (7,),
    "compulsory-education": (8,),
    "vocational-skills-training": (9,),
    "home-accessibility-adaptation": (10,),
}
TEXT_FIELDS = ("summary", "eligibility", "benefits", "amount", "how_to_apply", "easy_read")


def texts(record: dict, english: bool = False) -> str:
    """A service's text fields in one language, one after the other."""
    fields = (f"{name}_en" if english else name for name in TEXT_FIELDS)
    return "\n".join(str(record.get(field) or "") for field in fields)


def test_no_service_says_a_plan_figure_is_reached_at_or_above_it():
    """The plan prints ">85": more than 85. 以上 and "over" would say 85 itself will do."""
    for slug, record in SERVICES.items():
        assert not re.search(r"\d+\s*(?:%|户|人次|人/次)以上", texts(record)), slug
        assert not re.search(r"\b(?:over|more than) \d", texts(record, english=True)), slug


@pytest.mark.parametrize("slug", INDICATORS_ON_SERVICES)
def test_a_service_gives_its_indicators_figures_as_the_indicators_page_does(i18n_app, slug):
    """In the words of plan.progress.spoken, the one rule the indicators' page, its chart
    and the search index use: 高于85%, above 85%."""
    record = SERVICES[slug]
    for number in INDICATORS_ON_SERVICES[slug]:
        indicator = INDICATORS[number]
        figures = [f for f in (indicator["value_2020"], indicator["target_2025"]) if f]
        with i18n_app.test_request_context("/"):
            zh = [spoken(figure, indicator["unit"]) for figure in figures]
            with force_locale(EN):
                en = [spoken(figure, indicator["unit_en"]) for figure in figures]
        for words in zh:
            assert words in record["benefits"], (slug, words)
        for words in en:
            assert words in record["benefits_en"], (slug, words)


@pytest.mark.parametrize(
    ("slug", "hedged", "english"),
    [
        ("culture-at-home", "规划说，要为有重度残疾人的家庭开展“五个一”文化服务", "The plan says"),
        ("legal-aid", "规划说，要培养帮助残疾人的公益律师", "The plan says public-interest"),
        (
            "youth-internship-allowance",
            "规划说，符合条件的残疾青年",
            "young disabled people who qualify",
        ),
        ("blind-cultural-services", "规划说，区公共图书馆要开设盲人阅览室", "is to open"),
    ],
)
def test_easy_read_gives_what_the_plan_only_sets_out_to_do_as_the_plans(slug, hedged, english):
    record = SERVICES[slug]
    assert hedged in record["easy_read"]
    assert english in record["easy_read_en"]


def test_legal_aid_claims_no_lawyers_and_volunteers_that_only_the_plan_names():
    easy = SERVICES["legal-aid"]["easy_read"]
    assert "有公益律师和志愿者帮您" not in easy


def test_the_allowances_say_the_plan_gives_no_place_to_apply_and_whom_to_ask():
    """Where to hand in an application for the two allowances: the plan does not say, and
    no reprint of 国发〔2015〕52号's own words on it could be checked, so the page says
    whom to ask rather than a route."""
    for slug in ("living-allowance", "severe-disability-care-allowance"):
        record = SERVICES[slug]
        assert "规划没有写在哪里递交申请" in record["how_to_apply"]
        assert "请先问区民政局" in record["how_to_apply"]
        assert "Ask the District Civil Affairs Bureau first" in record["how_to_apply_en"]
        assert "择高" not in texts(record)


def test_child_rehabilitation_cites_guofa_2018_20_for_who_and_where_to_apply():
    record = SERVICES["child-rehabilitation-aid"]
    title = "《国务院关于建立残疾儿童康复救助制度的意见》（国发〔2018〕20号）"
    assert title in record["eligibility"] and title in record["how_to_apply"]
    assert "孤独症儿童" in record["eligibility"]
    assert "有条件的地区，可以扩大救助的年龄范围" in record["eligibility"]
    assert (
        "户籍所在地（居住证发放地）的县级残联组织提出申请，在茌平区是区残联"
        in (record["how_to_apply"])
    )
    assert "(国发〔2018〕20号)" in record["how_to_apply_en"]
    assert "国发〔2018〕20号" in record["departments_source"]


def test_the_minimum_living_allowance_makes_no_claim_it_cannot_cite():
    record = SERVICES["subsistence-allowance"]
    assert "有的地方把审核确认交给了乡镇" not in record["how_to_apply"]
    assert "Some areas have since passed" not in record["how_to_apply_en"]
    assert "国务院令第649号" in record["how_to_apply"]


def test_the_certificate_page_says_how_to_ask_without_a_phone_call():
    record = SERVICES["disability-certificate"]
    assert "[在网上写给区残联](/feedback/ask)" in record["how_to_apply"]
    assert "12345" in record["how_to_apply"]
    assert "(/en/feedback/ask)" in record["how_to_apply_en"]


def test_the_certificate_summary_says_what_the_service_is_in_plain_words():
    """It was the plan's administrative sentence (严格规范……核发管理), which told a resident
    nothing; now what the service is, the plan's 电子证照 and 社保卡, and whom to ask."""
    record = SERVICES["disability-certificate"]
    assert record["summary"].startswith("这项服务是残疾评定和发放残疾人证。")
    assert "严格规范" not in record["summary"]
    for words in ("电子证照", "加载残疾人证的社保卡", "请问区残联"):
        assert words in record["summary"], words
    assert record["summary_en"].startswith("This service is disability assessment")
    assert "ask the District Disabled Persons' Federation" in record["summary_en"]


def test_the_compulsory_education_summary_gives_the_plans_ways_to_school_as_the_plans():
    record = SERVICES["compulsory-education"]
    assert record["summary"].startswith("按照规划，")
    for words in ("一人一案", "普通学校随班就读", "特殊教育学校", "送教上门", "远程教育"):
        assert words in record["summary"], words
    assert record["summary_en"].startswith("Under the plan, ")
    assert "learning in mainstream classes at an ordinary school" in record["summary_en"]


@pytest.mark.parametrize("slug", ["living-allowance", "severe-disability-care-allowance"])
def test_the_allowances_give_the_plans_smart_management_aim_as_an_aim_not_a_step(slug):
    """构建“主动发现、精准发放、动态监管”的智慧管理服务机制 is the plan's aim, not a step
    of applying: it stands under 可以得到什么 (what the plan sets out), not 怎样申请."""
    record = SERVICES[slug]
    aim = "规划提出构建“主动发现、精准发放、动态监管”的智慧管理服务机制。"
    assert aim in record["benefits"] and aim not in record["how_to_apply"]
    assert "smart management" in record["benefits_en"]
    assert "smart management" not in record["how_to_apply_en"]


def demo_verifiers() -> list[tuple[str, str]]:
    """(place, verifier) for every verification the demo pack's places record."""
    places = yaml.safe_load((CONTENT / "demo" / "facilities.yaml").read_text(encoding="utf-8"))
    found = []
    for place in places["facilities"]:
        if place.get("hours_verified_by"):
            found.append((place["slug"], place["hours_verified_by"]))
        for feature in (place.get("accessibility") or {}).values():
            if feature.get("verified_by"):
                found.append((place["slug"], feature["verified_by"]))
    return found


def test_the_demo_pack_claims_no_real_body_verified_its_invented_places():
    verifiers = demo_verifiers()
    assert verifiers
    assert {verifier for _place, verifier in verifiers} == {"示例核实人"}


def test_services_address_residents_as_the_site_does():
    """The easy-read texts said 你 where every page around them says 您."""
    assert [slug for slug, service in SERVICES.items() if "你" in str(service)] == []


# What the site says of its two hotlines, wherever it says it: only 12345 is national (国办发
# 〔2020〕53号); nothing here says where 12385 runs, nor which language either line answers in.
HOTLINE_TEXTS = [
    CONTENT / "contacts.yaml",
    CONTENT / "README.md",
    *sorted((CONTENT / "pages").glob("*.md")),
    PROJECT_ROOT / "README.md",
]
UNSOURCED_ABOUT_HOTLINES = (
    "12345 和 12385 两条全国热线",
    "全国统一的 12345 和 12385",
    "不是每个地方都开通了",
    "如果您那里开通了",
    "the two national lines",
    "national 12345 and 12385",
    "not every area runs it",
    "does not run in every area",
    "if your area offers it",
    "answered in Chinese",
)


@pytest.mark.parametrize("path", HOTLINE_TEXTS, ids=lambda path: path.name)
def test_no_text_claims_of_the_hotlines_what_no_source_says(path):
    text = " ".join(path.read_text(encoding="utf-8").split())
    assert [words for words in UNSOURCED_ABOUT_HOTLINES if words in text] == []


def test_the_departments_page_gives_no_renaming_without_its_source():
    """The 2023 renaming it once gave as an example cited no document."""
    template = (PROJECT_ROOT / "site" / "templates" / "plan" / "departments.html").read_text(
        encoding="utf-8"
    )
    assert "银保监会" not in template or "《党和国家机构改革方案》" in template
