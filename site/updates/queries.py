"""Reads of published updates, newest first."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from ..database import PUBLISHED, db
from ..i18n import localized
from ..opening_hours import local
from ..services.models import Category
from .models import NEWS, NOTICE, Update

PER_PAGE = 20


def _published() -> Select[Update]:
    return select(Update).where(Update.status == PUBLISHED)


def page_of(number: int) -> tuple[list[Update], int]:
    """One page of published updates, newest first, and the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(_published().subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    items = db.session.scalars(
        _published()
        .order_by(Update.published_at.desc(), Update.id.desc())
        .offset((min(number, pages) - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return list(items), pages


def latest(count: int | None, category: str | None = None) -> list[Update]:
    """The newest published updates; with `category`, of that kind or on that topic. Which
    are is read in Python (topics are a JSON list) from every published update's kind and
    topics alone, however far back the newest of a topic lies; then only those are loaded."""
    order = (Update.published_at.desc(), Update.id.desc())
    if category is None:
        return list(db.session.scalars(_published().order_by(*order).limit(count)))
    labels = select(Update.id, Update.kind, Update.topics).where(Update.status == PUBLISHED)
    chosen = [
        number
        for number, kind, topics in db.session.execute(labels.order_by(*order))
        if category in (kind, *(topics or []))
    ][:count]
    return list(db.session.scalars(_published().where(Update.id.in_(chosen)).order_by(*order)))


def feed_categories() -> dict[str, str]:
    """The feeds beside the main one, by the name in their address: each kind of update
    and each service category."""
    kinds = {NOTICE: _("通知公告"), NEWS: _("工作动态")}
    categories = db.session.scalars(select(Category).order_by(Category.position))
    return {**kinds, **{row.slug: localized(row, "name")[0] for row in categories}}


def last_public_change() -> datetime | None:
    """When the public list of updates last changed: the newest change to any update. A
    draft's counts too: an update taken back to a draft (an undone first publication)
    left the list then, and its own change is the only trace of that; without it the time
    would go back and a browser asking "changed since?" would be told no. A draft that
    was never public moves the time on for nothing, which costs a page sent again, never a
    stale one. None when there was never an update."""
    return db.session.scalar(select(func.max(Update.updated_at)))


def category_changed_at(slug: str) -> datetime | None:
    """When the service category `slug` last changed (its name titles its feed); None for
    a kind of update, which has no row."""
    return db.session.scalar(select(Category.updated_at).where(Category.slug == slug))


def published_update(slug: str) -> Update | None:
    """The published update with this slug, or None."""
    return db.session.scalar(_published().where(Update.slug == slug))


def local_date(moment: datetime) -> date:
    """The date in Chiping of a UTC time stored without zone."""
    return local(moment).date()
