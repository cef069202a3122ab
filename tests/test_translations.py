"""The English interface is complete: every message translated, no Chinese left in the chrome."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import CJK, is_english, parse, text_outside_lang

PROJECT = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT / "site" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


@pytest.fixture(scope="module")
def catalogue():
    """The English catalogue, without its header entry."""
    with CATALOGUE.open("rb") as file:
        return [message for message in read_po(file) if message.id]


def strings(message) -> list[str]:
    """A message's translations (one, or one per plural form)."""
    return list(message.string) if message.pluralizable else [message.string]


def ids(message) -> list[str]:
    """A message's source text (one, or singular and plural)."""
    return list(message.id) if message.pluralizable else [message.id]


def source_messages() -> set[str]:
    """Every message marked for translation in code and templates, as `make messages` finds them."""
    with (PROJECT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, *_rest in extract_from_dir(
            PROJECT, method_map, options_map, keywords=keywords
        )
    }


@pytest.mark.no_database
def test_every_message_is_translated(catalogue):
    assert [m.id for m in catalogue if not all(s.strip() for s in strings(m))] == []


@pytest.mark.no_database
def test_no_translation_is_fuzzy(catalogue):
    assert [m.id for m in catalogue if m.fuzzy] == []


@pytest.mark.no_database
def test_translations_keep_the_placeholders(catalogue):
    broken = [
        (m.id, s)
        for m in catalogue
        for s in strings(m)
        if s and sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(ids(m)[0]))
    ]
    assert broken == []


@pytest.mark.no_database
def test_translations_contain_no_chinese(catalogue):
    assert [(m.id, s) for m in catalogue for s in strings(m) if CJK.search(s)] == []


@pytest.mark.no_database
def test_catalogue_covers_every_message_in_the_code(catalogue):
    assert source_messages() - {ids(m)[0] for m in catalogue} == set()


ENGLISH_PAGES = [
    "/en/",
    "/en/services/living-allowance",
    "/en/plan/measures/1-1",
    "/en/departments/disabled-persons-federation",
    "/en/sitemap",
    "/en/no-such-page",
]


@pytest.mark.parametrize("path", ENGLISH_PAGES)
def test_english_header_and_footer_have_no_chinese_outside_lang_zh(client, path):
    doc = parse(client.get(path).data)
    for landmark in (doc.find("header"), doc.find("footer")):
        chinese = CJK.findall(text_outside_lang(landmark))
        labels = [
            e.get("aria-label") for e in landmark.iter() if CJK.search(e.get("aria-label") or "")
        ]
        assert (chinese, labels) == ([], []), landmark.tag


# Pages the sitemap does not list, with answers on them.
ENGLISH_ANSWERS = [
    "/en/search?q=rehabilitation",
    "/en/facilities/?township=zhenxing",
    "/en/contacts/?need=deaf",
    "/en/plan/sections/public-services",
]


def test_no_english_page_shows_chinese_it_does_not_mark_as_chinese(client, site_pages):
    """Every English page: a title in English, and any Chinese (the plan's text, names)
    inside an element marked lang="zh-CN", so screen readers switch voice for it. And none
    says part of it is untranslated: the plan and every service are in English in full, as
    the about page tells English readers."""
    paths = [path for path in site_pages if is_english(path)] + ENGLISH_ANSWERS
    unmarked, untranslated = {}, []
    for path in paths:
        crawled = site_pages.get(path)
        page = crawled.html if crawled else client.get(path).get_data(as_text=True)
        if "has not been translated into English yet" in page:
            untranslated.append(path)
        doc = crawled.doc if crawled else parse(page)
        body = doc.find("body")
        found = CJK.findall(doc.find("title").text) + CJK.findall(text_outside_lang(body))
        found += [e.get("aria-label") for e in body.iter() if CJK.search(e.get("aria-label") or "")]
        if found:
            unmarked[path] = "".join(found)[:80]
    assert len(paths) > 150
    assert (unmarked, untranslated) == ({}, [])
