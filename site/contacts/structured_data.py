"""A contact channel's schema.org JSON-LD: a ContactPoint, marked HearingImpairedSupported
where it serves deaf people, and serving the district only where that is confirmed
(`ContactChannel.serves_district`). Service pages give their channels the same way."""

from flask import url_for

from .. import schema_org
from .channels import CHANNELS
from .models import ContactChannel

SIGN_LANGUAGE = {"@type": "Language", "name": "中国手语", "alternateName": "csl"}
LANGUAGES = {"zh": "zh-CN", "written-zh": "zh-CN", "csl": SIGN_LANGUAGE}


def contact_point(item: ContactChannel) -> dict:
    """A ContactPoint, marked HearingImpairedSupported where it serves deaf people."""
    data = {
        "@type": "ContactPoint",
        "name": schema_org.text(item, "name"),
        "description": schema_org.text(item, "summary"),
        "contactType": str(CHANNELS[item.channel]),
        "availableLanguage": _languages(item.languages),
        **schema_org.hours("hoursAvailable", item.hours),
    }
    if item.serves_district:
        data["areaServed"] = schema_org.AREA
    if item.value:
        key = {"phone": "telephone", "sms": "telephone", "email": "email"}.get(item.channel)
        if key:
            data[key] = item.value
    if {"deaf", "hard-of-hearing"} & set(item.needs):
        data["contactOption"] = f"{schema_org.CONTEXT}/HearingImpairedSupported"
    return data


def _languages(codes: list[str]) -> list:
    """schema.org availableLanguage values, each once."""
    languages = []
    for code in codes:
        if LANGUAGES[code] not in languages:
            languages.append(LANGUAGES[code])
    return languages


def contact_page(item: ContactChannel) -> dict:
    """A ContactPoint page's JSON-LD document."""
    return {
        "@context": schema_org.CONTEXT,
        **contact_point(item),
        "url": url_for("contacts.detail", slug=item.slug, _external=True),
    }
