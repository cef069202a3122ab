"""Reads of published updates, newest first."""

from datetime import datetime

from sqlalchemy import func, select

from ..database import PUBLISHED, WITHDRAWN, db
from ..opening_hours import local
from .models import Update

PER_PAGE = 20


def _published():
    return select(Update).where(Update.status == PUBLISHED)


def page_of(number: int) -> tuple[list[Update], int]:
    """One page of published updates, newest first, and the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(_published().subquery()))
    pages = max(1, -(-total // PER_PAGE))
    items = db.session.scalars(
        _published()
        .order_by(Update.published_at.desc(), Update.id.desc())
        .offset((min(number, pages) - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return list(items), pages


def latest(count: int) -> list[Update]:
    """The newest published updates."""
    return list(
        db.session.scalars(
            _published().order_by(Update.published_at.desc(), Update.id.desc()).limit(count)
        )
    )


def last_public_change() -> datetime | None:
    """When the public list of updates last changed: the newest change to an update that
    is published or was withdrawn (a withdrawal takes an entry out). None when there was
    never one."""
    statuses = (PUBLISHED, WITHDRAWN)
    return db.session.scalar(select(func.max(Update.updated_at)).where(Update.status.in_(statuses)))


def published_update(slug: str) -> Update | None:
    return db.session.scalar(_published().where(Update.slug == slug))


def local_date(moment: datetime):
    """The date in Chiping of a UTC time stored without zone."""
    return local(moment).date()
