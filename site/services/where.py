"""去哪里办: where a resident goes for a service. Only real places: an invented one (a
sample, from the demo pack) could send someone to a door that is not there. Without a
real place, the departments that answer for the service and the real ways to reach them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row

from ..contacts import queries as contacts
from ..facilities import queries as facilities
from ..facilities.models import Facility
from ..plan.models import Department
from .departments import handling, in_charge
from .models import Service
from .queries import real_channels

# The general government service hotline, the one number the site gives as real for every
# service (see CONTRIBUTING.md, "Rules of the house").
GENERAL_HOTLINE = "12345"


@dataclass(frozen=True)
class WhereToGo:
    """The real places offering a service; failing those, whom to reach and how."""

    places: Sequence[Facility | Row]  # what a list of places shows: slug, name, name_en
    departments: list[Department]
    channels: list[contacts.Reachable]


def where_to_go(service: Service, now: datetime) -> WhereToGo:
    """The real places for a service, or its departments and their real channels."""
    places = facilities.offering(service)
    departments = list({d.id: d for d in in_charge(service) + handling(service)}.values())
    ids = {department.id for department in departments}
    channels = [
        contacts.Reachable.at(contact, now) for contact in real_channels(ids, GENERAL_HOTLINE)
    ]
    return WhereToGo(places, departments, channels)
