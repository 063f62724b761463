"""The curriculum model: chapters, readings, exercises, and how they are validated.

A curriculum is a TOML file (the bundled one is ``library/data/deep-learning.toml``) or
the result of importing a markdown reading list (``library.markdown``). Both are
decoded into these structs by msgspec, which checks every type; :func:`validate` then
checks what types cannot (unique ids, known chapter numbers, parseable pointers) and
reports every problem with the path to the offending field.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

import msgspec

from library.errors import UsageError
from library.pointers import Pointer, PointerSyntaxError, parse

ReadingKind = Literal[
    "arxiv", "pdf", "html", "doc", "video", "book", "course", "project", "tool", "dataset", "link"
]
Role = Literal["recommended", "optional", "resource"]

BUNDLED_NAME = "deep-learning"
ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$|^[a-z\-]+(\.[A-Z]{2})?/\d{7}$")


class Reading(msgspec.Struct, kw_only=True, omit_defaults=True, dict=True):
    """One thing to read (or watch, or use): a paper, a post, a book, a video, a tool."""

    id: str
    title: str
    kind: ReadingKind
    url: str
    role: Role = "optional"
    arxiv_id: str | None = None
    # The pinned arXiv version, when the curriculum names one ("v3").
    arxiv_version: str | None = None
    # What part is assigned, in short form ("Section 3", "first 49 pages", '"Named Section"').
    assigned: str | None = None
    authors: list[str] = []
    year: int | None = None
    # Our own one-line description: never the curriculum's prose.
    summary: str = ""
    # Prerequisite topic this resource serves (chapter 0 only): "linear algebra", ...
    topic: str | None = None
    # Known page count, for reading-time estimates before the document is fetched.
    pages: int | None = None
    # Running time in minutes (videos, courses).
    minutes: int | None = None
    # Parts the curriculum says to skip: a video's "0:00-5:30 intro", a tutorial's named section.
    skip: list[str] = []
    # Courses, books and playlists: the sections, chapters or videos assigned, in order
    # (only these, when the curriculum names some; `skip` lists what to leave out).
    parts: list[str] = []

    @cached_property
    def pointer(self) -> Pointer:
        pointer = parse(self.assigned)
        if self.arxiv_version and pointer.version is None and pointer.kind != "whole":
            pointer = msgspec.structs.replace(pointer, version=self.arxiv_version)
        return pointer


class Exercise(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A suggested exercise. ``resources`` are the links it names (datasets, tools, papers)."""

    id: str
    title: str
    summary: str = ""
    resources: list[Reading] = []
    # Another exercise of the same chapter this one is an alternative to ("OR" in the curriculum).
    alternative_to: str | None = None


class Link(msgspec.Struct, kw_only=True, omit_defaults=True):
    title: str
    url: str
    summary: str = ""


class Chapter(msgspec.Struct, kw_only=True, omit_defaults=True):
    number: int
    title: str
    summary: str = ""
    readings: list[Reading] = []
    exercises: list[Exercise] = []
    # Chapter numbers this chapter helps to understand.
    helps: list[int] = []
    # Expected effort in days of full-time study: [low, high].
    effort_days: list[float] = []
    # A longer replacement for the whole chapter.
    longer_alternative: Link | None = None
    # Public solutions to the chapter's exercise(s), offered once the exercise is done.
    solutions: list[Link] = []

    @property
    def recommended(self) -> list[Reading]:
        return [r for r in self.readings if r.role == "recommended"]

    @property
    def optional(self) -> list[Reading]:
        return [r for r in self.readings if r.role == "optional"]


class Curriculum(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    title: str
    summary: str = ""
    author: str | None = None
    source: str | None = None
    # Chapter numbers, most important first; chapters left out come after, in number order.
    importance: list[int] = []
    chapters: list[Chapter] = []

    # --- lookups ---------------------------------------------------------------------------------

    def chapter(self, number: int) -> Chapter:
        for chapter in self.chapters:
            if chapter.number == number:
                return chapter
        raise UsageError(
            f"no chapter {number} in {self.name} (chapters: {', '.join(str(c.number) for c in self.chapters)})"
        )

    def all_readings(self, *, with_resources: bool = True) -> list[tuple[Chapter, Reading]]:
        out: list[tuple[Chapter, Reading]] = []
        for chapter in self.chapters:
            out.extend((chapter, r) for r in chapter.readings)
            if with_resources:
                for exercise in chapter.exercises:
                    out.extend((chapter, r) for r in exercise.resources)
        return out

    def all_exercises(self) -> list[tuple[Chapter, Exercise]]:
        return [(c, e) for c in self.chapters for e in c.exercises]

    def importance_order(self) -> list[int]:
        numbers = {c.number for c in self.chapters}
        ranked = list(dict.fromkeys(n for n in self.importance if n in numbers))
        placed = set(ranked)
        return ranked + sorted(n for n in numbers if n not in placed)

    def helpers_of(self, number: int) -> list[int]:
        """Chapters that help with chapter ``number``."""
        return [c.number for c in self.chapters if number in c.helps]


class CatalogueError(UsageError):
    """A curriculum file that cannot be used; the message says where and why."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


def validate(curriculum: Curriculum, origin: str = "curriculum") -> Curriculum:
    problems: list[str] = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9\-_.]*", curriculum.name):
        problems.append(f"name {curriculum.name!r}: use lowercase letters, digits, '-', '_' or '.'")
    listed = [c.number for c in curriculum.chapters]
    numbers = set(listed)  # a set: "in numbers" runs once per link, and curricula can be long
    if len(numbers) != len(listed):
        problems.append("chapter numbers repeat: " + ", ".join(str(n) for n in listed))
    for n in curriculum.importance:
        if n not in numbers:
            problems.append(f"importance names chapter {n}, which does not exist")
    seen: dict[str, str] = {}
    for ci, chapter in enumerate(curriculum.chapters):
        where = f"chapters[{ci}] (chapter {chapter.number})"
        for n in chapter.helps:
            if n not in numbers:
                problems.append(f"{where}.helps: no chapter {n}")
        if chapter.effort_days and (
            len(chapter.effort_days) != 2 or chapter.effort_days[0] > chapter.effort_days[1]
        ):
            problems.append(f"{where}.effort_days: want [low, high]")
        items: list[tuple[str, Reading | Exercise]] = [
            (f"{where}.readings[{i}]", r) for i, r in enumerate(chapter.readings)
        ]
        for ei, exercise in enumerate(chapter.exercises):
            items.append((f"{where}.exercises[{ei}]", exercise))
            items.extend(
                (f"{where}.exercises[{ei}].resources[{i}]", r) for i, r in enumerate(exercise.resources)
            )
        for path, item in items:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-_.]*", item.id):
                problems.append(f"{path}: id {item.id!r} must be letters, digits, '-', '_' or '.'")
            if item.id in seen:
                problems.append(f"{path}: id {item.id!r} is already used at {seen[item.id]}")
            seen[item.id] = path
            if isinstance(item, Reading):
                if item.role == "resource" and ".resources[" not in path:
                    problems.append(f"{path}: role 'resource' is for exercise resources")
                if item.arxiv_id is not None and not ARXIV_ID.match(item.arxiv_id):
                    problems.append(f"{path}: arxiv_id {item.arxiv_id!r} is not an arXiv id like 1706.03762")
                if item.kind == "arxiv" and item.arxiv_id is None:
                    problems.append(f"{path}: kind 'arxiv' needs an arxiv_id")
                try:
                    parse(item.assigned)
                except PointerSyntaxError as exc:
                    problems.append(f"{path}.assigned: {exc}")
        for ei, exercise in enumerate(chapter.exercises):
            if exercise.alternative_to and exercise.alternative_to not in {e.id for e in chapter.exercises}:
                problems.append(
                    f"{where}.exercises[{ei}].alternative_to: no exercise {exercise.alternative_to!r}"
                )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CatalogueError(f"{origin}: {problems[0]}{more}", problems)
    return curriculum


def decode_toml(text: str, origin: str) -> Curriculum:
    """Decode and validate a curriculum written in TOML."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:
        raise CatalogueError(f"{origin}: nested too deeply to be a curriculum") from None
    return from_builtins(data, origin)


def from_builtins(data: object, origin: str) -> Curriculum:
    try:
        curriculum = msgspec.convert(data, Curriculum)
    except msgspec.ValidationError as exc:
        raise CatalogueError(f"{origin}: {exc}") from None
    return validate(curriculum, origin)


def decode_json(text: str | bytes, origin: str) -> Curriculum:
    try:
        curriculum = msgspec.json.decode(text, type=Curriculum)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise CatalogueError(f"{origin}: {exc}") from None
    return validate(curriculum, origin)


def encode_json(curriculum: Curriculum) -> bytes:
    return msgspec.json.encode(curriculum)


def bundled_names() -> list[str]:
    """Curricula shipped inside the package (``library/data/*.toml``)."""
    return sorted(
        p.name[: -len(".toml")] for p in resources.files("library.data").iterdir() if p.name.endswith(".toml")
    )


def load_bundled(name: str = BUNDLED_NAME) -> Curriculum:
    # Fresh structs on every call (msgspec.convert never mutates the parsed TOML it is given),
    # so a caller may change what it gets without touching anyone else's copy.
    return from_builtins(_parse_bundled(name), f"{name}.toml")


@cache
def _parse_bundled(name: str) -> dict:
    """The bundled TOML, parsed once per process: tomllib takes ~8 ms for the default curriculum
    (converting and validating the result, under 0.5 ms), and the package's files do not change
    while it runs. Errors are not cached."""
    resource = resources.files("library.data") / f"{name}.toml"
    if not resource.is_file():
        raise CatalogueError(f"no bundled curriculum {name!r}")
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{name}.toml: not valid TOML: {exc}") from None


def load_file(path: Path) -> Curriculum:
    from library.inputs import CURRICULUM_LIMIT, read_input

    try:
        text = read_input(path, limit=CURRICULUM_LIMIT, what="curriculum").decode("utf-8")
    except UsageError as exc:
        raise CatalogueError(str(exc)) from None
    except UnicodeDecodeError:
        raise CatalogueError(f"{path}: not UTF-8 text") from None
    return decode_toml(text, str(path))
