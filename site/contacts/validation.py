"""The rules a contact channel record keeps beyond each field's own (type, length,
choices: see kinds.py), whoever writes it: content files, the editor or a spreadsheet
(see facilities/validation.py for how each uses them)."""

from urllib.parse import quote

from flask_babel import gettext as _

from .. import opening_hours, phone_numbers
from ..facilities.validation import raised
from ..kinds import Problem
from ..mail.addresses import email_problem, typed_address


def problems(record: dict) -> list[Problem]:
    """Every rule the contact record breaks, by field."""
    found = raised("hours", hours_problems, record.get("hours"))
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
    if not record.get("sample") and record.get("value"):
        message = value_problem(record.get("channel"), record["value"])
        if message is not None:
            found.append(Problem("value", message))
    return found


def value_problem(channel: object, value: str) -> str | None:
    """What is wrong with the number or address of a channel residents call, text or mail,
    or None: it becomes the link they press (`link`), so it must be one a phone dials, a
    text reaches or a mail server takes, with nothing else in it."""
    if channel == "phone":
        return phone_numbers.call_problem(value)
    if channel == "sms":
        return phone_numbers.text_problem(value)
    if channel == "email":
        return email_problem(typed_address(value))
    return None


def link(scheme: str | None, value: str | None) -> str | None:
    """The tel:, sms: or mailto: link a published number or address makes, or None for none
    (no scheme, no value, or a value saved before `value_problem` that is no number or
    address: the page shows it as text rather than a link that calls nobody)."""
    if not value:
        return None
    if scheme == "tel" and (number := phone_numbers.dialled_number(value)):
        return f"tel:{number}"
    if scheme == "sms" and (number := phone_numbers.texted_number(value)):
        return f"sms:{number}"
    if scheme == "mailto" and email_problem(address := typed_address(value)) is None:
        # An address may hold ? # % & before its @, which a mailto: link would read as
        # its own parts (RFC 6068): percent-encoded, they stay the address's.
        return f"mailto:{quote(address, safe='@')}"
    return None


def hours_problems(rules: list[dict] | None) -> None:
    """Raise ValueError for hours that cannot be read, or whose periods overlap on a day:
    the rule a place's hours are saved by (facilities.validation.hours_problems), but a
    contact line may run past midnight (20:00-08:00). A night line (a hotline, a duty
    phone) is one period as residents read it ("20:00至次日08:00"), where a place open at
    night is far more often two times swapped. Its night is checked as the two periods it
    is, one each side of midnight, so that it may not overlap the next morning's either.
    Hours saved before this rule are still read (see opening_hours.parse)."""
    opening_hours.parse(rules)  # what cannot be read, said as for every reader
    if rules is not None:
        opening_hours.parse(_split_at_midnight(rules), strict=True)


def _split_at_midnight(rules: list[dict]) -> list[dict]:
    """The rules with each period that closes at or before it opens (`parse` has read them)
    written as two: to 24:00, then from 00:00 on the next day (none when it closes at
    00:00)."""
    split = []
    for rule in rules:
        opens, closes = (_minutes(rule[end]) for end in ("opens", "closes"))
        if closes > opens:
            split.append(rule)
            continue
        split.append({**rule, "closes": "24:00"})
        if closes:
            days = opening_hours.DAYS
            after = [days[(days.index(day) + 1) % len(days)] for day in rule["days"]]
            split.append({"days": after, "opens": "00:00", "closes": rule["closes"]})
    return split


def _minutes(clock: str) -> int:
    """A time "HH:MM" that `parse` has read ("8:30" too) in minutes from midnight."""
    hours, _sep, minutes = str(clock).partition(":")
    return int(hours) * 60 + int(minutes)
