"""Rules a facility record must keep, whoever writes it (content files or staff)."""

from .. import opening_hours
from . import features

# The district's bounds, generously: a point outside is a typo (or latitude and longitude
# swapped), not a place in Chiping.
LATITUDE = (36.3, 36.9)
LONGITUDE = (115.9, 116.6)


def check_facility(record: dict) -> None:
    """Raise ValueError with a clear message for the first rule the record breaks."""
    if record.get("type") not in features.TYPES:
        raise ValueError(f"type must be one of {', '.join(features.TYPES)}")
    opening_hours.parse(record.get("hours"))
    features.validate(record.get("accessibility") or {})
    check_location(record.get("latitude"), record.get("longitude"))
    if record.get("sample") and any(record.get(f) for f in ("phone", "sms", "address")):
        # An invented number could ring a stranger, an invented address send someone to the
        # wrong door: sample records carry neither.
        raise ValueError("a sample record must not carry a phone number, SMS number or address")


def check_location(latitude, longitude) -> None:
    """Both coordinates or neither, and inside the district."""
    if latitude is None and longitude is None:
        return
    if not all(isinstance(value, int | float) for value in (latitude, longitude)):
        raise ValueError("latitude and longitude must both be numbers")
    if not (LATITUDE[0] <= latitude <= LATITUDE[1] and LONGITUDE[0] <= longitude <= LONGITUDE[1]):
        raise ValueError("the location is outside Chiping District")
