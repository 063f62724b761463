"""What ``syllabus add`` makes of an arXiv id, a web address or a local PDF: a new reading.

The reading's kind, title and id come from what was given (and, for a paper, from arXiv's
metadata or the PDF's own arXiv stamp); a local file is returned beside the reading so the
caller can attach it once the reading is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from library import additions, curricula, store
from library.catalogue import Curriculum, Reading, ReadingKind, Role
from library.errors import NotFound, UsageError
from library.fetch import arxiv_source, network, pdf, planner
from library.fetch.config import settings
from library.fetch.http import FetchError


@dataclass(frozen=True)
class NewReading:
    reading: Reading
    path: Path | None = None  # a local file to attach once the reading is stored
    warning: str | None = None  # something the user should know (no title from arXiv, say)


def new_reading(curriculum: Curriculum, what: str, *, title: str | None, role: Role) -> NewReading:
    """A new reading of ``curriculum`` for ``what`` (arXiv id or URL, web address, or a local PDF),
    with an id no item of the curriculum has. A :class:`UsageError` when ``what`` is none of these."""
    path = Path(what).expanduser()
    if path.is_file():
        return NewReading(_local_pdf(curriculum, path, title, role), path)
    split = store.split_arxiv(what)
    if split:
        return _arxiv_paper(curriculum, split[0], split[1], title, role)
    if what.startswith(("http://", "https://")):
        parts = urlsplit(what)
        name = title or (parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.hostname or what)
        reading = Reading(
            id=additions.free_id(curriculum, additions.slug(name)),
            title=name,
            kind=kind_of_address(what),
            url=what,
            role=role,
        )
        return NewReading(reading)
    raise UsageError(f"{what!r} is not an arXiv id, a web address, or an existing file")


def refuse_duplicate(curriculum: Curriculum, what: str) -> None:
    """Raise :class:`UsageError` when ``what`` (an arXiv id or a web address) is already a reading
    of ``curriculum``: checked before anything is asked of the network."""
    if not (store.split_arxiv(what) or what.startswith(("http://", "https://"))):
        return
    try:
        found = curricula.find(curriculum, what)
    except NotFound:
        return
    if found.reading is not None:
        raise UsageError(
            f"{what} is already in {curriculum.name} as {found.reading.id!r} "
            f"(chapter {found.chapter.number}): {found.reading.title}"
        )


def kind_of_address(url: str) -> ReadingKind:
    """What a web address is as a reading: a PDF, a video, a link with nothing to download (a tool,
    a page behind a login) or a web page; the fetch planner decides, as it will when fetching."""
    how = planner.plan(Reading(id="new", title="new", kind="link", url=url))
    if how.method == "pdf":
        return "pdf"
    if planner.is_video(url):
        return "video"
    return "link" if how.method == "link_only" else "html"


def _local_pdf(curriculum: Curriculum, path: Path, title: str | None, role: Role) -> Reading:
    """A local PDF: an arXiv paper when its stamp (or its file name) says so, else a PDF of its own.
    The version is not kept here: attaching reads it from the file again."""
    facts = pdf.local_facts(path)
    named = store.split_arxiv(path.stem)
    arxiv_id = facts.stamp_id or (named[0] if named else None)
    if arxiv_id:
        return Reading(
            id=additions.free_id(curriculum, arxiv_id.replace("/", "-")),
            title=title or facts.title or f"arXiv:{arxiv_id}",
            kind="arxiv",
            url=f"https://arxiv.org/abs/{arxiv_id}",
            arxiv_id=arxiv_id,
            role=role,
            pages=facts.pages,
        )
    name = title or facts.title or path.stem
    return Reading(
        id=additions.free_id(curriculum, additions.slug(name)),
        title=name,
        kind="pdf",
        url=path.resolve().as_uri(),
        role=role,
        pages=facts.pages,
    )


def _arxiv_paper(
    curriculum: Curriculum, arxiv_id: str, version: str | None, title: str | None, role: Role
) -> NewReading:
    """An arXiv paper, titled from arXiv's metadata (one request) unless ``title`` names it."""
    warning = meta = None
    config = settings()
    offline = None if title else network.no_network(config.arxiv_api_url)
    if offline:
        warning = f"no title from arXiv (offline: {offline}); pass --title to name it"
    elif title is None:  # a title given: nothing to ask
        try:
            meta = arxiv_source.fetch_metadata([arxiv_id], config).get(arxiv_id)
        except FetchError as exc:
            warning = f"no title from arXiv ({exc.reason}); pass --title to name it"
    reading = Reading(
        id=additions.free_id(curriculum, arxiv_id.replace("/", "-")),
        title=title or (meta or {}).get("title") or f"arXiv:{arxiv_id}",
        kind="arxiv",
        url=f"https://arxiv.org/abs/{arxiv_id}",
        arxiv_id=arxiv_id,
        arxiv_version=version,
        role=role,
        authors=meta.get("authors", []) if meta else [],
        year=int(meta["published"][:4]) if meta and meta.get("published") else None,
    )
    return NewReading(reading, warning=warning)
