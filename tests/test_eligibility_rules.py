"""我能申请什么: the rules file, the questions, and what the rules make of answers.

Table-driven: each profile (a resident's answers) is listed with the services it gives as
很可能适合 (likely) and 可能适合、需要核实 (possible); every other service is "the rest".
The rules are walked too: every rule is met by some answers, so every service can be
reached. And content/eligibility.yaml is refused when a rule has no source, or names what
does not exist.
"""

import dataclasses
import re

import pytest
import yaml
from barrierfree import PROJECT_ROOT
from barrierfree.content.files import ContentError, read_yaml
from barrierfree.eligibility.assess import assess, match
from barrierfree.eligibility.questions import (
    AGE,
    CATEGORIES,
    FOR_WHOM,
    QUESTIONS,
    UNSURE,
    next_unanswered,
    progress,
    pruned,
    sequence,
    totals,
)
from barrierfree.eligibility.rules import LIKELY, POSSIBLE, Condition, load

pytestmark = pytest.mark.no_database

SERVICES = sorted(path.stem for path in (PROJECT_ROOT / "content" / "services").glob("*.yaml"))
EVERY_SERVICE = " ".join(SERVICES)


@pytest.fixture(scope="module")
def rules():
    """The rules of content/eligibility.yaml, checked against content/."""
    return load(PROJECT_ROOT / "content")


# Someone checking for themselves, 18 to 59, hukou in Chiping, with a certificate, a grade 4
# physical disability, not studying, employed, in no assistance scheme, unsure what they need.
BASE = {
    "for_whom": "self",
    "age": "18-59",
    "residence": "hukou",
    "certificate": "yes",
    "categories": ("physical",),
    "grade": "4",
    "studying": "no",
    "work": "employed",
    "household": "none",
    "needs": (UNSURE,),
}


def profile(**changes) -> dict[str, tuple[str, ...]]:
    """BASE with `changes`, as answers: tuples in question order, without the answers to
    questions the others do not ask (studying at 60 and over, work under 16)."""
    merged = {**BASE, **changes}
    answers = {
        q.id: merged[q.id] if isinstance(merged[q.id], tuple) else (merged[q.id],)
        for q in QUESTIONS
    }
    return pruned(answers)


# What someone with a grade 1 or 2 disability, on dibao and needing daily care, is offered
# when a check that holds for every service (residence, certificate) makes all "possible".
ON_DIBAO_NEEDING_CARE = (
    "culture-at-home disability-certificate employment-assistance family-doctor "
    "free-public-transport-and-venues home-accessibility-adaptation "
    "home-visits-and-family-support information-consumption-discount "
    "insurance-contribution-subsidy living-allowance medical-and-temporary-assistance "
    "residential-and-home-care rukang-home severe-disability-care-allowance "
    "utility-bill-subsidy vocational-skills-training"
)

PROFILES = {
    "father-bedridden": (
        profile(
            for_whom="family",
            age="60-plus",
            grade="1",
            work="unable",
            household="dibao",
            needs=("daily-care",),
        ),
        (
            "culture-at-home family-doctor free-public-transport-and-venues "
            "home-visits-and-family-support living-allowance medical-and-temporary-assistance "
            "rukang-home severe-disability-care-allowance"
        ),
        (
            "disability-certificate home-accessibility-adaptation information-consumption-discount "
            "insurance-contribution-subsidy residential-and-home-care utility-bill-subsidy"
        ),
    ),
    "all-unsure": (
        profile(
            age="unsure",
            residence="unsure",
            certificate="unsure",
            categories=("unsure",),
            grade="unsure",
            studying="unsure",
            work="unsure",
            household="unsure",
        ),
        "",
        EVERY_SERVICE,
    ),
    "all-unsure-for-family": (
        profile(
            for_whom="family",
            age="unsure",
            residence="unsure",
            certificate="unsure",
            categories=("unsure",),
            grade="unsure",
            studying="unsure",
            work="unsure",
            household="unsure",
        ),
        "",
        EVERY_SERVICE,
    ),
    "nothing-needed": (
        profile(),
        "free-public-transport-and-venues",
        (
            "assistive-devices culture-at-home disability-certificate family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount legal-aid precise-rehabilitation "
            "rehabilitation-fitness rukang-home vocational-skills-training"
        ),
    ),
    "no-certificate-yet-grade-1": (
        profile(certificate="no", grade="1", household="dibao", needs=("daily-care",)),
        "disability-certificate",
        (
            "culture-at-home employment-assistance family-doctor home-accessibility-adaptation "
            "home-visits-and-family-support insurance-contribution-subsidy living-allowance "
            "medical-and-temporary-assistance residential-and-home-care rukang-home "
            "severe-disability-care-allowance utility-bill-subsidy vocational-skills-training"
        ),
    ),
    "applying-low-income-grade-2": (
        profile(certificate="applying", grade="2", household="low-income"),
        "disability-certificate",
        (
            "assistive-devices culture-at-home family-doctor free-public-transport-and-venues "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount insurance-contribution-subsidy legal-aid "
            "living-allowance medical-and-temporary-assistance precise-rehabilitation "
            "rehabilitation-fitness rukang-home severe-disability-care-allowance "
            "subsistence-allowance utility-bill-subsidy vocational-skills-training"
        ),
    ),
    "certificate-unsure": (
        profile(certificate="unsure", grade="2", household="dibao", needs=("daily-care",)),
        "",
        ON_DIBAO_NEEDING_CARE,
    ),
    "hukou-elsewhere": (
        profile(residence="resident", grade="1", household="dibao", needs=("daily-care",)),
        "",
        ON_DIBAO_NEEDING_CARE,
    ),
    "lives-elsewhere": (
        profile(residence="elsewhere", grade="1", household="dibao", needs=("daily-care",)),
        "",
        ON_DIBAO_NEEDING_CARE,
    ),
    "lives-away": (
        profile(residence="away", grade="1", household="dibao", needs=("daily-care",)),
        "",
        ON_DIBAO_NEEDING_CARE,
    ),
    "residence-unsure": (
        profile(residence="unsure", categories=("visual",), needs=("communication",)),
        "",
        (
            "blind-cultural-services disability-certificate free-public-transport-and-venues "
            "information-consumption-discount vocational-skills-training"
        ),
    ),
    "baby-hearing-rehab": (
        profile(age="0-5", categories=("hearing",), grade="2", needs=("rehabilitation",)),
        (
            "child-rehabilitation-aid culture-at-home family-doctor "
            "free-public-transport-and-venues precise-rehabilitation "
            "preschool-rehabilitation-education"
        ),
        (
            "disability-certificate information-consumption-discount rehabilitation-fitness "
            "severe-disability-care-allowance sign-language-video-service"
        ),
    ),
    "toddler-physical-devices": (
        profile(
            age="0-5",
            grade="1",
            studying="preschool",
            household="low-income",
            needs=("assistive-devices",),
        ),
        (
            "assistive-devices child-rehabilitation-aid culture-at-home "
            "free-public-transport-and-venues home-visits-and-family-support "
            "precise-rehabilitation preschool-rehabilitation-education"
        ),
        (
            "disability-certificate home-accessibility-adaptation information-consumption-discount "
            "insurance-contribution-subsidy living-allowance medical-and-temporary-assistance "
            "severe-disability-care-allowance subsistence-allowance utility-bill-subsidy"
        ),
    ),
    "child-intellectual-school": (
        profile(
            age="7-15",
            categories=("intellectual",),
            grade="3",
            studying="compulsory",
            needs=("rehabilitation",),
        ),
        (
            "compulsory-education exam-accommodations family-doctor "
            "free-public-transport-and-venues precise-rehabilitation"
        ),
        (
            "child-rehabilitation-aid disability-certificate information-consumption-discount "
            "rehabilitation-fitness rukang-home vocational-and-higher-education"
        ),
    ),
    "child-out-of-school": (
        profile(age="7-15", grade="1"),
        "culture-at-home free-public-transport-and-venues",
        (
            "assistive-devices child-rehabilitation-aid compulsory-education "
            "disability-certificate family-doctor home-accessibility-adaptation "
            "home-visits-and-family-support housing-support information-consumption-discount "
            "legal-aid precise-rehabilitation rehabilitation-fitness rukang-home "
            "severe-disability-care-allowance"
        ),
    ),
    # A school-age child still in a kindergarten or a rehabilitation centre's pre-school class
    # (common for autistic children): 专栏6 has the child's schooling needs assessed.
    "school-age-child-in-preschool": (
        profile(
            for_whom="family",
            age="7-15",
            categories=("mental",),
            grade="2",
            studying="preschool",
            needs=("rehabilitation",),
        ),
        ("culture-at-home family-doctor free-public-transport-and-venues precise-rehabilitation"),
        (
            "child-rehabilitation-aid compulsory-education disability-certificate "
            "information-consumption-discount insurance-contribution-subsidy "
            "rehabilitation-fitness rukang-home severe-disability-care-allowance"
        ),
    ),
    "teen-visual-secondary": (
        profile(
            age="16-17",
            categories=("visual",),
            grade="2",
            studying="secondary",
            work="other",
            needs=("communication",),
        ),
        (
            "blind-cultural-services culture-at-home exam-accommodations "
            "free-public-transport-and-venues vocational-and-higher-education"
        ),
        "disability-certificate information-consumption-discount severe-disability-care-allowance",
    ),
    # 16 is the minimum working age (劳动法 第十五条): a 16- or 17-year-old who has left
    # school to look for work is offered what the plan offers anyone looking for work, but
    # not the traineeship allowance, whose rule is for ages 18 to 59.
    "teen-looking-for-work": (
        profile(age="16-17", work="looking", needs=("legal",)),
        (
            "employment-assistance free-public-transport-and-venues legal-aid "
            "vocational-skills-training"
        ),
        (
            "child-rehabilitation-aid compulsory-education disability-certificate "
            "information-consumption-discount public-welfare-jobs rukang-home"
        ),
    ),
    "teen-hearing-compulsory": (
        profile(
            age="7-15",
            categories=("hearing",),
            grade="2",
            studying="compulsory",
            needs=("communication",),
        ),
        (
            "compulsory-education culture-at-home exam-accommodations "
            "free-public-transport-and-venues"
        ),
        (
            "disability-certificate information-consumption-discount "
            "severe-disability-care-allowance sign-language-video-service "
            "vocational-and-higher-education"
        ),
    ),
    "university-student-deaf": (
        profile(
            categories=("hearing",),
            grade="3",
            studying="university",
            work="looking",
            needs=("communication",),
        ),
        (
            "employment-assistance exam-accommodations free-public-transport-and-venues "
            "vocational-and-higher-education vocational-skills-training"
        ),
        (
            "disability-certificate information-consumption-discount public-welfare-jobs "
            "self-employment-subsidy sign-language-video-service youth-internship-allowance"
        ),
    ),
    "vocational-student": (
        profile(categories=("speech",), studying="secondary", work="other"),
        "exam-accommodations free-public-transport-and-venues vocational-and-higher-education",
        (
            "assistive-devices culture-at-home disability-certificate family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount legal-aid precise-rehabilitation "
            "rehabilitation-fitness sign-language-video-service"
        ),
    ),
    "job-seeker-dibao": (
        profile(grade="3", work="looking", household="dibao"),
        (
            "employment-assistance free-public-transport-and-venues home-visits-and-family-support "
            "living-allowance medical-and-temporary-assistance vocational-skills-training"
        ),
        (
            "assistive-devices culture-at-home disability-certificate family-doctor "
            "home-accessibility-adaptation housing-support information-consumption-discount "
            "legal-aid precise-rehabilitation public-welfare-jobs rehabilitation-fitness "
            "residential-and-home-care rukang-home utility-bill-subsidy youth-internship-allowance"
        ),
    ),
    "self-employed-speech": (
        profile(categories=("speech",), work="self-employed"),
        "free-public-transport-and-venues self-employment-subsidy vocational-skills-training",
        (
            "assistive-devices culture-at-home disability-certificate family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount insurance-contribution-subsidy legal-aid "
            "precise-rehabilitation rehabilitation-fitness sign-language-video-service"
        ),
    ),
    "employed-dibao": (
        profile(household="dibao"),
        (
            "free-public-transport-and-venues home-visits-and-family-support living-allowance "
            "medical-and-temporary-assistance"
        ),
        (
            "assistive-devices culture-at-home disability-certificate employment-assistance "
            "family-doctor home-accessibility-adaptation housing-support "
            "information-consumption-discount legal-aid precise-rehabilitation "
            "rehabilitation-fitness residential-and-home-care rukang-home utility-bill-subsidy "
            "vocational-skills-training"
        ),
    ),
    "employed-mental-legal": (
        profile(categories=("mental",), needs=("legal",)),
        "free-public-transport-and-venues legal-aid",
        (
            "disability-certificate information-consumption-discount "
            "insurance-contribution-subsidy rukang-home vocational-skills-training"
        ),
    ),
    "intellectual-2-low-income-care": (
        profile(
            for_whom="family",
            categories=("intellectual",),
            grade="2",
            work="unable",
            household="low-income",
            needs=("daily-care",),
        ),
        (
            "culture-at-home family-doctor free-public-transport-and-venues "
            "home-visits-and-family-support insurance-contribution-subsidy rukang-home "
            "severe-disability-care-allowance"
        ),
        (
            "disability-certificate home-accessibility-adaptation information-consumption-discount "
            "living-allowance medical-and-temporary-assistance subsistence-allowance "
            "utility-bill-subsidy"
        ),
    ),
    "tekun-multiple-care-housing": (
        profile(
            categories=("physical", "intellectual", "multiple"),
            grade="1",
            work="unable",
            household="tekun",
            needs=("daily-care", "housing"),
        ),
        (
            "culture-at-home family-doctor free-public-transport-and-venues "
            "home-visits-and-family-support housing-support insurance-contribution-subsidy "
            "medical-and-temporary-assistance residential-and-home-care rukang-home "
            "severe-disability-care-allowance"
        ),
        (
            "disability-certificate home-accessibility-adaptation information-consumption-discount "
            "living-allowance utility-bill-subsidy"
        ),
    ),
    "older-visual-culture": (
        profile(
            age="60-plus",
            categories=("visual",),
            grade="2",
            work="other",
            needs=("culture-sport", "communication"),
        ),
        (
            "blind-cultural-services culture-at-home free-public-transport-and-venues "
            "rehabilitation-fitness"
        ),
        "disability-certificate information-consumption-discount severe-disability-care-allowance",
    ),
    "mental-3-low-income-care": (
        profile(
            categories=("mental",),
            grade="3",
            work="unable",
            household="low-income",
            needs=("daily-care",),
        ),
        (
            "family-doctor free-public-transport-and-venues home-visits-and-family-support "
            "rukang-home"
        ),
        (
            "disability-certificate information-consumption-discount "
            "insurance-contribution-subsidy living-allowance medical-and-temporary-assistance "
            "severe-disability-care-allowance subsistence-allowance utility-bill-subsidy"
        ),
    ),
    "intellectual-4-dibao-care": (
        profile(
            for_whom="family",
            categories=("intellectual",),
            work="unable",
            household="dibao",
            needs=("daily-care",),
        ),
        (
            "family-doctor free-public-transport-and-venues home-visits-and-family-support "
            "living-allowance medical-and-temporary-assistance rukang-home"
        ),
        (
            "disability-certificate information-consumption-discount residential-and-home-care "
            "severe-disability-care-allowance utility-bill-subsidy"
        ),
    ),
    "unsure-grade-household-care": (
        profile(for_whom="other", grade="unsure", household="unsure", needs=("daily-care",)),
        "family-doctor free-public-transport-and-venues",
        (
            "culture-at-home disability-certificate employment-assistance "
            "home-accessibility-adaptation home-visits-and-family-support "
            "information-consumption-discount insurance-contribution-subsidy living-allowance "
            "medical-and-temporary-assistance residential-and-home-care rukang-home "
            "severe-disability-care-allowance subsistence-allowance utility-bill-subsidy "
            "vocational-skills-training"
        ),
    ),
    "home-adaptation-severe-poor": (
        profile(grade="1", work="unable", household="low-income", needs=("home-adaptation",)),
        (
            "culture-at-home free-public-transport-and-venues home-accessibility-adaptation "
            "home-visits-and-family-support insurance-contribution-subsidy rukang-home"
        ),
        (
            "assistive-devices disability-certificate information-consumption-discount "
            "living-allowance medical-and-temporary-assistance severe-disability-care-allowance "
            "subsistence-allowance utility-bill-subsidy"
        ),
    ),
    "home-adaptation-mild": (
        profile(grade="3", needs=("home-adaptation",)),
        "free-public-transport-and-venues",
        (
            "assistive-devices disability-certificate home-accessibility-adaptation "
            "information-consumption-discount rukang-home vocational-skills-training"
        ),
    ),
    "housing-none": (
        profile(grade="3", needs=("housing",)),
        "free-public-transport-and-venues",
        (
            "disability-certificate housing-support information-consumption-discount rukang-home "
            "vocational-skills-training"
        ),
    ),
    "housing-dibao": (
        profile(grade="3", household="dibao", needs=("housing",)),
        (
            "free-public-transport-and-venues home-visits-and-family-support housing-support "
            "living-allowance medical-and-temporary-assistance"
        ),
        (
            "disability-certificate employment-assistance information-consumption-discount "
            "rukang-home utility-bill-subsidy vocational-skills-training"
        ),
    ),
    "legal-only": (
        profile(needs=("legal",)),
        "free-public-transport-and-venues legal-aid",
        (
            "disability-certificate information-consumption-discount rukang-home "
            "vocational-skills-training"
        ),
    ),
    "communication-no-certificate": (
        profile(
            certificate="no", categories=("hearing",), grade="unsure", needs=("communication",)
        ),
        "disability-certificate",
        (
            "culture-at-home information-consumption-discount insurance-contribution-subsidy "
            "severe-disability-care-allowance sign-language-video-service "
            "vocational-skills-training"
        ),
    ),
    "deaf-speech-older": (
        profile(age="60-plus", categories=("hearing", "speech"), grade="3", work="other"),
        "free-public-transport-and-venues",
        (
            "assistive-devices culture-at-home disability-certificate family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount legal-aid precise-rehabilitation "
            "rehabilitation-fitness residential-and-home-care sign-language-video-service"
        ),
    ),
    "graduate-looking": (
        profile(studying="university", work="looking"),
        (
            "employment-assistance exam-accommodations free-public-transport-and-venues "
            "vocational-and-higher-education vocational-skills-training"
        ),
        (
            "assistive-devices culture-at-home disability-certificate family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount legal-aid precise-rehabilitation public-welfare-jobs "
            "rehabilitation-fitness rukang-home self-employment-subsidy youth-internship-allowance"
        ),
    ),
    "age-unsure-studying-unsure": (
        profile(age="unsure", studying="unsure", work="unsure"),
        "free-public-transport-and-venues",
        (
            "assistive-devices child-rehabilitation-aid compulsory-education culture-at-home "
            "disability-certificate employment-assistance exam-accommodations family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount insurance-contribution-subsidy legal-aid "
            "precise-rehabilitation preschool-rehabilitation-education public-welfare-jobs "
            "rehabilitation-fitness residential-and-home-care rukang-home self-employment-subsidy "
            "vocational-and-higher-education vocational-skills-training youth-internship-allowance"
        ),
    ),
    "preschooler-unsure": (
        profile(age="0-5", categories=("unsure",), grade="unsure", studying="unsure"),
        "free-public-transport-and-venues",
        (
            "assistive-devices blind-cultural-services child-rehabilitation-aid "
            "compulsory-education culture-at-home disability-certificate exam-accommodations "
            "family-doctor home-accessibility-adaptation home-visits-and-family-support "
            "housing-support information-consumption-discount insurance-contribution-subsidy "
            "legal-aid precise-rehabilitation preschool-rehabilitation-education "
            "rehabilitation-fitness severe-disability-care-allowance sign-language-video-service "
            "vocational-and-higher-education"
        ),
    ),
    "older-physical-rehab-devices": (
        profile(age="60-plus", work="other", needs=("rehabilitation", "assistive-devices")),
        "assistive-devices family-doctor free-public-transport-and-venues precise-rehabilitation",
        (
            "disability-certificate information-consumption-discount rehabilitation-fitness "
            "rukang-home"
        ),
    ),
    "category-unsure-severe-dibao": (
        profile(
            categories=("unsure",),
            grade="1",
            work="unable",
            household="dibao",
            needs=("daily-care",),
        ),
        (
            "culture-at-home family-doctor free-public-transport-and-venues "
            "home-visits-and-family-support insurance-contribution-subsidy living-allowance "
            "medical-and-temporary-assistance severe-disability-care-allowance"
        ),
        (
            "blind-cultural-services disability-certificate home-accessibility-adaptation "
            "information-consumption-discount residential-and-home-care rukang-home "
            "sign-language-video-service utility-bill-subsidy"
        ),
    ),
    "other-person-mental-tekun": (
        profile(
            for_whom="other",
            categories=("mental",),
            grade="2",
            work="unable",
            household="tekun",
            needs=("daily-care",),
        ),
        (
            "culture-at-home family-doctor free-public-transport-and-venues "
            "home-visits-and-family-support insurance-contribution-subsidy "
            "medical-and-temporary-assistance residential-and-home-care rukang-home "
            "severe-disability-care-allowance"
        ),
        (
            "disability-certificate home-accessibility-adaptation information-consumption-discount "
            "living-allowance utility-bill-subsidy"
        ),
    ),
    "contradiction-baby-at-university": (
        profile(age="0-5", grade="1", studying="university"),
        (
            "culture-at-home exam-accommodations free-public-transport-and-venues "
            "vocational-and-higher-education"
        ),
        (
            "assistive-devices child-rehabilitation-aid disability-certificate family-doctor "
            "home-accessibility-adaptation home-visits-and-family-support housing-support "
            "information-consumption-discount legal-aid precise-rehabilitation "
            "rehabilitation-fitness severe-disability-care-allowance"
        ),
    ),
    "contradiction-no-certificate-but-grade": (
        profile(certificate="no", categories=("visual",), grade="2"),
        "disability-certificate",
        (
            "assistive-devices blind-cultural-services culture-at-home family-doctor "
            "free-public-transport-and-venues home-accessibility-adaptation "
            "home-visits-and-family-support housing-support information-consumption-discount "
            "insurance-contribution-subsidy legal-aid precise-rehabilitation "
            "rehabilitation-fitness severe-disability-care-allowance vocational-skills-training"
        ),
    ),
    "contradiction-unable-but-self-employed-needs": (
        profile(work="unable", needs=("culture-sport",)),
        "culture-at-home free-public-transport-and-venues rehabilitation-fitness",
        "disability-certificate information-consumption-discount rukang-home",
    ),
    "mental-rehab": (
        profile(categories=("mental",), grade="3", work="unable", needs=("rehabilitation",)),
        "family-doctor free-public-transport-and-venues precise-rehabilitation",
        (
            "disability-certificate information-consumption-discount "
            "insurance-contribution-subsidy rehabilitation-fitness rukang-home"
        ),
    ),
    # Grade 2 in work: the pension help the plan names is the residents' scheme, not the
    # employees', so it is to be checked; out of work it is very likely.
    "severe-employed": (
        profile(grade="2", needs=("legal",)),
        "culture-at-home free-public-transport-and-venues legal-aid",
        (
            "disability-certificate information-consumption-discount "
            "insurance-contribution-subsidy rukang-home severe-disability-care-allowance "
            "vocational-skills-training"
        ),
    ),
    "severe-unable-to-work": (
        profile(grade="2", work="unable", needs=("legal",)),
        (
            "culture-at-home free-public-transport-and-venues insurance-contribution-subsidy "
            "legal-aid"
        ),
        (
            "disability-certificate information-consumption-discount rukang-home "
            "severe-disability-care-allowance"
        ),
    ),
    "teen-physical-school": (
        profile(
            age="7-15",
            categories=("physical",),
            grade="3",
            studying="compulsory",
            needs=("legal",),
        ),
        "compulsory-education exam-accommodations free-public-transport-and-venues legal-aid",
        (
            "child-rehabilitation-aid disability-certificate information-consumption-discount "
            "rukang-home vocational-and-higher-education"
        ),
    ),
}


def groups(rules, answers) -> tuple[list[str], list[str]]:
    """The services the answers give as likely and as possible, sorted."""
    findings = assess(rules, answers)
    return (
        sorted(f.service for f in findings if f.group == LIKELY),
        sorted(f.service for f in findings if f.group == POSSIBLE),
    )


def test_the_table_has_at_least_40_profiles_with_contradictions_and_all_unsure():
    assert len(PROFILES) >= 40
    assert any(name.startswith("contradiction") for name in PROFILES)
    assert any(name.startswith("all-unsure") for name in PROFILES)


@pytest.mark.parametrize("name", PROFILES)
def test_each_profile_gives_the_expected_groups(rules, name):
    answers, likely, possible = PROFILES[name]
    assert next_unanswered(answers) is None, "a profile answers every question it is asked"
    assert groups(rules, answers) == (sorted(likely.split()), sorted(possible.split()))


@pytest.mark.parametrize("name", PROFILES)
def test_each_finding_gives_its_reasons_and_whoever_checks(rules, name):
    """Every finding has a reason; a "possible" one says what to verify (its rule's verify,
    a check, or an answer of 不确定), and a likely one has no 不确定 behind it."""
    for finding in assess(rules, PROFILES[name][0]):
        assert finding.reasons
        if finding.group == LIKELY:
            assert not finding.checks
            assert all(r.rule.group == LIKELY and not r.unsure for r in finding.reasons)
        else:
            assert finding.checks or any(r.rule.verify or r.unsure for r in finding.reasons)


def test_the_bedridden_father_gets_both_allowances_as_likely_with_reasons(rules):
    answers = PROFILES["father-bedridden"][0]
    findings = {f.service: f for f in assess(rules, answers)}
    care = findings["severe-disability-care-allowance"]
    living = findings["living-allowance"]
    assert (care.group, living.group) == (LIKELY, LIKELY)
    assert [r.chosen for r in care.reasons] == [(("grade", "1"), ("needs", "daily-care"))]
    assert [r.chosen for r in living.reasons] == [(("household", "dibao"),)]
    cited = {source.key for f in (care, living) for r in f.reasons for source in r.rule.sources}
    assert {"国发〔2015〕52号", "1-3"} <= cited


def test_not_sure_never_blocks_a_result_and_never_passes_for_a_yes(rules):
    """For every rule, answering 不确定 to any one of its questions (every other condition
    met) still matches it, and only as "possible"."""
    for rule in rules.rules:
        for condition in rule.conditions:
            question = next(q for q in QUESTIONS if q.id == condition.question)
            if UNSURE not in question.codes:
                continue
            answers = met(rule)
            answers[condition.question] = (UNSURE,)
            answers = pruned(answers)
            if any(c.question not in answers for c in rule.conditions):
                continue  # the 不确定 age asks studying and work: nothing is left out
            group, reason = match(rule, answers)
            assert (group, reason.unsure) == (POSSIBLE, (condition.question,)), rule.id


def met(rule) -> dict[str, tuple[str, ...]]:
    """Answers that meet `rule` (the first answer of each condition), BASE otherwise, with
    the age that asks any question the rule names."""
    answers = dict(profile())
    for condition in rule.conditions:
        answers[condition.question] = (condition.codes[0],)
    named = {c.question for c in rule.conditions}
    if "work" not in named:
        # Not BASE's "employed": that answer holds a check (the residents' pension insurance).
        answers["work"] = ("other",)
    if "age" not in named and "studying" in named:
        answers["age"] = ("18-59",)
    if "age" not in named and "work" in named:
        answers["age"] = ("18-59",)
    answers.setdefault("studying", ("no",))
    answers.setdefault("work", ("other",))
    return {q.id: answers[q.id] for q in QUESTIONS if q.id in answers}


def test_walking_the_rules_reaches_every_service_each_rule_in_its_own_group(rules):
    reached = set()
    for rule in rules.rules:
        answers = pruned(met(rule))
        assert all(c.question in answers for c in rule.conditions), f"{rule.id} cannot be met"
        found = {f.service: f.group for f in assess(rules, answers)}
        assert found.get(rule.service) in (rule.group, LIKELY), rule.id
        reached.add(rule.service)
    assert sorted(reached) == SERVICES


def test_every_rule_and_check_cites_a_source_the_site_can_show(rules):
    for item in [*rules.rules, *rules.checks]:
        assert item.sources
        for source in item.sources:
            assert source.quote or source.says, item.id


ALLOWANCES = ("living-allowance", "severe-disability-care-allowance")


SUBSISTENCE = "subsistence-allowance"


def checks_for(rules, answers, service) -> tuple[str, str, set[str]]:
    """The checks that hold for a service: their Chinese, their English, what they cite."""
    checks = [check for check in rules.checks if check.applies(answers, service)]
    zh = "".join(check.explain.zh for check in checks)
    en = " ".join(check.explain.en for check in checks)
    return zh, en, {source.key for check in checks for source in check.sources}


def test_hukou_and_home_elsewhere_sends_every_service_to_ask_where_the_person_is(rules):
    """Neither hukou nor home in Chiping: every service says where else to ask, and none
    offers the allowances' cross-province rule, which is for Chiping's own hukou."""
    answers = PROFILES["lives-elsewhere"][0]
    for service in SERVICES:
        zh, en, cited = checks_for(rules, answers, service)
        assert "这里列的是茌平区的服务" in zh and "Chiping District's services" in en, service
        if service in (SUBSISTENCE, CHILD_REHABILITATION):
            continue  # their own checks (Decree 649, 国发〔2018〕20号), tested below
        # Which question goes to Chiping's departments and which to those where they are.
        assert "能不能在茌平区申请，请问这些部门" in zh, service
        assert "Ask these departments whether an application can be made in Chiping" in en, service
        assert "跨省通办" not in zh and "any province" not in en and "1-3" not in cited, service


@pytest.mark.parametrize("residence", ["resident", "unsure", "elsewhere", "away"])
def test_the_minimum_living_allowance_says_where_decree_649_has_it_applied_for(rules, residence):
    """The minimum living allowance is applied for where the hukou is (Decree 649, art.
    11): whatever the residence, its card says so and cites the decree, and nothing on it
    says the plan is silent on where to apply as if no rule existed."""
    answers = dict(PROFILES["lives-elsewhere"][0], residence=(residence,))
    zh, en, cited = checks_for(rules, answers, SUBSISTENCE)
    assert "国务院令第649号" in cited
    assert "户籍所在地的乡镇人民政府、街道办事处" in zh and "where the hukou is" in en
    assert "这项服务" not in zh  # the general checks' words are not given as well
    assert ("请问户籍所在地的民政部门" in zh) == (residence == "elsewhere")
    assert ("要不要回茌平区办" in zh) == (residence == "away")


def test_hukou_here_living_away_names_the_allowances_cross_province_rule_for_them_alone(rules):
    """Hukou in Chiping, living elsewhere: only the two allowances say that the plan wants
    their eligibility confirmed across provinces (measure 1-3); every other service says
    the plan is silent on applying from elsewhere. Neither is told it is not Chiping's."""
    answers = PROFILES["lives-away"][0]
    for service in SERVICES:
        zh, en, cited = checks_for(rules, answers, service)
        allowance = service in ALLOWANCES
        assert ("跨省通办" in zh, "any province" in en, "1-3" in cited) == (allowance,) * 3, service
        general = not allowance and service != CHILD_REHABILITATION  # 国发〔2018〕20号, below
        assert ("规划没有写人不在茌平区住" in zh) == general, service
        # Living elsewhere in the province, not only in another one: every card says the
        # plan is silent and whether they must come back is the question to ask.
        assert "要不要回茌平区办" in zh and "Chiping District" in en, service
        assert ("住在省内别的地方" in zh, "elsewhere in Shandong" in en) == (allowance,) * 2
        assert "这里列的是茌平区的服务" not in zh, service
    for finding in assess(rules, answers):
        own = {source.key for reason in finding.reasons for source in reason.rule.sources}
        shown = {source.key for source in finding.sources}
        assert ("1-3" in shown) == ("1-3" in own or finding.service in ALLOWANCES), finding.service


INSURANCE = "insurance-contribution-subsidy"


def finding_for(rules, answers, service):
    """The finding the answers give for `service`, which must be there."""
    return next(f for f in assess(rules, answers) if f.service == service)


def test_a_severe_disability_in_work_is_asked_which_pension_insurance_it_pays_into(rules):
    """Measure 1-5's help is for the residents' pension insurance: someone in work (who may
    pay into the employees') is told to check, and out of work it stays very likely."""
    working = finding_for(rules, PROFILES["severe-employed"][0], INSURANCE)
    assert working.group == POSSIBLE
    assert [check.id for check in working.checks] == ["employed-pension"]
    zh, en, cited = checks_for(rules, PROFILES["severe-employed"][0], INSURANCE)
    assert "城乡居民基本养老保险" in zh and "不是职工基本养老保险" in zh
    assert "not the basic pension insurance for employees" in en
    assert "区人力资源和社会保障局" in zh and cited == {"1-5"}
    assert finding_for(rules, PROFILES["severe-unable-to-work"][0], INSURANCE).group == LIKELY
    # The check is for this service alone.
    for finding in assess(rules, PROFILES["severe-employed"][0]):
        assert ("employed-pension" in {c.id for c in finding.checks}) == (
            finding.service == INSURANCE
        )


@pytest.mark.parametrize(
    "service, answers",
    [
        ("blind-cultural-services", profile(categories=("visual",))),
        ("culture-at-home", profile(grade="1")),
        ("rukang-home", profile(categories=("mental",), household="dibao")),
        ("rukang-home", profile(grade="2", household="low-income")),
    ],
)
def test_a_likely_service_the_plan_only_says_is_to_be_set_up_says_to_ask_whether_it_is(
    rules, service, answers
):
    finding = finding_for(rules, answers, service)
    assert finding.group == LIKELY
    verify = [reason.rule.verify for reason in finding.reasons if reason.rule.verify]
    assert verify, service
    assert all("规划要做的事" in text.zh and "请问" in text.zh for text in verify)
    assert all("something the plan sets out to do" in text.en for text in verify)


def test_the_mental_category_is_shown_the_plans_words_on_severe_mental_illness(rules):
    """Grade 3, mental, low income: measure 1-5's outpatient cover for severe mental
    disorders, as the plan words it, to be checked with the Healthcare Security Bureau."""
    finding = finding_for(rules, PROFILES["mental-3-low-income-care"][0], INSURANCE)
    assert finding.group == POSSIBLE
    (reason,) = finding.reasons
    quotes = {source.quote for source in reason.rule.sources}
    assert quotes == {
        "将严重精神障碍纳入职工、居民医保门诊慢性病保障范围",
        "将重性精神病药物维持治疗纳入门诊特殊病或参照住院进行管理和支付",
    }
    assert {source.key for source in reason.rule.sources} == {"1-5"}
    assert "区医疗保障局" in reason.rule.verify.zh
    assert "Healthcare Security Bureau" in reason.rule.verify.en


def test_a_child_with_a_physical_disability_is_shown_the_cerebral_palsy_campaign(rules):
    finding = finding_for(rules, PROFILES["teen-physical-school"][0], "child-rehabilitation-aid")
    assert finding.group == POSSIBLE
    keys = {source.key for reason in finding.reasons for source in reason.rule.sources}
    assert {"3-3", "cerebral-palsy-rehabilitation"} <= keys
    assert any("脑瘫儿童" in reason.rule.explain.zh for reason in finding.reasons)
    assert any("请问区残联" in (reason.rule.verify.zh or "") for reason in finding.reasons)
    adult = profile(categories=("physical",))
    assert "child-rehabilitation-aid" not in {f.service for f in assess(rules, adult)}


def test_an_older_child_is_told_guofa_2018_20_lets_areas_widen_the_age_range(rules):
    answers = profile(age="7-15", studying="compulsory", needs=("rehabilitation",))
    finding = finding_for(rules, answers, "child-rehabilitation-aid")
    verify = " ".join(r.rule.verify.zh for r in finding.reasons if r.rule.verify)
    assert "有条件的地区可以扩大救助的年龄范围" in verify and "请问区残联" in verify
    assert "国发〔2018〕20号" in {source.key for source in finding.sources}


COMPULSORY = "compulsory-education"


@pytest.mark.parametrize("studying", ["preschool", "no"])
def test_a_school_age_child_not_yet_at_school_is_offered_compulsory_education(rules, studying):
    """In a kindergarten or a rehabilitation centre's pre-school class, or at no school:
    专栏6's assessment of the child's schooling needs ("一人一案"), to ask about."""
    answers = dict(PROFILES["school-age-child-in-preschool"][0], studying=(studying,))
    finding = finding_for(rules, answers, COMPULSORY)
    assert finding.group == POSSIBLE
    (reason,) = finding.reasons
    assert ("studying", studying) in reason.chosen and not reason.unsure
    assert "“一人一案”" in " ".join(source.quote or "" for source in finding.sources)
    assert "请问区教育和体育局" in reason.rule.verify.zh


def test_a_school_age_child_whose_schooling_is_not_sure_is_asked_about_it(rules):
    """不确定 leaves the rule open: compulsory education is possible, with the school
    question named as not sure, never as an answer chosen."""
    answers = dict(PROFILES["school-age-child-in-preschool"][0], studying=(UNSURE,))
    finding = finding_for(rules, answers, COMPULSORY)
    assert finding.group == POSSIBLE
    assert [reason.unsure for reason in finding.reasons] == [("studying",)] * len(finding.reasons)
    assert not [code for r in finding.reasons for q, code in r.chosen if q == "studying"]


def test_compulsory_education_is_not_offered_before_or_after_school_age(rules):
    for age in ("0-5", "18-59"):
        answers = dict(PROFILES["school-age-child-in-preschool"][0], age=(age,))
        assert COMPULSORY not in {f.service for f in assess(rules, pruned(answers))}, age


# --- Ages: the answers split where the sources split -----------------------------------------

# A family member with a grade 2 intellectual disability, on a low income, not at school, who
# needs rehabilitation and daily care: at each age, what the services whose sources name an
# age give (None: not listed). 国发〔2018〕20号: children of 0 to 6; the Compulsory Education
# Law (article 11): school at 6, or 7; 专栏2's Rukang Home: 16 and over; the residents'
# pension insurance rule, 18 to 59; care homes for older people, 60 and over.
AGED = profile(
    for_whom="family",
    categories=("intellectual",),
    grade="2",
    studying="no",
    work="unable",
    household="low-income",
    needs=("rehabilitation", "daily-care"),
)
BY_AGE = {
    # age: rehabilitation aid, pre-school, compulsory education, Rukang Home, pension
    # insurance, care homes
    "0-5": (LIKELY, LIKELY, None, None, POSSIBLE, None),
    "6": (LIKELY, LIKELY, POSSIBLE, None, POSSIBLE, None),
    "7-15": (POSSIBLE, None, POSSIBLE, POSSIBLE, POSSIBLE, None),
    "16-17": (POSSIBLE, None, POSSIBLE, LIKELY, POSSIBLE, None),
    "18-59": (None, None, None, LIKELY, LIKELY, None),
    "60-plus": (None, None, None, LIKELY, POSSIBLE, POSSIBLE),
}
AGED_SERVICES = (
    "child-rehabilitation-aid",
    "preschool-rehabilitation-education",
    "compulsory-education",
    "rukang-home",
    "insurance-contribution-subsidy",
    "residential-and-home-care",
)


def aged(age: str) -> dict[str, tuple[str, ...]]:
    """AGED at `age`, without the answers `age` does not ask for."""
    return pruned({**AGED, "age": (age,)})


def group_of(rules, answers, service) -> str | None:
    return next((f.group for f in assess(rules, answers) if f.service == service), None)


def test_every_age_answer_is_in_the_table_of_ages():
    assert [*BY_AGE, UNSURE] == list(AGE.codes)


@pytest.mark.parametrize("age", BY_AGE)
def test_each_age_gives_what_the_sources_say_of_that_age(rules, age):
    found = tuple(group_of(rules, aged(age), service) for service in AGED_SERVICES)
    assert dict(zip(AGED_SERVICES, found, strict=True)) == dict(
        zip(AGED_SERVICES, BY_AGE[age], strict=True)
    )


@pytest.mark.parametrize(
    "younger, older",
    [("0-5", "6"), ("6", "7-15"), ("7-15", "16-17"), ("16-17", "18-59"), ("18-59", "60-plus")],
    ids=["5|6", "6|7", "15|16", "17|18", "59|60"],
)
def test_each_boundary_age_changes_what_a_source_with_that_age_gives(rules, younger, older):
    """Either side of each boundary, some service whose source names that age differs."""
    assert BY_AGE[younger] != BY_AGE[older]
    for index, service in enumerate(AGED_SERVICES):
        assert group_of(rules, aged(younger), service) == BY_AGE[younger][index], service
        assert group_of(rules, aged(older), service) == BY_AGE[older][index], service


def test_a_six_year_old_not_at_school_is_told_the_law_s_school_age(rules):
    """A 6-year-old not at school was never offered compulsory education: 0 to 6 stood for
    "before school age". The Compulsory Education Law's article 11 is cited, its one sentence
    quoted, and the card says where the law and the plan are silent."""
    finding = finding_for(rules, aged("6"), COMPULSORY)
    (law,) = [source for source in finding.sources if source.kind == "document"]
    assert law.key == "中华人民共和国义务教育法第十一条"
    assert law.document.title.zh == "中华人民共和国义务教育法"
    assert (law.document.cited.zh, law.document.cited.en) == ("第十一条", "Article 11")
    assert law.says.zh == (
        "凡年满六周岁的儿童，其父母或者其他法定监护人应当送其入学接受并完成义务教育；"
        "条件不具备的地区的儿童，可以推迟到七周岁。"
    )
    verify = " ".join(reason.rule.verify.zh for reason in finding.reasons if reason.rule.verify)
    assert "满6周岁" in verify and "上到几岁为止" in verify and "请问区教育和体育局" in verify
    assert "up to what age" in " ".join(r.rule.verify.en for r in finding.reasons if r.rule.verify)
    assert ("age", "6") in finding.reasons[0].chosen


def test_a_six_year_old_still_gets_rehabilitation_aid_for_children_of_0_to_6(rules):
    finding = finding_for(rules, aged("6"), CHILD_REHABILITATION)
    assert finding.group == LIKELY
    assert "国发〔2018〕20号" in {source.key for source in finding.sources}


@pytest.mark.parametrize("age", ["16-17", "18-59", "60-plus"])
def test_rukang_home_is_likely_from_16_and_never_says_under_16(rules, age):
    """聚焦16周岁以上: a 16- or 17-year-old was only "possible", told the plan did not say
    whether people under 16 could go."""
    finding = finding_for(rules, aged(age), "rukang-home")
    assert finding.group == LIKELY
    words = " ".join(
        f"{reason.rule.explain.zh} {reason.rule.verify.zh if reason.rule.verify else ''}"
        for reason in finding.reasons
    )
    assert "不满16周岁" not in words and "16周岁以上" in words


def test_rukang_home_under_16_says_the_plan_is_silent_on_under_16(rules):
    finding = finding_for(rules, aged("7-15"), "rukang-home")
    assert finding.group == POSSIBLE
    (reason,) = finding.reasons
    assert "没有写不满16周岁的能不能去" in reason.rule.verify.zh
    assert "younger people" in reason.rule.verify.en


@pytest.mark.parametrize("age", AGE.codes)
def test_work_is_asked_from_16_and_school_until_59(age):
    """16 is the minimum working age (劳动法 第十五条); 不确定 asks both."""
    asked = {question.id for question in sequence({"age": (age,)})}
    assert ("work" in asked) == (age not in ("0-5", "6", "7-15"))
    assert ("studying" in asked) == (age != "60-plus")


def test_no_rule_names_an_age_the_question_no_longer_offers(rules):
    named = {
        code
        for rule in rules.rules + rules.checks
        for condition in rule.conditions
        if condition.question == "age"
        for code in condition.codes
    }
    assert named <= set(AGE.codes) and not named & set(AGE.retired)


def test_the_age_answers_are_in_full_years_as_the_sources_count(i18n_app):
    with i18n_app.test_request_context("/"):
        labels = [str(option.label) for option in AGE.options]
        hint = str(AGE.hint)
    assert labels == [
        "不满6周岁",
        "6周岁",
        "7到15周岁",
        "16或17周岁",
        "18到59周岁",
        "60周岁或以上",
        "不确定",
    ]
    assert "周岁" in hint and "生日" in hint


CHILD_REHABILITATION = "child-rehabilitation-aid"
# For each residence but a hukou in Chiping: the check the card of rehabilitation assistance
# for disabled children gives, and what it says there in each language.
CHILD_AID_BY_RESIDENCE = {
    "resident": (
        "child-rehabilitation-hukou-elsewhere",
        "居住证是茌平区发的，向区残联申请；不是的，请问户籍所在地的残联。",
        "If the residence permit was issued in Chiping District, apply to the District "
        "Disabled Persons' Federation; if not, ask the disabled persons' federation where "
        "the hukou is.",
    ),
    "unsure": (
        "child-rehabilitation-residence-unsure",
        "户籍在茌平区，或者居住证是茌平区发的，向区残联申请；都不是的，请问户籍所在地的残联。",
        "If the hukou is in Chiping District, or the residence permit was issued there, apply "
        "to the District Disabled Persons' Federation; if neither, ask the disabled persons' "
        "federation where the hukou is.",
    ),
    "away": (
        "child-rehabilitation-lives-away",
        "户籍在茌平区，就是向区残联申请。要不要回茌平区办，规划没有写，请问区残联",
        "with the hukou in Chiping District, that is the District Disabled Persons' "
        "Federation. The plan does not say whether the application must be made back in "
        "Chiping District, so ask the District Disabled Persons' Federation",
    ),
    "elsewhere": (
        "child-rehabilitation-lives-elsewhere",
        "这里列的是茌平区的服务。",
        "so ask the disabled persons' federation where the hukou is;",
    ),
}
# What 国发〔2018〕20号 says, on every one of those cards.
GUOFA_2018_20 = (
    "残疾儿童的监护人向孩子户籍所在地（居住证发放地）的县级残联组织申请",
    "the child's guardian applies to the county-level disabled persons' federation where the "
    "child's hukou is (or where the child's residence permit was issued)",
)
# The general residence checks' words, which the card no longer gives: the document settles
# where the aid is applied for.
GENERAL_RESIDENCE_WORDS = (
    "请先问负责的部门",
    "请先向负责的部门问清楚",
    "请问这些部门",
    "ask the department first",
    "check with the department first",
    "Ask these departments",
)


@pytest.mark.parametrize("residence", [*CHILD_AID_BY_RESIDENCE, "hukou"])
def test_rehabilitation_aid_for_a_child_says_where_to_apply_whatever_the_residence(
    rules, residence
):
    """国发〔2018〕20号: to the county-level federation where the hukou is (or the residence
    permit was issued). Each answer on residence but a hukou in Chiping gets its own words,
    citing the document, instead of the general "the plan does not say"; where the plan is
    silent (applying from elsewhere) the card says so and names the federation to ask."""
    answers = profile(age="0-5", residence=residence, needs=("rehabilitation",))
    finding = finding_for(rules, answers, CHILD_REHABILITATION)
    zh, en, cited = checks_for(rules, answers, CHILD_REHABILITATION)
    if residence == "hukou":
        assert finding.group == LIKELY and not finding.checks
        return
    check, said_zh, said_en = CHILD_AID_BY_RESIDENCE[residence]
    assert finding.group == POSSIBLE
    assert [check.id for check in finding.checks] == [check]
    assert cited == {"国发〔2018〕20号"}
    assert GUOFA_2018_20[0] in zh and GUOFA_2018_20[1] in en
    assert said_zh in zh and said_en in en
    assert not [words for words in GENERAL_RESIDENCE_WORDS if words in zh + en]
    # Living elsewhere, a residence permit issued there may lead to the federation there.
    elsewhere = residence in ("away", "elsewhere")
    assert ("在现在住的地方办了居住证的，也可以问那里的残联" in zh) == elsewhere
    assert ("disabled persons' federation there can be asked too" in en) == elsewhere
    assert ("本站网上写给区残联" in zh, "write to it online on this site" in en) == (
        residence == "away",
    ) * 2


@pytest.mark.parametrize("residence", list(CHILD_AID_BY_RESIDENCE))
def test_every_other_service_keeps_the_general_residence_check(rules, residence):
    answers = profile(age="0-5", residence=residence, needs=("rehabilitation",))
    general = {
        "resident": "hukou-elsewhere",
        "unsure": "hukou-elsewhere",
        "away": "hukou-here-lives-away",
        "elsewhere": "lives-elsewhere",
    }[residence]
    for other in assess(rules, answers):
        if other.service not in (CHILD_REHABILITATION, SUBSISTENCE, *ALLOWANCES):
            assert [check.id for check in other.checks] == [general], other.service


# Whom a result calls the one the check is for: "the person" reads as someone else to a
# resident checking for themselves.
SOMEONE_ELSE = re.compile(r"\b(?:the|this) person\b", re.IGNORECASE)


def test_no_result_text_calls_whoever_the_check_is_for_the_person(rules):
    """Every rule's and check's words are shown whoever the check is for: they fit a check
    for oneself as well as one for someone else. ("You said the person is in work.")"""
    texts = [text for rule in rules.rules for text in (rule.explain, rule.verify) if text]
    texts += [check.explain for check in rules.checks]
    assert not [text.en for text in texts if SOMEONE_ELSE.search(text.en)]
    assert not [text.zh for text in texts if "这个人" in text.zh]


def test_a_card_met_by_two_rules_with_one_meaning_gives_their_words_once(rules):
    """Needs 不确定: both rehabilitation fitness rules match, and the card said two
    near-identical sentences."""
    finding = finding_for(rules, profile(), "rehabilitation-fitness")
    assert len(finding.reasons) == 2
    assert len({reason.rule.explain for reason in finding.reasons}) == 1


def test_the_categories_hint_leaves_autism_and_cerebral_palsy_to_the_assessment(i18n_app):
    with i18n_app.test_request_context("/"):
        hint = str(CATEGORIES.hint)
    assert "孤独症" in hint and "脑瘫" in hint
    assert "以残疾评定为准" in hint and "不确定" in hint


# --- 多重残疾 chosen alone ------------------------------------------------------------------

# The tester's answers: a relative of 18 to 59 with a grade 1 disability whose certificate
# says 多重残疾, not at school, unable to work, on dibao, needing help with communication.
MULTIPLE_ALONE = profile(
    for_whom="family",
    categories=("multiple",),
    grade="1",
    work="unable",
    household="dibao",
    needs=("communication",),
)
# The services whose rules name a category other than 多重残疾, and that these answers reach.
BY_CATEGORY = ("rukang-home", "blind-cultural-services", "sign-language-video-service")


def by_service(rules, answers) -> dict[str, str]:
    return {finding.service: finding.group for finding in assess(rules, answers)}


def test_multiple_disabilities_alone_leaves_each_category_open_as_not_sure_does(rules):
    """多重残疾 is two or more categories: chosen alone, each category is possible. The
    reading room, the sign-language platform and Rukang Home were listed as not suiting;
    now the result is 不确定's, each such card saying why (Reason.unnamed), not 不确定."""
    found = by_service(rules, MULTIPLE_ALONE)
    assert found == by_service(rules, {**MULTIPLE_ALONE, "categories": (UNSURE,)})
    for service in BY_CATEGORY:
        finding = finding_for(rules, MULTIPLE_ALONE, service)
        assert finding.group == POSSIBLE, service
        assert any(r.unnamed == ("categories",) and not r.unsure for r in finding.reasons)
    assert not any(r.unnamed for f in assess(rules, profile()) for r in f.reasons)


def test_multiple_disabilities_with_its_categories_ticked_uses_those_categories(rules):
    answers = {**MULTIPLE_ALONE, "categories": ("visual", "physical", "multiple")}
    found = by_service(rules, answers)
    assert found["blind-cultural-services"] == LIKELY
    assert "sign-language-video-service" not in found
    assert not any(r.unnamed for f in assess(rules, answers) for r in f.reasons)


def test_a_condition_naming_multiple_disabilities_is_met_by_it_alone(rules):
    rule = next(r for r in rules.rules if r.service == "blind-cultural-services")
    named = dataclasses.replace(rule, conditions=(Condition("categories", ("multiple",)),))
    group, reason = match(named, MULTIPLE_ALONE)
    assert (group, reason.chosen, reason.unnamed) == (LIKELY, (("categories", "multiple"),), ())
    group, reason = match(rule, {**MULTIPLE_ALONE, "categories": ("hearing", "multiple")})
    assert group is None


# --- The questions --------------------------------------------------------------------------


def test_age_decides_how_many_questions_there_are():
    assert totals({}) == (9, 10)
    counts = {code: len(sequence({"age": (code,)})) for code in AGE.codes}
    assert counts == {
        "0-5": 9,
        "6": 9,
        "7-15": 9,
        "16-17": 10,
        "18-59": 10,
        "60-plus": 9,
        "unsure": 10,
    }


def test_progress_is_a_range_until_age_is_answered_then_exact():
    first, second, third = sequence({})[:3]
    assert (progress(first, {}).low, progress(first, {}).high) == (9, 10)
    answers = {"for_whom": ("family",), "age": ("60-plus",)}
    assert progress(third, answers) == type(progress(third, answers))(3, 9, 9)
    assert second is AGE


def test_changing_age_drops_answers_to_questions_no_longer_asked():
    answers = dict(PROFILES["graduate-looking"][0])
    answers["age"] = ("7-15",)
    assert "work" not in pruned(answers)
    assert pruned(answers)["studying"] == ("university",)


def test_every_question_but_the_first_offers_not_sure():
    assert [q.id for q in QUESTIONS if UNSURE not in q.codes] == ["for_whom"]


# --- The rules file is refused when it cannot be trusted --------------------------------------


def edited(content_copy, change) -> None:
    """Apply `change` to the copy's eligibility.yaml (parsed) and write it back."""
    path = content_copy / "eligibility.yaml"
    data = read_yaml(path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def first_rule(data) -> dict:
    return data["rules"][0]


BROKEN = {
    "no source": (lambda d: first_rule(d).pop("source"), "without a source"),
    "empty source": (lambda d: first_rule(d).update(source=[]), "without a source"),
    "unknown service": (lambda d: first_rule(d).update(service="flying-lessons"), "flying-lessons"),
    "quote not in the plan": (
        lambda d: first_rule(d)["source"][1].update(quote="所有残疾人每月领取一千元"),
        "quote is not in measure 1-3",
    ),
    "unknown measure": (
        lambda d: first_rule(d)["source"][1].update(measure="9-9"),
        "no measure has the slug '9-9'",
    ),
    "unlisted document": (
        lambda d: first_rule(d)["source"][0].update(document="国发〔2099〕1号"),
        "not listed in documents",
    ),
    "document without what it says": (
        lambda d: first_rule(d)["source"][0].pop("says"),
        "says needs both zh and en",
    ),
    "law with a number as well as an article": (
        lambda d: d["documents"][-1].update(number="第十一条"),
        "a law has an article, not a number",
    ),
    "law without the English of its article": (
        lambda d: d["documents"][-1]["article"].pop("en"),
        "article needs both zh and en",
    ),
    "unknown question": (lambda d: first_rule(d)["when"].update(shoe_size=["42"]), "shoe_size"),
    "unknown answer": (lambda d: first_rule(d)["when"].update(grade=["5"]), "no answer '5'"),
    "no English": (lambda d: first_rule(d)["explain"].pop("en"), "explain needs both zh and en"),
    "possible without what to verify": (
        lambda d: d["rules"][1].pop("verify"),
        "says what to verify",
    ),
    "unknown group": (lambda d: first_rule(d).update(group="certain"), "group must be one of"),
    "no conditions": (lambda d: first_rule(d).update(when={}), "'when' names at least one"),
    "unknown field": (lambda d: first_rule(d).update(amount="500元"), "unknown field 'amount'"),
    "check without a source": (lambda d: d["checks"][0].pop("source"), "without a source"),
    "check exempting an unknown service": (
        lambda d: d["checks"][0].update({"except": ["flying-lessons"]}),
        "flying-lessons",
    ),
    "check only for no service": (
        lambda d: d["checks"][0].update({"only": []}),
        "'only' lists at least one service",
    ),
    "check only for an unknown service": (
        lambda d: d["checks"][0].update({"only": ["flying-lessons"]}),
        "flying-lessons",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_loader_refuses_a_rule_it_cannot_trust(content_copy, case):
    change, message = BROKEN[case]
    edited(content_copy, change)
    with pytest.raises(ContentError, match=re.escape(message)):
        load(content_copy)


def test_the_rules_file_as_committed_loads(rules):
    assert len(rules.rules) >= 32
    assert rules.services() and set(rules.services()) == set(SERVICES)


def test_who_is_asking_never_changes_a_verdict(rules):
    """The services that fit depend on the person, not on who fills in the form."""
    for name, (answers, _likely, _possible) in PROFILES.items():
        verdicts = [groups(rules, {**answers, "for_whom": (who,)}) for who in FOR_WHOM.codes]
        assert verdicts == [verdicts[0]] * len(verdicts), name
