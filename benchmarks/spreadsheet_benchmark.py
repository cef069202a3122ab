"""Spreadsheet benchmark: prints figures, asserts nothing (timing never goes into a test).

Run with `.venv/bin/python benchmarks/spreadsheet_benchmark.py [--rows 500,5000]`. It
loads content/ and its demo pack into a throwaway SQLite database, writes the facilities
export out again with that many new rows, and times the back office's check of the file
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
        print(f"{'rows':>6} {'cells only':>11} {'check':>8} {'ratio':>6}")
        for count in (int(n) for n in args.rows.split(",")):
            out = io.StringIO()
            csv.writer(out).writerows(
                [heading, *([f"bench-{n}", *first[1:]] for n in range(count))]
            )
            data = out.getvalue().encode("utf-8-sig")
            start = time.perf_counter()
            files.read_table("facilities.csv", data)
            cells = time.perf_counter() - start
            start = time.perf_counter()
            plan = importing.read(
                "facilities", "facilities.csv", data, views.publishing_checks("facilities")
            )
            changing = [change for change in plan.changes if change.action != "unchanged"]
            views.change_lines("facilities", changing[: views.LISTED])
            check = time.perf_counter() - start
            assert plan.valid, plan.errors[:3]
            print(f"{count:>6} {cells:>10.2f}s {check:>7.2f}s {check / cells:>5.0f}×")


if __name__ == "__main__":
    main()
