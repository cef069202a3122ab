"""A facility page's schema.org JSON-LD: a Place with its hours, location and measured
accessibility."""

from flask import url_for

from .. import schema_org
from . import features
from .models import Facility


def place(item: Facility) -> dict:
    """A Place with its verified hours, location and measured accessibility as
    amenityFeature."""
    data = {
        "@context": schema_org.CONTEXT,
        "@type": "Place",
        "name": schema_org.text(item, "name"),
        "description": schema_org.text(item, "summary"),
        "url": url_for("facilities.detail", slug=item.slug, _external=True),
        "containedInPlace": {"@type": "AdministrativeArea", "name": item.township.name},
        "address": {
            "@type": "PostalAddress",
            "addressRegion": "山东省",
            "addressLocality": "聊城市茌平区",
            **({"streetAddress": item.address} if item.address else {}),
        },
        # Machines get no caveat: hours nobody verified are left out.
        **schema_org.hours(
            "openingHoursSpecification", item.hours if item.hours_verified_on else None
        ),
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
    if point := item.point():
        latitude, longitude = point
        data["geo"] = {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude}
    if item.phone:
        data["telephone"] = item.phone
    return data
