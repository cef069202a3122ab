"""Home page, static pages, the site map (HTML and XML), robots.txt and the icon."""

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy import literal, null, select, union_all

from ..contacts.models import ContactChannel
from ..database import PUBLISHED, db
from ..facilities.models import Facility
from ..i18n import EN, PREFIX, ZH
from ..kinds import ModelClass
from ..opening_hours import local
from ..plan import queries as plan
from ..plan.models import Box, Department, Indicator, Measure, PlanPart, PlanSection, Project
from ..security import last_modified, private_paths
from ..services import queries as services
from ..services.models import Category, Service
from ..updates import queries as updates
from ..updates.models import Update
from . import queries
from .descriptions import meta_description
from .models import Page

bp = Blueprint("pages", __name__)
bp.add_app_template_filter(meta_description)


@bp.get("/")
def home() -> str:
    """The home page: every service by need, and the way into the plan."""
    return render_template(
        "pages/home.html",
        categories=services.categories_with_services(),
        indicator_count=plan.indicator_count(),
        updates=updates.latest(3),
    )


@bp.get("/<any(about, accessibility, contact):slug>")
def static(slug: str) -> Response:
    """A static page (关于本站, 无障碍声明, 联系我们)."""
    page = queries.published_page(slug) or abort(404)
    body = render_template("pages/static.html", page=page)
    return last_modified(body, page.updated_at, own_rows=True)


@bp.get("/sitemap")
def site_map() -> str:
    """Every page of the site, grouped."""
    return render_template("pages/site_map.html", groups=queries.site_map())


@bp.get("/sitemap.xml")
def sitemap_xml() -> Response:
    """The XML sitemap: every page in Chinese, with its English alternate and, where it has
    an honest one, the date it last changed."""
    root = request.host_url.rstrip("/")
    base = request.script_root
    paths = [
        entry.url.removeprefix(base)
        for _heading, entries in queries.site_map()
        for entry in entries
    ]
    lastmod = _last_changes()
    adapter = current_app.create_url_adapter(request)
    assert adapter is not None  # there is one for every request

    def endpoint_and_values(path: str) -> tuple[str, Mapping]:
        endpoint, values = adapter.match(path)
        return str(endpoint), values

    urls = [
        {
            "lastmod": lastmod(*endpoint_and_values(path)),
            **{locale: root + PREFIX[locale] + path for locale in (ZH, EN)},
        }
        for path in paths
    ]
    body = render_template("pages/sitemap.xml", urls=urls, zh=ZH, en=EN)
    return current_app.response_class(body, mimetype="application/xml")


# The page of one item, found by the slug in its address: it last changed with its row.
ITEM_PAGES = {
    "pages.static": Page,
    "updates.detail": Update,
    "services.category": Category,
    "services.detail": Service,
    "facilities.detail": Facility,
    "contacts.detail": ContactChannel,
    "plan.measure": Measure,
    "plan.department": Department,
}
# A page that lists rows: it last changed with the newest of them. The finder and the
# directory (which say what is open now), search and the open data page have no such date,
# and the sitemap gives them none.
LIST_PAGES = {
    "pages.home": (Category, Service, Update, Indicator),
    "pages.site_map": tuple(ITEM_PAGES.values()),
    "updates.index": (Update,),
    "services.index": (Category, Service),
    "plan.full_text": (Page, PlanPart, PlanSection, Measure),
    "plan.section": (PlanSection, Measure, Box, Project, Indicator, Department),
    "plan.measures": (PlanPart, PlanSection, Measure),
    "plan.indicators": (Box, Indicator),
    "plan.projects": (Box, Project, Indicator),
    "plan.departments": (Department,),
}


def _last_changes() -> Callable[[str, Mapping], str | None]:
    """`lastmod(endpoint, values)`: the date (in Chiping) a page of the sitemap last
    changed, or None. One query reads when each row of these kinds last changed."""
    models: set[ModelClass] = {
        *ITEM_PAGES.values(),
        *(model for listed in LIST_PAGES.values() for model in listed),
    }
    rows = db.session.execute(
        union_all(
            *(
                select(
                    literal(model.__name__).label("kind"),
                    getattr(model, "slug", null()).label("slug"),
                    getattr(model, "status", null()).label("status"),
                    model.updated_at,
                )
                for model in sorted(models, key=lambda model: model.__name__)
            )
        )
    ).all()
    # An item's page shows it while it is published; a list changes when a row joins or
    # leaves it, so every row's last change counts: a withdrawn row's, and a draft's (an
    # undone first publication takes a row back to a draft, and the list's date must not
    # go back; a draft never public moves it on for nothing).
    items = {(kind, slug): at for kind, slug, status, at in rows if status in (None, PUBLISHED)}
    kinds: dict[str, datetime] = {}
    for kind, _slug, _status, at in rows:
        if kind not in kinds or at > kinds[kind]:
            kinds[kind] = at

    def lastmod(endpoint: str, values: Mapping) -> str | None:
        if endpoint in ITEM_PAGES:
            moment = items.get((ITEM_PAGES[endpoint].__name__, values["slug"]))
        else:
            listed = [kinds.get(model.__name__) for model in LIST_PAGES.get(endpoint, ())]
            moment = max(filter(None, listed), default=None)
        return local(moment).date().isoformat() if moment else None

    return lastmod


@bp.get("/robots.txt")
def robots() -> Response:
    """For search engines: everything public may be read, not the back office nor any
    private address (a resident's status page, a subscriber's links: `private_route`, whose
    pages say noindex too), in either language; the sitemap."""
    sitemap = url_for("pages.sitemap_xml", _external=True)
    paths = dict.fromkeys(["/staff/", *(path for path, _headers in private_paths(current_app))])
    rules = "".join(f"Disallow: {PREFIX[locale]}{path}\n" for path in paths for locale in (ZH, EN))
    body = f"User-agent: *\n{rules}\nSitemap: {sitemap}\n"
    return current_app.response_class(body, mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon where browsers look for it first (an SVG, which they all read)."""
    assert current_app.static_folder is not None  # the app is made with Flask's default
    folder = Path(current_app.static_folder) / "images"
    return send_from_directory(folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
