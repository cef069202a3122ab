"""Reads for the home page, static pages and the site map."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..database import db
from ..plan import queries as plan
from ..services import queries as services
from ..services.models import PUBLISHED
from .models import Page

STATIC_PAGES = ("about", "accessibility", "contact")


@dataclass(frozen=True)
class Entry:
    """A link in the site map: its text (with the language it is in) and its URL."""

    text: str
    url: str
    lang: str | None = None


def published_page(slug: str) -> Page | None:
    """A published static page."""
    return db.session.scalar(select(Page).where(Page.slug == slug, Page.status == PUBLISHED))


def site_map(localized) -> list[tuple[str, list[Entry]]]:
    """Every public page, grouped under headings, for the HTML site map and sitemap.xml.

    `localized(item, field)` gives a field's text in the visitor's language and its lang.
    """

    def entry(item, field, endpoint, **values) -> Entry:
        text, lang = localized(item, field)
        return Entry(text, url_for(endpoint, **values), lang)

    groups = [
        (
            _l("网站"),
            [
                Entry(str(_l("首页")), url_for("pages.home")),
                Entry(str(_l("网站地图")), url_for("pages.site_map")),
            ]
            + [entry(page, "title", "pages.static", slug=page.slug) for page in _static_pages()],
        )
    ]
    service_entries = [Entry(str(_l("全部服务")), url_for("services.index"))]
    for category, items in services.categories_with_services():
        service_entries.append(entry(category, "name", "services.category", slug=category.slug))
        service_entries += [entry(s, "title", "services.detail", slug=s.slug) for s in items]
    groups.append((_l("服务"), service_entries))
    groups.append(
        (
            _l("规划"),
            [
                Entry(str(_l("规划全文")), url_for("plan.full_text")),
                Entry(str(_l("主要措施")), url_for("plan.measures")),
                Entry(str(_l("主要指标")), url_for("plan.indicators")),
                Entry(str(_l("重点项目")), url_for("plan.projects")),
            ]
            + [
                Entry(f"{m.slug} {m.title}", url_for("plan.measure", slug=m.slug), "zh-CN")
                for m in plan.measures_in_order()
            ],
        )
    )
    groups.append(
        (
            _l("部门"),
            [Entry(str(_l("全部部门")), url_for("plan.departments"))]
            + [entry(d, "name", "plan.department", slug=d.slug) for d in plan.departments()],
        )
    )
    return [(str(heading), entries) for heading, entries in groups]


def _static_pages() -> list[Page]:
    """The published static pages in a fixed order."""
    pages = {page.slug: page for page in db.session.scalars(select(Page))}
    return [
        pages[slug] for slug in STATIC_PAGES if slug in pages and pages[slug].status == PUBLISHED
    ]
