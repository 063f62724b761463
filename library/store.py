"""The document store: one SQLite row per fetched document, files named by ids only.

A document belongs to a *work*, named by ``reading_key`` (``arxiv:1706.03762`` or
``url:<normalized url>``), not to a curriculum item, so the same paper serves every
curriculum that assigns it. Files live under :func:`library.paths.documents_dir`:

- ``arxiv/1706.03762v5.pdf`` — an arXiv PDF with its version (``arxiv/1312.5602.pdf`` when the
  version could not be told);
- ``pdf/<sha1 of url>.pdf`` — a direct PDF link, or a PDF the user attached to a non-arXiv reading;
- ``web/<sha1 of url>.html`` and ``.md`` — an article's original bytes and its extracted text.

When two different files would get the same name (a page that changed, a second copy of a
version), the later one gets ``-<first 12 of its sha256>`` before the suffix. A newer version
of a work gets a new row and the older row points at it through ``superseded_by``; the older
file is never deleted, so notes made on it stay readable.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from library import paths
from library.db import write

if TYPE_CHECKING:
    from library.catalogue import Reading


@dataclass(frozen=True)
class Document:
    id: int
    reading_key: str
    source_url: str | None
    arxiv_id: str | None
    arxiv_version: str | None
    sha256: str | None
    size: int | None
    content_type: str | None
    pages: int | None
    fetched_at: float
    metadata: dict = field(default_factory=dict)
    status: str = "ok"
    reason: str | None = None
    superseded_by: int | None = None
    # Relative to the data home, as stored.
    rel_path: str | None = None
    rel_text_path: str | None = None

    @property
    def path(self) -> Path | None:
        """The document file (absolute). ``None`` only for link-only records."""
        return paths.data_home() / self.rel_path if self.rel_path else None

    @property
    def text_path(self) -> Path | None:
        """Extracted Markdown-like text of an HTML document (absolute), if any."""
        return paths.data_home() / self.rel_text_path if self.rel_text_path else None

    @property
    def is_pdf(self) -> bool:
        return (self.content_type or "").startswith("application/pdf")

    @property
    def title(self) -> str | None:
        return self.metadata.get("title")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "reading_key": self.reading_key,
            "source_url": self.source_url,
            "arxiv_id": self.arxiv_id,
            "arxiv_version": self.arxiv_version,
            "sha256": self.sha256,
            "size": self.size,
            "content_type": self.content_type,
            "pages": self.pages,
            "path": str(self.path) if self.path else None,
            "text_path": str(self.text_path) if self.text_path else None,
            "fetched_at": self.fetched_at,
            "metadata": self.metadata,
            "status": self.status,
            "reason": self.reason,
            "superseded_by": self.superseded_by,
        }


# --- keys and names ------------------------------------------------------------------------------

ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")


def split_arxiv(text: str) -> tuple[str, str | None] | None:
    """``"arXiv:1706.03762v5"`` -> ``("1706.03762", "v5")``; also abs/pdf URLs. ``None`` if not an id."""
    t = text.strip()
    m = re.match(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$", t, re.I)
    if m:
        t = m.group(1)
    t = re.sub(r"^arxiv:", "", t, flags=re.I)
    for pattern in (ARXIV_NEW, ARXIV_OLD):
        m = pattern.match(t)
        if m:
            return m.group(1), m.group(2)
    return None


def normalize_url(url: str) -> str:
    """One spelling per URL: lowercase scheme and host, no default port, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((scheme, host, path, parts.query, ""))


def reading_key(*, arxiv_id: str | None = None, url: str | None = None) -> str:
    """The key the store files a work under: ``arxiv:<bare id>`` for a paper (any version, any
    spelling of its id), else ``url:<normalized url>``. The one definition of a reading's work:
    :func:`key_of` and :func:`key_of_link` spell it from a reading or a bare link."""
    if arxiv_id:
        split = split_arxiv(arxiv_id)
        return f"arxiv:{split[0] if split else arxiv_id}"
    if url:
        return f"url:{normalize_url(url)}"
    raise ValueError("a reading key needs an arXiv id or a URL")


def key_of(reading: Reading) -> str:
    """The work a curriculum reading names (``arxiv:<id>`` or ``url:<normalized url>``), whatever its id.

    The one spelling used by the store, notes, search and the app, so the same paper is the same
    work everywhere.
    """
    return reading_key(arxiv_id=reading.arxiv_id, url=None if reading.arxiv_id else reading.url)


def key_of_link(link: str) -> str:
    """The work a bare link names: an arXiv id or arXiv URL (any spelling) is its paper, any other
    link its URL (an imported annotation's target, say)."""
    split = split_arxiv(link)
    return reading_key(arxiv_id=split[0]) if split else reading_key(url=link)


def _url_digest(url: str) -> str:
    return hashlib.sha1(normalize_url(url).encode("utf-8")).hexdigest()


def _rel(path: Path) -> str:
    return PurePosixPath(path.relative_to(paths.data_home())).as_posix()


def arxiv_file(arxiv_id: str, version: str | None) -> Path:
    safe = arxiv_id.replace("/", "_")  # old-style ids ("hep-th/9901001") must not make folders
    return paths.documents_dir() / "arxiv" / f"{safe}{version or ''}.pdf"


def pdf_file(url: str) -> Path:
    return paths.documents_dir() / "pdf" / f"{_url_digest(url)}.pdf"


def web_file(url: str) -> Path:
    return paths.documents_dir() / "web" / f"{_url_digest(url)}.html"


def free_name(conn: sqlite3.Connection, path: Path, sha256: str) -> Path:
    """``path`` unless a record already holds different bytes there; then a name with the sha256."""
    row = conn.execute("SELECT sha256 FROM documents WHERE path = ?", (_rel(path),)).fetchone()
    if row is None or row["sha256"] == sha256:
        return path
    return path.with_name(f"{path.stem}-{sha256[:12]}{path.suffix}")


# --- reading -------------------------------------------------------------------------------------


def _from_row(row: sqlite3.Row) -> Document:
    return Document(
        id=row["id"],
        reading_key=row["reading_key"],
        source_url=row["source_url"],
        arxiv_id=row["arxiv_id"],
        arxiv_version=row["arxiv_version"],
        sha256=row["sha256"],
        size=row["size"],
        content_type=row["content_type"],
        pages=row["pages"],
        fetched_at=row["fetched_at"],
        metadata=json.loads(row["metadata"] or "{}"),
        status=row["status"],
        reason=row["reason"],
        superseded_by=row["superseded_by"],
        rel_path=row["path"],
        rel_text_path=row["text_path"],
    )


def _version_number(version: str | None) -> int:
    return int(version[1:]) if version and version[1:].isdigit() else 0


def documents(conn: sqlite3.Connection) -> list[Document]:
    """Every record, oldest first (link-only and superseded ones included)."""
    return [_from_row(r) for r in conn.execute("SELECT * FROM documents ORDER BY id")]


def documents_for_key(conn: sqlite3.Connection, key: str) -> list[Document]:
    return [
        _from_row(r)
        for r in conn.execute("SELECT * FROM documents WHERE reading_key = ? ORDER BY id", (key,))
    ]


def get(conn: sqlite3.Connection, document_id: int) -> Document | None:
    row = conn.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
    return _from_row(row) if row else None


def document_for_reading(
    conn: sqlite3.Connection,
    reading_id: str | None,
    *,
    arxiv_id: str | None = None,
    url: str | None = None,
    version: str | None = None,
) -> Document | None:
    """The newest usable document for a work (``reading_id`` is kept for callers, not used).

    With ``version`` (a pinned ``"v3"``), that version is preferred when it is stored. Among the
    rest, a current (not superseded) record wins, then the highest arXiv version, then the latest.
    """
    if not arxiv_id and not url:
        return None
    ok = [d for d in documents_for_key(conn, reading_key(arxiv_id=arxiv_id, url=url)) if d.status == "ok"]
    if not ok:
        return None
    if version:
        pinned = [d for d in ok if d.arxiv_version == version]
        if pinned:
            ok = pinned
    return max(
        ok, key=lambda d: (d.superseded_by is None, _version_number(d.arxiv_version), d.fetched_at, d.id)
    )


# --- writing -------------------------------------------------------------------------------------


def record(
    conn: sqlite3.Connection,
    *,
    key: str,
    source_url: str | None,
    path: Path,
    sha256: str,
    size: int,
    content_type: str,
    pages: int | None = None,
    arxiv_id: str | None = None,
    arxiv_version: str | None = None,
    text_path: Path | None = None,
    metadata: dict | None = None,
) -> Document:
    """Record a document whose file is already in place; it becomes the current one for its work.

    The same file recorded again (same path and bytes) updates that row instead of adding one.
    Every other current record of the work is marked superseded by this one, never deleted.
    """
    rel = _rel(paths.inside_home(path))
    rel_text = _rel(paths.inside_home(text_path)) if text_path else None
    meta = json.dumps(metadata or {}, ensure_ascii=False, sort_keys=True)
    now = time.time()
    with write(conn):
        row = conn.execute("SELECT id, sha256 FROM documents WHERE path = ?", (rel,)).fetchone()
        if row is not None and row["sha256"] == sha256:
            doc_id = row["id"]
            conn.execute(
                "UPDATE documents SET source_url = ?, text_path = ?, fetched_at = ?, metadata = ?, pages = ?,"
                " content_type = ?, superseded_by = NULL, reading_key = ?, arxiv_id = ?, arxiv_version = ?"
                " WHERE id = ?",
                (source_url, rel_text, now, meta, pages, content_type, key, arxiv_id, arxiv_version, doc_id),
            )
        else:
            if row is not None:  # different bytes at the same name: callers use free_name(); be safe anyway
                raise ValueError(f"{rel} already holds another document")
            doc_id = conn.execute(
                "INSERT INTO documents (reading_key, source_url, arxiv_id, arxiv_version, sha256, size,"
                " content_type, pages, path, text_path, fetched_at, metadata, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok')",
                (
                    key,
                    source_url,
                    arxiv_id,
                    arxiv_version,
                    sha256,
                    size,
                    content_type,
                    pages,
                    rel,
                    rel_text,
                    now,
                    meta,
                ),
            ).lastrowid
        conn.execute(
            "UPDATE documents SET superseded_by = ? WHERE reading_key = ? AND id != ? AND superseded_by IS NULL",
            (doc_id, key, doc_id),
        )
    doc = get(conn, doc_id)
    assert doc is not None
    return doc


def record_link_only(
    conn: sqlite3.Connection, *, key: str, source_url: str, reason: str, metadata: dict | None = None
) -> Document:
    """Record (or refresh) that a work can only be followed as a link, and why."""
    meta = json.dumps(metadata or {}, ensure_ascii=False, sort_keys=True)
    now = time.time()
    with write(conn):
        row = conn.execute(
            "SELECT id FROM documents WHERE reading_key = ? AND status = 'link_only' AND superseded_by IS NULL",
            (key,),
        ).fetchone()
        if row:
            doc_id = row["id"]
            conn.execute(
                "UPDATE documents SET source_url = ?, reason = ?, fetched_at = ?, metadata = ? WHERE id = ?",
                (source_url, reason, now, meta, doc_id),
            )
        else:
            doc_id = conn.execute(
                "INSERT INTO documents (reading_key, source_url, fetched_at, metadata, status, reason)"
                " VALUES (?, ?, ?, ?, 'link_only', ?)",
                (key, source_url, now, meta, reason),
            ).lastrowid
    doc = get(conn, doc_id)
    assert doc is not None
    return doc


def update_metadata(conn: sqlite3.Connection, document_id: int, metadata: dict) -> None:
    with write(conn):
        conn.execute(
            "UPDATE documents SET metadata = ? WHERE id = ?",
            (json.dumps(metadata, ensure_ascii=False, sort_keys=True), document_id),
        )


def forget(conn: sqlite3.Connection, document_id: int) -> Document:
    """Take one document out of the library (``syllabus detach``, ``remove``): its record, then its
    files. An older version it had superseded becomes current again. Notes and passages are the
    index layer's to update (see ``index.library_edits``)."""
    from library.errors import NotFound

    doc = get(conn, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    with write(conn):
        conn.execute("UPDATE documents SET superseded_by = NULL WHERE superseded_by = ?", (document_id,))
        conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
    # After the commit: a crash in between leaves an unlisted file, never a record without its file.
    for path in (doc.path, doc.text_path):
        if path is not None:
            path.unlink(missing_ok=True)
    return doc
