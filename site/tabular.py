"""Spreadsheet cells and CSV text, written and read the same way by the open data downloads
and by the staff's bulk import and export: one rule for what a cell holds."""

import csv
import io
import re
from datetime import date, datetime, time

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ０-９ as a Chinese input method types them, read as 0-9.
FULL_WIDTH_DIGITS = {0xFF10 + digit: ord("0") + digit for digit in range(10)}
# A date as people and spreadsheet programs write it: 2026-06-30, 2026/6/30 (Excel and WPS
# save a date cell so in a CSV), 2026.6.30 or 2026年6月30日, with the midnight a date-and-time
# cell carries ("2026/6/30 0:00").
TYPED_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?"
)


def spreadsheet_cell(value: object) -> str:
    """A value as spreadsheet text: lists joined with commas, booleans as true/false.

    Text that a spreadsheet would run as a formula starts with a quote, so it stays text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ",".join(str(item) for item in value)
    text = str(value)
    return f"'{text}" if isinstance(value, str) and text.startswith(FORMULA_START) else text


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """CSV text with a byte-order mark, so spreadsheet programs read the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def cell_text(value: object) -> str:
    """A cell as trimmed text, without the quote that kept formula-like text from running."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return _date_cell_text(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text


def _date_cell_text(value: datetime | date | time) -> str:
    """A date cell (what a date typed into Excel or WPS becomes) as the text the columns read:
    2026-06-30, with its time of day only when it has one."""
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, datetime):
        if value.time() != time():
            return f"{value:%Y-%m-%d %H:%M}"
        value = value.date()
    return value.isoformat()


def iso_date(text: str) -> str | None:
    """A date typed in any of the ways of TYPED_DATE as 2026-06-30; None when it is none, or
    no such day (2026/2/30)."""
    found = TYPED_DATE.fullmatch(text.strip().translate(FULL_WIDTH_DIGITS))
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups())).isoformat()
    except ValueError:
        return None
