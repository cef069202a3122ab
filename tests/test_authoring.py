"""Authoring checks: a draft's accessibility errors block publishing; warnings only advise."""

import re

import pytest
from barrierfree.database import db
from barrierfree.i18n import EN, ENVIRON_KEY
from barrierfree.staff.editing.authoring import Finding, check
from barrierfree.staff.models import MediaFile
from conftest import CJK

TITLE = "残疾人两项补贴申请指南"
SUMMARY = "困难残疾人生活补贴和重度残疾人护理补贴：谁可以申请，怎样申请。"


# Uploads the media library keeps during each test (`chinese`): the images of the bodies.
KEPT = ("ramp.png", "reader.png", "room.png", "line.png")


@pytest.fixture
def chinese(app):
    """A request to the Chinese site, so messages come in Chinese, with the KEPT uploads in
    the media library until it ends (never committed)."""
    with app.test_request_context():
        for name in KEPT:
            db.session.add(
                MediaFile(
                    name=name, original_name=name, mimetype="image/png", size=1, uploaded_by="t"
                )
            )
        db.session.flush()
        yield
        db.session.rollback()


@pytest.fixture
def english(app):
    """A request to the English site (/en/), so messages come in English."""
    with app.test_request_context("/", environ_overrides={ENVIRON_KEY: EN}):
        yield


def outcome(findings: list[Finding]) -> list[tuple[str, bool]]:
    """Each finding's field and whether it blocks publishing."""
    return [(finding.field, finding.blocking) for finding in findings]


def body_findings(body: str, lang: str = "zh") -> list[Finding]:
    """The findings for `body` in a draft whose title and summary are fine."""
    return check(TITLE, SUMMARY, body, lang=lang)


# --- Passing drafts --------------------------------------------------------------------------

CLEAN_BODIES = {
    "empty-body": "",
    "image-with-alt": "![区残联大楼入口的坡道](/media/ramp.png)",
    "alt-starting-with-图-in-a-word": "![图书馆盲人阅览室的读书机](/media/reader.png)",
    "alt-starting-with-image-in-a-word": "![Imagery of the new reading room](/media/room.png)",
    "decorative-image-en": '![](/media/line.png "decorative")',
    "decorative-image-zh": '![](/media/line.png "装饰")',
    "decorative-image-any-case": '![](/media/line.png "Decorative")',
    "headings-in-order": "## 申请条件\n\n### 需要的材料\n\n#### 身份证明",
    "headings-going-back-up": "## 申请条件\n\n### 需要的材料\n\n## 办理流程",
    "descriptive-link": "[困难残疾人生活补贴](/services/living-allowance)",
    "descriptive-link-with-更多": "[更多补贴政策](/services)",
    "external-link-with-name": "[中国残疾人联合会](https://www.cdpf.org.cn/)",
    "email-autolink": "请发邮件到 <help@example.org>。",
    "table-with-header": "| 指标 | 目标 |\n|--|--|\n| 覆盖率 | 100% |",
    "table-with-some-empty-header-cells": "| 指标 | |\n|--|--|\n| 覆盖率 | 100% |",
    "attachment-and-web-page-in-paragraph": (
        "[申请表（PDF）](/files/form.pdf)，或填写[网页版申请表](/services/living-allowance/apply)。"
    ),
    "attachment-and-web-page-in-list-item": (
        "- [申请表（Word）](/files/form.docx)，[网页版申请表](/services/apply)\n- 身份证"
    ),
    "attachment-with-other-formats-offered": (
        "[申请表](/files/form.pdf)\n\n如需其他格式（大字版、盲文），请致电区残联。"
    ),
    "attachment-with-accessible-format-offered-en": (
        "[Application form](/files/form.pdf)\n\nAsk us for an accessible format."
    ),
    "document-name-only-in-query-string": "[下载申请表](/download?file=form.pdf)",
    "sentences-at-the-limit": "字" * 50 + "。" + "字" * 50 + "；" + "字" * 50,
}


@pytest.mark.parametrize("body", CLEAN_BODIES.values(), ids=CLEAN_BODIES.keys())
def test_accessible_body_has_no_findings(chinese, body):
    assert body_findings(body) == []


def test_complete_accessible_draft_has_no_findings(chinese):
    body = "\n\n".join(
        [
            "## 申请条件",
            "持有残疾人证的本区户籍居民，可以申请。",
            "![区残联服务大厅的无障碍坡道](/media/ramp.png)",
            "### 需要的材料",
            "| 材料 | 份数 |\n|--|--|\n| 身份证 | 1 |",
            "- [申请表（PDF）](/files/form.pdf)，[网页版申请表](/services/apply)",
            '![](/media/line.png "装饰")',
            "## 办理地点",
            "[区政务服务大厅](/facilities/service-hall)",
        ]
    )
    assert check(TITLE, SUMMARY, body) == []


# --- Errors in the body ----------------------------------------------------------------------

BODY_ERRORS = {
    "image-without-alt": "![](/static/img/ramp.png)",
    "image-alt-only-spaces": "![  ](/static/img/ramp.png)",
    "image-alt-too-long": "![" + "入口坡道。" * 26 + "](/static/img/ramp.png)",
    "image-alt-file-name": "![IMG_0012.jpg](/static/img/ramp.png)",
    "image-alt-ends-in-extension": "![photo.png](/static/img/ramp.png)",
    "image-alt-camera-file-name": "![DSC01234](/static/img/ramp.png)",
    "image-alt-starts-with-图片": "![图片：入口坡道](/static/img/ramp.png)",
    "image-alt-starts-with-照片": "![照片 入口坡道](/static/img/ramp.png)",
    "image-alt-is-图": "![图](/static/img/ramp.png)",
    "image-alt-is-image": "![Image.](/static/img/ramp.png)",
    "image-alt-image-of": "![Image of the entrance ramp](/static/img/ramp.png)",
    "image-alt-photo-of": "![photo of the entrance ramp](/static/img/ramp.png)",
    "image-from-another-site": "![入口坡道](https://example.org/ramp.png)",
    "image-protocol-relative": "![入口坡道](//example.org/ramp.png)",
    "image-data-url": "![入口坡道](data:image/png;base64,iVBORw0KGgo=)",
    "decorative-title-not-exact": '![](/static/img/line.png "decorative line")',
    "heading-h1": "# 申请条件",
    "heading-setext-h1": "申请条件\n========",
    "heading-starts-at-h3": "### 申请条件",
    "heading-skips-a-level": "## 申请条件\n\n#### 身份证明",
    "heading-empty": "## 申请条件\n\n##\n\n正文。",
    "link-点击这里": "申请表请[点击这里](/services/apply)。",
    "link-更多-with-arrows": "[更多>>](/services)",
    "link-查看详情": "[查看详情](/services/apply)",
    "link-click-here": "[Click here](/services/apply)",
    "link-read-more": "[Read more…](/services/apply)",
    "link-here-in-code": "[`here`](/services/apply)",
    "link-bare-url": "[https://www.cdpf.org.cn/](https://www.cdpf.org.cn/)",
    "link-autolink": "<https://www.cdpf.org.cn/>",
    "link-www": "[www.cdpf.org.cn](https://www.cdpf.org.cn/)",
    "link-empty": "[](/services/apply)",
    "link-only-a-decorative-image": '[![](/media/line.png "装饰")](/)',
    "table-header-all-empty": "| | |\n|--|--|\n| 覆盖率 | 100% |",
    "attachment-pdf": "[申请表](/files/form.pdf)",
    "attachment-upper-case-with-query": "[申请表](/files/form.PDF?v=2)",
    "attachment-xlsx": "[2025年统计表](/files/report.xlsx)",
    "attachment-wps": "[申请表](/files/form.wps)",
    "attachment-zip": "[全部材料](/files/all.zip)",
    "attachment-web-page-in-other-list-item": (
        "- [申请表](/files/form.docx)\n- [网页版申请表](/services/apply)"
    ),
    "attachment-beside-external-page-only": (
        "[申请表](/files/form.pdf)，[残联网站](https://www.cdpf.org.cn/)"
    ),
}


# Addresses that are not an upload the media library keeps: on this site nothing makes sure
# a file is there, and another host's image the CSP blocks; each is refused as an image.
NOT_UPLOADS = [
    "/nope.png",
    "/media/sub/x.png",
    "/media/",
    "/static/nope.png",
    "nope.png",
    "//localhost/media/ramp.png",
    "http://localhost/media/ramp.png",
]


@pytest.mark.parametrize("src", NOT_UPLOADS)
def test_an_image_that_is_not_a_kept_upload_blocks_publishing(chinese, src):
    [finding] = body_findings(f"![残联大楼无障碍入口的坡道]({src})")
    assert finding.blocking and f"（{src}）" in finding.message
    assert "上传到媒体库" in finding.message


@pytest.mark.parametrize("src", ["/media/ramp.png", "/en/media/ramp.png"])
def test_an_image_the_media_library_keeps_passes(chinese, src):
    assert body_findings(f"![残联大楼无障碍入口的坡道]({src})", lang="en") == []


@pytest.mark.parametrize("body", BODY_ERRORS.values(), ids=BODY_ERRORS.keys())
def test_inaccessible_body_has_one_blocking_error(chinese, body):
    assert outcome(body_findings(body)) == [("body", True)]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("![入口坡道](/static/img/ramp.png) ![](/static/img/door.png)", "第2个图片"),
        ("![入口坡道](/static/img/ramp.png) ![](/static/img/door.png)", "/static/img/door.png"),
        ("![IMG_0012.jpg](/static/img/ramp.png)", "“IMG_0012.jpg”"),
        ("![入口坡道](https://example.org/ramp.png)", "https://example.org/ramp.png"),
        ("## 申请条件\n\n#### 身份证明", "“身份证明”"),
        ("## 申请条件\n\n#### 身份证明", "（###）"),
        ("# 申请条件", "“申请条件”"),
        ("[点击这里](/services/apply)", "“点击这里”（/services/apply）"),
        ("| | |\n|--|--|\n| 1 | 2 |\n\n| | |\n|--|--|\n| 3 | 4 |", "第2个表格"),
        ("[申请表](/files/form.pdf)", "“申请表”（/files/form.pdf）"),
        ("[申请表](/files/%E7%94%B3%E8%AF%B7.pdf)", "/files/申请.pdf"),
    ],
)
def test_error_says_where_the_problem_is(chinese, body, says):
    assert any(says in finding.message for finding in body_findings(body))


# The media page's snippet, pasted without describing the image, from either language's page.
UPLOADED = "/media/0123456789abcdef0123456789abcdef.png"
PLACEHOLDER_BODIES = {
    "chinese": f"![写清楚图片里有什么]({UPLOADED})",
    "english": f"![Say what the image shows]({UPLOADED})",
    "english-lower-case": f"![say what the image shows.]({UPLOADED})",
}


@pytest.mark.parametrize("body", PLACEHOLDER_BODIES.values(), ids=PLACEHOLDER_BODIES.keys())
def test_the_media_pages_placeholder_alt_text_blocks_publishing(chinese, body):
    findings = body_findings(body)
    assert outcome(findings) == [("body", True)]
    assert "上传页面的提示" in findings[0].message


def test_the_placeholder_alt_text_is_refused_on_the_english_site(english):
    [finding] = body_findings(PLACEHOLDER_BODIES["chinese"], lang="en")
    assert finding.blocking and "写清楚图片里有什么" in finding.message
    assert "upload page" in finding.message


def test_each_attachment_without_a_web_page_is_reported(chinese):
    body = "[申请表（PDF）](/files/form.pdf)，[申请表（Word）](/files/form.docx)"
    assert outcome(body_findings(body)) == [("body", True)] * 2


def test_every_problem_is_reported(chinese):
    body = "# 总则\n\n![](/a.png) ![图片](/b.png)\n\n#### 材料\n\n[更多](/x) [详情](/y)"
    assert outcome(body_findings(body)) == [("body", True)] * 6


# --- Title and summary -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "summary", "field"),
    [
        ("", SUMMARY, "title"),
        ("   ", SUMMARY, "title"),
        ("补" * 61, SUMMARY, "title"),
        (TITLE, "", "summary"),
        (TITLE, "\n", "summary"),
        (TITLE, "补" * 161, "summary"),
    ],
    ids=["no-title", "blank-title", "long-title", "no-summary", "blank-summary", "long-summary"],
)
def test_missing_or_long_title_and_summary_block(chinese, title, summary, field):
    assert outcome(check(title, summary, "")) == [(field, True)]


@pytest.mark.parametrize(
    ("title", "summary"),
    [("补" * 60, SUMMARY), (TITLE, "补" * 160), (" " + "补" * 60 + " ", SUMMARY)],
    ids=["title-at-limit", "summary-at-limit", "spaces-around-do-not-count"],
)
def test_title_and_summary_within_limits_pass(chinese, title, summary):
    assert check(title, summary, "") == []


def test_long_title_message_gives_the_count_and_limit(chinese):
    [finding] = check("补" * 61, SUMMARY, "")
    assert "61" in finding.message and "60" in finding.message


# --- Warnings --------------------------------------------------------------------------------

LONG_ENGLISH_SENTENCE = " ".join(["word"] * 26) + "."
SHORT_ENGLISH_SENTENCE = " ".join(["word"] * 20) + "."

WARNINGS = {
    "long-chinese-sentence": ("字" * 51 + "。", "zh"),
    "long-chinese-sentence-in-list": ("- " + "字" * 51, "zh"),
    "long-chinese-paragraph": (("字" * 45 + "。") * 5, "zh"),
    "long-english-sentence": (LONG_ENGLISH_SENTENCE, "en"),
    "long-english-paragraph": (" ".join([SHORT_ENGLISH_SENTENCE] * 7), "en"),
}


@pytest.mark.parametrize(("body", "lang"), WARNINGS.values(), ids=WARNINGS.keys())
def test_long_text_warns_without_blocking(chinese, body, lang):
    assert outcome(body_findings(body, lang)) == [("body", False)]


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("字" * 50 + "！" + "字" * 50 + "？", "zh"),
        ("字" * 40 + "\n" + "字" * 40, "zh"),
        (("字" * 40 + "。") * 4, "zh"),
        (" ".join(["word"] * 25) + ".", "en"),
        (" ".join([SHORT_ENGLISH_SENTENCE] * 6), "en"),
    ],
    ids=["zh-sentences", "zh-lines", "zh-paragraph", "en-sentence", "en-paragraph"],
)
def test_text_within_limits_does_not_warn(chinese, body, lang):
    assert body_findings(body, lang) == []


def test_warning_quotes_the_start_of_the_sentence(chinese):
    [finding] = body_findings("申请" * 30 + "。")
    assert "“申请申请申请申请申请申请申请申…”" in finding.message


# --- English ---------------------------------------------------------------------------------

ENGLISH_DRAFTS = {
    "title-summary-images": ("", "", "![](/a.png) ![photo.png](/b.png) ![Image](/c.png)", "en"),
    "long-title-summary-headings": ("T" * 61, "S" * 161, "# Title\n\n#### Skipped\n\n##\n", "en"),
    "remote-image-and-links": (
        "Title",
        "Summary",
        "![Ramp](https://example.org/r.png) [here](/x) <https://example.org/> [](/y)",
        "en",
    ),
    "table-attachment-long-sentence": (
        "Title",
        "Summary",
        "| | |\n|--|--|\n| a | b |\n\n[Form](/form.pdf) " + LONG_ENGLISH_SENTENCE,
        "en",
    ),
    "chinese-text-checked-on-english-site": ("Title", "Summary", ("字" * 51 + "。") * 5, "zh"),
}
QUOTED = re.compile(r"“[^”]*”")


@pytest.mark.parametrize(
    ("title", "summary", "body", "lang"), ENGLISH_DRAFTS.values(), ids=ENGLISH_DRAFTS.keys()
)
def test_messages_are_english_on_the_english_site(english, title, summary, body, lang):
    findings = check(title, summary, body, lang=lang)
    assert findings
    for finding in findings:
        assert not CJK.search(QUOTED.sub("", finding.message)), finding.message


def test_english_message_quotes_the_offending_text(english):
    [finding] = body_findings("[Click here](/services/apply)", lang="en")
    assert finding.message.startswith("The link text “Click here” (/services/apply)")
