"""Configuration: defaults for the embedded set-up, overridden by the environment."""

import json
import os
import secrets
from collections.abc import Mapping
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import PROJECT_ROOT
from .mail import SECURITY as MAIL_SECURITY
from .mail.addresses import is_email_address

PREFIX = "BARRIERFREE"
# An installed package has no checkout beside it: it carries its own content/ and htmx from
# node_modules/ (see pyproject.toml).
BUNDLED = Path(__file__).parent / "bundled"
# Settings taken from the environment exactly as written. Every other one is read as JSON
# (numbers, true/false, lists), which would make a secret of digits a number.
TEXT_SETTINGS = (
    "SECRET_KEY", "SITE_URL", "DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "SEARCH_BACKEND",
    "SEARCH_DATABASE_URL", "CACHE_URL", "MAIL_HOST", "MAIL_SECURITY", "MAIL_USERNAME",
    "MAIL_PASSWORD", "MAIL_SENDER", "UPLOAD_DIR", "CONTENT_DIR", "SEARCH_INDEX_DIR",
    "INSTANCE_PATH",
)  # fmt: skip
# Settings that count something: a whole number, 0 or more.
NUMBER_SETTINGS = (
    "PROXY_HOPS", "MAIL_PORT", "MAIL_TIMEOUT_SECONDS", "STAFF_IDLE_MINUTES",
    "STAFF_ABSOLUTE_HOURS", "BACKUP_KEEP_DAYS", "FEEDBACK_ANSWER_DAYS",
    "FEEDBACK_RETENTION_DAYS", "FEEDBACK_CLOSE_ANSWERED_DAYS", "FEEDBACK_PER_ADDRESS",
    "FEEDBACK_OVERALL", "FEEDBACK_WINDOW_MINUTES", "FEEDBACK_PER_NETWORK",
    "FEEDBACK_PER_WIDE_NETWORK", "FEEDBACK_PER_ITEM", "FEEDBACK_CEILING",
    "FEEDBACK_MAX_AGE_DAYS", "FEEDBACK_PURGE_NOTICE_DAYS", "FEEDBACK_FOLLOW_UP_CEILING",
    "ALERTS_PER_RECIPIENT", "ALERTS_CEILING",
)  # fmt: skip
# Of those, the ones 0 would turn into something nobody means: a promise to answer the same
# day, mail on port 0 or with no time to wait, staff signed out at once, every resident's
# message refused, a message's text deleted the day it came, every backup deleted by the
# next (as `flask db backup --keep-days` takes 1 or more), or no alert ever
# confirmed.
AT_LEAST_ONE = (
    "BACKUP_KEEP_DAYS", "MAIL_PORT", "MAIL_TIMEOUT_SECONDS", "STAFF_IDLE_MINUTES",
    "STAFF_ABSOLUTE_HOURS",
    "FEEDBACK_ANSWER_DAYS", "FEEDBACK_WINDOW_MINUTES", "FEEDBACK_PER_ADDRESS",
    "FEEDBACK_PER_NETWORK", "FEEDBACK_PER_WIDE_NETWORK", "FEEDBACK_PER_ITEM",
    "FEEDBACK_CEILING", "FEEDBACK_FOLLOW_UP_CEILING", "FEEDBACK_MAX_AGE_DAYS",
    "ALERTS_PER_RECIPIENT", "ALERTS_CEILING",
)  # fmt: skip
# Settings that are on or off, read from the environment as true/false, 1/0 or yes/no in
# any case; anything else is refused (`check`), rather than taken for true as a text.
# TRUST_REQUEST_ID: the proxy in front (PROXY_HOPS) sets X-Request-ID itself, overwriting a
# visitor's, so the site may take it (`request_ids`); off, the site always makes its own.
# PAGE_CACHE_HEADER: responses say whether they came from the page cache (X-Page-Cache), for
# the tests; never on a public site (`page_cache.HEADER`).
BOOLEAN_SETTINGS = ("PAGE_CACHE", "PAGE_CACHE_HEADER", "TRUST_REQUEST_ID")
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")
# Folders the site writes to or reads its content from, which must not depend on the folder
# a command happens to be started in (gunicorn's and a `flask` command's would differ: a
# relative CONTENT_DIR loaded the plan in one and was missing in the other).
FOLDER_SETTINGS = ("UPLOAD_DIR", "SEARCH_INDEX_DIR", "CONTENT_DIR")
# The largest port number (a TCP port is 16 bits).
LARGEST_PORT = 65535
# A deployed site's shortest secret key: 32 characters, of which a guess is out of reach
# even with each character one of only 16 (hexadecimal digits, 128 bits).
SHORTEST_SECRET_KEY = 32
# What BARRIERFREE_CACHE_URL may begin with: the URL schemes redis-py connects with.
CACHE_SCHEMES = ("redis", "rediss", "unix")
DATABASES = ("sqlite", "postgresql")
# How long the site waits for PostgreSQL, so that a database that takes connections but
# never answers (a hung server, a network that drops packets) fails a request with the
# site's own 503 page (errors.py, on OperationalError) in seconds, not by gunicorn killing
# the worker at its timeout (30 s: the Makefile and the README keep gunicorn's default)
# with a bare 500 while every other worker hangs the same way. libpq's parameters, given
# to every connection of the site's database (`postgres_connection`): a new connection
# gives up after CONNECT_TIMEOUT_SECONDS; TCP keepalives notice a server gone silent under
# an open connection after about idle + interval × count = 25 seconds (libpq ignores them
# on a Unix socket).
CONNECT_TIMEOUT_SECONDS = 5
KEEPALIVES = {
    "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
}  # fmt: skip
# The longest one statement of the served site may run (PostgreSQL's statement_timeout, in
# seconds): below gunicorn's 30, with time left to connect and answer with the 503 page.
# Commands (`flask …`) run without it: a restore, a migration waiting its turn for the
# migrations' lock, a search rebuild or a content load may rightly take longer, and no
# worker waits for them (see `engine_options`).
STATEMENT_TIMEOUT_SECONDS = 20


class ConfigurationError(click.ClickException, RuntimeError, ValueError):
    """A setting the site cannot start with; the message names it and says what it takes.

    A click error, so that the `flask` command prints the message alone; a RuntimeError,
    which gunicorn prints alone when it loads the app before its workers (`--preload`, as
    the README runs it); and a ValueError, as the checks of the settings raised before."""


def instance_path(overrides: dict | None) -> str | None:
    """The folder of the site's own files (SQLite database, secret key, uploads, backups,
    index): INSTANCE_PATH (BARRIERFREE_INSTANCE_PATH); None when unset (create_app then
    takes the checkout's instance/)."""
    path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(f"{PREFIX}_INSTANCE_PATH")
    if not path:
        return None
    if not os.path.isabs(path):
        raise ConfigurationError(f"{PREFIX}_INSTANCE_PATH must be an absolute path, not {path!r}.")
    return path


def configure(app: Flask, overrides: dict | None) -> None:
    """Fill `app.config` from defaults, `BARRIERFREE_*` environment variables and overrides."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(
        # SQLite in the instance folder, unless BARRIERFREE_DATABASE_URL names another
        # database (postgresql+psycopg://user@host/barrierfree, for several app servers).
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'barrierfree.sqlite'}",
        CONTENT_DIR=_checkout_or_bundled("content"),
        NODE_MODULES=_checkout_or_bundled("node_modules"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        # Staff sessions end after 30 minutes without a request, and after 12 hours in any
        # case. The CSRF token lives as long as the session, so a page left open for hours
        # still saves while its session is alive (and keeps a draft when it is not).
        STAFF_IDLE_MINUTES=30,
        STAFF_ABSOLUTE_HOURS=12,
        WTF_CSRF_TIME_LIMIT=None,
        # The token and SameSite cookies stop forged posts; also demanding a same-site
        # Referer over HTTPS would lock out browsers set never to send one.
        WTF_CSRF_SSL_STRICT=False,
        UPLOAD_DIR=str(instance / "uploads"),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        # `flask db backup` deletes the backups in instance/backups/ older than this: a
        # backup keeps what the inbox's purge deletes, and the privacy notice says for how long.
        BACKUP_KEEP_DAYS=30,
    )
    read_environment(app)
    from_environment = database_url(app.config)
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = with_psycopg(
        checked_database_url(database_url(overrides or {}) or from_environment or "")
    )
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        engine_options(app.config["SQLALCHEMY_DATABASE_URI"], served=not in_a_command()),
    )
    check(app.config)
    # "whoosh" (the index in SEARCH_INDEX_DIR), "postgres" (on SEARCH_DATABASE_URL, by
    # default the site's database) or "null" (keeps nothing, finds nothing); the names are
    # site_search.index.BACKENDS. Environment: BARRIERFREE_SEARCH_BACKEND. Unset, the index
    # is where the site's data is: with PostgreSQL every app server then searches one index.
    app.config.setdefault("SEARCH_BACKEND", default_search_backend(app.config))
    if app.config["SEARCH_BACKEND"] is None:  # read as JSON: BARRIERFREE_SEARCH_BACKEND=null
        app.config["SEARCH_BACKEND"] = "null"
    warn_of_a_whoosh_index_per_server(app)
    if not app.config.get("SECRET_KEY"):
        if is_deployed(app.config):
            # Each server would make a key of its own, and the forms one server sends
            # would be refused by the next.
            raise ConfigurationError(
                f"{PREFIX}_SECRET_KEY is not set: a site with {PREFIX}_SITE_URL or on "
                "PostgreSQL needs one key, the same on every server: a long random text, "
                "e.g. 64 hexadecimal digits."
            )
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config.get("SITE_URL"))


def read_environment(app: Flask) -> None:
    """Read the `BARRIERFREE_*` environment variables into `app.config`: the settings of
    TEXT_SETTINGS as written, the others as JSON (a number, true or a list) or as text."""
    app.config.from_prefixed_env(PREFIX)
    for name in TEXT_SETTINGS:
        value = os.environ.get(f"{PREFIX}_{name}")
        if value is not None:
            app.config[name] = _unquoted(value)
    for name in BOOLEAN_SETTINGS:
        value = os.environ.get(f"{PREFIX}_{name}")
        if value is not None:
            app.config[name] = _boolean(_unquoted(value))


def _boolean(value: str) -> bool | str:
    """True or False for a word of TRUE_WORDS or FALSE_WORDS, in any case and with spaces
    around it; anything else as written, for `check` to refuse."""
    word = value.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else value


def _unquoted(value: str) -> str:
    """A text as written, or, written in double quotes as a JSON string (as an env file
    passed on as it is keeps them: "茌平区残联 <noreply@…>"), the text inside."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, str):
            return decoded
    return value


def check(config: Mapping[str, Any]) -> None:
    """Refuse settings the site cannot run with, naming the setting (ConfigurationError)."""
    for name in NUMBER_SETTINGS:
        value = config.get(name)
        least = 1 if name in AT_LEAST_ONE else 0
        if value is not None and (type(value) is not int or value < least):
            raise ConfigurationError(
                f"{PREFIX}_{name} must be a whole number, {least} or more, not {value!r}."
            )
    port = config.get("MAIL_PORT")
    if port is not None and port > LARGEST_PORT:
        raise ConfigurationError(
            f"{PREFIX}_MAIL_PORT must be a port number, 1 to {LARGEST_PORT} (e.g. 465 or "
            f"587), not {port!r}."
        )
    for name in BOOLEAN_SETTINGS:
        value = config.get(name)
        if value is not None and type(value) is not bool:
            raise ConfigurationError(
                f"{PREFIX}_{name} must be true or false (or 1 or 0, yes or no), not {value!r}."
            )
    if config.get("TRUST_REQUEST_ID") is True and not config.get("PROXY_HOPS"):
        raise ConfigurationError(
            f"{PREFIX}_TRUST_REQUEST_ID is true but {PREFIX}_PROXY_HOPS is not set: without a "
            "proxy that sets X-Request-ID, the header is whatever a visitor sends."
        )
    for name in FOLDER_SETTINGS:
        folder = config.get(name)
        if folder is not None and not os.path.isabs(folder):
            raise ConfigurationError(f"{PREFIX}_{name} must be an absolute path, not {folder!r}.")
    check_trusted_hosts(config.get("TRUSTED_HOSTS"))
    check_secret_key(config)
    check_site_url(config.get("SITE_URL"))
    if config.get("MAIL_HOST") and not config.get("SITE_URL"):
        raise ConfigurationError(
            f"{PREFIX}_MAIL_HOST is set but {PREFIX}_SITE_URL is not: links in mail need the "
            "site's own address (e.g. https://www.example.gov.cn), never the one a request names."
        )
    if config.get("MAIL_HOST") and not config.get("MAIL_SENDER"):
        raise ConfigurationError(
            f"{PREFIX}_MAIL_HOST is set but {PREFIX}_MAIL_SENDER is not: mail needs a From "
            "address (e.g. 茌平区残联 <noreply@example.gov.cn>)."
        )
    sender = config.get("MAIL_SENDER")
    senders = getaddresses([sender]) if isinstance(sender, str) else []
    if sender and not (len(senders) == 1 and is_email_address(senders[0][1])):
        raise ConfigurationError(
            f"{PREFIX}_MAIL_SENDER must be an email address, alone or after a name (e.g. "
            f"茌平区残联 <noreply@example.gov.cn>), not {sender!r}."
        )
    security = config.get("MAIL_SECURITY")
    if security is not None and security not in MAIL_SECURITY:
        raise ConfigurationError(
            f"{PREFIX}_MAIL_SECURITY {security!r} is none of {', '.join(MAIL_SECURITY)}."
        )
    cache = config.get("CACHE_URL")
    if cache and urlsplit(cache).scheme not in CACHE_SCHEMES:
        # Named by its scheme alone: the rest may hold the Redis server's password.
        scheme = cache.partition("://")[0] if "://" in cache else None
        raise ConfigurationError(
            f"{PREFIX}_CACHE_URL must be a Redis server's URL, redis://host:6379/0 "
            "(rediss:// with TLS, unix:///path/to/redis.sock), not "
            + (f"one beginning {scheme}://." if scheme else "a text without ://.")
        )
    if config.get("SEARCH_DATABASE_URL"):
        checked_database_url(config["SEARCH_DATABASE_URL"], "SEARCH_DATABASE_URL")
    backend = config.get("SEARCH_BACKEND")
    if backend is not None:
        from .site_search.index import BACKENDS

        if backend not in BACKENDS:
            raise ConfigurationError(
                f"{PREFIX}_SEARCH_BACKEND {backend!r} is none of {', '.join(BACKENDS)}."
            )


def check_secret_key(config: Mapping[str, Any]) -> None:
    """Refuse a SECRET_KEY shorter than SHORTEST_SECRET_KEY on a deployed site: whoever
    guesses it can sign a staff session of their own. (Unset, `configure` refuses it or, in
    the embedded set-up, makes one; the tests' apps, TESTING, may have a short one.)"""
    key = config.get("SECRET_KEY")
    if not key or config.get("TESTING") or not is_deployed(config):
        return
    if len(str(key)) < SHORTEST_SECRET_KEY:
        raise ConfigurationError(
            f"{PREFIX}_SECRET_KEY is {len(str(key))} characters long: a site with "
            f"{PREFIX}_SITE_URL or on PostgreSQL needs {SHORTEST_SECRET_KEY} or more, a long "
            "random text, e.g. 64 hexadecimal digits (python3 -c 'import secrets; "
            "print(secrets.token_hex(32))')."
        )


def check_trusted_hosts(hosts: object) -> None:
    """Refuse a TRUSTED_HOSTS that is not a JSON list of host names (None: unset, taken from
    SITE_URL). Werkzeug reads it at every request: a number failed each one with a
    TypeError (a bare 500), and a text or an empty list refused every host with 400."""
    if hosts is None:
        return
    if (
        not isinstance(hosts, list)
        or not hosts
        or not all(isinstance(host, str) and host.strip() for host in hosts)
    ):
        raise ConfigurationError(
            f"{PREFIX}_TRUSTED_HOSTS must be a JSON list of host names, e.g. "
            f'["www.example.gov.cn", "example.gov.cn"], not {hosts!r}.'
        )


def check_site_url(site_url: str | None) -> None:
    """Refuse a SITE_URL that is not http(s)://host[:port][/path]: without its host the
    site would answer any Host header and write links to nowhere."""
    if not site_url:
        return
    wrong = ConfigurationError(
        f"{PREFIX}_SITE_URL must be http(s)://host[:port][/path], e.g. "
        f"https://www.example.gov.cn, not {site_url!r}."
    )
    if not isinstance(site_url, str):
        raise wrong
    parts = urlsplit(site_url)
    try:
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise wrong from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise wrong


def checked_database_url(url: str, name: str = "DATABASE_URL") -> str:
    """`url` when it names an SQLite or PostgreSQL database; otherwise ConfigurationError
    naming the setting `name`."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ConfigurationError(
            f"{PREFIX}_{name} is not a database URL (e.g. "
            "postgresql://user@host/barrierfree or sqlite:////srv/barrierfree/site.sqlite)."
        ) from None
    if backend not in DATABASES:
        raise ConfigurationError(
            f"{PREFIX}_{name} names a {backend} database; the site runs on SQLite or "
            "PostgreSQL (postgresql://user@host/barrierfree)."
        )
    return url


def engine_options(url: str, served: bool) -> dict[str, Any]:
    """The SQLAlchemy engine options of the site's database at `url`. A database error names
    its statement but not the values in it: they are what residents wrote, and the error
    goes to the log. On PostgreSQL, each connection is tested before use (the server may
    have restarted) and waits no longer than `postgres_connection` says; when the app is
    `served` (by gunicorn, not a command), no statement runs longer than
    STATEMENT_TIMEOUT_SECONDS. What the URL itself sets (?connect_timeout=10) wins."""
    options: dict[str, Any] = {"hide_parameters": True}
    address = make_url(url)
    if address.get_backend_name() != "postgresql":
        return options
    connect_args = postgres_connection(address)
    given = address.query.get("options", "")
    if served and isinstance(given, str) and "statement_timeout" not in given:
        limit = f"-c statement_timeout={STATEMENT_TIMEOUT_SECONDS}s"
        connect_args["options"] = f"{given} {limit}".strip()
    return {**options, "pool_pre_ping": True, "connect_args": connect_args}


def postgres_connection(address: URL) -> dict[str, Any]:
    """libpq's time limits for a connection to the PostgreSQL database at `address` (see
    CONNECT_TIMEOUT_SECONDS), leaving out those its URL sets itself. The site's engine and
    the migrations' own (`database.alembic_config`) both take them."""
    limits = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **KEEPALIVES}
    return {name: value for name, value in limits.items() if name not in address.query}


def in_a_command() -> bool:
    """True while a click command makes the app (`flask db restore`, `flask search
    rebuild`, `flask run`…), False when a server does (gunicorn runs no click command)."""
    return click.get_current_context(silent=True) is not None


def is_deployed(config: Mapping[str, Any]) -> bool:
    """True for a site that says it is served (SITE_URL) or shares a PostgreSQL database,
    as several servers do; `make run` has neither."""
    database = make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    return bool(config.get("SITE_URL")) or database == "postgresql"


def trusted_hosts(site_url: str | None) -> list[str] | None:
    """The Host headers the site answers when SITE_URL names its address: that host, and
    this machine's own names (a health check). Any other gets 400, so no request can make
    the site write links (a sitemap, a feed, an alert's unsubscribe link) to another host.
    None, without SITE_URL: every host, as `make run` needs. TRUSTED_HOSTS
    (BARRIERFREE_TRUSTED_HOSTS, a JSON list) sets the list itself."""
    host = urlsplit(site_url or "").hostname
    return [host, "localhost", "127.0.0.1"] if host else None


def database_url(settings: Mapping[str, Any]) -> str | None:
    """The database `settings` name: DATABASE_URL (BARRIERFREE_DATABASE_URL in the
    environment), or else Flask-SQLAlchemy's own SQLALCHEMY_DATABASE_URI."""
    return settings.get("DATABASE_URL") or settings.get("SQLALCHEMY_DATABASE_URI")


def default_search_backend(settings: Mapping[str, Any]) -> str:
    """The search backend of a site whose SEARCH_BACKEND is unset: PostgreSQL's when its
    database is PostgreSQL, Whoosh's otherwise."""
    searched = settings.get("SEARCH_DATABASE_URL") or settings["SQLALCHEMY_DATABASE_URI"]
    return "postgres" if make_url(searched).get_backend_name() == "postgresql" else "whoosh"


def warn_of_a_whoosh_index_per_server(app: Flask) -> None:
    """Warn, once as the app starts, of SEARCH_BACKEND "whoosh" on a PostgreSQL database: the
    database is there to be shared by several servers, but each keeps its own Whoosh index
    (SEARCH_INDEX_DIR), which sees only that server's changes unless every server shares the
    folder, so their search results drift apart. One server with Whoosh on PostgreSQL is
    legitimate, so it is a warning, not a refusal; unset, the backend is PostgreSQL's own."""
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if app.config["SEARCH_BACKEND"] != "whoosh" or database != "postgresql":
        return
    app.logger.warning(
        "%s_SEARCH_BACKEND is whoosh on a PostgreSQL database: each server keeps its own "
        "index in %s_SEARCH_INDEX_DIR and sees only its own changes unless every server "
        "shares that folder. With several servers, unset it (PostgreSQL's own search, one "
        "index for all) or share the folder.",
        PREFIX,
        PREFIX,
    )


def with_psycopg(url: str) -> str:
    """`url`, a plain postgresql:// (or postgres://) one made to use psycopg 3, the driver
    the site installs (SQLAlchemy would look for psycopg2)."""
    if make_url(url).drivername in ("postgresql", "postgres"):
        return "postgresql+psycopg" + url[url.index("://") :]
    return url


def trust_proxies(app: Flask) -> None:
    """Behind a reverse proxy (PROXY_HOPS): trust its X-Forwarded-For and -Proto, and no
    more hops. Called after the page cache wraps the app, so the cache sees the address the
    visitor asked for."""
    hops = app.config.get("PROXY_HOPS") or 0
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _checkout_or_bundled(folder: str) -> str:
    """The checkout's `folder` beside the package, or the copy an installed package carries."""
    in_checkout = PROJECT_ROOT / folder
    return str(in_checkout if in_checkout.is_dir() else BUNDLED / folder)


def _instance_secret(path: Path) -> str:
    """Return the secret kept in the instance folder, creating it on first use.

    Production sets BARRIERFREE_SECRET_KEY in the environment; the embedded default keeps
    a random key beside the SQLite file so sessions survive a restart. It is never committed.
    """
    if not path.exists():
        # Readable by its owner only from the moment it exists.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()
