"""The rules a contact channel record keeps, whoever writes it: content files, the editor
or a spreadsheet (see facilities/validation.py for how each uses them)."""

from flask_babel import gettext as _

from .. import opening_hours
from ..facilities.validation import raised
from ..kinds import Problem
from .channels import CHANNELS, LANGUAGES, NEEDS


def problems(record: dict) -> list[Problem]:
    """Every rule the contact record breaks, by field."""
    found = []
    channel = record.get("channel")
    if channel not in CHANNELS:
        found.append(
            Problem("channel", _("方式要从这些中选择：%(codes)s。", codes=", ".join(CHANNELS)))
        )
    found += raised("hours", opening_hours.parse, record.get("hours"))
    for name, allowed in (("needs", NEEDS), ("languages", LANGUAGES)):
        unknown = sorted(set(record.get(name) or []) - set(allowed))
        if unknown:
            message = _(
                "“%(values)s”不是可以填写的值。可以填写：%(allowed)s。",
                values="、".join(unknown),
                allowed=", ".join(allowed),
            )
            found.append(Problem(name, message))
    if record.get("sample") and record.get("value"):
        # An invented number could ring a stranger: sample records carry none.
        message = _("示例数据不能填写号码或地址：请填写核实过的号码并取消“示例数据”。")
        found.append(Problem("value", message))
    if not record.get("sample") and not record.get("value") and channel != "in-person":
        message = _("请填写号码、账号或地址；还没有核实的，请勾选“示例数据”。")
        found.append(Problem("value", message))
    return found


def check_contact(record: dict) -> None:
    """Raise ValueError naming the field of the first rule the record breaks."""
    found = problems(record)
    if found:
        raise ValueError(f"{found[0].field}: {found[0].message}")
