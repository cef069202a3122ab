"""Scheduled publication and the account that scheduled it: the log and the revisions tell a
timed release (the site's, at that account's time) from a publisher pressing 发布; and an
account disabled, or made an editor, has its pending schedules cancelled (the items stay
drafts, the administrator is told which, the log says why), so nothing goes out later under
a name that may no longer publish."""

from datetime import timedelta
from pathlib import Path

import pytest
from barrierfree.database import db, utcnow
from barrierfree.staff.editing import publishing
from barrierfree.staff.models import AuditEntry, StaffUser
from barrierfree.updates.models import Update
from conftest import parse
from sqlalchemy import select
from staff_helpers import account_form, copied_app, csrf, prepared_database, signed_in
from test_staff_editing import (
    FIRST_BODY,
    HEARING_AIDS,
    create_update,
    edit_url,
    item_id,
    local_input,
    make_due,
    revisions_of,
    row_of,
    save,
    scheduled,
)

ACCOUNTS = {"pub": "publisher", "pub2": "publisher", "admin": "admin"}
DRAFT = {**HEARING_AIDS, "body": FIRST_BODY}  # passes every authoring check, no image


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """Content loaded and the accounts made, once (argon2 is slow on purpose)."""
    return prepared_database(tmp_path_factory.mktemp("schedule-accounts"), ACCOUNTS)


@pytest.fixture
def site(prepared, tmp_path):
    return copied_app(prepared, tmp_path)


@pytest.fixture
def pub(site):
    return signed_in(site, "pub")


@pytest.fixture
def admin(site):
    return signed_in(site, "admin")


def scheduled_update(pub) -> int:
    """A draft update `pub` scheduled five minutes ahead; its id."""
    id_ = item_id(create_update(pub, **DRAFT))
    response = save(
        pub, edit_url("updates", id_), "schedule", publish_at=local_input(timedelta(minutes=5))
    )
    assert response.status_code == 303, response.text[:2000]
    return id_


def account_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(StaffUser.id).where(StaffUser.username == username))


def change_pub(site, admin, action: str, **fields):
    """The administrator changes pub's account on its page; the page it leads to."""
    url = f"/staff/accounts/{account_id(site, 'pub')}"
    response = admin.post(url, data=account_form(admin, url) | {"action": action, **fields})
    assert response.status_code == 303, response.text[:2000]
    return admin.get(response.headers["Location"])


def entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        db.session.expunge_all()
        return found


def audit_rows(admin, action: str) -> list[list[str]]:
    """The audit log's rows of one action, as its table reads: time, who, action, item, detail."""
    table = parse(admin.get(f"/staff/audit?action={action}").data).find("main").find("table")
    return [[cell.get_text(" ", strip=True) for cell in row.find_all("td")]
            for row in table.find("tbody").find_all("tr")]  # fmt: skip


def test_a_timed_release_is_logged_as_the_site_s_at_the_scheduling_account_s_time(site, pub, admin):
    id_ = scheduled_update(pub)
    make_due(site, id_)
    with site.app_context():
        assert publishing.release_due() == 1

    assert row_of(site, Update, id=id_).status == "published"
    assert entries(site, "publish") == []
    (entry,) = entries(site, publishing.SCHEDULED)
    assert (entry.user_id, entry.username) == (None, "")
    ((_when, who, action, what, detail),) = audit_rows(admin, publishing.SCHEDULED)
    assert (who, action) == ("系统", "到时自动发布")
    assert HEARING_AIDS["title"] in what
    assert detail == "按 Pub（pub） 安排的时间发布"
    english = parse(admin.get(f"/en/staff/audit?action={publishing.SCHEDULED}").data)
    assert "Published at the time Pub (pub) scheduled" in english.find("table").text
    newest = revisions_of(site, "updates", id_)[-1]
    assert (newest.action, newest.username) == (publishing.SCHEDULED, "pub")
    listed = parse(admin.get(f"/staff/updates/{id_}/revisions").data).find("tbody").find("tr")
    cells = [cell.get_text(" ", strip=True) for cell in listed.find_all("td")]
    assert cells[1:3] == ["到时自动发布", "系统（按 Pub（pub） 安排的时间）"]


def test_a_publisher_pressing_publish_is_logged_as_before(site, pub, admin):
    id_ = item_id(create_update(pub, "publish", **DRAFT))
    assert row_of(site, Update, id=id_).status == "published"
    ((_when, who, action, _what, _detail),) = audit_rows(admin, "publish")
    assert (who, action) == ("Pub（pub）", "发布")
    assert revisions_of(site, "updates", id_)[-1].action == "publish"


@pytest.mark.parametrize(
    ("action", "fields", "why"),
    [("disable", {}, "这个账号已停用"), ("role", {"role": "editor"}, "这个账号已改为编辑")],
    ids=["disabled", "demoted"],
)
def test_disabling_or_demoting_an_account_cancels_its_schedules_and_says_which(
    site, pub, admin, action, fields, why
):
    id_ = scheduled_update(pub)
    account_page = admin.get(f"/staff/accounts/{account_id(site, 'pub')}")
    listed = parse(account_page.data).find(id="schedules")
    assert HEARING_AIDS["title"] in listed.text and "定于" in listed.text

    page = change_pub(site, admin, action, **fields)

    told = " ".join(e.text for e in parse(page.data).find_all(data_flash=True))
    assert "定时发布已经取消" in told and HEARING_AIDS["title"] in told
    assert scheduled(site, id_) is None
    assert parse(page.data).find(id="schedules") is None
    ((_when, who, logged, _what, detail),) = audit_rows(admin, "unschedule")
    assert (who, logged) == ("Admin（admin）", "取消定时发布")
    assert why in detail and "Pub（pub）" in detail
    make_due(site, id_)
    with site.app_context():
        assert publishing.release_due() == 0
    assert row_of(site, Update, id=id_).status == "draft"
    assert entries(site, publishing.SCHEDULED) == []


def test_enabling_the_account_again_does_not_bring_its_schedules_back(site, pub, admin):
    id_ = scheduled_update(pub)
    change_pub(site, admin, "disable")
    change_pub(site, admin, "enable")
    assert scheduled(site, id_) is None


def test_a_role_that_still_publishes_keeps_the_schedules(site, pub, admin):
    id_ = scheduled_update(pub)
    page = change_pub(site, admin, "role", role="admin")
    assert "定时发布已经取消" not in page.text
    assert scheduled(site, id_) is not None
    assert entries(site, "unschedule") == []


def test_a_schedule_whose_account_may_no_longer_publish_is_not_released(site, pub, admin):
    """A schedule the administrator's change did not find (made in the same moment) is
    still not published under the disabled account's name when its time comes."""
    id_ = scheduled_update(pub)
    with site.app_context():
        db.session.get(StaffUser, account_id(site, "pub")).active = False
        db.session.commit()
    make_due(site, id_)

    with site.app_context():
        assert publishing.release_due() == 0  # nothing published

    assert row_of(site, Update, id=id_).status == "draft"
    assert scheduled(site, id_) is None
    assert entries(site, publishing.SCHEDULED) == []
    ((_when, who, _action, _what, detail),) = audit_rows(admin, "unschedule")
    assert who == "系统" and "所以网站没有发布" in detail and "Pub（pub）" in detail


def test_a_schedule_an_undo_puts_back_is_the_undoing_publisher_s(site, pub):
    """Another publisher publishes pub's scheduled draft at once and undoes it: the
    schedule put back is theirs (the log names them), not pub's."""
    id_ = scheduled_update(pub)
    other = signed_in(site, "pub2")
    url = edit_url("updates", id_)
    assert save(other, url, "publish").status_code == 303
    assert scheduled(site, id_) is None
    version = row_of(site, Update, id=id_).version

    undone = other.post(f"{url}/undo", data={"version": version, "csrf_token": csrf(other)})

    assert undone.status_code == 303
    entry = scheduled(site, id_)
    assert entry is not None and entry.publish_at > utcnow()
    assert entry.user_id == account_id(site, "pub2")
