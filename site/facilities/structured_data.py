"""A facility page's schema.org JSON-LD: a Place with its hours, location and measured
accessibility."""

from flask import url_for

from .. import schema_org
from . import features


def place(item) -> dict:
    """A Place with its hours, location and measured accessibility as amenityFeature."""
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
        **schema_org.hours("openingHoursSpecification", item.hours),
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
            "description": schema_org.sample_note(),
        }
    return schema_org.with_sample_note(item, data)
