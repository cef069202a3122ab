"""The Markdown sanitiser: nothing that runs survives, and ordinary Markdown still renders."""

import re

import pytest
from barrierfree.markdown import render
from conftest import parse

pytestmark = pytest.mark.no_database

PAYLOADS = {
    "script-tag": "<script>alert(1)</script>",
    "script-in-html-block": "<div>\n<script>alert(1)</script>\n</div>",
    "style-tag": "<style>body { display: none }</style>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)><circle r=10 /></svg>",
    "math-xlink": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "style-attribute": '<p style="position:fixed;inset:0;background:red">cover</p>',
    "hx-get-attribute": '<a hx-get="/staff/users/1/delete" hx-trigger="load">x</a>',
    "hx-on-attribute": '<div hx-on:click="alert(1)">x</div>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "form": '<form action="/staff/users/1/delete" method="post"><button>OK</button></form>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-tag": '<base href="https://evil.example/">',
    "raw-protocol-relative-link": '<a href="//evil.example">x</a>',
    "raw-javascript-link": '<a href="javascript:alert(1)">x</a>',
    "html-comment": "<!-- --><script>alert(1)</script><!-- -->",
    "markdown-javascript-link": "[x](javascript:alert(1))",
    "upper-case-javascript": "[x](JAVASCRIPT:alert(1))",
    "mixed-case-javascript": "[x](JaVaScRiPt:alert(1))",
    "tab-in-javascript": "[x](jav&#x09;ascript:alert(1))",
    "newline-in-javascript": "[x](java&#10;script:alert(1))",
    "entity-encoded-javascript": "[x](&#106;&#97;&#118;&#97;script:alert(1))",
    "named-entity-colon": "[x](javascript&colon;alert(1))",
    "space-before-javascript": "[x]( javascript:alert(1))",
    "javascript-autolink": "<javascript:alert(1)>",
    "javascript-reference-link": "[x][1]\n\n[1]: javascript:alert(1)",
    "vbscript-link": "[x](vbscript:msgbox(1))",
    "data-url-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "file-url-link": "[x](file:///etc/passwd)",
    "link-title-breakout": '[x](/a "\\" onmouseover=\\"alert(1)")',
    "javascript-image": "![x](javascript:alert(1))",
    "data-url-image": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "svg-data-url-image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "remote-image": "![x](https://evil.example/track.png)",
    "protocol-relative-image": "![x](//evil.example/track.png)",
    "backslash-image": "![x](/\\evil.example/track.png)",
    "image-alt-breakout": '![x" onerror="alert(1)](/static/img/ramp.png)',
    "image-title-breakout": '![x](/static/img/ramp.png "\\" onload=\\"alert(1)")',
    "link-inside-table": "| a |\n|---|\n| [x](javascript:alert(1)) |",
    "html-inside-table": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
}

SAFE_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "table",
    "thead", "tbody", "tr", "th", "td", "caption", "code", "pre", "hr", "abbr", "img",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto", "tel", "sms"}
URL_ATTRIBUTES = {"href", "src"}
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def scheme(url: str) -> str | None:
    """The scheme a browser reads in `url` (it drops tabs and newlines, and leading controls)."""
    url = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(33))))
    match = SCHEME.match(url.lower())
    return match.group(1) if match else None


def is_same_site(url: str) -> bool:
    """True for a path on this site: one slash, then no slash or backslash."""
    return url.startswith("/") and not url.startswith(("//", "/\\"))


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_render_keeps_only_safe_elements(payload):
    html = str(render(payload))
    elements = list(parse(html).iter())[1:]

    assert "<script" not in html.lower()
    assert {element.tag for element in elements} <= SAFE_TAGS


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_render_keeps_no_handlers_styles_or_htmx(payload):
    for element in parse(render(payload)).iter():
        for name in element.attrs:
            assert not name.startswith(("on", "hx-", "data-hx", "xlink")), (element.tag, name)
            assert name != "style", element.tag


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_render_keeps_only_safe_urls(payload):
    for element in parse(render(payload)).iter():
        for name in URL_ATTRIBUTES & element.attrs.keys():
            assert scheme(element.get(name)) in SAFE_SCHEMES | {None}, element.get(name)
            assert "javascript:" not in element.get(name).lower()


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_images_come_only_from_this_site_with_src_and_alt(payload):
    for image in parse(render(payload)).find_all("img"):
        assert set(image.attrs) == {"src", "alt"}
        assert is_same_site(image.get("src")), image.get("src")


@pytest.mark.parametrize(
    "payload",
    [PAYLOADS[name] for name in ("raw-protocol-relative-link", "raw-javascript-link", "form")],
)
def test_raw_html_is_shown_as_text_not_obeyed(payload):
    doc = parse(render(payload))
    assert doc.find("a") is None and doc.find("form") is None
    assert doc.find("p").text == payload


# --- Ordinary Markdown still renders -----------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    ["/services/living-allowance", "https://www.cdpf.org.cn/", "mailto:help@example.org"],
)
def test_links_render(href):
    link = parse(render(f"请看[困难残疾人生活补贴]({href})。")).find("a")
    assert (link.get("href"), link.text) == (href, "困难残疾人生活补贴")


def test_image_keeps_its_alt_and_nothing_else():
    image = parse(render('![区残联大楼入口的坡道](/static/img/ramp.png "入口")')).find("img")
    assert image.attrs == {"src": "/static/img/ramp.png", "alt": "区残联大楼入口的坡道"}


def test_image_alt_is_plain_text():
    image = parse(render("![**无障碍**坡道 `A` 区](/static/img/ramp.png)")).find("img")
    assert image.get("alt") == "无障碍坡道 A 区"


@pytest.mark.parametrize("title", ["decorative", "装饰", "Decorative", " DECORATIVE "])
def test_decorative_image_has_empty_alt_and_no_title(title):
    image = parse(render(f'![分隔线](/static/img/line.png "{title}")')).find("img")
    assert image.attrs == {"src": "/static/img/line.png", "alt": ""}


def test_image_without_alt_keeps_an_empty_alt_attribute():
    image = parse(render("![](/static/img/line.png)")).find("img")
    assert image.attrs == {"src": "/static/img/line.png", "alt": ""}


def test_image_inside_a_link_renders():
    link = parse(render("[![区残联](/static/img/logo.png)](/)")).find("a")
    assert link.get("href") == "/"
    assert link.find("img").attrs == {"src": "/static/img/logo.png", "alt": "区残联"}


def test_image_from_another_site_is_left_out_and_the_text_kept():
    doc = parse(render("入口：![坡道](https://example.org/ramp.png)。"))
    assert doc.find("img") is None
    assert doc.find("p").text == "入口：。"


def test_table_renders_with_column_headers():
    table = parse(render("| 指标 | 目标 |\n|:--|--:|\n| 覆盖率 | 100% |")).find("table")
    assert [(th.text, th.get("scope")) for th in table.find_all("th")] == [
        ("指标", "col"),
        ("目标", "col"),
    ]
    assert [td.text for td in table.find_all("td")] == ["覆盖率", "100%"]
