"""Rules a contact channel record must keep, whoever writes it (content files or staff)."""

from .. import opening_hours
from .channels import CHANNELS, LANGUAGES, NEEDS


def check_contact(record: dict) -> None:
    """Raise ValueError with a clear message for the first rule the record breaks."""
    if record.get("channel") not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    opening_hours.parse(record.get("hours"))
    for field, allowed in (("needs", NEEDS), ("languages", LANGUAGES)):
        unknown = set(record.get(field) or []) - set(allowed)
        if unknown:
            raise ValueError(f"{field}: unknown {', '.join(sorted(unknown))}")
    if record.get("sample") and record.get("value"):
        # An invented number could ring a stranger: sample records carry none.
        raise ValueError("a sample channel must not carry a number or address")
    if not record.get("sample") and not record.get("value") and record["channel"] != "in-person":
        raise ValueError("a channel that is not sample data needs its number or address")
