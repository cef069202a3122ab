"""A kind is declared once (kinds.py, each feature's spec.py): a field added to the
declaration reaches the loader, the editor, the spreadsheet, the open data and search, and
each rule of a record is one function whose verdict the three ways in agree on."""

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from barrierfree.content.files import ContentError, read_yaml
from barrierfree.content.loader import Report, load, load_records, normalise, snapshot
from barrierfree.database import Publishable, Tracked, db
from barrierfree.facilities.spec import FACILITIES
from barrierfree.i18n import EN, ENVIRON_KEY
from barrierfree.kinds import NAME, POSITION, SLUG_FIELD, Field, Kind, slug_problems
from barrierfree.open_data.exports import record
from barrierfree.site_search.index import search_text
from barrierfree.staff.bulk import columns, files, importing
from barrierfree.staff.editing import forms as editing
from conftest import parse
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from staff_helpers import form_fields, make_staff, signed_in
from werkzeug.datastructures import MultiDict

# --- A kind of its own, on a table of its own -----------------------------------------------


class GadgetBase(DeclarativeBase):
    """A metadata apart from the site's, so the site's schema is not changed by this test."""


class Gadget(Publishable, Tracked, GadgetBase):
    """A thing with a colour that the declaration of `GADGETS` at first leaves out."""

    __tablename__ = "test_gadget"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    colour: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)


GADGETS = Kind(
    "gadgets",
    Gadget,
    "小物件",
    (SLUG_FIELD, NAME, POSITION),
    title_field="name",
    public_endpoint="facilities.detail",
)
COLOUR = Field("colour", "颜色", max_length=20, search=True, description="颜色")
WITH_COLOUR = replace(GADGETS, fields=(*GADGETS.fields, COLOUR))
RECORD = {"slug": "red-lamp", "name": "台灯", "colour": "红色", "position": 0}


@pytest.fixture
def gadgets(empty_app):
    """A request context on an empty site with the gadgets' table."""
    with empty_app.test_request_context():
        GadgetBase.metadata.create_all(db.engine)
        yield
        db.session.remove()


def loaded_gadget(kind: Kind) -> Gadget:
    """The gadget the loader writes from RECORD as `kind` declares it."""
    load_records({"gadgets": [RECORD]}, kinds=(kind,))
    db.session.commit()
    return db.session.query(Gadget).one()


def test_the_loader_takes_a_declared_field(gadgets):
    assert loaded_gadget(GADGETS).colour is None
    assert "colour" not in normalise(GADGETS, RECORD)

    gadget = loaded_gadget(WITH_COLOUR)
    assert gadget.colour == "红色"
    assert snapshot(WITH_COLOUR, gadget)["colour"] == "红色"


def test_the_editor_takes_a_declared_field(gadgets):
    assert "colour" not in {f.name for f in GADGETS.form_fields}
    form = MultiDict({"slug": "blue-lamp", "name": "台灯", "colour": "蓝色"})
    text, parsed = editing.read_form(WITH_COLOUR, form)
    assert parsed["_errors"] == {} and parsed["_values"]["colour"] == "蓝色"

    gadget = Gadget()
    editing.apply_values(WITH_COLOUR, gadget, parsed["_values"])
    assert gadget.colour == "蓝色"
    assert editing.revision_data(WITH_COLOUR, gadget)["colour"] == "蓝色"
    assert editing.form_values(WITH_COLOUR, {"colour": "蓝色"})["colour"] == "蓝色"

    too_long = MultiDict({"slug": "x", "name": "台灯", "colour": "红" * 21})
    assert "colour" in editing.read_form(WITH_COLOUR, too_long)[1]["_errors"]


def test_the_spreadsheet_takes_a_declared_field(gadgets, monkeypatch):
    assert "colour" not in {c.key for c in columns.layout(GADGETS)}
    monkeypatch.setitem(columns.SPREADSHEET_KINDS, "gadgets", WITH_COLOUR)
    loaded_gadget(WITH_COLOUR)

    body, _mimetype, _filename = files.export("gadgets", "csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert "颜色 colour" in rows[0]
    assert rows[1][rows[0].index("颜色 colour")] == "红色"

    rows[1][rows[0].index("颜色 colour")] = "绿色"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    plan = importing.read("gadgets", "gadgets.csv", out.getvalue().encode())
    assert plan.valid, plan.errors
    assert [(c.slug, c.fields) for c in plan.changes] == [("red-lamp", ["colour"])]


def test_the_open_data_and_search_take_a_declared_field(gadgets):
    gadget = loaded_gadget(WITH_COLOUR)
    assert "colour" not in record(GADGETS, gadget)
    assert record(WITH_COLOUR, gadget)["colour"] == "红色"
    assert "红色" not in search_text(GADGETS, gadget, "zh")
    assert "红色" in search_text(WITH_COLOUR, gadget, "zh")


# --- One rule, three ways in ----------------------------------------------------------------


@pytest.mark.parametrize("slug", ["rukang-boping", "a1", "2026-rehab-notice"])
def test_a_good_slug_has_no_problem(slug):
    assert slug_problems(slug) == []


@pytest.mark.parametrize("slug", ["abc-", "a--b", "-abc", "Abc", "a_b", "网址", "a" * 81])
def test_a_bad_slug_is_one_problem(slug):
    assert [p.field for p in slug_problems(slug)] == ["slug"]


def test_an_empty_required_field_says_fill_in_or_choose_unless_it_has_its_own_words(i18n_app):
    typed = Field("colour", "颜色", required=True)
    chosen = replace(typed, type="select", choices=lambda: {"red": "红色"})
    own_words = replace(chosen, type="multi", missing="请至少选一种颜色。")
    with i18n_app.test_request_context("/"):
        assert [p.message for p in typed.problems("")] == ["请填写“颜色”。"]
        assert [p.message for p in chosen.problems(None)] == ["请选择“颜色”。"]
        assert [p.message for p in own_words.problems([])] == ["请至少选一种颜色。"]
        # A content file or a spreadsheet row is typed, whatever the form offers.
        for field in (typed, chosen, own_words):
            assert [p.message for p in field.problems(None, typed=True)] == ["请填写“颜色”。"]
        kind_of_place = FACILITIES.field("type")
        assert kind_of_place.type == "select"
        missing = [p.message for p in FACILITIES.problems({}) if p.field == "type"]
        assert missing == [f"请填写“{kind_of_place.label}”。"]
    with i18n_app.test_request_context("/", environ_overrides={ENVIRON_KEY: EN}):
        # A label that is a question ends the sentence with its own mark.
        question = replace(chosen, label="What colour is it?")
        assert [p.message for p in question.problems("")] == ["Choose “What colour is it?”"]


# Each case: changes to a facility record (as a file holds it), the field to blame.
BROKEN_FACILITIES = {
    "slug-ending-in-a-hyphen": ({"slug": "abc-"}, "slug"),
    "slug-with-a-double-hyphen": ({"slug": "a--b"}, "slug"),
    "sample-with-a-phone": ({"phone": "0635-4261234"}, "phone"),
    "sample-with-an-address": ({"address": "振兴街1号"}, "address"),
    "only-a-latitude": ({"latitude": 36.58}, "longitude"),
    "coordinates-swapped": ({"latitude": 116.25, "longitude": 36.58}, "latitude"),
    "longitude-outside": ({"latitude": 36.58, "longitude": 120.0}, "longitude"),
    "name-too-long": ({"name": "长" * 201}, "name"),
    "no-summary": ({"summary": ""}, "summary"),
    "unknown-type": ({"type": "swimming-pool"}, "type"),
}
NEW_SLUG = "new-place"


@pytest.fixture(scope="module")
def sample_facility() -> dict:
    """A facility of the demo pack, as its file holds it, under a new slug."""
    path = Path(__file__).resolve().parent.parent / "content" / "demo" / "facilities.yaml"
    first = next(f for f in read_yaml(path)["facilities"] if f["sample"])
    return {**first, "slug": NEW_SLUG, "latitude": None, "longitude": None}


@pytest.fixture
def site(loaded_app):
    """A site with content/ loaded and a publisher's account."""
    make_staff(loaded_app, "publisher", "publisher")
    return loaded_app


@pytest.mark.parametrize(
    "changes, blamed", BROKEN_FACILITIES.values(), ids=BROKEN_FACILITIES.keys()
)
def test_the_three_ways_in_agree(site, sample_facility, changes, blamed):
    broken = {**sample_facility, **changes}

    with site.test_request_context():
        assert [p.field for p in FACILITIES.problems(broken)] == [blamed]
        with pytest.raises(ValueError, match=f"^{blamed}: "):
            FACILITIES.check(broken)

    # The loader: a content file with the record refuses to load, naming the field.
    with site.app_context():
        with pytest.raises(ContentError, match=f"{blamed}: "):
            load_records({"facilities": [broken]}, kinds=(FACILITIES,))
        db.session.rollback()

    # The editor: the new-facility form shows the problem beside the field.
    client = signed_in(site, "publisher")
    fields = form_fields(client.get("/staff/facilities/new").data, "edit-form")
    for name, value in broken.items():
        if value is True:  # a checkbox, left out of the form while unticked
            fields[name] = ["1"]
        elif name in fields and not isinstance(value, list | dict):
            fields[name] = ["" if value is None else str(value)]
    response = client.post("/staff/facilities/new", data={**fields, "action": "save"})
    assert response.status_code == 400
    assert parse(response.data).find(id=f"field-{blamed}-error") is not None

    # The spreadsheet: a row of the record is refused in the field's column.
    with site.test_request_context():
        body, _mimetype, _filename = files.export("facilities", "csv")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        keys = [heading.split()[-1] for heading in rows[0]]
        row = list(rows[1])
        for name, value in broken.items():
            if name in keys and not isinstance(value, list | dict):
                row[keys.index(name)] = "" if value is None else str(value)
        row[keys.index("sample")] = "是"
        row[keys.index("version")] = ""
        out = io.StringIO()
        csv.writer(out).writerows([rows[0], row])
        plan = importing.read("facilities", "facilities.csv", out.getvalue().encode())
        column = next(c.header for c in columns.layout(FACILITIES) if c.key == blamed)
        assert [(e.row, e.column) for e in plan.errors] == [(2, column)]


def test_the_loader_report_is_unchanged_by_the_declarations(empty_app):
    """content/ loads as before: every kind, every record, nothing refused."""
    with empty_app.app_context():
        report = load(Path(empty_app.config["CONTENT_DIR"]))
        assert isinstance(report, Report) and report.count("added") > 100
