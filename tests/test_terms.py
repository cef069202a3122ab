"""The plan's terms keep one English translation (content/terms.yaml) wherever the English
plan and boxes translate them."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.no_database

CONTENT = Path(__file__).resolve().parent.parent / "content"
# The Chinese fields of plan.yaml and boxes.yaml that have an English twin `<field>_en`.
FIELDS = ("title", "body", "name", "unit", "preamble", "issued")


def read(name: str):
    """A content file as data."""
    return yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))


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
    assert {key for term in TERMS for key in term} <= {"zh", "en", "also", "note"}


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
