"""The tests' own parse(): a text parsed once and shared, so no test may change what it
parsed; text_leaving_out reads a part of a page as if another part were removed."""

import copy

import pytest
from conftest import parse, text_leaving_out

pytestmark = pytest.mark.no_database

PAGE = (
    '<main><p id="banner">预览 <a href="/x">返回</a></p>'
    '<p>正文 <b aria-hidden="true">&gt;</b>96</p></main>'
)


def test_the_same_text_is_parsed_once_as_text_or_bytes():
    assert parse(PAGE) is parse(PAGE.encode())
    assert parse(PAGE) is not parse(PAGE + " ")


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc.find(id="banner").decompose(),
        lambda doc: doc.find(id="banner").extract(),
        lambda doc: doc.find("b").replace_with("x"),
        lambda doc: doc.find("main").append(doc.new_tag("p")),
        lambda doc: doc.find("a").unwrap(),
        lambda doc: doc.find("b").clear(),
        lambda doc: doc.find("a").__setitem__("href", "/y"),
        lambda doc: doc.find("b").__delitem__("aria-hidden"),
    ],
    ids=["decompose", "extract", "replace_with", "append", "unwrap", "clear", "set", "delete"],
)
def test_a_parsed_document_refuses_every_change(change):
    doc = parse(PAGE)
    with pytest.raises(TypeError, match="would change a parsed document"):
        change(doc)
    assert str(doc) == PAGE  # nothing changed


def test_a_copy_may_be_changed():
    main = copy.copy(parse(PAGE).find("main"))
    main.find(id="banner").decompose()
    assert main.text == "正文 >96"
    assert parse(PAGE).find(id="banner") is not None


def test_text_leaving_out_is_the_text_as_if_the_parts_were_removed():
    main = parse(PAGE).find("main")
    banner = main.find(id="banner")
    assert text_leaving_out(main, lambda element: element is banner) == "正文 >96"
    hidden = lambda element: element.get("aria-hidden") == "true"  # noqa: E731
    assert text_leaving_out(main, hidden) == "预览 返回正文 96"
    assert text_leaving_out(main, lambda element: False) == main.get_text()
