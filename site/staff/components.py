"""The components page: every example of every interface component, drawn by the same
macros as the pages, for the people who build pages and for the accessibility run, which
reaches it from the dashboard."""

from flask import render_template

from .accounts import sessions
from .accounts.views import bp
from .component_examples import COMPONENTS
from .models import EDITOR


@bp.route("/components", methods=["GET", "POST"])
@sessions.require(EDITOR)
def components() -> str:
    """Every component's examples. The example forms send here; nothing is saved."""
    return render_template("staff/components.html", components=COMPONENTS)
