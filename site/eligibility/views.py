"""The eligibility check's pages (being built)."""

from flask import Blueprint

bp = Blueprint("eligibility", __name__)
