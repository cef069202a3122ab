"""The search engine alone (search/): analysis, synonyms, ranking, safety, index upkeep.

No Flask here: documents are made by hand, modelled on content/services/*.yaml.
"""

import html
import multiprocessing
import re
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.writing import SegmentWriter

import search
from search import Document, IndexBusy, IndexUnavailable, Results, SearchIndex, pinyin, vocabulary
from search.analysis import analyzer, query_words, stem_of
from search.index import _ClosingStorage, document_fields
from search.query import MAX_WORDS, clean_query, searched_words
from search.results import SEPARATORS, Marks, snippet
from search.suggest import near_terms, suggest
from search.synonyms import load_groups, parse_line
from search.vocabulary import TitleWords

pytestmark = pytest.mark.no_database

DOCUMENTS = [
    Document(
        id="service:assistive-devices",
        kind="service",
        language="zh",
        title="辅助器具适配",
        summary="依照省市残疾人基本型辅助器具适配办法，为残疾人适配安全适用的基本型辅助器具。",
        body="推广安全适用的基本型辅助器具，提升配置服务能力。鼓励实施公益性康复辅助器具适配项目。",
        url="/services/assistive-devices",
        departments=["disabled-persons-federation", "civil-affairs-bureau"],
        categories=["rehabilitation"],
        disability_categories=["physical", "visual", "hearing"],
    ),
    Document(
        id="service:living-allowance",
        kind="service",
        language="zh",
        title="困难残疾人生活补贴",
        summary="给生活困难的残疾人发放的生活补贴。规划要求符合条件的困难残疾人全部覆盖。",
        body="发放困难残疾人生活补贴。落实补贴标准动态调整机制。",
        url="/services/living-allowance",
        departments=["civil-affairs-bureau"],
        categories=["social-security"],
    ),
    Document(
        id="service:subsistence-allowance",
        kind="service",
        language="zh",
        title="最低生活保障（低保）",
        summary="符合条件的残疾人家庭全部纳入最低生活保障。",
        body="符合条件的残疾人家庭，全部纳入最低生活保障范围。经本人申请，可以参照单人户纳入。",
        url="/services/subsistence-allowance",
        departments=["civil-affairs-bureau"],
        categories=["social-security"],
    ),
    Document(
        id="service:disability-certificate",
        kind="service",
        language="zh",
        title="残疾评定和残疾人证（电子证照）",
        summary="严格规范残疾评定和残疾人证核发管理，全面推行残疾人证电子证照。",
        body="开展持证残疾人基本状况调查工作，实现动态更新常态化。",
        url="/services/disability-certificate",
        departments=["disabled-persons-federation"],
        categories=["rights-legal"],
    ),
    Document(
        id="service:employment-assistance",
        kind="service",
        language="zh",
        title="就业服务和就业援助（含高校残疾人毕业生就业服务）",
        summary="残疾人就业服务机构和公共就业服务平台为残疾人提供就业服务。",
        body="将符合条件的就业困难残疾人纳入就业援助范围。",
        url="/services/employment-assistance",
        departments=["human-resources-social-security-bureau"],
        categories=["employment"],
    ),
    Document(
        id="service:sign-language-video-service",
        kind="service",
        language="zh",
        title="听力言语残疾人视频手语服务平台",
        summary="为听力、言语残疾人提供远程视频手语翻译，做好政策咨询等服务。",
        body="政府新闻发布会配备同步速录字幕、通用手语翻译。",
        url="/services/sign-language-video-service",
        departments=["disabled-persons-federation"],
        categories=["accessibility"],
        disability_categories=["hearing", "speech"],
    ),
    Document(
        id="service:legal-aid",
        kind="service",
        language="zh",
        title="法律援助和司法救助",
        summary="残疾人是公共法律服务的重点对象，可以得到法律援助。",
        body="培养助残公益律师队伍，开展法律援助志愿助残行动。",
        url="/services/legal-aid",
        departments=["justice-bureau"],
        categories=["rights-legal"],
    ),
    Document(
        id="service:compulsory-education",
        kind="service",
        language="zh",
        title="义务教育、随班就读和送教上门",
        summary="对适龄残疾儿童少年入学需求排查评估，实现“一人一案”教育安置。",
        body="以随班就读为主体、特殊教育学校为骨干、送教上门和远程教育为补充。",
        url="/services/compulsory-education",
        departments=["education-sports-bureau"],
        categories=["education"],
    ),
    Document(
        id="facility:rukang-home-zhenxing",
        kind="facility",
        language="zh",
        title="振兴街道“如康家园”残疾人之家",
        summary="就近提供日间照料、辅助性就业、康复训练、文化体育等服务。",
        body="开放时间：周一至周五 8:30–17:00。",
        url="/facilities/rukang-home-zhenxing",
        township="振兴街道",
        categories=["social-security"],
    ),
    Document(
        id="contact:federation-service-hall",
        kind="contact",
        language="zh",
        title="区残联服务大厅",
        summary="电话、短信和视频手语咨询残疾人证、补贴和康复服务。",
        body="电话：0635-0000000。",
        url="/contacts/federation-service-hall",
        township="振兴街道",
        departments=["disabled-persons-federation"],
    ),
    Document(
        id="update:culture-week",
        kind="update",
        language="zh",
        title="残疾人文化周活动通知",
        summary="区残联举办残疾人文化周。",
        body="活动现场有辅助器具展示。<script>alert('x')</script>欢迎参加。",
        url="/updates/culture-week",
    ),
    Document(
        id="measure:3-5",
        kind="measure",
        language="zh",
        title="提升康复服务质量",
        summary="加强残疾人康复服务，完善康复服务体系。",
        body="推进精准康复服务，做好残疾儿童康复救助。",
        url="/plan/measures/3-5",
        categories=["rehabilitation"],
    ),
    Document(
        id="service:assistive-devices:en",
        kind="service",
        language="en",
        title="Assistive devices",
        summary="Disabled people are fitted with safe, suitable basic assistive devices.",
        body="Basic assistive devices are promoted and fitting services improved.",
        url="/en/services/assistive-devices",
        categories=["rehabilitation"],
    ),
    Document(
        id="service:sign-language-video-service:en",
        kind="service",
        language="en",
        title="Video sign language service for people with hearing or speech disabilities",
        summary="Remote video sign language interpreting for questions about policies.",
        body="Subtitles and sign language at government press conferences.",
        url="/en/services/sign-language-video-service",
        categories=["accessibility"],
    ),
]

# Added by a writer in the middle of a reader's opening (see the test that uses it).
NEWS = Document(
    id="update:accessible-travel",
    kind="update",
    language="zh",
    title="无障碍出行服务通知",
    summary="残疾人乘坐公交车可申请无障碍出行服务。",
    url="/updates/accessible-travel",
)


@pytest.fixture(scope="session")
def jieba_cache(tmp_path_factory) -> Path:
    """jieba's dictionary cache, in a folder of the test run's own."""
    folder = tmp_path_factory.mktemp("jieba-cache")
    search.initialize(folder)
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory, jieba_cache) -> SearchIndex:
    """The hand-made documents, indexed once for the read-only tests."""
    built = SearchIndex(tmp_path_factory.mktemp("index"))
    built.rebuild(DOCUMENTS)
    return built


@pytest.fixture
def fresh_index(tmp_path, jieba_cache) -> SearchIndex:
    """The hand-made documents in an index of the test's own, to change."""
    built = SearchIndex(tmp_path / "index")
    built.rebuild(DOCUMENTS)
    return built


def ids(results: Results) -> list[str]:
    """The ids of the hits, best first."""
    return [hit.id for hit in results.hits]


def tokens(text: str) -> list[str]:
    """What the index analyzer makes of `text`."""
    return [token.text for token in analyzer()(text)]


def test_synonym_file_has_the_required_groups():
    groups = load_groups()
    assert len(groups) >= 60
    related = {source: group.targets for group in groups for source in group.sources}
    assert "辅助器具" in related["轮椅"]
    assert "最低生活保障" in related["低保"]
    assert "残疾人证" in related["残疾证"]
    assert "重度残疾人护理补贴" in related["护理补贴"]
    assert "护理补贴" in related["重度残疾人护理补贴"]
    assert "assistive devices" in related["wheelchair"]


@pytest.mark.parametrize(
    ("line", "sources", "targets"),
    [
        ("轮椅, 拐杖 => 辅助器具", ("轮椅", "拐杖"), ("辅助器具",)),
        ("养老金, 养老保险", ("养老金", "养老保险"), ("养老金", "养老保险")),
        ("Hearing  Aid => assistive devices", ("hearing aid",), ("assistive devices",)),
        ("輪椅 => 輔助器具", ("轮椅",), ("辅助器具",)),
    ],
)
def test_synonym_lines_are_parsed(line, sources, targets):
    group = parse_line(line)
    assert (group.sources, group.targets) == (sources, targets)


@pytest.mark.parametrize("line", ["", "   ", "# a comment"])
def test_comments_and_blank_lines_are_skipped(line):
    assert parse_line(line) is None


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("我要申请辅助器具", "辅助器具"),
        ("怎么办残疾人证", "残疾人证"),
        ("申请最低生活保障需要什么", "最低生活保障"),
        ("振兴街道如康家园在哪里", "如康家园"),
        ("重度残疾人护理补贴标准", "重度残疾人护理补贴"),
    ],
)
def test_segmentation_keeps_domain_words(jieba_cache, text, word):
    assert word in tokens(text)


def test_english_is_lower_cased_and_stemmed(jieba_cache):
    assert tokens("Assistive Devices for WHEELCHAIRS") == ["assist", "devic", "wheelchair"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("輪椅", "轮椅"),
        ("殘疾證", "残疾证"),
        ("聽力殘疾", "听力残疾"),
        ("ＡＢＣ１２３", "abc123"),
        ("Ｗｈｅｅｌｃｈａｉｒ", "wheelchair"),
        ("a\x00b\x07c\u200bd", "a b c d"),
        ("全角　空格", "全角 空格"),
    ],
)
def test_normalisation(text, expected):
    normalised = search.normalize(text)
    assert normalised == expected
    # Offsets in normalised text must fit the original, for highlighting.
    assert len(normalised) == len(text)


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("轮椅", "zh", "service:assistive-devices"),
        ("輪椅", "zh", "service:assistive-devices"),
        ("拐杖", "zh", "service:assistive-devices"),
        ("低保", "zh", "service:subsistence-allowance"),
        ("残疾证", "zh", "service:disability-certificate"),
        ("殘疾證", "zh", "service:disability-certificate"),
        ("找工作", "zh", "service:employment-assistance"),
        ("我要找工作", "zh", "service:employment-assistance"),
        ("聋", "zh", "service:sign-language-video-service"),
        ("听不见", "zh", "service:sign-language-video-service"),
        ("孩子上学", "zh", "service:compulsory-education"),
        ("打官司", "zh", "service:legal-aid"),
        ("如康家园", "zh", "facility:rukang-home-zhenxing"),
        # Words jieba keeps whole: named by the synonym file, or searched by their stem.
        ("聋哑人", "zh", "service:sign-language-video-service"),
        ("哑人", "zh", "service:sign-language-video-service"),
        ("盲校", "zh", "service:compulsory-education"),
        ("低保金", "zh", "service:subsistence-allowance"),
        # A lone character spaced off the word it belongs to.
        ("残疾 证", "zh", "service:disability-certificate"),
        ("残疾人 证", "zh", "service:disability-certificate"),
        ("ＡＳＳＩＳＴＩＶＥ", "en", "service:assistive-devices:en"),
        ("wheelchair", "en", "service:assistive-devices:en"),
        ("deaf", "en", "service:sign-language-video-service:en"),
    ],
)
def test_colloquial_queries_find_the_right_document(index, query, language, expected):
    assert expected in ids(index.search(query, language=language))[:3]


def test_results_are_in_the_requested_language_only(index):
    chinese = index.search("辅助器具")
    english = index.search("assistive devices", language="en")
    assert chinese.hits and {hit.language for hit in chinese.hits} == {"zh"}
    assert ids(english) == ["service:assistive-devices:en"]


def test_an_english_document_is_found_by_its_chinese_title_as_by_its_title(fresh_index):
    """On the English site, Chinese typed found a service only through its body, below every
    page whose English title carried the Chinese."""
    shown = "Accessibility adaptations in homes"
    fresh_index.upsert(
        [
            Document(
                id="service:home-adaptation:en",
                kind="service",
                language="en",
                title=shown,
                chinese_title="困难重度残疾人家庭无障碍改造",
                summary="Homes of severely disabled people are adapted.",
                url="/en/services/home-adaptation",
            ),
            Document(
                id="update:accessible-week:en",
                kind="update",
                language="en",
                title="Accessibility week",
                summary="During the week the district says 无障碍改造 in many places.",
                body="无障碍改造 无障碍改造",
                url="/en/updates/accessible-week",
            ),
        ]
    )
    found = fresh_index.search("无障碍改造", language="en")
    assert ids(found)[0] == "service:home-adaptation:en"
    assert found.hits[0].title == shown, "the Chinese title is searched, not shown"


def twins(slug: str, chinese: tuple[str, str], english: tuple[str, str]) -> list[Document]:
    """A service's Chinese document and its English one, which holds the Chinese title and
    summary as its Chinese twin (as the site writes them)."""
    return [
        Document(
            id=f"service:{slug}:zh",
            kind="service",
            language="zh",
            title=chinese[0],
            summary=chinese[1],
            url=f"/services/{slug}",
        ),
        Document(
            id=f"service:{slug}:en",
            kind="service",
            language="en",
            title=english[0],
            summary=english[1],
            chinese_title=chinese[0],
            chinese_summary=chinese[1],
            url=f"/en/services/{slug}",
        ),
    ]


def test_chinese_typed_on_the_english_site_ranks_pages_as_the_chinese_site_ranks_twins(
    fresh_index,
):
    """无障碍 found the English pages by their Chinese titles alone, weighed against the length
    of the English title beside them: the home adaptations, whose summary says 无障碍 and
    which the Chinese site puts first, came below a statement with a short title."""
    fresh_index.upsert(
        twins(
            "home-adaptation",
            ("困难重度残疾人家庭无障碍改造", "为困难重度残疾人家庭实施无障碍改造。"),
            (
                "Accessibility adaptations in the homes of severely disabled people in difficulty",
                "Homes of severely disabled people are adapted for accessibility.",
            ),
        )
        + twins(
            "statement",
            ("无障碍声明", "本站想让每个人都能用，这里说明我们按什么标准做。"),
            ("Accessibility statement", "We want everyone to be able to use this site."),
        )
    )
    ours = {"service:home-adaptation", "service:statement"}

    def ranked(language: str) -> list[str]:
        found = ids(fresh_index.search("无障碍", language=language))
        return [hit.removesuffix(f":{language}") for hit in found if hit[:-3] in ours]

    assert ranked("zh") == ["service:home-adaptation", "service:statement"]
    assert ranked("en") == ranked("zh")


def test_an_english_pages_chinese_twin_is_searched_by_its_chinese_words_only(fresh_index):
    """The English text says the twin's numbers and Latin words itself: counted again from
    the twin, they would rank a page higher for holding Chinese too."""
    fresh_index.upsert(
        twins(
            "web-standards",
            ("网站无障碍标准", "我们按 WCAG 2.2 标准做。"),
            ("Website accessibility standards", "We follow the guidelines."),
        )
    )
    assert ids(fresh_index.search("wcag", language="en")) == []
    assert ids(fresh_index.search("wcag", language="zh")) == ["service:web-standards:zh"]
    assert ids(fresh_index.search("标准", language="en")) == ["service:web-standards:en"]


def test_a_chinese_title_an_english_one_shows_is_searched_once_as_the_twins():
    """A project's English title shows its Chinese one (Accessible toilets 无障碍厕所): in
    the English title too, it counted twice."""
    project = Document(
        id="project:toilets:en",
        kind="project",
        language="en",
        title="Accessible toilets\n无障碍厕所",
        chinese_title="无障碍厕所",
    )
    assert project.searched_title == "Accessible toilets"
    assert document_fields(project)["chinese_title"] == "无障碍厕所"


def test_an_english_page_not_yet_translated_is_found_and_shown_by_its_chinese_title(
    fresh_index,
):
    """A notice staff publish in Chinese only has the Chinese title on the English site
    too, which is also its twin's: nothing was left to index as its English title, and the
    title was not kept to show either. Every English search that offered a word instead
    read every title and failed ("search is unavailable") from then on."""
    title = "辅助器具适配服务开始报名"
    fresh_index.upsert(
        [
            Document(
                id="update:sign-up:en",
                kind="update",
                language="en",
                title=title,
                chinese_title=title,
                summary="持证残疾人可以到区残联报名。",
                chinese_summary="持证残疾人可以到区残联报名。",
                url="/en/updates/sign-up",
            )
        ]
    )
    found = fresh_index.search("报名", language="en")
    assert [hit.title for hit in found.hits] == [title]
    assert fresh_index.search("wheelchiar", language="en") is not None  # offers a word


def test_an_index_written_before_the_chinese_twin_takes_changes_until_rebuilt(
    tmp_path, jieba_cache, monkeypatch
):
    """Updated before `flask search rebuild`, the site changed documents in an index that had
    no field for the twin: every write failed (No field named 'chinese_title')."""
    newer = search.index.make_schema

    def older() -> Schema:
        schema = newer()
        for name in ("chinese_title", "chinese_summary", "chinese_body"):
            schema.remove(name)
        return schema

    monkeypatch.setattr(search.index, "make_schema", older)
    older_index = SearchIndex(tmp_path / "index")
    older_index.rebuild([])
    monkeypatch.setattr(search.index, "make_schema", newer)
    older_index.upsert(
        twins("home-adaptation", ("家庭无障碍改造", "无障碍改造。"), ("Home adaptations", "Homes."))
    )
    assert ids(older_index.search("改造")) == ["service:home-adaptation:zh"]
    assert ids(older_index.search("home", language="en")) == ["service:home-adaptation:en"]


def test_title_match_outranks_body_match(index):
    found = ids(index.search("辅助器具"))
    assert found.index("service:assistive-devices") < found.index("update:culture-week")


def test_exact_title_comes_first(index):
    assert ids(index.search("困难残疾人生活补贴"))[0] == "service:living-allowance"


def test_words_typed_together_rank_a_page_with_them_together_first(fresh_index):
    def page(slug: str, body: str) -> Document:
        return Document(
            id=f"service:{slug}", kind="service", language="zh", title=slug, summary="",
            body=body, url=f"/services/{slug}",
        )  # fmt: skip

    fresh_index.upsert(
        [
            page("apart", "第一次申请的，办好以后再说；一次申请一次，材料办好再来。一次又一次。"),
            page("together", "为群众办事“一次办好”提供支撑。"),
        ]
    )
    found = ids(fresh_index.search("一次办好"))
    assert found.index("service:together") < found.index("service:apart")


HOSTILE_QUERIES = [
    "(",
    ")",
    '"',
    '"轮椅',
    "'",
    "AND OR NOT",
    "轮椅 AND",
    "NOT 轮椅",
    "*",
    "轮*",
    "?~^",
    "title:x",
    "kind:service OR id:*",
    "[a TO z]",
    "{}",
    "\x00",
    "轮椅\x00\x1b[31m",
    "😀",
    "轮椅😀",
    "a" * 10000,
    "轮椅" * 5000,
    "   ",
    "\t\n",
    "<script>alert(1)</script>",
    "%s %d {0}",
    "\ud800",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_any_query_is_safe(index, query):
    results = index.search(query)
    assert isinstance(results, Results)
    assert len(results.hits) <= results.per_page
    assert results.total >= len(results.hits)


@pytest.mark.parametrize("query", ["", "   ", "\x00", "😀", "的", "AND OR NOT", None])
def test_queries_without_words_find_nothing(index, query):
    results = index.search(query)
    assert (results.total, results.hits, results.pages) == (0, [], 0)


def test_filter_by_kind(index):
    results = index.search("残疾人", kinds=["facility", "contact"])
    assert results.hits
    assert {hit.kind for hit in results.hits} <= {"facility", "contact"}


def test_filter_by_category(index):
    results = index.search("残疾人", categories=["social-security"], per_page=50)
    assert set(ids(results)) == {
        "service:living-allowance",
        "service:subsistence-allowance",
        "facility:rukang-home-zhenxing",
    }


def test_filter_by_township(index):
    results = index.search("残疾人", township="振兴街道", per_page=50)
    assert set(ids(results)) == {"facility:rukang-home-zhenxing", "contact:federation-service-hall"}


def test_kind_counts_ignore_the_kind_filter(index):
    everything = index.search("残疾人", per_page=50)
    services_only = index.search("残疾人", kinds=["service"], per_page=50)
    expected: dict[str, int] = {}
    for hit in everything.hits:
        expected[hit.kind] = expected.get(hit.kind, 0) + 1
    assert everything.kind_counts == expected
    assert services_only.kind_counts == expected
    assert services_only.total == expected["service"]


def test_pagination(index):
    everything = index.search("残疾人", per_page=100)
    pages = [index.search("残疾人", page=number, per_page=3) for number in (1, 2, 3, 4)]
    assert all(page.total == everything.total for page in pages)
    assert pages[0].pages == -(-everything.total // 3)
    assert [hit for page in pages for hit in ids(page)] == ids(everything)[:12]
    assert [page.page for page in pages] == [1, 2, 3, 4]


def test_page_past_the_end_shows_the_last_page(index):
    last = index.search("残疾人", page=999, per_page=5)
    assert last.page == last.pages
    assert last.hits


def test_snippets_mark_matches(index):
    hit = index.search("最低生活保障").hits[0]
    assert "<mark>最低生活保障</mark>" in hit.snippet
    assert hit.snippet.__html__() == str(hit.snippet)


def test_a_long_word_is_marked_where_a_text_says_it_not_its_parts_beside_it(index):
    # 残疾人证 is also searched by 残疾人 and 残疾 (for a page that says them apart): where
    # the page says 残疾人证, those alone (the 残疾 of 残疾评定) are not marked.
    hit = next(hit for hit in index.search("残疾人证").hits if hit.id.endswith("certificate"))
    assert "<mark>残疾人证</mark>" in hit.snippet
    assert re.sub(r"<mark>残疾人证</mark>", "", hit.snippet).count("<mark>") == 0


def test_the_parts_of_a_long_word_are_marked_where_a_text_does_not_say_it():
    marks = Marks(words={"summary": frozenset()}, parts={"听力残疾": frozenset(["听力", "残疾"])})
    apart = snippet({"summary": "为听力、言语残疾人提供服务。"}, marks)
    assert "<mark>听力</mark>" in apart and "<mark>残疾</mark>" in apart
    # Said inside a longer word, the long word is marked, and only it.
    inside = snippet({"summary": "为听力残疾人提供服务，残疾人都可以来。"}, marks)
    assert inside == "为<mark>听力残疾</mark>人提供服务，残疾人都可以来。"


def test_a_text_kept_analysed_is_marked_for_each_query_anew():
    # The analyzer's words of a text are kept between searches; what is marked is not.
    text = "为听力残疾人提供助听器适配。Hearing aids are fitted free of charge."

    def marked(*words: str) -> str:
        return snippet({"summary": text}, Marks(words={"summary": frozenset(words)}))

    chinese = "为听力残疾人提供<mark>助听器</mark>适配。Hearing aids are fitted free of charge."
    assert marked("助听器") == chinese
    english = "为听力残疾人提供助听器适配。<mark>Hearing</mark> <mark>aids</mark> are fitted"
    assert marked("hear", "aid") == english + " free of charge."
    assert marked("助听器") == chinese


def test_a_snippet_too_long_for_two_passages_shows_the_best_one():
    # Two passages of over a hundred characters each: only the one with both words shows
    # (the passages are found once, then cut to the best one).
    first = "康复" + "训练的时间和地点都在中心" * 9
    second = "辅助器具" + "领取的时间和地点都在中心" * 8 + "也可以康复"
    text = f"{first}。{'另外的事情说了很多很多。' * 10}{second}。"
    shown = snippet({"summary": text}, Marks(words={"summary": frozenset(["康复", "辅助器具"])}))
    assert shown.startswith("…" + "另外的事情说了很多很多。" * 2 + "<mark>辅助器具</mark>")
    assert shown.endswith("也可以<mark>康复</mark>。")
    assert shown.count("<mark>") == 2


def test_snippets_escape_document_html(index):
    hit = next(hit for hit in index.search("辅助器具 展示").hits if hit.id == "update:culture-week")
    assert "<mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


# Texts as the site's documents have them, each with a query that used to cut it badly: a
# place's features listed with spaces (台阶入口 for 无台阶入口, the opposite of what the
# place has), a measure whose passages overlapped (自主 … 主创业), and an English sentence
# too long to show whole.
SNIPPET_CASES = {
    "轮椅": (
        "可以在这里办理残疾人证和各项补贴的申请。规划提出，助残服务事项接入政务服务平台，"
        "鼓励政务服务大厅提供字幕、手语、语音等服务。\n"
        "无台阶入口 电梯 无障碍卫生间 无障碍停车位 盲道 助听设备（感应线圈） 手语服务 轮椅借用\n"
        "残疾评定和残疾人证（电子证照） 养老保险和医疗保险缴费补贴 困难残疾人生活补贴 "
        "重度残疾人护理补贴 最低生活保障（低保）"
    ),
    "灵活就业": (
        "完善残疾人按比例就业制度，落实机关、事业单位、国有企业带头安排残疾人就业政策，规范按比例"
        "就业审核，实现“全程网办”。稳定残疾人集中就业，在经营场地、设施设备、社会保险补贴、金融"
        "信贷等方面扶持残疾人自主创业、灵活就业，鼓励残疾人通过新就业形态实现就业。积极开发适合"
        "残疾人就业的城乡公益性岗位，进一步扩大残疾人安置规模。"
    ),
    "assistive devices": (
        "The targeted rehabilitation service campaign for disabled people continues, giving "
        "disabled people who need rehabilitation basic rehabilitation services such as "
        "rehabilitation medicine, rehabilitation training, the fitting of assistive devices and "
        "support services to people who became disabled later in life and who qualify for them."
    ),
}
# What may part two clauses or list items: a snippet starts and ends beside these.
BREAKS = SEPARATORS + " \n"


def shown_passages(snippet: str, text: str) -> list[str]:
    """The passages of `text` that a snippet shows, checked as a resident reads them: each
    one whole clauses or list items of the text, in the text's order, none repeating
    another, and "…" exactly where something is left out (before, between or after)."""
    plain = html.unescape(re.sub(r"</?mark>", "", snippet))
    passages = [passage.strip() for passage in plain.split("…")]
    end = 0
    for index, passage in enumerate(passages):
        if not passage:
            continue
        start = text.find(passage, end)
        assert start >= 0, f"{passage!r} is not the text that follows what was shown before it"
        assert start == 0 or text[start - 1] in BREAKS, f"{passage!r} starts inside a word"
        left_out = text[end:start].strip(BREAKS)
        assert bool(left_out) == (index > 0), f"before {passage!r}, {left_out!r} is left out"
        end = start + len(passage)
        assert end == len(text) or text[end] in BREAKS, f"{passage!r} ends inside a word"
    assert bool(text[end:].strip(BREAKS)) == plain.endswith("…"), "the end says what is left out"
    return [passage for passage in passages if passage]


@pytest.mark.parametrize("query", SNIPPET_CASES)
def test_snippets_cut_between_clauses_and_say_where_text_is_left_out(fresh_index, query):
    text = SNIPPET_CASES[query]
    language = "en" if query.isascii() else "zh"
    fresh_index.upsert(
        [Document(id="page:cut", kind="page", language=language, title="无关", body=text, url="/c")]
    )
    hit = next(
        hit for hit in fresh_index.search(query, language=language).hits if hit.id == "page:cut"
    )
    shown_passages(hit.snippet, text)
    assert "<mark>" in hit.snippet


def test_a_snippet_of_a_title_match_ends_between_clauses(fresh_index):
    summary = (
        "，".join(f"第{number}项内容说明这一条规定的具体办理要求" for number in range(1, 12)) + "。"
    )
    fresh_index.upsert(
        [
            Document(
                id="page:long",
                kind="page",
                language="zh",
                title="办事指南",
                summary=summary,
                url="/l",
            )
        ]
    )
    hit = next(hit for hit in fresh_index.search("办事指南").hits if hit.id == "page:long")
    assert "<mark>" not in hit.snippet
    passages = shown_passages(hit.snippet, summary)
    assert len(passages) == 1 and summary.startswith(passages[0])


@pytest.mark.parametrize(
    ("query", "kwargs", "suggestion"),
    [
        # A typo, corrected from the synonym file's terms.
        ("低宝", {}, "低保"),
        ("wheelchiar", {"language": "en"}, "wheelchair"),
        # A typo, corrected from the titles.
        ("如康加园", {}, "如康家园"),
        # A colloquial word that finds nothing of this kind: the plan's term.
        ("轮椅", {"kinds": ["contact"]}, "辅助器具"),
    ],
)
def test_no_results_suggest_a_term(index, query, kwargs, suggestion):
    results = index.search(query, **kwargs)
    assert results.total == 0
    assert results.suggestion == suggestion
    assert index.search(suggestion, language=kwargs.get("language", "zh")).total > 0


@pytest.mark.parametrize(
    ("query", "tempting"),
    [
        ("出门", "部门"),  # a word the dictionary has is spelt right
        ("假牙", "假肢"),
        ("乐平铺", "茌平铺"),  # a township's name, from the synonym file
        ("冯官屯镇", "冯官屯乡镇"),  # whose 镇 alone is one character
    ],
)
def test_a_word_spelt_right_is_not_respelt_when_nothing_is_found(jieba_cache, query, tempting):
    found = suggest(query, query_words(query), [tempting], has_hits=lambda candidate: True)
    assert found is None or tempting not in found


@pytest.mark.parametrize(
    ("query", "tempting"),
    [("100", "10"), ("80", "10"), ("95%", "96%"), ("3.5", "3.6"), ("100元", "10元")],
)
def test_a_number_is_never_respelt_into_another(jieba_cache, query, tempting):
    """/search?q=100 said 下面是“10”的结果: a figure is typed as meant, and no other."""
    found = suggest(query, query_words(query), [tempting], has_hits=lambda candidate: True)
    assert found is None
    assert near_terms(query, [tempting]) == []


def test_a_figure_is_found_by_its_number_without_its_percent_sign(fresh_index, jieba_cache):
    """The indicators page says 95% and /search?q=95 found nothing: jieba keeps 95% whole."""
    assert tokens("2025年目标：95%") == ["2025", "年", "目标", "95%", "95"]
    fresh_index.upsert(
        [
            Document(
                id="indicator:4:zh",
                kind="indicator",
                language="zh",
                title="残疾人城乡居民基本养老保险参保率",
                summary="专栏1 主要指标。2020年：95%；2025年目标：高于95%。",
                url="/plan/indicators#indicator-4",
            )
        ]
    )
    for query in ("95", "95%"):
        found = fresh_index.search(query)
        assert ids(found) == ["indicator:4:zh"], query
        assert "<mark>95" in found.hits[0].snippet, query


def test_a_near_term_is_never_a_single_character():
    assert near_terms("办证", ["办", "办理", "证"]) == ["办理"]


def test_no_suggestion_when_something_is_found(index):
    assert index.search("轮椅").suggestion is None


def test_no_suggestion_when_nothing_is_near(index):
    assert index.search("xyzzyqq").suggestion is None


def test_a_query_of_more_lone_characters_than_are_searched_is_judged_on_those_searched(
    index, monkeypatch
):
    """Whether a query is lone characters only is decided on the words searched (the first
    MAX_WORDS) both when it is not searched and when what to offer instead is chosen."""
    text = "、".join("东南西北春夏秋冬山川河海云雨风雪星月")  # lone, and named by no synonym
    assert len(query_words(text)) > MAX_WORDS
    assert searched_words(text) == query_words(text)[:MAX_WORDS]
    offered_for_nothing_found = []

    def offered(text, *args):
        offered_for_nothing_found.append(text)
        return None

    monkeypatch.setattr(vocabulary, "offered", offered)
    assert index.search(text).total == 0
    assert offered_for_nothing_found == [text]


def test_one_index_per_folder_reads_its_titles_once(fresh_index, monkeypatch):
    """The site asks for its index on every request: the titles' words, read from every
    stored document for corrections, must be read once, not on every search."""
    read = []
    monkeypatch.setattr(
        search.index, "TitleWords", lambda titles: read.append(titles) or TitleWords(titles)
    )
    shared = SearchIndex.shared(fresh_index.path)
    assert SearchIndex.shared(str(fresh_index.path)) is shared
    for _ in range(3):
        assert shared.search("如康加园").suggestion == "如康家园"
    assert len(read) == 1


def test_delete_removes_documents(fresh_index):
    fresh_index.delete(["service:subsistence-allowance", "no-such-id"])
    assert "service:subsistence-allowance" not in ids(fresh_index.search("低保"))


def test_upsert_replaces_and_adds(fresh_index):
    changed = Document(
        id="service:legal-aid",
        kind="service",
        language="zh",
        title="法律援助",
        summary="免费请律师打官司。",
        url="/services/legal-aid",
    )
    added = Document(
        id="update:new-bus-line",
        kind="update",
        language="zh",
        title="新开无障碍公交线路",
        summary="残疾人免费乘坐市内公共交通。",
        url="/updates/new-bus-line",
    )
    fresh_index.upsert([changed, added])
    assert ids(fresh_index.search("坐公交"))[0] == "update:new-bus-line"
    legal = [hit for hit in fresh_index.search("法律援助").hits if hit.id == "service:legal-aid"]
    assert [hit.title for hit in legal] == ["法律援助"]


def test_upsert_creates_a_missing_index(tmp_path, jieba_cache):
    created = SearchIndex(tmp_path / "new")
    created.upsert(DOCUMENTS[:1])
    assert created.exists() and created.is_readable()
    assert ids(created.search("轮椅")) == ["service:assistive-devices"]


def test_rebuild_reports_progress(tmp_path, jieba_cache):
    steps = []
    SearchIndex(tmp_path).rebuild(DOCUMENTS, progress=lambda done, total: steps.append(done))
    assert steps == list(range(1, len(DOCUMENTS) + 1))


def test_rebuild_swaps_atomically(fresh_index):
    # The site's workers hold a searcher for the length of a request.
    with fresh_index._searcher() as kept:
        old_searcher = kept.searcher
        fresh_index.rebuild(DOCUMENTS[:2])
        assert old_searcher.doc_count() == len(DOCUMENTS)
        assert old_searcher.document(id="service:legal-aid")["title"] == "法律援助和司法救助"
        assert ids(fresh_index.search("法律援助")) == []
        assert ids(fresh_index.search("低保")) == []
        assert ids(fresh_index.search("轮椅"))[0] == "service:assistive-devices"
        # Searches in the same thread opened a searcher of their own: this one stays open
        # while it is used, and is closed after.
        assert old_searcher.document(id="service:legal-aid")["title"] == "法律援助和司法救助"
    assert old_searcher.is_closed


@pytest.mark.parametrize("suffix", [".toc", ".seg"])
def test_a_commit_between_choosing_a_file_and_opening_it_is_read_through(
    fresh_index, monkeypatch, suffix
):
    """Another process's writer commits, merging the segments, after a reader chose the
    generation's table of contents (or a segment) and before it opened it: the commit
    deletes the file, and the reader opens the new table instead of failing."""
    gone = []
    open_file = _ClosingStorage.open_file

    def commit_first(storage, name, **kwargs):
        if name.endswith(suffix) and not gone:
            gone.append(Path(storage.folder) / name)
            writer = whoosh_index.open_dir(storage.folder).writer()
            writer.update_document(**document_fields(NEWS))
            writer.commit(optimize=True)
        return open_file(storage, name, **kwargs)

    monkeypatch.setattr(_ClosingStorage, "open_file", commit_first)
    assert ids(fresh_index.search("无障碍出行"))[0] == NEWS.id
    assert gone and not gone[0].exists()


def test_missing_index_is_unavailable(tmp_path, jieba_cache):
    missing = SearchIndex(tmp_path / "nothing-here")
    assert not missing.exists()
    assert not missing.is_readable()
    with pytest.raises(IndexUnavailable):
        missing.search("轮椅")


@pytest.mark.parametrize("damage_pointer", [True, False])
def test_corrupt_index_is_unavailable_until_rebuilt(fresh_index, damage_pointer):
    for path in fresh_index.path.rglob("*"):
        if path.is_file() and (damage_pointer or path.name != "CURRENT"):
            path.write_bytes(b"\x00garbage\xff" * 50)
    assert not fresh_index.is_readable()
    with pytest.raises(IndexUnavailable):
        fresh_index.search("轮椅")
    fresh_index.rebuild(DOCUMENTS)
    assert fresh_index.is_readable()
    assert ids(fresh_index.search("轮椅"))[0] == "service:assistive-devices"


def test_writer_gives_up_with_index_busy(fresh_index):
    current = (fresh_index.path / "CURRENT").read_text().strip()
    holder = whoosh_index.open_dir(str(fresh_index.path / current)).writer()
    try:
        impatient = SearchIndex(fresh_index.path, lock_timeout=0.2)
        with pytest.raises(IndexBusy):
            impatient.delete(["service:legal-aid"])
    finally:
        holder.cancel()
    fresh_index.delete(["service:legal-aid"])


def test_a_failed_commit_gives_up_the_write_lock(fresh_index, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SegmentWriter, "_finalize_segment", full_disk)
    with pytest.raises(OSError):
        fresh_index.upsert([DOCUMENTS[0]])
    monkeypatch.undo()
    impatient = SearchIndex(fresh_index.path, lock_timeout=0.2)
    impatient.delete(["service:legal-aid"])  # not IndexBusy: nobody holds the lock
    assert "service:legal-aid" not in ids(impatient.search("法律援助"))


def upsert_in_another_process(path: str, cache: str, start, worker: int, count: int) -> None:
    """Upsert `count` documents one commit at a time (run in a spawned process)."""
    search.initialize(cache)
    index = SearchIndex(path, lock_timeout=60)
    start.wait(timeout=60)  # all writers start together, to compete for the lock
    for number in range(count):
        document = Document(
            id=f"update:worker-{worker}-{number}",
            kind="update",
            language="zh",
            title=f"并发测试通知{worker}号{number}",
            summary="辅助器具适配服务通知。",
        )
        index.upsert([document])


def test_concurrent_writers_all_succeed(fresh_index, jieba_cache):
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    workers = [
        context.Process(
            target=upsert_in_another_process,
            args=(str(fresh_index.path), str(jieba_cache), start, worker, 5),
        )
        for worker in range(3)
    ]
    services = fresh_index.search("辅助器具", kinds=["service"], per_page=100)
    assert services.total > 0
    for process in workers:
        process.start()
    # Reading goes on while they write, and never sees the index half written.
    while any(process.is_alive() for process in workers):
        during = fresh_index.search("辅助器具", kinds=["service"], per_page=100)
        assert ids(during) == ids(services)
        time.sleep(0.05)
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0, 0, 0]
    assert fresh_index.is_readable()
    found = set(ids(fresh_index.search("辅助器具", kinds=["update"], per_page=100)))
    expected = {f"update:worker-{worker}-{number}" for worker in range(3) for number in range(5)}
    assert expected <= found
    with fresh_index._searcher() as kept:
        assert kept.searcher.doc_count() == len(DOCUMENTS) + 15


# --- Pinyin and typing errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("canjirenzheng", "canjirenzheng"),
        ("can ji ren zheng", "canjirenzheng"),
        ("Cán Jí Rén Zhèng", "canjirenzheng"),
        ("can2 ji2 ren2 zheng4", "canjirenzheng"),
        ("xi'an", "xian"),
        ("lǜ", "lv"),
        ("cjrz", "cjrz"),
    ],
)
def test_a_query_in_pinyin_has_one_key_however_it_is_typed(typed, key):
    assert pinyin.query_key(typed) == key


@pytest.mark.parametrize("typed", ["残疾", "a", "wheelchair!", "12345", "", "k8s"])
def test_other_text_is_not_pinyin(typed):
    assert pinyin.query_key(typed) is None


def test_words_read_alike_share_a_sound_key():
    assert pinyin.sound_key("残急人证") == pinyin.sound_key("残疾人证")
    assert pinyin.sound_key("手雨") == pinyin.sound_key("手语")
    assert pinyin.sound_key("zhèng") is None and pinyin.sound_key("残疾") != pinyin.sound_key(
        "残局"
    )
    assert pinyin.sound_key("wheelchair") is None


@pytest.mark.parametrize("query", ["canjirenzheng", "can ji ren zheng", "cán jí rén zhèng", "cjrz"])
def test_pinyin_finds_the_title_that_reads_that_way(index, query):
    results = index.search(query)
    assert ids(results)[0] == "service:disability-certificate"
    assert "残疾人证" in results.pinyin_words


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("我腿脚不方便去哪里办残疾证", ["腿脚", "方便", "办残疾证"]),  # a synonym-file word
        ("盲 人", ["盲"]),  # the synonym file names 盲
        ("残 疾 证", ["残", "疾", "证"]),  # nothing else to search for
        ("my child has autism what help can i get", ["child", "autism"]),
        ("help", ["help"]),
    ],
)
def test_a_query_keeps_the_words_that_name_its_subject(jieba_cache, query, words):
    assert query_words(query) == words


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("轮 椅", "轮椅"),
        (" 残　疾 证 ", "残疾证"),  # a full-width space too
        ("博平 如康家园", "博平 如康家园"),
        ("盲 人 按摩", "盲人 按摩"),  # lone characters that spell a word join it
        ("残疾 证", "残疾证"),
        ("残疾人 证", "残疾人证"),
        ("残 疾人", "残疾人"),
        ("康复 证", "康复 证"),  # 康复证 is no word
        ("残疾人 车", "残疾人 车"),
        ("a b", "a b"),
        ("轮", "轮"),
    ],
)
def test_characters_typed_apart_are_one_word_again(typed, searched):
    assert clean_query(typed) == searched


@pytest.mark.parametrize(
    ("key", "word"), [("canjizhen", "残疾证"), ("kanfu", "康复"), ("zaogongzuo", "找工作")]
)
def test_typed_pinyin_spells_a_word_with_the_sounds_people_mix_up(key, word):
    assert pinyin.spells(key, word)


def test_a_short_key_is_not_read_loosely():
    assert not pinyin.spells("ka", "康")


def test_pinyin_offers_the_words_it_spells_best_first(index):
    assert index.search("dibao").pinyin_words[0] == "低保"


def test_pinyin_spelling_the_start_of_a_synonym_term_searches_that_word(fresh_index):
    # No title says 孩子; the synonym file has 孩子上学, whose beginning haizi spells.
    fresh_index.upsert(
        [
            Document(
                id=f"service:child-{n}",
                kind="service",
                language="zh",
                title=title,
                summary="",
                body=f"{body}孩子。",
                url=f"/services/child-{n}",
            )  # fmt: skip
            for n, (title, body) in enumerate(
                [("儿童康复", "帮助残疾"), ("学前教育", "送教上门，照顾"), ("随班就读", "接收")]
            )
        ]
    )
    typed, spelled = fresh_index.search("孩子"), fresh_index.search("haizi")
    assert spelled.pinyin_words[0] == "孩子"
    # Every page typing the word finds (Whoosh's array matcher once lost two of three).
    assert set(ids(spelled)) == set(ids(typed)) and len(ids(typed)) == 3


def test_pinyin_is_read_only_on_the_chinese_site(index):
    assert index.search("dibao", language="en").pinyin_words == []


def test_a_character_of_the_same_reading_is_offered_corrected(index):
    results = index.search("办残急人证")
    assert results.suggestion == "办残疾人证"


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("精神病人", "精神病"),
        ("哑人", "哑"),  # a lone character the synonym file names
        ("低保金", "低保"),
        ("补助费", "补助"),
        ("病人", None),  # a lone character that says little
        ("盲人", None),  # a synonym term says what it finds
        ("残疾人证", None),
        ("人", None),
        ("xyz人", None),
    ],
)
def test_a_word_ending_in_a_person_or_money_has_its_stem(jieba_cache, word, stem):
    assert stem_of(word) == stem


def test_a_query_typed_with_a_space_inside_a_word_is_offered_without_it():
    def has_hits(candidate):
        return candidate == "残疾人证"

    assert vocabulary.unspaced("残疾 人证", has_hits) == "残疾人证"
    assert vocabulary.unspaced("残疾人 车", has_hits) is None, "finds nothing so either"
    assert vocabulary.unspaced("残疾人证", lambda candidate: True) is None, "no space"
    assert vocabulary.unspaced("a b", lambda candidate: True) is None


def test_chinese_mistyped_on_the_english_site_is_offered_corrected(fresh_index):
    """/en/search?q=残疾正 said "No results", where the Chinese site offered 残疾证: the
    English titles were the only words it was compared with."""
    fresh_index.upsert(
        twins(
            "certificate",
            ("残疾评定和残疾人证", "申请办理残疾人证。"),
            ("Disability assessment and certificate", "Apply for the disability certificate."),
        )
    )
    for language in ("zh", "en"):
        found = fresh_index.search("残疾正", language=language)
        assert (found.total, found.suggestion) == (0, "残疾证"), language
        assert f"service:certificate:{language}" in ids(
            fresh_index.search("残疾证", language=language)
        )
    assert fresh_index.search("wheelchiar", language="en").suggestion == "wheelchair"


def test_a_word_some_page_uses_is_never_corrected_by_sound(index):
    assert index.search("残疾人证").suggestion is None
