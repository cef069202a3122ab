"""The back office's indicator form refuses a latest value or a statistics date residents
could not take for the official figure, and lists every problem of a submit at once; the
update form names its topics and townships in the page's language."""

from datetime import datetime
from pathlib import Path

import pytest
from barrierfree import opening_hours
from barrierfree.database import db
from barrierfree.facilities.models import Township
from barrierfree.plan.models import Indicator
from barrierfree.services.models import Category
from conftest import CJK, parse, text_outside_lang
from sqlalchemy import select
from staff_helpers import answered, copied_app, form_fields, prepared_database, signed_in

PUBLISHER = "li-publisher"
TODAY = datetime(2026, 12, 6, 10, 0)  # the site's clock in these tests, Chiping time
CURRENT = {
    "current_value": "86.5",
    "current_date": "2026-06-30",
    "current_source": "区残联 2026 年上半年统计报表",
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content/ loaded and a publisher's account, made once."""
    return prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})


@pytest.fixture
def site(prepared, tmp_path, monkeypatch):
    """An app of its own, its clock at TODAY."""
    monkeypatch.setattr(opening_hours, "local_now", lambda: TODAY)
    return copied_app(prepared, tmp_path)


@pytest.fixture
def publisher(site):
    """A client signed in with the publisher role."""
    return signed_in(site, PUBLISHER)


def indicator_url(site, number: int) -> str:
    """The edit form of one of the 11 main indicators."""
    with site.app_context():
        indicator = db.session.scalar(select(Indicator).where(Indicator.number == number))
        return f"/staff/indicators/{indicator.id}"


def saved(site, number: int) -> tuple:
    """An indicator's latest value and date as stored."""
    with site.app_context():
        row = db.session.scalar(select(Indicator).where(Indicator.number == number))
        return row.current_value, row.current_date


def submit(client, url: str, **values):
    """Load the edit form at `url`, change some fields, and save it."""
    fields = form_fields(client.get(url).data, "edit-form")
    changed = {**fields, **{name: [value] for name, value in values.items()}, "action": ["save"]}
    return answered(client, client.post(url, data=changed))


def summary(response) -> dict[str, str]:
    """The error summary's links: href → text."""
    block = parse(response.data).find(class_="error-summary")
    return {a.get("href"): a.text for a in block.find_all("a")} if block else {}


# 1 is a rate ("%"), 10 a count of households.
@pytest.mark.parametrize(
    ("number", "changes", "field", "said"),
    [
        (1, {"current_value": "250"}, "current_value", "0 到 100 之间"),
        (10, {"current_value": "-3"}, "current_value", "不能是负数"),
        (10, {"current_value": "99999999999999999999999999"}, "current_value", "数字太长了"),
        (1, {"current_date": "2030-12-31"}, "current_date", "还没有到"),
        (1, {"current_date": "9999-12-31"}, "current_date", "还没有到"),
        (1, {"current_date": "0001-01-01"}, "current_date", "太早了"),
    ],
    ids=["rate-250", "negative", "long", "2030", "9999", "year-1"],
)
def test_a_value_residents_could_not_believe_is_refused_beside_its_field(
    site, publisher, number, changes, field, said
):
    response = submit(publisher, indicator_url(site, number), **{**CURRENT, **changes})
    assert response.status_code == 400
    assert said in summary(response)[f"#field-{field}"]
    assert saved(site, number) == (None, None)


def test_a_count_above_100_is_published(site, publisher):
    response = submit(publisher, indicator_url(site, 10), **{**CURRENT, "current_value": "250"})
    assert response.status_code == 303
    assert saved(site, 10)[0] == "250"


def test_the_source_staff_name_in_chinese_is_marked_chinese_on_the_english_pages(site, publisher):
    """The figure's source is staff's own words, in Chinese: a screen reader read it with
    the English voice."""
    assert submit(publisher, indicator_url(site, 10), **CURRENT).status_code == 303
    for path in ("/en/plan/indicators", "/en/plan/sections/development-goals"):
        source = parse(site.test_client().get(path).data).find(class_="table__source")
        assert "上半年统计报表" in source.text and "30 June 2026" in source.text, path
        assert not CJK.search(text_outside_lang(source)), path


def test_one_submit_lists_every_problem(site, publisher):
    response = submit(
        publisher,
        indicator_url(site, 1),
        current_value="abc",
        current_date="x",
        current_source="",
    )
    assert response.status_code == 400
    links = summary(response)
    assert set(links) == {"#field-current_value", "#field-current_date", "#field-current_source"}
    assert "单位不用写" in links["#field-current_value"]


def test_the_english_form_says_so_in_english(site, publisher):
    url = "/en" + indicator_url(site, 1)
    response = submit(publisher, url, **{**CURRENT, "current_value": "250"})
    assert response.status_code == 400
    message = summary(response)["#field-current_value"]
    assert "between 0 and 100" in message and not CJK.search(message)


def checkbox_labels(client, url: str, name: str) -> dict[str, tuple[str, str | None]]:
    """A form's checkboxes called `name`: value → (label, the label's lang)."""
    doc = parse(client.get(url).data)
    found = {}
    for box in doc.find_all("input", name=name):
        label = doc.find("label", for_=box["id"])
        found[box["value"]] = (label.text.strip(), label.get("lang"))
    return found


@pytest.mark.parametrize(("name", "model"), [("topics", Category), ("townships", Township)])
def test_the_english_update_form_names_its_lists_in_english(site, publisher, name, model):
    """As the public English pages do: a Chinese name on an English page only for a row
    with no English one, marked as Chinese."""
    with site.app_context():
        rows = list(db.session.scalars(select(model).order_by(model.position)))
    english = checkbox_labels(publisher, "/en/staff/updates/new", name)
    chinese = checkbox_labels(publisher, "/staff/updates/new", name)
    assert rows and all(row.name_en for row in rows)
    assert english == {row.slug: (row.name_en, None) for row in rows}
    assert chinese == {row.slug: (row.name, None) for row in rows}


def test_a_topic_with_no_english_name_is_marked_chinese(site, publisher):
    with site.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "rehabilitation"))
        category.name_en = None
        db.session.commit()
    english = checkbox_labels(publisher, "/en/staff/updates/new", "topics")
    assert english["rehabilitation"] == ("康复与辅助器具", "zh-CN")
    assert english["social-security"] == ("Allowances and social security", None)


def select_labels(client, url: str, name: str) -> dict[str, tuple[str, str | None]]:
    """A form's drop-down called `name`: value → (label, the label's lang), "" left out."""
    options = parse(client.get(url).data).find("select", id=f"field-{name}").find_all("option")
    return {o["value"]: (o.text.strip(), o.get("lang")) for o in options if o["value"]}


@pytest.mark.parametrize(
    ("url", "name", "model"),
    [
        ("/staff/facilities/new", "township", Township),
        ("/staff/services/new", "category", Category),
    ],
)
def test_an_english_drop_down_names_its_rows_in_english(site, publisher, url, name, model):
    """A place's township and a service's category were Chinese on the English forms."""
    with site.app_context():
        rows = list(db.session.scalars(select(model).order_by(model.position)))
    assert rows and all(row.name_en for row in rows)
    assert select_labels(publisher, "/en" + url, name) == {
        row.slug: (row.name_en, None) for row in rows
    }
    assert select_labels(publisher, url, name) == {row.slug: (row.name, None) for row in rows}
