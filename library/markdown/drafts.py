"""Readings, exercises and chapters as found, before ids and numbers are settled.

Ids need every reading of the curriculum (see :mod:`library.markdown.ids`) and chapter numbers
need every chapter, so the parsers fill these mutable drafts and the assembler turns them into
the catalogue's frozen structs at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import msgspec

from library.catalogue import Reading, Role
from library.markdown.links import arxiv_of, host, kind_of, work_of
from library.markdown.parse import MdLink
from library.pointers import Pointer


@dataclass
class Draft:
    """A reading (or an exercise's resource) as found in the markdown."""

    title: str
    url: str
    role: Role
    link_text: str = ""  # as written, for matching a phrase that names the work
    summary: str = ""
    pointer: Pointer | None = None  # the part assigned ("Section 3"), from the item's prose
    # Sentences of the item's prose that mention a section or pages but gave no pointer (reported).
    missed: list[str] = field(default_factory=list)
    topic: str | None = None  # chapter 0: the prerequisite topic it is filed under
    id: str = ""  # set by ids.assign_ids once every reading is known

    @classmethod
    def of_link(cls, link: MdLink, title: str, role: Role, summary: str = "") -> Draft:
        """The draft of a link found in the markdown, under the title its context gives it."""
        return cls(title=title, url=link.url, role=role, link_text=link.text, summary=summary)

    @property
    def arxiv(self) -> tuple[str, str | None] | None:
        return arxiv_of(self.url)

    @property
    def work(self) -> str:
        return work_of(self.url)

    def as_resource(self) -> Draft:
        """The same link as an exercise's resource (its own draft: its pointer and id are its own)."""
        return Draft(title=self.title, url=self.url, role="resource", link_text=self.link_text)

    def matches(self, words: list[str]) -> bool:
        """Whether a phrase's words ("red teaming", "elk") name this reading: every word is in its
        title, link text or URL, or is part of its title's initials."""
        path = urlsplit(self.url).path
        haystack = " ".join(
            re.sub(r"[^a-z0-9]+", " ", s.lower()) for s in (self.title, self.link_text, path, host(self.url))
        ).split()
        initials = "".join(w[0] for w in re.findall(r"[a-z0-9]+", self.title.lower()) if w)
        return all(w in haystack or (len(w) >= 2 and w in initials) for w in words)

    def build(self) -> Reading:
        """The catalogue's reading. A pointer's arXiv version ("Section 3 of v2") becomes the reading's
        version when the URL names none."""
        arxiv = self.arxiv
        version = arxiv[1] if arxiv else None
        assigned = None
        if self.pointer is not None and self.pointer.kind != "whole":
            version = version or self.pointer.version
            # The version goes to arxiv_version; the label keeps only the part.
            assigned = msgspec.structs.replace(self.pointer, version=None).label
        return Reading(
            id=self.id,
            title=self.title,
            url=self.url,
            summary=self.summary,
            topic=self.topic,
            kind=kind_of(self.url),
            role=self.role,
            arxiv_id=arxiv[0] if arxiv else None,
            arxiv_version=version if arxiv else None,
            assigned=assigned,
        )


@dataclass
class ExerciseDraft:
    """An exercise; ``alternative_to`` is the number of the exercise it may replace (parts after an "OR")."""

    number: int  # within its chapter
    title: str
    summary: str
    resources: list[Draft]
    alternative_to: int | None = None


@dataclass
class ChapterDraft:
    """A chapter: its heading's number and title, its readings and exercises."""

    number: int | None  # None: not written in the markdown; the assembler gives it the next free one
    title: str
    summary: str = ""
    readings: list[Draft] = field(default_factory=list)
    exercises: list[ExerciseDraft] = field(default_factory=list)
    # The plain text of the chapter's introduction, where chapter-level facts (effort) are looked for.
    body_text: str = ""

    @property
    def empty(self) -> bool:
        return not self.readings and not self.exercises


# Every reading found so far, by work (see :func:`library.markdown.links.work_of`): a link to a
# known work found in prose takes that reading's title.
Known = dict[str, Draft]
