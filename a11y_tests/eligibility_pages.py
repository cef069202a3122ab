"""The eligibility check's pages that only a POST leads to (being built)."""


def eligibility_pages(visitor, prefix: str, lang: str) -> dict[str, str]:
    """The question pages, the check-your-answers page and the results, by name."""
    return {}
