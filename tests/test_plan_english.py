"""The plan in English: every part of it loads with its translation, and every English page
of the plan reads in English, with Chinese left only where it is marked lang="zh-CN"
(the plan's official title and the numbers of the documents it cites)."""

from pathlib import Path

import pytest
from barrierfree.content.files import read_yaml
from barrierfree.database import db
from barrierfree.plan.models import Box, Indicator, Measure, PlanPart, PlanSection, Project
from conftest import CJK, parse, text_outside_lang

CONTENT = Path(__file__).resolve().parent.parent / "content"
# Each kind, and the fields whose English twin `<field>_en` it must carry.
TRANSLATED = {
    PlanPart: ("title", "body"),
    PlanSection: ("title", "body"),
    Measure: ("title", "body"),
    Box: ("title",),
    Indicator: ("name", "unit"),
    Project: ("title", "body"),
}


@pytest.mark.parametrize("model", TRANSLATED, ids=lambda model: model.__name__)
def test_every_plan_text_loads_with_its_english(app, model):
    with app.app_context():
        missing = [
            (repr(row), name)
            for row in db.session.scalars(db.select(model))
            for name in TRANSLATED[model]
            if getattr(row, name) and not getattr(row, f"{name}_en")
        ]
    assert missing == []


def test_the_english_keeps_the_plan_s_paragraphs_and_lists(app):
    """A translation has as many paragraphs and list items as the Chinese it translates."""

    def shape(text: str) -> list[str]:
        blocks = [block for block in text.strip().split("\n\n") if block]
        return [f"{len(block.splitlines())} {block.lstrip()[:2]}" for block in blocks]

    with app.app_context():
        different = [
            repr(row)
            for model, names in TRANSLATED.items()
            for row in db.session.scalars(db.select(model))
            for name in names
            if name == "body"
            and getattr(row, f"{name}_en")
            and len(shape(getattr(row, name))) != len(shape(getattr(row, f"{name}_en")))
        ]
    assert different == []


def plan_paths() -> list:
    """Every English page of the plan, its departments included, from content/plan.yaml."""
    plan = read_yaml(CONTENT / "plan.yaml")
    sections = [section for part in plan["parts"] for section in part["sections"]]
    areas = [section for section in sections if section.get("measures")]
    return [
        "/en/plan/",
        "/en/plan/measures/",
        "/en/plan/indicators",
        "/en/plan/projects",
        "/en/departments/disabled-persons-federation",
        "/en/departments/civil-affairs-bureau",
        *(f"/en/plan/sections/{section['slug']}" for section in sections),
        *(
            f"/en/plan/measures/{index}-{measure['number']}"
            for index, area in enumerate(areas, start=1)
            for measure in area["measures"]
        ),
    ]


@pytest.mark.parametrize("path", plan_paths())
def test_no_english_plan_page_shows_chinese_outside_marked_names(client, path):
    response = client.get(path)
    assert response.status_code == 200
    doc = parse(response.data)
    main = doc.find("main")
    unmarked = CJK.findall(doc.find("title").text) + CJK.findall(text_outside_lang(main))
    # What is marked Chinese is a name or a document number, never the plan's text (the
    # demo banner, on every page while the demo pack is loaded, says its line in Chinese).
    marked = "".join(
        element.get_text()
        for element in main.find_all(lang="zh-CN")
        if element.find_parent("div", class_="demo-banner") is None
    )
    assert ("".join(unmarked), len(CJK.findall(marked)) <= 60) == ("", True), marked[:80]


def untranslated_notes(doc) -> list:
    """The page's notes that some of it is still in Chinese (other notices, such as the
    plan's period, aside)."""
    return [n for n in doc.select("main .notice") if "not been translated" in n.text]


def test_a_translated_plan_page_has_no_untranslated_notice(client):
    doc = parse(client.get("/en/plan/sections/public-services").data)
    assert untranslated_notes(doc) == []
    assert doc.select_one("main [data-read-aloud]").get("data-lang") == "en"


def test_a_missing_translation_falls_back_to_the_chinese_marked(loaded_app):
    with loaded_app.app_context():
        measure = db.session.scalar(db.select(Measure).where(Measure.slug == "1-1"))
        measure.body_en = None
        db.session.commit()
        chinese = measure.body
    doc = parse(loaded_app.test_client().get("/en/plan/measures/1-1").data)
    body = next(p for p in doc.find("main").find_all("p") if p.get_text() == chinese)
    assert body.get("lang") == "zh-CN"
    assert len(untranslated_notes(doc)) == 1
    assert doc.select_one("main [data-read-aloud]").get("data-lang") == "zh-CN"


def test_the_chinese_site_still_shows_the_plan_in_chinese(client):
    doc = parse(client.get("/plan/measures/1-1").data)
    main = doc.find("main").get_text()
    assert "保持5年过渡期内帮扶政策总体稳定" in main
    assert "transition period" not in main


def test_the_indicators_table_names_box_1_by_its_own_english_title(client):
    """The caption is the interface's, the box's title content's: the two once gave Box 1
    two English names."""
    boxes = read_yaml(CONTENT / "boxes.yaml")["boxes"]
    title = next(box["title_en"] for box in boxes if box["number"] == 1)
    caption = parse(client.get("/en/plan/indicators").data).find("main").find("caption")
    assert caption.text.strip().startswith(f"Box 1. {title}: 2020 figures")
