"""The page "what you told us and what we did" (/feedback/results), the inbox's CSV of
counts, and the examples staff publish: counts by Chiping month, kind and township (a
merged duplicate once), answers on time and the median answer time, the empty state, the
English page, no resident's words or contact details anywhere, and publishing an example
(a publisher's action, version-checked and audited)."""

import csv
import io
import itertools
import re
from datetime import date, datetime, time, timedelta

import pytest
from barrierfree.database import db, utcnow
from barrierfree.facilities.models import Township
from barrierfree.feedback import statistics
from barrierfree.feedback.models import FeedbackItem
from barrierfree.feedback.queries import token_hash
from barrierfree.feedback.working_days import add_working_days, is_working_day
from barrierfree.opening_hours import local_now, utc
from barrierfree.staff.models import AuditEntry, StaffSession
from conftest import CJK, make_loaded_app, parse, text_outside_lang
from sqlalchemy import event, select, update
from staff_helpers import error_summary, make_staff, signed_in, token_in

PAGE = "/feedback/results"
CSV = "/staff/inbox/counts.csv"
RESIDENT_TEXT = "我叫张三，住在幸福路 8 号，电话 13912345678，门口的坡道太陡。"
EMAIL = "zhangsan@example.com"
numbers = itertools.count(1)


@pytest.fixture
def site(tmp_path):
    """The loaded site on a database of its own, without the page cache (each page here is
    asked for again after a change), whose federation has set an answer time of 5 working
    days."""
    return make_loaded_app(tmp_path / "site.sqlite", PAGE_CACHE=False, FEEDBACK_ANSWER_DAYS=5)


@pytest.fixture
def create_item(site):
    """`create_item(received=..., **columns)`: add an item received at the Chiping time
    `received` (default now), with a target date 5 working days later; return its id."""

    def create(received: datetime | None = None, township: str | None = None, **columns) -> int:
        received = received or local_now()
        number = next(numbers)
        with site.app_context():
            place = db.session.scalar(select(Township.id).where(Township.slug == township))
            row = FeedbackItem(
                year=received.year, sequence=number, kind=columns.pop("kind", "question"),
                body=RESIDENT_TEXT, token_hash=f"token-{number:058d}",
                text_hash=f"text-{number}", created_at=utc(received), township_id=place,
                due_on=add_working_days(received.date(), 5), **columns,
            )  # fmt: skip
            db.session.add(row)
            db.session.commit()
            return row.id

    return create


def months() -> list[date]:
    """The months the page counts, oldest first."""
    return statistics.month_starts(local_now().date())


def working_day(days_ago: int) -> datetime:
    """10:00 on the first working day at least `days_ago` days before today (Chiping)."""
    day = local_now().date() - timedelta(days=days_ago)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10))


def table(page, caption: str) -> dict[str, list[str]]:
    """A table of the page whose caption starts with `caption`: row header -> cells."""
    found = next(t for t in page.find_all("table") if t.find("caption").text.startswith(caption))
    return {
        tr.find("th").text: [td.text for td in tr.find_all("td")]
        for tr in found.find("tbody").find_all("tr")
    }


# --- The public page ----------------------------------------------------------------------


def test_counts_by_chiping_month_kind_and_township_each_item_once(site, create_item):
    first, this = months()[0], months()[-1]
    start = datetime.combine(first, time())
    create_item(received=start - timedelta(minutes=30))  # the day before the first month
    create_item(received=start + timedelta(minutes=10))  # in it (the day before, in UTC)
    barrier = create_item(kind="barrier", township="xinfa")
    create_item(kind="barrier", township="xinfa", merged_into_id=barrier, state="closed")
    create_item(kind="barrier", township="zhenxing")
    create_item(kind="page")
    with site.app_context():
        counted = statistics.figures()
    assert counted.by_month[first]["question"] == 1
    assert counted.by_month[this] == {"question": 0, "barrier": 2, "page": 1}
    assert counted.received == 4
    page = parse(site.test_client().get(PAGE).data)
    by_month = table(page, "每月收到的来信")
    assert len(by_month) == 13  # twelve months and the total
    assert by_month[f"{this.year}年{this.month}月（到今天）"] == ["0", "2", "1", "3"]
    assert by_month[f"{first.year}年{first.month}月"] == ["1", "0", "0", "1"]
    assert by_month["合计"] == ["1", "2", "1", "4"]
    by_township = table(page, "各镇街")
    assert by_township["信发街道"] == ["0", "1", "0", "1"]
    assert by_township["振兴街道"] == ["0", "1", "0", "1"]
    assert by_township["没有注明镇街"] == ["1", "0", "1", "2"]
    assert len(by_township) == 15  # every township, and none given


def test_the_tables_are_data_tables(site, create_item):
    create_item()
    page = parse(site.test_client().get(PAGE).data)
    tables = page.find("main").find_all("table")
    assert len(tables) == 2
    for found in tables:
        assert found.find("caption").text
        assert {th.get("scope") for th in found.find_all("th")} == {"col", "row"}


def test_answers_on_time_and_the_median_answer_time(site, create_item):
    received = working_day(60)
    day = received.date()

    def answered_after(days: int) -> datetime:
        return utc(datetime.combine(add_working_days(day, days), time(15)))

    create_item(received=received, state="answered", answered_at=utc(received + timedelta(hours=2)))
    create_item(received=received, state="closed", answered_at=answered_after(5))  # on the day
    create_item(received=received, state="answered", answered_at=answered_after(8))  # late
    create_item(received=received)  # waiting past its target date
    create_item(received=received, state="closed")  # closed without an answer: not counted
    create_item()  # waiting, not yet due
    with site.app_context():
        counted = statistics.figures()
    assert (counted.timing.due, counted.timing.on_time, counted.timing.answered) == (4, 2, 3)
    assert counted.timing.median_days == 5
    assert (counted.waiting, counted.overdue) == (2, 1)
    summary = parse(site.test_client().get(PAGE).data).find("dl").text
    assert "50%：到期的 4 条里，2 条在答复期限内答复" in summary
    assert "中位数 5 个工作日（已答复的 3 条）" in summary
    assert "2 条，其中 1 条已经超过答复期限" in summary


def test_an_item_closed_as_its_data_goes_for_its_age_is_still_counted_as_unanswered(
    site, create_item
):
    """The purge closes an item nobody answered when it deletes its personal data for its
    age: it was received, and was due without an answer; closing it must not take it out
    of the figures (a spam closed by staff still counts for neither)."""
    from barrierfree.staff.inbox import retention

    site.config["FEEDBACK_MAX_AGE_DAYS"] = 30
    received = working_day(40)
    create_item(received=received)  # never answered
    create_item(received=received, state="closed")  # closed by staff without an answer
    with site.app_context():
        before = statistics.figures()
        retention.purge()
        after = statistics.figures()
    assert before.received == after.received == 2
    assert (before.timing.due, before.waiting, before.overdue) == (1, 1, 1)
    assert (after.timing.due, after.timing.on_time, after.timing.answered) == (1, 0, 0)
    assert (after.waiting, after.overdue) == (0, 0)  # nobody handles it any more
    page = parse(site.test_client().get(PAGE).data).find("main").text
    assert "0%：到期的 1 条里，0 条在答复期限内答复" in page
    assert "到了保存期限（收到 30 天后）还没有答复、由网站关闭的" in page
    make_staff(site, "li", "editor")
    text = signed_in(site, "li").get(CSV).get_data(as_text=True).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert [f"{received:%Y-%m}", "提问或留言", "没有注明镇街", "已关闭", "2", "0", "1", "0",
            ""] in rows  # fmt: skip


def test_with_no_items_the_page_says_so_and_how_to_write(site):
    page = parse(site.test_client().get(PAGE).data).find("main")
    assert "还没有收到来信" in page.text
    assert {"/feedback/ask", "/feedback/barrier", "/feedback/page-error"} <= set(page.hrefs)
    assert page.find("table") is None
    assert "统计时间" in page.text


def test_the_feedback_page_links_to_it(site):
    assert PAGE in parse(site.test_client().get("/feedback/").data).find("main").hrefs


def test_the_page_says_what_it_counts_and_when(site, create_item):
    create_item()
    main = parse(site.test_client().get(PAGE).data).find("main")
    assert f"统计时间：{local_now():%Y}年" in main.text
    assert "只算一条" in main.text and "工作日" in main.text
    assert main.find("time")["datetime"].endswith("+08:00")


def test_the_english_page_gives_its_time_as_the_site_writes_dates(site, create_item):
    create_item()
    counted = parse(site.test_client().get("/en" + PAGE).data).find("main").find("time")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", counted.text), counted.text


def test_the_english_page(site, create_item):
    create_item(kind="barrier", township="xinfa", state="answered",
                answered_at=utc(local_now()), example_text="坡道已经改缓。",
                example_text_en="The ramp was made less steep.",
                example_published_at=utc(local_now()))  # fmt: skip
    create_item(kind="barrier", township="wenchen", state="closed",
                example_text="盲道上的车已经移走。",
                example_published_at=utc(local_now()))  # fmt: skip
    response = site.test_client().get("/en" + PAGE)
    assert response.status_code == 200
    page = parse(response.data)
    assert page.find("html").get("lang") == "en"
    main = page.find("main")
    assert "The ramp was made less steep." in main.text
    assert "坡道已经改缓" not in main.text
    assert "盲道上的车已经移走。" in [p.text for p in main.find_all("p", lang="zh-CN")]
    assert "Xinfa Subdistrict" in main.text
    assert CJK.search(text_outside_lang(main)) is None


def test_examples_appear_only_while_published(site, create_item):
    now = utc(local_now())
    answered = {"state": "answered", "answered_at": now}
    create_item(**answered, example_text="已公开的例子", example_published_at=now)
    create_item(**answered, example_text="没有公开的例子")
    target = create_item(**answered)
    create_item(state="closed", merged_into_id=target, example_text="合并了的例子",
                example_published_at=now)  # fmt: skip
    create_item(state="in_progress", answered_at=now, example_text="又打开了的例子",
                example_published_at=now)  # fmt: skip
    text = parse(site.test_client().get(PAGE).data).find(id="examples").find_next("ul").text
    assert "已公开的例子" in text
    for hidden in ("没有公开的例子", "合并了的例子", "又打开了的例子"):
        assert hidden not in text


def test_no_resident_words_contact_or_token_on_the_page_or_in_the_csv(site, create_item):
    now = utc(local_now())
    item = create_item(kind="barrier", township="xinfa", state="answered", answered_at=now,
                       contact_email=EMAIL, contact_phone="13912345678", reply_by="email",
                       location="幸福路 8 号门口", example_text="门口坡道太陡，已经改缓。",
                       example_published_at=now)  # fmt: skip
    with site.app_context():
        row = db.session.get(FeedbackItem, item)
        secrets = [RESIDENT_TEXT[:8], "13912345678", EMAIL, "幸福路", row.token_hash,
                   row.reference]  # fmt: skip
    make_staff(site, "li", "editor")
    for body in (
        site.test_client().get(PAGE).text,
        site.test_client().get("/en" + PAGE).text,
        signed_in(site, "li").get(CSV).get_data(as_text=True),
    ):
        assert not [secret for secret in secrets if secret in body]
    assert "门口坡道太陡，已经改缓。" in site.test_client().get(PAGE).text


def test_the_page_runs_few_statements_and_stays_small(site, create_item):
    now = utc(local_now())
    townships = ["zhenxing", "xinfa", "wenchen", "lepingpu", "fengguantun", None]
    for number in range(40):
        create_item(
            received=working_day(number * 8), kind=("question", "barrier", "page")[number % 3],
            township=townships[number % 6], state="answered", answered_at=now,
            example_text=f"例子 {number}", example_published_at=now,
        )  # fmt: skip
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with site.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    response = site.test_client().get(PAGE)
    event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len(statements) <= 15  # as test_query_counts asks of every page
    assert len(parse(response.data).find_all(True)) <= 800  # as test_page_weight asks
    assert response.text.count('class="card"') == statistics.EXAMPLES_SHOWN


# --- The CSV of counts ----------------------------------------------------------------------


def test_the_csv_needs_a_signed_in_member_of_staff(site):
    response = site.test_client().get(CSV)
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_the_csv_counts_by_month_kind_township_and_state(site, create_item):
    received = working_day(40)
    month = f"{received:%Y-%m}"
    answered = utc(datetime.combine(add_working_days(received.date(), 2), time(9)))
    for _ in range(2):
        create_item(received=received, kind="barrier", township="xinfa", state="answered",
                    answered_at=answered)  # fmt: skip
    first = create_item(received=received, kind="barrier", township="xinfa")
    create_item(received=received, kind="barrier", township="xinfa", merged_into_id=first,
                state="closed")  # fmt: skip
    create_item(kind="question")
    make_staff(site, "li", "editor")
    response = signed_in(site, "li").get(CSV)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["月份", "类型", "镇街", "状态", "来信数", "已答复", "到期", "按期答复",
                       "首次答复用时中位数（工作日）"]  # fmt: skip
    assert [month, "无障碍问题", "信发街道", "新收到", "1", "0", "1", "0", ""] in rows
    assert [month, "无障碍问题", "信发街道", "已答复", "2", "2", "2", "2", "2"] in rows
    assert [f"{local_now():%Y-%m}", "提问或留言", "没有注明镇街", "新收到", "1", "0", "0", "0",
            ""] in rows  # fmt: skip
    assert len(rows) == 4


def test_the_inbox_links_to_the_csv_and_the_page(site):
    make_staff(site, "li", "editor")
    hrefs = parse(signed_in(site, "li").get("/staff/inbox/").data).find("main").hrefs
    assert CSV in hrefs and PAGE in hrefs


# --- Publishing an example -----------------------------------------------------------------


@pytest.fixture
def answered(create_item):
    """An answered barrier report."""
    return create_item(kind="barrier", township="xinfa", state="answered",
                       answered_at=utc(local_now()))  # fmt: skip


def example_form(client, item_id: int) -> dict:
    """The example form's token and version, as the item page has them."""
    page = parse(client.get(f"/staff/inbox/{item_id}").data)
    form = page.find("form", action=f"/staff/inbox/{item_id}/example")
    assert form is not None
    return {
        "csrf_token": token_in(str(page)),
        "version": form.find("input", name="version").get("value"),
    }


def published(site, item_id: int) -> FeedbackItem:
    with site.app_context():
        row = db.session.get(FeedbackItem, item_id)
        db.session.expunge(row)
        return row


def audit(site) -> list[tuple[str, str]]:
    with site.app_context():
        return [(a.action, a.key) for a in db.session.scalars(select(AuditEntry))]


def test_a_publisher_publishes_and_takes_down_an_example(site, answered):
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    text, english = "门口的坡道太陡，已经请场所改缓。", "The ramp at the door was made less steep."
    url = f"/staff/inbox/{answered}/example"
    data = {**example_form(fang, answered), "example": text, "example_en": english}
    response = fang.post(url, data={**data, "action": "publish"})
    assert response.status_code == 303
    row = published(site, answered)
    assert (row.example_text, row.example_text_en) == (text, english)
    assert row.example_published_at is not None
    assert text in site.test_client().get(PAGE).text
    assert english in site.test_client().get("/en" + PAGE).text
    data = {**example_form(fang, answered), "example": text, "example_en": english}
    assert fang.post(url, data={**data, "action": "unpublish"}).status_code == 303
    row = published(site, answered)
    assert row.example_published_at is None and row.example_text == text
    assert text not in site.test_client().get(PAGE).text
    assert [a for a in audit(site) if a[0].startswith("inbox-example")] == [
        ("inbox-example-publish", row.reference),
        ("inbox-example-unpublish", row.reference),
    ]


def test_a_stale_example_is_refused_and_the_text_kept(site, answered):
    make_staff(site, "fang", "publisher")
    make_staff(site, "li", "editor")
    fang, li = signed_in(site, "fang"), signed_in(site, "li")
    stale = example_form(fang, answered)
    page = li.get(f"/staff/inbox/{answered}")
    version = parse(page.data).find("input", name="version").get("value")
    moved = {"csrf_token": token_in(page.data), "version": version, "state": "closed"}
    assert li.post(f"/staff/inbox/{answered}/state", data=moved).status_code == 303
    text = "居民反映电梯坏了，我们联系了物业修好了。"
    response = fang.post(f"/staff/inbox/{answered}/example",
                         data={**stale, "example": text, "example_en": "Lift repaired.",
                               "action": "publish"})  # fmt: skip
    assert response.status_code == 409
    assert "别人已经改过这一条" in error_summary(response.data).text
    form = parse(response.data)
    assert form.find("textarea", id="field-example").text == text
    assert form.find("textarea", id="field-example_en").text == "Lift repaired."
    assert published(site, answered).example_published_at is None


def test_an_example_sent_from_an_expired_page_keeps_both_texts(site, answered):
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    data = {**example_form(fang, answered), "csrf_token": "expired", "action": "publish",
            "example": "盲道上的车已经移走。", "example_en": "The car was moved."}  # fmt: skip
    response = fang.post(f"/staff/inbox/{answered}/example", data=data)
    assert response.status_code == 400
    form = parse(response.data)
    assert form.find("textarea", id="field-example").text == "盲道上的车已经移走。"
    assert form.find("textarea", id="field-example_en").text == "The car was moved."


def test_taking_an_example_down_after_the_session_lapsed_keeps_no_draft(site, answered):
    """The take-down button sends the example's text along: kept as a draft, it came back
    as "what you wrote" after signing in, and stayed after the take-down."""
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    data = {**example_form(fang, answered), "action": "publish", "example": "坡道修好了。"}
    assert fang.post(f"/staff/inbox/{answered}/example", data=data).status_code == 303
    down = {**example_form(fang, answered), "action": "unpublish", "example": "坡道修好了。"}
    with site.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = fang.post(f"/staff/inbox/{answered}/example", data=down)
    assert "例子没有撤下" in fang.get(response.headers["Location"]).text  # the sign-in page
    assert "放回下面的表单" not in signed_in(site, "fang").get(f"/staff/inbox/{answered}").text
    assert published(site, answered).example_published_at is not None


def test_merging_an_item_takes_its_example_down(site, answered, create_item):
    """A merged item's page offers no example form, so a published example stayed up
    with no way to take it down."""
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    data = {**example_form(fang, answered), "action": "publish", "example": "盲道修好了。"}
    assert fang.post(f"/staff/inbox/{answered}/example", data=data).status_code == 303
    target = published(site, create_item(kind="barrier"))
    page = fang.get(f"/staff/inbox/{answered}")
    version = parse(page.data).find("input", name="version").get("value")
    merge = {"csrf_token": token_in(page.data), "version": version, "target": target.reference,
             "confirm": "yes"}  # fmt: skip
    assert fang.post(f"/staff/inbox/{answered}/merge", data=merge).status_code == 303
    row = published(site, answered)
    assert row.merged_into_id == target.id and row.example_published_at is None
    assert row.example_text == "盲道修好了。"


def test_an_example_sent_after_the_session_lapsed_comes_back_after_signing_in(site, answered):
    """Reply and note kept their text when the session had ended; the example was lost."""
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    data = {**example_form(fang, answered), "action": "publish",
            "example": "坡道上的杂物已经清走。", "example_en": "The ramp was cleared."}  # fmt: skip
    with site.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = fang.post(f"/staff/inbox/{answered}/example", data=data)
    assert response.status_code == 303 and "/staff/sign-in" in response.headers["Location"]
    assert published(site, answered).example_published_at is None
    fang = signed_in(site, "fang")
    page = parse(fang.get(f"/staff/inbox/{answered}").data)
    assert page.find("textarea", id="field-example").text == "坡道上的杂物已经清走。"
    assert page.find("textarea", id="field-example_en").text == "The ramp was cleared."
    assert "放回下面的表单" in page.find("main").text
    again = {**example_form(fang, answered), "action": "publish",
             "example": "坡道上的杂物已经清走。", "example_en": ""}  # fmt: skip
    assert fang.post(f"/staff/inbox/{answered}/example", data=again).status_code == 303
    assert "放回下面的表单" not in fang.get(f"/staff/inbox/{answered}").text


@pytest.mark.parametrize(
    ("example", "problem"),
    [("", "请用中文写这个例子"), ("长" * 301, "最多 300 个字"), ("坏\x07了", "控制字符")],
)
def test_a_bad_example_is_refused_with_the_text_kept(site, answered, example, problem):
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    data = {**example_form(fang, answered), "example": example, "action": "publish"}
    response = fang.post(f"/staff/inbox/{answered}/example", data=data)
    assert response.status_code == 400
    summary = error_summary(response.data)
    assert problem in summary.text and summary.find("a", href="#field-example") is not None
    assert published(site, answered).example_published_at is None


def test_only_an_answered_or_closed_item_can_be_an_example(site, create_item):
    waiting = create_item()
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    page = parse(fang.get(f"/staff/inbox/{waiting}").data)
    assert page.find("form", action=f"/staff/inbox/{waiting}/example") is None
    data = {"csrf_token": token_in(str(page)), "version": "1", "example": "例子",
            "action": "publish"}  # fmt: skip
    assert fang.post(f"/staff/inbox/{waiting}/example", data=data).status_code == 400
    assert published(site, waiting).example_published_at is None


def test_an_editor_cannot_publish_an_example(site, answered):
    make_staff(site, "li", "editor")
    li = signed_in(site, "li")
    page = parse(li.get(f"/staff/inbox/{answered}").data)
    assert page.find("form", action=f"/staff/inbox/{answered}/example") is None
    data = {"csrf_token": token_in(str(page)), "version": "1", "example": "例子",
            "action": "publish"}  # fmt: skip
    assert li.post(f"/staff/inbox/{answered}/example", data=data).status_code == 403


def test_what_is_counted_stays_when_an_item_s_personal_data_goes_for_its_age(site, create_item):
    """An item nobody closed loses its words and contact details at FEEDBACK_MAX_AGE_DAYS;
    the statistics, and the CSV, count it as received and due as before; it is closed then
    (nobody can answer it), so no longer waiting."""
    from barrierfree.staff.periodic import housekeeping

    received = working_day(10)
    old = create_item(received=received, kind="barrier", township="xinfa",
                      state="in_progress", contact_email=EMAIL)  # fmt: skip
    create_item(received=received, kind="barrier", township="xinfa")
    site.config["FEEDBACK_MAX_AGE_DAYS"] = 9

    def counted() -> tuple:
        found = statistics.figures()
        townships = [(tuple(t) if t else None, n) for t, n in found.by_township]
        groups: dict = {}
        for g in statistics.groups(months()):  # whatever their state
            key = (g.month, g.kind, g.township_id)
            groups[key] = groups.get(key, 0) + g.items
        return found.by_month, townships, found.timing, groups

    with site.app_context():
        before = counted()
        assert statistics.waiting() == (2, 2)
    make_staff(site, "li", "editor")
    csv_before = signed_in(site, "li").get(CSV).get_data(as_text=True)
    with site.app_context():
        housekeeping()
        row = db.session.get(FeedbackItem, old)
        assert row.purged_at and row.body == "" and row.contact_email is None
        # Closed as its data went (nobody can answer it now); received and due as before.
        assert (row.state, row.kind, row.township.slug) == ("closed", "barrier", "xinfa")
        assert counted() == before
        assert statistics.waiting() == (0, 0)
    csv_after = signed_in(site, "li").get(CSV).get_data(as_text=True)

    def totals(text: str) -> tuple[int, int]:
        """Items and items due, over the CSV's rows."""
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:]
        return sum(int(r[4]) for r in rows), sum(int(r[6]) for r in rows)

    assert totals(csv_after) == totals(csv_before) == (2, 2)
    assert f"{received:%Y-%m},无障碍问题,信发街道,已关闭,2,0,2,0," in csv_after


@pytest.mark.parametrize("change", ["unpublish", "reopen", "follow-up"])
def test_an_example_taken_down_leaves_the_cached_page_at_once(tmp_path, change):
    """The items are a staff-only table to the page cache (a message changes no public
    page), but a published example is on this page: taken down, or its item reopened by
    staff or by the resident's follow-up, the page cached with it was served on."""
    site = make_loaded_app(tmp_path / "cached.sqlite", FEEDBACK_ANSWER_DAYS=5)
    status = "/feedback/status/" + "k" * 43
    with site.app_context():
        row = FeedbackItem(
            year=2026, sequence=1, kind="barrier", body=RESIDENT_TEXT,
            token_hash=token_hash("k" * 43),
            text_hash="text-cached", state="answered", answered_at=utcnow(),
            due_on=add_working_days(local_now().date(), 5),
        )  # fmt: skip
        db.session.add(row)
        db.session.commit()
        answered = row.id
    make_staff(site, "fang", "publisher")
    fang = signed_in(site, "fang")
    data = {**example_form(fang, answered), "action": "publish", "example": "盲道修好了。"}
    assert fang.post(f"/staff/inbox/{answered}/example", data=data).status_code == 303
    assert "盲道修好了。" in site.test_client().get(PAGE).text
    assert site.test_client().get(PAGE).headers["X-Page-Cache"] == "hit"
    if change == "unpublish":
        data = {**example_form(fang, answered), "action": "unpublish", "example": "盲道修好了。"}
        assert fang.post(f"/staff/inbox/{answered}/example", data=data).status_code == 303
    elif change == "reopen":
        page = fang.get(f"/staff/inbox/{answered}")
        version = parse(page.data).find("input", name="version").get("value")
        moved = {"csrf_token": token_in(page.data), "version": version, "state": "in_progress"}
        assert fang.post(f"/staff/inbox/{answered}/state", data=moved).status_code == 303
    else:
        resident = site.test_client()
        added = {"csrf_token": token_in(resident.get(status).data), "body": "坡道还是太陡。"}
        assert resident.post(status, data=added).status_code == 303
    assert "盲道修好了。" not in site.test_client().get(PAGE).text
