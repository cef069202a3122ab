"""Two things written to one item at once: a spreadsheet applied, or a scheduled
publication released, while a colleague saves the item. The colleague's save is never
silently overwritten, and the revisions say what each wrote."""

import io
import threading
import time
from datetime import datetime, timedelta

import pytest
from barrierfree.database import db, utcnow
from barrierfree.facilities.models import Facility
from barrierfree.opening_hours import LOCAL_TIME
from barrierfree.staff.bulk import importing
from barrierfree.staff.editing import publishing
from barrierfree.staff.models import Revision, Schedule
from barrierfree.updates.models import Update
from conftest import make_loaded_app, parse
from sqlalchemy import delete, func, insert, select, text, update
from staff_helpers import answered, csrf, form_fields, make_staff, signed_in

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


# --- a scheduled publication released during a save -----------------------------------------

NOTICE = {
    "slug": "2026-hearing-aids",
    "kind": "notice",
    "title": "2026年听力残疾人免费验配助听器开始报名",
    "summary": "持证听力残疾人可以免费验配助听器，6月30日前到区残联报名。",
    "body": "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
}


def scheduled_update(app, client, due: bool = True) -> int:
    """A new update scheduled through the form, its time since moved into the past (unless
    not `due`); its id."""
    fields = form_fields(client.get("/staff/updates/new").data, "edit-form")
    at = f"{datetime.now(LOCAL_TIME) + timedelta(days=2):%Y-%m-%dT%H:%M}"
    fields |= {name: [value] for name, value in NOTICE.items()}
    fields |= {"action": ["schedule"], "publish_at": [at]}
    saved = answered(client, client.post("/staff/updates/new", data=fields))
    assert saved.status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(Schedule))
        if due:
            entry.publish_at = utcnow() - timedelta(minutes=5)
            db.session.commit()
        return entry.item_id


def waiting_for_a_lock(connection) -> bool:
    """True when another session of this database waits for a lock (PostgreSQL). The
    transaction is ended after each look: within one, pg_stat_activity is read once and
    the same snapshot shown again, so a session that came after it is never seen."""
    waiting = connection.scalar(
        select(func.count())
        .select_from(text("pg_stat_activity"))
        .where(
            text("datname = current_database()"),
            text("pid <> pg_backend_pid()"),
            text("wait_event_type = 'Lock'"),
        )
    )
    connection.rollback()
    return bool(waiting)


def while_held(app, saving, step, what: str) -> None:
    """Run `step` on a thread of its own until it waits for a lock that the open
    transaction `saving` holds (PostgreSQL), then commit `saving` and let `step` finish."""
    stepping = threading.Thread(target=step)
    stepping.start()
    with app.app_context(), db.engine.connect() as watcher:
        for _ in range(500):
            if waiting_for_a_lock(watcher):
                break
            time.sleep(0.02)
        else:
            pytest.fail(f"{what} never reached the item")
    saving.commit()
    stepping.join(timeout=30)


def test_a_release_due_during_a_save_publishes_the_saved_text(site):
    """A save holds the item while it commits; the release waits for it and publishes,
    and keeps as its revision, what the save wrote (not the item as it read it before).
    SQLite has one write lock, which the release takes first: only PostgreSQL lets the two
    overlap, so only there does the test make them."""
    app = site["app"]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one transaction at a time: nothing overlaps")
    id_ = scheduled_update(app, site["publisher"])
    with app.app_context():
        version = db.session.get(Update, id_).version
        colleague = db.engine.connect()
    try:
        saving = colleague.begin()
        colleague.execute(
            update(Update)
            .where(Update.id == id_)
            .values(summary=THEIRS, version=Update.version + 1)
        )

        def release() -> None:
            with app.app_context():
                publishing.release_due()

        while_held(app, saving, release, "the release")
    finally:
        colleague.close()

    with app.app_context():
        row = db.session.get(Update, id_)
        assert (row.status, row.summary, row.version) == ("published", THEIRS, version + 2)
        kept = db.session.scalar(
            select(Revision).where(Revision.action == "publish-scheduled", Revision.item_id == id_)
        )
        assert (kept.version, kept.data["summary"]) == (version + 2, THEIRS)


def test_a_cancel_during_a_save_that_schedules_anew_cancels_nothing(site):
    """A colleague's save schedules the item anew while a publisher cancels the schedule
    their page showed: the cancel waits for the save, finds the item changed since, and
    leaves the colleague's schedule, saying so (PostgreSQL only, as above)."""
    app, publisher = site["app"], site["publisher"]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one transaction at a time: nothing overlaps")
    id_ = scheduled_update(app, publisher, due=False)
    token = csrf(publisher)
    with app.app_context():
        seen = db.session.get(Update, id_).version
        anew = (utcnow() + timedelta(days=5)).replace(microsecond=0)
        colleague = db.engine.connect()
    answers = []
    try:
        saving = colleague.begin()
        colleague.execute(update(Update).where(Update.id == id_).values(version=Update.version + 1))
        colleague.execute(delete(Schedule).where(Schedule.item_id == id_))
        colleague.execute(insert(Schedule).values(kind="updates", item_id=id_, publish_at=anew))

        def cancel() -> None:
            url = f"/staff/updates/{id_}/unschedule"
            answers.append(publisher.post(url, data={"version": seen, "csrf_token": token}))

        while_held(app, saving, cancel, "the cancel")
    finally:
        colleague.close()

    assert answers[0].status_code == 303
    assert "没有取消" in publisher.get(answers[0].headers["Location"]).text
    with app.app_context():
        assert db.session.scalars(select(Schedule.publish_at)).all() == [anew]
