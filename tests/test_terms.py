"""The plan's terms keep one English translation (content/terms.yaml) wherever the English
plan and boxes translate them, and no English text of the site uses the wording a term was
once given and lost (its `not`)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from barrierfree.content.files import read_yaml

pytestmark = pytest.mark.no_database

PROJECT = Path(__file__).resolve().parent.parent
CONTENT = PROJECT / "content"
CATALOGUE = PROJECT / "site" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The Chinese fields of plan.yaml and boxes.yaml that have an English twin `<field>_en`.
FIELDS = ("title", "body", "name", "unit", "preamble", "issued")


def read(name: str):
    """A content file as data."""
    return read_yaml(CONTENT / name)


TERMS = read("terms.yaml")["terms"]


def translations(node, where: str = "") -> Iterator[tuple[str, str, str]]:
    """Every (place, Chinese, English) pair in a tree of content, where both are given."""
    if isinstance(node, list):
        for index, child in enumerate(node):
            yield from translations(child, f"{where}[{index}]")
    elif isinstance(node, dict):
        for field in FIELDS:
            if node.get(field) and node.get(f"{field}_en"):
                yield f"{where}.{field}", node[field], node[f"{field}_en"]
        for key, child in node.items():
            if isinstance(child, list | dict):
                yield from translations(child, f"{where}.{key}")


PAIRS = [
    (f"{name}{where}", chinese, english)
    for name in ("plan.yaml", "boxes.yaml")
    for where, chinese, english in translations(read(name))
]


def test_each_term_is_listed_once_with_an_english_translation():
    chinese = [term["zh"] for term in TERMS]
    assert len(chinese) == len(set(chinese))
    assert all(term["en"].strip() for term in TERMS)
    assert {key for term in TERMS for key in term} <= {"zh", "en", "also", "note", "not"}


def test_the_plan_and_boxes_have_english_to_check():
    assert len(PAIRS) > 150


@pytest.mark.parametrize("term", TERMS, ids=[term["zh"] for term in TERMS])
def test_the_english_plan_uses_the_listed_translation_of_each_term(term):
    accepted = [term["en"], *term.get("also", [])]
    missing = [
        where
        for where, chinese, english in PAIRS
        if term["zh"] in chinese and not any(a.lower() in english.lower() for a in accepted)
    ]
    assert missing == [], f"{term['zh']} is not translated {' or '.join(accepted)}"


def english_fields(node, where: str = "") -> Iterator[tuple[str, str]]:
    """Every (place, text) of a `*_en` field in a tree of content."""
    if isinstance(node, list):
        for index, child in enumerate(node):
            yield from english_fields(child, f"{where}[{index}]")
    elif isinstance(node, dict):
        for key, child in node.items():
            if key.endswith("_en") and isinstance(child, str):
                yield f"{where}.{key}", child
            yield from english_fields(child, f"{where}.{key}")


def english_texts() -> Iterator[tuple[str, str]]:
    """Every English text of the site: content fields and pages, and the interface's."""
    for path in sorted(CONTENT.rglob("*.yaml")):
        if path.name != "terms.yaml":
            name = str(path.relative_to(CONTENT))
            for where, text in english_fields(read(name)):
                yield f"{name}{where}", text
    for path in sorted((CONTENT / "pages").glob("*.en.md")):
        yield f"pages/{path.name}", path.read_text(encoding="utf-8")
    with CATALOGUE.open("rb") as file:
        for message in read_po(file):
            translations = message.string if message.pluralizable else [message.string]
            for text in translations:
                yield f"messages.po {message.id!r}", text


ENGLISH = list(english_texts())
RETIRED = [term for term in TERMS if term.get("not")]


def test_the_whole_english_site_is_checked():
    files = {where.split(" ")[0].split(".yaml")[0] for where, _text in ENGLISH}
    assert {"services/child-rehabilitation-aid", "townships", "demo/contacts"} <= files
    assert {"pages/about.en.md", "messages.po"} <= files


@pytest.mark.parametrize("term", RETIRED, ids=[term["zh"] for term in RETIRED])
def test_no_english_text_uses_a_retired_translation_of_a_term(term):
    found = [
        (where, wording)
        for where, text in ENGLISH
        for wording in term["not"]
        if wording.lower() in text.lower()
    ]
    assert found == [], f"{term['zh']} is {term['en']} on this site"
