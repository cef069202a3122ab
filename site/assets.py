"""The stylesheet, the scripts and the icon under names that carry a hash of their content
(`/assets/site.3f2a9c1d.css`), one address for both languages, cached by browsers for a
year: a changed file has a new name, so nobody is served an old one.

An address whose hash is not the file's (a page cached before a release) still gets the
file as it is now, but not for long.
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, send_file

from .i18n import is_english

bp = Blueprint("assets", __name__)
ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    """One file served under a hashed name."""

    path: Path
    hashed_name: str


def _sources() -> dict[str, Path]:
    """The files by the name templates ask for them."""
    return current_app.extensions["assets"]


def _find_sources(app: Flask) -> dict[str, Path]:
    """Where the files are, worked out once: a page asks for four addresses."""
    assert app.static_folder is not None  # the app is made with Flask's default, "static"
    static = Path(app.static_folder)
    htmx = Path(app.config["NODE_MODULES"]) / "htmx.org" / "dist" / "htmx.min.js"
    return {
        "site.css": static / "css" / "site.css",
        "site.js": static / "js" / "site.js",
        "favicon.svg": static / "images" / "favicon.svg",
        "htmx.min.js": htmx,
    }


@cache
def _asset(path: Path) -> Asset:
    """The file's hashed name (computed once per process: files change with a release)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    stem, _, extension = path.name.partition(".")
    return Asset(path, f"{stem}.{digest}.{extension}")


def asset_url(name: str) -> str:
    """The hashed address of an asset, the same on the Chinese and the English site."""
    root = request.script_root.removesuffix("/en") if is_english() else request.script_root
    return f"{root}/assets/{_asset(_sources()[name]).hashed_name}"


@bp.get("/assets/<name>")
def serve(name: str) -> Response:
    """An asset by its hashed name: cached for a year, never changed under that name."""
    for source in _sources().values():
        asset = _asset(source)
        stem, extension = asset.hashed_name.split(".", 1)[0], asset.path.name.partition(".")[2]
        if name == asset.hashed_name:
            return _send(asset.path, ONE_YEAR, immutable=True)
        if name.startswith(stem + ".") and name.endswith("." + extension):
            return _send(asset.path, 300, immutable=False)  # an older name: today's file
    abort(404)


def _send(path: Path, max_age: int, immutable: bool) -> Response:
    """The file, public, cached for `max_age` seconds."""
    response = send_file(path, max_age=max_age, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = immutable
    return response


def init_app(app: Flask) -> None:
    """Serve the assets and let templates ask for their addresses."""
    app.extensions["assets"] = _find_sources(app)
    app.register_blueprint(bp)
    app.add_template_global(asset_url)
