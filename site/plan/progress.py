"""The progress picture of an indicator: its 2020 value, its latest value and its 2025
target as bars on one scale, drawn as SVG on the server (no script, no chart library).

The plan prints figures as text ("95", ">96", "—"): a figure that is not a number draws no
bar and is named in words. Percentages are drawn on 0–100; counts on a scale a tenth longer
than the largest figure.
"""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..i18n import localized
from .models import Indicator

FIGURE = re.compile(r"^\s*(>|≥|＞|<|≤|＜)?\s*([0-9]+(?:\.[0-9]+)?)\s*$")
ABOVE, BELOW = _l("高于"), _l("低于")
WORDS = {">": ABOVE, "＞": ABOVE, "≥": _l("不低于"), "<": BELOW, "＜": BELOW, "≤": _l("不高于")}


@dataclass(frozen=True)
class Bar:
    """One bar: what it stands for, the figure as printed, and its share of the scale (None
    when there is no figure to draw)."""

    kind: str  # baseline, latest or target
    label: str
    figure: str
    share: float | None


@dataclass(frozen=True)
class Progress:
    """An indicator's bars and the sentence that says what they show."""

    bars: tuple[Bar, ...]
    text: str


def number(figure: str | None) -> float | None:
    """The number in a printed figure (">90" → 90.0), or None."""
    match = FIGURE.match(figure or "")
    return float(match.group(2)) if match else None


def spoken(figure: str | None, unit: str, missing: str = "") -> str:
    """A figure as words for the text equivalent: ">90" and "%" → "高于90%"; `missing`
    when there is no figure. A unit in letters ("person-times") is set off by a space."""
    match = FIGURE.match(figure or "")
    if not match:
        return missing if figure is None else figure
    sign, value = match.groups()
    spaced = f"{value} {unit}" if unit[:1].isascii() and unit[:1].isalpha() else value + unit
    return f"{WORDS[sign]}{spaced}" if sign else spaced


def marked_up(figure: str | None) -> Markup:
    """A figure as the plan's table and the editor show it: ">96" with the sign hidden from
    screen readers, which read the word `spoken` uses instead (高于 96); the plan's words
    when it gives no figure. The one place a template reads a figure's sign."""
    if figure is None:
        return escape(_("规划里没有这个数字"))
    if figure.startswith(">"):
        return Markup(
            '<span aria-hidden="true">&gt;</span><span class="visually-hidden">{}</span>{}'
        ).format(WORDS[">"], figure[1:])
    return escape(figure)


def progress(indicator: Indicator) -> Progress:
    """The bars of one indicator (2020, latest, 2025 target) and their text equivalent."""
    unit = localized(indicator, "unit")[0] or ""
    in_plan = _("规划里没有这个数字")
    figures = (
        ("baseline", _("2020年"), indicator.value_2020, in_plan),
        ("latest", _("最新"), indicator.current_value, _("还没有公布")),
        ("target", _("2025年目标"), indicator.target_2025, in_plan),
    )
    numbers = [number(figure) for _kind, _label, figure, _missing in figures]
    top = 100.0 if unit.strip() == "%" else max([n for n in numbers if n] or [1.0]) * 1.1
    bars = tuple(
        Bar(kind, label, spoken(figure, unit, missing), None if n is None else min(n / top, 1.0))
        for (kind, label, figure, missing), n in zip(figures, numbers, strict=True)
    )
    said = (_("%(label)s：%(figure)s", label=bar.label, figure=bar.figure) for bar in bars)
    text = _("，").join(said)
    return Progress(bars, text)
