"""What the schema.org JSON-LD of every feature shares: the vocabulary's address, the
district and opening hours.

Records of the demo pack (`sample`) have none: a machine reading a page is never told an
invented place or number is a fact. Each feature writes its own JSON-LD (services,
facilities, contacts `structured_data.py`).
"""

from . import opening_hours
from .i18n import localized

CONTEXT = "https://schema.org"
AREA = {"@type": "AdministrativeArea", "name": "聊城市茌平区"}
SCHEMA_DAYS = dict(
    zip(
        opening_hours.DAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)


def text(item: object, field: str) -> str:
    """A field in the visitor's language (Chinese where there is no translation)."""
    return localized(item, field)[0] or ""


def hours(key: str, rules: list[dict] | None) -> dict:
    """`{key: [...]}` for the hours given, nothing when there are none (no empty list)."""
    specification = hours_specification(rules)
    return {key: specification} if specification else {}


def hours_specification(rules: list[dict] | None) -> list[dict]:
    """Opening hours as schema.org OpeningHoursSpecification items."""
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [f"{CONTEXT}/{SCHEMA_DAYS[day]}" for day in rule["days"]],
            "opens": rule["opens"],
            "closes": "23:59" if rule["closes"] == "24:00" else rule["closes"],
        }
        for rule in rules or []
    ]
