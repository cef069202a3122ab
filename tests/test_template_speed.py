"""What pages compute once instead of at every use keeps every answer they gave: links
built by templates' `url_for` (remembered per process) and the request's language."""

import pytest
from barrierfree import i18n, settings
from flask import Flask, render_template_string

LINKS = (
    "{{ url_for('home') }} {{ url_for('item', slug=slug) }}"
    " {{ url_for('item', slug=slug, page=2) }}"
)


@pytest.fixture
def linked_app(tmp_path):
    """An app with the site's languages and two routes, one in a blueprint."""
    app = Flask("barrierfree", instance_path=str(tmp_path))
    settings.configure(app, {"TESTING": True, "SECRET_KEY": "test-secret"})
    i18n.init_app(app)
    app.add_url_rule("/", "home", lambda: "")
    app.add_url_rule("/items/<slug>", "item", lambda slug: slug)
    return app


def links(app, path: str = "/", source: str = LINKS, **environ) -> str:
    with app.test_request_context(path, environ_overrides=environ):
        return render_template_string(source, slug="甲 b")


def test_links_keep_the_language_and_the_mount_point_each_time(linked_app):
    for _again in range(2):  # the second time from what the first remembered
        assert links(linked_app) == "/ /items/%E7%94%B2%20b /items/%E7%94%B2%20b?page=2"
        assert links(linked_app, SCRIPT_NAME="/en") == (
            "/en/ /en/items/%E7%94%B2%20b /en/items/%E7%94%B2%20b?page=2"
        )
        assert links(linked_app, SCRIPT_NAME="/site/en").startswith("/site/en/ /site/en/items/")


def test_links_as_url_for_builds_them_when_not_remembered(linked_app):
    source = (
        "{{ url_for('item', slug='a', _anchor='x y') }} {{ url_for('home', _external=True) }} "
        "{{ url_for('item', slug=slug, page=none) }} {{ url_for('item', slug=slug, on=true) }}"
    )
    for _again in range(2):
        assert links(linked_app, source=source) == (
            "/items/a#x%20y http://localhost/ /items/%E7%94%B2%20b /items/%E7%94%B2%20b?on=True"
        )


def test_links_past_the_ceiling_are_built_every_time(linked_app, monkeypatch):
    monkeypatch.setattr(i18n, "URLS_KEPT", 1)
    for _again in range(2):
        assert links(linked_app) == "/ /items/%E7%94%B2%20b /items/%E7%94%B2%20b?page=2"
        assert links(linked_app, SCRIPT_NAME="/en").startswith("/en/ /en/items/")


def test_the_language_outside_a_request_in_one_and_forced(linked_app):
    assert i18n.select_locale() == i18n.ZH
    with linked_app.test_request_context("/", environ_overrides={i18n.ENVIRON_KEY: i18n.EN}):
        assert i18n.select_locale() == i18n.EN
        assert i18n.current_locale() == i18n.EN
        with i18n.force_locale(i18n.ZH):
            assert i18n.current_locale() == i18n.ZH
        assert i18n.current_locale() == i18n.EN
    with linked_app.test_request_context("/"):
        assert i18n.current_locale() == i18n.ZH


# components/localized.html's macro as it was, which `i18n.localized_element` replaces.
LOCALIZED_MACRO = """{% macro localized_text(params) %}
{%- set text, lang = localized(params.item, params.field) %}
{%- set tag = params.tag or "span" %}
<{{ tag }}{% if params.classes %} class="{{ params.classes }}"{% endif %}
{%- if lang %} lang="{{ lang }}"{% endif %}>
{{- text if lang else text | mark_chinese -}}
</{{ tag }}>
{%- endmacro %}"""


class Item:
    def __init__(self, name, name_en=None):
        self.name, self.name_en = name, name_en


@pytest.mark.parametrize(
    "params",
    [
        {"item": Item("康复<服务>", "Rehabilitation & 康复"), "field": "name"},
        {"item": Item("康复服务"), "field": "name", "tag": "p", "classes": 'a "b"'},
        {"item": Item("康复服务", ""), "field": "name", "tag": "h2"},
        {"item": Item(None), "field": "name"},
    ],
)
@pytest.mark.parametrize("environ", [{}, {i18n.ENVIRON_KEY: i18n.EN}])
def test_a_localized_text_is_what_the_macro_wrote(linked_app, params, environ):
    with linked_app.test_request_context("/", environ_overrides=environ):
        as_macro = render_template_string(
            LOCALIZED_MACRO + "[{{ localized_text(params) }}]", params=params
        )
        as_component = render_template_string(
            '{% from "components/localized.html" import localized_text %}'
            "[{{ localized_text(params) }}]",
            params=params,
        )
    assert as_component == as_macro
