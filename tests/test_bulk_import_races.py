"""A spreadsheet applied while a colleague saves one of its records: the import claims each
record's version as a save does, so the colleague's save is never silently overwritten."""

import io

import pytest
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.staff.bulk import importing
from barrierfree.staff.models import Revision
from conftest import make_loaded_app, parse
from sqlalchemy import select, update
from staff_helpers import csrf, make_staff, signed_in

OLD_NAME = "振兴街道“如康家园”残疾人之家"
NEW_NAME = "振兴街道如康家园（新址）"
THEIRS = "同事刚保存的简介：周三上午有手语翻译。"


@pytest.fixture
def site(tmp_path):
    """An app with content loaded and a publisher signed in."""
    app = make_loaded_app(tmp_path / "races.sqlite")
    make_staff(app, "race-publisher", "publisher")
    return {"app": app, "publisher": signed_in(app, "race-publisher")}


def checked_file(client) -> dict[str, str]:
    """Download the places, rename one, upload it: the apply form's fields."""
    data = client.get("/staff/bulk/export/facilities.csv").data
    edited = data.decode("utf-8-sig").replace(OLD_NAME, NEW_NAME, 1).encode("utf-8-sig")
    checked = client.post(
        "/staff/bulk/check",
        data={
            "csrf_token": csrf(client, "/staff/bulk/"),
            "kind": "facilities",
            "file": (io.BytesIO(edited), "facilities.csv"),
        },
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200 and "修改 1 条" in checked.text
    form = parse(checked.data).find("form", action="/staff/bulk/apply")
    return {i.get("name"): i.get("value") for i in form.find_all("input")}


def facility(app) -> Facility:
    """The renamed place as it is now."""
    with app.app_context():
        row = db.session.scalar(select(Facility).where(Facility.slug == "rukang-zhenxing"))
        db.session.expunge_all()
        return row


def test_a_save_committed_while_the_file_is_applied_is_kept(site, monkeypatch):
    app, client = site["app"], site["publisher"]
    fields = checked_file(client)
    before = facility(app)
    applying = importing.apply

    def colleague_saves_first(plan):
        """A colleague's save commits after the file was read, before it is written."""
        with db.engine.begin() as connection:
            connection.execute(
                update(Facility)
                .where(Facility.id == before.id)
                .values(summary=THEIRS, version=Facility.version + 1)
            )
        return applying(plan)

    monkeypatch.setattr(importing, "apply", colleague_saves_first)
    applied = client.post("/staff/bulk/apply", data=fields)

    assert applied.status_code == 303
    assert "没有导入任何内容" in client.get(applied.headers["Location"]).text
    after = facility(app)
    assert (after.summary, after.name, after.version) == (THEIRS, OLD_NAME, before.version + 1)
    with app.app_context():
        assert not db.session.scalars(select(Revision).where(Revision.action == "import")).all()


def test_the_file_applies_when_nobody_saved_meanwhile(site):
    app, client = site["app"], site["publisher"]
    fields = checked_file(client)
    before = facility(app)
    assert client.post("/staff/bulk/apply", data=fields).status_code == 303
    after = facility(app)
    assert (after.name, after.version) == (NEW_NAME, before.version + 1)
    with app.app_context():
        kept = db.session.scalar(select(Revision).where(Revision.action == "import"))
        assert (kept.version, kept.data["name"]) == (after.version, NEW_NAME)
