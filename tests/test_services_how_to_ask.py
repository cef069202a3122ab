"""Service pages that once sent residents to ask without saying how, or said more than a
source: how they read now, in both languages."""

import pytest
from conftest import parse


def how_to_apply(client, path: str):
    """The elements of a service page's 怎样申请 section, up to the next h2."""
    main = parse(client.get(path).data).find("main")
    heading = next(h2 for h2 in main.find_all("h2") if h2.text in ("怎样申请", "How to apply"))
    found = []
    for element in heading.find_next_siblings():
        if element.tag == "h2":
            break
        found.append(element)
    return found


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_certificate_page_links_the_written_question_and_gives_12345(client, prefix):
    section = how_to_apply(client, prefix + "/services/disability-certificate")
    hrefs = [href for element in section for href in element.hrefs]
    assert prefix + "/feedback/ask" in hrefs
    assert any("12345" in element.text for element in section)


def test_the_child_rehabilitation_page_says_where_guofa_2018_20_has_it_applied_for(client):
    text = " ".join(e.text for e in how_to_apply(client, "/services/child-rehabilitation-aid"))
    assert "国发〔2018〕20号" in text
    assert "县级残联组织提出申请，在茌平区是区残联" in text


@pytest.mark.parametrize("slug", ["living-allowance", "severe-disability-care-allowance"])
def test_the_allowances_say_whom_to_ask_where_to_apply(client, slug):
    text = " ".join(e.text for e in how_to_apply(client, f"/services/{slug}"))
    assert "规划没有写在哪里递交申请" in text and "请先问区民政局" in text
