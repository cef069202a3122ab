"""Reading the reviewed synonym file (`synonyms.txt`; its header explains the format)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from search.text import is_chinese, normalize

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


@dataclass(frozen=True)
class SynonymGroup:
    """One line of the file: typing a source term also finds every target term."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]


def parse_line(line: str) -> SynonymGroup | None:
    """The group on one line of the file, or None for a comment or blank line."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if "=>" in line:
        left, right = line.split("=>", 1)
        sources, targets = _terms(left), _terms(right)
    else:
        # Equivalent terms: each one finds all the others.
        sources = targets = _terms(line)
    if not sources or not targets:
        raise ValueError(f"synonym line without terms on both sides: {line!r}")
    return SynonymGroup(sources, targets)


def _terms(side: str) -> tuple[str, ...]:
    """The normalised, comma-separated terms of one side of a line."""
    return tuple(" ".join(normalize(term).split()) for term in side.split(",") if term.strip())


@cache
def load_groups(path: Path = SYNONYMS_FILE) -> tuple[SynonymGroup, ...]:
    """Every group in the synonym file, read once per process."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(group for group in map(parse_line, lines) if group is not None)


def all_terms(groups: tuple[SynonymGroup, ...]) -> list[str]:
    """Every term that appears in `groups`, in file order, once each."""
    terms = (term for group in groups for term in (*group.sources, *group.targets))
    return list(dict.fromkeys(terms))


def chinese_terms(groups: tuple[SynonymGroup, ...]) -> list[str]:
    """The terms of `groups` written in Chinese characters: the domain words for jieba."""
    return [term for term in all_terms(groups) if is_chinese(term)]
