"""The contact channel kind, declared once (see kinds.py)."""

from flask_babel import lazy_gettext as _l

from ..facilities.models import Facility
from ..kinds import (
    HOURS,
    HOURS_NOTE,
    NAME,
    POSITION,
    SAMPLE,
    SLUG_FIELD,
    Field,
    Kind,
    choices,
    slugs,
    translated,
)
from ..plan.models import Department
from ..services.models import Service
from . import channels, validation
from .models import ContactChannel

CONTACTS = Kind(
    "contacts",
    ContactChannel,
    _l("联系方式"),
    (
        SLUG_FIELD,
        *translated(NAME),
        Field(
            "channel",
            _l("方式"),
            "select",
            required=True,
            choices=choices(channels.CHANNELS),
            description=_l("方式的代码"),
        ),
        SAMPLE,
        *translated(Field("summary", _l("简介"), "textarea", required=True, search=True)),
        Field(
            "value",
            _l("号码、账号或地址"),
            max_length=200,
            search=True,
            description=_l("号码、账号或地址；空表示尚未公布"),
        ),
        Field(
            "department",
            _l("所属部门"),
            "select",
            choices=slugs(Department),
            relation=(Department, "slug"),
            description=_l("负责部门的标识；空表示全国或全区通用"),
        ),
        Field(
            "facility",
            _l("所在场所（当面办理时）"),
            "select",
            choices=slugs(Facility),
            relation=(Facility, "slug"),
            description=_l("当面办理的场所的标识"),
        ),
        Field(
            "services",
            _l("可以问的服务"),
            "multi",
            choices=slugs(Service, "title"),
            relation=(Service, "slug"),
            description=_l("可以问的服务的标识"),
        ),
        HOURS,
        *translated(HOURS_NOTE),
        Field(
            "needs",
            _l("适合哪些人"),
            "multi",
            choices=choices(channels.NEEDS),
            description=_l("适合谁的代码"),
        ),
        Field(
            "languages",
            _l("语言"),
            "multi",
            choices=choices(channels.LANGUAGES),
            description=_l("使用的语言的代码"),
        ),
        POSITION,
    ),
    title_field="name",
    public_endpoint="contacts.detail",
    rules=validation.problems,
    authoring=("name", "summary", ()),
    order=(ContactChannel.position,),
)
