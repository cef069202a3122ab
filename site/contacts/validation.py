"""The rules a contact channel record keeps beyond each field's own (type, length,
choices: see kinds.py), whoever writes it: content files, the editor or a spreadsheet
(see facilities/validation.py for how each uses them)."""

from flask_babel import gettext as _

from .. import opening_hours
from ..facilities.validation import raised
from ..kinds import Problem


def problems(record: dict) -> list[Problem]:
    """Every rule the contact record breaks, by field."""
    found = raised("hours", opening_hours.parse, record.get("hours"))
    if record.get("sample") and record.get("value"):
        # An invented number could ring a stranger: sample records carry none.
        message = _("示例数据不能填写号码或地址：请填写核实过的号码并取消“示例数据”。")
        found.append(Problem("value", message))
    if (
        not record.get("sample")
        and not record.get("value")
        and record.get("channel") != "in-person"
    ):
        message = _("请填写号码、账号或地址；还没有核实的，请勾选“示例数据”。")
        found.append(Problem("value", message))
    return found
