"""schema.org JSON-LD for service, facility and contact pages.

Sample records say so in the data too (in the description, and on a Place as the
additionalProperty sampleData), so a machine reading the page is not told an example is a fact.
"""

from flask import url_for
from flask_babel import gettext as _

from . import opening_hours
from .contacts.channels import CHANNELS
from .facilities import features
from .i18n import localized
from .plan.models import LEAD

CONTEXT = "https://schema.org"
AREA = {"@type": "AdministrativeArea", "name": "聊城市茌平区"}
SCHEMA_DAYS = dict(
    zip(
        opening_hours.DAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
SIGN_LANGUAGE = {"@type": "Language", "name": "中国手语", "alternateName": "csl"}
LANGUAGES = {"zh": "zh-CN", "written-zh": "zh-CN", "csl": SIGN_LANGUAGE}


def _text(item, field: str) -> str:
    """A field in the visitor's language (Chinese where there is no translation)."""
    return localized(item, field)[0] or ""


def sample_note() -> str:
    """What every sample record says of itself, in the visitor's language."""
    return _("示例数据，以区残联公布为准")


def _sample(item, data: dict) -> dict:
    """`data`, saying in its description that the record is sample data when it is."""
    if getattr(item, "sample", False):
        data["description"] = _(
            "%(note)s。%(description)s", note=sample_note(), description=data["description"]
        )
    return data


def _hours(key: str, rules: list[dict] | None) -> dict:
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


def service(item, channels: list) -> dict:
    """A GovernmentService with its providers and the real phone lines to ask on."""
    providers = [r.department for r in item.responsibilities if r.role == LEAD]
    return {
        "@context": CONTEXT,
        "@type": "GovernmentService",
        "name": _text(item, "title"),
        "description": _text(item, "summary"),
        "url": url_for("services.detail", slug=item.slug, _external=True),
        "serviceType": _text(item.category, "name"),
        "areaServed": AREA,
        "provider": [
            {"@type": "GovernmentOrganization", "name": d.full_name or d.name} for d in providers
        ],
        "availableChannel": [
            {
                "@type": "ServiceChannel",
                "name": _text(channel, "name"),
                "servicePhone": contact_point(channel),
            }
            for channel in channels
            if channel.channel == "phone" and channel.value and not channel.sample
        ],
    }


def facility(item) -> dict:
    """A Place with its hours, location and measured accessibility as amenityFeature."""
    data = {
        "@context": CONTEXT,
        "@type": "Place",
        "name": _text(item, "name"),
        "description": _text(item, "summary"),
        "url": url_for("facilities.detail", slug=item.slug, _external=True),
        "containedInPlace": {"@type": "AdministrativeArea", "name": item.township.name},
        "address": {
            "@type": "PostalAddress",
            "addressRegion": "山东省",
            "addressLocality": "聊城市茌平区",
            **({"streetAddress": item.address} if item.address else {}),
        },
        **_hours("openingHoursSpecification", item.hours),
        "amenityFeature": [
            {
                "@type": "LocationFeatureSpecification",
                "name": str(feature.name),
                "value": measured["available"],
            }
            for feature in features.FEATURES
            if (measured := (item.accessibility or {}).get(feature.code)) is not None
        ],
    }
    if item.point():
        latitude, longitude = item.point()
        data["geo"] = {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude}
    if item.phone and not item.sample:
        data["telephone"] = item.phone
    if item.sample:
        data["additionalProperty"] = {
            "@type": "PropertyValue",
            "name": "sampleData",
            "value": True,
            "description": sample_note(),
        }
    return _sample(item, data)


def contact_point(item) -> dict:
    """A ContactPoint, marked HearingImpairedSupported where it serves deaf people."""
    data = {
        "@type": "ContactPoint",
        "name": _text(item, "name"),
        "description": _text(item, "summary"),
        "contactType": str(CHANNELS[item.channel]),
        "areaServed": AREA,
        "availableLanguage": _languages(item.languages),
        **_hours("hoursAvailable", item.hours),
    }
    if item.value and not item.sample:
        key = {"phone": "telephone", "sms": "telephone", "email": "email"}.get(item.channel)
        if key:
            data[key] = item.value
    if {"deaf", "hard-of-hearing"} & set(item.needs):
        data["contactOption"] = f"{CONTEXT}/HearingImpairedSupported"
    return _sample(item, data)


def _languages(codes: list[str]) -> list:
    """schema.org availableLanguage values, each once."""
    languages = []
    for code in codes:
        if LANGUAGES[code] not in languages:
            languages.append(LANGUAGES[code])
    return languages


def contact(item) -> dict:
    """A ContactPoint page's JSON-LD document."""
    return {
        "@context": CONTEXT,
        **contact_point(item),
        "url": url_for("contacts.detail", slug=item.slug, _external=True),
    }
