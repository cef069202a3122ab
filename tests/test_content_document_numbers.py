"""A national document's number stays as printed on the English site (国发〔2015〕52号), as
the plan's pages and the eligibility check give it, never in pinyin (Guofa [2015] No. 52),
and the English page marks it lang="zh-CN", in Markdown and one-line fields alike."""

import re

import pytest
from babel.messages.pofile import read_po
from barrierfree import PROJECT_ROOT
from barrierfree.content.files import read_yaml
from conftest import CJK, parse, text_outside_lang

CONTENT = PROJECT_ROOT / "content"
# 国发〔2015〕52号, 国办发〔2020〕53号, 国务院令第649号: a number as a Chinese text prints it.
NUMBER = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号|国务院令第\d+号")
# What an English text once wrote for one: Guofa [2015] No. 52, Liao Chi Zheng Fa [2022]
# No. 14, State Council Decree No. 649.
RETELLING = re.compile(r"\b[A-Z][a-z]+ ?[Ff]a \[\d{4}\]|\bDecree (?:No\. )?\d")


def twins(node):
    """Every (Chinese, English) pair of fields `x` and `x_en` in a tree of content."""
    if isinstance(node, list):
        for child in node:
            yield from twins(child)
    elif isinstance(node, dict):
        for key, value in node.items():
            english = node.get(f"{key}_en")
            if isinstance(value, str) and isinstance(english, str):
                yield value, english
            yield from twins(value)


PAIRS = [
    (path.relative_to(CONTENT).as_posix(), chinese, english)
    for path in sorted(CONTENT.rglob("*.yaml"))
    for chinese, english in twins(read_yaml(path))
]


@pytest.mark.no_database
def test_the_content_cites_documents_by_number():
    assert sum(1 for _name, chinese, _english in PAIRS if NUMBER.search(chinese)) >= 10


@pytest.mark.no_database
def test_every_english_text_gives_its_chinese_twin_s_document_numbers_as_printed():
    wrong = [
        (name, number)
        for name, chinese, english in PAIRS
        for number in NUMBER.findall(chinese)
        if number not in english
    ]
    assert wrong == []


@pytest.mark.no_database
def test_no_english_text_spells_a_document_number_in_pinyin():
    assert [(name, e[:80]) for name, _c, e in PAIRS if RETELLING.search(e)] == []


@pytest.mark.no_database
def test_no_english_interface_text_spells_a_document_number_in_pinyin():
    """The interface's English is bound by the same rule (the footer once wrote the plan's
    number as "Liao Chi Zheng Fa [2022] No. 14")."""
    with (PROJECT_ROOT / "site/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    strings = [
        text
        for message in catalog
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    assert [text[:80] for text in strings if RETELLING.search(" ".join(text.split()))] == []


@pytest.mark.parametrize(
    ("path", "number"),
    [
        ("/en/services/living-allowance", "国发〔2015〕52号"),  # eligibility and 负责部门
        ("/en/services/severe-disability-care-allowance", "国发〔2015〕52号"),
        ("/en/services/child-rehabilitation-aid", "国发〔2018〕20号"),
        ("/en/services/medical-and-temporary-assistance", "国办发〔2021〕42号"),
        ("/en/services/subsistence-allowance", "国务院令第649号"),
        ("/en/contacts/hotline-12345", "国办发〔2020〕53号"),
    ],
)
def test_the_english_page_gives_the_number_as_printed_and_marks_it_chinese(client, path, number):
    main = parse(client.get(path).data).find("main")
    assert number in main.text
    outside = text_outside_lang(main)
    assert [outside[max(0, m.start() - 60) : m.end() + 20] for m in CJK.finditer(outside)] == []


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_page_s_footer_gives_the_plan_s_number_as_printed(client, prefix):
    footer = parse(client.get(prefix + "/").data).find("footer")
    assert "聊茌政发〔2022〕14号" in footer.text
    if prefix:
        marked = [span.text for span in footer.find_all("span", lang="zh-CN")]
        assert "聊茌政发〔2022〕14号" in marked
        assert CJK.search(text_outside_lang(footer)) is None
