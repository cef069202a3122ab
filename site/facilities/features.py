"""The kinds of facility and the accessibility features a facility record describes.

The features follow A11yJSON's rule "describe places, not people": each says what is
there (a ramp, a door 90 cm wide), measured and dated, not whom the place suits.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ..i18n import HTML_LANG, ZH, is_english

TYPES = {
    "rukang-home": _l("如康家园（残疾人之家）"),
    "rehabilitation-centre": _l("残疾人康复中心"),
    "child-rehabilitation": _l("残疾儿童定点康复机构"),
    "special-school": _l("特殊教育学校"),
    "library": _l("图书馆盲人阅览室"),
    "employment-service": _l("残疾人就业服务机构"),
    "service-hall": _l("政务服务大厅"),
    "accessible-toilet": _l("无障碍公共厕所"),
    "accessible-parking": _l("无障碍停车场"),
}


@dataclass(frozen=True)
class Feature:
    """One accessibility feature: its code, its name, and the measured details it may carry.

    `details` maps a detail key to its type (int, bool or str).
    """

    code: str
    name: object
    details: tuple[tuple[str, type], ...] = ()


FEATURES = (
    Feature(
        "step_free_entrance",
        _l("无台阶入口"),
        (
            ("steps", int),
            ("step_height_cm", int),
            ("ramp", bool),
            ("door_width_cm", int),
            ("automatic_door", bool),
        ),
    ),
    Feature("lift", _l("电梯")),
    Feature("accessible_toilet", _l("无障碍卫生间")),
    Feature("accessible_parking", _l("无障碍停车位"), (("spaces", int),)),
    Feature("tactile_paving", _l("盲道")),
    Feature("tactile_signage", _l("盲文或触摸式标识")),
    Feature("hearing_loop", _l("助听设备（感应线圈）")),
    Feature("sign_language", _l("手语服务"), (("when", str), ("when_en", str))),
    Feature("braille_audio", _l("盲文、大字或有声资料")),
    Feature("guide_dogs", _l("欢迎导盲犬")),
    Feature("wheelchair_loan", _l("轮椅借用")),
    Feature("quiet_room", _l("安静休息室")),
)
BY_CODE = {feature.code: feature for feature in FEATURES}

# The "我需要" filter of the finder: the features residents most often have to be sure of.
NEEDS = (
    "step_free_entrance",
    "accessible_toilet",
    "sign_language",
    "braille_audio",
    "hearing_loop",
    "accessible_parking",
)

# The words residents type for each need, in Chinese and English: a search for one of
# them offers the finder filtered on that need (site_search.views.named_needs). The
# search reads them as it reads a query (jieba's words with the synonym terms, English
# stems, pinyin). The synonym file's lines that say the same thing in other words count
# too: a line of equals holding one of these (厕所 = 卫生间, toilet = wc), and a line whose
# every target is one of them (停车, 车位 => 停车位). A line that adds a wider subject does
# not: 聋 => 手语 is help for deaf people, not someone asking for sign language.
# 轮椅 alone is not here: on this site it is mostly the wheelchair itself (辅助器具适配,
# 轮椅借用), and a place's step-free entrance would be a guess. The words that say getting
# in are (轮椅坡道 through 坡道, 轮椅通道, 轮椅能进, wheelchair access).
# English words are read by their stems, as the search reads them: "park" is "parking".
NEED_WORDS = {
    "step_free_entrance": (
        "无台阶入口",
        "坡道",
        "轮椅通道",
        "无障碍通道",
        "无障碍入口",
        "step-free entrance",
        "ramp",
    ),
    "accessible_toilet": ("无障碍卫生间", "卫生间", "toilet"),
    "sign_language": ("手语", "sign language"),
    "braille_audio": ("盲文", "大字资料", "有声资料", "有声读物", "braille", "large print"),
    "hearing_loop": ("感应线圈", "助听", "助听环路", "hearing loop", "induction loop"),
    "accessible_parking": ("无障碍停车位", "停车位", "parking"),
}

DETAIL_LABELS = {
    "steps": _l("台阶数"),
    "step_height_cm": _l("台阶高度（厘米）"),
    "ramp": _l("坡道"),
    "door_width_cm": _l("门宽（厘米）"),
    "automatic_door": _l("自动门"),
    "spaces": _l("车位数"),
    "when": _l("服务时间"),
    "when_en": _l("服务时间（英文，可不填）"),
}

# How a fact was verified: each feature, and a place's hours, record it with the date and
# who did it (a role or a name, as staff enter it). The same codes for both; hours are
# checked rather than measured on site.
METHODS = {
    "on-site": _l("实地测量"),
    "phone": _l("电话核实"),
    "self-reported": _l("单位自报"),
}
HOURS_METHODS = {
    "on-site": _l("实地核实"),
    "phone": _l("电话核实"),
    "self-reported": _l("单位自报"),
}

# The largest count or measurement a detail takes (steps, centimetres, parking spaces).
MAX_COUNT = 99_999
COMMON_KEYS = {
    "available": bool,
    "note": str,
    "note_en": str,
    "method": str,
    "verified_on": str,
    "verified_by": str,
}


# A detail in words may have its English translation beside it, `<key>_en`, as a content
# field has (kinds.translated): `note_en` for every feature, `when_en` for sign language.
# It is optional: the English site shows the Chinese, marked, where it is not given.
ENGLISH = "_en"


def detail_keys(feature: Feature) -> list[str]:
    """The details a record of `feature` may give besides `available`."""
    return [key for key in COMMON_KEYS | dict(feature.details) if key != "available"]


def is_translation(key: str) -> bool:
    """True for a detail that is the English translation of another (`note_en`, `when_en`)."""
    return key.endswith(ENGLISH)


def localized_detail(measured: dict, key: str) -> tuple[object, str | None]:
    """A detail of a feature's record in the visitor's language, and a `lang` to mark it with
    if needed, as i18n.localized gives a content field: English visitors get its translation
    (`<key>_en`) when there is one, otherwise the Chinese with the lang `zh-CN`."""
    value = measured.get(key)
    if not is_english():
        return value, None
    if translation := measured.get(key + ENGLISH):
        return translation, None
    return value, HTML_LANG[ZH] if isinstance(value, str) else None


class DetailError(ValueError):
    """One detail of a feature's record is wrong: `key` names it ("steps", "verified_on").

    Its text names the feature and the detail, for the content files; `staff_message`,
    when there is one, says what is wrong in the interface's language, for the editor and
    the spreadsheet, which show it at the feature's own control or column.
    """

    def __init__(self, message: str, key: str, staff_message: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.staff_message = staff_message


def validate(accessibility: object) -> None:
    """Raise ValueError naming the first thing wrong with a facility's accessibility record
    (a DetailError, naming the detail, when it is one detail of a feature)."""
    if not isinstance(accessibility, dict):
        raise ValueError("accessibility: expected a mapping of feature to details")
    for code, measured in accessibility.items():
        feature = BY_CODE.get(code)
        if feature is None:
            raise ValueError(f"accessibility: unknown feature {code!r}")
        if not isinstance(measured, dict) or "available" not in measured:
            raise ValueError(f"accessibility.{code}: expected a mapping with 'available'")
        allowed = COMMON_KEYS | dict(feature.details)
        for key, value in measured.items():
            if key not in allowed:
                raise ValueError(f"accessibility.{code}: unknown detail {key!r}")
            kind = allowed[key]
            # bool is a subclass of int: a count given as true/false is still wrong.
            if value is not None and (
                not isinstance(value, kind) or (kind is int and isinstance(value, bool))
            ):
                raise DetailError(f"accessibility.{code}.{key}: expected {kind.__name__}", key)
            if kind is int and isinstance(value, int) and not 0 <= value <= MAX_COUNT:
                raise DetailError(
                    f"accessibility.{code}.{key}: expected a whole number from 0 to {MAX_COUNT}",
                    key,
                )
        if measured.get("verified_on") is not None:
            try:
                date.fromisoformat(measured["verified_on"])
            except ValueError:
                raise DetailError(
                    f"accessibility.{code}.verified_on: expected a date like 2026-10-09",
                    "verified_on",
                ) from None
            _check_verification_date(code, measured["verified_on"])
        _check_method(code, measured)


def _check_verification_date(code: str, day: str) -> None:
    """A feature is verified on a day as a place's hours are: not after today, nor before
    the plan's period (`validation.verification_date_problem`, the one rule for both).
    Checked as a record is saved; a date saved before the rule is still shown, as nothing
    reads a record through `validate`."""
    # Imported here: validation imports this module for the features themselves.
    from .validation import verification_date_problem

    problem = verification_date_problem(day)
    if problem:
        raise DetailError(f"accessibility.{code}.verified_on: {problem}", "verified_on", problem)


def _check_method(code: str, measured: dict) -> None:
    """A feature's method is one of METHODS, and says when: a method without a date is a
    verification nobody can date."""
    method = measured.get("method")
    if method is None:
        return
    if method not in METHODS:
        codes = ", ".join(f"{key} ({label})" for key, label in METHODS.items())
        raise DetailError(f"accessibility.{code}.method: expected one of {codes}", "method")
    if measured.get("verified_on") is None:
        raise DetailError(
            f"accessibility.{code}.method: give verified_on, the date it was done",
            "verified_on",
        )
