"""Home page, static pages, the site map (HTML and XML), robots.txt and the icon."""

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from ..i18n import EN, PREFIX, ZH
from ..plan import queries as plan
from ..services import queries as services
from ..updates import queries as updates
from . import queries

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    """The home page: every service by need, and the way into the plan."""
    return render_template(
        "pages/home.html",
        categories=services.categories_with_services(),
        indicator_count=len(plan.indicators()),
        updates=updates.latest(3),
    )


@bp.get("/<any(about, accessibility, contact):slug>")
def static(slug: str):
    """A static page (关于本站, 无障碍声明, 联系我们)."""
    page = queries.published_page(slug) or abort(404)
    return render_template("pages/static.html", page=page)


@bp.get("/sitemap")
def site_map():
    """Every page of the site, grouped."""
    return render_template("pages/site_map.html", groups=queries.site_map())


@bp.get("/sitemap.xml")
def sitemap_xml():
    """The XML sitemap: every page in Chinese, with its English alternate."""
    root = request.host_url.rstrip("/")
    paths = [entry.url for _heading, entries in queries.site_map() for entry in entries]
    base = request.script_root
    urls = [
        {locale: root + PREFIX[locale] + path.removeprefix(base) for locale in (ZH, EN)}
        for path in paths
    ]
    body = render_template("pages/sitemap.xml", urls=urls, zh=ZH, en=EN)
    return current_app.response_class(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    """For search engines: everything public may be read, not the back office; the sitemap."""
    sitemap = url_for("pages.sitemap_xml", _external=True)
    body = f"User-agent: *\nDisallow: /staff/\nDisallow: /en/staff/\n\nSitemap: {sitemap}\n"
    return current_app.response_class(body, mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon():
    """The site's icon where browsers look for it first (an SVG, which they all read)."""
    folder = Path(current_app.static_folder) / "images"
    return send_from_directory(folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
