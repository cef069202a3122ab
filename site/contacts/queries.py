"""Reads of contact channels: the directory, and the ways to ask about a service or place."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import opening_hours
from ..database import PUBLISHED, db
from ..facilities.models import Facility
from ..plan.models import LEAD
from ..services.models import Service
from .channels import CHANNELS
from .filters import ContactFilters
from .models import ContactChannel


@dataclass(frozen=True)
class Reachable:
    """A channel and whether it answers now.

    None when its hours are not published, and when it cannot be used at all yet (no
    number or place published): "available now" would be a false promise.
    """

    contact: ContactChannel
    open_now: bool | None

    @classmethod
    def at(cls, contact: ContactChannel, now: datetime) -> "Reachable":
        """The channel with its state at the local time `now`."""
        return cls(contact, opening_hours.is_open(contact.hours, now) if contact.usable else None)


def published() -> list[ContactChannel]:
    """Every published channel, in file order."""
    return list(
        db.session.scalars(
            select(ContactChannel)
            .where(ContactChannel.status == PUBLISHED)
            .options(
                selectinload(ContactChannel.department),
                selectinload(ContactChannel.facility),
                selectinload(ContactChannel.services),
            )
            .order_by(ContactChannel.position)
        )
    )


def any_local_published() -> bool:
    """True when a real channel of a department or a place here is published (beyond the
    national lines, which belong to neither)."""
    local = select(ContactChannel.id).where(
        ContactChannel.status == PUBLISHED,
        ContactChannel.sample.is_(False),
        or_(ContactChannel.department_id.is_not(None), ContactChannel.facility_id.is_not(None)),
    )
    return db.session.scalar(local.limit(1)) is not None


def published_contact(slug: str) -> ContactChannel | None:
    """One published channel with its department, place and services (its page links the
    published ones: `ContactChannel.public_services`)."""
    return db.session.scalar(
        select(ContactChannel)
        .where(ContactChannel.slug == slug, ContactChannel.status == PUBLISHED)
        .options(
            joinedload(ContactChannel.department),
            joinedload(ContactChannel.facility),
            selectinload(ContactChannel.services),
        )
    )


# The directory's and a place's channels, built once per process, with only what their
# cards show beside the channel itself: its place (`ContactChannel.place`).
LISTED = (
    select(ContactChannel)
    .where(ContactChannel.status == PUBLISHED)
    .options(selectinload(ContactChannel.facility))
    .order_by(ContactChannel.position)
)
AT_FACILITY = (
    select(ContactChannel)
    .where(ContactChannel.status == PUBLISHED, ContactChannel.facility_id == bindparam("id"))
    .options(selectinload(ContactChannel.facility))
    .order_by(ContactChannel.position)
)


def find(filters: ContactFilters, now: datetime) -> list[Reachable]:
    """The channels that meet the filters."""
    found = []
    for contact in db.session.scalars(LISTED):
        if filters.need and filters.need not in contact.needs:
            continue
        if filters.channel and contact.channel != filters.channel:
            continue
        reachable = Reachable.at(contact, now)
        if filters.open_now and not reachable.open_now:
            continue
        found.append(reachable)
    return found


# The ways to ask about a service, built once per process: built on every request, the
# statement cost more than the SQL it sends.
FOR_SERVICE = (
    select(ContactChannel)
    .where(
        ContactChannel.status == PUBLISHED,
        ContactChannel.services.any(Service.id == bindparam("id"))
        | ContactChannel.department_id.in_(bindparam("leads", expanding=True))
        | ContactChannel.department_id.is_(None),
    )
    .options(joinedload(ContactChannel.facility))
)
# Each kind of channel's place in the lists: phone lines first, then SMS, and so on.
RANK = {channel: rank for rank, channel in enumerate(CHANNELS)}


def for_service(service: Service, now: datetime) -> list[Reachable]:
    """Every way to ask about a service: its own channels, its lead departments', then general.

    Ordered by channel kind, so a reader finds all phone lines together, then SMS, and so on.
    """
    leads = list({r.department_id for r in service.responsibilities if r.role == LEAD})
    chosen = list(db.session.scalars(FOR_SERVICE, {"id": service.id, "leads": leads}))
    chosen.sort(key=lambda contact: (RANK[contact.channel], contact.position))
    return [Reachable.at(contact, now) for contact in chosen]


def at_facility(facility: Facility, now: datetime) -> list[Reachable]:
    """The counters and channels based at a facility."""
    return [Reachable.at(c, now) for c in db.session.scalars(AT_FACILITY, {"id": facility.id})]
