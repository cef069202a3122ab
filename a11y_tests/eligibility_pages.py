"""The eligibility check's pages that only a POST leads to (the questions, the check page,
the results), and the few no link leads to (an address opened without its answers, the
refusal of tampered answers, the page after clearing, the staff's page of rules), captured
with a test client in both languages, as a browser without JavaScript would post them."""

from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

# A family member, for a bedridden father with a grade 1 physical disability in a household
# on the minimum living allowance: the journey of the "done when".
FATHER = [
    ("for_whom", ["family"]),
    ("age", ["60-plus"]),
    ("residence", ["hukou"]),
    ("certificate", ["yes"]),
    ("categories", ["physical"]),
    ("grade", ["1"]),
    ("work", ["unable"]),
    ("household", ["dibao"]),
    ("needs", ["daily-care"]),
]
REVIEWER = "a11y-eligibility"


def eligibility_pages(visitor, prefix: str, lang: str) -> dict[str, str]:
    """The question pages, the check-your-answers page and the results, by name."""
    pages = {}
    start = visitor.get(f"{prefix}/eligibility/")
    page = _press(visitor, start, "action", "start")
    for question, values in FATHER:
        if question == "categories":
            pages[f"eligibility-question-several-{lang}"] = _html(page)
        if question == "grade":
            pages[f"eligibility-question-{lang}"] = _html(page)
            pages[f"eligibility-question-error-{lang}"] = _html(
                _press(visitor, page, "action", "continue:grade", {"grade": []})
            )
        page = _press(visitor, page, "action", f"continue:{question}", {question: values})
    pages[f"eligibility-check-{lang}"] = _html(page)
    # The first question opened by 更改: its back button returns to the check page.
    pages[f"eligibility-question-change-{lang}"] = _html(
        _press(visitor, page, "action", "change:for_whom")
    )
    result = _press(visitor, page, "view", "standard")
    pages[f"eligibility-result-{lang}"] = _html(result)
    pages[f"eligibility-result-easy-{lang}"] = _html(_press(visitor, result, "view", "easy"))
    pages[f"eligibility-result-all-{lang}"] = _html(_press(visitor, result, "view", "all"))
    pages[f"eligibility-problem-{lang}"] = _html(
        visitor.post(
            f"{prefix}/eligibility/questions",
            data={"for_whom": "alien", "action": "continue:age", "csrf_token": _token(start)},
        )
    )
    pages[f"eligibility-lost-{lang}"] = _html(visitor.get(f"{prefix}/eligibility/questions"))
    pages[f"eligibility-cleared-{lang}"] = _html(
        visitor.post(f"{prefix}/eligibility/clear", data={"csrf_token": _token(start)})
    )
    pages[f"eligibility-rules-{lang}"] = _html(
        _reviewer(visitor).get(f"{prefix}/staff/eligibility-rules")
    )
    return pages


def _press(client, response, name: str, value: str, choose: dict | None = None):
    """Submit the form of the button `name`=`value` (its own, or the one it names) as a
    browser would: its hidden fields, its ticked boxes (or `choose`), the button itself, to
    the button's formaction or the form's action."""
    doc = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    button = next(
        (b for b in doc.find_all("button", attrs={"name": name, "value": value})
         if not b.has_attr("hidden")),  # the form's default, for Enter: not a button to press
        None,
    )  # fmt: skip
    assert button is not None, f"no button {name}={value}"
    form = doc.find("form", id=button["form"]) if button.get("form") else button.find_parent("form")
    fields = MultiDict()
    for field in form.find_all("input"):
        if field.get("type") in ("radio", "checkbox") and not field.has_attr("checked"):
            continue
        fields.add(field["name"], field.get("value", ""))
    for field_name, values in (choose or {}).items():
        fields.setlist(field_name, values)
    fields.add(name, value)
    answer = client.post(button.get("formaction") or form["action"], data=fields)
    assert answer.status_code in (200, 400), answer.status_code
    return answer


def _token(response) -> str:
    doc = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return doc.find("input", attrs={"name": "csrf_token"})["value"]


def _html(response) -> str:
    return response.get_data(as_text=True)


def _reviewer(visitor):
    """A client of the same app signed in as an editor (the account made the first time)."""
    from barrierfree.database import db
    from barrierfree.staff.accounts.views import create_user
    from barrierfree.staff.models import EDITOR, StaffUser
    from sqlalchemy import select

    app = visitor.application
    password = "the rules are read before they are trusted"
    with app.app_context():
        if db.session.scalar(select(StaffUser).where(StaffUser.username == REVIEWER)) is None:
            create_user(REVIEWER, "规则审核", EDITOR, password)
            db.session.commit()
    client = app.test_client()
    form = client.get("/staff/sign-in")
    signed = client.post(
        "/staff/sign-in",
        data={"username": REVIEWER, "password": password, "csrf_token": _token(form)},
    )
    assert signed.status_code == 303, "the eligibility pages could not sign in"
    return client
