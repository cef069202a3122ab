"""What the states, kinds and choices of an item are called, in the visitor's language
(template globals, for the status page and the inbox)."""

import re

from flask_babel import gettext as _

from ..i18n import is_english
from .models import ANSWERED, BARRIER, CLOSED, IN_PROGRESS, NEW, PAGE, QUESTION
from .spec import BARRIER_TYPES, REPLY_WAYS, topics


def state_name(state: str) -> str:
    """新收到, 处理中, 已答复, 已关闭."""
    names = {NEW: _("新收到"), IN_PROGRESS: _("处理中"), ANSWERED: _("已答复"), CLOSED: _("已关闭")}
    return names.get(state, state)


def kind_name(kind: str) -> str:
    """提问或留言, 无障碍问题, 页面信息有误."""
    names = {QUESTION: _("提问或留言"), BARRIER: _("无障碍问题"), PAGE: _("页面信息有误")}
    return names.get(kind, kind)


def choice_name(field: str, code: str | None) -> str:
    """The name of a chosen code: a topic, a barrier type or a way of answering."""
    if not code:
        return ""
    if field == "topic":
        return topics().get(code, code)
    mapping = {"barrier_type": BARRIER_TYPES, "reply_by": REPLY_WAYS}[field]
    return str(mapping.get(code, code))


CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


def written_lang(text: str | None) -> str | None:
    """The `lang` to mark what someone wrote with, when it is not the page's language:
    zh-CN for text with Chinese on the English site, en for Latin text without Chinese on
    the Chinese site; None otherwise (the page's own language, or no words at all)."""
    if not text:
        return None
    if CJK.search(text):
        return "zh-CN" if is_english() else None
    return "en" if LATIN.search(text) and not is_english() else None


TEMPLATE_GLOBALS = (state_name, kind_name, choice_name, written_lang)
