"""Every page is valid HTML by the W3C Nu HTML Checker (vnu-jar from npm, run with Java):
the public pages of the sitemap in both languages, the pages no link leads to (errors,
searches, filters), and one back-office page of each kind."""

import json
import shutil
import subprocess

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.database import db
from barrierfree.staff.editing import forms
from barrierfree.staff.models import ADMIN
from sqlalchemy import select
from staff_helpers import make_staff, signed_in

pytestmark = pytest.mark.markup  # the same markup on any database: run once

VNU = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
UNLINKED = [
    "/no-such-page",
    "/feedback/status/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # a link that opens nothing
    "/search?q=轮椅",
    "/search?q=补贴&kind=service&page=2",
    "/search?q=xyzzy",
    "/search?q=lunyi",
    "/search?q=轮倚",  # a typo: the word meant's results, said so
    "/search?q=无障碍卫生间",  # words naming a need: the finder offered
    "/facilities/?township=boping&need=step_free_entrance&open=now",
    "/facilities/?township=nowhere",
    "/contacts/?need=deaf&channel=sms",
]


def back_office_paths(app) -> list[str]:
    """One back-office page of each kind: lists, forms, revisions, bulk data, accounts."""
    paths = ["/staff/", "/staff/bulk/", "/staff/media/", "/staff/accounts", "/staff/audit",
             "/staff/accounts/new", "/staff/password", "/staff/components"]  # fmt: skip
    with app.app_context():
        for kind in forms.EDITABLE.values():
            row = db.session.scalars(select(kind.model)).first()
            paths.append(f"/staff/{kind.name}/")
            if kind.can_create:
                paths.append(f"/staff/{kind.name}/new")
            if row is not None:
                paths += [f"/staff/{kind.name}/{row.id}", f"/staff/{kind.name}/{row.id}/revisions"]
    return paths


def java() -> str:
    """The Java runtime that runs the checker (make test installs it)."""
    found = shutil.which("java")
    if found is None or not VNU.is_file():
        pytest.fail(
            "The HTML checker needs Java and vnu-jar: run `make test`, which installs both."
        )
    return found


@pytest.mark.slow  # Java starts, then checks every page
def test_every_template_is_valid_html(app, site_pages, tmp_path):
    make_staff(app, "html-checker", ADMIN)
    staff = signed_in(app, "html-checker")
    anonymous = app.test_client()
    pages = {
        path: page.html for path, page in site_pages.items() if page.content_type == "text/html"
    }
    for path in UNLINKED + [f"/en{path}" for path in UNLINKED] + ["/staff/sign-in"]:
        pages[path] = anonymous.get(path).get_data(as_text=True)
    for path in back_office_paths(app):
        response = staff.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    files = {}
    for number, (path, html) in enumerate(pages.items()):
        file = tmp_path / f"page-{number}.html"
        file.write_text(html, encoding="utf-8")
        files[file.name] = path
    checked = subprocess.run(
        [
            java(),
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *map(str, tmp_path.iterdir()),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(checked.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{files.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine')}: "
        f"{m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    print(f"Nu HTML Checker: {len(pages)} pages checked, {len(errors)} errors")
    assert errors == [], "\n".join(errors[:40])
