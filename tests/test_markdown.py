"""The markdown filter: authored text becomes safe HTML that keeps its structure."""

import pytest
from barrierfree.i18n import EN, ENVIRON_KEY
from barrierfree.markdown import render
from conftest import parse

pytestmark = pytest.mark.no_database

XSS = {
    "script-tag": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)></svg>",
    "style-attribute": '<p style="position:fixed;top:0">cover</p>',
    "htmx-attribute": '<a hx-get="/display" hx-trigger="load">x</a>',
    "raw-javascript-link": '<a href="javascript:alert(1)">x</a>',
    "markdown-javascript-link": "[x](javascript:alert(1))",
    "mixed-case-javascript": "[x](JaVaScRiPt:alert(1))",
    "entity-encoded-javascript": "[x](&#106;avascript:alert(1))",
    "data-url": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript-url": "[x](vbscript:msgbox(1))",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "javascript-image": "![x](javascript:alert(1))",
    "link-inside-table": "| a |\n|---|\n| [x](javascript:alert(1)) |",
}

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")


def elements(html: str):
    """Every element the rendered HTML contains."""
    return list(parse(html).iter())[1:]


@pytest.mark.parametrize("payload", XSS.values(), ids=XSS.keys())
def test_render_removes_scripts_handlers_styles_htmx_and_unsafe_urls(payload):
    rendered = elements(render(payload))

    assert not [e.tag for e in rendered if e.tag in ("script", "iframe", "svg", "img", "style")]
    for element in rendered:
        for name, value in element.attrs.items():
            assert not name.startswith(("on", "hx-", "data-hx")), name
            assert name != "style"
            assert not (value or "").strip().lower().startswith(UNSAFE_SCHEMES), value


def test_render_of_nothing_is_empty():
    assert render(None) == "" and render("") == ""


def test_render_returns_markup_safe_to_insert():
    assert hasattr(render("x"), "__html__")


def test_render_keeps_headings():
    doc = parse(render("## 申请条件\n\n### 需要的材料"))
    assert [(h.tag, h.text) for h in doc.iter() if h.tag in ("h2", "h3")] == [
        ("h2", "申请条件"),
        ("h3", "需要的材料"),
    ]


def test_render_keeps_lists():
    doc = parse(render("- 身份证\n- 残疾人证\n\n1. 申请\n2. 审核"))
    assert [li.text for li in doc.find("ul").find_all("li")] == ["身份证", "残疾人证"]
    assert [li.text for li in doc.find("ol").find_all("li")] == ["申请", "审核"]


def test_render_keeps_tables_with_header_cells():
    doc = parse(render("| 指标 | 目标 |\n|:--|--:|\n| 覆盖率 | 100 |"))
    table = doc.find("table")
    assert [th.text for th in table.find_all("th")] == ["指标", "目标"]
    assert [td.text for td in table.find_all("td")] == ["覆盖率", "100"]


@pytest.mark.parametrize(
    "href",
    ["https://www.gov.cn/", "http://example.org/a?b=1", "mailto:help@example.org", "tel:12345"],
    ids=["https", "http", "mailto", "tel"],
)
def test_render_keeps_links_with_href(href):
    link = parse(render(f"[区残联]({href})")).find("a")
    assert link.get("href") == href
    assert link.text == "区残联"


def test_the_same_text_is_marked_for_the_language_of_each_page(i18n_app):
    """Rendered once and kept, the text is still marked by the page it goes into."""
    text = "Apply at the 区残联 office, in English words."
    with i18n_app.test_request_context("/"):
        assert 'lang="zh-CN"' not in render(text, "en")
    with i18n_app.test_request_context("/", environ_overrides={ENVIRON_KEY: EN}):
        assert '<span lang="zh-CN">区残联</span>' in render(text, "en")
