"""The kind of notices and news, declared once (see kinds.py). Only staff write them."""

from flask_babel import lazy_gettext as _l

from ..kinds import BODY, SLUG_FIELD, SUMMARY, TITLE, Field, Kind, choices, translated
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
    ),
    public_endpoint="updates.detail",
    authoring=("title", "summary", ("body",)),
    order=(Update.updated_at.desc(),),
)
