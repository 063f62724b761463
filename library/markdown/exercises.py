"""Exercises from a chapter's exercise sections.

A section may offer several exercises, one "OR" / "AND/OR" line apart: each part becomes an
exercise (the second and later are alternatives to the first) whose links are its resources,
with the section pointers its sentences name ("Section 2 of the ELK report").
"""

from __future__ import annotations

import re

from library.markdown.drafts import Draft, ExerciseDraft, Known
from library.markdown.parse import Block, first_sentence, sentences
from library.markdown.pointer_targets import find_pointer
from library.markdown.titles import nested_title

# An "OR" line between two exercises; what follows the word qualifies the next one.
_ALTERNATIVE_LINE = re.compile(
    r"^(?:and\s*/\s*or|or|alternatively|alternative(?:ly)?:?)\b[\s:,-]*(.*)$", re.I
)
# Paragraphs that introduce the exercises or add a note: never an exercise's title.
_PREAMBLE = re.compile(
    r"\b(?:two|three|four|several|\d+)\s+(?:suggested\s+|possible\s+)?exercises\b|^see also\b|^note\b|^credit\b",
    re.I,
)


def parse_exercises(sections: list[list[Block]], readings: list[Draft], known: Known) -> list[ExerciseDraft]:
    """The exercises of a chapter's exercise sections (each starts a new one, as an "OR" line does);
    ``readings`` are the chapter's, which an exercise may name ("the ELK report") and so take as a resource."""
    parts: list[tuple[str, list[Block]]] = []
    for section in sections:
        parts.append(("", []))
        for block in section:
            lead = _separator_lead(block)
            if lead is None:
                parts[-1][1].append(block)
            else:
                parts.append((lead, []))
    parts = [(lead, part) for lead, part in parts if part]
    return [
        ExerciseDraft(
            number=number,
            title=_exercise_title(part),
            summary=_summary(lead, part),
            resources=_resources(part, readings, known),
            alternative_to=1 if number > 1 else None,
        )
        for number, (lead, part) in enumerate(parts, start=1)
    ]


def _separator_lead(block: Block) -> str | None:
    """For an "OR" line, the words after "OR" ("" if none); None for any other block."""
    text = block.plain.strip()
    if block.kind != "para" or len(text) > 80:
        return None
    m = _ALTERNATIVE_LINE.match(text)
    if not m:
        return None
    # "OR" must be written as a separator, not start a sentence ("Or you could ..." is prose).
    first = text.split()[0]
    if first.lower() in ("or", "and/or") and not (first.isupper() or text.upper() == text):
        return None
    return m.group(1).strip().rstrip(":")


def _resources(part: list[Block], readings: list[Draft], known: Known) -> list[Draft]:
    """The links of an exercise, in order, each with the pointer its sentences give it."""
    resources: list[Draft] = []
    by_url: dict[str, Draft] = {}
    for block in part:
        web = block.web_links  # in text order, as the sentences are: one walk over both
        k = 0
        for s, e in sentences(block):
            while k < len(web) and web[k].start < s:
                k += 1
            while k < len(web) and web[k].start < e:
                link = web[k]
                k += 1
                if link.url not in by_url:
                    draft = Draft.of_link(link, nested_title(link, None, known), "resource")
                    by_url[link.url] = draft
                    resources.append(draft)
            found = find_pointer(block, s, e)
            if found is None:
                continue
            target: Draft | None = None
            if found.link is not None:
                target = by_url.get(found.link.url)
            elif found.words:
                target = next((r for r in reversed(resources) if r.matches(found.words)), None)
                if target is None:
                    reading = next((r for r in readings if r.matches(found.words)), None)
                    if reading is not None:
                        # The exercise names a chapter reading ("the ELK report"): it becomes a resource.
                        target = reading.as_resource()
                        by_url[reading.url] = target
                        resources.append(target)
            if target is not None and target.pointer is None:
                target.pointer = found.pointer
    return resources


def _summary(lead: str, part: list[Block]) -> str:
    """The exercise's text, one line a block, list items as (indented) bullets."""
    lines = [f"({lead})"] if lead else []
    for block in part:
        bullet = "  " * min(block.indent // 2, 3) + "- " if block.kind == "item" else ""
        lines.append(bullet + block.plain)
    return "\n".join(lines)


def _exercise_title(part: list[Block]) -> str:
    """The first sentence of the exercise's first paragraph that is not a preamble, cut to a title."""
    paras = [b for b in part if b.kind == "para" and not _PREAMBLE.search(b.plain)]
    source = (paras or [b for b in part if not _PREAMBLE.search(b.plain)] or part)[0].plain
    text = first_sentence(source)
    text = re.sub(
        r"^[A-Z][\w -]{0,30}?\s+(?:exercise|task|project)\s*:\s*", "", text
    )  # "Practical exercise: ..."
    text = text.strip().rstrip(".:;")
    if len(text) > 90:
        # Cut at the first clause boundary that leaves a title of some substance.
        for cut in (" (", ", ", " - ", " – ", "; ", ": ", " to ", " so that ", " and "):
            idx = text.find(cut, 20)
            if 20 <= idx <= 90:
                text = text[:idx]
                break
    if len(text) > 90:
        text = text[:88].rsplit(" ", 1)[0] + "…"
    return text[:1].upper() + text[1:] if text else "Exercise"
