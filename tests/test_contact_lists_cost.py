"""What the contacts directory, a service's page and a place's page read to list their
channels: only what they show, with the same channels in the same order."""

import pytest
from barrierfree import i18n
from barrierfree.contacts import channels, queries
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import PUBLISHED, db
from barrierfree.facilities.models import Facility
from barrierfree.opening_hours import local_now
from barrierfree.plan.models import LEAD
from barrierfree.services.models import Service
from barrierfree.services.where import where_to_go
from conftest import make_loaded_app
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm.attributes import set_committed_value


class CountedLabel:
    """A label that counts how often it is translated."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.translated = 0

    def __str__(self) -> str:
        self.translated += 1
        return self.text


@pytest.mark.parametrize(
    ("locale", "phone", "deaf"),
    [(i18n.ZH, "电话", "聋人"), (i18n.EN, "Phone", "Deaf people")],
)
def test_labels_read_in_the_language_of_the_page(i18n_app, locale, phone, deaf):
    kinds, needs = i18n.Labels(channels.CHANNELS), i18n.Labels(channels.NEEDS)
    with i18n_app.test_request_context("/"), i18n.force_locale(locale):
        assert kinds["phone"] == phone
        assert dict(needs.items())["deaf"] == deaf
        assert list(needs) == list(channels.NEEDS)


def test_labels_are_translated_once_per_language(i18n_app):
    label = CountedLabel("电话")
    labels = i18n.Labels({"phone": label})
    with i18n_app.test_request_context("/"):
        for locale in (i18n.ZH, i18n.EN, i18n.ZH, i18n.EN):
            with i18n.force_locale(locale):
                assert labels["phone"] == "电话"
                assert labels["phone"] == "电话"
    assert label.translated == 2


def test_a_label_shows_in_a_page_as_the_lazy_string_showed(i18n_app):
    labels = i18n.Labels({"both": CountedLabel("听力 & 言语")})
    with i18n_app.test_request_context("/"):
        assert isinstance(labels["both"], Markup)
        assert Markup("{}").format(labels["both"]) == "听力 & 言语"


@pytest.fixture(scope="module")
def uncached(tmp_path_factory):
    """The loaded site with the demo pack, without its page cache."""
    database = tmp_path_factory.mktemp("contact-lists") / "site.sqlite"
    return make_loaded_app(database, PAGE_CACHE=False)


def statements_of(app, path: str) -> list[str]:
    """The SQL statements one GET of `path` runs."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert app.test_client().get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


@pytest.mark.parametrize("path", ["/contacts/", "/en/contacts/?need=deaf"])
def test_the_directory_reads_no_channel_services_or_departments(uncached, path):
    """Its cards show a channel and its place, never the services or department it has."""
    statements = statements_of(uncached, path)
    assert not any("contact_service" in statement for statement in statements)
    assert not any("FROM department" in statement for statement in statements)


def test_a_place_lists_its_own_published_channels_in_order(uncached):
    with uncached.test_request_context("/"):
        every = queries.published()
        places = {contact.facility_id for contact in every if contact.facility_id}
        assert places, "the demo pack has counters at places"
        for facility in db.session.scalars(select(Facility).where(Facility.id.in_(places))):
            listed = [item.contact for item in queries.at_facility(facility, local_now())]
            assert listed == [c for c in every if c.facility_id == facility.id]


def test_a_place_with_no_channel_lists_none(uncached):
    with uncached.test_request_context("/"):
        based = select(ContactChannel.facility_id).where(ContactChannel.facility_id.is_not(None))
        facility = db.session.scalar(select(Facility).where(Facility.id.not_in(based)).limit(1))
        assert facility is not None
        assert queries.at_facility(facility, local_now()) == []


def test_every_service_lists_its_own_its_leads_and_the_general_channels_by_kind(uncached):
    order = list(channels.CHANNELS)
    with uncached.test_request_context("/"):
        every = queries.published()
        services = db.session.scalars(select(Service).where(Service.status == PUBLISHED)).all()
        assert services
        for service in services:
            leads = {r.department_id for r in service.responsibilities if r.role == LEAD}
            expected = [
                contact
                for contact in every
                if service in contact.services
                or contact.department_id in leads
                or contact.department_id is None
            ]
            expected.sort(key=lambda c: (order.index(c.channel), c.position))
            listed = [item.contact for item in queries.for_service(service, local_now())]
            assert listed == expected, service.slug


def test_a_service_without_a_lead_department_lists_its_own_and_the_general_channels(
    uncached,
):
    with uncached.test_request_context("/"):
        service = db.session.scalar(select(Service).where(Service.status == PUBLISHED))
        set_committed_value(service, "responsibilities", [])  # in memory only
        listed = [item.contact for item in queries.for_service(service, local_now())]
        assert listed
        assert all(c.department_id is None or service in c.services for c in listed)


def test_where_to_go_lists_the_real_published_places_of_each_service(uncached):
    """Read as rows of what the list shows: the same places, in the finder's order, the
    demo pack's samples left out until one is made real."""
    with uncached.test_request_context("/"):
        places = db.session.scalars(select(Facility).where(Facility.status == PUBLISHED)).all()
        offered = [place for place in places if place.services]
        assert offered, "the demo pack's places offer services"
        service = offered[0].services[0]
        assert where_to_go(service, local_now()).places == []
        for place in places:
            place.sample = False
        db.session.flush()
        try:
            listed = [tuple(row) for row in where_to_go(service, local_now()).places]
            expected = [
                (place.slug, place.name, place.name_en)
                for place in sorted(places, key=lambda p: (p.township.position, p.position))
                if service in place.services
            ]
        finally:
            db.session.rollback()
    assert listed == expected


@pytest.mark.parametrize(("prefix", "lift"), [("", "电梯"), ("/en", "Lift")])
def test_a_place_names_its_features_in_the_language_of_the_page(uncached, prefix, lift):
    """Its features' names, read through `Labels`, follow the page's language whichever
    language was asked first."""
    with uncached.test_request_context("/"):
        slug = db.session.scalar(select(Facility.slug).where(Facility.status == PUBLISHED).limit(1))
    client = uncached.test_client()
    for first in ("/en", ""):
        client.get(f"{first}/facilities/{slug}")
    page = client.get(f"{prefix}/facilities/{slug}").get_data(as_text=True)
    assert f"<h3>{lift}</h3>" in page
