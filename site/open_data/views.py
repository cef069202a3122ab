"""The open-data page and the downloads it describes."""

import re

from flask import Blueprint, Response, current_app, jsonify, render_template
from markupsafe import Markup, escape

from .. import demo
from ..contacts import queries as contacts
from ..facilities import queries as facilities
from ..i18n import is_english
from ..plan import queries as plan
from ..plan.spec import INDICATORS
from . import exports

bp = Blueprint("open_data", __name__)

# Any site may read the downloads; each names its licence (RFC 8288's "license"), which a
# CSV file cannot carry inside it. The data page states it for people.
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
OPEN = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link",
    "Link": f'<{LICENCE_URL}>; rel="license"',
}

# Codes and field names in the Chinese meanings: on-site, rukang-home, step_height_cm; a
# list of them ("on-site, phone, self-reported") is one run.
CODE_RUN = re.compile(r"[A-Za-z_][\w-]*(?:(?:, ?| / )[A-Za-z_][\w-]*)*", re.ASCII)


@bp.app_template_filter("mark_codes")
def mark_codes(text: object) -> Markup:
    """Plain text, escaped, with its runs of Latin codes marked lang="en" on the Chinese
    site, so that a Chinese voice does not spell "on-site, phone" in its own way."""
    text = str(text)
    if is_english():
        return escape(text)
    parts, last = [], 0
    for run in CODE_RUN.finditer(text):
        parts += [escape(text[last : run.start()]), Markup('<span lang="en">%s</span>') % run[0]]
        last = run.end()
    return Markup("").join([*parts, escape(text[last:])])


@bp.get("/data/")
def index() -> str:
    """What data the site publishes, in which formats, what each field means, the licence."""
    return render_template("open_data/index.html", columns=exports)


@bp.get("/data/facilities.json")
def facilities_json() -> tuple[Response, dict[str, str]]:
    """Every published facility as JSON."""
    records = [exports.facility_record(f) for f in demo.facts(facilities.published())]
    return jsonify({"facilities": records}), OPEN


@bp.get("/data/facilities.geojson")
def facilities_geojson() -> Response:
    """Every published facility as a GeoJSON FeatureCollection."""
    body = current_app.json.dumps(exports.facilities_geojson(demo.facts(facilities.published())))
    return current_app.response_class(body, mimetype="application/geo+json", headers=OPEN)


@bp.get("/data/facilities.csv")
def facilities_csv() -> Response:
    """Every published facility as CSV."""
    return _csv_download(
        exports.facilities_csv(demo.facts(facilities.published())), "facilities.csv"
    )


@bp.get("/data/contacts.json")
def contacts_json() -> tuple[Response, dict[str, str]]:
    """Every published contact channel as JSON."""
    records = [exports.contact_record(c) for c in demo.facts(contacts.published())]
    return jsonify({"contacts": records}), OPEN


@bp.get("/data/contacts.csv")
def contacts_csv() -> Response:
    """Every published contact channel as CSV."""
    return _csv_download(exports.contacts_csv(demo.facts(contacts.published())), "contacts.csv")


@bp.get("/data/indicators.json")
def indicators_json() -> tuple[Response, dict[str, str]]:
    """The plan's main indicators as JSON."""
    records = [exports.record(INDICATORS, i) for i in plan.indicators()]
    return jsonify({"indicators": records}), OPEN


@bp.get("/data/indicators.csv")
def indicators_csv() -> Response:
    """The plan's main indicators as CSV."""
    return _csv_download(exports.indicators_csv(plan.indicators()), "indicators.csv")


def _csv_download(text: str, filename: str) -> Response:
    """A CSV response that downloads under `filename`."""
    headers = {**OPEN, "Content-Disposition": f"attachment; filename={filename}"}
    return current_app.response_class(text, mimetype="text/csv", headers=headers)
