"""Which services fit a set of answers, and why: the rules applied to the answers.

A condition of a rule is met when the answer is one of its codes, open when the answer is
不确定 (or 多重残疾 alone, which does not say which categories: questions.unnamed), and
failed otherwise (a question not asked fails it too). A rule whose conditions are all met
puts its service in its group; one with open conditions and none failed puts it in "may
fit" (可能适合，需要核实): 不确定 never blocks a result, and never passes for a yes.
A service takes the best group any of its rules gives, with the reasons of those rules; a
check that holds then lowers 很可能 to 可能 and says what to verify.
"""

from dataclasses import dataclass

from .questions import BY_ID, UNSURE, Answers, unnamed
from .rules import LIKELY, POSSIBLE, Check, Rule, Rules, Source

MET, OPEN, FAILED = "met", "open", "failed"


@dataclass(frozen=True)
class Reason:
    """Why a rule matched: the answers that met it, the questions answered 不确定, and
    those whose answer left the rule open without saying enough (多重残疾 alone): a card
    says why such a service is shown as possible."""

    rule: Rule
    chosen: tuple[tuple[str, str], ...]  # (question id, option code), in question order
    unsure: tuple[str, ...]  # question ids
    unnamed: tuple[str, ...] = ()  # question ids


@dataclass(frozen=True)
class Finding:
    """A service that fits or may fit, why, and the checks that apply to it."""

    service: str
    group: str
    reasons: tuple[Reason, ...]
    checks: tuple[Check, ...]

    @property
    def sources(self) -> list[Source]:
        """The sources of its reasons and checks, each once (by kind and key)."""
        cited = [s for r in self.reasons for s in r.rule.sources]
        cited += [s for check in self.checks for s in check.sources]
        unique: dict[tuple[str, str], Source] = {}
        for source in cited:
            unique.setdefault((source.kind, source.key), source)
        return list(unique.values())


def state(question_id: str, codes: tuple[str, ...], answers: Answers) -> str:
    """Whether the answer to a question meets a condition on it."""
    answer = answers.get(question_id)
    if not answer:
        return FAILED
    if set(answer) & set(codes):
        return MET
    return OPEN if answer == (UNSURE,) or unnamed(question_id, answer) else FAILED


def match(rule: Rule, answers: Answers) -> tuple[str | None, Reason]:
    """The group a rule gives these answers (None when it does not match), and why."""
    states = {c.question: state(c.question, c.codes, answers) for c in rule.conditions}
    chosen = tuple(
        (qid, code)
        for qid in BY_ID
        for condition in rule.conditions
        if condition.question == qid and states[qid] == MET
        for code in answers[qid]
        if code in condition.codes
    )
    opened = [qid for qid in BY_ID if states.get(qid) == OPEN]
    unsure = tuple(qid for qid in opened if answers[qid] == (UNSURE,))
    reason = Reason(rule, chosen, unsure, tuple(qid for qid in opened if qid not in unsure))
    if FAILED in states.values():
        return None, reason
    return (POSSIBLE if opened else rule.group), reason


def assess(rules: Rules, answers: Answers) -> list[Finding]:
    """Every service that fits or may fit, in the order of the rules file."""
    findings = []
    for service in rules.services():
        matched = [match(rule, answers) for rule in rules.rules if rule.service == service]
        groups = [group for group, _reason in matched if group]
        if not groups:
            continue
        group = LIKELY if LIKELY in groups else POSSIBLE
        reasons = tuple(reason for found, reason in matched if found == group)
        checks = tuple(check for check in rules.checks if check.applies(answers, service))
        findings.append(Finding(service, POSSIBLE if checks else group, reasons, checks))
    return findings
