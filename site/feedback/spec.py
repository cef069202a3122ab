"""The three forms residents send, declared once with the `Field` and `Kind` classes of
kinds.py: each field's label, hint, type, length and choices, and each form's rules.

The views read the declarations to build and check the forms; the inbox reads them to
name what a resident chose.
"""

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from ..access_log import redacted
from ..database import PUBLISHED, db
from ..facilities.models import Facility, Township
from ..i18n import Number, is_english
from ..images import MB
from ..kinds import Field, Kind, Problem, choices
from ..mail import outbox
from ..mail.addresses import email_problem, typed_address
from ..phone_numbers import landline_number, mobile_number
from ..services.models import Category
from . import photos
from .models import (
    BARRIER,
    PAGE,
    QUESTION,
    REPLY_BY_EMAIL,
    REPLY_BY_PHONE,
    REPLY_BY_SMS,
    REPLY_ON_SITE,
    FeedbackItem,
)

BODY_LENGTH = 2000
OTHER = "other"
PHOTOS = "photos"  # the file inputs' name, and the field's
PATH_LENGTH = 300
# Invisible characters that change the direction of the text around them: they can make
# a message read differently from what it holds, and nobody types one on purpose. They are
# dropped from everything written on the public forms and in the inbox.
BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)

BARRIER_TYPES = {
    "step": _l("台阶或坡道"),
    "door": _l("门"),
    "toilet": _l("卫生间"),
    "lift": _l("电梯"),
    "tactile": _l("盲道被占用"),
    "parking": _l("无障碍停车位被占用"),
    "information": _l("信息或网站"),
    OTHER: _l("其他"),
}
REPLY_WAYS = {
    REPLY_ON_SITE: _l("只在网站上看（提交后给您查询链接）"),
    REPLY_BY_EMAIL: _l("发邮件给我"),
    REPLY_BY_SMS: _l("只发短信给我，不要打电话"),
    REPLY_BY_PHONE: _l("工作人员发短信或打电话给我"),
}


def reply_ways() -> dict:
    """The ways to be answered, labels in the current language: by email only when the
    site can send mail (otherwise an address would be asked for and never written to)."""
    return {
        way: str(label)
        for way, label in REPLY_WAYS.items()
        if way != REPLY_BY_EMAIL or outbox.configured()
    }


def _name(row: Category | Facility | Township) -> str:
    """A row's name in the visitor's language (the Chinese one when there is no English)."""
    return (is_english() and row.name_en) or row.name


def topics() -> dict:
    """The service categories, by slug, and 其他 (other)."""
    rows = db.session.scalars(select(Category).order_by(Category.position))
    return {**{row.slug: _name(row) for row in rows}, OTHER: str(_l("其他"))}


def place_groups() -> dict[str, dict[str, str]]:
    """Our published places by township, in the district's order: {township: {slug: name}}.

    The form shows each township as a group of radio buttons under its name, so a place is
    named alone: 名称（镇街） only repeated the group's heading. Only a name that places in
    different townships share keeps its township, so that no two buttons read alike: voice
    control names a button by its label, and a screen reader may not say the group again.
    """
    rows = list(
        db.session.scalars(
            select(Facility)
            .join(Township)
            .where(Facility.status == PUBLISHED)
            .order_by(Township.position, Facility.position)
        )
    )
    townships_of: dict[str, set[str]] = {}
    for row in rows:
        townships_of.setdefault(_name(row), set()).add(row.township.slug)
    groups: dict[str, dict[str, str]] = {}
    for row in rows:
        name, township = _name(row), _name(row.township)
        shared = len(townships_of[name]) > 1
        groups.setdefault(township, {})[row.slug] = _place_name(name, township) if shared else name
    return groups


def places() -> dict:
    """Our published places, by slug, named as on the form (`place_groups`)."""
    return {slug: name for group in place_groups().values() for slug, name in group.items()}


def _place_name(place: str, township: str) -> str:
    """A place's name with its township, unless the name already says it."""
    if township in place:
        return place
    return _("%(place)s（%(township)s）", place=place, township=township)


def townships() -> dict:
    """The district's townships, by slug."""
    rows = db.session.scalars(select(Township).order_by(Township.position))
    return {row.slug: _name(row) for row in rows}


def _photo_hint() -> str:
    """What to know before choosing photos: how many, which files, how large, what we
    remove, what to leave out, and when they are deleted (the site's own retention)."""
    return _(
        "可以不附。最多 %(n)d 张，JPEG、PNG 或 WebP 格式，每张最大 %(mb)d MB。我们会删掉照片里的"
        "拍摄地点、时间和手机型号等信息。请尽量不要拍到人脸和车牌。照片不公开，在事情办结 "
        "%(days)d 天后和联系方式一起删除。",
        n=photos.MAX_PHOTOS, mb=photos.MAX_BYTES // MB,
        days=current_app.config["FEEDBACK_RETENTION_DAYS"],
    )  # fmt: skip


# A field of several file inputs, at most `max_length` of them; `choices` are the types
# taken (an input's `accept`). Read by photos.py, not by the form's other rules.
PHOTO_FIELD = Field(
    PHOTOS, _l("照片"), "photos", max_length=photos.MAX_PHOTOS, choices=lambda: photos.TYPES,
    hint=LazyString(_photo_hint), load=False, edit=False, table=False,
)  # fmt: skip

BODY_HINT = _l("最多 %(n)s 个字。请不要写身份证号等用不着的个人信息。", n=Number(BODY_LENGTH))

CONTACT_FIELDS = (
    Field(
        "reply_by",
        _l("您想怎样收到答复"),
        "radio",
        required=True,
        choices=reply_ways,
        missing=_l("请选择您想怎样收到答复。"),
        hint=_l("无论选哪一种，都可以随时用查询链接在网站上看答复。"),
    ),
    Field(
        "contact_email",
        _l("电子邮箱（选了“发邮件给我”才填）"),
        "email",
        max_length=254,
    ),
    Field(
        "contact_phone",
        _l("电话号码（选了发短信或打电话才填）"),
        "tel",
        max_length=20,
        hint=_l(
            "手机号码是 1 开头的 11 位数字，例如 13800000000。"
            "选了“工作人员发短信或打电话给我”，也可以填带区号的固定电话，例如 0635-1234567。"
        ),
    ),
)


def typed_phone(raw: str) -> str:
    """A phone number as it is checked, kept and shown again: a mobile as its 11 digits, a
    landline as 0635-1234567 (0635-1234567 转 8 with an extension), anything else as typed,
    full-width characters as ASCII."""
    return mobile_number(raw) or landline_number(raw) or unicodedata.normalize("NFKC", raw)


# How each kind of contact field is read from any keyboard: the one form its text is
# checked in, kept in and shown again in (the alerts form reads its address the same way).
CONTACT_TYPES = {"email": typed_address, "tel": typed_phone}


def tidied(field: Field, text: str) -> str:
    """What was typed into `field`, in the form it is checked and kept: contact details
    normalised (`CONTACT_TYPES`), anything else as it is."""
    tidy = CONTACT_TYPES.get(field.type)
    return tidy(text) if tidy else text


def contact_problems(record: dict) -> list[Problem]:
    """The contact a chosen way of answering needs: an email address; a mobile number for
    text messages only (a text goes to a mobile); for a text or a call, a mobile or a
    landline (a resident with only a landline can still be called back)."""
    way = record.get("reply_by")
    email, phone = record.get("contact_email") or "", record.get("contact_phone") or ""
    # Without mail, email is no choice (refused as such) and the form has no address field.
    if way == REPLY_BY_EMAIL and outbox.configured():
        if not email:
            return [Problem("contact_email", _("您选了发邮件，请填写电子邮箱。"))]
        problem = email_problem(email)
        if problem is not None:
            return [Problem("contact_email", problem)]
    if way == REPLY_BY_SMS:
        if not phone:
            return [Problem("contact_phone", _("您选了只发短信，请填写手机号码。"))]
        if landline_number(phone) is not None:
            message = _(
                "短信只能发到手机，请填写 1 开头的 11 位手机号码。"
                "只有固定电话的话，请选“工作人员发短信或打电话给我”，工作人员会打电话给您。"
            )
            return [Problem("contact_phone", message)]
        if mobile_number(phone) is None:
            message = _("手机号码应当是 1 开头的 11 位数字，例如 13800000000。")
            return [Problem("contact_phone", message)]
    if way == REPLY_BY_PHONE:
        if not phone:
            return [Problem("contact_phone", _("您选了发短信或打电话，请填写手机号码或固定电话。"))]
        if mobile_number(phone) is None and landline_number(phone) is None:
            message = _(
                "请填写 1 开头的 11 位手机号码，或者带区号的固定电话，例如 0635-1234567。"
                "有分机号的，写成 0635-1234567 转 8。"
            )
            return [Problem("contact_phone", message)]
    return []


def place_problems(record: dict) -> list[Problem]:
    """Where a barrier is: one of our places, or a township or a described spot."""
    if record.get("place") or record.get("township") or record.get("location"):
        return []
    if not places():  # the form shows no list of places
        return [Problem("township", _("请选择镇街，并写下具体地点。"))]
    return [Problem("place", _("请选择场所，或者选择镇街并写下具体地点。"))]


def page_problems(record: dict) -> list[Problem]:
    """A page named on the form is a page of this site."""
    if record.get("page") and same_site_path(record["page"]) is None:
        return [Problem("page", _("请填写本网站页面的地址，例如 /facilities/。"))]
    return []


def same_site_path(raw: str | None) -> str | None:
    """The path of a page of this site, from a path or a full address of this site; None
    for anything else. The query and fragment are dropped: a search query is the
    resident's, and never kept. A private link keeps its place but not its token
    (/feedback/status/…): the token opens what someone wrote, or changes their alerts."""
    if not raw or len(raw) > PATH_LENGTH * 2 or any(ord(ch) < 32 for ch in raw) or "\\" in raw:
        return None
    try:
        parts = urlsplit(raw.strip())
    except ValueError:  # an unclosed IPv6 bracket ("http://[x"): no address of this site
        return None
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or parts.netloc != request.host:
            return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//") or len(path) > PATH_LENGTH:
        return None
    return redacted(path)


QUESTION_FORM = Kind(
    QUESTION,
    FeedbackItem,
    _l("提问或留言"),
    (
        Field(
            "topic", _l("和哪方面有关"), "radio", required=True, choices=topics,
            hint=_l("不确定就选“其他”。"), missing=_l("请选择您的问题和哪方面有关。"),
        ),
        Field(
            "body", _l("您的问题或留言"), "textarea", required=True,
            max_length=BODY_LENGTH, hint=BODY_HINT, missing=_l("请写下您的问题或留言。"),
        ),
        *CONTACT_FIELDS,
    ),
    key="reference",
    can_create=False,
    has_status=False,
    rules=contact_problems,
)  # fmt: skip

BARRIER_FORM = Kind(
    BARRIER,
    FeedbackItem,
    _l("报告无障碍问题"),
    (
        Field("place", _l("我们公布的场所"), "radio", choices=places, groups=place_groups),
        Field("township", _l("所在镇街"), "select", choices=townships),
        Field(
            "location", _l("具体地点"), max_length=200,
            hint=_l("写清楚到哪里能看到这个问题：哪条路、哪个路口的哪一边，或者旁边有什么好认的建筑。"),
        ),
        Field(
            "barrier_type", _l("是什么问题"), "radio", required=True,
            choices=choices(BARRIER_TYPES), missing=_l("请选择是哪一类问题。"),
        ),
        Field(
            "body", _l("问题描述"), "textarea", required=True, max_length=BODY_LENGTH,
            missing=_l("请写下您遇到的问题。"),
            hint=_l(
                "例如：坡道入口被电动车挡住了，轮椅过不去。最多 %(n)s 个字。"
                "请不要写身份证号等用不着的个人信息。",
                n=Number(BODY_LENGTH),
            ),
        ),
        PHOTO_FIELD,
        *CONTACT_FIELDS,
    ),
    key="reference",
    can_create=False,
    has_status=False,
    rules=lambda record: place_problems(record) + contact_problems(record),
)  # fmt: skip

PAGE_FORM = Kind(
    PAGE,
    FeedbackItem,
    _l("页面信息有误"),
    (
        Field(
            "page", _l("哪个页面"), max_length=PATH_LENGTH,
            hint=_l("本网站页面的地址。不知道也没关系，在下面写清楚是哪一页。"),
        ),
        Field(
            "body", _l("哪里有误"), "textarea", required=True, max_length=BODY_LENGTH,
            missing=_l("请写下页面哪里有误。"),
            hint=_l(
                "例如：电话号码打不通，开放时间已经改了。最多 %(n)s 个字。"
                "请不要写身份证号等用不着的个人信息。",
                n=Number(BODY_LENGTH),
            ),
        ),
        *CONTACT_FIELDS,
    ),
    key="reference",
    can_create=False,
    has_status=False,
    rules=lambda record: page_problems(record) + contact_problems(record),
)  # fmt: skip

FORMS = {form.name: form for form in (QUESTION_FORM, BARRIER_FORM, PAGE_FORM)}
