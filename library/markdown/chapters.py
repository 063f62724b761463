"""Chapters of a markdown text: which headings are chapters, and what their sections hold.

A chapter is a heading that owns "Recommended reading" / "Optional reading" / "Suggested
exercise" sections (by pattern, see :func:`section_kind`); the headings that are no chapter's
are the front matter, where curriculum-wide facts are looked for.
"""

from __future__ import annotations

import re
from typing import Literal

from library.markdown.drafts import ChapterDraft, Known
from library.markdown.exercises import parse_exercises
from library.markdown.parse import (
    Block,
    Heading,
    blocks,
    first_paragraph,
    plain_text,
    split_headings,
    strip_emphasis,
)
from library.markdown.readings import reading_items

# What a section of a chapter holds: readings of a role, or exercises.
SectionKind = Literal["recommended", "optional", "exercise"]

_SECTION_KINDS: list[tuple[SectionKind, re.Pattern[str]]] = [
    (
        "recommended",
        re.compile(
            r"^(?:recommended|required|core|essential|main|key)\s+read|^readings?$|^reading list$", re.I
        ),
    ),
    ("optional", re.compile(r"^(?:optional|further|additional|extra|supplementary|more|bonus)\s+read", re.I)),
    (
        "exercise",
        re.compile(r"^(?:suggested\s+|optional\s+)?(?:exercises?|assignments?|projects?|problems?)\b", re.I),
    ),
]
_CHAPTER_HEADING = re.compile(
    r"^(?:chapter|week|part|unit|module|lesson|day|session)?\s*(\d+)\s*[:.\-–—)]\s*(.*)$", re.I
)


def section_kind(title: str) -> SectionKind | None:
    """ "recommended", "optional" or "exercise" for a section heading's title, else None."""
    title = strip_emphasis(title).strip().rstrip(":")
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(title):
            return kind
    return None


def chapter_heading(title: str) -> tuple[int | None, str]:
    """ "Chapter 3: Training at Scale" -> (3, "Training at Scale"); "Optimization" -> (None, ...)."""
    title = plain_text(title)
    m = _CHAPTER_HEADING.match(title)
    if m and m.group(2).strip():
        return int(m.group(1)), m.group(2).strip()
    m = re.match(r"^(?:chapter|week|part|unit|module|lesson)\s+(\d+)$", title, re.I)
    if m:
        return int(m.group(1)), title
    return None, title


def chapters_of(text: str, known: Known) -> tuple[list[ChapterDraft], list[Heading]]:
    """Chapters of one markdown text, and the headings that belong to no chapter (front matter).

    A chapter is a heading that owns reading or exercise sections; its level is the shallowest
    such owner's. Without any owner, the whole text is one chapter (sections at top level).
    """
    headings = split_headings(text)
    owner_levels = []
    for i, heading in enumerate(headings):
        if heading.level and section_kind(heading.title):
            parent = next((j for j in range(i - 1, 0, -1) if headings[j].level < heading.level), None)
            if parent is not None and section_kind(headings[parent].title) is None:
                owner_levels.append(headings[parent].level)
    chapters: list[ChapterDraft] = []
    front: list[Heading] = []
    if not owner_levels:
        # No heading owns the sections (they sit at the top, or are top-level headings themselves):
        # the whole text is one chapter, titled by its first other heading.
        if any(section_kind(h.title) for h in headings if h.level):
            named = next((h for h in headings if h.level and not section_kind(h.title)), None)
            number, title = chapter_heading(named.title) if named else (None, "")
            chapters.append(
                parse_chapter(number, title, [headings[0]] + [h for h in headings if h.level], known)
            )
            front = [headings[0]] + ([named] if named else [])
        else:
            front = headings
        return [c for c in chapters if not c.empty], front
    level = min(owner_levels)
    i = 0
    while i < len(headings):
        heading = headings[i]
        if heading.level == level:
            children = _children(headings, i)
            if any(section_kind(h.title) for h in children):
                number, title = chapter_heading(heading.title)
                chapters.append(parse_chapter(number, title, [heading, *children], known))
                i += 1 + len(children)
                continue
        front.append(heading)
        i += 1
    return [c for c in chapters if not c.empty], front


def _children(headings: list[Heading], i: int) -> list[Heading]:
    """The headings under ``headings[i]``, up to the next one of its level or above."""
    out = []
    for heading in headings[i + 1 :]:
        if heading.level <= headings[i].level:
            break
        out.append(heading)
    return out


def parse_chapter(number: int | None, title: str, headings: list[Heading], known: Known) -> ChapterDraft:
    """A chapter from its own heading (with its introduction) and the headings under it."""
    chapter = ChapterDraft(number, title)
    intro = blocks(headings[0].body) if headings else []
    chapter.summary = first_paragraph(intro)[:600]
    chapter.body_text = " ".join(b.plain for b in intro)
    exercise_sections: list[list[Block]] = []
    for kind, body in _sections(headings[1:]):
        if kind == "exercise":
            exercise_sections.append(blocks(body))
            continue
        seen = {d.url for d in chapter.readings}
        for draft in reading_items(blocks(body), kind, known):
            if draft.url not in seen:
                seen.add(draft.url)
                chapter.readings.append(draft)
                known.setdefault(draft.work, draft)
    chapter.exercises = parse_exercises(exercise_sections, chapter.readings, known)
    return chapter


def _sections(headings: list[Heading]) -> list[tuple[SectionKind, list[str]]]:
    """(kind, body lines) of the reading and exercise sections; a sub-heading inside one is part
    of it, any other heading ends it."""
    sections: list[tuple[SectionKind, list[str]]] = []
    current_level: int | None = None
    for heading in headings:
        kind = section_kind(heading.title)
        if kind is not None:
            current_level = heading.level
            sections.append((kind, list(heading.body)))
        elif current_level is not None and heading.level > current_level:
            sections[-1][1].extend(heading.body)
        else:
            current_level = None
    return sections
