"""The component macros render the accessible markup their header comments promise."""

import pytest
from conftest import parse


@pytest.fixture
def render(app):
    """Render `macro` from components/<name>.html with one params dict, parsed."""

    def render(name: str, macro: str, params: dict):
        source = f'{{% from "components/{name}.html" import {macro} %}}{{{{ {macro}(params) }}}}'
        with app.test_request_context():
            return parse(app.jinja_env.from_string(source).render(params=params))

    return render


NAME_FIELD = {"id": "name", "name": "name", "label": "姓名"}


def test_input_has_a_label_for_the_field(render):
    doc = render("input", "input", NAME_FIELD)
    assert doc.find("label").get("for") == "name"
    assert doc.find("label").text == "姓名"
    assert doc.find("input").get("type") == "text"


def test_input_without_hint_or_error_is_not_described_or_invalid(render):
    field = render("input", "input", NAME_FIELD).find("input")
    assert "aria-describedby" not in field.attrs
    assert "aria-invalid" not in field.attrs


def test_input_with_error_chains_hint_then_error_into_describedby(render):
    doc = render(
        "input",
        "input",
        {**NAME_FIELD, "hint": "和身份证上的一样", "errorMessage": "请填写姓名", "value": "张"},
    )
    field = doc.find("input")

    assert field.get("aria-describedby") == "name-hint name-error"
    assert field.get("aria-invalid") == "true"
    assert field.get("value") == "张"
    assert doc.find(id="name-hint").text == "和身份证上的一样"
    assert doc.find(id="name-error").text == "错误：请填写姓名"
    assert doc.find(id="name-error").find(class_="visually-hidden").text == "错误："


def test_input_value_is_escaped(render):
    typed = '张三"><script>alert(1)</script>'
    doc = render("input", "input", {**NAME_FIELD, "value": typed})
    assert doc.find("input").get("value") == typed
    assert doc.find("script") is None


def test_input_passes_autocomplete_and_extra_attributes(render):
    field = render(
        "input",
        "input",
        {**NAME_FIELD, "autocomplete": "name", "attributes": {"data-hx-get": "/search"}},
    ).find("input")
    assert field.get("autocomplete") == "name"
    assert field.get("data-hx-get") == "/search"


ERRORS = [{"text": "请填写姓名", "href": "#name"}, {"text": "请填写电话", "href": "#phone"}]


def test_error_summary_is_an_alert_linking_to_each_field(render):
    summary = render("error_summary", "error_summary", {"errors": ERRORS}).find(role="alert")
    assert summary is not None
    assert summary.get("tabindex") == "-1"
    assert summary.find("h2").text == "出现问题"
    assert [(a.get("href"), a.text) for a in summary.find_all("a")] == [
        ("#name", "请填写姓名"),
        ("#phone", "请填写电话"),
    ]


def test_error_summary_without_errors_renders_nothing(render):
    assert render("error_summary", "error_summary", {"errors": []}).find() is None


def test_table_has_caption_and_scoped_header_cells(render):
    table = render(
        "table",
        "table",
        {
            "caption": "主要指标",
            "head": [{"text": "指标"}, {"text": "目标"}],
            "rows": [
                [{"text": "康复服务覆盖率", "header": True}, {"text": ">95"}],
                [{"text": "辅助器具适配率", "header": True, "lang": "zh-CN"}, {"text": ">90"}],
            ],
        },
    ).find("table")

    assert table.find("caption").text == "主要指标"
    assert [th.text for th in table.find_all("th", scope="col")] == ["指标", "目标"]
    assert [th.text for th in table.find_all("th", scope="row")] == [
        "康复服务覆盖率",
        "辅助器具适配率",
    ]
    assert [td.text for td in table.find_all("td")] == [">95", ">90"]
    assert table.find("th", scope="row", lang="zh-CN").text == "辅助器具适配率"


def test_breadcrumbs_are_a_labelled_nav_of_links(render):
    nav = render(
        "breadcrumbs",
        "breadcrumbs",
        {"items": [{"text": "首页", "href": "/"}, {"text": "服务", "href": "/services/"}]},
    ).find("nav")

    assert nav.get("aria-label")
    assert [(a.get("href"), a.text) for a in nav.find("ol").find_all("a")] == [
        ("/", "首页"),
        ("/services/", "服务"),
    ]
