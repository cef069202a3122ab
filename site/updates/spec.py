"""The kind of notices and news, declared once (see kinds.py). Only staff write them."""

from flask_babel import lazy_gettext as _l

from ..alerts.operations import notice_published
from ..facilities.models import Township
from ..kinds import BODY, SLUG_FIELD, SUMMARY, TITLE, Field, Kind, choices, slugs, translated
from ..services.models import Category
from .models import NEWS, NOTICE, Update

UPDATES = Kind(
    "updates",
    Update,
    _l("通知公告和工作动态"),
    (
        SLUG_FIELD,
        Field(
            "kind",
            _l("类别"),
            "select",
            required=True,
            choices=choices({NOTICE: _l("通知公告"), NEWS: _l("工作动态")}),
        ),
        *translated(TITLE),
        *translated(SUMMARY),
        *translated(BODY),
        Field(
            "topics",
            _l("和哪些方面有关"),
            "multi",
            choices=slugs(Category),
            hint=_l("订阅了这些方面邮件提醒的居民会收到。和哪方面都无关，不要勾选。"),
        ),
        Field(
            "townships",
            _l("和哪些镇街有关"),
            "multi",
            choices=slugs(Township),
            hint=_l("面向全区的，不要勾选：订阅了任何镇街的居民都会收到。"),
        ),
    ),
    public_endpoint="updates.detail",
    authoring=("title", "summary", ("body",)),
    order=(Update.updated_at.desc(),),
    on_publish=notice_published,
)
