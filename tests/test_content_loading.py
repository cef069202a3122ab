"""Loading content/ into the database: complete, idempotent, and never overwriting staff edits."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from barrierfree.content.files import ContentError
from barrierfree.content.loader import (
    FIELDS_ADDED_SINCE_EARLIER_FINGERPRINTS,
    LOAD_ORDER,
    fingerprint,
    load,
    snapshot,
)
from barrierfree.database import db
from barrierfree.plan.models import (
    LEAD,
    Box,
    Department,
    Indicator,
    Measure,
    PlanPart,
    Project,
)
from barrierfree.services.models import Category, Service
from barrierfree.staff.models import Revision
from conftest import load_content
from sqlalchemy import func, select

MEASURES_PER_AREA = (6, 4, 10, 3, 9)
EXPECTED_COUNTS = {
    PlanPart: 3,
    Measure: 32,
    Box: 9,
    Indicator: 11,
    Project: 48,
    Department: 39,
    Category: 7,
}


def count(model) -> int:
    """How many rows of `model` the database holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def service(slug: str) -> Service:
    """One service by slug."""
    return db.session.scalar(select(Service).where(Service.slug == slug))


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must be there) with `new` in a content file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def loaded(empty_app, content_dir):
    """The empty app with content/ loaded once; yields the report inside an app context."""
    with empty_app.app_context():
        yield load_content(content_dir)


@pytest.fixture
def content_db(app):
    """An app context on the shared app, whose database holds content/ (read only)."""
    with app.app_context():
        yield


@pytest.fixture
def content_dir(empty_app) -> Path:
    """The real content/ folder."""
    return Path(empty_app.config["CONTENT_DIR"])


def test_first_load_into_empty_database_reports_everything_added(loaded):
    assert {kind.name: len(loaded.added.get(kind.name, [])) for kind in LOAD_ORDER} == {
        kind.name: count(kind.model) for kind in LOAD_ORDER
    }
    assert (loaded.count("changed"), loaded.count("unchanged"), loaded.count("kept")) == (0, 0, 0)


def test_second_load_adds_and_changes_nothing(loaded, content_dir):
    again = load_content(content_dir)
    assert (again.count("added"), again.count("changed"), again.count("kept")) == (0, 0, 0)
    assert again.count("unchanged") == loaded.count("added")


@pytest.mark.parametrize(
    "model, expected", EXPECTED_COUNTS.items(), ids=[m.__name__ for m in EXPECTED_COUNTS]
)
def test_counts_match_the_plan(content_db, model, expected):
    assert count(model) == expected


def test_measures_are_numbered_within_their_five_areas(content_db):
    expected = {
        f"{area}-{number}"
        for area, size in enumerate(MEASURES_PER_AREA, start=1)
        for number in range(1, size + 1)
    }
    assert set(db.session.scalars(select(Measure.slug))) == expected


def test_the_four_safeguard_sections_each_have_a_lead_department(content_db):
    safeguards = db.session.scalar(select(PlanPart).where(PlanPart.number == "三"))
    assert [section.title for section in safeguards.sections] == [
        "认真实施规划",
        "加强组织领导",
        "强化经费保障",
        "开展检测评估",
    ]
    for section in safeguards.sections:
        assert any(r.role == LEAD for r in section.responsibilities), section.slug


@pytest.mark.parametrize(
    "number, field, value",
    [
        (4, "target_2025", ">96"),
        (9, "value_2020", None),
        (9, "target_2025", ">300"),
        (2, "attribute", "binding"),
        (1, "attribute", "expected"),
    ],
    ids=["4-target", "9-no-2020-value", "9-target", "2-binding", "1-expected"],
)
def test_indicators_keep_the_values_printed_in_the_plan(content_db, number, field, value):
    indicator = db.session.scalar(select(Indicator).where(Indicator.number == number))
    assert getattr(indicator, field) == value


def test_every_measure_has_a_lead_department(content_db):
    without_lead = [
        m.slug
        for m in db.session.scalars(select(Measure))
        if not any(r.role == LEAD for r in m.responsibilities)
    ]
    assert without_lead == []


def test_at_least_twenty_services_each_complete(content_db):
    services = list(db.session.scalars(select(Service)))
    assert len(services) >= 20
    incomplete = [
        s.slug
        for s in services
        if not s.easy_read.strip()
        or not any(r.role == LEAD for r in s.responsibilities)
        or not s.measures
    ]
    assert incomplete == []


def test_row_edited_in_database_is_kept_and_reported_on_next_load(loaded, content_dir):
    service("living-allowance").title = "困难残疾人生活补贴（工作人员修改）"
    db.session.commit()

    report = load_content(content_dir)

    assert report.kept == {"services": ["living-allowance"]}
    assert report.count("changed") == 0
    db.session.expire_all()
    assert service("living-allowance").title == "困难残疾人生活补贴（工作人员修改）"


def test_file_change_to_another_item_is_applied_while_the_edited_row_is_kept(loaded, content_copy):
    service("living-allowance").title = "困难残疾人生活补贴（工作人员修改）"
    db.session.commit()
    edit(
        content_copy / "services" / "legal-aid.yaml",
        "title: 法律援助和司法救助",
        "title: 法律援助（新标题）",
    )

    report = load_content(content_copy)

    assert report.changed == {"services": ["legal-aid"]}
    assert report.kept == {"services": ["living-allowance"]}
    db.session.expire_all()
    assert service("legal-aid").title == "法律援助（新标题）"
    assert service("living-allowance").title == "困难残疾人生活补贴（工作人员修改）"


def test_a_load_that_changes_a_row_raises_its_version_and_no_other(loaded, content_copy):
    """The editor's conflict check compares versions: a load that changes a row moves it
    on, as a save does; a row the load leaves as it is keeps its version. The changed row,
    if staff edit its kind, is kept as it was and as loaded, for the editor's merge; a row
    added, left as it is, or of a kind staff do not edit keeps no revision."""
    before = {row.slug: row.version for row in db.session.scalars(select(Service))}
    edit(
        content_copy / "services" / "legal-aid.yaml",
        "title: 法律援助和司法救助",
        "title: 法律援助（新标题）",
    )
    edit(content_copy / "plan.yaml", "General requirements", "General requirements (new)")

    assert set(load_content(content_copy).changed) == {"services", "parts"}

    db.session.expire_all()
    after = {row.slug: row.version for row in db.session.scalars(select(Service))}
    assert after == {**before, "legal-aid": before["legal-aid"] + 1}
    kept = db.session.scalars(select(Revision).order_by(Revision.id)).all()
    assert [(r.kind, r.item_id, r.version, r.action, r.user_id) for r in kept] == [
        ("services", service("legal-aid").id, before["legal-aid"], "original", None),
        ("services", service("legal-aid").id, before["legal-aid"] + 1, "load", None),
    ]
    assert [r.data["title"] for r in kept] == ["法律援助和司法救助", "法律援助（新标题）"]


def summary_counts(output: str) -> dict[str, int]:
    """The counts in the first line `flask content load` prints."""
    pattern = r"added (\d+), changed (\d+), unchanged (\d+), skipped \D*(\d+)"
    match = re.search(pattern, output)
    assert match, output
    names = ("added", "changed", "unchanged", "skipped")
    return dict(zip(names, map(int, match.groups()), strict=True))


def flask_content_load(app, runner, *args):
    """Run `flask content load` as the `flask` command does: in its own app context."""
    with app.app_context():
        return runner.invoke(args=["content", "load", *args])


def test_cli_load_prints_added_changed_and_skipped_counts(empty_app, runner):
    first = flask_content_load(empty_app, runner)
    second = flask_content_load(empty_app, runner)

    assert first.exit_code == 0, first.output
    added = summary_counts(first.output)["added"]
    assert added > 0
    assert summary_counts(first.output) == {
        "added": added,
        "changed": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert summary_counts(second.output) == {
        "added": 0,
        "changed": 0,
        "unchanged": added,
        "skipped": 0,
    }


# (file, text, replacement, names the error must mention)
BREAKAGES = {
    "invalid-yaml": ("departments.yaml", "departments:", "departments: [", ["departments.yaml"]),
    "top-level-list": ("departments.yaml", "departments:", "- departments:", ["departments.yaml"]),
    "unknown-lead-of-service": (
        "services/legal-aid.yaml",
        "lead: [justice-bureau",
        "lead: [no-such-department",
        ["legal-aid", "no-such-department"],
    ),
    "unknown-category": (
        "services/legal-aid.yaml",
        "category: rights-legal",
        "category: no-such-category",
        ["legal-aid", "no-such-category"],
    ),
    "unknown-measure": (
        "services/legal-aid.yaml",
        'measures: ["5-2"]',
        'measures: ["9-9"]',
        ["legal-aid", "9-9"],
    ),
    "unknown-lead-of-measure": (
        "plan.yaml",
        "lead: [rural-revitalisation-bureau]",
        "lead: [no-such-department]",
        ["1-1", "no-such-department"],
    ),
    "page-without-header": ("pages/about.md", "---\nslug:", "slug:", ["about.md"]),
    "page-with-invalid-header": ("pages/about.md", "title: 关于本站", "title: [", ["about.md"]),
    "service-without-slug": ("services/legal-aid.yaml", "slug: legal-aid\n", "", ["legal-aid"]),
    "service-without-departments-source": (
        "services/legal-aid.yaml",
        "departments_source:",
        "not_a_field:",
        ["legal-aid", "departments_source"],
    ),
}


@pytest.mark.parametrize("file, old, new, named", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_malformed_content_raises_content_error_naming_the_file_or_item(
    empty_app, content_copy, file, old, new, named
):
    edit(content_copy / file, old, new)
    with empty_app.app_context(), pytest.raises(ContentError) as raised:
        load(content_copy)
    for name in named:
        assert name in str(raised.value)


@pytest.mark.parametrize(
    "file, old, new",
    [BREAKAGES["invalid-yaml"][:3], BREAKAGES["unknown-lead-of-service"][:3]],
    ids=["invalid-yaml", "unknown-lead-of-service"],
)
def test_cli_load_of_malformed_content_commits_nothing(
    empty_app, runner, content_copy, file, old, new
):
    edit(content_copy / file, old, new)
    result = flask_content_load(empty_app, runner, "--dir", str(content_copy))

    assert isinstance(result.exception, ContentError)
    with empty_app.app_context():
        assert count(Department) == 0
        assert count(Service) == 0


def earlier_fingerprint(kind_name: str, row) -> str:
    """The fingerprint a load before migration 0007 wrote: every field of the kind as it
    was then, empty ones as null."""
    kind = next(kind for kind in LOAD_ORDER if kind.name == kind_name)
    data = snapshot(kind, row)
    for added in FIELDS_ADDED_SINCE_EARLIER_FINGERPRINTS.get(kind_name, ()):
        data.pop(added)
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def test_a_field_added_to_a_kind_is_filled_in_by_the_next_load(loaded, content_dir):
    """A database loaded before measures had English titles gets them; a measure staff
    changed since is still kept."""
    for measure in db.session.scalars(select(Measure)):
        measure.title_en = None
        measure.loaded_hash = earlier_fingerprint("measures", measure)
    edited = db.session.scalar(select(Measure).where(Measure.slug == "3-1"))
    edited.title = "加强残疾预防工作（工作人员修改）"
    db.session.commit()

    report = load_content(content_dir)

    assert report.kept == {"measures": ["3-1"]}
    assert report.count("changed") == 31
    db.session.expire_all()
    assert db.session.scalar(select(Measure).where(Measure.slug == "1-1")).title_en
    assert load_content(content_dir).count("changed") == 0


def test_a_new_empty_field_changes_no_fingerprint():
    assert fingerprint({"title": "标题", "title_en": None}) == fingerprint({"title": "标题"})
