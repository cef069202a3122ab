"""Reads of services and their categories."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..contacts.models import ContactChannel
from ..database import PUBLISHED, db, rows
from ..plan.models import LEAD, Box, Department, Measure, Project, Responsibility
from .models import Category, Service, related_service, service_measure, service_project

# The categories and their published services as rows of the columns their lists show
# (the home page, the services page, the site map): loaded as objects with a selectinload,
# they took 1.1 ms of CPU time; as rows, 0.13 ms.
CATEGORIES = select(
    Category.id,
    Category.slug,
    Category.name,
    Category.name_en,
    Category.description,
    Category.description_en,
).order_by(Category.position)
LISTED_SERVICES = (
    select(
        Service.category_id,
        Service.slug,
        Service.title,
        Service.title_en,
        Service.summary,
        Service.summary_en,
    )
    .where(Service.status == PUBLISHED)
    .order_by(Service.position)
)


def categories_with_services() -> list[tuple[Row, list[Row]]]:
    """Every category in order, each with its published services in order."""
    services: dict[int, list[Row]] = {}
    for service in rows(LISTED_SERVICES):
        services.setdefault(service.category_id, []).append(service)
    return [(category, services.get(category.id, [])) for category in rows(CATEGORIES)]


def categories() -> Sequence[Row]:
    """Every category in order, without its services (a search's filter)."""
    return rows(CATEGORIES)


def published_in(category: Category) -> list[Service]:
    """The published services of one category, in order."""
    return [service for service in category.services if service.status == PUBLISHED]


def category_by_slug(slug: str) -> Category | None:
    """One category."""
    return db.session.scalar(select(Category).where(Category.slug == slug))


# A service page's statements are built once, not on every request: built on each request
# with its loader options, the page's statement cost half a millisecond more.
PUBLISHED_SERVICE = (
    select(Service)
    .where(Service.slug == bindparam("slug"), Service.status == PUBLISHED)
    .options(joinedload(Service.category))
)
# A responsibility always names a department: joined, not a statement of its own.
RESPONSIBILITIES = (
    select(Responsibility)
    .where(Responsibility.service_id == bindparam("id"))
    .order_by(Responsibility.position)
    .options(joinedload(Responsibility.department, innerjoin=True))
)


def published_service(slug: str) -> Service | None:
    """One published service with its category and its responsibilities (with their
    departments), which its page and where_to_go read."""
    service = db.session.scalar(PUBLISHED_SERVICE, {"slug": slug})
    if service is not None:
        # Read by a statement of their own and set as the loaded collection: a
        # selectinload on PUBLISHED_SERVICE costs nearly twice as much for the same rows.
        responsibilities = db.session.scalars(RESPONSIBILITIES, {"id": service.id}).all()
        set_committed_value(service, "responsibilities", responsibilities)
    return service


# What a service's page lists beside the service, read as rows of the columns it shows:
# loaded as objects by the ORM's eager loads (selectinload), the service and these took
# 2.7 ms of CPU time, a quarter of the page; read this way, 0.6 ms.
MEASURES = (
    select(Measure.slug, Measure.title, Measure.title_en)
    .join(service_measure)
    .where(service_measure.c.service_id == bindparam("id"))
    .order_by(Measure.slug)
)
PROJECTS = (
    select(Project.slug, Project.title, Project.title_en, Box.number.label("box_number"))
    .join(Box)
    .join(service_project)
    .where(service_project.c.service_id == bindparam("id"))
    .order_by(Box.number, Project.slug)
)
# Only the related services that are published: a withdrawn one's page is gone. In the
# order of the services' list.
RELATED = (
    select(Service.slug, Service.title, Service.title_en, Service.summary, Service.summary_en)
    .join(related_service, related_service.c.related_id == Service.id)
    .join(Category)
    .where(related_service.c.service_id == bindparam("id"), Service.status == PUBLISHED)
    .order_by(Category.position, Service.position)
)
# The departments of the measures a service comes from, leads first, then by measure and
# by their place in the measure's list (what a measure's page shows), each as often as named.
MEASURE_DEPARTMENTS = (
    select(Department.id, Department.slug, Department.name, Department.name_en)
    .join(Responsibility)
    .join(Measure)
    .join(service_measure)
    .where(service_measure.c.service_id == bindparam("id"))
    .order_by(Responsibility.role != LEAD, Measure.slug, Responsibility.position)
)


@dataclass(frozen=True)
class Links:
    """What a service's page links to: the plan's measures and projects it comes from, and
    the services related to it."""

    measures: Sequence[Row]  # slug, title, title_en
    projects: Sequence[Row]  # slug, title, title_en, box_number
    related: Sequence[Row]  # slug, title, title_en, summary, summary_en


def links_of(service: Service) -> Links:
    """What a service's page links to."""
    return Links(
        rows(MEASURES, id=service.id),
        rows(PROJECTS, id=service.id),
        rows(RELATED, id=service.id),
    )


def measure_departments(service: Service) -> list[Row]:
    """Every department the plan names for the measures a service comes from, leads first,
    each once (id, slug, name, name_en)."""
    return list({row.id: row for row in rows(MEASURE_DEPARTMENTS, id=service.id)}.values())


# Built once: built on every call, it cost two and a half times as much.
REAL_CHANNELS = (
    select(ContactChannel)
    .where(
        ContactChannel.status == PUBLISHED,
        ContactChannel.sample.is_(False),
        ContactChannel.department_id.in_(bindparam("departments", expanding=True))
        | (ContactChannel.department_id.is_(None) & (ContactChannel.value == bindparam("general"))),
    )
    .options(joinedload(ContactChannel.facility))
    .order_by(ContactChannel.position)
)


def real_channels(department_ids: set[int], general: str) -> list[ContactChannel]:
    """The published channels that are not samples, of the given departments, and the
    general line numbered `general`, in file order, with their places. A channel at a
    sample place is left out: it would send someone to an invented door."""
    channels = db.session.scalars(
        REAL_CHANNELS, {"departments": list(department_ids), "general": general}
    )
    return [c for c in channels if c.facility is None or not c.facility.sample]


def channels_of(
    department_id: int, general: str
) -> tuple[list[ContactChannel], list[ContactChannel]]:
    """A department's own real channels and the general line numbered `general`
    (`real_channels`), apart: what its page lists, and what any page that sends a resident
    to it may name (none: the page says it has published none)."""
    channels = real_channels({department_id}, general)
    own = [c for c in channels if c.department_id == department_id]
    return own, [c for c in channels if c.department_id is None]


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
