"""The result of getting one reading, as shown in ``syllabus fetch``'s summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from library.store import Document

# fetched: downloaded now; updated: a newer version downloaded, the older kept; cached: already
# here; link_only: can only be followed as a link; newer: (--check) a newer version exists;
# missing: (--check) not fetched yet; skipped: nothing to do (a file no reading wants);
# failed: asked for and not had.
Status = Literal[
    "fetched", "updated", "attached", "cached", "link_only", "newer", "missing", "skipped", "failed"
]


@dataclass
class Outcome:
    reading_id: str
    title: str
    status: Status
    detail: str = ""
    document: Document | None = None
    offline: bool = False  # failed for want of a network (the CLI then says what to do instead)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_dict(self) -> dict:
        doc = self.document
        return {
            "reading": self.reading_id,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "document_id": doc.id if doc else None,
            "version": doc.arxiv_version if doc else None,
            "size": doc.size if doc else None,
            "pages": doc.pages if doc else None,
            "path": str(doc.path) if doc and doc.path else None,
            "text_path": str(doc.text_path) if doc and doc.text_path else None,
            "offline": self.offline,
        }


class Progress(Protocol):
    """Where download progress goes (a Rich bar per download in the CLI, nowhere in tests)."""

    def start(self, label: str) -> Callable[[int, int | None], None]: ...

    def stop(self, label: str) -> None: ...


class NoProgress:
    def start(self, label: str) -> Callable[[int, int | None], None]:
        return lambda done, total: None

    def stop(self, label: str) -> None:
        pass
