"""The rules a service record keeps beyond each field's own (see kinds.py).

Only content files name a service's departments (`lead`, `participants`); the editor and
the spreadsheets leave them as they are, so the rule below never stops a staff member.
"""

from flask_babel import gettext as _

from ..kinds import Problem

DEPARTMENTS_SOURCE = "departments_source"


def problems(record: dict) -> list[Problem]:
    """Every rule the service record breaks, by field."""
    names_departments = "lead" in record or "participants" in record
    if names_departments and not str(record.get(DEPARTMENTS_SOURCE) or "").strip():
        # A service's departments are chosen for the service, not copied from its measure:
        # the file says where each choice comes from, so that a reviewer can check it.
        message = _(
            "请写明部门的依据（departments_source）：规划的哪项措施或项目，"
            "或国家、省的哪份文件（带文号）。"
        )
        return [Problem(DEPARTMENTS_SOURCE, message)]
    return []
