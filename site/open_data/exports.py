"""Facilities, contact channels and the plan's indicators as plain records, GeoJSON and CSV.

Every field of a kind's table (see kinds.py) is published, under its own name, each with its
English twin `<name>_en` after it; links are given by the linked item's key.
"""

from flask import url_for
from flask_babel import lazy_gettext as _l

from .. import opening_hours
from ..contacts.models import ContactChannel
from ..contacts.spec import CONTACTS
from ..facilities.models import Facility
from ..facilities.spec import FACILITIES
from ..kinds import Field, Kind, public
from ..plan.models import Indicator
from ..plan.spec import INDICATORS
from ..tabular import csv_text, spreadsheet_cell


def _fields(kind: Kind) -> list:
    """The kind's published fields, each followed by its English twin, but the
    accessibility features (given together) and the demo flag (demo records are never
    exported). A twin only content files hold, as an indicator's `name_en`, is published
    too: the English site shows it, so the English download has it."""
    table = [f for f in kind.table_fields if f.type != "feature" and f.name != "sample"]
    names = {f.name for f in table}
    declared = {f.name: f for f in kind.fields}
    fields = []
    for f in table:
        fields.append(f)
        twin = declared.get(f"{f.name}_en")
        if twin is not None and twin.name not in names:
            fields.append(twin)
    return fields


def _features(kind: Kind) -> list:
    """The kind's accessibility features, one field each."""
    return [f for f in kind.table_fields if f.type == "feature"]


def record(kind: Kind, row: Facility | ContactChannel | Indicator) -> dict:
    """One item with every published field, its page and when it last changed."""
    data = {kind.key: getattr(row, kind.key)}
    data.update({f.name: _link(f, row) if f.relation else f.value_of(row) for f in _fields(kind)})
    if _features(kind):
        data["accessibility"] = getattr(row, "accessibility", None) or {}
    slug = {"slug": getattr(row, kind.key)} if kind.key == "slug" else {}
    data["url"] = url_for(kind.public_endpoint, **slug, _external=True)
    data["updated_at"] = row.updated_at.isoformat(timespec="seconds")
    return data


def _link(field: Field, row: object) -> object:
    """A link field's value in a row as the downloads give it: it names only what they
    hold or what residents may open (not a withdrawn or draft service or place, nor a demo
    place), as the pages link only those."""
    assert field.relation is not None  # `record` asks only of a link
    key, linked = field.relation[1], getattr(row, field.name)
    if field.type == "multi":
        return [getattr(item, key) for item in linked if _listed(item)]
    return getattr(linked, key) if linked is not None and _listed(linked) else None


def _listed(row: object) -> bool:
    """True for a linked row the downloads may name."""
    return public(row) and not getattr(row, "sample", False)


def facility_record(facility: Facility) -> dict:
    """One facility; where it has no point of its own, its township's centre, so marked."""
    latitude, longitude = facility.point_or_township()
    return {
        **record(FACILITIES, facility),
        "township_name": facility.township.name,
        "township_name_en": facility.township.name_en,
        "latitude": latitude,
        "longitude": longitude,
        "location_approximate": facility.point() is None,
    }


def contact_record(contact: ContactChannel) -> dict:
    """One contact channel."""
    return record(CONTACTS, contact)


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


FACILITY_COLUMNS = (*(f.name for f in _fields(FACILITIES)), "location_approximate")
CONTACT_COLUMNS = tuple(f.name for f in _fields(CONTACTS))
INDICATOR_COLUMNS = (INDICATORS.key, *(f.name for f in _fields(INDICATORS)))


def _csv(kind: Kind, records: list[dict], columns: tuple[str, ...]) -> str:
    """One row per record: hours as "mon,tue 08:30-11:30", one column per feature (whether
    it is there: true, false, or empty when not verified)."""
    features = _features(kind)
    header = [*columns, *(f"accessibility.{f.feature}" for f in features)]
    rows = []
    for data in records:
        data["hours"] = opening_hours.as_text(data["hours"])
        row = [spreadsheet_cell(data[column]) for column in columns]
        measured = data.get("accessibility") or {}
        row += [spreadsheet_cell(measured.get(f.feature, {}).get("available")) for f in features]
        rows.append(row)
    return csv_text(header, rows)


def facilities_csv(facilities: list[Facility]) -> str:
    """Every facility as CSV."""
    return _csv(FACILITIES, [facility_record(f) for f in facilities], FACILITY_COLUMNS)


def contacts_csv(contacts: list[ContactChannel]) -> str:
    """Every contact channel as CSV."""
    return _csv(CONTACTS, [contact_record(c) for c in contacts], CONTACT_COLUMNS)


def indicators_csv(indicators: list[Indicator]) -> str:
    """The plan's main indicators as CSV: the plan's figures and the latest value."""
    records = [record(INDICATORS, indicator) for indicator in indicators]
    rows = [[spreadsheet_cell(data[column]) for column in INDICATOR_COLUMNS] for data in records]
    return csv_text(list(INDICATOR_COLUMNS), rows)


def documented(kind: Kind, *extra: tuple[str, object]) -> list[tuple[str, object]]:
    """What each published field means, for the open-data page: (names, meaning), a field
    and its English translation together, the codes a field takes listed."""
    fields = _fields(kind)
    names = {f.name for f in fields}
    rows = []
    for f in fields:
        if f.name.removesuffix("_en") != f.name and f.name.removesuffix("_en") in names:
            continue
        twin = f"{f.name}_en"
        meaning = f.description or f.label
        if f.choices and not f.relation:
            meaning = _l("%(meaning)s：%(codes)s", meaning=meaning, codes=", ".join(f.choices()))
        rows.append((f"{f.name} / {twin}" if twin in names else f.name, meaning))
    common = (
        ("url", _l("页面的网址")),
        ("updated_at", _l("最后修改的时间")),
    )
    return rows + list(extra) + list(common)


def facility_fields() -> list[tuple[str, object]]:
    """What each field of the facility downloads means."""
    return documented(
        FACILITIES,
        ("township_name / township_name_en", _l("所在乡镇（街道）的名称")),
        (
            "location_approximate",
            _l("true 表示没有场所自己的位置，用的是乡镇（街道）驻地的大致位置"),
        ),
        ("accessibility", FACILITIES.field("accessibility").description),
    )


def contact_fields() -> list[tuple[str, object]]:
    """What each field of the contact downloads means."""
    return documented(CONTACTS)


def indicator_fields() -> list[tuple[str, object]]:
    """What each field of the indicator downloads means."""
    return [("number", _l("指标在专栏1里的序号"))] + documented(INDICATORS)
