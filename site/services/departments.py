"""Who answers for a service: the department in charge (主管部门), those that handle
applications or work with it (经办、配合), and, apart from them, every department the plan
names for the measures the service comes from.

A service's departments are stored as `Responsibility` rows with the two role values the
content loader writes (a service file's `lead` and `participants`). On a service they mean
what the service's file chose from its source (`departments_source`), not the measure's
list: `lead` is the department in charge, `participants` the departments that handle
applications or assist. The department pages show them as "leads" and "takes part in".
"""

from dataclasses import dataclass

from sqlalchemy import Row

from ..plan.models import LEAD, PARTICIPANT, Department
from .models import Service
from .queries import measure_departments

IN_CHARGE = LEAD
HANDLING = PARTICIPANT


def in_charge(service: Service) -> list[Department]:
    """The departments in charge of a service (主管部门), in the file's order."""
    return _with_role(service, IN_CHARGE)


def handling(service: Service) -> list[Department]:
    """The departments that handle applications for a service or assist (经办、配合)."""
    return _with_role(service, HANDLING)


def _with_role(service: Service, role: str) -> list[Department]:
    """The departments with `role` for the service, in the file's order."""
    return [r.department for r in service.responsibilities if r.role == role]


@dataclass(frozen=True)
class Departments:
    """A service's departments, as its page shows them."""

    in_charge: list[Department]
    handling: list[Department]
    # Every department the plan names for the measures the service comes from: the
    # measures' whole lists, which are wider than the service's own (rows: id, slug, name,
    # name_en).
    in_the_plan: list[Row]


def of(service: Service) -> Departments:
    """The departments of a service: its own, and the plan's for its measures."""
    return Departments(in_charge(service), handling(service), measure_departments(service))
