"""Import and export of facilities and contacts as CSV and XLSX."""

from flask import Blueprint, render_template

from . import sessions
from .models import EDITOR

bp = Blueprint("bulk", __name__, url_prefix="/staff/bulk")


@bp.get("/")
@sessions.require(EDITOR)
def index():
    """Download the spreadsheets, or upload one to check and apply."""
    return render_template("staff/bulk.html")
