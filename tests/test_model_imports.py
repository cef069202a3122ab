"""Each module of models works whatever was imported before it: a process that imports only
some of the site (a worker, a command, one test module) must not fail at the first query.
tests/test_private_routes.py once failed run alone: feedback's models named StaffUser, whose
module nothing had imported yet when services/queries.py configured the mappers."""

import subprocess
import sys

import pytest
from barrierfree import PROJECT_ROOT

pytestmark = pytest.mark.no_database

MODULES = sorted(
    "barrierfree." + ".".join(path.relative_to(PROJECT_ROOT / "site").with_suffix("").parts)
    for path in (PROJECT_ROOT / "site").rglob("models.py")
)


def test_every_module_of_models_is_found():
    assert {"barrierfree.feedback.models", "barrierfree.plan.models"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_a_module_of_models_imported_alone_can_be_used(module):
    # A fresh interpreter: in this one, the other tests have imported every model already.
    code = f"import {module}\nfrom sqlalchemy.orm import configure_mappers\nconfigure_mappers()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-600:]
