"""A service page's schema.org JSON-LD: a GovernmentService with its providers and the
real phone lines to ask on."""

from flask import url_for

from .. import schema_org
from ..contacts.structured_data import contact_point
from .departments import in_charge
from .models import Service


def government_service(item: Service, channels: list) -> dict:
    """A GovernmentService with its providers and the real phone lines to ask on."""
    providers = in_charge(item)
    return {
        "@context": schema_org.CONTEXT,
        "@type": "GovernmentService",
        "name": schema_org.text(item, "title"),
        "description": schema_org.text(item, "summary"),
        "url": url_for("services.detail", slug=item.slug, _external=True),
        "serviceType": schema_org.text(item.category, "name"),
        "areaServed": schema_org.AREA,
        "provider": [
            {"@type": "GovernmentOrganization", "name": d.full_name or d.name} for d in providers
        ],
        "availableChannel": [
            {
                "@type": "ServiceChannel",
                "name": schema_org.text(channel, "name"),
                "servicePhone": contact_point(channel),
            }
            for channel in channels
            if channel.channel == "phone"
            and channel.value
            and not channel.sample
            and channel.serves_district
        ],
    }
