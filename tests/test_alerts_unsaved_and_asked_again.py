"""A subscriber's choices not yet saved survive 大字版 and the language button on the
manage page, unsaved; and an address asked for again counts its week from the newest
confirmation mail, as that mail says."""

from datetime import timedelta

import pytest
from barrierfree.alerts import operations
from barrierfree.alerts.models import AlertSubscription
from barrierfree.database import db
from conftest import parse
from sqlalchemy import func, select
from staff_helpers import form_fields, token_in
from test_mail import (  # noqa: F401 (site and smtp are fixtures)
    confirmed_subscriber,
    send_all,
    site,
    smtp,
    subscribe,
    text_of,
)


def saved_choices(app) -> tuple[list, list]:
    with app.app_context():
        row = db.session.scalar(select(AlertSubscription))
        return row.kinds, row.townships


@pytest.mark.parametrize(
    ("button", "to"),
    [({"large": "1"}, ""), ({"show": "1"}, "/en"), ({"show": "1"}, "/en?saved=1")],
    ids=["large", "english", "english-after-saving"],
)
def test_the_manage_page_keeps_unsaved_choices_through_the_header_buttons(
    site,  # noqa: F811
    smtp,  # noqa: F811
    button,
    to,
):
    manage = confirmed_subscriber(site, smtp)
    client = site.test_client()
    page = client.get(manage)
    doc = parse(page.data)
    # Without JavaScript the header's buttons send the page's form, to the page itself.
    for name in ("large", "contrast"):
        assert doc.find("button", id=f"display-{name}")["form"] == "alerts-form"
    language = doc.find("button", class_="language-link")
    assert language["form"] == "alerts-form" and language["formaction"] == f"/en{manage}"
    address = manage if not to.startswith("/en") else "/en" + manage + to.removeprefix("/en")
    fields = {"csrf_token": token_in(page.data), "kinds": ["news"], "townships": ["boping"]}
    shown = client.post(address, data={**fields, **button})
    assert shown.status_code == 200
    form = form_fields(shown.data, "alerts-form")
    assert form["kinds"] == ["news"] and form["townships"] == ["boping"]
    if "large" in button:
        assert "large" in parse(shown.data).find("html")["class"]
    else:
        assert parse(shown.data).find("html")["lang"] == "en"
    assert parse(shown.data).find(class_="notice--success") is None  # not said to be saved
    assert saved_choices(site) == (["notice"], [])  # nothing saved until 保存选择


def test_the_manage_page_switched_after_its_token_expired_keeps_the_choices_unsaved(
    site,  # noqa: F811
    smtp,  # noqa: F811
):
    manage = confirmed_subscriber(site, smtp)
    client = site.test_client()
    shown = client.post(manage, data={"csrf_token": "expired", "kinds": ["news"], "large": "1"})
    assert shown.status_code == 200 and "失效" not in shown.text
    assert form_fields(shown.data, "alerts-form")["kinds"] == ["news"]
    assert saved_choices(site) == (["notice"], [])


def unconfirmed(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AlertSubscription.id))) or 0


def days_pass(app, days: int) -> None:
    """The subscription asked for `days` days earlier than it was."""
    with app.app_context():
        for row in db.session.scalars(select(AlertSubscription)):
            row.created_at -= timedelta(days=days)
        db.session.commit()


def test_an_address_asked_for_again_keeps_its_new_link_the_days_the_mail_promises(
    site,  # noqa: F811
    smtp,  # noqa: F811
):
    assert subscribe(site).status_code == 303
    days_pass(site, operations.UNCONFIRMED_DAYS - 1)
    assert subscribe(site).status_code == 303  # not confirmed; asked again the sixth day
    send_all(site)
    promised = f"没有确认的邮箱 {operations.UNCONFIRMED_DAYS} 天后自动删除"
    assert promised in text_of(smtp.messages[-1])
    days_pass(site, 2)  # eight days after the first request, two after the second
    with site.app_context():
        assert operations.forget_unconfirmed() == 0
    assert unconfirmed(site) == 1
    days_pass(site, operations.UNCONFIRMED_DAYS - 1)  # a week after the newest request
    with site.app_context():
        assert operations.forget_unconfirmed() == 1
    assert unconfirmed(site) == 0
