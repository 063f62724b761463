"""Notes: Markdown text the reader writes, on a reading, a chapter, or on its own, maybe anchored to a passage.

SQLite is the truth. Every change is one write transaction (``library.db.write``: BEGIN
IMMEDIATE, so the app and the CLI writing at once wait for each other instead of failing) that
also records the note's new state in ``note_history``. Deletes are soft; :func:`undo` brings back
the most recent delete or reverts the most recent edit, whichever came last, and walks further
back when called again. Anchors that cannot find their passage after a new version or a
re-extraction become orphans: kept, listed by :func:`orphans`, never dropped.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid as uuid_module
from collections.abc import Iterable
from typing import Literal

import msgspec

from index.anchors import Match, locate, normalize
from library import store
from library.catalogue import Reading
from library.db import inserted_id, write
from library.errors import NotFound, UsageError
from library.structure.errors import BadDocument
from library.structure.model import DocumentStructure

AnchorStatus = Literal["attached", "orphan", "none"]


class Anchor(msgspec.Struct, kw_only=True):
    """Where a note points: a TextQuoteSelector (exact, prefix, suffix) plus the place it was found."""

    document_id: str | None = None
    arxiv_version: str | None = None
    section: str | None = None
    page: int | None = None
    exact: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    block_index: int | None = None
    # 'attached': the quote is (or was, when no document is fetched yet) in the text;
    # 'orphan': it could not be found again; 'none': no quote (a page at most).
    status: AnchorStatus = "none"


class Note(msgspec.Struct, kw_only=True):
    id: int
    uuid: str
    curriculum: str | None
    reading_id: str | None
    reading_key: str | None
    chapter: int | None
    body: str
    tags: list[str]
    created_at: float
    updated_at: float
    anchor: Anchor | None = None
    deleted_at: float | None = None

    @property
    def content_hash(self) -> str:
        """What the embedder keys on: changes exactly when the searchable content changes."""
        digest = hashlib.sha256()
        for part in (self.body, "\x1f".join(self.tags), (self.anchor.exact if self.anchor else None) or ""):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x1e")
        return digest.hexdigest()

    @property
    def title(self) -> str:
        """The first non-empty line of the body, for lists."""
        for line in self.body.splitlines():
            if line.strip():
                return line.strip()
        return ""

    def to_dict(self) -> dict:
        anchor = self.anchor or Anchor()
        return {
            "id": self.id,
            "uuid": self.uuid,
            "curriculum": self.curriculum,
            "reading": self.reading_id,
            "reading_key": self.reading_key,
            "chapter": self.chapter,
            "page": anchor.page,
            "section": anchor.section,
            "quote": anchor.exact,
            "tags": self.tags,
            "body": self.body,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "anchor": anchor.status,
            "deleted": self.deleted_at is not None,
        }


class HistoryEntry(msgspec.Struct, kw_only=True):
    id: int
    note_id: int
    action: str
    body: str | None
    tags: list[str]
    anchor: Anchor | None
    at: float
    undone_at: float | None = None


class ReanchorReport(msgspec.Struct, kw_only=True):
    reading_key: str
    document_id: str | None
    # Note ids by outcome. ``exact``/``fuzzy`` are attached; ``orphaned`` could not be found.
    exact: list[int] = []
    fuzzy: list[int] = []
    orphaned: list[int] = []
    # Attached notes whose page, section or block changed (a moved paragraph, a new version).
    moved: list[int] = []

    def to_dict(self) -> dict:
        return msgspec.to_builtins(self)


# --- helpers ---------------------------------------------------------------------------------------


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags as Obsidian accepts them: no leading '#', no spaces (they become '-'), lower case, unique."""
    out: list[str] = []
    for tag in tags:
        clean = "-".join(tag.strip().lstrip("#").split()).lower()
        if not clean:
            raise UsageError(f"empty tag {tag!r}")
        if clean not in out:
            out.append(clean)
    return sorted(out)


def _check_body(body: str) -> str:
    if body is None or not body.strip():
        raise UsageError("empty note, nothing saved")
    return body.strip("\n")


def _now() -> float:
    # Microseconds are what ISO timestamps in exports carry; rounding here makes them round-trip.
    return round(time.time(), 6)


def _anchor_json(anchor: Anchor | None) -> str | None:
    return msgspec.json.encode(anchor).decode() if anchor is not None else None


def _record(conn: sqlite3.Connection, note: Note, action: str, at: float) -> None:
    conn.execute(
        "INSERT INTO note_history (note_id, action, body, tags_json, anchor_json, at) VALUES (?, ?, ?, ?, ?, ?)",
        (note.id, action, note.body, json.dumps(note.tags), _anchor_json(note.anchor), at),
    )


def _write_anchor(conn: sqlite3.Connection, note_id: int, anchor: Anchor | None, at: float) -> None:
    if anchor is None:
        conn.execute("DELETE FROM anchors WHERE note_id = ?", (note_id,))
        return
    conn.execute(
        "INSERT INTO anchors (note_id, document_id, arxiv_version, section, page, exact, prefix, suffix,"
        " block_index, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (note_id) DO UPDATE SET document_id = excluded.document_id,"
        " arxiv_version = excluded.arxiv_version, section = excluded.section, page = excluded.page,"
        " exact = excluded.exact, prefix = excluded.prefix, suffix = excluded.suffix,"
        " block_index = excluded.block_index, status = excluded.status, updated_at = excluded.updated_at",
        (
            note_id,
            anchor.document_id,
            anchor.arxiv_version,
            anchor.section,
            anchor.page,
            anchor.exact,
            anchor.prefix,
            anchor.suffix,
            anchor.block_index,
            anchor.status,
            at,
        ),
    )


def _write_tags(conn: sqlite3.Connection, note_id: int, tags: list[str]) -> None:
    current = {r[0] for r in conn.execute("SELECT tag FROM note_tags WHERE note_id = ?", (note_id,))}
    for tag in current - set(tags):
        conn.execute("DELETE FROM note_tags WHERE note_id = ? AND tag = ?", (note_id, tag))
    for tag in sorted(set(tags) - current):
        conn.execute("INSERT INTO note_tags (note_id, tag) VALUES (?, ?)", (note_id, tag))


def _check_anchor(anchor: Anchor | None) -> Anchor | None:
    if anchor is None:
        return None
    if anchor.exact is not None and not anchor.exact.strip():
        anchor = msgspec.structs.replace(anchor, exact=None)
    if anchor.page is not None and anchor.page < 1:
        raise UsageError(f"page {anchor.page}: pages start at 1")
    if anchor.exact is None and anchor.status == "attached":
        anchor = msgspec.structs.replace(anchor, status="none")
    if anchor.exact is None and anchor.page is None and anchor.section is None and anchor.document_id is None:
        return None
    return anchor


# --- reading ---------------------------------------------------------------------------------------


def _notes_from_rows(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Note]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    tags: dict[int, list[str]] = {i: [] for i in ids}
    anchors: dict[int, Anchor] = {}
    # SQLite caps bound parameters per statement; notes are fetched in chunks.
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT note_id, tag FROM note_tags WHERE note_id IN ({marks}) ORDER BY tag", chunk
        ):
            tags[r["note_id"]].append(r["tag"])
        for r in conn.execute(f"SELECT * FROM anchors WHERE note_id IN ({marks})", chunk):
            anchors[r["note_id"]] = Anchor(
                document_id=r["document_id"],
                arxiv_version=r["arxiv_version"],
                section=r["section"],
                page=r["page"],
                exact=r["exact"],
                prefix=r["prefix"],
                suffix=r["suffix"],
                block_index=r["block_index"],
                status=r["status"],
            )
    return [
        Note(
            id=r["id"],
            uuid=r["uuid"],
            curriculum=r["curriculum"],
            reading_id=r["reading_id"],
            reading_key=r["reading_key"],
            chapter=r["chapter"],
            body=r["body"],
            tags=tags[r["id"]],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            anchor=anchors.get(r["id"]),
            deleted_at=r["deleted_at"],
        )
        for r in rows
    ]


def get_note(conn: sqlite3.Connection, note_id: int, *, include_deleted: bool = False) -> Note:
    """One note by id; a deleted one only when asked (undo and history need it)."""
    row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        hint = " (it was deleted: `syllabus note undo` brings it back)" if row is not None else ""
        raise NotFound(f"no note {note_id}{hint}")
    return _notes_from_rows(conn, [row])[0]


def list_notes(
    conn: sqlite3.Connection,
    *,
    reading_id: str | None = None,
    reading_key: str | None = None,
    tag: str | None = None,
    curriculum: str | None = None,
    chapter: int | None = None,
    include_deleted: bool = False,
) -> list[Note]:
    """Notes matching every filter given, oldest first."""
    where, params = [], []
    # Column names come from this fixed dict, never from the caller: only the values are parameters.
    equal = {
        "reading_id": reading_id,
        "reading_key": reading_key,
        "curriculum": curriculum,
        "chapter": chapter,
    }
    for column, value in equal.items():
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if tag is not None:
        where.append("id IN (SELECT note_id FROM note_tags WHERE tag = ?)")
        params.append(normalize_tags([tag])[0])
    if not include_deleted:
        where.append("deleted_at IS NULL")
    sql = (
        "SELECT * FROM notes"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY created_at, id"
    )
    return _notes_from_rows(conn, conn.execute(sql, params).fetchall())


def orphans(conn: sqlite3.Connection) -> list[Note]:
    """Notes whose quote could not be found in the current text of their reading."""
    rows = conn.execute(
        "SELECT n.* FROM notes n JOIN anchors a ON a.note_id = n.id"
        " WHERE a.status = 'orphan' AND n.deleted_at IS NULL ORDER BY n.created_at, n.id"
    ).fetchall()
    return _notes_from_rows(conn, rows)


def history(conn: sqlite3.Connection, note_id: int) -> list[HistoryEntry]:
    """Every recorded state of a note, oldest first."""
    get_note(conn, note_id, include_deleted=True)
    return [
        HistoryEntry(
            id=r["id"],
            note_id=r["note_id"],
            action=r["action"],
            body=r["body"],
            tags=json.loads(r["tags_json"] or "[]"),
            anchor=msgspec.json.decode(r["anchor_json"], type=Anchor) if r["anchor_json"] else None,
            at=r["at"],
            undone_at=r["undone_at"],
        )
        for r in conn.execute("SELECT * FROM note_history WHERE note_id = ? ORDER BY id", (note_id,))
    ]


# --- writing ---------------------------------------------------------------------------------------


def add_note(
    conn: sqlite3.Connection,
    *,
    body: str,
    curriculum: str | None = None,
    reading_id: str | None = None,
    reading_key: str | None = None,
    chapter: int | None = None,
    tags: Iterable[str] = (),
    anchor: Anchor | None = None,
    uuid: str | None = None,
    created_at: float | None = None,
    updated_at: float | None = None,
) -> Note:
    """Save a new note. ``uuid`` and the times are given only by import, to keep an exported note's identity."""
    body = _check_body(body)
    tag_list = normalize_tags(tags)
    anchor = _check_anchor(anchor)
    now = _now()
    created = created_at if created_at is not None else now
    updated = updated_at if updated_at is not None else created
    note_uuid = uuid or str(uuid_module.uuid4())
    with write(conn):
        try:
            cur = conn.execute(
                "INSERT INTO notes (uuid, curriculum, reading_id, reading_key, chapter, body, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (note_uuid, curriculum, reading_id, reading_key, chapter, body, created, updated),
            )
        except sqlite3.IntegrityError:
            raise UsageError(f"a note with id {note_uuid} already exists") from None
        note_id = inserted_id(cur)
        _write_tags(conn, note_id, tag_list)
        _write_anchor(conn, note_id, anchor, updated)
        note = Note(
            id=note_id,
            uuid=note_uuid,
            curriculum=curriculum,
            reading_id=reading_id,
            reading_key=reading_key,
            chapter=chapter,
            body=body,
            tags=tag_list,
            created_at=created,
            updated_at=updated,
            anchor=anchor,
        )
        _record(conn, note, "create", now)
    return note


def edit_note(
    conn: sqlite3.Connection,
    note_id: int,
    *,
    body: str | None = None,
    tags: Iterable[str] | None = None,
) -> Note:
    """Change a note's body and/or tags (``tags`` replaces the set). The old state stays in history."""
    new_body = _check_body(body) if body is not None else None
    new_tags = normalize_tags(tags) if tags is not None else None
    with write(conn):
        note = get_note(conn, note_id)
        changed = msgspec.structs.replace(
            note,
            body=new_body if new_body is not None else note.body,
            tags=new_tags if new_tags is not None else note.tags,
        )
        if changed.body == note.body and changed.tags == note.tags:
            return note
        now = _now()
        changed = msgspec.structs.replace(changed, updated_at=now)
        conn.execute("UPDATE notes SET body = ?, updated_at = ? WHERE id = ?", (changed.body, now, note_id))
        _write_tags(conn, note_id, changed.tags)
        _record(conn, changed, "edit", now)
    return changed


def delete_note(conn: sqlite3.Connection, note_id: int) -> Note:
    """Soft-delete a note: hidden everywhere, kept in the database until undo brings it back."""
    with write(conn):
        note = get_note(conn, note_id)
        now = _now()
        conn.execute("UPDATE notes SET deleted_at = ? WHERE id = ?", (now, note_id))
        note = msgspec.structs.replace(note, deleted_at=now)
        _record(conn, note, "delete", now)
    return note


def undo(conn: sqlite3.Connection) -> Note:
    """Undo the most recent delete or edit not yet undone; returns the note as it now is."""
    return undo_with_action(conn)[1]


def undo_with_action(conn: sqlite3.Connection) -> tuple[str, Note]:
    """Like :func:`undo`, also saying what was undone ('edit' or 'delete'), for messages.

    Undoing an edit restores the body and tags the note had before it (its anchor stays as it is:
    re-anchoring is not an edit). Undo again walks further back.
    """
    with write(conn):
        row = conn.execute(
            "SELECT * FROM note_history WHERE action IN ('edit', 'delete') AND undone_at IS NULL"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise UsageError("nothing to undo")
        now = _now()
        note = get_note(conn, row["note_id"], include_deleted=True)
        if row["action"] == "delete":
            conn.execute("UPDATE notes SET deleted_at = NULL, updated_at = ? WHERE id = ?", (now, note.id))
            note = msgspec.structs.replace(note, deleted_at=None, updated_at=now)
        else:
            before = conn.execute(
                "SELECT body, tags_json FROM note_history WHERE note_id = ? AND id < ? AND body IS NOT NULL"
                " ORDER BY id DESC LIMIT 1",
                (note.id, row["id"]),
            ).fetchone()
            if before is None:  # cannot happen: every note starts with a 'create' row
                raise UsageError(f"no earlier version of note {note.id} to go back to")
            tags = json.loads(before["tags_json"] or "[]")
            conn.execute(
                "UPDATE notes SET body = ?, updated_at = ? WHERE id = ?", (before["body"], now, note.id)
            )
            _write_tags(conn, note.id, tags)
            note = msgspec.structs.replace(note, body=before["body"], tags=tags, updated_at=now)
        conn.execute("UPDATE note_history SET undone_at = ? WHERE id = ?", (now, row["id"]))
        _record(conn, note, "restore", now)
    return row["action"], note


# --- documents ------------------------------------------------------------------------------------


def reading_document(
    conn: sqlite3.Connection, reading: Reading
) -> tuple[store.Document | None, DocumentStructure | None]:
    """The fetched document of a reading and its structure, each None when not available (yet).

    A note can be written before its reading is fetched, so a missing document is not an error.
    """
    # ~10 ms; the note commands that never read a document skip it
    from library.structure import resolve

    doc = store.document_for_reading(
        conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
    )
    path = doc.path if doc is not None else None
    if path is None:
        return doc, None
    try:
        # resolve.load reads the cached structure or extracts it (PyMuPDF for PDFs: up to seconds).
        return doc, resolve.load(path)
    except (BadDocument, FileNotFoundError):
        # An unreadable or missing file must not stop a note being written: it keeps its quote
        # as typed and is placed by `syllabus note reanchor` once the document reads again.
        return doc, None


def reanchor_readings(
    conn: sqlite3.Connection, readings: Iterable[Reading], *, strict: bool = False
) -> list[ReanchorReport]:
    """Re-anchor the quoted notes of each reading (a catalogue Reading) to its current document.

    Called after a fetch stores a new version or a file is attached, and by `syllabus note
    reanchor`. Readings without quoted notes cost one query; readings without a readable
    document are skipped, or raise with ``strict`` (when the user named the reading).
    """
    quoted = {n.reading_key for n in list_notes(conn, include_deleted=True) if n.anchor and n.anchor.exact}
    reports: list[ReanchorReport] = []
    done: set[str] = set()
    for r in readings:
        key = store.key_of(r)
        if key in done or (key not in quoted and not strict):
            continue
        done.add(key)
        doc, structure = reading_document(conn, r)
        if doc is None or structure is None:
            if strict:
                raise UsageError(
                    f"{r.id} has no fetched document to anchor to: `syllabus fetch {r.id}` first"
                )
            continue
        reports.append(reanchor(conn, key, structure, str(doc.id), doc.arxiv_version))
    return reports


# --- anchors ---------------------------------------------------------------------------------------


def orphan_notes_of(conn: sqlite3.Connection, reading_key: str) -> list[Note]:
    """Mark every note on a work whose document or reading is gone as an orphan (``syllabus detach``,
    ``remove``): kept with its quote and page, listed by ``note orphans``, never deleted."""
    now = _now()
    changed = []
    with write(conn):
        for note in list_notes(conn, reading_key=reading_key, include_deleted=True):
            anchor = note.anchor or Anchor()
            if anchor.status == "orphan":
                continue
            orphaned = msgspec.structs.replace(anchor, status="orphan")
            _write_anchor(conn, note.id, orphaned, now)
            note = msgspec.structs.replace(note, anchor=orphaned)
            _record(conn, note, "reanchor", now)
            changed.append(note)
    return changed


def anchor_for_quote(
    structure: DocumentStructure | None,
    quote: str,
    *,
    page: int | None = None,
    block_index: int | None = None,
    document_id: str | None = None,
    arxiv_version: str | None = None,
) -> Anchor:
    """An anchor for a quote the user gives a note; raises UsageError when the document does not
    contain it. The one rule for the CLI (``note add --quote``) and the app (``n`` on a paragraph).

    ``page`` and ``block_index`` (the paragraph under the app's cursor) break ties between equal
    matches. Without a fetched document the quote is kept as given (with the page, if any) and is
    placed when the document arrives and :func:`reanchor` runs.
    """
    if structure is None:
        return Anchor(
            document_id=document_id,
            arxiv_version=arxiv_version,
            page=page,
            exact=normalize(quote),
            status="attached",
        )
    if page is not None and structure.page_count and page > structure.page_count:
        raise UsageError(f"page {page} is past the end of the document ({structure.page_count} pages)")
    match = locate(structure, quote, page=page, block_index=block_index)
    if match is None:
        raise UsageError(f"quote not found in the document: {normalize(quote)[:60]!r}")
    return _attached(match, document_id, arxiv_version)


def _attached(match: Match, document_id: str | None, arxiv_version: str | None) -> Anchor:
    """The anchor of a note whose quote was found at ``match`` in a document."""
    return Anchor(
        document_id=document_id,
        arxiv_version=arxiv_version,
        section=match.section,
        page=match.page,
        exact=match.exact,
        prefix=match.prefix,
        suffix=match.suffix,
        block_index=match.block_index,
        status="attached",
    )


def reanchor(
    conn: sqlite3.Connection,
    reading_key: str,
    structure: DocumentStructure,
    document_id: str | None,
    arxiv_version: str | None,
) -> ReanchorReport:
    """Re-attach every quoted note of a reading to a new structure of its document.

    Deleted notes are re-anchored too (undo may bring them back). A note whose quote is gone
    becomes an orphan, keeping its old quote and page so the reader can place it by hand.
    Only changed anchors are written, each with a 'reanchor' history row.
    """
    report = ReanchorReport(reading_key=reading_key, document_id=document_id)
    notes = [
        n
        for n in list_notes(conn, reading_key=reading_key, include_deleted=True)
        if n.anchor and n.anchor.exact
    ]
    updates: list[tuple[Note, Anchor]] = []
    for note in notes:
        old = note.anchor
        assert old is not None and old.exact is not None
        match = locate(
            structure,
            old.exact,
            prefix=old.prefix or "",
            suffix=old.suffix or "",
            block_index=old.block_index,
            page=old.page,
        )
        if match is None:
            new = msgspec.structs.replace(old, status="orphan")
            report.orphaned.append(note.id)
        else:
            new = _attached(match, document_id, arxiv_version)
            (report.fuzzy if match.fuzzy else report.exact).append(note.id)
            if (old.page, old.section, old.block_index) != (new.page, new.section, new.block_index):
                report.moved.append(note.id)
        if new != old:
            updates.append((note, new))
    if updates:
        with write(conn):
            now = _now()
            for note, new in updates:
                _write_anchor(conn, note.id, new, now)
                _record(conn, msgspec.structs.replace(note, anchor=new), "reanchor", now)
    return report


# --- repair ----------------------------------------------------------------------------------------


def rebuild_fts(conn: sqlite3.Connection) -> int:
    """Rebuild the notes full-text index from the tables (after a crash or a manual edit). Returns rows."""
    with write(conn):
        conn.execute("DELETE FROM notes_fts")
        conn.execute(
            "INSERT INTO notes_fts (rowid, body, exact, tags)"
            " SELECT n.id, n.body, coalesce(a.exact, ''),"
            " coalesce((SELECT group_concat(t.tag, ' ') FROM note_tags t WHERE t.note_id = n.id), '')"
            " FROM notes n LEFT JOIN anchors a ON a.note_id = n.id WHERE n.deleted_at IS NULL"
        )
        return conn.execute("SELECT count(*) FROM notes_fts").fetchone()[0]
