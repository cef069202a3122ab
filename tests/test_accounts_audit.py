"""The audit log's filters (person, kind, item, action, days), its count and empty state,
pages that keep the filters, the honest heading of the title column, staff named by their
display names in the log and the revision lists, and an account change from a stale page."""

import re
from datetime import datetime

import pytest
from barrierfree.database import db
from barrierfree.staff.accounts.audit import record
from barrierfree.staff.editing.forms import EDITABLE
from barrierfree.staff.models import AuditEntry, Revision, StaffUser
from conftest import parse
from sqlalchemy import func, select, update
from staff_helpers import csrf, error_summary, make_staff, signed_in


@pytest.fixture
def staff(loaded_app):
    """An editor and two administrators."""
    return {
        "li": make_staff(loaded_app, "li", "editor"),
        "zhao": make_staff(loaded_app, "zhao", "admin"),
        "qian": make_staff(loaded_app, "qian", "admin"),
    }


def a_place(app) -> tuple[int, str, str]:
    """A place: its id, slug and name."""
    spec = EDITABLE["facilities"]
    with app.app_context():
        row = db.session.scalars(select(spec.model).order_by(spec.model.id)).first()
        return row.id, row.slug, getattr(row, spec.title_field)


def logged(app, *entries: tuple[str, str, str, str, str, datetime | None]) -> None:
    """Audit entries (who, action, kind, key, detail, when in UTC or None for now)."""
    with app.app_context():
        for who, action, kind, key, detail, at in entries:
            user = db.session.scalar(select(StaffUser).where(StaffUser.username == who))
            record(action, kind, key, detail, user=user)
            if at is not None:
                db.session.flush()
                newest = db.session.scalar(select(func.max(AuditEntry.id)))
                db.session.execute(update(AuditEntry).where(AuditEntry.id == newest).values(at=at))
        db.session.commit()


def rows(response) -> list[str]:
    table = parse(response.data).find("table")
    return [] if table is None else [tr.text for tr in table.find("tbody").find_all("tr")]


def test_the_log_filters_by_person_kind_item_action_and_days(loaded_app, staff):
    place_id, slug, title = a_place(loaded_app)
    logged(
        loaded_app,
        ("li", "save", "facilities", slug, "", datetime(2026, 3, 1, 2)),
        ("zhao", "publish", "facilities", slug, "", datetime(2026, 3, 5, 2)),
        ("zhao", "change-role", "account", "li", "publisher", datetime(2026, 3, 9, 2)),
        ("li", "inbox-reply", "feedback", "CP-2026-000007", "#3", datetime(2026, 3, 10, 2)),
    )
    admin = signed_in(loaded_app, "zhao")

    def found(**query) -> tuple[str, list[str]]:
        response = admin.get("/staff/audit", query_string=query)
        assert response.status_code == 200
        return parse(response.data).find(id="results").text, rows(response)

    heading, shown = found(person=str(staff["li"]))
    assert len(shown) == 2 and all("Li（li）" in row for row in shown)
    assert "找到 2 条记录" in heading
    assert len(found(kind="facilities")[1]) == 2
    assert len(found(action="change-role")[1]) == 1
    assert len(found(item="CP-2026-000007")[1]) == 1
    assert len(found(item=title[:4], kind="facilities")[1]) == 2  # by the title it has now
    assert len(found(since="2026-03-05", until="2026-03-09")[1]) == 2
    assert len(found(since="2026-03-10")[1]) == 1
    heading, shown = found(person=str(staff["li"]), action="change-role")
    assert shown == [] and "找到 0 条记录" in heading
    empty = admin.get("/staff/audit", query_string={"person": staff["li"], "action": "change-role"})
    empty = parse(empty.data).find("main")
    assert "没有符合这些条件的记录" in empty.text
    assert "/staff/audit" in [a.get("href") for a in empty.find_all("a")]  # clear the filters


def test_a_bad_date_or_a_range_backwards_is_said_and_ignored(loaded_app, staff):
    admin = signed_in(loaded_app, "zhao")
    response = admin.get("/staff/audit?since=2026-02-30")
    assert response.status_code == 400
    assert error_summary(response.data).find("a", href="#filter-since") is not None
    assert parse(response.data).find("title").text.startswith("错误：")
    backwards = admin.get("/staff/audit?since=2026-03-09&until=2026-03-01")
    assert backwards.status_code == 400
    assert error_summary(backwards.data).find("a", href="#filter-until") is not None
    form = parse(backwards.data).find(id="filter-until")
    assert form.get("value") == "2026-03-01"  # what was typed stays


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31", "since=1999-12-31"])
def test_a_day_beyond_the_log_years_is_said_and_ignored(loaded_app, staff, query):
    # Compared in UTC a day on, the calendar's first and last days would overflow.
    response = signed_in(loaded_app, "zhao").get(f"/staff/audit?{query}")
    assert response.status_code == 400
    field = "#filter-" + query.split("=")[0]
    assert error_summary(response.data).find("a", href=field) is not None


def test_a_page_past_the_last_says_so_and_leads_back(loaded_app, staff):
    logged(loaded_app, ("li", "save", "facilities", "x", "", None))
    response = signed_in(loaded_app, "zhao").get("/staff/audit?action=save&page=50")
    assert response.status_code == 200
    text = parse(response.data).find("main").text
    assert "这一页后面没有记录了。" in text and "还没有任何操作记录" not in text
    back = next(a for a in parse(response.data).find_all("a") if "回到第一页" in a.text)["href"]
    assert "page=1" in back and "action=save" in back


def test_the_count_reads_in_english(loaded_app, staff):
    logged(loaded_app, ("li", "save", "facilities", "only-one", "", None))
    admin = signed_in(loaded_app, "zhao")
    assert "1 entry found" in admin.get("/en/staff/audit?item=only-one").text


def test_the_counts_of_a_purge_read_in_english_singular_or_plural(loaded_app, staff):
    logged(
        loaded_app,
        ("zhao", "inbox-purge", "feedback", "", "1", None),
        ("zhao", "inbox-purge", "feedback_photo", "", "1", None),
        ("zhao", "inbox-purge", "outgoing_mail", "", "1", None),
        ("zhao", "inbox-purge", "feedback", "", "1200", None),
    )
    admin = signed_in(loaded_app, "zhao")
    text = " ".join(rows(admin.get("/en/staff/audit?action=inbox-purge")))
    for one in ("1 message", "1 photo", "1 email"):
        assert re.search(rf"\b{one}\b", text), one
    assert "1,200 messages" in text


def test_the_pages_keep_the_filters(loaded_app, staff):
    with loaded_app.app_context():
        li = db.session.get(StaffUser, staff["li"])
        for _ in range(105):
            record("save", "facilities", "x", user=li)
        for _ in range(30):
            record("sign-out", user=db.session.get(StaffUser, staff["qian"]))
        db.session.commit()
    admin = signed_in(loaded_app, "zhao")
    first = admin.get("/staff/audit", query_string={"person": staff["li"]})
    assert "找到 105 条记录" in first.text
    following = parse(first.data).find("a", rel="next").get("href")
    assert f"person={staff['li']}" in following and "page=2" in following
    second = admin.get(following)
    assert len(rows(second)) == 5 and all("Li（li）" in row for row in rows(second))
    previous = parse(second.data).find("a", rel="prev").get("href")
    assert f"person={staff['li']}" in previous


def test_the_title_column_says_it_is_the_title_now(loaded_app, staff):
    """An entry keeps the item's key; its title then may differ from today's."""
    place_id, slug, _ = a_place(loaded_app)
    logged(loaded_app, ("li", "save", "facilities", slug, "", None))
    spec = EDITABLE["facilities"]
    with loaded_app.app_context():
        db.session.execute(
            update(spec.model)
            .where(spec.model.id == place_id)
            .values(**{spec.title_field: "后来改的标题"})
        )
        db.session.commit()
    admin = signed_in(loaded_app, "zhao")
    page = parse(admin.get("/staff/audit").data)
    headings = [th.text for th in page.find("table").find("thead").find_all("th")]
    assert "内容（现在的标题）" in headings
    assert "后来改的标题" in page.find("table").text
    assert "不是操作当时的标题" in page.find("main").text
    english = parse(admin.get("/en/staff/audit").data).find("table").find("thead")
    assert "Title now" in english.text


def test_revisions_and_the_log_name_people_by_their_display_names(loaded_app, staff):
    place_id, slug, _ = a_place(loaded_app)
    with loaded_app.app_context():
        db.session.execute(
            update(StaffUser).where(StaffUser.id == staff["li"]).values(display_name="李明")
        )
        db.session.add(Revision(kind="facilities", item_id=place_id, version=1, data={},
                                action="save", user_id=staff["li"], username="li"))  # fmt: skip
        db.session.commit()
    logged(loaded_app, ("li", "save", "facilities", slug, "", None))
    admin = signed_in(loaded_app, "zhao")
    revisions = parse(admin.get(f"/staff/facilities/{place_id}/revisions").data).find("table")
    assert "李明（li）" in revisions.find("tbody").text
    assert any("李明（li）" in row for row in rows(admin.get("/staff/audit")))
    english = admin.get(f"/en/staff/facilities/{place_id}/revisions").text
    assert '<span lang="zh-CN">李明</span> (li)' in english
    with loaded_app.app_context():
        revision = db.session.scalar(select(Revision.id).where(Revision.username == "li"))
    one = admin.get(f"/en/staff/facilities/{place_id}/revisions/{revision}")
    assert '<span lang="zh-CN">李明</span> (li)' in one.text


# --- Two administrators change one account --------------------------------------------------


def account_page(client, user_id: int, prefix: str = ""):
    return client.get(f"{prefix}/staff/accounts/{user_id}")


def posted(client, page, user_id: int, prefix: str = "", **fields):
    """Post the account page's form for `fields["action"]` as it was on `page`."""
    doc = parse(page.data)
    form = next(
        f for f in doc.find_all("form")
        if f.find("input", name="action", value=fields["action"])
        or f.find("button", name="action", value=fields["action"])
    )  # fmt: skip
    version = form.find("input", name="version").get("value")
    data = {"csrf_token": csrf(client, "/staff/"), "version": version, **fields}
    return client.post(f"{prefix}/staff/accounts/{user_id}", data=data)


def test_a_change_from_a_page_older_than_the_account_is_refused(loaded_app, staff):
    zhao, qian = signed_in(loaded_app, "zhao"), signed_in(loaded_app, "qian")
    li = staff["li"]
    zhao_page, qian_page = account_page(zhao, li), account_page(qian, li)
    assert posted(zhao, zhao_page, li, action="role", role="publisher").status_code == 303

    refused = posted(qian, qian_page, li, action="role", role="admin")
    assert refused.status_code == 409
    summary = error_summary(refused.data).text
    assert "您的修改没有保存" in summary and "发布人（发布和撤回）" in summary
    doc = parse(refused.data)
    assert doc.find("select", id="field-role").find("option", selected=True)["value"] == "admin"
    assert "Zhao（zhao）" in doc.find(id="field-account").text  # who changed it last
    with loaded_app.app_context():
        assert db.session.get(StaffUser, li).role == "publisher"

    # Asked again from the page that showed the change: it goes.
    assert posted(qian, refused, li, action="role", role="admin").status_code == 303
    with loaded_app.app_context():
        assert db.session.get(StaffUser, li).role == "admin"


def test_disabling_or_a_new_password_from_an_older_page_is_refused(loaded_app, staff):
    zhao, qian = signed_in(loaded_app, "zhao"), signed_in(loaded_app, "qian")
    li = staff["li"]
    qian_page = account_page(qian, li)
    assert posted(zhao, account_page(zhao, li), li, action="disable").status_code == 303
    refused = posted(qian, qian_page, li, action="password", password="A-new-long-password-7")
    assert refused.status_code == 409
    summary = error_summary(refused.data)
    assert "账号已停用" in summary.text
    assert summary.find("a", href="#field-password") is not None
    assert "A-new-long-password-7" not in refused.text
    with loaded_app.app_context():
        assert db.session.get(StaffUser, li).must_change_password is False
    assert posted(qian, qian_page, li, action="disable").status_code == 409
    with loaded_app.app_context():
        assert db.session.get(StaffUser, li).active is False


def test_a_stale_account_change_reads_in_english(loaded_app, staff):
    zhao, qian = signed_in(loaded_app, "zhao"), signed_in(loaded_app, "qian")
    li = staff["li"]
    qian_page = account_page(qian, li, "/en")
    assert (
        posted(zhao, account_page(zhao, li), li, action="role", role="publisher").status_code == 303
    )
    refused = posted(qian, qian_page, li, "/en", action="role", role="admin")
    assert refused.status_code == 409
    summary = error_summary(refused.data).text
    assert "not saved" in summary and "Publisher" in summary


def test_the_account_forms_carry_the_account_as_shown(loaded_app, staff):
    page = account_page(signed_in(loaded_app, "zhao"), staff["li"])
    forms = [
        f for f in parse(page.data).find_all("form") if "/staff/accounts/" in f.get("action", "")
    ]
    assert len(forms) == 3
    assert all(f.find("input", name="version").get("value") for f in forms)


@pytest.mark.parametrize("version", [None, ""])
@pytest.mark.parametrize(
    "fields",
    [
        {"action": "role", "role": "admin"},
        {"action": "disable"},
        {"action": "password", "password": "A-new-long-password-7"},
    ],
)
def test_a_change_without_the_account_as_shown_is_refused(loaded_app, staff, version, fields):
    """No page of the site sends an account's form without its version: such a post (or
    one with an empty version) cannot be known to come from a page that showed the account
    as it is, so it is refused as one from an older page, the role chosen kept."""
    zhao, li = signed_in(loaded_app, "zhao"), staff["li"]
    data = {"csrf_token": csrf(zhao, "/staff/"), **fields}
    if version is not None:
        data["version"] = version
    refused = zhao.post(f"/staff/accounts/{li}", data=data)

    assert refused.status_code == 409
    summary = error_summary(refused.data)
    assert "不能确定您看到的是这个账号现在的样子" in summary.text
    assert "您的修改没有保存" in summary.text and "编辑" in summary.text  # the role now
    assert "打开这个页面以后，这个账号已经改过" not in summary.text  # nothing says it was
    doc = parse(refused.data)
    chosen = doc.find("select", id="field-role").find("option", selected=True)["value"]
    assert chosen == fields.get("role", "editor")
    if fields["action"] == "password":
        assert summary.find("a", href="#field-password") is not None
        assert fields["password"] not in refused.text
    with loaded_app.app_context():
        user = db.session.get(StaffUser, li)
        assert (user.role, user.active, user.must_change_password) == ("editor", True, False)
    assert not [e for e in audit_entries(loaded_app) if e.key == "li"]

    # The refusal's page carries the account as it is now: sent from it, the change goes.
    assert posted(zhao, refused, li, **fields).status_code == 303


def audit_entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_change_without_a_version_reads_in_english(loaded_app, staff):
    zhao, li = signed_in(loaded_app, "zhao"), staff["li"]
    data = {"csrf_token": csrf(zhao, "/staff/"), "action": "role", "role": "publisher"}
    refused = zhao.post(f"/en/staff/accounts/{li}", data=data)
    assert refused.status_code == 409
    summary = error_summary(refused.data).text
    assert "not saved" in summary and "Editor" in summary
    assert not re.search(r"[\u4e00-\u9fff]", summary.replace("Li", ""))


def test_the_list_of_accounts_changes_nothing(loaded_app, staff):
    """Its changes are made on each account's page, whose forms carry the version."""
    doc = parse(signed_in(loaded_app, "zhao").get("/staff/accounts").data)
    assert doc.find("main").find("form", method=re.compile("post", re.I)) is None
