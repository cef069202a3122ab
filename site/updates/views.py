"""Public pages of updates: the paginated list, one update, and the Atom feed."""

import hashlib
import re
from datetime import datetime

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from .. import page_cache
from ..plan import queries as plan
from ..plan.models import Indicator
from ..query_args import read_page_number, xml_safe
from ..security import conditional, last_modified
from . import queries
from .models import NEWS, Update

bp = Blueprint("updates", __name__)
FEED_SIZE = 20
bp.add_app_template_global(queries.local_date, "local_date")
# For the feed and the sitemap: a character XML cannot carry would make the whole file unreadable.
bp.add_app_template_filter(xml_safe, "xml_safe")


@bp.app_template_global()
def update_kind(kind: str) -> str:
    """The name of a kind of update."""
    return _("工作动态") if kind == NEWS else _("通知公告")


@bp.app_template_global()
def main_feed_name() -> str:
    """The name of the main feed, for the feed itself, the feeds page and every page's
    alternate link: it carries the indicators' latest values too, and 通知公告 alone is
    the notices' feed."""
    return _("全部通知公告、工作动态和主要指标的最新数值")


@bp.get("/updates/")
def index() -> Response:
    """Every published update, newest first, 20 to a page."""
    number = read_page_number(request.args.get("page"))
    items, pages = queries.page_of(number)
    if number > pages:
        abort(404)
    body = render_template("updates/index.html", items=items, page=number, pages=pages)
    return last_modified(body, queries.last_public_change(), own_rows=True)


@bp.get("/updates/<slug>")
def detail(slug: str) -> Response:
    """One published update."""
    update = queries.published_update(slug) or abort(404)
    body = render_template("updates/detail.html", update=update)
    return last_modified(body, update.updated_at, own_rows=True)


SITE_PATH = re.compile(r'(\s(?:href|src)=")/(?!/)')


@bp.get("/updates/feed.atom")
def feed() -> Response:
    """The Atom feed of the newest updates (RFC 4287) and of each indicator's latest value
    (an entry per value: a new value is a new entry), answering 304 when a reader has it.
    It changes when an indicator does too (a value given or taken back)."""
    indicators = plan.indicators()
    return _feed(
        queries.latest(FEED_SIZE),
        [i for i in indicators if i.current_value and i.current_date],
        url_for("updates.feed", _external=True),
        main_feed_name(),
        queries.last_public_change(),
        *(indicator.updated_at for indicator in indicators),
    )


@bp.get("/updates/feeds/<category>.atom")
def category_feed(category: str) -> Response:
    """The feed of one kind of update (notice, news) or of the updates on one topic (a
    service category's slug)."""
    name = queries.feed_categories().get(category) or abort(404)
    return _feed(
        queries.latest(FEED_SIZE, category),
        [],
        url_for("updates.category_feed", category=category, _external=True),
        name,
        queries.last_public_change(),
        queries.category_changed_at(category),  # its name is the feed's title
    )


@bp.get("/updates/feeds/")
def feeds() -> str:
    """Every feed there is, and the email alerts."""
    return render_template("updates/feeds.html", categories=queries.feed_categories())


def _feed(
    items: list[Update],
    indicators: list[Indicator],
    feed_url: str,
    title: str,
    *changes: datetime | None,
) -> Response:
    """An Atom feed of `items` (and of indicator values), conditional on its content; it
    was last updated at the newest of `changes` (the times of what it is made of), or, for a
    feed that was never given anything, at the site's last public change (RFC 4287 asks for
    an <updated>; the time of the request would say it changed on each visit). It says so
    in Last-Modified too, with no-cache, as every page that does (`last_modified`)."""
    updated = max(filter(None, changes), default=None) or page_cache.last_public_change()
    assert updated is not None  # the generation's row always has a time
    body = render_template(
        "updates/feed.atom", items=items, indicators=indicators, updated=updated,
        feed_url=feed_url, feed_title=title, site_url=url_for("pages.home", _external=True),
    )  # fmt: skip
    response = last_modified(body, updated)
    response.mimetype = "application/atom+xml"
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return conditional(response, request)


@bp.app_template_filter("absolute_links")
def absolute_links(html: str) -> Markup:
    """HTML whose links and images within this site name it in full, for a feed reader,
    which does not read the entry at the site's address."""
    return Markup(SITE_PATH.sub(rf"\1{request.host_url}", str(html)))
