"""Every interface component with its examples, in one place: the components page
(/staff/components) draws them, and tests/test_components.py renders each one and checks
what the component promises.

An example is the `params` of one call of the component's macro (components/<name>.html).
A component called with a block (form, notice, navigation) gets `content`: the components
drawn inside it, as (name, params) pairs. The texts are the site's own where they fit, so
the page reads right in both languages; ids start with "example-" and are unique on the
page, and the error summaries link to fields that are on it.
"""

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from markupsafe import Markup


@dataclass(frozen=True)
class Example:
    """One call of a component's macro: what it shows, its params, what goes inside."""

    name: str
    params: dict
    content: tuple[tuple[str, dict], ...] = ()


@dataclass(frozen=True)
class Component:
    """A component: its macro (components/<name>.html, macro <name>) and its examples."""

    name: str
    title: str
    examples: tuple[Example, ...]


def strong(text: str | LazyString) -> LazyString:
    """`text` in bold as trusted markup, translated when the page is drawn."""
    return LazyString(lambda: Markup("<strong>{}</strong>").format(text))


def url(endpoint: str, **values: Any) -> LazyString:
    """The address of `endpoint`, found when the page is drawn (in the page's language)."""
    return LazyString(lambda: url_for(endpoint, **values))


# What a person typed, with the characters that would break the page if not escaped.
TYPED = 'Wang Li "><b>kept</b> & <i>'

USERNAME = {"id": "example-username", "name": "username", "label": _l("用户名")}
PASSWORD = {"id": "example-password", "name": "password", "label": _l("密码"), "type": "password"}
ROLES = [
    {"value": "", "text": _l("请选择")},
    {"value": "editor", "text": _l("编辑（写草稿）")},
    {"value": "publisher", "text": _l("发布人（发布和撤回）"), "selected": True},
    {"value": "admin", "text": _l("管理员（管理账号）")},
]
# Choices under headings: our places by township, as the barrier report lists them (names
# are content, in Chinese on both sites), with none chosen for the resident.
PLACES = [
    {"value": "", "text": _l("不在列表里，或者不知道"), "id": "example-place"},
    {
        "legend": "振兴街道",
        "lang": "zh-CN",
        "items": [
            {"value": "rehabilitation-centre", "text": "茌平区残疾人康复中心", "lang": "zh-CN"},
            {"value": "toilet-zhenxing", "text": "无障碍公共厕所（振兴街道）", "lang": "zh-CN"},
        ],
    },
    {
        "legend": "博平镇",
        "lang": "zh-CN",
        "items": [
            {"value": "toilet-boping", "text": "无障碍公共厕所（博平镇）", "lang": "zh-CN"},
        ],
    },
]
NEEDS = [
    {"value": "step_free_entrance", "text": _l("无台阶入口"), "checked": True},
    {"value": "accessible_toilet", "text": _l("无障碍卫生间")},
    {"value": "sign_language", "text": _l("手语服务")},
]

COMPONENTS = (
    Component(
        "error_summary",
        _l("错误摘要"),
        (
            Example(
                _l("链接到出错的字段"),
                {
                    "autofocus": False,  # one summary a page takes focus; here are three
                    "errors": [
                        {"text": _l("请输入用户名。"), "href": "#example-username"},
                        {"text": _l("请输入密码。"), "href": "#example-password"},
                    ],
                },
            ),
            Example(
                _l("有说明，没有字段"),
                {
                    "autofocus": False,
                    "title": _l("暂时无法保存，您的文字还在这里"),
                    "description": _l(
                        "网站暂时无法写入数据，这次没有保存。下面的表单里是您写的内容，这个浏览器里也留了一份。请过几分钟再保存一次。"
                    ),
                },
            ),
            Example(
                _l("有说明，也有链接"),
                {
                    "autofocus": False,
                    "title": _l("这个文件不能导入，没有修改任何内容"),
                    "description": _l(
                        "有 %(n)d 处问题，见下面的表格。请在表格文件里改正后重新上传。", n=2
                    ),
                    "errors": [{"text": _l("逐行列出的问题"), "href": "#example-table-1"}],
                },
            ),
        ),
    ),
    Component(
        "form",
        _l("表单"),
        (
            Example(
                _l("发送（POST）：带校验码，错误由服务器检查"),
                {"classes": "form", "novalidate": True},
                (
                    (
                        "input",
                        {**USERNAME, "errorMessage": _l("请输入用户名。"), "autocomplete": "off"},
                    ),
                    (
                        "input",
                        {**PASSWORD, "errorMessage": _l("请输入密码。"), "autocomplete": "off"},
                    ),
                    ("button", {"text": _l("登录")}),
                ),
            ),
            Example(
                _l("查询（GET）：不带校验码"),
                {"method": "get", "classes": "form", "attributes": {"aria-label": _l("查询示例")}},
                (
                    (
                        "checkbox",
                        {
                            "id": "example-open-now",
                            "name": "open",
                            "value": "now",
                            "label": _l("只看现在可以联系的"),
                        },
                    ),
                    ("button", {"text": _l("搜索")}),
                ),
            ),
        ),
    ),
    Component(
        "input",
        _l("文本框"),
        (
            Example(
                _l("只有标签"),
                {"id": "example-name", "name": "name", "label": _l("姓名"), "autocomplete": "name"},
            ),
            Example(
                _l("带提示"),
                {
                    "id": "example-new-password",
                    "name": "new-password",
                    "label": _l("初始密码"),
                    "type": "password",
                    "hint": _l(
                        "至少 8 个字符，不能是常见密码。请当面或电话告诉本人，并请本人登录后修改。"
                    ),
                    "autocomplete": "new-password",
                },
            ),
            Example(
                _l("提示和错误，保留用户输入"),
                {
                    "id": "example-new-username",
                    "name": "new-username",
                    "label": _l("用户名"),
                    "hint": _l("登录时用，最多 60 个字符，不含空格。"),
                    "errorMessage": _l("请输入用户名（最多 60 个字符，不含空格）。"),
                    "value": TYPED,
                    "autocomplete": "off",
                },
            ),
            Example(
                _l("日期和时间"),
                {
                    "id": "example-publish-at",
                    "name": "publish_at",
                    "label": _l("发布时间（北京时间）"),
                    "type": "datetime-local",
                    "hint": _l("例如 2026-12-01 09:00。到时间后自动发布。"),
                },
            ),
        ),
    ),
    Component(
        "textarea",
        _l("多行文本框"),
        (
            Example(
                _l("带提示"),
                {
                    "id": "example-summary",
                    "name": "summary",
                    "label": _l("摘要"),
                    "rows": 3,
                    "hint": _l("一两句话，显示在列表和搜索结果里。"),
                },
            ),
            Example(
                _l("出错，保留用户输入"),
                {
                    "id": "example-body",
                    "name": "body",
                    "label": _l("正文"),
                    "value": TYPED,
                    "errorMessage": _l("请填写“%(label)s”。", label=_l("正文")),
                },
            ),
        ),
    ),
    Component(
        "select",
        _l("下拉列表"),
        (
            Example(
                _l("已选一项"),
                {"id": "example-role", "name": "role", "label": _l("角色"), "items": ROLES},
            ),
            Example(
                _l("出错"),
                {
                    "id": "example-role-error",
                    "name": "role-error",
                    "label": _l("角色"),
                    "items": ROLES[:1] + [dict(item, selected=False) for item in ROLES[1:]],
                    "errorMessage": _l("请选择角色。"),
                },
            ),
        ),
    ),
    Component(
        "checkboxes",
        _l("一组复选框"),
        (
            Example(
                _l("带提示"),
                {
                    "name": "need",
                    "idPrefix": "example-need",
                    "legend": _l("我需要"),
                    "hint": _l("只列出有这些设施或服务的场所。"),
                    "items": NEEDS,
                },
            ),
            Example(
                _l("单选：一组里只能选一个"),
                {
                    "type": "radio",
                    "name": "kind",
                    "idPrefix": "example-kind",
                    "legend": _l("导入什么"),
                    "items": [
                        {"value": "facilities", "text": _l("无障碍场所"), "id": "example-kind"},
                        {"value": "contacts", "text": _l("联系方式")},
                    ],
                    "errorMessage": _l("请选择要导入的是场所还是联系方式。"),
                },
            ),
            Example(
                _l("选项按乡镇分组"),
                {
                    "type": "radio",
                    "name": "place",
                    "idPrefix": "example-place",
                    "legend": _l("我们公布的场所"),
                    "items": PLACES,
                },
            ),
        ),
    ),
    Component(
        "checkbox",
        _l("单独一个复选框"),
        (
            Example(
                _l("已勾选"),
                {
                    "id": "example-sample",
                    "name": "sample",
                    "label": _l("示例数据"),
                    "checked": True,
                },
            ),
            Example(
                _l("提示和错误"),
                {
                    "id": "example-unverified",
                    "name": "unverified",
                    "label": _l("示例数据"),
                    "hint": _l("还没有核实的信息，请勾选这一项。"),
                    "errorMessage": _l("请填写号码、账号或地址；还没有核实的，请勾选“示例数据”。"),
                },
            ),
        ),
    ),
    Component(
        "button",
        _l("按钮"),
        (
            Example(_l("主要按钮：提交表单"), {"text": _l("保存草稿")}),
            Example(_l("次要按钮"), {"text": _l("保存并预览"), "variant": "secondary"}),
            Example(_l("警告按钮：撤回、停用"), {"text": _l("撤回这条内容"), "variant": "warning"}),
            Example(_l("像链接的按钮"), {"text": _l("删除这份内容"), "variant": "link"}),
            Example(
                _l("带名称和值：告诉服务器按了哪一个"),
                {"text": _l("保存"), "name": "action", "value": "save", "id": "example-save"},
            ),
            Example(
                _l("脚本用的按钮（type=button）"),
                {
                    "text": _l("把这份内容放回表单"),
                    "type": "button",
                    "attributes": {"aria-pressed": "false", "data-example": True},
                },
            ),
            Example(
                _l("像按钮的链接"),
                {
                    "text": _l("回到工作后台"),
                    "href": url("staff.dashboard"),
                    "variant": "secondary",
                },
            ),
        ),
    ),
    Component(
        "notice",
        _l("提示"),
        (
            Example(
                _l("信息"), {"text": _l("本页的部分或全部内容尚未翻译成英文，这些内容以中文显示。")}
            ),
            Example(
                _l("警告"),
                {
                    "variant": "warning",
                    "text": _l(
                        "这条内容已经公开或已安排定时发布。修改它需要“发布人”角色；您可以查看，但不能保存。"
                    ),
                },
            ),
            Example(
                _l("带标题和内容的警告"),
                {
                    "variant": "warning",
                    "title": _l("有一份还没有保存的内容"),
                    "text": _l("它和下面表单里的内容不一样，可能是上次没有保存成功。"),
                },
                (
                    (
                        "button",
                        {"text": _l("删除这份内容"), "variant": "secondary", "type": "button"},
                    ),
                ),
            ),
            Example(
                _l("成功：刚做完的事"),
                {"variant": "success", "text": _l("已保存。"), "autofocus": False},
            ),
            Example(_l("示例数据"), {"variant": "sample"}),
            Example(
                _l("示例数据：自己的说明"),
                {
                    "variant": "sample",
                    "text": _l(
                        "：规划没有写各场所的地址、电话和设施情况。下面标着“示例数据”的场所是示例，区残联核实后会替换。"
                    ),
                },
            ),
            Example(_l("用户输入照原样显示"), {"text": TYPED}),
        ),
    ),
    Component(
        "tag",
        _l("标签"),
        (
            Example(_l("示例数据"), {"sample": True}),
            Example(_l("自己的文字"), {"text": _l("草稿")}),
        ),
    ),
    Component(
        "table",
        _l("表格"),
        (
            Example(
                _l("标题、列标题和行标题"),
                {
                    "caption": _l("全部工作人员账号"),
                    "head": [{"text": _l("用户名")}, {"text": _l("角色")}, {"text": _l("状态")}],
                    "rows": [
                        [
                            {"text": "wangli", "header": True},
                            {"text": _l("编辑（写草稿）")},
                            {"text": _l("启用")},
                        ],
                        [
                            {"text": "zhaomin", "header": True},
                            {"text": _l("发布人（发布和撤回）")},
                            {"text": _l("已停用")},
                        ],
                    ],
                },
            ),
        ),
    ),
    Component(
        "breadcrumbs",
        _l("面包屑导航"),
        (
            Example(
                _l("所在的位置"),
                {
                    "items": [
                        {"text": _l("首页"), "href": url("pages.home")},
                        {"text": _l("服务"), "href": url("services.index")},
                    ]
                },
            ),
        ),
    ),
    Component(
        "navigation",
        _l("导航"),
        (
            Example(
                _l("标出当前页面"),
                {
                    "label": _l("示例导航"),
                    "items": [
                        ("staff.dashboard", {}, _l("工作后台")),
                        ("staff.components", {}, _l("界面组件")),
                        ("media.index", {}, _l("图片和附件")),
                    ],
                },
            ),
        ),
    ),
)
