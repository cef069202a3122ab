"""Spreadsheet benchmark: prints figures, asserts nothing (timing never goes into a test).

Run with `.venv/bin/python benchmarks/spreadsheet_benchmark.py [--rows 500,5000]
[--formats csv,xlsx]`. It loads content/ and its demo pack into a throwaway SQLite
database, writes the facilities export out again with that many new rows, as CSV and as an
XLSX workbook, and times the back office's check of the file
(what /staff/bulk/check does before its page: read every row, run the authoring checks,
describe the listed changes) beside a baseline in the same run: reading the same file's
cells alone (`files.read_table`). A check must stay well inside a request's 30 s.
"""

import argparse
import csv
import io
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="500,5000", help="file sizes, comma-separated")
    parser.add_argument("--formats", default="csv,xlsx", help="file formats, comma-separated")
    args = parser.parse_args()

    from barrierfree import create_app
    from barrierfree.content.loader import load
    from barrierfree.database import db, upgrade
    from barrierfree.staff.bulk import files, importing, views

    folder = Path(tempfile.mkdtemp(prefix="spreadsheet-bench-"))
    app = create_app(
        {"SECRET_KEY": "benchmark", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db'}"}
    )
    with app.app_context():
        upgrade()
        load(Path(app.config["CONTENT_DIR"]), True)  # the demo pack has the places
        db.session.commit()
    with app.test_request_context():
        body, _mimetype, _filename = files.export("facilities", "csv")
        heading, first, *_rest = csv.reader(io.StringIO(body.decode("utf-8-sig")))
        print(f"{'format':>6} {'rows':>6} {'cells only':>11} {'check':>8} {'ratio':>6}")
        for fmt in args.formats.split(","):
            for count in (int(n) for n in args.rows.split(",")):
                rows = [heading, *([f"bench-{n}", *first[1:]] for n in range(count))]
                name, data = f"facilities.{fmt}", WRITERS[fmt](rows)
                start = time.perf_counter()
                files.read_table(name, data)
                cells = time.perf_counter() - start
                start = time.perf_counter()
                plan = importing.read(
                    "facilities", name, data, views.publishing_checks("facilities")
                )
                changing = [change for change in plan.changes if change.action != "unchanged"]
                views.change_lines("facilities", changing[: views.LISTED])
                check = time.perf_counter() - start
                assert plan.valid, (plan.file_error, plan.errors[:3])
                print(f"{fmt:>6} {count:>6} {cells:>10.2f}s {check:>7.2f}s {check / cells:>5.0f}×")


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_file(rows: list[list[str]]) -> bytes:
    """A workbook of one sheet, its cells text as a CSV gives them (Excel saves its cells'
    text as shared strings; openpyxl writes them inline, a little more to read)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("facilities")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


WRITERS = {"csv": csv_file, "xlsx": xlsx_file}


if __name__ == "__main__":
    main()
