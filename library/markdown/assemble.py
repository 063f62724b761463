"""Chapter drafts and front matter -> a :class:`Curriculum`: chapter 0 from the prerequisites,
numbers for chapters that have none, ids, and the facts of the front matter and of each
chapter's introduction (effort, helps, longer alternatives, order of importance)."""

from __future__ import annotations

from pathlib import Path

from library.catalogue import Chapter, Curriculum, Exercise, Link
from library.markdown.drafts import ChapterDraft, ExerciseDraft, Known
from library.markdown.facts import Facts, facts_from
from library.markdown.ids import assign_ids, exercise_id
from library.markdown.parse import Heading, blocks
from library.markdown.prerequisites import prerequisites


def assemble(
    name: str,
    title: str,
    summary: str,
    chapters: list[ChapterDraft],
    front: list[Heading],
    known: Known,
    solution_links: dict[int, list[Link]],
    origin: Path,
) -> Curriculum:
    """The curriculum, not yet validated (the caller validates it once, after any renaming)."""
    facts = facts_from([b for h in front for b in blocks(h.body)])
    zero = prerequisites(front, known)
    # Numbers: as written, else the next free one; a repeat (two "Chapter 2"s) also moves on.
    used: set[int] = {0} if zero else set()
    for chapter in chapters:
        if chapter.number is None or chapter.number in used:
            chapter.number = max(used | {0}) + 1
        used.add(chapter.number)
    if zero is not None:
        chapters = [zero, *chapters]
    numbers = [c.number for c in chapters]
    assign_ids(chapters)
    built = [_chapter(draft, facts, numbers, solution_links) for draft in chapters]
    importance = []
    for n in facts.importance:
        if n in numbers and n not in importance:
            importance.append(n)
    return Curriculum(
        name=name,
        title=title or name,
        summary=summary,
        importance=importance,
        chapters=built,
        source=str(origin.resolve()),
    )


def _chapter(
    draft: ChapterDraft, facts: Facts, numbers: list[int | None], solution_links: dict[int, list[Link]]
) -> Chapter:
    """One chapter; its effort is what its introduction says, else what the front matter says of
    it, else (not for chapter 0) what the front matter says of every chapter."""
    number = draft.number
    assert number is not None  # numbered by assemble()
    own = facts_from(blocks(draft.body_text.splitlines()))
    effort = own.effort.get(number) or own.effort_all or facts.effort.get(number)
    if not effort and number != 0:
        effort = facts.effort_all
    exercises = [_exercise(number, ex) for ex in draft.exercises]
    return Chapter(
        number=number,
        title=draft.title or f"Chapter {number}",
        summary=draft.summary,
        readings=[r.build() for r in draft.readings],
        exercises=exercises,
        helps=[n for n in facts.helps.get(number, []) if n in numbers and n != number],
        effort_days=list(effort or []),
        longer_alternative=facts.longer.get(number),
        solutions=solution_links.get(number, []) if exercises else [],
    )


def _exercise(chapter: int, ex: ExerciseDraft) -> Exercise:
    return Exercise(
        id=exercise_id(chapter, ex.number),
        title=ex.title,
        summary=ex.summary,
        resources=[r.build() for r in ex.resources],
        alternative_to=exercise_id(chapter, ex.alternative_to) if ex.alternative_to else None,
    )
