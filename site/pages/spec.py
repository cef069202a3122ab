"""The static page kind, declared once (see kinds.py)."""

from flask_babel import lazy_gettext as _l

from ..kinds import BODY, SUMMARY, TITLE, Kind, translated
from .models import Page

PAGES = Kind(
    "pages",
    Page,
    _l("静态页面"),
    (*translated(TITLE), *translated(SUMMARY), *translated(BODY)),
    public_endpoint="pages.static",
    can_create=False,
    authoring=("title", "summary", ("body",)),
    order=(Page.slug,),
)
