"""Settings from the environment: texts read as written, the settings a served site needs,
and one clear message for each setting the site cannot start with."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from barrierfree import create_app, settings
from barrierfree.settings import ConfigurationError
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

pytestmark = pytest.mark.no_database


@pytest.fixture(autouse=True)
def no_settings_of_the_machine(monkeypatch):
    """Each test sets the environment it describes, and nothing else of the machine's."""
    for name in list(os.environ):
        if name.startswith("BARRIERFREE_"):
            monkeypatch.delenv(name)


def configured(tmp_path: Path, **overrides) -> Flask:
    """A bare app with the site's settings, its instance folder in `tmp_path`."""
    app = Flask("barrierfree", instance_path=str(tmp_path / "instance"))
    settings.configure(app, {"TESTING": True, **overrides})
    return app


@pytest.mark.parametrize(
    "name, value",
    [
        ("SECRET_KEY", "20261205123456"),
        ("MAIL_PASSWORD", "1e5"),
        ("MAIL_USERNAME", "12345"),
        ("MAIL_SENDER", "null@example.gov.cn"),
        ("MAIL_PASSWORD", "true"),
        ("MAIL_PASSWORD", '["a"]'),
    ],
)
def test_secrets_and_texts_are_read_exactly_as_written(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("BARRIERFREE_SITE_URL", "https://www.example.gov.cn")
    monkeypatch.setenv("BARRIERFREE_MAIL_HOST", "smtp.example.gov.cn")
    monkeypatch.setenv("BARRIERFREE_MAIL_SENDER", "noreply@example.gov.cn")
    monkeypatch.setenv("BARRIERFREE_SECRET_KEY", "a secret")
    monkeypatch.setenv(f"BARRIERFREE_{name}", value)
    assert configured(tmp_path).config[name] == value


def test_a_text_in_double_quotes_is_the_text_inside(monkeypatch, tmp_path):
    """As an env file passed on as it is gives it (the README writes the sender so)."""
    monkeypatch.setenv("BARRIERFREE_SITE_URL", '"https://www.example.gov.cn"')
    monkeypatch.setenv("BARRIERFREE_MAIL_HOST", "smtp.example.gov.cn")
    monkeypatch.setenv("BARRIERFREE_SECRET_KEY", "a secret")
    monkeypatch.setenv("BARRIERFREE_MAIL_SENDER", '"茌平区残联 <noreply@example.gov.cn>"')
    config = configured(tmp_path).config
    assert config["MAIL_SENDER"] == "茌平区残联 <noreply@example.gov.cn>"
    assert config["SITE_URL"] == "https://www.example.gov.cn"


def test_a_secret_key_of_digits_signs_sessions(monkeypatch, tmp_path):
    """Read as JSON it was a number, and signing a staff session failed (a 500 at sign-in)."""
    monkeypatch.setenv("BARRIERFREE_SECRET_KEY", "20261205123456")
    app = configured(tmp_path)
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer.loads(signer.dumps({"staff": 1})) == {"staff": 1}


def test_numbers_and_lists_are_still_read_as_json(monkeypatch, tmp_path):
    monkeypatch.setenv("BARRIERFREE_PROXY_HOPS", "1")
    monkeypatch.setenv("BARRIERFREE_TRUSTED_HOSTS", '["www.example.gov.cn"]')
    monkeypatch.setenv("BARRIERFREE_PAGE_CACHE", "false")
    config = configured(tmp_path).config
    assert config["PROXY_HOPS"] == 1
    assert config["TRUSTED_HOSTS"] == ["www.example.gov.cn"]
    assert config["PAGE_CACHE"] is False


@pytest.mark.parametrize(
    "site_url",
    [
        "https://www.example.gov.cn",
        "https://www.example.gov.cn/",
        "http://localhost:8000",
        "https://example.gov.cn/barrierfree",
    ],
)
def test_a_site_url_with_scheme_and_host_is_taken(tmp_path, site_url):
    app = configured(tmp_path, SITE_URL=site_url, SECRET_KEY="a secret")
    assert app.config["TRUSTED_HOSTS"][0] == site_url.split("/")[2].split(":")[0]


@pytest.mark.parametrize(
    "site_url",
    [
        "www.example.gov.cn",
        "example.gov.cn/path",
        "//www.example.gov.cn",
        "ftp://www.example.gov.cn",
        "https://",
        "https:///path",
        "https://user:password@www.example.gov.cn",
        "https://www.example.gov.cn:port",
        "https://www.example.gov.cn:99999",
        "https://www.example.gov.cn/?from=mail",
        "https://www.example.gov.cn/#top",
    ],
)
def test_a_site_url_without_scheme_or_host_is_refused(tmp_path, site_url):
    """Without a host, SITE_URL used to turn off the check of Host headers silently."""
    with pytest.raises(ConfigurationError, match="BARRIERFREE_SITE_URL"):
        configured(tmp_path, SITE_URL=site_url, SECRET_KEY="a secret")


@pytest.mark.parametrize(
    "variable, value",
    [
        ("BARRIERFREE_SITE_URL", "https://www.example.gov.cn"),
        ("BARRIERFREE_DATABASE_URL", "postgresql://site@db.example/barrierfree"),
    ],
)
def test_a_served_site_is_refused_without_a_secret_key(monkeypatch, tmp_path, variable, value):
    """Each server would make a secret of its own, and refuse the forms of the others."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match="BARRIERFREE_SECRET_KEY"):
        configured(tmp_path)
    assert not (tmp_path / "instance" / "secret_key").exists()
    monkeypatch.setenv("BARRIERFREE_SECRET_KEY", "one key for every server")
    assert configured(tmp_path).config["SECRET_KEY"] == "one key for every server"


def test_the_embedded_site_keeps_a_secret_of_its_own(tmp_path):
    """`make run`: SQLite and no SITE_URL."""
    secret = configured(tmp_path).config["SECRET_KEY"]
    assert secret == (tmp_path / "instance" / "secret_key").read_text().strip()
    assert configured(tmp_path).config["SECRET_KEY"] == secret


BAD_SETTINGS = [
    ("BARRIERFREE_DATABASE_URL", "::not a url", "BARRIERFREE_DATABASE_URL"),
    ("BARRIERFREE_DATABASE_URL", "mysql://site@db/barrierfree", "BARRIERFREE_DATABASE_URL"),
    ("BARRIERFREE_SQLALCHEMY_DATABASE_URI", "oracle://db/site", "BARRIERFREE_DATABASE_URL"),
    ("BARRIERFREE_SEARCH_DATABASE_URL", "nonsense", "BARRIERFREE_SEARCH_DATABASE_URL"),
    ("BARRIERFREE_PROXY_HOPS", "abc", "BARRIERFREE_PROXY_HOPS"),
    ("BARRIERFREE_PROXY_HOPS", "-1", "BARRIERFREE_PROXY_HOPS"),
    ("BARRIERFREE_MAIL_PORT", "true", "BARRIERFREE_MAIL_PORT"),
    ("BARRIERFREE_FEEDBACK_RETENTION_DAYS", "1.5", "BARRIERFREE_FEEDBACK_RETENTION_DAYS"),
    # 0 would promise an answer the same day, or refuse every resident's message.
    ("BARRIERFREE_FEEDBACK_ANSWER_DAYS", "0", "ANSWER_DAYS must be a whole number, 1 or more"),
    # And 0 days would delete the backup `flask db backup` has just written.
    ("BARRIERFREE_BACKUP_KEEP_DAYS", "0", "KEEP_DAYS must be a whole number, 1 or more"),
    ("BARRIERFREE_FEEDBACK_PER_ADDRESS", "0", "PER_ADDRESS must be a whole number, 1 or more"),
    ("BARRIERFREE_SEARCH_BACKEND", "elastic", "BARRIERFREE_SEARCH_BACKEND"),
    ("BARRIERFREE_MAIL_HOST", "smtp.example.gov.cn", "BARRIERFREE_SITE_URL"),
    ("BARRIERFREE_MAIL_SECURITY", "ssl", "BARRIERFREE_MAIL_SECURITY"),
    ("BARRIERFREE_MAIL_SECURITY", "STARTTLS", "BARRIERFREE_MAIL_SECURITY"),
    ("BARRIERFREE_INSTANCE_PATH", "relative/instance", "BARRIERFREE_INSTANCE_PATH"),
    # Each of these was taken, and failed later or did something else than meant.
    ("BARRIERFREE_UPLOAD_DIR", "uploads", "UPLOAD_DIR must be an absolute path"),
    ("BARRIERFREE_SEARCH_INDEX_DIR", "./index", "SEARCH_INDEX_DIR must be an absolute path"),
    # Read from the folder each command started in: the server's and `flask`'s differed.
    ("BARRIERFREE_CONTENT_DIR", "content", "CONTENT_DIR must be an absolute path"),
    # Werkzeug read each at every request: a number failed them all with a bare 500, a text
    # or an empty list refused every host.
    ("BARRIERFREE_TRUSTED_HOSTS", "5", "TRUSTED_HOSTS must be a JSON list of host names"),
    ("BARRIERFREE_TRUSTED_HOSTS", "www.example.gov.cn", "TRUSTED_HOSTS must be a JSON list"),
    ("BARRIERFREE_TRUSTED_HOSTS", "[]", "TRUSTED_HOSTS must be a JSON list"),
    ("BARRIERFREE_TRUSTED_HOSTS", '["www.example.gov.cn", ""]', "TRUSTED_HOSTS must be a JSON"),
    ("BARRIERFREE_TRUSTED_HOSTS", "[5]", "TRUSTED_HOSTS must be a JSON list"),
    ("BARRIERFREE_MAIL_PORT", "99999", "MAIL_PORT must be a port number, 1 to 65535"),
    ("BARRIERFREE_MAIL_SENDER", "noreply", "BARRIERFREE_MAIL_SENDER must be an email address"),
    ("BARRIERFREE_MAIL_SENDER", "残联 <noreply>", "BARRIERFREE_MAIL_SENDER must be an email"),
    ("BARRIERFREE_MAIL_SENDER", "a@example.cn, b@example.cn", "BARRIERFREE_MAIL_SENDER"),
    # Read as the text "off", which is true: the cache stayed on.
    ("BARRIERFREE_PAGE_CACHE", "off", "PAGE_CACHE must be true or false"),
    ("BARRIERFREE_PAGE_CACHE", "2", "PAGE_CACHE must be true or false"),
    ("BARRIERFREE_TRUST_REQUEST_ID", "nginx", "TRUST_REQUEST_ID must be true or false"),
    # Without a proxy the header is the visitor's own.
    ("BARRIERFREE_TRUST_REQUEST_ID", "true", "BARRIERFREE_PROXY_HOPS is not set"),
    # Redis said so in a traceback of thirty lines.
    ("BARRIERFREE_CACHE_URL", "notaurl", "CACHE_URL must be a Redis server's URL"),
    ("BARRIERFREE_CACHE_URL", "http://x", "CACHE_URL must be a Redis server's URL"),
]


@pytest.mark.parametrize(
    "value, on",
    [("false", False), ("False", False), ("FALSE", False), ("0", False), (" no ", False),
     ("true", True), ("True", True), ("1", True), ("Yes", True)],
)  # fmt: skip
def test_on_and_off_are_read_in_any_case(monkeypatch, tmp_path, value, on):
    """BARRIERFREE_PAGE_CACHE=False was the text "False", which is true: the cache stayed on."""
    monkeypatch.setenv("BARRIERFREE_PAGE_CACHE", value)
    assert configured(tmp_path).config["PAGE_CACHE"] is on


@pytest.mark.parametrize(
    "url", ["redis://cache.example:6379/0", "rediss://:password@cache.example/1",
            "unix:///run/redis/redis.sock"],
)  # fmt: skip
def test_a_redis_url_is_taken(tmp_path, url):
    assert configured(tmp_path, CACHE_URL=url).config["CACHE_URL"] == url


def test_a_cache_url_is_refused_without_showing_its_password(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        configured(tmp_path, CACHE_URL="http://:hunter2@cache.example/0")
    assert "hunter2" not in str(refused.value)
    assert "not one beginning http://." in str(refused.value)


@pytest.mark.parametrize(
    "served",
    [
        {"SITE_URL": "https://www.example.gov.cn"},
        {"SQLALCHEMY_DATABASE_URI": "postgresql://site@db.example/barrierfree"},
    ],
)
def test_a_served_site_is_refused_a_short_secret_key(monkeypatch, tmp_path, served):
    """A key anyone can guess lets them sign a staff session of their own."""
    app = Flask("barrierfree", instance_path=str(tmp_path / "instance"))
    with pytest.raises(ConfigurationError, match="BARRIERFREE_SECRET_KEY is 1 characters long"):
        settings.configure(app, {"SECRET_KEY": "x", **served})
    key = "0123456789abcdef" * 2
    settings.configure(app, {"SECRET_KEY": key, **served})
    assert app.config["SECRET_KEY"] == key


def test_the_embedded_site_and_the_tests_may_have_a_short_secret_key(tmp_path):
    app = Flask("barrierfree", instance_path=str(tmp_path / "instance"))
    settings.configure(app, {"SECRET_KEY": "x"})
    assert configured(tmp_path, SECRET_KEY="x", SITE_URL="https://www.example.gov.cn")


def test_zero_is_taken_where_it_means_none(monkeypatch, tmp_path):
    """A retention of 0 days deletes a closed item's texts at once; no proxy in front."""
    monkeypatch.setenv("BARRIERFREE_FEEDBACK_RETENTION_DAYS", "0")
    monkeypatch.setenv("BARRIERFREE_PROXY_HOPS", "0")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["FEEDBACK_RETENTION_DAYS"] == app.config["PROXY_HOPS"] == 0


def test_mail_without_a_sender_is_refused(monkeypatch):
    monkeypatch.setenv("BARRIERFREE_SITE_URL", "https://www.example.gov.cn")
    monkeypatch.setenv("BARRIERFREE_MAIL_HOST", "smtp.example.gov.cn")
    with pytest.raises(ConfigurationError, match="BARRIERFREE_MAIL_SENDER"):
        create_app({"TESTING": True, "SECRET_KEY": "test-secret"})


@pytest.mark.parametrize("variable, value, named", BAD_SETTINGS)
def test_a_bad_setting_is_one_error_that_names_it(monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=named):
        create_app({"TESTING": True, "SECRET_KEY": "test-secret"})


def test_the_flask_command_says_what_is_wrong_in_one_line(tmp_path):
    environment = {**os.environ, "BARRIERFREE_PROXY_HOPS": "abc"}
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [flask, "--app", "barrierfree", "db", "upgrade"],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Error: BARRIERFREE_PROXY_HOPS must be a whole number, 0 or more, not 'abc'."
    )


def test_the_server_says_what_is_wrong_in_one_line(tmp_path):
    """Served as the README serves it: gunicorn loads the app before its workers."""
    environment = {**os.environ, "BARRIERFREE_SEARCH_BACKEND": "elastic"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    done = subprocess.run(
        [gunicorn, "--preload", "--workers", "1", "--bind", "127.0.0.1:0",
         "barrierfree:create_app()"],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: BARRIERFREE_SEARCH_BACKEND 'elastic' is none of whoosh, null, postgres."
    ]


def test_the_instance_folder_is_a_setting(monkeypatch, tmp_path):
    """An installed package kept its database, secret, uploads, backups and index inside
    its own installation."""
    instance = tmp_path / "var" / "barrierfree"
    monkeypatch.setenv("BARRIERFREE_INSTANCE_PATH", str(instance))
    app = create_app({"TESTING": True})
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'barrierfree.sqlite'}"
    assert app.config["UPLOAD_DIR"] == str(instance / "uploads")
    assert app.config["SEARCH_INDEX_DIR"] == str(instance / "search-index")
    assert (instance / "secret_key").exists()
    with app.app_context():
        from barrierfree.database import default_backup_path

        assert default_backup_path().parent == instance / "backups"


def test_without_the_setting_the_instance_folder_is_the_checkouts():
    from barrierfree import PROJECT_ROOT

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"})
    assert app.instance_path == str(PROJECT_ROOT / "instance")


def test_the_content_folder_is_an_absolute_path_by_default_or_as_set(monkeypatch, tmp_path):
    """The checkout's content/ (or the package's copy) as it was; an absolute folder as set."""
    from barrierfree import PROJECT_ROOT

    assert configured(tmp_path).config["CONTENT_DIR"] == str(PROJECT_ROOT / "content")
    monkeypatch.setenv("BARRIERFREE_CONTENT_DIR", str(tmp_path / "content"))
    assert configured(tmp_path).config["CONTENT_DIR"] == str(tmp_path / "content")


@pytest.mark.parametrize(
    "value", ['["www.example.gov.cn"]', '["www.example.gov.cn", ".example.gov.cn", "127.0.0.1"]']
)
def test_a_list_of_hosts_is_taken_and_answered(monkeypatch, tmp_path, value):
    """The hosts named are answered, any other is refused with 400, and neither fails."""
    from conftest import make_app

    monkeypatch.setenv("BARRIERFREE_TRUSTED_HOSTS", value)
    client = make_app(tmp_path / "site.sqlite").test_client()
    assert client.get("/robots.txt", base_url="http://www.example.gov.cn").status_code == 200
    assert client.get("/robots.txt", base_url="http://elsewhere.example").status_code == 400


POSTGRES = "postgresql://site@db.example/barrierfree"
WHOOSH_PER_SERVER = "SEARCH_BACKEND is whoosh on a PostgreSQL database"


@pytest.mark.parametrize("source", ["environment", "config"])
def test_whoosh_on_postgresql_is_taken_with_a_warning(monkeypatch, tmp_path, caplog, source):
    """Each server's Whoosh index sees only its own changes: said once as the site starts,
    never refused (one server with Whoosh on PostgreSQL is legitimate)."""
    if source == "environment":
        monkeypatch.setenv("BARRIERFREE_SEARCH_BACKEND", "whoosh")
        app = configured(tmp_path, DATABASE_URL=POSTGRES, SECRET_KEY="k" * 32)
    else:
        app = configured(
            tmp_path, DATABASE_URL=POSTGRES, SECRET_KEY="k" * 32, SEARCH_BACKEND="whoosh"
        )
    assert app.config["SEARCH_BACKEND"] == "whoosh"
    warnings = [record for record in caplog.records if WHOOSH_PER_SERVER in record.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert "share" in warnings[0].getMessage()


@pytest.mark.parametrize(
    "overrides",
    [
        {"DATABASE_URL": POSTGRES},  # PostgreSQL's own search, the default there
        {"DATABASE_URL": POSTGRES, "SEARCH_BACKEND": "postgres"},
        {"DATABASE_URL": POSTGRES, "SEARCH_BACKEND": "null"},
        {"SEARCH_BACKEND": "whoosh"},  # SQLite: one machine, one index
        {},
    ],
)
def test_no_warning_where_every_server_searches_one_index(tmp_path, caplog, overrides):
    configured(tmp_path, SECRET_KEY="k" * 32, **overrides)
    assert WHOOSH_PER_SERVER not in caplog.text
