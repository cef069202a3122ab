"""`pip wheel .` builds the whole site: installed from the wheel alone, away from the
checkout, it migrates its database, loads its content and serves its pages, stylesheet,
scripts and English translation."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

# It makes a SQLite database of its own, whatever --database says.
pytestmark = [pytest.mark.slow, pytest.mark.no_database]

ROOT = Path(__file__).resolve().parent.parent
SITE_NAME_EN = "Chiping Disability Services and Plan"

# Run by the installed package, in a folder outside the checkout (its first argument),
# where it writes what it served to served.json.
SERVE = """
import json, sys
from pathlib import Path

import barrierfree
from barrierfree.database import upgrade

folder = Path(sys.argv[1])
app = barrierfree.create_app({
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'site.sqlite'}",
    "SEARCH_INDEX_DIR": str(folder / "index"),
    "UPLOAD_DIR": str(folder / "uploads"),
})
with app.app_context():
    upgrade()
loaded = app.test_cli_runner().invoke(args=["content", "load"])
client = app.test_client()
with app.test_request_context():
    assets = [barrierfree.assets.asset_url(name) for name in ("site.css", "htmx.min.js")]
pages = {url: client.get(url) for url in ("/", "/en/", "/staff/sign-in")}
(folder / "served.json").write_text(json.dumps({
    "package": barrierfree.__file__,
    "content": app.config["CONTENT_DIR"],
    "load": [loaded.exit_code, loaded.output],
    "pages": {url: [page.status_code, page.get_data(as_text=True)] for url, page in pages.items()},
    "assets": {url: client.get(url).status_code for url in assets},
}))
"""


def pip(*args) -> None:
    """Run the test run's own pip, quietly and without any package index."""
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *map(str, args)],
        check=True,
    )


def package_folders() -> set[str]:
    """The folders of the checkout that pyproject.toml builds the package from."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    folders = config["tool"]["setuptools"]["package-dir"].values()
    return {Path(folder).parts[0] for folder in folders}


def files_under(folder: Path, prefix: str) -> set[str]:
    """Each file under `folder` by the name it has in the wheel, below `prefix`."""
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}"
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip wheel .` builds; from links to the package's folders, so that the
    build leaves none of its files in the checkout."""
    source = tmp_path_factory.mktemp("source")
    shutil.copy(ROOT / "pyproject.toml", source)
    for folder in package_folders():
        (source / folder).symlink_to(ROOT / folder)
    built = tmp_path_factory.mktemp("wheel")
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", built, source)
    return next(built.glob("barrierfree-*.whl"))


def test_the_wheel_holds_every_file_the_site_needs(wheel):
    catalogue_sources = {
        f"barrierfree/{path.relative_to(ROOT / 'site').as_posix()}"
        for pattern in ("*.po", "*.pot")
        for path in (ROOT / "site" / "translations").rglob(pattern)
    }
    needed = (
        files_under(ROOT / "site", "barrierfree") - catalogue_sources
        | files_under(ROOT / "search", "search")
        | files_under(ROOT / "content", "barrierfree/bundled/content")
        | {"barrierfree/bundled/node_modules/htmx.org/dist/htmx.min.js"}
    )
    assert "barrierfree/translations/en/LC_MESSAGES/messages.mo" in needed, (
        "compile the translations first: make translations"
    )
    with zipfile.ZipFile(wheel) as archive:
        assert needed - set(archive.namelist()) == set()


def test_the_installed_wheel_serves_the_site_away_from_the_checkout(wheel, tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    pip("--python", python, "install", "--no-deps", "--no-index", wheel)
    # Its dependencies are the test run's own, so that no package is fetched.
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    dependencies = environment / "lib" / version / "site-packages" / "dependencies.pth"
    dependencies.write_text(sysconfig.get_paths()["purelib"] + "\n")
    variables = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BARRIERFREE_", "PYTHONPATH"))
    }
    subprocess.run(
        [python, "-c", SERVE, tmp_path], cwd=tmp_path, env=variables, check=True, timeout=120
    )
    served = json.loads((tmp_path / "served.json").read_text())

    assert Path(served["package"]).is_relative_to(environment)
    assert Path(served["content"]).is_relative_to(environment)
    assert served["load"][0] == 0, served["load"][1]
    stylesheet = next(url for url in served["assets"] if url.endswith(".css"))
    for url, (status, page) in served["pages"].items():
        assert status == 200, url
        assert f'href="{stylesheet}"' in page, url
    assert SITE_NAME_EN in served["pages"]["/en/"][1]
    assert set(served["assets"].values()) == {200}
