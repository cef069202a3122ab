"""Reading content/ into flat records, one list per kind of item, in file order."""

from datetime import date
from pathlib import Path

import yaml

from ..i18n import EN

SOURCE = "_source"  # the file a record was read from, for error messages


# libyaml's parser where PyYAML was built with it (its wheels are): the same documents
# and the same safe types as the pure-Python one, read about ten times faster.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(ValueError):
    """A content file is malformed or refers to something that does not exist."""


def read_yaml(path: Path) -> dict:
    """Parse one YAML file, naming the file in any error."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: {error}") from error
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: expected a mapping at the top level")
    return data


def read_page(path: Path) -> tuple[dict, str]:
    """Split a Markdown page into its YAML header and its body."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ContentError(f"{path.name}: a page starts with a '---' YAML header")
    header, _, body = text[4:].partition("\n---\n")
    try:
        meta = yaml.load(header, Loader=LOADER) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: {error}") from error
    if not isinstance(meta, dict):
        raise ContentError(f"{path.name}: the header must be a YAML mapping")
    return meta, body.strip() + "\n"


def positioned(items: list[dict], source: str) -> list[dict]:
    """Copy each item with its place in the list as `position` and the file it came from."""
    return [{**item, "position": index, SOURCE: source} for index, item in enumerate(items)]


# The demo pack: invented places and contacts that show how the site works, each marked
# `sample: true`, in a folder of their own and loaded only when asked for.
DEMO = "demo"
DEMO_KINDS = ("facilities", "contacts")


def read_all(directory: Path, demo: bool = False) -> dict[str, list[dict]]:
    """Every record in `directory`, by kind; with `demo`, the demo pack's records too."""
    records: dict[str, list[dict]] = {}
    for kind in ("departments", "categories"):
        records[kind] = positioned(read_yaml(directory / f"{kind}.yaml")[kind], f"{kind}.yaml")
    records["pages"] = _pages(directory / "pages")
    plan = read_yaml(directory / "plan.yaml")
    records["pages"].append(
        {
            "slug": "plan",
            "title": plan["title"],
            "title_en": plan.get("title_en"),
            "summary": plan["issued"],
            "summary_en": plan.get("issued_en"),
            "body": plan["preamble"],
            "body_en": plan.get("preamble_en"),
            SOURCE: "plan.yaml",
        }
    )
    records.update(_plan(plan["parts"]))
    records.update(_boxes(read_yaml(directory / "boxes.yaml")["boxes"], records["sections"]))
    records["services"] = [
        {**read_yaml(path), "position": index, SOURCE: f"services/{path.name}"}
        for index, path in enumerate(sorted((directory / "services").glob("*.yaml")))
    ]
    for kind in ("townships", *DEMO_KINDS):
        records[kind] = _listed(directory, f"{kind}.yaml", kind, demo=False)
    if demo:
        for kind, demo_items in demo_pack(directory).items():
            records[kind] += [
                {**item, "position": len(records[kind]) + item["position"]} for item in demo_items
            ]
    return records


def demo_pack(directory: Path) -> dict[str, list[dict]]:
    """The demo pack's records by kind."""
    return {kind: _listed(directory, f"{DEMO}/{kind}.yaml", kind, demo=True) for kind in DEMO_KINDS}


def _listed(directory: Path, name: str, kind: str, demo: bool) -> list[dict]:
    """The `kind` records of the file `name`: invented ones (`sample: true`) in the demo
    pack only, and every record there invented."""
    listed = plain(read_yaml(directory / name)[kind] or [])
    if not isinstance(listed, list):
        raise ContentError(f"{name}: expected a list of {kind}")
    items = positioned(listed, name)
    for item in items:
        if kind in DEMO_KINDS and bool(item.get("sample")) != demo:
            problem = (
                "every record of the demo pack is invented and says sample: true"
                if demo
                else "an invented record (sample: true) belongs in the demo pack, demo/"
            )
            raise ContentError(f"{name} ({item.get('slug')}): {problem}")
    return items


def plain(value: object) -> object:
    """`value` with YAML dates turned into ISO strings, as JSON columns store them."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _pages(folder: Path) -> list[dict]:
    """Static pages: `<slug>.md` in Chinese with an optional `<slug>.en.md` beside it."""
    pages = []
    for path in sorted(folder.glob("*.md")):
        if path.name.endswith(f".{EN}.md"):
            continue
        meta, body = read_page(path)
        page = {**meta, "body": body, SOURCE: f"pages/{path.name}"}
        english = path.with_name(f"{path.stem}.{EN}.md")
        if english.exists():
            meta_en, body_en = read_page(english)
            page.update(
                title_en=meta_en.get("title"), summary_en=meta_en.get("summary"), body_en=body_en
            )
        pages.append(page)
    return pages


def _plan(parts: list[dict]) -> dict[str, list[dict]]:
    """Flatten parts → sections → measures; measures get the slug `<area>-<number>`."""
    flat: dict[str, list[dict]] = {"parts": [], "sections": [], "measures": []}
    for part_index, part in enumerate(parts):
        sections = part.pop("sections", [])
        flat["parts"].append({**part, "position": part_index, SOURCE: "plan.yaml"})
        areas_with_measures = 0
        for section_index, section in enumerate(sections):
            measures = section.pop("measures", [])
            flat["sections"].append(
                {
                    **section,
                    "part": part["slug"],
                    "part_number": str(part["number"]),
                    "number": str(section["number"]),
                    "position": section_index,
                    SOURCE: "plan.yaml",
                }
            )
            if measures:
                areas_with_measures += 1
            for measure in measures:
                slug = f"{areas_with_measures}-{measure['number']}"
                flat["measures"].append(
                    {**measure, "slug": slug, "section": section["slug"], SOURCE: "plan.yaml"}
                )
    return flat


def _boxes(boxes: list[dict], sections: list[dict]) -> dict[str, list[dict]]:
    """Flatten boxes → indicators and projects; a box names its place by part and section."""
    by_place = {(s["part_number"], s["number"]): s["slug"] for s in sections if "part_number" in s}
    flat: dict[str, list[dict]] = {"boxes": [], "indicators": [], "projects": []}
    for box in boxes:
        indicators = box.pop("indicators", [])
        projects = box.pop("projects", [])
        place = (str(box.pop("part")), str(box.pop("section")))
        if place not in by_place:
            raise ContentError(f"boxes.yaml: 专栏{box['number']} stands in an unknown section")
        source = {SOURCE: "boxes.yaml"}
        flat["boxes"].append({**box, "section": by_place[place], **source})
        flat["indicators"] += [{**item, "box": box["number"], **source} for item in indicators]
        flat["projects"] += [
            {**item, "box": box["number"], "position": index, **source}
            for index, item in enumerate(projects)
        ]
    return flat
