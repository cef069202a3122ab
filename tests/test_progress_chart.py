"""An indicator's progress picture: bars on one scale from the printed figures, and the
same in words."""

from types import SimpleNamespace

import pytest
from barrierfree.plan.progress import number, progress
from conftest import parse


def indicator(**figures):
    values = {"value_2020": ">90", "target_2025": ">95", "current_value": None, "unit": "%"}
    return SimpleNamespace(**{**values, **figures, "unit_en": None})


@pytest.mark.parametrize(
    "figure, expected",
    [("95", 95.0), (">96", 96.0), ("≥3.5", 3.5), ("—", None), (None, None), ("约90", None)],
)
def test_a_printed_figure_gives_its_number(figure, expected):
    assert number(figure) == expected


def test_percentages_are_drawn_on_a_scale_of_100_and_said_in_words(i18n_app):
    with i18n_app.test_request_context():
        drawn = progress(indicator())
    assert [bar.kind for bar in drawn.bars] == ["baseline", "latest", "target"]
    assert [bar.share for bar in drawn.bars] == [0.9, None, 0.95]
    assert drawn.text == "2020年：高于90%，最新：还没有公布，2025年目标：高于95%"


def test_counts_are_drawn_against_the_largest_figure(i18n_app):
    with i18n_app.test_request_context():
        drawn = progress(
            indicator(value_2020="1000", target_2025="2000", current_value="1500", unit="人")
        )
    shares = [round(bar.share, 3) for bar in drawn.bars]
    assert shares == [round(1000 / 2200, 3), round(1500 / 2200, 3), round(2000 / 2200, 3)]
    assert "最新：1500人" in drawn.text


def test_a_figure_the_plan_does_not_give_is_said_so(i18n_app):
    with i18n_app.test_request_context():
        drawn = progress(indicator(value_2020=None, target_2025=">300", unit="人次"))
    assert drawn.text == "2020年：规划里没有这个数字，最新：还没有公布，2025年目标：高于300人次"


def test_an_english_unit_in_words_is_set_off_by_a_space(i18n_app):
    from barrierfree.i18n import force_locale

    with i18n_app.test_request_context("/en/"), force_locale("en"):
        drawn = progress(
            SimpleNamespace(value_2020=None, target_2025=">300", current_value="120",
                            unit="人次", unit_en="person-times")
        )  # fmt: skip
    assert drawn.text == (
        "2020: no figure in the plan, latest: 120 person-times, 2025 target: above 300 person-times"
    )


def test_the_english_picture_speaks_english(i18n_app):
    with i18n_app.test_request_context("/", headers={"Accept-Language": "en"}):
        from barrierfree.i18n import force_locale

        with force_locale("en"):
            drawn = progress(indicator())
    assert drawn.text == "2020: above 90%, latest: not published yet, 2025 target: above 95%"


def test_the_picture_is_hidden_and_its_caption_says_it_in_words(app):
    with app.test_request_context():
        from flask import render_template_string

        html = render_template_string(
            '{% from "components/progress_chart.html" import progress_chart %}'
            "{{ progress_chart({'progress': drawn, 'name': '覆盖率'}) }}",
            drawn=progress(indicator(current_value="93")),
        )
    figure = parse(html).find("figure")
    picture = figure.find("div", class_="progress-chart__picture")
    assert picture["aria-hidden"] == "true"
    assert all(svg["focusable"] == "false" for svg in picture.find_all("svg"))
    bars = [rect for rect in picture.find_all("rect") if "progress-chart__bar--" in rect["class"]]
    assert [bar["width"] for bar in bars] == ["90.0", "93.0", "95.0"]
    # the words are text of the page, so they grow with large text and wrap
    labels = [span.text for span in picture.find_all("span", class_="progress-chart__label")]
    assert labels == ["2020年", "最新", "2025年目标"]
    caption = "覆盖率：2020年：高于90%，最新：93%，2025年目标：高于95%"
    assert figure.find("figcaption").text == caption


@pytest.mark.parametrize("path", ["/plan/indicators", "/en/plan/indicators"])
def test_the_indicators_page_draws_each_indicator_and_links_the_downloads(client, path):
    main = parse(client.get(path).data).find("main")
    figures = main.find_all("figure", class_="progress-chart")
    assert len(figures) == 11
    assert all(figure.find("div")["aria-hidden"] == "true" for figure in figures)
    assert all(figure.find("figcaption").text for figure in figures)
    assert {"/data/indicators.csv", "/data/indicators.json"} <= {
        href.removeprefix("/en") for href in main.hrefs
    }
