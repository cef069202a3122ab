"""The finder's filters, read from the query string."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..query_args import Problem, Problems, QueryArgs
from . import features

HERE = "here"  # "near" = the browser's own location, sent as lat and lon


@dataclass
class FacilityFilters:
    """What the resident asked the finder for."""

    township: str | None = None
    type: str | None = None
    needs: list[str] = field(default_factory=list)
    open_now: bool = False
    near: str | None = None
    here: tuple[float, float] | None = None
    problems: Problems = field(default_factory=Problems)


def read_filters(args: MultiDict, township_slugs: list[str]) -> FacilityFilters:
    """Parse the finder's query string; bad values are dropped and reported, never raised."""
    query = QueryArgs(args)
    townships = dict.fromkeys(township_slugs)
    filters = FacilityFilters(
        township=query.choice("township", townships, _("乡镇（街道）")),
        type=query.choice("type", features.TYPES, _("场所类型")),
        needs=query.choices("need", dict.fromkeys(features.NEEDS), _("我需要")),
        open_now=query.flag("open", "now", _("开放时间"), "open-now"),
        near=query.choice("near", townships | {HERE: None}, _("排序")),
    )
    if filters.near == HERE:
        # lat and lon are hidden inputs: a problem with them is shown at the "near" list.
        latitude = query.number("lat", -90, 90, _("纬度值"), field_id="near")
        longitude = query.number("lon", -180, 180, _("经度值"), field_id="near")
        if latitude is None or longitude is None:
            filters.near = None
            query.problems.append(
                Problem("near", _("没有收到您的位置，无法按距离排序。请选择一个乡镇（街道）。"))
            )
        else:
            filters.here = (latitude, longitude)
    filters.problems = query.problems
    return filters
