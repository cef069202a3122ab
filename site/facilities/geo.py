"""Distances between places and links that open a place in a map app."""

from math import asin, cos, radians, sin, sqrt
from urllib.parse import urlencode

EARTH_RADIUS_KM = 6371.0
AREA = "聊城市茌平区"


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (latitude, longitude) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(h))


def map_links(name: str, point: tuple[float, float] | None) -> list[tuple[str, str]]:
    """(map name, URL) pairs: a marker where the point is known, a search by name otherwise.

    The links only leave the site when followed; nothing is loaded from a map site with the
    page. Coordinates are WGS84, and each app is told so.
    """
    if point is None:
        query = f"{AREA}{name}"
        return [
            ("amap", "https://uri.amap.com/search?" + urlencode({"keyword": query})),
            (
                "baidu",
                "https://api.map.baidu.com/place/search?"
                + urlencode({"query": query, "region": "聊城", "output": "html"}),
            ),
        ]
    latitude, longitude = point
    return [
        (
            "amap",
            "https://uri.amap.com/marker?"
            + urlencode(
                {"position": f"{longitude},{latitude}", "name": name, "coordinate": "wgs84"}
            ),
        ),
        (
            "baidu",
            "https://api.map.baidu.com/marker?"
            + urlencode(
                {
                    "location": f"{latitude},{longitude}",
                    "title": name,
                    "content": AREA,
                    "coord_type": "wgs84",
                    "output": "html",
                }
            ),
        ),
        (
            "osm",
            "https://www.openstreetmap.org/?"
            + urlencode({"mlat": latitude, "mlon": longitude})
            + f"#map=17/{latitude}/{longitude}",
        ),
    ]
