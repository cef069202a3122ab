"""A withdrawn item's page is gone, so no public page links it by a relation: a contact's
place, a contact's services. The question before a withdrawal names the published items
that refer to the item, by a relation or by its address in their text, as the question
before deleting a file names what links it."""

import re
from pathlib import Path

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import DRAFT, PUBLISHED, WITHDRAWN, db
from barrierfree.facilities.models import Facility
from barrierfree.services.models import Service
from barrierfree.updates.models import Update
from conftest import parse
from sqlalchemy import select
from staff_helpers import answered, copied_app, csrf, prepared_database, signed_in

PLACE = "government-service-hall"  # the demo pack's; two in-person counters are there
COUNTERS = ("dpf-in-person", "civil-affairs-in-person")
SERVICE = "disability-certificate"  # asked about at dpf-in-person
PUBLISHER = "li-publisher"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A database with content/ loaded and a publisher, made once (argon2 is slow)."""
    return prepared_database(tmp_path_factory.mktemp("prepared"), {PUBLISHER: "publisher"})


@pytest.fixture
def site(prepared, tmp_path):
    return copied_app(prepared, tmp_path)


def set_status(app, model, slug: str, status: str) -> int:
    with app.app_context():
        row = db.session.scalar(select(model).where(model.slug == slug))
        row.status = status
        db.session.commit()
        return row.id


def links_to(client, path: str, target: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return [href for href in parse(response.data).hrefs if href.rstrip("/").endswith(target)]


def withdrawal_question(client, kind: str, item: int, version: int = 1):
    data = {"csrf_token": csrf(client, f"/staff/{kind}/"), "version": version}
    response = client.post(f"/staff/{kind}/{item}/withdraw", data=data)
    assert response.status_code == 200
    return response


def listed_under(response, heading: str) -> list[str]:
    """The items the question lists under the heading that contains `heading`."""
    document = parse(response.data)
    for h2 in document.find_all("h2"):
        if heading in h2.text:
            items = re.search(
                re.escape(h2.text) + r"</h2>.*?<ul>(.*?)</ul>", response.text, re.S
            ).group(1)
            return [parse(item).text for item in re.findall(r"<li>.*?</li>", items, re.S)]
    return []


def test_a_withdrawn_place_is_linked_from_no_contact(site):
    set_status(site, Facility, PLACE, WITHDRAWN)
    client = site.test_client()
    for prefix in ("", "/en"):
        assert not links_to(client, f"{prefix}/contacts/", f"/facilities/{PLACE}")
        for slug in COUNTERS:
            assert not links_to(client, f"{prefix}/contacts/{slug}", f"/facilities/{PLACE}")
        # A service page lists the counters of its departments.
        assert not links_to(client, f"{prefix}/services/{SERVICE}", f"/facilities/{PLACE}")
    page = client.get("/contacts/dpf-in-person").text
    assert "号码或地址尚未公布。" in page
    # Its hours promise no open counter: where it is, is not published.
    assert "现在可以联系" not in page and "现在不在服务时间" not in page


def test_a_published_place_is_still_linked(site):
    client = site.test_client()
    assert links_to(client, "/contacts/dpf-in-person", f"/facilities/{PLACE}")


def test_a_withdrawn_service_is_linked_from_no_contact(site):
    client = site.test_client()
    assert links_to(client, "/contacts/dpf-in-person", f"/services/{SERVICE}")
    set_status(site, Service, SERVICE, WITHDRAWN)
    assert not links_to(client, "/contacts/dpf-in-person", f"/services/{SERVICE}")
    assert not links_to(client, "/en/contacts/dpf-in-person", f"/services/{SERVICE}")
    with site.app_context():  # only the page was told less: the link is kept
        contact = db.session.scalar(
            select(ContactChannel).where(ContactChannel.slug == "dpf-in-person")
        )
        assert SERVICE in [service.slug for service in contact.services]


def test_a_withdrawn_service_is_linked_from_no_place(site):
    with site.app_context():
        place = db.session.scalars(
            select(Facility).where(Facility.status == PUBLISHED, Facility.services.any())
        ).first()
        slug, service = place.slug, place.services[0].slug
    client = site.test_client()
    assert links_to(client, f"/facilities/{slug}", f"/services/{service}")
    set_status(site, Service, service, WITHDRAWN)
    for prefix in ("", "/en"):
        assert not links_to(client, f"{prefix}/facilities/{slug}", f"/services/{service}")


def test_the_preview_of_a_place_lists_no_withdrawn_service(site):
    with site.app_context():
        place = db.session.scalars(
            select(Facility).where(Facility.status == PUBLISHED, Facility.services.any())
        ).first()
        place_id, slug, service = place.id, place.slug, place.services[0].slug
    set_status(site, Service, service, WITHDRAWN)
    publisher = signed_in(site, PUBLISHER)
    preview = publisher.get(f"/staff/facilities/{place_id}/preview")
    assert preview.status_code == 200
    assert not [h for h in parse(preview.data).hrefs if h.endswith(f"/services/{service}")]
    with site.app_context():  # only the pages were told less: the link is kept
        row = db.session.scalar(select(Facility).where(Facility.slug == slug))
        assert service in [s.slug for s in row.services]


def test_the_question_before_withdrawing_a_place_names_its_published_counters(site):
    draft = set_status(site, ContactChannel, "civil-affairs-in-person", DRAFT)
    publisher = signed_in(site, PUBLISHER)
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == PLACE))
        names = {c.slug: c.name for c in db.session.scalars(select(ContactChannel)) if c.facility}
    question = withdrawal_question(publisher, "facilities", place.id, place.version)
    listed = listed_under(question, "关联着它")
    assert any(names["dpf-in-person"] in item and "联系方式" in item for item in listed)
    assert not any(names["civil-affairs-in-person"] in item for item in listed)  # a draft
    links = parse(question.data).hrefs
    assert f"/staff/contacts/{draft}" not in links
    assert not listed_under(question, "正文链接着它")
    # The answer withdraws it, as before.
    assert answered(publisher, question).status_code == 303
    with site.app_context():
        assert db.session.get(Facility, place.id).status == WITHDRAWN


def test_the_question_names_an_update_whose_text_links_the_item(site):
    with site.app_context():
        service = db.session.scalar(select(Service).where(Service.slug == SERVICE))
        item, version = service.id, service.version
        texts = {
            "linking": f"[办证](/en/services/{SERVICE}#how)",
            "other-service": f"[别的](/services/{SERVICE}-renewal)",  # another address
        }
        for slug, body in texts.items():
            db.session.add(
                Update(
                    slug=slug,
                    kind="notice",
                    title=f"通知{slug}",
                    summary="摘要。",
                    body=body,
                    status=PUBLISHED,
                )
            )
        db.session.commit()
    publisher = signed_in(site, PUBLISHER)
    question = withdrawal_question(publisher, "services", item, version)
    linked = listed_under(question, "正文链接着它")
    assert linked == ["通知linking（通知公告和工作动态）"]
    listed = listed_under(question, "关联着它")
    assert any("区残联窗口" in item for item in listed)  # the counter that answers for it


def test_the_question_says_when_nothing_refers_to_the_item(site):
    with site.app_context():
        db.session.add(
            Update(
                slug="alone",
                kind="notice",
                title="无人链接",
                summary="摘要。",
                body="正文",
                status=PUBLISHED,
            )
        )
        db.session.commit()
        item = db.session.scalar(select(Update.id).where(Update.slug == "alone"))
    question = withdrawal_question(signed_in(site, PUBLISHER), "updates", item)
    assert "没有已发布的内容关联或链接它。" in question.text
