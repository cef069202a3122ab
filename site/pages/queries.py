"""Reads for the home page, static pages and the site map."""

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import demo
from ..contacts import queries as contacts
from ..database import PUBLISHED, db
from ..facilities import queries as facilities
from ..i18n import localized
from ..plan import queries as plan
from ..plan.models import Measure
from ..services import queries as services
from ..updates import queries as updates
from .models import Page

STATIC_PAGES = ("about", "accessibility", "contact")
# A page read inside another page rather than at an address of its own: the plan's
# introduction (its title, date of issue and preamble) opens the plan's contents.
READ_AT = {"plan": "plan.full_text"}


@dataclass(frozen=True)
class Entry:
    """A link in the site map: its text (with the language it is in) and its URL."""

    text: str
    url: str
    lang: str | None = None


def published_page(slug: str) -> Page | None:
    """A published static page."""
    return db.session.scalar(select(Page).where(Page.slug == slug, Page.status == PUBLISHED))


def page_url(slug: str) -> str:
    """Where a resident reads a static page."""
    if slug in READ_AT:
        return url_for(READ_AT[slug])
    return url_for("pages.static", slug=slug)


def site_map() -> list[tuple[str, list[Entry]]]:
    """Every public page, grouped under headings, for the HTML site map and sitemap.xml."""

    def entry(item: object, field: str, endpoint: str, **values: Any) -> Entry:
        """An entry for an item: its field in the visitor's language, and its page."""
        text, lang = localized(item, field)
        return Entry(text or "", url_for(endpoint, **values), lang)

    def page(text: str, endpoint: str) -> Entry:
        """An entry for a page that is not an item's."""
        return Entry(text, url_for(endpoint))

    site = [
        page(_("首页"), "pages.home"),
        page(_("搜索"), "site_search.results"),
        page(_("网站地图"), "pages.site_map"),
    ]
    site += [entry(p, "title", "pages.static", slug=p.slug) for p in _static_pages()]
    update_entries = [
        page(_("全部通知公告"), "updates.index"),
        page(_("订阅更新"), "updates.feeds"),
        page(_("订阅邮件提醒"), "alerts.index"),
    ]
    update_entries += [
        entry(u, "title", "updates.detail", slug=u.slug) for u in updates.latest(None)
    ]
    service_entries = [
        page(_("全部服务"), "services.index"),
        page(_("我能申请什么"), "eligibility.start"),
    ]
    for category, items in services.categories_with_services():
        service_entries.append(entry(category, "name", "services.category", slug=category.slug))
        service_entries += [entry(s, "title", "services.detail", slug=s.slug) for s in items]

    def measure(m: Measure) -> Entry:
        """A measure's entry, its number before its title."""
        text, lang = localized(m, "title")
        return Entry(f"{m.slug} {text}", url_for("plan.measure", slug=m.slug), lang)

    plan_entries = [page(_("规划全文"), "plan.full_text")]
    plan_entries += [
        entry(s, "title", "plan.section", slug=s.slug) for s in plan.sections_in_order()
    ]
    plan_entries.append(page(_("主要措施"), "plan.measures"))
    plan_entries += [measure(m) for m in plan.measures_in_order()]
    plan_entries += [page(_("主要指标"), "plan.indicators"), page(_("重点项目"), "plan.projects")]
    place_entries = [page(_("无障碍场所"), "facilities.finder")]
    place_entries += [
        entry(f, "name", "facilities.detail", slug=f.slug)
        for f in demo.facts(facilities.published())
    ]
    place_entries.append(page(_("找人帮忙：联系方式"), "contacts.directory"))
    place_entries += [
        entry(c, "name", "contacts.detail", slug=c.slug) for c in demo.facts(contacts.published())
    ]
    place_entries.append(page(_("开放数据"), "open_data.index"))
    place_entries.append(page(_("在网上联系我们"), "feedback.index"))
    place_entries.append(page(_("你们反映的问题和我们的处理"), "feedback.results"))
    department_entries = [page(_("全部部门"), "plan.departments")]
    department_entries += [
        entry(d, "name", "plan.department", slug=d.slug) for d in plan.departments()
    ]
    return [
        (_("网站"), site),
        (_("服务"), service_entries),
        (_("通知公告"), update_entries),
        (_("场所和联系方式"), place_entries),
        (_("规划"), plan_entries),
        (_("部门"), department_entries),
    ]


def _static_pages() -> list[Page]:
    """The published static pages in a fixed order."""
    pages = {page.slug: page for page in db.session.scalars(select(Page))}
    return [
        pages[slug] for slug in STATIC_PAGES if slug in pages and pages[slug].status == PUBLISHED
    ]
