"""The lock files install on every Python 3.11 the site supports, Debian 12's 3.11.2 too."""

import re
from importlib import metadata

import pytest
from barrierfree import PROJECT_ROOT
from packaging.specifiers import SpecifierSet
from packaging.version import Version

pytestmark = pytest.mark.no_database

LOCKS = [PROJECT_ROOT / "requirements" / name for name in ("run.txt", "test.txt")]
OLDEST = Version("3.11.2")  # Debian 12's own python3.11
PINNED = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", re.M)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_redis_gets_async_timeout_below_python_3_11_3(lock):
    """redis requires it there; pip-compile on a newer 3.11 leaves it out (see `make lock`)."""
    text = lock.read_text()
    entry = re.search(
        r'^async-timeout==\S+ ; python_full_version < "3\.11\.3" \\\n(.*\n)+?', text, re.M
    )
    assert entry, f"{lock.name} does not pin async-timeout for Python below 3.11.3"
    assert "--hash=sha256:" in entry.group(0)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_no_locked_package_needs_a_newer_python_3_11(lock):
    """Checked against what the test run installed from the lock (the same versions)."""
    needing = []
    for name, version in PINNED.findall(lock.read_text()):
        try:
            found = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue  # only for an older Python (async-timeout)
        if found["Version"] == version and found["Requires-Python"]:
            if OLDEST not in SpecifierSet(found["Requires-Python"]):
                needing.append(f"{name}=={version} ({found['Requires-Python']})")
    assert needing == []
