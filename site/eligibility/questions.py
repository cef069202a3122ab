"""The questions of 我能申请什么, in the order they are asked, and which are asked when.

Each question has a short title (the row of the check-your-answers page, and "您选了“不确定”：
残疾等级" in a result) and its options, each with the words of the question page and the
short words of a reason ("因为您选了：一级、需要长期照护"). Every question but the first
offers 不确定: the first asks who is checking, which the person answering always knows.

Answers are a dict of question id to the tuple of chosen option codes, in option order.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..services.models import DISABILITY_CATEGORIES

Answers = dict[str, tuple[str, ...]]

UNSURE = "unsure"
SELF = "self"


@dataclass(frozen=True)
class Option:
    """One answer to a question."""

    code: str
    label: str  # as the question page and the check page show it
    short: str  # as a reason quotes it: 因为您选了：<short>、<short>


def _always(_answers: Answers) -> bool:
    return True


def _never(_answers: Answers) -> bool:
    return False


@dataclass(frozen=True)
class Question:
    """One question: one page, one fieldset, radios (or checkboxes when `multiple`)."""

    id: str
    title: str
    ask_self: str  # asked of someone checking for themselves
    ask_other: str  # asked about someone else: %(who)s is 您的家人 or 您帮忙查询的人
    options: tuple[Option, ...]
    hint: str | None = None
    multiple: bool = False
    asked_when: Callable[[Answers], bool] = field(default=_always, compare=False)
    # Codes the question once offered and offers no more: a page kept from before (Back, a
    # restored tab) may still send one, and the question is then asked again (answers.py).
    retired: tuple[str, ...] = ()
    # Answers for which the question was once not asked: a page kept from before may come
    # back without its answer, and the question is then asked in its turn (answers.py).
    added_when: Callable[[Answers], bool] = field(default=_never, compare=False)

    @property
    def codes(self) -> tuple[str, ...]:
        """The option codes, in order."""
        return tuple(option.code for option in self.options)

    def option(self, code: str) -> Option:
        """The option with `code`."""
        return next(option for option in self.options if option.code == code)

    def text(self, answers: Answers) -> str:
        """The question as asked of whoever the check is for (question 1's answer)."""
        if _whom(answers) == SELF:
            return str(self.ask_self)
        return str(self.ask_other) % {"who": who(answers)}


def _unsure() -> Option:
    return Option(UNSURE, _l("不确定"), _l("不确定"))


WHO = {SELF: _l("您"), "family": _l("您的家人"), "other": _l("您帮忙查询的人")}


def _whom(answers: Answers) -> str:
    return answers.get(FOR_WHOM.id, (SELF,))[0]


def who(answers: Answers) -> str:
    """Whom the check is for, as a result names them: 您, 您的家人 or 您帮忙查询的人."""
    return str(WHO[_whom(answers)])


FOR_WHOM = Question(
    "for_whom",
    _l("为谁查询"),
    _l("您在为谁查询？"),
    _l("您在为谁查询？"),
    (
        Option(SELF, _l("我自己"), _l("为自己查询")),
        Option("family", _l("家人"), _l("为家人查询")),
        Option("other", _l("别人（比如朋友、邻居，或者我服务的人）"), _l("为别人查询")),
    ),
    hint=_l("后面的问题，问的都是这里选的人的情况：您自己，或者您帮忙查询的人。"),
)

# The ages split where the sources split: rehabilitation assistance for disabled children is
# for ages 0 to 6 (国发〔2018〕20号), a child is sent to school at 6, or at 7 where conditions
# are lacking (the Compulsory Education Law, article 11), Rukang Home is for ages 16 and over
# (专栏2), and work is asked from 16, the minimum working age (the Labour Law, 劳动法, article
# 15: 禁止用人单位招用未满十六周岁的未成年人). Ages in full years (周岁), as the sources count
# them.
AGE = Question(
    "age",
    _l("年龄"),
    _l("您多大年纪？"),
    _l("%(who)s多大年纪？"),
    (
        Option("0-5", _l("不满6周岁"), _l("不满6周岁")),
        Option("6", _l("6周岁"), _l("6周岁")),
        Option("7-15", _l("7到15周岁"), _l("7到15周岁")),
        Option("16-17", _l("16或17周岁"), _l("16或17周岁")),
        Option("18-59", _l("18到59周岁"), _l("18到59周岁")),
        Option("60-plus", _l("60周岁或以上"), _l("60周岁或以上")),
        _unsure(),
    ),
    hint=_l("按周岁算：过了几次生日，就是几周岁。"),
    # 0 to 6 and 7 to 17, until the ages split where the sources split.
    retired=("0-6", "7-17"),
)

# The ages asked about work: 16 and over, and 不确定 (an age not yet given counts as 不确定).
WORKING_AGES = ("16-17", "18-59", "60-plus", UNSURE)

RESIDENCE = Question(
    "residence",
    _l("住在哪里"),
    _l("您住在茌平区吗？"),
    _l("%(who)s住在茌平区吗？"),
    (
        Option("hukou", _l("住在茌平区，户籍（户口）也在茌平区"), _l("户籍在茌平区")),
        Option("resident", _l("常住在茌平区，户籍在别的地方"), _l("常住茌平区、户籍在外地")),
        Option("away", _l("户籍在茌平区，现在住在别的地方"), _l("户籍在茌平区、住在外地")),
        Option("elsewhere", _l("户籍和住处都不在茌平区"), _l("户籍和住处都不在茌平区")),
        _unsure(),
    ),
)

CERTIFICATE = Question(
    "certificate",
    _l("残疾人证"),
    _l("您有残疾人证吗？"),
    _l("%(who)s有残疾人证吗？"),
    (
        Option("yes", _l("有，已经拿到了"), _l("有残疾人证")),
        Option("applying", _l("正在申请"), _l("正在申请残疾人证")),
        Option("no", _l("没有，也没有申请"), _l("没有残疾人证")),
        _unsure(),
    ),
    hint=_l("残疾人证上写着残疾类别和残疾等级。"),
)

CATEGORIES = Question(
    "categories",
    _l("残疾类别"),
    _l("您是哪一类残疾？"),
    _l("%(who)s是哪一类残疾？"),
    (
        *(Option(code, name, name) for code, name in DISABILITY_CATEGORIES.items()),
        _unsure(),
    ),
    # No source the site cites says which category autism or cerebral palsy is assessed
    # as: the hint names them and leaves it to the assessment.
    hint=_l(
        "可以选几项。多重残疾，请把每一类也选上。孤独症（自闭症）、脑瘫算哪一类，"
        "以残疾评定为准；不清楚的，可以选“不确定”。"
    ),
    multiple=True,
)

# 多重残疾 is two or more of the other categories at once (GB/T 26341-2010). Chosen alone it
# does not say which, so each category is possible: a condition on another category is left
# open, as 不确定 leaves it (assess.py), never failed. With some categories ticked, those are
# the categories; a condition naming 多重残疾 itself is met by it either way.
MULTIPLE = "multiple"


def unnamed(question_id: str, answer: tuple[str, ...]) -> bool:
    """True when `answer` is 多重残疾 alone: a disability of two or more categories, not
    saying which."""
    return question_id == CATEGORIES.id and answer == (MULTIPLE,)


GRADE = Question(
    "grade",
    _l("残疾等级"),
    _l("您是几级残疾？"),
    _l("%(who)s是几级残疾？"),
    (
        Option("1", _l("一级"), _l("一级")),
        Option("2", _l("二级"), _l("二级")),
        Option("3", _l("三级"), _l("三级")),
        Option("4", _l("四级"), _l("四级")),
        _unsure(),
    ),
    hint=_l("一级最重，四级最轻。还没有评定的，请选“不确定”。"),
)

STUDYING = Question(
    "studying",
    _l("上学"),
    _l("您现在在上学吗？"),
    _l("%(who)s现在在上学吗？"),
    (
        Option("preschool", _l("上幼儿园，或者在康复机构接受学前教育"), _l("上幼儿园或学前教育")),
        Option("compulsory", _l("上小学或初中"), _l("上小学或初中")),
        Option("secondary", _l("上高中或中等职业学校"), _l("上高中或中等职业学校")),
        Option("university", _l("上大学"), _l("上大学")),
        Option("no", _l("没有上学"), _l("没有上学")),
        _unsure(),
    ),
    asked_when=lambda answers: answers.get(AGE.id) != ("60-plus",),
)

WORK = Question(
    "work",
    _l("工作"),
    _l("您现在的工作情况是？"),
    _l("%(who)s现在的工作情况是？"),
    (
        Option("employed", _l("有工作"), _l("有工作")),
        Option("looking", _l("想工作，正在找工作"), _l("在找工作")),
        Option("self-employed", _l("自己创业、灵活就业，或者想创业"), _l("创业或灵活就业")),
        Option("unable", _l("不能工作"), _l("不能工作")),
        Option("other", _l("都不是（比如在上学，或者已经退休）"), _l("不工作，也不找工作")),
        _unsure(),
    ),
    asked_when=lambda answers: answers.get(AGE.id, (UNSURE,))[0] in WORKING_AGES,
    # Asked from 18 before it was asked from 16: a page kept from then may lack it at 16-17.
    added_when=lambda answers: answers.get(AGE.id) == ("16-17",),
)

HOUSEHOLD = Question(
    "household",
    _l("家庭经济情况"),
    _l("您家的经济情况是哪一种？"),
    _l("%(who)s所在的家庭，经济情况是哪一种？"),
    (
        Option("dibao", _l("享受最低生活保障（低保）"), _l("低保")),
        Option("tekun", _l("是特困人员（特困供养）"), _l("特困人员")),
        Option("low-income", _l("低收入家庭（比如低保边缘家庭）"), _l("低收入家庭")),
        Option("none", _l("都不是"), _l("不是低保、特困或低收入家庭")),
        _unsure(),
    ),
)

NEEDS = Question(
    "needs",
    _l("需要的帮助"),
    _l("您需要哪些帮助？"),
    _l("%(who)s需要哪些帮助？"),
    (
        Option("rehabilitation", _l("康复（康复训练、康复治疗）"), _l("需要康复")),
        Option("assistive-devices", _l("辅助器具（比如轮椅、助听器、假肢）"), _l("需要辅助器具")),
        Option(
            "home-adaptation", _l("家里的无障碍改造（比如扶手、坡道）"), _l("需要家里无障碍改造")
        ),
        Option("daily-care", _l("日常照料：需要别人长期照护（比如卧床）"), _l("需要长期照护")),
        Option("housing", _l("住房：房子不安全，或者没有合适的房子"), _l("需要住房帮助")),
        Option("legal", _l("法律帮助"), _l("需要法律帮助")),
        Option("culture-sport", _l("文化和体育活动"), _l("想参加文化体育活动")),
        Option(
            "communication",
            _l("信息和沟通（比如手语、读屏、话费和流量优惠）"),
            _l("需要信息和沟通方面的帮助"),
        ),
        _unsure(),
    ),
    hint=_l("可以选几项。"),
    multiple=True,
)

# In the order they are asked. Age comes second: it decides which questions follow, so the
# progress can give the exact number of questions from the third on.
QUESTIONS = (
    FOR_WHOM,
    AGE,
    RESIDENCE,
    CERTIFICATE,
    CATEGORIES,
    GRADE,
    STUDYING,
    WORK,
    HOUSEHOLD,
    NEEDS,
)
BY_ID = {question.id: question for question in QUESTIONS}


def sequence(answers: Answers) -> list[Question]:
    """The questions asked, given the answers so far, in order."""
    return [question for question in QUESTIONS if question.asked_when(answers)]


def next_unanswered(answers: Answers) -> Question | None:
    """The first question asked and not yet answered; None when every one is."""
    return next((q for q in sequence(answers) if q.id not in answers), None)


def before(question: Question, answers: Answers) -> Question | None:
    """The question asked before `question`; None for the first."""
    asked = sequence(answers)
    index = asked.index(question) if question in asked else len(asked)
    return asked[index - 1] if index > 0 else None


def after(question: Question, answers: Answers) -> Question | None:
    """The question asked after `question`; None for the last."""
    asked = sequence(answers)
    index = asked.index(question)
    return asked[index + 1] if index + 1 < len(asked) else None


def pruned(answers: Answers) -> Answers:
    """The answers without those to questions no longer asked (after age was changed)."""
    asked = {question.id for question in sequence(answers)}
    return {qid: values for qid, values in answers.items() if qid in asked}


@dataclass(frozen=True)
class Progress:
    """Where a question stands: its number, and the number of questions, which is a range
    (low, high) until the answer to age settles which questions follow."""

    number: int
    low: int
    high: int


def totals(answers: Answers) -> tuple[int, int]:
    """How many questions there are in all, as far as the answers so far tell: the fewest
    and the most (the same once age is answered)."""
    if AGE.id in answers:
        asked = len(sequence(answers))
        return asked, asked
    counts = [len(sequence({**answers, AGE.id: (code,)})) for code in AGE.codes]
    return min(counts), max(counts)


def progress(question: Question, answers: Answers) -> Progress:
    """The question's number and how many questions there are, as far as known."""
    return Progress(sequence(answers).index(question) + 1, *totals(answers))
