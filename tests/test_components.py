"""The component macros render the accessible markup their header comments promise, in every
example of the components page, which draws them all."""

import pytest
from barrierfree.staff.component_examples import COMPONENTS, Example
from barrierfree.staff.models import EDITOR
from conftest import parse
from markupsafe import Markup
from staff_helpers import csrf, make_staff, signed_in


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


def test_radio_buttons_under_headings_are_a_fieldset_each_after_the_plain_ones(render):
    doc = render(
        "checkboxes",
        "checkboxes",
        {
            "type": "radio",
            "name": "place",
            "idPrefix": "place",
            "legend": "场所",
            "items": [
                {"value": "", "text": "不知道", "id": "place"},
                {
                    "legend": "振兴街道",
                    "items": [{"value": "a", "text": "康复中心", "checked": True}],
                },
                {"legend": "Boping Town", "lang": "en", "items": [{"value": "b", "text": "B"}]},
            ],
        },
    )
    question = doc.find("fieldset")
    assert question.find("ul", recursive=False).find("input")["id"] == "place"
    groups = question.find_all("fieldset")
    assert [(g.find("legend").text, g.find("legend").get("lang")) for g in groups] == [
        ("振兴街道", None),
        ("Boping Town", "en"),
    ]
    grouped = groups[0].find("input")
    assert (grouped["type"], grouped["name"], grouped["value"]) == ("radio", "place", "a")
    assert "checked" in grouped.attrs
    assert groups[0].find("label", for_=grouped["id"]).text == "康复中心"


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


# --- Every example of every component (staff/component_examples.py) ---------------------------

EXAMPLES = [
    pytest.param(component.name, example, id=f"{component.name}-{number}")
    for component in COMPONENTS
    for number, example in enumerate(component.examples, 1)
]
FORM_CONTROLS = ("input", "select", "textarea")


@pytest.fixture
def draw(app):
    """Draw one example as the components page does (staff/_component_example.html), on the
    components page's address, parsed."""

    def draw(name: str, example: Example):
        source = (
            '{% from "staff/_component_example.html" import component_example %}'
            "{{ component_example(name, example) }}"
        )
        with app.test_request_context("/staff/components"):
            return parse(app.jinja_env.from_string(source).render(name=name, example=example))

    return draw


def ids_in(doc) -> list[str]:
    """Every id in a tree, in document order."""
    return [element.get("id") for element in doc.iter() if element.get("id")]


@pytest.mark.parametrize("name, example", EXAMPLES)
def test_every_example_keeps_the_promises_of_its_component(draw, name, example):
    doc = draw(name, example)
    ids = ids_in(doc)

    assert doc.find() is not None, "the example draws something"
    assert len(ids) == len(set(ids)), "ids are unique"
    for label in doc.find_all("label"):
        assert label.get("for") in ids, "each label is for a control in the example"
    for control in doc.find_all():
        if control.tag in FORM_CONTROLS and control.get("type") != "hidden":
            assert doc.find("label", for_=control.get("id")), f"{control.get('name')} has a label"
        for described_by in (control.get("aria-describedby") or "").split():
            assert described_by in ids, "each describedby id is in the example"
    for button in doc.find_all("button"):
        assert button.get("type") in ("submit", "button", "reset")
    for form in doc.find_all("form"):
        tokens = [i for i in form.find_all("input") if i.get("name") == "csrf_token"]
        assert len(tokens) == (1 if form.get("method") == "post" else 0)
    for summary in doc.find_all(class_="error-summary"):
        assert summary.get("role") == "alert" and summary.get("tabindex") == "-1"
        assert all(href.startswith("#example-") for href in summary.hrefs)
    # What a person typed is shown as text, never as markup.
    assert doc.find("b") is None and doc.find("i") is None


def test_every_component_has_examples_and_a_template(app):
    templates = set(app.jinja_env.list_templates())
    for component in COMPONENTS:
        assert component.examples, component.name
        assert f"components/{component.name}.html" in templates


# --- The components page ------------------------------------------------------------------------

COMPONENTS_PAGE = "/staff/components"


@pytest.fixture(scope="module")
def staff(app):
    """A client signed in as an editor, the least role that sees the back office."""
    make_staff(app, "components-editor", EDITOR)
    return signed_in(app, "components-editor")


def test_components_page_asks_to_sign_in(app):
    response = app.test_client().get(COMPONENTS_PAGE)
    assert response.status_code == 302
    assert "/staff/sign-in" in response.headers["Location"]


def test_components_page_draws_every_example(staff):
    doc = parse(staff.get(COMPONENTS_PAGE).data)
    main = doc.find("main")
    ids = ids_in(doc)

    assert doc.find("h1").text == "界面组件"
    assert len(main.find_all(class_="component-example")) == sum(
        len(component.examples) for component in COMPONENTS
    )
    assert [h2.get("id") for h2 in main.find_all("h2", id=True)] == [
        f"component-{component.name}" for component in COMPONENTS
    ]
    assert len(ids) == len(set(ids)), "ids are unique on the page"
    for summary in main.find_all(class_="error-summary"):
        assert all(href[1:] in ids for href in summary.hrefs), "each error links to a field"


def test_components_page_is_linked_from_the_dashboard(staff):
    assert COMPONENTS_PAGE in parse(staff.get("/staff/").data).find("main").hrefs


def test_an_example_form_sent_to_the_components_page_changes_nothing(staff):
    token = csrf(staff, COMPONENTS_PAGE)
    response = staff.post(COMPONENTS_PAGE, data={"csrf_token": token, "username": "x"})
    assert response.status_code == 200
    assert parse(response.data).find("h1").text == "界面组件"


# --- Button -------------------------------------------------------------------------------------


def test_button_submits_unless_told_otherwise(render):
    button = render("button", "button", {"text": "保存"}).find("button")
    assert button.get("type") == "submit"
    assert button.classes == ["button"]
    assert "name" not in button.attrs and "value" not in button.attrs


@pytest.mark.parametrize("variant", ["secondary", "warning", "link"])
def test_button_variant_is_a_modifier_class(render, variant):
    button = render("button", "button", {"text": "保存", "variant": variant}).find("button")
    assert button.classes == ["button", f"button--{variant}"]


def test_button_passes_type_name_value_and_attributes(render):
    button = render(
        "button",
        "button",
        {
            "text": "保存",
            "type": "button",
            "name": "action",
            "value": "0",
            "attributes": {"data-hx-post": "/x", "hidden": True, "data-off": None},
        },
    ).find("button")
    assert (button.get("type"), button.get("name"), button.get("value")) == (
        "button",
        "action",
        "0",
    )
    assert button.get("data-hx-post") == "/x"
    assert "hidden" in button.attrs and "data-off" not in button.attrs


def test_button_with_href_is_a_link(render):
    doc = render("button", "button", {"text": "新建", "href": "/staff/", "variant": "secondary"})
    assert doc.find("button") is None
    link = doc.find("a")
    assert link.get("href") == "/staff/" and "type" not in link.attrs
    assert link.classes == ["button", "button--secondary"]


def test_button_text_is_escaped_and_html_is_not(render):
    doc = render("button", "button", {"text": "<b>保存</b>"})
    assert doc.find("b") is None and doc.find("button").text == "<b>保存</b>"
    html = Markup('<span class="visually-hidden">隐藏</span>保存')
    assert render("button", "button", {"html": html}).find(class_="visually-hidden")


# --- Form ---------------------------------------------------------------------------------------


@pytest.fixture
def render_form(app):
    """Draw the form component around a button, with `params`; parsed."""

    def render_form(params: dict):
        source = (
            '{% from "components/form.html" import form %}'
            "{% call form(params) %}<button type=submit>OK</button>{% endcall %}"
        )
        with app.test_request_context():
            return parse(app.jinja_env.from_string(source).render(params=params))

    return render_form


def csrf_inputs(doc) -> list:
    """The CSRF token inputs in a tree."""
    return [i for i in doc.find_all("input") if i.get("name") == "csrf_token"]


def test_post_form_carries_the_csrf_token(render_form):
    doc = render_form({"action": "/staff/sign-out", "classes": "sign-out"})
    form = doc.find("form")
    assert (form.get("method"), form.get("action"), form.classes) == (
        "post",
        "/staff/sign-out",
        ["sign-out"],
    )
    [token] = csrf_inputs(form)
    assert token.get("type") == "hidden" and token.get("value")
    assert form.find("button").text == "OK"


def test_get_form_never_carries_the_token(render_form):
    doc = render_form({"method": "get", "action": "/contacts/"})
    assert doc.find("form").get("method") == "get"
    assert csrf_inputs(doc) == []


def test_form_exempt_from_csrf_carries_no_token(render_form):
    assert csrf_inputs(render_form({"action": "/display", "csrf": False})) == []


def test_form_passes_novalidate_enctype_id_and_attributes(render_form):
    form = render_form(
        {
            "action": "/staff/bulk/check",
            "id": "upload",
            "novalidate": True,
            "enctype": "multipart/form-data",
            "attributes": {"data-hx-post": "/staff/bulk/check", "data-upload-progress": True},
        }
    ).find("form")
    assert "novalidate" in form.attrs and "data-upload-progress" in form.attrs
    assert form.get("enctype") == "multipart/form-data"
    assert (form.get("id"), form.get("data-hx-post")) == ("upload", "/staff/bulk/check")


def test_form_without_action_sends_to_its_own_page_by_its_address(app):
    """Said outright, never left to the browser: a form without an action posts to the
    address with the #fragment an error link added, and the redirect after it keeps it, so
    the page opened scrolled to a field instead of at its 已保存 message."""
    source = '{% from "components/form.html" import form %}{% call form({}) %}{% endcall %}'
    with app.test_request_context("/alerts/manage/abc?saved=1"):
        form = parse(app.jinja_env.from_string(source).render()).find("form")
    assert form.get("action") == "/alerts/manage/abc?saved=1"
    environ = {"barrierfree.locale": "en"}
    with app.test_request_context("/feedback/ask", environ_overrides=environ):
        form = parse(app.jinja_env.from_string(source).render()).find("form")
    assert form.get("action") == "/en/feedback/ask"


# --- Notice -------------------------------------------------------------------------------------


def test_one_message_notice_is_a_paragraph_without_a_role(render):
    notice = render("notice", "notice", {"text": "规划没有写明申请办法。"}).find(class_="notice")
    assert notice.tag == "p" and notice.classes == ["notice"]
    assert notice.text == "规划没有写明申请办法。"
    assert "role" not in notice.attrs


def test_warning_notice_with_title_is_a_box_with_a_heading(render):
    doc = render(
        "notice",
        "notice",
        {
            "variant": "warning",
            "title": "有一份还没有保存的内容",
            "text": "它还没有保存。",
            "headingLevel": 3,
        },
    )
    notice = doc.find(class_="notice")
    assert notice.tag == "div" and notice.classes == ["notice", "notice--warning"]
    assert notice.find("h3", class_="notice__title").text == "有一份还没有保存的内容"
    assert notice.find("p").text == "它还没有保存。"
    assert "role" not in notice.attrs


def test_success_notice_is_an_alert_that_takes_focus(render):
    notice = render("notice", "notice", {"variant": "success", "text": "已保存。"}).find("p")
    assert notice.get("role") == "alert" and notice.get("tabindex") == "-1"
    assert "data-flash" in notice.attrs
    assert "autofocus" in notice.attrs  # without JavaScript too
    example = {"variant": "success", "text": "已保存。", "autofocus": False}
    assert "autofocus" not in render("notice", "notice", example).find("p").attrs


def test_sample_notice_says_sample_data_first(render):
    notice = render("notice", "notice", {"variant": "sample"}).find(class_="notice--sample")
    assert notice.find("strong").text == "示例数据，以区残联公布为准"
    assert notice.text.startswith("示例数据，以区残联公布为准：")


def test_notice_text_is_escaped(render):
    doc = render("notice", "notice", {"text": "<script>alert(1)</script>"})
    assert doc.find("script") is None
    assert doc.find("p").text == "<script>alert(1)</script>"


# --- Error summary with a description ---------------------------------------------------------


def test_error_summary_with_a_description_and_no_errors(render):
    summary = render(
        "error_summary",
        "error_summary",
        {"title": "没有保存", "description": "别人刚刚保存过。"},
    ).find(role="alert")
    assert summary.find("h2").text == "没有保存"
    assert summary.find("p").text == "别人刚刚保存过。"
    assert summary.find("ul") is None


def test_error_summary_description_comes_before_the_links(render):
    summary = render(
        "error_summary", "error_summary", {"description": "有 2 处问题。", "errors": ERRORS}
    ).find(role="alert")
    tags = [element.tag for element in summary.iter() if element.tag in ("p", "ul")]
    assert tags == ["p", "ul"]
    assert summary.hrefs == ["#name", "#phone"]


# --- Checkbox and checkboxes --------------------------------------------------------------------


def test_single_checkbox_chains_hint_and_error(render):
    doc = render(
        "checkbox",
        "checkbox",
        {
            "id": "field-sample",
            "name": "sample",
            "label": "示例数据",
            "checked": True,
            "hint": "页面上会标明。",
            "errorMessage": "请勾选。",
        },
    )
    box = doc.find("input")
    assert (box.get("type"), box.get("value"), "checked" in box.attrs) == ("checkbox", "1", True)
    assert doc.find("label").get("for") == "field-sample"
    assert box.get("aria-describedby") == "field-sample-hint field-sample-error"
    assert box.get("aria-invalid") == "true"
    assert doc.find(id="field-sample-error").text == "错误：请勾选。"


def test_unchecked_checkbox_is_not_described(render):
    box = render("checkbox", "checkbox", {"id": "c", "name": "c", "label": "同意"}).find("input")
    assert "checked" not in box.attrs and "aria-describedby" not in box.attrs


def test_checkboxes_as_radios_keep_an_item_id(render):
    doc = render(
        "checkboxes",
        "checkboxes",
        {
            "type": "radio",
            "name": "kind",
            "idPrefix": "field-kind",
            "legend": "导入什么",
            "items": [
                {"value": "facilities", "text": "场所", "id": "field-kind"},
                {"value": "contacts", "text": "联系方式", "checked": True},
            ],
            "errorMessage": "请选择。",
        },
    )
    boxes = doc.find_all("input")
    assert [(b.get("type"), b.get("id")) for b in boxes] == [
        ("radio", "field-kind"),
        ("radio", "field-kind-contacts"),
    ]
    assert [label.get("for") for label in doc.find_all("label")] == [b.get("id") for b in boxes]
    assert doc.find("fieldset").get("aria-describedby") == "field-kind-error"


# --- Navigation ---------------------------------------------------------------------------------


def test_navigation_marks_the_current_page_only(app):
    source = '{% from "components/navigation.html" import navigation %}{{ navigation(params) }}'
    params = {
        "label": "工作后台导航",
        "items": [("staff.dashboard", {}, "工作后台"), ("staff.components", {}, "界面组件")],
    }
    with app.test_request_context("/staff/components"):
        nav = parse(app.jinja_env.from_string(source).render(params=params)).find("nav")
    assert nav.get("aria-label") == "工作后台导航" and nav.classes == ["site-nav"]
    links = nav.find_all("a")
    assert [(a.get("href"), a.get("aria-current")) for a in links] == [
        ("/staff/", None),
        ("/staff/components", "page"),
    ]
