"""The audit log: one row per thing a member of staff did."""

from flask import g

from ...database import db
from ...query_args import xml_safe
from ..models import AuditEntry


class _TheSite:
    """What the site does by itself (its hourly housekeeping), in whoever's request it runs:
    logged as 系统, not as the member of staff whose request it was."""

    id = None
    username = ""


THE_SITE = _TheSite()


def record(action: str, kind: str = "", key: str = "", detail: str = "", user=None) -> None:
    """Note that `user` (default: the signed-in member of staff) did `action`; the caller
    commits."""
    user = user or g.get("staff")
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            username=user.username if user else "",
            action=action,
            kind=kind,
            # Details name what staff sent (a spreadsheet's file name): without the
            # characters XML does not allow, NUL among them, which PostgreSQL refuses.
            key=xml_safe(str(key)),
            detail=xml_safe(detail)[:2000],
        )
    )
