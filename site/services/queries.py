"""Reads of services and their categories."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from ..contacts.models import ContactChannel
from ..database import PUBLISHED, db
from ..plan.models import Measure, Responsibility
from .models import Category, Service, service_measure


def categories_with_services() -> list[tuple[Category, list[Service]]]:
    """Every category in order, each with its published services."""
    categories = db.session.scalars(
        select(Category).order_by(Category.position).options(selectinload(Category.services))
    )
    return [(category, published_in(category)) for category in categories]


def categories() -> list[Category]:
    """Every category in order, without its services."""
    return list(db.session.scalars(select(Category).order_by(Category.position)))


def published_in(category: Category) -> list[Service]:
    """The published services of one category, in order."""
    return [service for service in category.services if service.status == PUBLISHED]


def category_by_slug(slug: str) -> Category | None:
    """One category."""
    return db.session.scalar(select(Category).where(Category.slug == slug))


# A service page's statement, built once: built with its loader options on every request,
# it cost half a millisecond more.
PUBLISHED_SERVICE = (
    select(Service)
    .where(Service.slug == bindparam("slug"), Service.status == PUBLISHED)
    .options(
        joinedload(Service.category),
        # A responsibility always names a department: joined, not a statement of its own.
        selectinload(Service.responsibilities).joinedload(
            Responsibility.department, innerjoin=True
        ),
        selectinload(Service.measures)
        .selectinload(Measure.responsibilities)
        .joinedload(Responsibility.department, innerjoin=True),
        selectinload(Service.projects),
        selectinload(Service.related),
    )
)


def published_service(slug: str) -> Service | None:
    """One published service with everything its page shows."""
    return db.session.scalar(PUBLISHED_SERVICE, {"slug": slug})


def real_channels(department_ids: set[int], general: str) -> list[ContactChannel]:
    """The published channels that are not samples, of the given departments, and the
    general line numbered `general`, in file order, with their places. A channel at a
    sample place is left out: it would send someone to an invented door."""
    channels = db.session.scalars(
        select(ContactChannel)
        .where(
            ContactChannel.status == PUBLISHED,
            ContactChannel.sample.is_(False),
            ContactChannel.department_id.in_(department_ids)
            | (ContactChannel.department_id.is_(None) & (ContactChannel.value == general)),
        )
        .options(joinedload(ContactChannel.facility))
        .order_by(ContactChannel.position)
    )
    return [c for c in channels if c.facility is None or not c.facility.sample]


def services_from(measure: Measure) -> list[Service]:
    """Published services derived from a measure."""
    return list(
        db.session.scalars(
            select(Service)
            .join(service_measure)
            .where(service_measure.c.measure_id == measure.id, Service.status == PUBLISHED)
            .order_by(Service.position)
        )
    )


# Services offered when a search finds nothing: those behind the plan's binding indicators
# (allowances, assistive devices) and the certificate most of them need. There are no usage
# figures yet, so the page does not call them "most used".
SUGGESTED = (
    "living-allowance",
    "severe-disability-care-allowance",
    "subsistence-allowance",
    "assistive-devices",
    "disability-certificate",
)


def suggested() -> list[Service]:
    """The services to suggest after an empty search, in order, as far as published."""
    found = db.session.scalars(
        select(Service).where(Service.slug.in_(SUGGESTED), Service.status == PUBLISHED)
    )
    by_slug = {service.slug: service for service in found}
    return [by_slug[slug] for slug in SUGGESTED if slug in by_slug]
