"""Documents that cannot be read, each with its own message.

Every one is a :class:`~library.errors.UsageError`: the CLI prints the message on one line,
and callers (the fetcher, the index) can catch :class:`BadDocument` to skip a file without
crashing.
"""

from __future__ import annotations

from pathlib import Path

from library.errors import UsageError


class BadDocument(UsageError):
    """A document whose structure cannot be extracted."""

    reason = "unreadable"

    def __init__(self, path: Path | str, detail: str | None = None):
        self.path = Path(path)
        message = f"{self.path.name}: {self.describe()}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)

    def describe(self) -> str:
        return "cannot be read"


class MissingDocument(BadDocument):
    reason = "missing"

    def describe(self) -> str:
        return "the file is gone from the library; `syllabus fetch` or `syllabus attach` it again"


class EncryptedDocument(BadDocument):
    reason = "encrypted"

    def describe(self) -> str:
        return "the PDF is encrypted with a password; save an unlocked copy and add that instead"


class CorruptDocument(BadDocument):
    reason = "corrupt"

    def describe(self) -> str:
        return "not a readable PDF or web page (the file is corrupt or of another type)"


class EmptyDocument(BadDocument):
    reason = "empty"

    def describe(self) -> str:
        return "the file is empty (0 bytes); fetch it again"


class NoPages(BadDocument):
    reason = "no-pages"

    def describe(self) -> str:
        return "the PDF has no pages"


class NoTextLayer(BadDocument):
    reason = "image-only"

    def describe(self) -> str:
        return "the PDF has no text layer (scanned images only); it needs OCR before it can be read here"
