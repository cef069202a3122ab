"""The feedback pages send a resident to the federation only by the ways it has published
(feedback.queries.federation_channels, the channels its department page lists as its own):
named and linked when there are some; while there are none, a plain statement that its
phone, address and office hours are not published here, and the ways that exist (writing
again online with the reference, 12345). The rights under 《个人信息保护法》 stay stated."""

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import db
from conftest import parse
from sqlalchemy import select
from staff_helpers import csrf

NONE_PUBLISHED = {
    "": "区残联的电话、地址和办公时间，本站还没有公布",
    "/en": "This site has not yet published the District Disabled Persons' Federation's",
}
# What the pages promised before, none of it published: a counter, text relay, video sign
# language, and a link to "every way, with office hours".
PROMISED = (
    "当面", "文字转接", "视频手语", "所有联系方式和办公时间",
    "in person", "text relay", "video sign language", "with their hours",
)  # fmt: skip
FORMS = ("/feedback/ask", "/feedback/barrier", "/feedback/page-error")


def publish_federation_sms(app) -> None:
    """As if staff published the federation's text line (the demo pack's, a sample until then)."""
    with app.app_context():
        channel = db.session.scalar(select(ContactChannel).where(ContactChannel.slug == "dpf-sms"))
        channel.sample = False
        db.session.commit()


class Said:
    """The text and links of some elements of a page."""

    def __init__(self, elements) -> None:
        self.text = " ".join(element.text for element in elements)
        self.hrefs = [href for element in elements for href in element.hrefs]


def section(path_page, heading_id: str) -> Said:
    """What follows the h2 `heading_id`, up to the next h2."""
    elements = []
    for element in path_page.find(id=heading_id).find_next_siblings():
        if element.tag == "h2":
            break
        elements.append(element)
    return Said(elements)


def sent_without_receipt(client, prefix: str) -> Said:
    """The page after sending, in a browser that holds no receipt (pressed 不再显示, or late)."""
    return Said([parse(client.get(prefix + "/feedback/sent").data).find("main")])


def lost_link(client, path: str) -> Said:
    """The advice for a lost status link (the feedback page, a status link that opens nothing)."""
    return section(parse(client.get(path).data), "lost-link")


def privacy_note(client, path: str) -> Said:
    """The privacy note's list on a form."""
    return Said([parse(client.get(path).data).find(id="privacy").find_next("ul")])


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_without_published_channels_the_pages_say_so_and_promise_no_counter(loaded_app, prefix):
    client = loaded_app.test_client()  # the demo pack's federation channels are samples
    said = NONE_PUBLISHED[prefix]
    places = {
        "lost link": lost_link(client, prefix + "/feedback/"),
        "status link that opens nothing": lost_link(
            client, prefix + "/feedback/status/" + "a" * 43
        ),
        "sent page": sent_without_receipt(client, prefix),
    }
    places.update({path: privacy_note(client, prefix + path) for path in FORMS})
    for name, element in places.items():
        assert said in element.text, name
        assert not any(promise in element.text for promise in PROMISED), (name, element.text)
        assert not any("/contacts/dpf-" in href for href in element.hrefs), name


@pytest.mark.parametrize(
    ("prefix", "online", "phone"),
    [
        ("", ("在网上再写一条", "查看、更正还是删除", "您有权查看、更正和删除"), "12345"),
        ("/en", ("write to us again online", "see, correct or delete", "right to see"), "12345"),
    ],
)
def test_the_rights_stay_stated_with_the_ways_that_exist(loaded_app, prefix, online, phone):
    """《个人信息保护法》第四十四至四十七条: to see, correct and delete, online, and by 12345."""
    note = privacy_note(loaded_app.test_client(), prefix + "/feedback/ask")
    assert all(part in note.text for part in online), note.text
    assert phone in note.text
    assert f"{prefix}/contacts/" in note.hrefs


@pytest.mark.parametrize(
    ("prefix", "name"),
    [("", "区残联短信咨询"), ("/en", "SMS enquiries to the District Disabled Persons' Federation")],
)
def test_published_channels_are_named_and_linked(loaded_app, prefix, name):
    publish_federation_sms(loaded_app)
    client = loaded_app.test_client()
    places = {
        "lost link": lost_link(client, prefix + "/feedback/"),
        "sent page": sent_without_receipt(client, prefix),
        "privacy note": privacy_note(client, prefix + "/feedback/ask"),
    }
    for place, element in places.items():
        assert NONE_PUBLISHED[prefix] not in element.text, place
        assert name in element.text, place
        assert f"{prefix}/contacts/dpf-sms" in element.hrefs, place
        # Only what is published: the federation's phone is still a sample.
        assert f"{prefix}/contacts/dpf-phone" not in element.hrefs, place


def test_the_refusal_names_the_published_channels(loaded_app):
    """The "too many messages" page offers 12345 and the federation's own published lines."""
    loaded_app.config.update(FEEDBACK_PER_ADDRESS=1)
    publish_federation_sms(loaded_app)
    client = loaded_app.test_client()
    for body in ("第一个问题", "第二个问题"):
        path = "/feedback/ask"
        fields = {"csrf_token": csrf(client, path), "reply_by": "site"}
        response = client.post(path, data={**fields, "topic": "rehabilitation", "body": body})
    assert response.status_code == 429
    main = parse(response.data).find("main")
    assert "12345" in main.find(id="other-ways").find_next("p").text
    assert "/contacts/dpf-sms" in main.hrefs
    assert "所有联系方式和办公时间" not in main.text
