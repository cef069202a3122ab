"""Spreadsheet cells and CSV text, written and read the same way by the open data downloads
and by the staff's bulk import and export: one rule for what a cell holds."""

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
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


def cell_text(value) -> str:
    """A cell as trimmed text, without the quote that kept formula-like text from running."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text
