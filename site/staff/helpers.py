"""Template helpers of the back office."""

import difflib
import re
from collections.abc import Iterable

from flask import Flask, g, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..database import utcnow
from ..i18n import HTML_LANG, current_locale
from ..kinds import Field, Kind, Row
from ..opening_hours import local_time
from ..pages.queries import page_url
from .accounts import sessions
from .editing import forms
from .editing.authoring import Finding
from .models import ADMIN

WARN_BEFORE_SECONDS = 5 * 60
# What a difference is made of: a number or a Latin word whole (08:30 → 08:00 reads "30,
# 00", not "3, 0"), any other character (a Chinese one) on its own.
DIFF_TOKENS = re.compile(r"[0-9]+|[A-Za-z]+|.", re.S)


def errors_list(errors: dict, kind: Kind | None = None) -> list[dict]:
    """Form errors as error-summary items linking to their fields."""
    return [{"text": message, "href": field_link(name, kind)} for name, message in errors.items()]


def findings_list(findings: Iterable[Finding], kind: Kind | None = None) -> list[dict]:
    """Authoring findings as error-summary items linking to their fields."""
    return [{"text": f.message, "href": field_link(f.field, kind)} for f in findings]


def changes_list(names: Iterable[str], kind: Kind) -> list[dict]:
    """Fields two people changed (the conflict's summary), each a link to its field."""
    return [{"text": kind.form_field(name).label, "href": field_link(name, kind)} for name in names]


def field_link(name: str, kind: Kind | None = None) -> str:
    """The link to a field of the form: a choice of several links to its first box, a
    feature's control ("<field>.<part>") to that control."""
    if forms.PART in name:
        return "#field-" + name.replace(forms.PART, "-")
    if kind is not None and any(f.name == name and f.type == "multi" for f in kind.form_fields):
        return f"#field-{name}-{next(iter(kind.form_field(name).choice_names()))}"
    return f"#field-{name}"


def session_expires_in() -> int:
    """Seconds until the current staff session ends without further requests."""
    if g.get("staff_session") is None:
        return 0
    return max(0, int((sessions.expires_at(g.staff_session) - utcnow()).total_seconds()))


def session_warn_before() -> int:
    """How many seconds before the end the warning appears."""
    return min(WARN_BEFORE_SECONDS, max(20, session_expires_in() // 2))


def staff_navigation() -> list[tuple[str, dict, str]]:
    """The back office's navigation for the signed-in member of staff."""
    items: list[tuple[str, dict, str]] = [
        ("staff.dashboard", {}, _("工作后台")),
        ("inbox.items", {}, _("居民来信")),
    ]
    items += [
        ("editor.items", {"kind_name": k.name}, str(k.label)) for k in forms.EDITABLE.values()
    ]
    items.append(("media.index", {}, _("图片和附件")))
    items.append(("bulk.index", {}, _("表格导入导出")))
    if g.staff.can(ADMIN):
        items += [("staff.accounts", {}, _("账号管理")), ("staff.audit_log", {}, _("操作记录"))]
    items.append(("eligibility_staff.eligibility_rules", {}, _("我能申请什么：规则和依据")))
    items.append(("staff.change_password", {}, _("修改密码")))
    return items


def audit_action(action: str) -> str:
    """The name of an action in the audit log and the revision list."""
    names = {
        "create": _("新建"), "save": _("保存"), "publish": _("发布"), "withdraw": _("撤回"),
        "schedule": _("安排定时发布"), "unschedule": _("取消定时发布"), "undo": _("撤销"),
        "publish-scheduled": _("到时自动发布"),
        "original": _("从内容文件载入"), "load": _("从内容文件更新"),
        "import": _("表格导入"), "upload": _("上传文件"), "sign-out": _("退出登录"),
        "change-password": _("修改密码"), "change-first-password": _("修改管理员设置的密码"),
        "delete-media": _("删除文件"),
        "create-account": _("新建账号"), "change-role": _("修改角色"),
        "disable-account": _("停用账号"), "enable-account": _("启用账号"),
        "reset-password": _("重设密码"),
        "inbox-state": _("改变来信状态"), "inbox-assign": _("分派来信"),
        "inbox-note": _("写内部备注"), "inbox-reply": _("公开答复来信"),
        "inbox-merge": _("合并来信"), "inbox-purge": _("删除到期的联系方式"),
        "inbox-close-answered": _("办结答复后一直没有新消息的来信"),
        "inbox-close-too-old": _("关闭到了保存期限的来信"),
        "inbox-delete-by-resident": _("居民在查询页面上删除了个人信息"),
        "inbox-delete-on-request": _("按居民要求删除个人信息"),
        "inbox-example-publish": _("公开处理例子"), "inbox-example-unpublish": _("撤下处理例子"),
    }  # fmt: skip
    return names.get(action, action)


def status_name(status: str) -> str:
    """The name of an item's status (draft, published, withdrawn) as staff read it."""
    names = {"draft": _("草稿"), "published": _("已发布"), "withdrawn": _("已撤回")}
    return names.get(status, status)


def choice_text(f: Field, value: str | list[str], names: dict | None = None) -> str:
    """A field's form text as a person reads it: the names of chosen codes, not the codes.
    `names` are the field's choices when the caller has them (a list of rows is a query)."""
    if names is None:
        names = f.choice_names()
    if isinstance(value, str):
        return str(names.get(value, value)) if f.type == "select" else value
    return _("、").join(str(names.get(code, code)) for code in value)


def shown(f: Field, value: object, names: dict | None = None) -> str:
    """A stored value as a change shows it (the question before a public save, the revision
    diff, the spreadsheet preview): a choice by its name, a list joined, an accessibility
    feature part by part (forms.feature_reading). `names` as for `choice_text`."""
    if f.type == "feature":
        return forms.feature_reading(f, value if isinstance(value, dict) else None)
    text = forms.as_text(f, value)
    return choice_text(f, text, names) if isinstance(text, list) or f.type == "select" else text


def public_url(kind: Kind, row: Row) -> str:
    """The public page of a row."""
    if kind.name == "indicators":
        return url_for(kind.public_endpoint)
    if kind.name == "pages":
        return page_url(row.slug)
    return url_for(kind.public_endpoint, slug=row.slug)


def text_diff(old: str | list[str], new: str | list[str]) -> Markup:
    """Two versions of a field as one text, deletions and insertions marked up (and named for
    screen readers, which do not announce <del> and <ins> by default)."""
    old = DIFF_TOKENS.findall(old if isinstance(old, str) else "、".join(old))
    new = DIFF_TOKENS.findall(new if isinstance(new, str) else "、".join(new))
    parts = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old[a1:a2])))
            continue
        if a2 > a1:
            parts.append(_marked("del", _("删除："), "".join(old[a1:a2])))
        if b2 > b1:
            parts.append(_marked("ins", _("新增："), "".join(new[b1:b2])))
    return Markup("").join(parts)


def _marked(tag: str, label: str, text: str) -> Markup:
    """A change, its words for screen readers in the interface's language (the text around
    them may be in the other one: an English page's Chinese field)."""
    end, lang = _("（结束）"), HTML_LANG[current_locale()]
    return Markup(
        f'<{tag}><span class="visually-hidden" lang="{lang}">{escape(label)}</span>{escape(text)}'
        f'<span class="visually-hidden" lang="{lang}">{escape(end)}</span></{tag}>'
    )


def init_app(app: Flask) -> None:
    """The back office's template helpers, made global in every template."""
    from .accounts.views import role_names

    for function in (
        changes_list, errors_list, findings_list, session_expires_in, session_warn_before,
        staff_navigation, local_time, audit_action, status_name, public_url, text_diff,
        role_names, choice_text, field_link,
    ):  # fmt: skip
        app.add_template_global(function)
    app.add_template_global(forms.revision_data, "revision_data")
    app.add_template_global(forms.as_text, "field_text")
