"""The kinds of channel, the needs a channel can serve and the languages it works in."""

from flask_babel import lazy_gettext as _l

CHANNELS = {
    "phone": _l("电话"),
    "sms": _l("短信"),
    "video-sign-language": _l("视频手语"),
    "text-relay": _l("文字转接"),
    "wechat": _l("微信"),
    "email": _l("电子邮件"),
    "in-person": _l("当面"),
}

# Channels whose value is dialled: rendered as tel: or sms: links when the number is real.
LINK_SCHEMES = {"phone": "tel", "sms": "sms", "email": "mailto"}

NEEDS = {
    "deaf": _l("聋人"),
    "hard-of-hearing": _l("听力不好"),
    "blind": _l("盲人或视力不好"),
    "speech": _l("说话有困难"),
    "mobility": _l("行动不便"),
    "intellectual": _l("理解有困难"),
}

LANGUAGES = {
    "zh": _l("普通话"),
    "csl": _l("中国手语"),
    "written-zh": _l("书面中文"),
}
