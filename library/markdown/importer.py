"""Import a reading list (a TOML curriculum, a markdown file or a folder of markdown files) as a
validated :class:`Curriculum`.

* a ``.toml`` curriculum file (``catalogue.load_file``);
* one markdown file: a chapter per heading that owns ``Recommended reading`` / ``Optional
  reading`` / ``Suggested exercise`` sections (or the whole file as one chapter);
* a folder of markdown files, a chapter per file ordered by the number leading its name
  (``1-Transformers.md``), with an optional ``README.md`` for curriculum-wide facts and an
  optional ``Solutions.md`` of links to people's solutions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import msgspec

from library import catalogue
from library.catalogue import CatalogueError, Curriculum, Link
from library.errors import NotFound, UsageError
from library.inputs import CURRICULUM_LIMIT, read_input
from library.markdown.assemble import assemble
from library.markdown.chapters import chapters_of
from library.markdown.drafts import ChapterDraft, Known
from library.markdown.links import slug
from library.markdown.parse import (
    Heading,
    blocks,
    first_paragraph,
    first_sentence,
    plain_text,
    split_headings,
)
from library.markdown.solutions import solutions_from

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")


def import_path(path: Path, *, name: str | None = None) -> Curriculum:
    """Read ``path`` (TOML file, markdown file or folder of markdown files) into a validated curriculum.

    ``name`` replaces the name derived from the file or folder (or written in the TOML).
    """
    return import_checked(path, name=name)[0]


def import_checked(path: Path, *, name: str | None = None) -> tuple[Curriculum, list[Missed]]:
    """:func:`import_path`, and the sentences of a markdown list that mention a section or pages
    but from which no pointer was understood (so the user can see what was not taken)."""
    path = Path(path)
    missed: list[Missed] = []
    if not path.exists():
        raise NotFound(f"no such file or folder: {path}")
    if path.is_dir():
        curriculum = _import_dir(path, missed)
    elif path.suffix.lower() == ".toml":
        curriculum = catalogue.load_file(path)
        if name is None:
            return curriculum, missed  # load_file has validated it
    else:
        curriculum = _import_file(path, missed)
    if name is not None:
        curriculum = msgspec.structs.replace(curriculum, name=name)
    curriculum = catalogue.validate(curriculum, str(path))
    # Chapters are numbered by the assembler: name each sentence's chapter from the result.
    chapter_of = {r.title: c.number for c in curriculum.chapters for r in c.readings}
    return curriculum, [Missed(chapter_of.get(m.reading, m.chapter), m.reading, m.sentence) for m in missed]


@dataclass(frozen=True)
class Missed:
    """A sentence about a reading that names a part ("the section on scaling") but gave no pointer."""

    chapter: int | None
    reading: str  # the reading's title
    sentence: str

    def to_dict(self) -> dict:
        return {"chapter": self.chapter, "reading": self.reading, "sentence": self.sentence}


def _missed_in(chapters: list[ChapterDraft], out: list[Missed]) -> None:
    for chapter in chapters:
        drafts = [*chapter.readings, *(r for e in chapter.exercises for r in e.resources)]
        out.extend(Missed(chapter.number, d.title, s) for d in drafts for s in d.missed)


def _import_dir(directory: Path, missed: list[Missed]) -> Curriculum:
    """A folder: chapter files in the order of their leading numbers, then README and Solutions."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES)
    readme = next((p for p in files if p.stem.lower() in ("readme", "index", "overview")), None)
    solutions = next((p for p in files if p.stem.lower() in ("solutions", "solution")), None)
    chapter_files = [p for p in files if p not in (readme, solutions) and p.suffix.lower() != ".txt"]
    chapter_files.sort(key=lambda p: (_leading_number(p) is None, _leading_number(p) or 0, p.name))
    known: Known = {}
    chapters: list[ChapterDraft] = []
    for path in chapter_files:
        found, _front = chapters_of(_read_text(path), known)
        if len(found) == 1 and found[0].number is None:
            found[0].number = _leading_number(path)
        for chapter in found:
            if not chapter.title:
                chapter.title = _words_of(re.sub(r"^\d+\s*[-_.]\s*", "", path.stem)).strip()
        chapters.extend(found)
    _missed_in(chapters, missed)
    if not chapters:
        raise CatalogueError(
            f"{directory}: no chapters with readings or exercises found in its markdown files"
        )
    front = split_headings(_read_text(readme)) if readme is not None else []
    title, summary = _title_and_summary(front)
    solution_links: dict[int, list[Link]] = {}
    if solutions is not None:
        numbers = [c.number for c in chapters if c.number and c.exercises]
        solution_links = solutions_from(_read_text(solutions), numbers)
    title = title or _words_of(directory.name).title()
    return assemble(_name_from(directory), title, summary, chapters, front, known, solution_links, directory)


def _import_file(path: Path, missed: list[Missed]) -> Curriculum:
    """One file: its chapters, and its front matter for the title, summary and facts."""
    known: Known = {}
    chapters, front = chapters_of(_read_text(path), known)
    _missed_in(chapters, missed)
    if not chapters:
        raise CatalogueError(
            f"{path}: no chapters found (want '## Recommended reading' / '## Optional reading' / "
            "'## Suggested exercise' sections with links)"
        )
    title, summary = _title_and_summary(front)
    if len(chapters) == 1 and not title:
        title = chapters[0].title
    title = title or _words_of(path.stem).title()
    return assemble(_name_from(path), title, summary, chapters, front, known, {}, path)


def _title_and_summary(front: list[Heading]) -> tuple[str, str]:
    """The title of the first top-level heading and the first sentence of its first paragraph."""
    first = next((h for h in front if h.level == 1), None)
    if first is None:
        return "", ""
    return plain_text(first.title), first_sentence(first_paragraph(blocks(first.body)))


def _read_text(path: Path) -> str:
    """A markdown file's text, or a CatalogueError that says why it cannot be read."""
    try:
        data = read_input(path, limit=CURRICULUM_LIMIT, what="reading list")
    except UsageError as exc:
        raise CatalogueError(str(exc)) from None
    if b"\x00" in data[:8192]:
        raise CatalogueError(f"{path}: looks like a binary file, not markdown")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and import again"
        ) from None


def _leading_number(path: Path) -> int | None:
    """3 for "3-Training-at-Scale.md": the chapter number a file name gives."""
    m = re.match(r"^\s*(\d+)", path.stem)
    return int(m.group(1)) if m else None


def _words_of(file_name: str) -> str:
    """ "Training-at-Scale" -> "Training at Scale"."""
    return file_name.replace("-", " ").replace("_", " ")


def _name_from(path: Path) -> str:
    """The curriculum's name: a slug of the file's stem or the folder's name."""
    stem = path.name if path.is_dir() else path.stem
    return slug(stem, 60) or "imported"
