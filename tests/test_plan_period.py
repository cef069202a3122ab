"""The plan covered 2021 to 2025, and 2025 is past: every page that presents the plan or a
service says so (components/plan_period.html), and the indicators page says that the
target year has passed and that the figures of the end of the period appear once the
federation publishes them, quoting the plan's own words on the final evaluation."""

import re

import pytest
from conftest import parse

NOTICE = {"": "这份规划讲的是2021年到2025年", "/en": "This plan covers what is to be done"}
# Every page of the plan, the services' list and each service, and the home page (a
# department's page names the plan's tasks, but presents the department; a category's
# page lists services, each of which says it).
PRESENTING = re.compile(r"^(?:/en)?/(?:plan/.*|services/(?!categories/).*|)$")
MONITORING = "/plan/sections/monitoring"


@pytest.fixture(scope="module")
def presenting(site_pages) -> list[str]:
    """The sitemap's pages that present the plan or a service, both languages."""
    paths = [path for path in site_pages if PRESENTING.match(path)]
    assert any("/plan/measures/" in path for path in paths)
    return paths


def test_every_page_of_the_plan_and_the_services_says_its_period_has_ended(site_pages, presenting):
    for path in presenting:
        prefix = "/en" if path.startswith("/en/") or path == "/en" else ""
        main = site_pages[path].doc.find("main")
        assert main.text.count(NOTICE[prefix]) == 1, path


@pytest.mark.parametrize(
    "path", ["/plan/indicators", "/plan/projects", "/plan/measures/", "/services/"]
)
def test_the_pages_the_notice_was_missing_from_have_it(client, path):
    assert NOTICE[""] in parse(client.get(path).data).find("main").text


def quoted(text: str) -> list[str]:
    """The words `text` quotes (“…”), inner quotes apart."""
    return re.findall(r"“([^“”]+)”", text)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_indicators_page_says_2025_has_passed_in_the_plan_s_own_words(client, prefix):
    main = parse(client.get(prefix + "/plan/indicators").data).find("main")
    said = main.find(id="target-year").text
    assert ("2025年已经过去" if not prefix else "2025, has passed") in said
    assert ("区残联公布以后" if not prefix else "once the District Disabled Persons") in said
    # What it quotes is what the plan's 保障措施 (四) says, word for word.
    plan = parse(client.get(prefix + MONITORING).data).find("main").text
    words = [w for w in quoted(said) if w not in ("十四五",)]
    assert len(words) == 2
    for phrase in words:
        assert phrase in plan, phrase
    assert prefix + MONITORING in main.hrefs
