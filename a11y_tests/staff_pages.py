"""The back office for the browser checks: a signed-in cookie, the staff pages found by
crawling from the dashboard, and the pages only a POST produces (forms with errors, the
merge view of a conflicting save), captured and served at test-only URLs."""

import io
import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from barrierfree.alerts.models import AlertSubscription
from barrierfree.alerts.operations import token_of
from barrierfree.database import db
from barrierfree.feedback.models import FeedbackItem
from barrierfree.plan.models import Indicator
from barrierfree.staff.accounts.views import create_user
from barrierfree.staff.models import ADMIN, Revision
from flask import abort, g
from sqlalchemy import select

from .eligibility_pages import eligibility_pages

USERNAME, PASSWORD = "a11y-admin", "a11y tests walk every page"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
DRAFT = re.compile(r'name="draft" value="([^"]+)"')
LAST_MESSAGE = re.compile(r'name="last_message" value="(\d+)"')
STATUS_LINK = re.compile(r'href="(?:https?://[^/"]+)?((?:/en)?/feedback/status/[^"]+)"')
LANGUAGES = ("", "/en")


def signed_in_client(app):
    """A test client signed in as an administrator (the account is made here)."""
    with app.app_context():
        create_user(USERNAME, "无障碍测试", ADMIN, PASSWORD)
        db.session.commit()
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    response = client.post(
        "/staff/sign-in",
        data={"username": USERNAME, "password": PASSWORD, "csrf_token": token(page)},
    )
    assert response.status_code == 303, "the accessibility run could not sign in"
    return client


def token(html: str) -> str:
    return TOKEN.search(html).group(1)


def crawl_staff(client, link_parser) -> list[str]:
    """Back-office pages reachable from the dashboard, one per kind of URL: an edit form
    of one facility stands for the edit forms of every facility (same template, same
    fields), so the run checks each form without loading hundreds of alike pages."""
    pages, seen_shapes = [], set()
    for prefix in LANGUAGES:
        start = f"{prefix}/staff/"
        seen, queue = {start}, deque([start])
        while queue:
            path = queue.popleft()
            shape = re.sub(r"\d+", "#", path)
            if shape in seen_shapes:
                continue
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            seen_shapes.add(shape)
            pages.append(path)
            parser = link_parser()
            parser.feed(response.get_data(as_text=True))
            for href in parser.links:
                target = urlsplit(urldefrag(urljoin(path, href)).url)
                local = target.path + (f"?{target.query}" if target.query else "")
                if target.netloc or not local.startswith(f"{prefix}/staff/") or local in seen:
                    continue
                seen.add(local)
                queue.append(local)
    return pages


def capture_posted_pages(app, client) -> dict[str, str]:
    """The pages a POST answers with, by name, in both languages."""
    pages = {}
    anonymous = app.test_client()
    for prefix in LANGUAGES:
        lang = prefix.strip("/") or "zh"
        form = anonymous.get(f"{prefix}/staff/sign-in").get_data(as_text=True)
        pages[f"sign-in-{lang}"] = form
        pages[f"sign-in-error-{lang}"] = anonymous.post(
            f"{prefix}/staff/sign-in",
            data={"username": "nobody", "password": "wrong", "csrf_token": token(form)},
        ).get_data(as_text=True)
        pages[f"csrf-error-{lang}"] = client.post(f"{prefix}/staff/password").get_data(as_text=True)
        pages[f"csrf-error-typed-{lang}"] = anonymous.post(  # signed out: the text to copy
            f"{prefix}/staff/updates/new",
            data={"kind": "notice", "title": "关于辅助器具适配的通知", "body": "请带身份证。"},
        ).get_data(as_text=True)
        pages[f"account-error-{lang}"] = _post(
            client, f"{prefix}/staff/accounts/new", {"username": "", "password": "123"}
        )
        pages[f"password-error-{lang}"] = _post(
            client, f"{prefix}/staff/password", {"current": "x", "new": "password"}
        )
        pages[f"update-error-{lang}"] = _post(
            client, f"{prefix}/staff/updates/new", {"kind": "wrong", "title": ""}
        )
        pages[f"update-blocked-{lang}"] = _post(
            client,
            f"{prefix}/staff/updates/new",
            {
                "kind": "notice",
                "title": "关于辅助器具适配的通知",
                "summary": "符合条件的残疾人可以申请。",
                "body": "# 标题\n\n![](/static/photo.png)\n\n[点击这里](/services/)\n",
                "action": "publish",
            },
        )
        pages[f"facility-conflict-{lang}"] = _conflict(client, prefix)
        pages.update(_unsaved_pages(client, prefix, lang))
        pages[f"media-error-{lang}"] = _upload(client, prefix, b"not an image", "photo.png")
        sheet = client.get("/staff/bulk/export/facilities.csv").get_data(as_text=True)
        changed = sheet.replace("“如康家园”", "如康家园", 1)
        changed = changed.replace(" version", " version,备注", 1)  # a column left out: a notice
        pages[f"import-preview-{lang}"] = _check_sheet(client, prefix, changed)
        broken = sheet.replace(",boping,", ",nowhere,", 1)
        pages[f"import-errors-{lang}"] = _check_sheet(client, prefix, broken)
        pages.update(_residents_pages(app.test_client(), prefix, lang))
        pages[f"inbox-merge-question-{lang}"] = _merge_question(app, client, prefix)
        pages.update(_deletion_pages(app, client, prefix, lang))
        pages.update(_questions(app, client, prefix, lang))
        pages.update(eligibility_pages(app.test_client(), prefix, lang))
        pages.update(_alerts_pages(app, prefix, lang))
        pages[f"reply-held-back-{lang}"] = _held_reply(app, client, prefix)
        pages[f"account-stale-{lang}"] = _stale_account_change(app, client, prefix, lang)
        pages[f"undo-refused-{lang}"] = _refused_undo(app, client, prefix)
        # The log filtered, with a day it cannot read reported in the error summary.
        pages[f"audit-filtered-{lang}"] = client.get(
            f"{prefix}/staff/audit?action=publish&item=如康&since=2026-13-01"
        ).get_data(as_text=True)
    return pages


def _unsaved_pages(client, prefix: str, lang: str) -> dict[str, str]:
    """The back office's home listing a text not yet saved, and a new form offering it: a
    draft autosaved for the capture, discarded after it (the journeys start without one)."""
    new = f"{prefix}/staff/updates/new"
    form = client.get(new).get_data(as_text=True)
    key = DRAFT.search(form).group(1)
    client.post(
        f"{prefix}/staff/updates/{key}/autosave",
        data={"kind": "notice", "title": "助听器验配报名", "body": "还没写完的正文。"},
        headers={"X-CSRFToken": token(form), "HX-Request": "true"},
    )
    pages = {
        f"unsaved-home-{lang}": client.get(f"{prefix}/staff/").get_data(as_text=True),
        f"new-drafts-{lang}": client.get(new).get_data(as_text=True),
    }
    client.post(f"{prefix}/staff/updates/{key}/autosave/discard", data={"csrf_token": token(form)})
    return pages


def _residents_pages(visitor, prefix: str, lang: str) -> dict[str, str]:
    """A resident's forms with errors, the confirmation after a question and its status
    page: pages only a POST leads to (the status link is shown once)."""
    ask, barrier = f"{prefix}/feedback/ask", f"{prefix}/feedback/barrier"
    pages = {
        f"question-errors-{lang}": _post(
            visitor, ask, {"topic": "", "body": "", "reply_by": "email", "email": "not-an-address"}
        ),
        f"barrier-errors-{lang}": _post(visitor, barrier, {"reply_by": "site", "body": ""}),
    }
    sent = _ask(visitor, prefix, f"辅助器具怎么申请？（{lang}）")
    pages[f"question-sent-{lang}"] = sent.get_data(as_text=True)
    sent_page = pages[f"question-sent-{lang}"]
    status = STATUS_LINK.search(sent_page)
    pages[f"question-status-{lang}"] = visitor.get(status.group(1)).get_data(as_text=True)
    return pages


def _ask(visitor, prefix: str, body: str):
    """A resident's question about rehabilitation, answered on the site; the page after."""
    ask = f"{prefix}/feedback/ask"
    form = visitor.get(ask).get_data(as_text=True)
    question = {"topic": "rehabilitation", "reply_by": "site", "body": body}
    return visitor.post(ask, data={**question, "csrf_token": token(form)}, follow_redirects=True)


def _alerts_pages(app, prefix: str, lang: str) -> dict[str, str]:
    """Email alerts: the form with errors, the page after it, and a subscriber's pages
    (their links come only by mail)."""
    visitor, path = app.test_client(), f"{prefix}/alerts/"
    pages = {f"alerts-errors-{lang}": _post(visitor, path, {"email": "not-an-address"})}
    address = f"a11y-{lang}@example.com"
    form = visitor.get(path).get_data(as_text=True)
    sent = visitor.post(
        path, data={"email": address, "kinds": "notice", "csrf_token": token(form)},
        follow_redirects=True,
    )  # fmt: skip
    pages[f"alerts-check-email-{lang}"] = sent.get_data(as_text=True)
    with app.app_context():
        subscription = db.session.scalar(
            select(AlertSubscription).where(AlertSubscription.email == address)
        )
        link = token_of(subscription)
    pages[f"alerts-confirm-{lang}"] = visitor.get(f"{prefix}/alerts/confirm/{link}").get_data(
        as_text=True
    )
    manage = f"{prefix}/alerts/manage/{link}"
    _post(visitor, f"{prefix}/alerts/confirm/{link}", {})
    pages[f"alerts-manage-{lang}"] = visitor.get(f"{manage}?confirmed=1").get_data(as_text=True)
    pages[f"alerts-manage-errors-{lang}"] = _post(visitor, manage, {"kinds": ""})
    unsubscribe = f"{prefix}/alerts/unsubscribe/{link}"
    pages[f"alerts-unsubscribe-{lang}"] = visitor.get(unsubscribe).get_data(as_text=True)
    pages[f"alerts-cancelled-{lang}"] = visitor.post(unsubscribe).get_data(as_text=True)
    pages[f"alerts-unknown-{lang}"] = visitor.get(unsubscribe).get_data(as_text=True)
    return pages


def upload_image(client) -> None:
    """One uploaded image, so the list of files shows a row."""
    _upload(client, "", b"\x89PNG\r\n\x1a\n" + bytes(64), "无障碍坡道.png")


def _upload(client, prefix: str, data: bytes, filename: str) -> str:
    path = f"{prefix}/staff/media/"
    form = client.get(path).get_data(as_text=True)
    response = client.post(
        path,
        data={"csrf_token": token(form), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    return response.get_data(as_text=True)


def _check_sheet(client, prefix: str, text: str) -> str:
    """The page that checks an uploaded spreadsheet: its preview, or its rows' problems."""
    form = client.get(f"{prefix}/staff/bulk/").get_data(as_text=True)
    response = client.post(
        f"{prefix}/staff/bulk/check",
        data={
            "csrf_token": token(form),
            "kind": "facilities",
            "file": (io.BytesIO(text.encode("utf-8-sig")), "facilities.csv"),
        },
        content_type="multipart/form-data",
    )
    return response.get_data(as_text=True)


def _post(client, path: str, data: dict) -> str:
    form = client.get(path).get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": token(form)}).get_data(as_text=True)


def _merge_question(app, client, prefix: str) -> str:
    """The question before a merge: a resident asks again, and staff merge that item into
    the inbox's first."""
    visitor = app.test_client()
    # From an address of its own: the browser journeys' residents write from the usual one,
    # within the per-address limit.
    visitor.environ_base["REMOTE_ADDR"] = f"10.77.0.{len(prefix) + 1}"
    _ask(visitor, prefix, "辅助器具怎么申请？我又问了一次。")
    with app.app_context():
        items = db.session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)).all()
        target, item = items[0].reference, items[-1]
        path, version = f"{prefix}/staff/inbox/{item.id}", str(item.version)
    form = client.get(path).get_data(as_text=True)
    data = {"target": target, "version": version, "csrf_token": token(form)}
    response = client.post(f"{path}/merge", data=data)
    assert response.status_code == 200, "the merge question, not an error page"
    return response.get_data(as_text=True)


def _deletion_pages(app, client, prefix: str, lang: str) -> dict[str, str]:
    """A resident deletes their data: the question on their status link and the page
    after; and the question before staff delete a resident's data at their request."""
    visitor = app.test_client()
    visitor.environ_base["REMOTE_ADDR"] = f"10.79.0.{len(prefix) + 1}"
    sent = _ask(visitor, prefix, "我想删除我写的内容。").get_data(as_text=True)
    delete = STATUS_LINK.search(sent).group(1) + "/delete"
    question = visitor.get(delete).get_data(as_text=True)
    done = visitor.post(delete, data={"csrf_token": token(question)})
    assert done.status_code == 200, "the page after deleting, not an error page"
    _ask(visitor, prefix, "请帮我删除我写的内容。")
    with app.app_context():
        item_id = db.session.scalar(select(FeedbackItem.id).order_by(FeedbackItem.id.desc()))
    path = f"{prefix}/staff/inbox/{item_id}"
    page = client.get(path).get_data(as_text=True)
    asked = client.post(f"{path}/delete-data", data={"csrf_token": token(page)})
    assert asked.status_code == 200, "the question before deleting, not an error page"
    return {
        f"delete-question-{lang}": question,
        f"deleted-{lang}": done.get_data(as_text=True),
        f"inbox-delete-question-{lang}": asked.get_data(as_text=True),
    }


def _held_reply(app, client, prefix: str) -> str:
    """A reply held back: a colleague's reply was published after the page was loaded, so
    the question comes again with it shown first."""
    visitor = app.test_client()
    visitor.environ_base["REMOTE_ADDR"] = f"10.78.0.{len(prefix) + 1}"
    _ask(visitor, prefix, "盲文读物在哪里借？")
    with app.app_context():
        item_id = db.session.scalar(select(FeedbackItem.id).order_by(FeedbackItem.id.desc()))
    path = f"{prefix}/staff/inbox/{item_id}"
    page = client.get(path).get_data(as_text=True)
    first = {
        "body": "您好：\n区残联一楼可以借盲文读物。", "confirm": "yes",
        "last_message": LAST_MESSAGE.search(page).group(1), "csrf_token": token(page),
    }  # fmt: skip
    client.post(f"{path}/reply", data=first)
    response = client.post(f"{path}/reply", data={**first, "body": "您好：\n请到图书馆借。"})
    assert response.status_code == 409, "the reply held back, not published"
    return response.get_data(as_text=True)


def _stale_account_change(app, client, prefix: str, lang: str) -> str:
    """An administrator's change from an account page older than the account: refused,
    with the account as it is now."""
    with app.app_context():
        user = create_user(f"a11y-stale-{lang}", "无障碍测试二", "editor", PASSWORD)
        db.session.commit()
        path = f"{prefix}/staff/accounts/{user.id}"
    page = client.get(path).get_data(as_text=True)
    # An account's version is a fingerprint of what the page showed, not a number.
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    answer = {"action": "role", "version": version, "csrf_token": token(page)}
    client.post(path, data={**answer, "role": "publisher"})
    response = client.post(path, data={**answer, "role": "admin"})
    assert response.status_code == 409, "the stale change refused"
    return response.get_data(as_text=True)


def _refused_undo(app, client, prefix: str) -> str:
    """An undo refused: the revision before an indicator's latest value holds a rate above
    100 (kept before the rule), so the form comes back with it and the error."""
    with app.app_context():
        item = db.session.scalar(select(Indicator.id).where(Indicator.number == 4))
    path = f"{prefix}/staff/indicators/{item}"
    for value, day in (("86.5", "2024-12-31"), ("90", "2025-06-30")):
        fields = _fields(client.get(path).get_data(as_text=True))
        fields.update(current_value=value, current_date=day, current_source="区残联统计报表")
        assert client.post(path, data={**fields, "confirm": "yes"}).status_code == 303
    with app.app_context():
        row = db.session.scalar(select(Indicator).where(Indicator.number == 4))
        kept = db.session.scalar(
            select(Revision)
            .where(Revision.kind == "indicators", Revision.item_id == row.id)
            .order_by(Revision.id.desc())
            .offset(1)
            .limit(1)
        )
        kept.data = {**kept.data, "current_value": "150"}
        version = row.version
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    refused = client.post(f"{path}/undo", data={"version": version, "csrf_token": token(page)})
    assert refused.status_code == 400, "the undo refused"
    return refused.get_data(as_text=True)


def _questions(app, client, prefix: str, lang: str) -> dict[str, str]:
    """The questions asked before a change reaches the public (publishing a draft, saving a
    live item, withdrawing, a public reply) and the success message that offers an undo."""
    pages = {}
    path = f"{prefix}/staff/updates/new"
    fields = _fields(client.get(path).get_data(as_text=True))
    fields.pop("publish_at", None)
    fields.update(
        slug=f"a11y-question-{lang}", kind="notice", action="publish",
        title="辅助器具适配服务开始报名", summary="持证残疾人可以到区残联报名。",
        body="## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
    )  # fmt: skip
    asked = client.post(path, data=fields).headers["Location"]
    question = client.get(asked).get_data(as_text=True)
    pages[f"publish-question-{lang}"] = question
    item = asked.split("/publish")[0]
    answer = {"version": VERSION.search(question).group(1), "csrf_token": token(question)}
    client.post(f"{item}/publish", data=answer)
    pages[f"undo-offer-{lang}"] = client.get(item).get_data(as_text=True)
    form = client.get(item).get_data(as_text=True)
    version = re.search(r'/withdraw".*?name="version" value="(\d+)"', form, re.S).group(1)
    pages[f"withdraw-question-{lang}"] = client.post(
        f"{item}/withdraw", data={"version": version, "csrf_token": token(form)}
    ).get_data(as_text=True)
    live = f"{prefix}/staff/facilities/1"
    fields = _fields(client.get(live).get_data(as_text=True))
    fields.pop("publish_at", None)
    fields["summary"] = fields.get("summary", "") + "周三上午有手语翻译。"
    pages[f"changes-question-{lang}"] = client.post(live, data=fields).get_data(as_text=True)
    with app.app_context():
        first = db.session.scalar(select(FeedbackItem.id).order_by(FeedbackItem.id))
    inbox = f"{prefix}/staff/inbox/{first}"
    page = client.get(inbox).get_data(as_text=True)
    pages[f"reply-question-{lang}"] = client.post(
        f"{inbox}/reply",
        data={"body": "您好：\n请带身份证到区残联一楼窗口。", "csrf_token": token(page)},
    ).get_data(as_text=True)
    return pages


def _fields(form: str) -> dict[str, str]:
    """What the edit form on a page would send (one value each; a choice of several sends
    its first)."""
    fields = {
        name: value
        for tag, name, value in re.findall(
            r'(<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"[^>]*>)', form
        )
        if 'type="checkbox"' not in tag or " checked" in tag
    }
    fields.update(re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>\n?([^<]*)</textarea>', form))
    fields.update(
        re.findall(
            r'<select[^>]* name="([^"]+)"(?:(?!</select>).)*?<option value="([^"]*)" selected',
            form,
            re.S,
        )
    )
    return fields


def _conflict(client, prefix: str) -> str:
    """The merge view: one save moves the facility on, a second from the same form clashes."""
    path = f"{prefix}/staff/facilities/1"
    fields = _fields(client.get(path).get_data(as_text=True))
    fields.pop("publish_at", None)
    # Both answer yes to the question before a live item changes.
    first = {**fields, "summary": fields.get("summary", "") + "（第一人修改）", "confirm": "yes"}
    client.post(path, data=first)
    second = {**fields, "summary": fields.get("summary", "") + "（第二人修改）", "confirm": "yes"}
    return client.post(path, data=second).get_data(as_text=True)


def serve_captured(app, pages: dict[str, str]) -> None:
    """Serve each captured page at /test-posted/<name> (tests only; filled in later)."""

    def show(name: str):
        """The page as captured, in the display mode this browser asks for (its cookie), as
        the server would have rendered it."""
        page = pages.get(name) or abort(404)
        modes = " ".join(sorted(g.display))
        return re.sub(
            r"<html ([^>]*?)( class=\"[^\"]*\")?>", rf'<html \1 class="{modes}">', page, count=1
        )

    app.add_url_rule("/test-posted/<name>", "test_posted", show)


def captured_paths(pages: dict[str, str]) -> list[str]:
    """Where the captured pages are served; English ones under /en, as their lang says."""
    return [
        f"/en/test-posted/{name}" if name.endswith("-en") else f"/test-posted/{name}"
        for name in pages
    ]
