"""Reading ids, derived from the links rather than their positions, so re-importing an edited
list keeps the ids (and so the progress) of everything that is still there."""

from __future__ import annotations

from urllib.parse import urlsplit

from library.markdown.drafts import ChapterDraft, Draft
from library.markdown.links import host, slug, title_slug, url_tag


def assign_ids(chapters: list[ChapterDraft]) -> None:
    """Ids from the link: ``arxiv-<id>`` for arXiv papers, a slug of the title otherwise. Clashes
    are resolved with the chapter (same work twice), the URL (two works, one title) or the exercise
    (a chapter reading that is also an exercise resource)."""
    ids = _Ids()
    for chapter in chapters:
        for ex in chapter.exercises:
            ids.taken[exercise_id(chapter.number, ex.number)] = "exercise"
    for chapter in chapters:
        for draft in chapter.readings:
            base = _base(draft)
            if ids.claim(base, draft.work):
                draft.id = base
            elif ids.taken[base] == draft.work and ids.claim(f"{base}-ch{chapter.number}", draft.work):
                draft.id = f"{base}-ch{chapter.number}"
            else:
                draft.id = ids.first_free(f"{base}-{url_tag(draft.url)}", draft.work)
    for chapter in chapters:
        for ex in chapter.exercises:
            for draft in ex.resources:
                base = _base(draft)
                if ids.claim(base, draft.work):
                    draft.id = base
                else:
                    draft.id = ids.first_free(f"{base}-ex{chapter.number}-{ex.number}", draft.work)


def exercise_id(chapter: int | None, number: int) -> str:
    """An exercise's id: "ex3-2" for the second exercise of chapter 3."""
    return f"ex{chapter}-{number}"


def _base(draft: Draft) -> str:
    """The id a reading gets when nothing else claims it."""
    arxiv = draft.arxiv
    if arxiv:
        return "arxiv-" + arxiv[0].replace("/", "-")
    return title_slug(draft.title) or slug(host(draft.url) + urlsplit(draft.url).path) or "link"


class _Ids:
    """The ids given out so far, each with the work (or "exercise") it went to."""

    def __init__(self) -> None:
        self.taken: dict[str, str] = {}
        self._next_suffix: dict[str, int] = {}  # candidate -> the first "-N" not yet tried

    def claim(self, candidate: str, work: str) -> bool:
        """Give ``candidate`` to ``work`` if it is free; whether it was."""
        if candidate in self.taken:
            return False
        self.taken[candidate] = work
        return True

    def first_free(self, candidate: str, work: str) -> str:
        """``candidate``, else ``candidate-2``, ``candidate-3``, ...: the first one not yet taken."""
        if self.claim(candidate, work):
            return candidate
        # Start after the last suffix given for this candidate: a list of 5,000 readings with the
        # same title must not try 2, 3, 4, ... again for each one.
        n = self._next_suffix.get(candidate, 2)
        while not self.claim(f"{candidate}-{n}", work):
            n += 1
        self._next_suffix[candidate] = n + 1
        return f"{candidate}-{n}"
