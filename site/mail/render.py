"""Mail in the reader's language: templates under templates/mail/, a plain-text part and a
simple HTML part, with links that name the site in full."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, render_template

from ..i18n import EN, ENVIRON_KEY, PREFIX, ZH, force_locale


def site_url() -> str:
    """The address links in mail start with: SITE_URL, never the address of the request
    that sends it (its Host header is the sender's to choose, and a scheduled notice's
    alerts go out in whatever request comes next). Mail is not sent without it
    (mail.init_app); without mail, the address only names the site in a preview."""
    return current_app.config.get("SITE_URL", "").rstrip("/") or "http://localhost"


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render and build links as the site in `language` ("zh" or "en") would, with full
    addresses: in a request of its own, inside the current app context (so the caller's
    transaction goes on)."""
    locale = EN if language == "en" else ZH
    with (
        current_app.test_request_context(
            "/", base_url=site_url() + PREFIX[locale], environ_overrides={ENVIRON_KEY: locale}
        ),
        force_locale(locale),
    ):
        yield


def render(name: str, **context: object) -> tuple[str, str]:
    """The plain text and the HTML of templates/mail/<name>.txt and .html."""
    return (
        render_template(f"mail/{name}.txt", **context),
        render_template(f"mail/{name}.html", **context),
    )
