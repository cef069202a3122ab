"""Facilities and contact channels as plain records, GeoJSON and CSV."""

from flask import url_for

from .. import opening_hours
from ..contacts.models import ContactChannel
from ..facilities import features
from ..facilities.models import Facility
from ..tabular import csv_text, spreadsheet_cell

SAMPLE_NOTE = "sample 为 true 的记录是示例数据，以区残联公布为准。"


def facility_record(facility: Facility) -> dict:
    """One facility with every published field."""
    latitude, longitude = facility.point_or_township()
    return {
        "slug": facility.slug,
        "url": url_for("facilities.detail", slug=facility.slug, _external=True),
        "sample": facility.sample,
        "name": facility.name,
        "name_en": facility.name_en,
        "type": facility.type,
        "township": facility.township.slug,
        "township_name": facility.township.name,
        "summary": facility.summary,
        "address": facility.address,
        "latitude": latitude,
        "longitude": longitude,
        "location_approximate": facility.point() is None,
        "hours": facility.hours,
        "hours_note": facility.hours_note,
        "phone": facility.phone,
        "sms": facility.sms,
        "transport": facility.transport,
        "services": [service.slug for service in facility.services],
        "accessibility": facility.accessibility or {},
        "updated_at": facility.updated_at.isoformat(timespec="seconds"),
    }


def contact_record(contact: ContactChannel) -> dict:
    """One contact channel with every published field."""
    return {
        "slug": contact.slug,
        "url": url_for("contacts.detail", slug=contact.slug, _external=True),
        "sample": contact.sample,
        "channel": contact.channel,
        "name": contact.name,
        "name_en": contact.name_en,
        "summary": contact.summary,
        "value": contact.value,
        "department": contact.department.slug if contact.department else None,
        "facility": contact.facility.slug if contact.facility else None,
        "hours": contact.hours,
        "hours_note": contact.hours_note,
        "needs": contact.needs,
        "languages": contact.languages,
        "services": [service.slug for service in contact.services],
        "updated_at": contact.updated_at.isoformat(timespec="seconds"),
    }


def facilities_geojson(facilities: list[Facility]) -> dict:
    """A GeoJSON FeatureCollection: one Point per facility ([longitude, latitude], WGS84)."""
    collection = []
    for facility in facilities:
        properties = facility_record(facility)
        latitude = properties.pop("latitude")
        longitude = properties.pop("longitude")
        collection.append(
            {
                "type": "Feature",
                "id": facility.slug,
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": collection}


FACILITY_COLUMNS = (
    "slug",
    "sample",
    "name",
    "name_en",
    "type",
    "township",
    "address",
    "latitude",
    "longitude",
    "location_approximate",
    "hours",
    "hours_note",
    "phone",
    "sms",
    "transport",
    "services",
)
CONTACT_COLUMNS = (
    "slug",
    "sample",
    "channel",
    "name",
    "name_en",
    "value",
    "department",
    "facility",
    "hours",
    "hours_note",
    "needs",
    "languages",
    "services",
)


def facilities_csv(facilities: list[Facility]) -> str:
    """One row per facility; hours as "mon,tue 08:30-11:30"; one column per feature."""
    header = list(FACILITY_COLUMNS) + [f"accessibility.{f.code}" for f in features.FEATURES]
    rows = []
    for facility in facilities:
        record = facility_record(facility)
        record["hours"] = opening_hours.as_text(facility.hours)
        row = [spreadsheet_cell(record[column]) for column in FACILITY_COLUMNS]
        row += [
            spreadsheet_cell(record["accessibility"].get(f.code, {}).get("available"))
            for f in features.FEATURES
        ]
        rows.append(row)
    return csv_text(header, rows)


def contacts_csv(contacts: list[ContactChannel]) -> str:
    """One row per contact channel; hours as "mon,tue 08:30-11:30"."""
    rows = []
    for contact in contacts:
        record = contact_record(contact)
        record["hours"] = opening_hours.as_text(contact.hours)
        rows.append([spreadsheet_cell(record[column]) for column in CONTACT_COLUMNS])
    return csv_text(list(CONTACT_COLUMNS), rows)
