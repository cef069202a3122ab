"""What the content files say, word by word, where a word once said more than its source:
the plan's figures (">85" is 高于85%, never 85%以上, which includes 85), what the plan only
says is to be done (said as the plan's), national documents only where their own words were
checked, and the demo pack's invented verifications (never a real body's name)."""

import re

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.content.files import read_yaml
from barrierfree.i18n import EN, force_locale
from barrierfree.plan.progress import spoken

pytestmark = pytest.mark.no_database

CONTENT = PROJECT_ROOT / "content"
SERVICES = {path.stem: read_yaml(path) for path in sorted((CONTENT / "services").glob("*.yaml"))}
INDICATORS = {
    indicator["number"]: indicator
    for box in read_yaml(CONTENT / "boxes.yaml")["boxes"]
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
        (
            "vocational-skills-training",
            "规划说，要给残疾人开展职业技能培训。",
            "The plan says vocational skills training is to be run",
        ),
        ("public-welfare-jobs", "规划说，政府设的公益性岗位，要优先安排残疾人。", "are to go"),
        ("exam-accommodations", "规划说，残疾学生参加各种考试，要得到合理的方便。", "are to get"),
    ],
)
def test_easy_read_gives_what_the_plan_only_sets_out_to_do_as_the_plans(slug, hedged, english):
    record = SERVICES[slug]
    assert hedged in record["easy_read"]
    assert english in record["easy_read_en"]


# How an easy-read line or a summary promises something to the resident today.
PROMISE = re.compile("会|能|可以|得到|优先|免费")
SUMMARY_PROMISE = re.compile("会|能|可以|得到|优先|免费|提供|给予")
# Words that hold one of those characters and promise nothing.
NOT_PROMISES = re.compile("社会|委会|机会|学会|技能|能力|功能|力所能及|不能")
PROMISE_EN = re.compile(r"\b(?:will|can|get|gets)\b")
# A line that says where to ask promises nothing: "现在有没有，去问区残联".
ASKS = re.compile("(?:去|先|请)问")
# Easy-read lines in the site's own voice, said as today's fact rather than the plan's aim.
# Each was checked (December 2026) against the plan and the documents the service cites and
# rests on a law or national scheme in force, not on one of the plan's measures (which only
# say what is to be done in 2021-2025). Each names that document, as the service page or
# contacts.yaml cites it. A new line goes here only after the same check; any other promise
# is written as the plan's ("规划说，要…", "The plan says … is to …") with whom to ask
# whether it exists now.
STATED_AS_FACT: dict[str, dict[str, str]] = {
    "child-rehabilitation-aid": {
        # 救助对象：0至6岁……残疾儿童和孤独症儿童 (quoted under eligibility).
        "您的孩子6岁以下，有残疾或者孤独症（自闭症），可以申请康复救助。": "国发〔2018〕20号",
    },
    "disability-certificate": {
        # The site's own form (/feedback/ask) and the national 12345 line (contacts.yaml).
        "不方便打电话，可以在本站网上写给区残联，也可以打 12345。": "国办发〔2020〕53号",
    },
    "legal-aid": {
        # 第二条: legal aid is the state's system for people in financial difficulty and
        # others who meet the legal conditions; anyone may apply.
        "您遇到法律上的麻烦，可以申请法律援助。": "《中华人民共和国法律援助法》",
        # 12345, the national government service hotline: 可以反映问题 (contacts.yaml).
        "您的权益受到侵犯，可以打政务服务热线反映。": "国办发〔2020〕53号",
    },
    "living-allowance": {
        # 补贴对象是低保家庭中的残疾人 (quoted under eligibility).
        "您是残疾人，家里有低保，可以申请生活补贴。": "国发〔2015〕52号",
    },
    "medical-and-temporary-assistance": {
        # 社会救助暂行办法, chapter 医疗救助: for those who meet its conditions.
        "您看病花钱多、负担重，符合条件的可以申请医疗救助。": "国务院令第649号",
        # 社会救助暂行办法, chapter 临时救助 (its route to apply is in departments_source).
        "您家突然遇到急事难事，日子过不下去，可以申请临时救助。": "国务院令第649号",
    },
    "severe-disability-care-allowance": {
        # 一级、二级且需要长期照护的重度残疾人 (quoted under eligibility).
        "您的残疾很重（一级、二级），又需要长期有人照顾，可以申请护理补贴。": "国发〔2015〕52号",
    },
    "subsistence-allowance": {
        # 社会救助暂行办法 第九条 (低保); its route to apply is quoted under how_to_apply.
        "您家有残疾人，生活很困难，可以申请低保。": "国务院令第649号",
        # 社会救助暂行办法, chapter 特困人员供养; measure 1-1 names it for the countryside.
        "住在农村的，符合条件也可以申请特困人员救助供养。": "国务院令第649号",
    },
}
# Summaries with a promise that the same check let stand: none. Every summary that
# promised something gives it as the plan's aim (规划) with whom to ask.
SUMMARIES_STATED_AS_FACT: set[str] = set()


def promises(words: re.Pattern, text: str) -> bool:
    return bool(words.search(NOT_PROMISES.sub("", text)))


def easy_read_lines(record: dict, field: str) -> list[str]:
    return [line.strip() for line in (record.get(field) or "").splitlines() if line.strip()]


@pytest.mark.parametrize("slug", SERVICES)
def test_easy_read_promises_only_what_is_the_plans_aim_or_a_checked_fact(slug):
    """Every easy-read line that promises something is marked as the plan's (规划), says
    where to ask, or is listed as a checked fact; its English says no more than the
    Chinese: the plan's aim stays the plan's, and a line that promises nothing in Chinese
    promises nothing in English."""
    record = SERVICES[slug]
    chinese = easy_read_lines(record, "easy_read")
    english = easy_read_lines(record, "easy_read_en")
    assert len(chinese) == len(english), "one English line for each Chinese line"
    facts = STATED_AS_FACT.get(slug, ())
    for zh, en in zip(chinese, english, strict=True):
        if "规划" in zh:
            assert "plan" in en.lower(), en
        elif zh in facts or ASKS.search(zh):
            continue
        else:
            assert not promises(PROMISE, zh), f"said as a fact, not as the plan's: {zh}"
            assert not PROMISE_EN.search(en), f"the English promises more: {en}"


def sentences(text: str) -> list[str]:
    """A Chinese text's sentences and clauses, split where 。 or ； ends one."""
    return [part.strip() for part in re.split("[。；]", text) if part.strip()]


def english_sentences(text: str) -> list[str]:
    """An English text's sentences: "The plan says A; B; and C." is one."""
    return [part.strip() for part in re.split(r"(?<=\.)\s+", text) if part.strip()]


@pytest.mark.parametrize("slug", SERVICES)
def test_a_summary_promises_only_what_is_the_plans_aim_or_a_checked_fact(slug):
    """Each sentence of a summary that promises something marks it as the plan's (规划) in
    that same sentence, or says whom to ask: 规划 later in the text does not make a promise
    before it the plan's. The English does the same, sentence by sentence."""
    record = SERVICES[slug]
    if slug in SUMMARIES_STATED_AS_FACT:
        return
    for sentence in sentences(record["summary"]):
        if "规划" not in sentence and not ASKS.search(sentence):
            assert not promises(SUMMARY_PROMISE, sentence), f"said as a fact: {sentence}"
    for sentence in english_sentences(record["summary_en"]):
        if "plan" not in sentence.lower() and not sentence.startswith("Ask "):
            assert not PROMISE_EN.search(sentence), f"said as a fact: {sentence}"
    if "规划" in record["summary"]:
        assert "plan" in record["summary_en"].lower()


@pytest.mark.parametrize("slug", SERVICES)
def test_a_summary_that_gives_the_plans_aim_says_whom_to_ask(slug):
    """The plan's aims are for 2021-2025: whether one is in force now is for a department
    to say, so the summary names it, in both languages."""
    record = SERVICES[slug]
    if "规划" in record["summary"]:
        assert ASKS.search(record["summary"]), record["summary"]
        assert re.search(r"\bask\b", record["summary_en"], re.IGNORECASE), record["summary_en"]


@pytest.mark.parametrize(
    ("slug", "ask", "ask_en"),
    [
        ("culture-at-home", "请问区残联", "Ask the District Disabled Persons' Federation"),
        ("rehabilitation-fitness", "请问区教育和体育局或区残联", "Ask the District Education"),
        ("employment-assistance", "请问区人力资源和社会保障局", "Ask the District Human"),
        ("youth-internship-allowance", "请问区人力资源和社会保障局", "Ask the District Human"),
    ],
)
def test_a_summary_gives_the_plans_aim_as_the_plans_with_whom_to_ask(slug, ask, ask_en):
    """These summaries said the plan's aims (开展, 培育, 推进…) as what a resident gets today."""
    record = SERVICES[slug]
    assert record["summary"].startswith("规划说，"), record["summary"]
    assert ask in record["summary"]
    assert record["summary_en"].startswith("The plan says"), record["summary_en"]
    assert ask_en in record["summary_en"]


def test_every_checked_fact_rests_on_a_document_the_site_cites():
    """A line said as a fact names the law or national document it rests on, and the
    service page (or, for 12345, the contacts) cites that document, so a reader can check
    it; one of the plan's measures alone is an aim, not a fact."""
    contacts = (CONTENT / "contacts.yaml").read_text(encoding="utf-8")
    for slug, lines in STATED_AS_FACT.items():
        page = (CONTENT / "services" / f"{slug}.yaml").read_text(encoding="utf-8")
        for line, document in lines.items():
            assert document in page or document in contacts, (slug, line, document)


def test_the_facts_listed_as_checked_are_still_on_their_pages():
    """A checked line that is reworded leaves the list, so the list never vouches for
    words no page says."""
    for slug, lines in STATED_AS_FACT.items():
        assert set(lines) <= set(easy_read_lines(SERVICES[slug], "easy_read")), slug
    assert SUMMARIES_STATED_AS_FACT <= set(SERVICES)


def test_the_care_allowance_gives_grades_3_and_4_as_the_plans_aim():
    """Measure 1-3 sets it as an aim for 2021-2025 (逐步将三四级精神、智力残疾人纳入护理
    补贴范围); whether it is in force is for the Civil Affairs Bureau to say."""
    record = SERVICES["severe-disability-care-allowance"]
    assert "规划说，要逐步把需要人照顾的三级、四级智力、精神残疾人也纳入。" in record["easy_read"]
    assert "现在能不能申请，请问区民政局。" in record["easy_read"]
    assert "以后也会慢慢能申请" not in texts(record)
    assert "are gradually to be included" in record["easy_read_en"]
    assert "will gradually be able to apply" not in texts(record, english=True)


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
    places = read_yaml(CONTENT / "demo" / "facilities.yaml")
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


ELIGIBILITY = read_yaml(CONTENT / "eligibility.yaml")
# A sentence that gives a cited document's words: 国家规定, 《社会救助暂行办法》规定…
CITES_A_DOCUMENT = re.compile("国家规定|《[^》]+》规定")
# Where to ask, as the checker says it: 请问, 也可以问, or this site's own form to write in.
WHERE_TO_ASK = re.compile("(?:去|先|请|可以)问|在本站网上写给")
CITES_A_DOCUMENT_EN = re.compile(
    r"National rules|The State Council's|The Interim Measures|The Compulsory Education Law"
)


def eligibility_texts() -> list[tuple[str, dict, bool]]:
    """(where, text, whether its rule cites a document) for every rule's explain and
    verify and every check's explain."""
    found = []
    for number, rule in enumerate(ELIGIBILITY["rules"]):
        cites = any("document" in source for source in rule["source"])
        for field in ("explain", "verify"):
            if rule.get(field):
                found.append((f"rule {number} ({rule['service']}) {field}", rule[field], cites))
    for check in ELIGIBILITY["checks"]:
        cites = any("document" in source for source in check["source"])
        found.append((f"check {check['id']}", check["explain"], cites))
    return found


@pytest.mark.parametrize(
    ("where", "text", "cites"), eligibility_texts(), ids=lambda value: str(value)[:40]
)
def test_the_eligibility_check_gives_the_plans_aims_as_the_plans(where, text, cites):
    """Each sentence of a rule's or check's words that promises something marks it as the
    plan's (规划) in that same sentence, says whom to ask, or gives the words of a document
    the rule cites; the English likewise, sentence by sentence."""
    for sentence in sentences(text["zh"]):
        if "规划" in sentence or WHERE_TO_ASK.search(sentence):
            continue
        if cites and CITES_A_DOCUMENT.search(sentence):
            continue
        assert not promises(PROMISE, sentence), f"{where}: said as a fact: {sentence}"
    for sentence in english_sentences(text["en"]):
        if "plan" in sentence.lower() or re.search(r"\bask(?:ed)?\b", sentence, re.IGNORECASE):
            continue
        if cites and CITES_A_DOCUMENT_EN.search(sentence):
            continue
        assert not PROMISE_EN.search(sentence), f"{where}: said as a fact: {sentence}"
