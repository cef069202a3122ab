"""Public pages of updates: the paginated list, one update, and the Atom feed."""

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from ..database import utcnow
from ..query_args import read_page_number, xml_safe
from . import queries
from .models import NEWS

bp = Blueprint("updates", __name__)
FEED_SIZE = 20
bp.add_app_template_global(queries.local_date, "local_date")
bp.add_app_template_global(utcnow, "now_utc")
# For the feed and the sitemap: a character XML cannot carry would make the whole file unreadable.
bp.add_app_template_filter(xml_safe, "xml_safe")


@bp.app_template_global()
def update_kind(kind: str) -> str:
    """The name of a kind of update."""
    return _("工作动态") if kind == NEWS else _("通知公告")


@bp.get("/updates/")
def index():
    """Every published update, newest first, 20 to a page."""
    number = read_page_number(request.args.get("page"))
    items, pages = queries.page_of(number)
    if number > pages:
        abort(404)
    return render_template("updates/index.html", items=items, page=number, pages=pages)


@bp.get("/updates/<slug>")
def detail(slug: str):
    """One published update."""
    update = queries.published_update(slug) or abort(404)
    return render_template("updates/detail.html", update=update)


@bp.get("/updates/feed.atom")
def feed():
    """The Atom feed of the newest updates (RFC 4287)."""
    items = queries.latest(FEED_SIZE)
    body = render_template(
        "updates/feed.atom",
        items=items,
        feed_url=url_for("updates.feed", _external=True),
        site_url=url_for("pages.home", _external=True),
    )
    return current_app.response_class(body, mimetype="application/atom+xml")
