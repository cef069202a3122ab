"""The rules of 我能申请什么, read from content/eligibility.yaml (format in its header).

A rule says: when the answers are these, this service fits (很可能适合) or may fit (可能适合，
需要核实), in these plain words, because of this source. A check says: when the answers are
these, no service is more than "may fit", and what to verify.

The file is refused, naming the rule, when a rule or check has no source, names a service,
measure, project, document, question or answer that does not exist, quotes words that are
not in the plan, or lacks the Chinese or English of a text. The plan is the one in the same
content folder (plan.yaml, boxes.yaml), so a quote is checked against what the site shows.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ..content.files import ContentError, read_all, read_yaml
from ..i18n import is_english
from .questions import BY_ID, Answers

FILE = "eligibility.yaml"
LIKELY, POSSIBLE = "likely", "possible"
GROUPS = (LIKELY, POSSIBLE)
SOURCE_KINDS = ("measure", "project", "document", "plan")


@dataclass(frozen=True)
class Text:
    """A text of the rules file in both languages; str() is the visitor's."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en if is_english() else self.zh


@dataclass(frozen=True)
class Document:
    """A national or provincial policy document, cited by its number; or a law, which has
    none, cited by the article that settles the rule (`article`: 第十一条, Article 11)."""

    number: str  # the key a rule cites it by: the number, or a law's title and article
    title: Text
    article: Text | None = None

    @property
    def cited(self) -> Text:
        """What follows the title in a citation: a document number stays as printed in
        both languages (国发〔2015〕52号); a law's article is translated (Article 11)."""
        return self.article or Text(self.number, self.number)


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: a measure or project of the plan (with the words quoted), a
    named document (with what it says), or the plan as a whole (with what it says)."""

    kind: str
    key: str  # the measure or project slug, the document's (Document.number); "" for the plan
    quote: str | None = None  # the plan's own words, as printed (Chinese)
    says: Text | None = None  # what a document or the plan says that settles the rule
    document: Document | None = None


@dataclass(frozen=True)
class Condition:
    """The answer to `question` is one of `codes` (for several answers: any of them)."""

    question: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """When every condition holds, `service` falls in `group`, for the reason `explain`."""

    id: str
    service: str
    group: str
    conditions: tuple[Condition, ...]
    explain: Text
    verify: Text | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Check:
    """When a condition holds, every service (or only those in `only`) but `exempt` is at
    most "may fit": `explain` says what to verify."""

    id: str
    conditions: tuple[Condition, ...]
    exempt: tuple[str, ...]
    explain: Text
    sources: tuple[Source, ...]
    only: tuple[str, ...] = ()

    def applies(self, answers: Answers, service: str) -> bool:
        """True when the check holds for these answers and this service."""
        return (
            (not self.only or service in self.only)
            and service not in self.exempt
            and all(set(answers.get(c.question, ())) & set(c.codes) for c in self.conditions)
        )


@dataclass(frozen=True)
class Rules:
    """The whole file: documents, checks and rules, in file order."""

    documents: tuple[Document, ...]
    checks: tuple[Check, ...]
    rules: tuple[Rule, ...]

    def services(self) -> list[str]:
        """The services the rules name, in the order of their first rule."""
        return list(dict.fromkeys(rule.service for rule in self.rules))


def rules() -> Rules:
    """The rules of the app's content folder, read once per process."""
    loaded = current_app.extensions.get("eligibility_rules")
    if loaded is None:
        loaded = load(Path(current_app.config["CONTENT_DIR"]))
        current_app.extensions["eligibility_rules"] = loaded
    return loaded


def load(directory: Path) -> Rules:
    """Read and check `directory`/eligibility.yaml against the plan and services there."""
    data = read_yaml(directory / FILE)
    records = read_all(directory)
    plan = _Plan(
        services={record["slug"] for record in records["services"]},
        measures={record["slug"]: record.get("body") or "" for record in records["measures"]},
        projects={record["slug"]: record.get("body") or "" for record in records["projects"]},
    )
    documents = tuple(_document(item) for item in _items(data, "documents"))
    plan.documents = {document.number: document for document in documents}
    checks = tuple(
        _check(item, index, plan) for index, item in enumerate(_items(data, "checks"), 1)
    )
    rules = tuple(_rule(item, index, plan) for index, item in enumerate(_items(data, "rules"), 1))
    if not rules:
        raise ContentError(f"{FILE}: no rules")
    return Rules(documents, checks, rules)


@dataclass
class _Plan:
    """What a rule may refer to."""

    services: set[str]
    measures: dict[str, str]
    projects: dict[str, str]
    documents: dict | None = None


def _items(data: dict, key: str) -> list[dict]:
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ContentError(f"{FILE}: {key} must be a list of mappings")
    return items


def _document(item: dict) -> Document:
    """A document by its number, or a law by its article (never both): the key a rule
    cites a law by is its Chinese title and article, 中华人民共和国义务教育法第十一条."""
    number = item.get("number")
    if "article" in item:
        where = f"document {number or item.get('title')}"
        if number:
            raise ContentError(f"{FILE}: {where}: a law has an article, not a number")
        title, article = _text(item, "title", where), _text(item, "article", where)
        return Document(title.zh + article.zh, title, article)
    if not number:
        raise ContentError(f"{FILE}: a document without its number")
    return Document(str(number), _text(item, "title", f"document {number}"))


def _rule(item: dict, index: int, plan: _Plan) -> Rule:
    service = item.get("service")
    where = f"rule {index} ({service})"
    _only(item, {"service", "group", "when", "explain", "verify", "source"}, where)
    if service not in plan.services:
        raise ContentError(f"{FILE}: {where}: no service has the slug {service!r}")
    group = item.get("group")
    if group not in GROUPS:
        raise ContentError(f"{FILE}: {where}: group must be one of {', '.join(GROUPS)}")
    if group == POSSIBLE and not item.get("verify"):
        raise ContentError(f"{FILE}: {where}: a 'possible' rule says what to verify (verify)")
    return Rule(
        id=f"{service}-{index}",
        service=service,
        group=group,
        conditions=_conditions(item.get("when"), where),
        explain=_text(item, "explain", where),
        verify=_text(item, "verify", where) if item.get("verify") else None,
        sources=_sources(item.get("source"), where, plan),
    )


def _check(item: dict, index: int, plan: _Plan) -> Check:
    where = f"check {index} ({item.get('id')})"
    _only(item, {"id", "when", "only", "except", "explain", "source"}, where)
    if not item.get("id"):
        raise ContentError(f"{FILE}: {where}: a check has an id")
    if "only" in item and not item["only"]:
        raise ContentError(f"{FILE}: {where}: 'only' lists at least one service")
    only, exempt = tuple(item.get("only") or ()), tuple(item.get("except") or ())
    unknown = [slug for slug in only + exempt if slug not in plan.services]
    if unknown:
        raise ContentError(f"{FILE}: {where}: no service has the slug {unknown[0]!r}")
    return Check(
        id=str(item["id"]),
        conditions=_conditions(item.get("when"), where),
        exempt=exempt,
        explain=_text(item, "explain", where),
        sources=_sources(item.get("source"), where, plan),
        only=only,
    )


def _only(item: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ContentError(f"{FILE}: {where}: unknown field {unknown[0]!r}")


def _conditions(when: object, where: str) -> tuple[Condition, ...]:
    """The conditions of a rule's `when`, checked against the questions."""
    if not isinstance(when, dict) or not when:
        raise ContentError(f"{FILE}: {where}: 'when' names at least one question and its answers")
    conditions = []
    for question_id, codes in when.items():
        question = BY_ID.get(question_id)
        if question is None:
            raise ContentError(f"{FILE}: {where}: no question has the id {question_id!r}")
        codes = [str(code) for code in (codes if isinstance(codes, list) else [codes])]
        unknown = [code for code in codes if code not in question.codes]
        if unknown or not codes:
            raise ContentError(
                f"{FILE}: {where}: {question_id} has no answer {(unknown or [''])[0]!r}"
            )
        conditions.append(Condition(question_id, tuple(codes)))
    return tuple(conditions)


def _text(item: dict, key: str, where: str) -> Text:
    value = item.get(key)
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in ("zh", "en")
    ):
        raise ContentError(f"{FILE}: {where}: {key} needs both zh and en")
    return Text(value["zh"].strip(), value["en"].strip())


WHITE_SPACE = re.compile(r"\s+")


def _sources(items: object, where: str, plan: _Plan) -> tuple[Source, ...]:
    """The sources a rule cites (one, or a list), each checked."""
    if not items:
        raise ContentError(f"{FILE}: {where}: a rule without a source is not taken (source)")
    if not isinstance(items, list):
        items = [items]
    return tuple(_source(item, where, plan) for item in items)


def _source(item: object, where: str, plan: _Plan) -> Source:
    """One source a rule cites, checked against the plan."""
    kinds = [kind for kind in SOURCE_KINDS if isinstance(item, dict) and kind in item]
    if len(kinds) != 1 or not isinstance(item, dict):
        raise ContentError(f"{FILE}: {where}: each source is one of {', '.join(SOURCE_KINDS)}")
    kind = kinds[0]
    key = "" if kind == "plan" else str(item[kind])
    if kind in ("measure", "project"):
        bodies = plan.measures if kind == "measure" else plan.projects
        if key not in bodies:
            raise ContentError(f"{FILE}: {where}: no {kind} has the slug {key!r}")
        quote = item.get("quote")
        if not quote or WHITE_SPACE.sub("", quote) not in WHITE_SPACE.sub("", bodies[key]):
            raise ContentError(f"{FILE}: {where}: the quote is not in {kind} {key}: {quote!r}")
        return Source(kind, key, quote=quote.strip())
    if kind == "document" and key not in (plan.documents or {}):
        raise ContentError(f"{FILE}: {where}: the document {key} is not listed in documents")
    document = (plan.documents or {})[key] if kind == "document" else None
    return Source(kind, key, says=_text(item, "says", where), document=document)
