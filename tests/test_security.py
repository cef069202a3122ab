"""Protective headers on every response, and pages that need no inline script or style."""

import json
import os
import stat

import pytest
from barrierfree.settings import _instance_secret
from conftest import parse

REQUIRED_CSP = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
]

HTMX = {"HX-Request": "true"}
REQUESTS = {
    "home": ("GET", "/", {}),
    "english-home": ("GET", "/en/", {}),
    "service": ("GET", "/services/living-allowance", {}),
    "plan": ("GET", "/plan/", {}),
    "sitemap-xml": ("GET", "/sitemap.xml", {}),
    "not-found": ("GET", "/no-such-page", {}),
    "method-not-allowed": ("GET", "/display", {}),
    "display-post": ("POST", "/display", {}),
    "display-post-htmx": ("POST", "/display", HTMX),
    "htmx-script": ("GET", "/assets/htmx.min.js", {}),
    "stylesheet": ("GET", "/static/css/site.css", {}),
}


@pytest.fixture(params=REQUESTS.values(), ids=REQUESTS.keys())
def response(client, request):
    """The response to one kind of request, closed after the test."""
    method, path, headers = request.param
    with client.open(path, method=method, headers=headers) as response:
        yield response


def csp_directives(response) -> list[str]:
    """The Content-Security-Policy's directives, white space normalised."""
    policy = response.headers.get("Content-Security-Policy", "")
    return [" ".join(part.split()) for part in policy.split(";") if part.strip()]


def test_content_security_policy_is_strict(response):
    directives = csp_directives(response)
    assert [d for d in REQUIRED_CSP if d not in directives] == []
    assert not any("'unsafe-inline'" in d or "'unsafe-eval'" in d for d in directives)


def test_content_type_sniffing_is_off(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_referrer_policy(response):
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_hsts_over_plain_http(response):
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/no-such-page"], ids=["page", "not-found"])
def test_hsts_over_https(client, path):
    response = client.get(path, base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600


def executable_scripts(page) -> list:
    """The page's script elements except JSON-LD data blocks, which are never run."""
    return [s for s in page.doc.find_all("script") if s.get("type") != "application/ld+json"]


def test_no_inline_script_in_any_page(site_pages):
    inline = [
        path
        for path, page in site_pages.items()
        if any(not script.get("src") for script in executable_scripts(page))
    ]
    assert inline == []


def test_no_style_attributes_in_any_page(site_pages):
    styled = [path for path, page in site_pages.items() if page.doc.find_all(style=True)]
    assert styled == []


def test_no_event_handler_attributes_in_any_page(site_pages):
    def handlers(page):
        return [
            name for element in page.doc.iter() for name in element.attrs if name.startswith("on")
        ]

    assert {path: handlers(page) for path, page in site_pages.items() if handlers(page)} == {}


def test_htmx_config_turns_off_eval_and_inline_indicator_styles(client):
    meta = parse(client.get("/").data).find("meta", name="htmx-config")
    config = json.loads(meta.get("content"))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False


def test_scripts_come_only_from_the_site(site_pages):
    sources = {
        script.get("src") for page in site_pages.values() for script in executable_scripts(page)
    }
    assert all(src.startswith("/") and not src.startswith("//") for src in sources)


@pytest.mark.no_database
def test_the_instance_secret_is_readable_by_its_owner_only_from_the_start(tmp_path):
    """It was written, then made private: for a moment any user could read it."""
    previous = os.umask(0o022)
    try:
        secret = _instance_secret(tmp_path / "secret_key")
    finally:
        os.umask(previous)
    assert len(secret) == 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert _instance_secret(tmp_path / "secret_key") == secret  # kept, not made again
