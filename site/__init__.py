"""barrierfree: the accessible public site of the Chiping District disability-services plan."""

from collections import ChainMap
from collections.abc import MutableMapping
from pathlib import Path

from flask import Flask
from flask.templating import Environment
from htmx_flask import Htmx
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, in memory, for every app the process makes:
    a server makes one, the tests hundreds, each of which would compile every template it
    renders again. Jinja checks each entry against its template's source, so an edited
    template is compiled again."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket with the template's compiled code, when this process has it."""
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the bucket's compiled code for the next environment."""
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


class TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja keeps them, but with their
    names as a set. At every `{% from … import … %}` (six a page) Jinja takes the
    rendering page's names away from the imported template's; through the ChainMap's
    own view that asks both maps about each of some seventy names, a tenth of a small
    page's time."""

    def keys(self) -> set:  # type: ignore[override]
        """The names defined in any of the maps."""
        return set().union(*self.maps)


class SiteEnvironment(Environment):
    """Flask's Jinja environment, with the globals above."""

    def make_globals(self, d: MutableMapping[str, object] | None) -> TemplateGlobals:
        """A template's globals (`d`) over the environment's."""
        return TemplateGlobals({} if d is None else d, self.globals)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask application; `config` overrides the defaults (used by tests)."""
    from . import settings

    instance = settings.instance_path(config) or str(PROJECT_ROOT / "instance")
    app = Flask(__name__, instance_path=instance)
    settings.configure(app, config)
    app.jinja_environment = SiteEnvironment
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}

    from . import (
        alerts,
        assets,
        compression,
        content,
        database,
        display,
        eligibility,
        errors,
        feedback,
        health,
        i18n,
        mail,
        markdown,
        page_cache,
        request_ids,
        security,
        site_search,
        staff,
    )
    from .contacts import views as contacts
    from .facilities import views as facilities
    from .open_data import views as open_data
    from .pages import views as pages
    from .plan import views as plan
    from .services import views as services
    from .staff import inbox
    from .updates import views as updates

    # What a route's parts may hold, as the database can look it up: an `<int:…>` is a
    # row's id, never bigger than the database keeps; a `<name>` holds no control character.
    app.url_map.converters["int"] = database.RowIdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = database.TextConverter
    Htmx(app)
    # First of all the before-request hooks: the others read the query string, and would
    # answer a path with repeated slashes at that address.
    app.before_request(errors.refuse_unreadable_address)
    app.before_request(errors.redirect_repeated_slashes)
    # Flask runs the after-request hooks last registered first. The page cache's runs last:
    # it keeps the response as it is sent. Compression's runs before it, once, on what the
    # others have finished.
    flask_itself = app.wsgi_app
    page_cache.init_app(app)
    app.wsgi_app = health.PastThePageCache(app.wsgi_app, flask_itself)  # type: ignore[method-assign]
    settings.trust_proxies(app)  # outside the page cache's WSGI layer
    compression.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    markdown.init_app(app)
    display.init_app(app)
    errors.init_app(app)
    content.init_app(app)
    site_search.init_app(app)
    health.init_app(app)  # before the hooks of staff and the page cache, which read the database
    staff.init_app(app)
    # After every other before-request hook: a page sent from the cache skips those after
    # it, and scheduled publication and the search outbox must still have their turn.
    app.before_request(page_cache.answer_from_cache)
    app.register_blueprint(pages.bp)
    app.register_blueprint(plan.bp)
    app.register_blueprint(services.bp)
    app.register_blueprint(facilities.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(open_data.bp)
    app.register_blueprint(updates.bp)
    eligibility.init_app(app)
    feedback.init_app(app)
    inbox.init_app(app)
    mail.init_app(app)
    alerts.init_app(app)
    # Last: the outermost WSGI layer, so that every answer carries its request's id, a page
    # from the cache and a refusal of the layers below it included.
    request_ids.init_app(app)
    return app
