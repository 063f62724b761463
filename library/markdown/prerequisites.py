"""Chapter 0 from the front matter: the resources of its "Prerequisites" sections, and the
exercise a prerequisites paragraph suggests ("as an exercise, train ... on MNIST")."""

from __future__ import annotations

import re

from library.markdown.drafts import ChapterDraft, Draft, ExerciseDraft, Known
from library.markdown.parse import Block, Heading, blocks, first_sentence, sentences
from library.markdown.readings import reading_items
from library.markdown.titles import nested_title

_PREREQUISITE_HEADING = re.compile(r"prerequisite|before you start|background|alternatives?\b", re.I)
# "Linear algebra: ..." (an item without a link): a topic the section's readings are filed under.
_TOPIC = re.compile(r"^([A-Z][\w &/-]{1,40}?)\s*:")


def prerequisites(front: list[Heading], known: Known) -> ChapterDraft | None:
    """Chapter 0, or None when the front matter has no prerequisites section with links."""
    sections = [h for h in front if h.level and _PREREQUISITE_HEADING.search(h.title)]
    if not sections:
        return None
    chapter = ChapterDraft(0, "Prerequisites")
    topics: list[str] = []
    resources: list[Draft] = []
    exercise_text = ""
    for heading in sections:
        section_blocks = blocks(heading.body)
        for block in section_blocks:
            m = _TOPIC.match(block.plain)
            if block.kind == "item" and not block.web_links and m:
                topics.append(m.group(1).strip().lower())
        for block in section_blocks:
            if not block.web_links:
                continue
            if block.kind == "item":
                chapter.readings.extend(reading_items([block], "optional", known))
                continue
            suggested = _paragraph(block, chapter.readings, resources, known)
            exercise_text = exercise_text or suggested
    chapter.readings = _unique(chapter.readings, topics)
    if resources or exercise_text:
        chapter.exercises.append(ExerciseDraft(1, _exercise_title(exercise_text), exercise_text, resources))
    return None if chapter.empty else chapter


def _paragraph(block: Block, readings: list[Draft], resources: list[Draft], known: Known) -> str:
    """Take a paragraph's links as readings, titled by their own text. If it suggests an exercise,
    the links of that sentence and after it are the exercise's resources ("learn [PyTorch] and, as
    an exercise, use it to train on [MNIST]"); links before the mention stay readings too.
    Returns the exercise's text ("" when none)."""
    exercise = re.search(r"\bexercises?\b", block.plain, re.I)
    starts = [s for s, e in sentences(block) if exercise and s <= exercise.start() < e]
    for link in block.web_links:
        draft = Draft.of_link(link, nested_title(link, None, known), "optional")
        if not exercise or link.start < exercise.start():
            readings.append(draft)
        in_exercise = exercise and link.start >= (starts[0] if starts else exercise.start())
        if in_exercise and all(r.url != link.url for r in resources):
            resources.append(draft.as_resource())
    return block.plain[exercise.start() :] if exercise else ""


def _unique(readings: list[Draft], topics: list[str]) -> list[Draft]:
    """The readings without repeated links, each filed under the first topic its title or summary names."""
    seen: set[str] = set()
    out = []
    for draft in readings:
        if draft.url in seen:
            continue
        seen.add(draft.url)
        text = f"{draft.title} {draft.summary}".lower()
        draft.topic = next((t for t in topics if re.search(rf"\b{re.escape(t)}\b", text)), None)
        out.append(draft)
    return out


def _exercise_title(exercise_text: str) -> str:
    """ "exercise, use it to train a classifier on MNIST." -> "Train a classifier on MNIST"."""
    clause = first_sentence(re.sub(r"^exercises?\s*[,:]?\s*", "", exercise_text, flags=re.I))
    clause = re.sub(r"^(?:using|use)\s+(?:it|this|them|that)\s+to\s+|^(?:by|to)\s+", "", clause, flags=re.I)
    title = clause.rstrip(".").strip()
    return (title[:1].upper() + title[1:])[:90] if title else "Prerequisite exercise"
