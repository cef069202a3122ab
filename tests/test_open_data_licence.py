"""The open data's licence on /data/: its short name is English letters, marked as English
on the Chinese page, so that a Chinese voice does not spell it in its own way."""

import pytest
from conftest import parse, text_outside_lang


@pytest.mark.parametrize("path", ["/data/", "/en/data/"])
def test_the_licence_s_short_name_is_marked_english(client, path):
    main = parse(client.get(path).data).find("main")
    assert "CC BY 4.0" in main.text
    assert "CC BY" not in text_outside_lang(main, "en")
    marked = [span for span in main.find_all(lang="en") if span.text == "CC BY 4.0"]
    assert len(marked) == 2, "in the sentence and in the link to the licence"
    link = main.find("a", href="https://creativecommons.org/licenses/by/4.0/deed.zh-hans")
    assert marked[1] in link.iter()
