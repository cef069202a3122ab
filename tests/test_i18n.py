"""The interface's words in templates: translated as Jinja's i18n extension would, in the
request's language or in the one the site forces for mail and search documents."""

import ast
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from barrierfree import PROJECT_ROOT, i18n
from barrierfree.feedback.spec import BODY_HINT
from flask import render_template_string
from flask_babel import lazy_gettext
from markupsafe import Markup

ENGLISH = {i18n.ENVIRON_KEY: i18n.EN}
PLACES = "找到%(num)d个场所"


def rendered(app, source: str, environ: dict | None = None, **context) -> str:
    with app.test_request_context("/", environ_overrides=environ or {}):
        return render_template_string(source, **context)


@pytest.mark.parametrize(
    ("source", "chinese", "english"),
    [
        ("{{ _('首页') }}", "首页", "Home"),
        ("{{ gettext('首页') }}", "首页", "Home"),
        ("{% trans %}首页{% endtrans %}", "首页", "Home"),
        ("{{ ngettext(PLACES, PLACES, 1) }}", "找到1个场所", "1 place found"),
        ("{{ ngettext(PLACES, PLACES, 3) }}", "找到3个场所", "3 places found"),
        ("{{ pgettext('contact channel', '联系方式') }}", "联系方式", "How to get in touch"),
    ],
)
def test_templates_speak_the_request_language(i18n_app, source, chinese, english):
    assert rendered(i18n_app, source, PLACES=PLACES) == chinese
    assert rendered(i18n_app, source, ENGLISH, PLACES=PLACES) == english


def test_a_count_is_written_as_the_reader_s_language_writes_numbers(i18n_app):
    """2,000 on an English page, 2000 on a Chinese one; in a lazy message too, written in
    the language it is read in, and an int still wherever it is used as one."""
    source = "{{ _('最多 %(n)s 个字。', n=number(2000)) }}"
    assert rendered(i18n_app, source) == "最多 2000 个字。"
    assert rendered(i18n_app, source, ENGLISH) == "At most 2,000 characters."
    hint = "{{ hint }}"
    assert "最多 2000 个字" in rendered(i18n_app, hint, hint=BODY_HINT)
    assert "At most 2,000 characters" in rendered(i18n_app, hint, ENGLISH, hint=BODY_HINT)
    assert i18n.Number(2000) + 1 == 2001 and f"{i18n.Number(2000)}" == "2000"


def test_a_forced_language_wins_over_the_request_and_ends_with_its_block(i18n_app):
    with i18n_app.test_request_context("/"):
        with i18n.force_locale(i18n.EN):
            assert i18n.is_english()
            assert render_template_string("{{ _('首页') }}") == "Home"
        assert not i18n.is_english()
        assert render_template_string("{{ _('首页') }}") == "首页"


def test_values_are_escaped_and_a_string_without_values_is_still_a_format(i18n_app):
    assert rendered(i18n_app, "{{ _('%(x)s', x=v) }}", v="<b>") == "&lt;b&gt;"
    assert rendered(i18n_app, "{{ _('%(x)s', x=v) }}", v=Markup("<b>")) == "<b>"
    assert rendered(i18n_app, "{{ _('100%%') }}") == "100%"
    unescaped = "{% autoescape false %}{{ _('%(x)s', x='<b>') }}{% endautoescape %}"
    assert rendered(i18n_app, unescaped) == "<b>"


def test_the_site_forces_a_language_only_through_its_own_helper():
    """flask-babel's force_locale would not reach `i18n.current_locale`, which templates'
    words and every `is_english()` read."""
    offenders = []
    for path in (PROJECT_ROOT / "site").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                if any(alias.name == "force_locale" for alias in node.names):
                    offenders.append(str(Path(path).relative_to(PROJECT_ROOT)))
    assert offenders == []


def test_a_moment_is_written_as_the_site_writes_dates_with_its_time(i18n_app):
    """The status page wrote 2026-12-06 07:37, the back office's form, beside dates written
    out everywhere else."""
    moment = datetime(2026, 12, 6, 7, 37, tzinfo=ZoneInfo("Asia/Shanghai"))
    source = "{{ moment | date_time }}"
    assert rendered(i18n_app, source, moment=moment) == (
        '<time datetime="2026-12-06T07:37+08:00">2026年12月6日 07:37</time>'
    )
    assert rendered(i18n_app, source, ENGLISH, moment=moment) == (
        '<time datetime="2026-12-06T07:37+08:00">6 December 2026, 07:37</time>'
    )
    assert rendered(i18n_app, "{{ day | date_text }}", ENGLISH, day=moment.date()) in (
        rendered(i18n_app, source, ENGLISH, moment=moment)
    )


@pytest.mark.parametrize(
    ("names", "chinese", "english"),
    [
        (["手语服务", "安静休息室"], "手语服务、安静休息室", "Sign language service, quiet room"),
        (
            ["手语服务", "盲文、大字或有声资料", "安静休息室"],
            "手语服务；盲文、大字或有声资料；安静休息室",
            "Sign language service; braille, large-print or audio material; quiet room",
        ),
    ],
)
def test_a_list_whose_item_holds_the_separator_is_set_apart_with_semicolons(
    i18n_app, names, chinese, english
):
    """A list read "…手语服务、盲文、大字或有声资料、安静休息室": the items ran together."""
    labels = [lazy_gettext(name) for name in names]  # as features.py names them
    assert rendered(i18n_app, "{{ labels | inline_list }}", labels=labels) == chinese
    assert rendered(i18n_app, "{{ labels | inline_list }}", ENGLISH, labels=labels) == english


def test_alternatives_whose_item_holds_the_separator_are_set_apart_too(i18n_app):
    names = ["手语服务", "盲文、大字或有声资料", "安静休息室"]
    assert rendered(i18n_app, "{{ names | or_list }}", names=names) == (
        "手语服务；盲文、大字或有声资料或安静休息室"
    )
