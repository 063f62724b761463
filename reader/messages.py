"""Every custom message of the app, in one place.

Widgets learn state through attributes set from above and report what happened through
these messages, which bubble up to the screen and the app ("attributes down, messages up").
Messages posted from thread workers carry plain data only: the handler runs on the app's
thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    # Types only: a message module must not import the domain (search loads numpy, FAISS later).
    from index.review import ReviewItem, ReviewStats
    from index.search import Hit
    from library.store import Document
    from library.structure.model import DocumentStructure, SectionContent


@dataclass
class ReadingSelected(Message):
    """The user asked to open a reading (Enter in the curriculum, a search hit, "next")."""

    reading_id: str
    # Where to put the cursor once the document is shown: a document-wide block index.
    block_index: int | None = None
    # Show the whole work rather than the assigned section (the target may lie outside it).
    whole: bool = False


@dataclass
class StatusRequested(Message):
    """The user pressed a status key on an item."""

    item_id: str
    kind: str
    status: str


@dataclass
class FetchRequested(Message):
    """The user asked to fetch a reading (f): the app runs the fetch and reports its progress."""

    reading_id: str


@dataclass
class ReadingOpened(Message):
    """The main screen opened a reading: the app's activity clock now counts time on it."""

    reading_id: str


@dataclass
class DocumentLoaded(Message):
    """A worker found and extracted the document of a reading (or found that it has none)."""

    reading_id: str
    # "ok": structure and content are set; "missing": not fetched yet; "link": nothing to
    # download (a video, a tool); "error": extraction failed (``detail`` says why).
    state: str
    structure: DocumentStructure | None = None
    content: SectionContent | None = None
    document: Document | None = None
    detail: str = ""
    block_index: int | None = None
    whole: bool = False


@dataclass
class FetchProgress(Message):
    reading_id: str
    done: int
    total: int | None
    detail: str = ""


@dataclass
class FetchFinished(Message):
    reading_id: str
    ok: bool
    detail: str = ""


@dataclass
class NoteRequested(Message):
    """The reader asks for a note on a block (``n``)."""

    block_index: int
    text: str


@dataclass
class NotesChanged(Message):
    """Notes changed (saved, edited, deleted, restored): the app brings the search index up to date."""

    note_id: int


@dataclass
class NoteActionRequested(Message):
    """Edit, tag or delete a note, asked from the notes panel."""

    note_id: int
    action: str


@dataclass
class JumpToNote(Message):
    note_id: int


@dataclass
class BlockFocused(Message):
    """The reader's paragraph cursor settled on a block."""

    block_index: int
    text: str


@dataclass
class SearchResults(Message):
    query: str
    hits: list[Hit] = field(default_factory=list)
    error: str = ""


@dataclass
class RelatedResults(Message):
    block_index: int
    hits: list[Hit] = field(default_factory=list)
    error: str = ""


@dataclass
class IndexProgress(Message):
    stage: str
    done: int
    total: int


@dataclass
class IndexFinished(Message):
    ok: bool
    detail: str = ""


@dataclass
class ModelReady(Message):
    ok: bool
    detail: str = ""
    seconds: float = 0.0


@dataclass
class HitChosen(Message):
    """A search or related hit was chosen: jump to its passage or note."""

    hit: Hit


@dataclass
class StudyTotalsLoaded(Message):
    """A worker read the study log for the progress screen's charts."""

    # (ISO day, seconds) for the last days, today last.
    daily: list[tuple[str, float]] = field(default_factory=list)
    # Chapter number -> seconds.
    by_chapter: dict[int, float] = field(default_factory=dict)
    error: str = ""


@dataclass
class ReviewLoaded(Message):
    """A worker picked the next note to review (``item`` None: nothing due but skipped ones)."""

    item: ReviewItem | None = None
    page: int | None = None  # where the note's passage is, from its anchor
    section: str | None = None
    stats: ReviewStats | None = None
    error: str = ""


@dataclass
class ReviewGraded(Message):
    """A worker graded or excluded a note (``action``: again/hard/good/easy or "excluded")."""

    note_id: int
    action: str
    due: float | None = None
    reviewed_at: float | None = None
    error: str = ""


@dataclass
class LinkOpened(Message):
    """A worker asked the system browser to open a URL."""

    url: str
    ok: bool
    detail: str = ""
