"""A revision comes back only by the rules a save runs: loaded into the edit form, or put
back by an undo. A revision kept before a rule was added or tightened (an indicator's rate
above 100, a statistics date before the plan's baseline, a required field left empty) is
refused with the form's errors, the item as it is and the old text in the form to correct."""

from datetime import datetime, timedelta

import pytest
from barrierfree import opening_hours
from barrierfree.database import db
from barrierfree.opening_hours import LOCAL_TIME, local_time
from barrierfree.plan.models import Indicator
from barrierfree.staff.editing import forms
from barrierfree.staff.models import AuditEntry, Revision, Schedule
from barrierfree.updates.models import Update
from conftest import parse
from sqlalchemy import func, select
from staff_helpers import (
    answered,
    copied_app,
    csrf,
    error_summary,
    form_fields,
    prepared_database,
    signed_in,
)

PUBLISHER, ADMIN = "li-publisher", "chen-admin"
RATE = 4  # 专栏1's fourth indicator: a rate, in %
TODAY = datetime(2026, 12, 6, 10, 0)  # the site's clock in these tests, Chiping time
VALID = {"current_value": "86.5", "current_date": "2026-06-30", "current_source": "区残联统计报表"}
NEWER = {**VALID, "current_value": "90", "current_date": "2026-09-30"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """content/ loaded, a publisher's and an administrator's accounts, made once."""
    return prepared_database(
        tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher", ADMIN: "admin"}
    )


@pytest.fixture
def site(prepared, tmp_path, monkeypatch):
    """An app of its own, its clock at TODAY."""
    monkeypatch.setattr(opening_hours, "local_now", lambda: TODAY)
    return copied_app(prepared, tmp_path)


@pytest.fixture
def publisher(site):
    """A client signed in as a publisher."""
    return signed_in(site, PUBLISHER)


def save(client, url: str, **values):
    """Load the edit form at `url`, change some fields, press 保存 (or the `action` given)
    and answer yes when asked."""
    fields = form_fields(client.get(url).data, "edit-form") | {"action": ["save"]}
    fields |= {name: [value] for name, value in values.items()}
    return answered(client, client.post(url, data=fields))


def indicator(site) -> Indicator:
    """The rate indicator as it is now."""
    with site.app_context():
        row = db.session.scalar(select(Indicator).where(Indicator.number == RATE))
        db.session.expunge_all()
        return row


def rewrite_revision(site, kind: str, item_id: int, version: int, **data) -> int:
    """Make the revision kept at `version` hold `data`, as one kept before today's rules
    would; return its id."""
    with site.app_context():
        kept = db.session.scalar(
            select(Revision)
            .where(Revision.kind == kind, Revision.item_id == item_id, Revision.version == version)
            .order_by(Revision.id.desc())  # the last kept at that version, as undo takes it
            .limit(1)
        )
        kept.data = {**kept.data, **data}
        db.session.commit()
        return kept.id


def count(site, model) -> int:
    """How many rows a table holds."""
    with site.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def undo(client, url: str, version: int):
    """Post the undo of the change that left the item at `version`."""
    return client.post(f"{url}/undo", data={"version": version, "csrf_token": csrf(client)})


def summary_targets(response) -> list[str]:
    """Where the links of the page's first error summary go."""
    return [a.get("href") for a in error_summary(response.data).find_all("a")]


def field_value(response, name: str) -> str:
    """A field's value in the edit form of a page."""
    return form_fields(response.data, "edit-form")[name][0]


BROKEN = [
    pytest.param({"current_value": "150"}, "current_value", id="rate-above-100"),
    pytest.param({"current_value": "-3"}, "current_value", id="negative"),
    pytest.param({"current_value": "12345678901"}, "current_value", id="absurdly-long"),
    pytest.param({"current_date": "2019-06-30"}, "current_date", id="before-the-baseline"),
    pytest.param({"current_date": "2027-06-30"}, "current_date", id="in-the-future"),
]


@pytest.fixture
def saved_twice(site, publisher):
    """The rate indicator saved twice through its form; its URL and the version it is at."""
    url = f"/staff/indicators/{indicator(site).id}"
    assert save(publisher, url, **VALID).status_code == 303
    assert save(publisher, url, **NEWER).status_code == 303
    return url, indicator(site).version


@pytest.mark.parametrize(("kept", "field"), BROKEN)
def test_an_undo_to_an_indicator_value_a_save_would_refuse_changes_nothing(
    site, publisher, saved_twice, kept, field
):
    url, version = saved_twice
    rewrite_revision(site, "indicators", indicator(site).id, version - 1, **kept)
    revisions, audits = count(site, Revision), count(site, AuditEntry)

    response = undo(publisher, url, version)

    assert response.status_code == 400
    row = indicator(site)
    assert (row.current_value, row.current_date.isoformat()) == ("90", "2026-09-30")
    assert row.version == version
    assert (count(site, Revision), count(site, AuditEntry)) == (revisions, audits)
    # Said at the top, linked to the field; the old text waits in the form to correct.
    summary = error_summary(response.data)
    assert "没有撤销" in summary.text
    assert f"#field-{field}" in summary_targets(response)
    assert field_value(response, field) == kept[field]
    assert field_value(response, "version") == str(version)
    assert parse(response.data).find("title").text.startswith("错误：")


def test_the_refused_undo_is_said_in_english_on_the_english_site(site, publisher, saved_twice):
    url, version = saved_twice
    rewrite_revision(site, "indicators", indicator(site).id, version - 1, current_value="150")
    response = undo(publisher, f"/en{url}", version)
    assert response.status_code == 400
    assert "Not undone" in error_summary(response.data).text
    assert "between 0 and 100" in response.text


def test_the_undo_is_not_offered_when_it_would_be_refused(site, publisher, saved_twice):
    url, version = saved_twice
    rewrite_revision(site, "indicators", indicator(site).id, version, current_value="150")
    saved = save(publisher, url, current_value="91")
    assert saved.status_code == 303
    page = publisher.get(saved.headers["Location"])
    assert "已保存并公开" in page.text
    assert parse(page.data).find("form", class_="undo") is None


def test_an_undo_to_a_valid_indicator_value_puts_it_back(site, publisher, saved_twice):
    url, version = saved_twice
    response = undo(publisher, url, version)
    assert response.status_code == 303
    row = indicator(site)
    assert (row.current_value, row.version) == ("86.5", version + 1)
    assert "已撤销" in publisher.get(response.headers["Location"]).text
    with site.app_context():
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "undo"


@pytest.mark.parametrize(("kept", "field"), BROKEN)
def test_a_revision_loaded_into_the_form_says_at_once_what_a_save_would_refuse(
    site, publisher, saved_twice, kept, field
):
    url, version = saved_twice
    old = rewrite_revision(site, "indicators", indicator(site).id, version - 1, **kept)
    loaded = publisher.get(url, query_string={"from": old})
    assert loaded.status_code == 200
    assert f"#field-{field}" in summary_targets(loaded)
    assert field_value(loaded, field) == kept[field]

    refused = publisher.post(url, data=form_fields(loaded.data, "edit-form") | {"action": "save"})
    assert refused.status_code == 400
    assert indicator(site).current_value == "90"
    corrected = form_fields(loaded.data, "edit-form") | {**VALID, "action": "save"}
    assert answered(publisher, publisher.post(url, data=corrected)).status_code == 303
    assert indicator(site).current_value == VALID["current_value"]


# --- every kind with revisions: the same path ---------------------------------------------

KINDS = ["services", "facilities", "contacts", "updates", "pages"]
NOTICE = {
    "slug": "2026-hearing-aids",
    "kind": "notice",
    "title": "2026年听力残疾人免费验配助听器开始报名",
    "summary": "持证听力残疾人可以免费验配助听器，6月30日前到区残联报名。",
    "body": "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
}


def published_update(client) -> int:
    """Publish a new update through the form; its id."""
    fields = form_fields(client.get("/staff/updates/new").data, "edit-form")
    fields |= {name: [value] for name, value in NOTICE.items()} | {"action": ["publish"]}
    published = answered(client, client.post("/staff/updates/new", data=fields))
    assert published.status_code == 303, published.text[:3000]
    return int(published.headers["Location"].rstrip("/").split("/")[-1])


def published_item(site, client, kind_name: str) -> tuple[int, str]:
    """A published item of the kind (content/ has no update: one is published), and a
    required text field of it."""
    kind = forms.EDITABLE[kind_name]
    if kind_name == "updates":
        published_update(client)
    with site.app_context():
        row = db.session.scalar(
            select(kind.model).where(kind.model.status == "published").order_by(kind.model.id)
        )
        required = next(
            f.name for f in kind.form_fields if f.required and f.type in ("text", "textarea")
        )
        return row.id, required


@pytest.mark.parametrize("kind_name", KINDS)
def test_an_undo_to_a_revision_missing_a_required_field_changes_nothing(site, publisher, kind_name):
    id_, name = published_item(site, publisher, kind_name)
    url = f"/staff/{kind_name}/{id_}"
    before = field_value(publisher.get(url), name)
    changed_to = before + "（已核对）"
    saved = save(publisher, url, **{name: changed_to})
    assert saved.status_code == 303, saved.text[:3000]
    kind = forms.EDITABLE[kind_name]
    with site.app_context():
        version = db.session.get(kind.model, id_).version
    rewrite_revision(site, kind_name, id_, version - 1, **{name: ""})

    response = undo(publisher, url, version)
    assert response.status_code == 400
    assert f"#field-{name}" in summary_targets(response)
    with site.app_context():
        row = db.session.get(kind.model, id_)
        assert (getattr(row, name), row.version, row.status) == (changed_to, version, "published")


def test_an_undo_of_a_withdrawal_that_would_publish_a_text_failing_the_checks_is_refused(
    site, publisher
):
    """Publishing runs the authoring checks (an image without a description stops it); an
    undo of a withdrawal publishes again, so it runs them too."""
    id_ = published_update(publisher)
    url = f"/staff/updates/{id_}"
    fields = form_fields(publisher.get(url).data, "edit-form")
    withdrawn = publisher.post(
        f"{url}/withdraw",
        data={"version": fields["version"][0], "confirm": "yes", "csrf_token": csrf(publisher)},
    )
    assert withdrawn.status_code == 303
    with site.app_context():
        version = db.session.get(Update, id_).version
    rewrite_revision(
        site, "updates", id_, version - 1, body=NOTICE["body"] + "\n![](/static/x.jpg)\n"
    )

    response = undo(publisher, url, version)
    assert response.status_code == 400
    assert "没有撤销" in response.text
    with site.app_context():
        assert db.session.get(Update, id_).status == "withdrawn"


# --- the audit log of an undo ---------------------------------------------------------------


def audit_entries(site) -> list[tuple[str, str, str]]:
    """Every audit entry about content, oldest first: (action, key, detail)."""
    with site.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.key, e.detail) for e in entries if e.kind == "updates"]


def test_the_log_names_the_version_an_undo_put_back_and_the_schedule_it_restored(site, publisher):
    id_ = published_update(publisher)
    url = f"/staff/updates/{id_}"
    withdrawn = publisher.post(
        f"{url}/withdraw",
        data={
            "version": form_fields(publisher.get(url).data, "edit-form")["version"][0],
            "confirm": "yes",
            "csrf_token": csrf(publisher),
        },
    )
    assert withdrawn.status_code == 303
    at = f"{datetime.now(LOCAL_TIME) + timedelta(days=2):%Y-%m-%dT%H:%M}"
    assert save(publisher, url, action="schedule", publish_at=at).status_code == 303
    published = save(publisher, url, action="publish")  # the schedule is cancelled
    assert published.status_code == 303
    with site.app_context():
        version = db.session.get(Update, id_).version
        planned = db.session.scalar(select(Schedule.publish_at))
    assert planned is None

    assert undo(publisher, url, version).status_code == 303
    with site.app_context():
        planned = db.session.scalar(select(Schedule.publish_at))
    assert planned is not None
    slug = NOTICE["slug"]
    assert audit_entries(site)[-2:] == [
        ("schedule", slug, local_time(planned)),
        ("undo", slug, str(version - 1)),
    ]
    admin = signed_in(site, ADMIN)
    log = parse(admin.get("/staff/audit", query_string={"action": "undo"}).data)
    assert f"恢复成第 {version - 1} 版" in log.find("table").text
    english = parse(admin.get("/en/staff/audit", query_string={"action": "undo"}).data)
    assert f"back to version {version - 1}" in english.find("table").text
