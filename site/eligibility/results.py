"""What the result page reads: the published services, and where to go for those found.

`where_to_go_for` gives, for many services at once, what services/where.py's `where_to_go`
gives for one (the same real places, departments and real channels, as tests/
test_eligibility.py checks), in two statements however many services a result lists.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..contacts.queries import Reachable
from ..database import PUBLISHED, db
from ..facilities.models import Facility, Township, facility_service
from ..plan.models import Responsibility
from ..services.departments import handling, in_charge
from ..services.models import Category, Service
from ..services.queries import real_channels
from ..services.where import GENERAL_HOTLINE, WhereToGo


def published_services() -> dict[str, Service]:
    """Every published service by slug, in the order of the services' pages, with what a
    result shows of each."""
    services = db.session.scalars(
        select(Service)
        .join(Category)
        .where(Service.status == PUBLISHED)
        .order_by(Category.position, Service.position)
        .options(selectinload(Service.responsibilities).joinedload(Responsibility.department))
    )
    return {service.slug: service for service in services}


def where_to_go_for(services: list[Service], now: datetime) -> dict[str, WhereToGo]:
    """For each service, by slug: its real places, or its departments and their channels."""
    places: dict[int, list[Facility]] = {service.id: [] for service in services}
    rows = db.session.execute(
        select(facility_service.c.service_id, Facility)
        .join(Facility, Facility.id == facility_service.c.facility_id)
        .join(Township)
        .where(
            facility_service.c.service_id.in_(places),
            Facility.status == PUBLISHED,
            Facility.sample.is_(False),
        )
        .order_by(Township.position, Facility.position)
        .options(joinedload(Facility.township))
    )
    for service_id, facility in rows:
        places[service_id].append(facility)
    teams = {
        service.slug: list({d.id: d for d in in_charge(service) + handling(service)}.values())
        for service in services
    }
    every_department = {department.id for team in teams.values() for department in team}
    channels = real_channels(every_department, GENERAL_HOTLINE) if services else []
    found = {}
    for service in services:
        ids = {department.id for department in teams[service.slug]}
        reachable = [
            Reachable.at(channel, now)
            for channel in channels
            if channel.department_id is None or channel.department_id in ids
        ]
        found[service.slug] = WhereToGo(places[service.id], teams[service.slug], reachable)
    return found


def general_lines(now: datetime) -> list[Reachable]:
    """The general line every result ends with (不知道找谁), as the services' pages give it."""
    return [Reachable.at(channel, now) for channel in real_channels(set(), GENERAL_HOTLINE)]
