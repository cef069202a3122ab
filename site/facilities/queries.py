"""Reads of townships and facilities, and the finder's search."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from ..database import PUBLISHED, db, rows
from ..services.models import Service
from . import hours
from .filters import FacilityFilters
from .geo import distance_km
from .hours import OpenNow
from .models import Facility, Township, facility_service


@dataclass(frozen=True)
class Found:
    """A facility in the finder's list: whether it is open now and how far it is.

    `approximate` is true when the distance is to its township's centre, the place's own
    location not being published.
    """

    facility: Facility
    open_now: OpenNow
    distance_km: float | None
    approximate: bool = False


# The finder's statements, built once per process: building one costs as much as the
# SQL it sends.
ANY_PUBLISHED = select(Facility.id).where(Facility.status == PUBLISHED).limit(1)
PUBLISHED_FACILITIES = (
    select(Facility)
    .join(Township)
    .where(Facility.status == PUBLISHED)
    .options(
        selectinload(Facility.township),
        selectinload(Facility.services),
    )
    .order_by(Township.position, Facility.position)
)


def any_published() -> bool:
    """True when at least one place is published."""
    return db.session.scalar(ANY_PUBLISHED) is not None


# The townships as the finder's and the search's filters show them: rows of the columns
# shown, read on every request of either page.
TOWNSHIPS = select(Township.slug, Township.name, Township.name_en).order_by(Township.position)


def townships() -> Sequence[Row]:
    """The 14 townships in their usual order."""
    return rows(TOWNSHIPS)


def published() -> list[Facility]:
    """Every published facility, by township then in file order."""
    return list(db.session.scalars(PUBLISHED_FACILITIES))


# A place's page's statement, built once like the finder's.
PUBLISHED_FACILITY = (
    select(Facility)
    .where(Facility.slug == bindparam("slug"), Facility.status == PUBLISHED)
    .options(
        joinedload(Facility.township),
        selectinload(Facility.services),
    )
)


def published_facility(slug: str) -> Facility | None:
    """One published facility with its township and services."""
    return db.session.scalar(PUBLISHED_FACILITY, {"slug": slug})


# Read on every service's page: built once, like the finder's, and as rows of the columns
# its list shows. Only real places: see services/where.py.
OFFERING = (
    select(Facility.slug, Facility.name, Facility.name_en)
    .join(facility_service)
    .join(Township)
    .where(
        facility_service.c.service_id == bindparam("id"),
        Facility.status == PUBLISHED,
        Facility.sample.is_(False),
    )
    .order_by(Township.position, Facility.position)
)


def offering(service: Service) -> Sequence[Row]:
    """The published real (not sample) facilities where a service is offered, as rows of
    slug, name and name_en."""
    return rows(OFFERING, id=service.id)


def find(filters: FacilityFilters, now: datetime) -> list[Found]:
    """The published facilities that meet the filters, nearest first when an origin is set."""
    origin = _origin(filters)
    found = []
    for facility in published():
        if filters.township and facility.township.slug != filters.township:
            continue
        if filters.type and facility.type != filters.type:
            continue
        if not all(facility.has(need) for need in filters.needs):
            continue
        open_now = hours.open_now(facility, now)
        # Only verified hours on a day they hold for count: "open" must be sure.
        if filters.open_now and open_now.open is not True:
            continue
        distance = distance_km(origin, facility.point_or_township()) if origin else None
        found.append(Found(facility, open_now, distance, facility.point() is None))
    if origin:
        found.sort(key=lambda item: item.distance_km or 0.0)  # each has one, with an origin
    return found


def _origin(filters: FacilityFilters) -> tuple[float, float] | None:
    """The point to measure distances from: the browser's location or a township's centre."""
    if filters.here:
        return filters.here
    if filters.near:
        township = db.session.scalar(select(Township).where(Township.slug == filters.near))
        return (township.latitude, township.longitude) if township else None
    return None
