"""Notes out of (and back into) Syllabus: a Markdown vault and W3C Web Annotation JSON.

- :func:`export_markdown` writes one Markdown file per reading that has notes (YAML front
  matter, each note under its own heading with the quote as a blockquote), one per chapter with
  chapter notes and one for standalone notes: a folder Obsidian opens as a vault.
- :func:`export_annotations_json` builds a W3C Web Annotation collection
  (https://www.w3.org/TR/annotation-model/): each note an ``Annotation`` whose target carries a
  ``TextQuoteSelector`` and a ``FragmentSelector`` for the page; what the model has no field for
  (reading id, chapter, section, block) sits under the ``syllabus:note`` key.
- :func:`import_annotations` reads such JSON back. It validates every annotation before writing
  anything, writes all of it or none (an import batch of short transactions), and skips
  annotations whose id it already holds, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid as uuid_module
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec

from index import import_batches
from index.notes import Anchor, AnchorStatus, Note, add_note, list_notes, normalize_tags
from library import atomic, store
from library.catalogue import Curriculum, Reading
from library.errors import NotFound, UsageError
from library.inputs import NOTES_LIMIT, read_input

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EXTRAS_KEY = "syllabus:note"
# The PDF fragment identifier scheme ("page=4"), as the Web Annotation model recommends.
PDF_FRAGMENT_SPEC = "http://tools.ietf.org/rfc/rfc3778"


# --- small helpers -------------------------------------------------------------------------------


def iso(ts: float) -> str:
    """A Unix time as an ISO 8601 UTC timestamp with microseconds (round-trips through :func:`from_iso`)."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def from_iso(text: str) -> float:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # no offset given: read as UTC, as the Web Annotation model advises
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp(), 6)


def _reading_index(curriculum: Curriculum) -> dict[str, tuple[int, Reading]]:
    return {r.id: (chapter.number, r) for chapter, r in curriculum.all_readings()}


def _source_url(note: Note, readings: dict[str, tuple[int, Reading]]) -> str | None:
    """The address of the work a note is on: the curriculum's URL, else one rebuilt from its key."""
    if note.reading_id and note.reading_id in readings:
        return readings[note.reading_id][1].url
    key = note.reading_key or ""
    if key.startswith("arxiv:"):
        return f"https://arxiv.org/abs/{key[len('arxiv:') :]}"
    if key.startswith("url:"):
        return key[len("url:") :]
    return None


# --- Markdown ------------------------------------------------------------------------------------


def _yaml(value: Any) -> str:
    # JSON scalars and flow lists are valid YAML, and json.dumps quotes anything a title may contain.
    return json.dumps(value, ensure_ascii=False)


def _front_matter(fields: dict[str, Any]) -> str:
    lines = ["---"] + [f"{key}: {_yaml(value)}" for key, value in fields.items()] + ["---", ""]
    return "\n".join(lines)


def _safe_name(text: str) -> str:
    """A file name from an id: letters, digits, '-', '_' and '.' only (ids from imports may be anything)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-") or "reading"
    return name[:120]


def _note_markdown(note: Note) -> str:
    anchor = note.anchor or Anchor()
    where = []
    if anchor.page:
        where.append(f"p. {anchor.page}")
    if anchor.section:
        where.append(anchor.section)
    heading = " · ".join(where) if where else (note.title[:60] or "Note")
    out = [f"## {heading}", ""]
    if anchor.exact:
        out += ["> " + line if line else ">" for line in anchor.exact.splitlines()] + [""]
    out += [note.body, ""]
    facts = []
    if anchor.page:
        facts.append(f"- page: {anchor.page}")
    if anchor.section:
        facts.append(f"- section: {anchor.section}")
    if anchor.status == "orphan":
        facts.append("- anchor: orphan (the quote was not found in the current version)")
    if note.tags:
        facts.append("- tags: " + " ".join(f"#{t}" for t in note.tags))
    facts.append(f"- created: {iso(note.created_at)}")
    if note.updated_at != note.created_at:
        facts.append(f"- updated: {iso(note.updated_at)}")
    facts.append(f"- id: urn:uuid:{note.uuid}")
    # An Obsidian block id, so other notes in the vault can link to this one.
    out += [*facts, "", f"^note-{note.uuid[:8]}", ""]
    return "\n".join(out)


def export_markdown(conn: sqlite3.Connection, curriculum: Curriculum, out_dir: Path) -> list[Path]:
    """Write the curriculum's notes as Markdown files in ``out_dir``; returns the files written.

    Files of an earlier export are overwritten, never deleted: ``out_dir`` may be a vault the
    reader has added their own files to.
    """
    out_dir = Path(out_dir)
    readings = _reading_index(curriculum)
    notes = [n for n in list_notes(conn) if n.curriculum in (curriculum.name, None)]
    by_reading: dict[str, list[Note]] = defaultdict(list)
    by_chapter: dict[int, list[Note]] = defaultdict(list)
    standalone: list[Note] = []
    for note in notes:
        if note.reading_id:
            by_reading[note.reading_id].append(note)
        elif note.chapter is not None:
            by_chapter[note.chapter].append(note)
        else:
            standalone.append(note)

    files: dict[Path, str] = {}

    def claim(name: str) -> Path:
        path = out_dir / f"{name}.md"
        n = 2
        while path in files:
            path = out_dir / f"{name}-{n}.md"
            n += 1
        return path

    for reading_id, group in sorted(by_reading.items()):
        chapter, reading = readings.get(reading_id, (group[0].chapter, None))
        tags = sorted({t for n in group for t in n.tags})
        fields = {
            "title": reading.title if reading else reading_id,
            "reading": reading_id,
            "arxiv_id": reading.arxiv_id if reading else _arxiv_of(group[0].reading_key),
            "url": reading.url if reading else _source_url(group[0], readings),
            "chapter": chapter,
            "curriculum": curriculum.name,
            "tags": ["syllabus", *tags],
        }
        if reading and reading.assigned:
            fields["assigned"] = reading.pointer.label
        title = reading.title if reading else reading_id
        body = _front_matter(fields) + f"# {title}\n\n" + "\n".join(_note_markdown(n) for n in group)
        files[claim(_safe_name(reading_id))] = body
    for number, group in sorted(by_chapter.items()):
        try:
            chapter_title = curriculum.chapter(number).title
        except UsageError:
            chapter_title = f"Chapter {number}"
        fields = {
            "title": f"Chapter {number}: {chapter_title}",
            "chapter": number,
            "curriculum": curriculum.name,
            "tags": ["syllabus", *sorted({t for n in group for t in n.tags})],
        }
        files[claim(f"chapter-{number}")] = (
            _front_matter(fields)
            + f"# Chapter {number}: {chapter_title}\n\n"
            + "\n".join(_note_markdown(n) for n in group)
        )
    if standalone:
        fields = {
            "title": "Notes",
            "curriculum": curriculum.name,
            "tags": ["syllabus", *sorted({t for n in standalone for t in n.tags})],
        }
        files[claim("standalone-notes")] = (
            _front_matter(fields) + "# Notes\n\n" + "\n".join(_note_markdown(n) for n in standalone)
        )
    for path, text in files.items():
        atomic.write_export(path, text)
    return list(files)


def _arxiv_of(key: str | None) -> str | None:
    return key[len("arxiv:") :] if key and key.startswith("arxiv:") else None


# --- W3C Web Annotation JSON ---------------------------------------------------------------------


def note_to_annotation(note: Note, readings: dict[str, tuple[int, Reading]] | None = None) -> dict:
    """One note as a W3C ``Annotation``."""
    readings = readings or {}
    anchor = note.anchor or Anchor()
    bodies: list[dict] = [
        {"type": "TextualBody", "value": note.body, "format": "text/markdown", "purpose": "commenting"}
    ]
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in note.tags]
    selectors: list[dict] = []
    if anchor.exact:
        quote = {"type": "TextQuoteSelector", "exact": anchor.exact}
        if anchor.prefix:
            quote["prefix"] = anchor.prefix
        if anchor.suffix:
            quote["suffix"] = anchor.suffix
        selectors.append(quote)
    if anchor.page:
        selectors.append(
            {"type": "FragmentSelector", "conformsTo": PDF_FRAGMENT_SPEC, "value": f"page={anchor.page}"}
        )
    source = _source_url(note, readings)
    if source is None:  # chapter and standalone notes: an IRI naming where they belong
        source = f"urn:syllabus:{note.curriculum or 'notes'}" + (
            f":chapter:{note.chapter}" if note.chapter is not None else ""
        )
    target: dict[str, Any] = {"source": source}
    if selectors:
        target["selector"] = selectors
    return {
        "type": "Annotation",
        "id": f"urn:uuid:{note.uuid}",
        "motivation": "commenting",
        "created": iso(note.created_at),
        "modified": iso(note.updated_at),
        "body": bodies,
        "target": target,
        EXTRAS_KEY: {
            "curriculum": note.curriculum,
            "reading_id": note.reading_id,
            "reading_key": note.reading_key,
            "chapter": note.chapter,
            "section": anchor.section,
            "block_index": anchor.block_index,
            "arxiv_version": anchor.arxiv_version,
            "anchor_status": anchor.status if note.anchor else None,
        },
    }


def export_annotations_json(conn: sqlite3.Connection, curriculum: Curriculum | None = None) -> dict:
    """Every note (not deleted) as a W3C Web Annotation collection."""
    readings = _reading_index(curriculum) if curriculum else {}
    items = [note_to_annotation(n, readings) for n in list_notes(conn)]
    return {
        "@context": W3C_CONTEXT,
        "type": "AnnotationCollection",
        "label": "Syllabus notes",
        "total": len(items),
        "generator": {"type": "Software", "name": "syllabus"},
        "generated": iso(time.time()),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }


# --- import --------------------------------------------------------------------------------------


# What SQLite can store as an INTEGER; a larger number in a file is refused, not a crash.
_SQL_INT = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
MAX_PAGE = 1_000_000


class _Extras(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    curriculum: str | None = None
    reading_id: str | None = None
    reading_key: str | None = None
    chapter: _SQL_INT | None = None
    section: str | None = None
    block_index: _SQL_INT | None = None
    arxiv_version: str | None = None
    # An unknown status fails the conversion with the field's name.
    anchor_status: AnchorStatus | None = None


class ImportedNote(msgspec.Struct, kw_only=True):
    uuid: str
    body: str
    tags: list[str]
    curriculum: str | None
    reading_id: str | None
    reading_key: str | None
    chapter: int | None
    anchor: Anchor | None
    created_at: float
    updated_at: float


class ImportReport(msgspec.Struct, kw_only=True):
    added: list[int] = []
    # Annotation ids already present (imported before, or exported from this home).
    skipped: list[str] = []

    def to_dict(self) -> dict:
        return msgspec.to_builtins(self)


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise UsageError("not a Web Annotation document: expected an object or a list")
    kinds = data.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "Annotation" in kinds:
        return [data]
    if isinstance(data.get("items"), list):
        return data["items"]
    first = data.get("first")
    if isinstance(first, dict) and isinstance(first.get("items"), list):
        if first.get("next"):
            raise UsageError(
                "paged annotation collections are not supported: export everything into one page"
            )
        return first["items"]
    raise UsageError("not a Web Annotation collection: no 'first.items' or 'items' list")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any, where: str, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where}: {field} must be text")
    return value


def _uuid_of(annotation_id: Any, where: str, fallback: str) -> str:
    if annotation_id is None:
        # No id: one derived from the content, so importing the file twice still dedupes.
        return str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, "syllabus-content:" + fallback))
    if not isinstance(annotation_id, str) or not annotation_id.strip():
        raise UsageError(f"{where}: id must be text")
    raw = annotation_id.strip()
    bare = raw[len("urn:uuid:") :] if raw.lower().startswith("urn:uuid:") else raw
    try:
        return str(uuid_module.UUID(bare))
    except ValueError:
        # A foreign annotation (Hypothesis and the like): a stable uuid from its IRI.
        return str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, raw))


def _parse_one(item: Any, where: str, curriculum: Curriculum | None) -> ImportedNote:
    if not isinstance(item, dict):
        raise UsageError(f"{where}: an annotation must be an object")
    kinds = _as_list(item.get("type"))
    if "Annotation" not in kinds:
        raise UsageError(f"{where}: type must be 'Annotation'")
    texts, tags = [], []
    for body in _as_list(item.get("body")):
        if isinstance(body, str):
            continue  # a body given by IRI only: nothing we can store as text
        if not isinstance(body, dict):
            raise UsageError(f"{where}: each body must be an object")
        value = _text(body.get("value"), where, "body value")
        if value is None:
            continue
        if body.get("purpose") == "tagging":
            tags.append(value)
        else:
            texts.append(value)
    text = "\n\n".join(t for t in texts if t.strip())
    if not text.strip():
        raise UsageError(f"{where}: no text body (a note needs some text)")
    try:
        tags = normalize_tags(tags)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None

    targets = _as_list(item.get("target"))
    if not targets:
        raise UsageError(f"{where}: no target")
    target = targets[0]
    source: str | None
    exact = prefix = suffix = None
    page = None
    if isinstance(target, str):
        source = target
    elif isinstance(target, dict):
        source = _text(target.get("source") or target.get("id"), where, "target source")
        for selector in _as_list(target.get("selector")):
            if not isinstance(selector, dict):
                raise UsageError(f"{where}: each selector must be an object")
            if selector.get("type") == "TextQuoteSelector":
                exact = _text(selector.get("exact"), where, "TextQuoteSelector exact")
                prefix = _text(selector.get("prefix"), where, "TextQuoteSelector prefix")
                suffix = _text(selector.get("suffix"), where, "TextQuoteSelector suffix")
            elif selector.get("type") == "FragmentSelector":
                value = _text(selector.get("value"), where, "FragmentSelector value") or ""
                m = re.fullmatch(r"page=(\d+)", value.strip())
                if m:
                    page = int(m.group(1)[:12])
                    if page < 1:
                        raise UsageError(f"{where}: page {page}: pages start at 1")
                    if page > MAX_PAGE:
                        raise UsageError(f"{where}: page {m.group(1)[:20]}: no document has that many pages")
    else:
        raise UsageError(f"{where}: target must be an IRI or an object")

    try:
        extras = msgspec.convert(item.get(EXTRAS_KEY) or {}, _Extras)
    except msgspec.ValidationError as exc:
        raise UsageError(f"{where}: {EXTRAS_KEY}: {exc}") from None

    times = {}
    for field in ("created", "modified"):
        value = _text(item.get(field), where, field)
        try:
            times[field] = from_iso(value) if value else None
        except ValueError:
            raise UsageError(f"{where}: {field} {value!r} is not an ISO 8601 time") from None
    created = times["created"] if times["created"] is not None else round(time.time(), 6)
    modified = times["modified"] if times["modified"] is not None else created

    reading_id, key, chapter = extras.reading_id, extras.reading_key, extras.chapter
    note_curriculum = extras.curriculum or (curriculum.name if curriculum else None)
    if key is None and source and not source.startswith("urn:"):
        # A foreign annotation: find the reading by its address in the active curriculum.
        from library import curricula

        if curriculum is not None and reading_id is None:
            arxiv = store.split_arxiv(source)
            query = arxiv[0] if arxiv else source
            try:
                found = curricula.find(curriculum, query)
            except NotFound:
                found = None
            if found is not None and found.reading is not None:
                reading_id, chapter = found.reading.id, found.chapter.number
                key = store.key_of(found.reading)
        if key is None:
            key = store.key_of_link(source)

    anchor = None
    if exact or page or extras.section:
        status: AnchorStatus = extras.anchor_status or ("attached" if exact else "none")
        anchor = Anchor(
            arxiv_version=extras.arxiv_version,
            section=extras.section,
            page=page,
            exact=exact,
            prefix=prefix,
            suffix=suffix,
            block_index=extras.block_index,
            status=status,
        )
    # Only what the file says (not the import time) goes into a derived id, so it is the same next time.
    fallback = json.dumps([text, source, exact, item.get("created")], ensure_ascii=False)
    return ImportedNote(
        uuid=_uuid_of(item.get("id"), where, fallback),
        body=text,
        tags=tags,
        curriculum=note_curriculum,
        reading_id=reading_id,
        reading_key=key,
        chapter=chapter,
        anchor=anchor,
        created_at=created,
        updated_at=modified,
    )


def parse_annotations(data: Any, curriculum: Curriculum | None = None) -> list[ImportedNote]:
    """Validate a whole Web Annotation document; raises UsageError naming the first bad annotation."""
    parsed: list[ImportedNote] = []
    seen: set[str] = set()
    for i, item in enumerate(_items(data)):
        note = _parse_one(item, f"annotation {i + 1}", curriculum)
        try:
            msgspec.json.encode(note)  # every string is text SQLite can store
        except UnicodeEncodeError:
            raise UsageError(
                f"annotation {i + 1}: holds text that is not valid Unicode (a lone surrogate such as \\ud800)"
            ) from None
        if note.uuid not in seen:  # the same annotation twice in one file counts once
            seen.add(note.uuid)
            parsed.append(note)
    return parsed


def import_annotations(
    conn: sqlite3.Connection, data: Any, *, curriculum: Curriculum | None = None
) -> ImportReport:
    """Add the annotations of a W3C document as notes, all or none, skipping ids already present.

    The whole document is validated first. The notes are then written in an import batch
    (:mod:`index.import_batches`): short transactions, so other writers are never locked out for
    long, and on any failure (or a kill) the notes added so far are removed again.
    """
    notes = parse_annotations(data, curriculum)
    report = ImportReport()

    def add(item: ImportedNote) -> int | None:
        if conn.execute("SELECT 1 FROM notes WHERE uuid = ?", (item.uuid,)).fetchone():
            report.skipped.append(f"urn:uuid:{item.uuid}")
            return None
        return add_note(
            conn,
            body=item.body,
            curriculum=item.curriculum,
            reading_id=item.reading_id,
            reading_key=item.reading_key,
            chapter=item.chapter,
            tags=item.tags,
            anchor=item.anchor,
            uuid=item.uuid,
            created_at=item.created_at,
            updated_at=item.updated_at,
        ).id

    batch = import_batches.begin(conn)
    try:
        report.added = import_batches.add_all(conn, batch, notes, add)
    except BaseException:
        report.added = []
        import_batches.abandon(conn, batch)
        raise
    import_batches.finish(conn, batch)
    return report


def import_annotations_file(
    conn: sqlite3.Connection, path: Path, *, curriculum: Curriculum | None = None
) -> ImportReport:
    """Read ``path`` (W3C Web Annotation JSON) and import it; a bad file is one UsageError, nothing written."""
    raw = read_input(Path(path), limit=NOTES_LIMIT, what="notes file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise UsageError(f"{path}: nested too deeply to be Web Annotation JSON") from None
    try:
        return import_annotations(conn, data, curriculum=curriculum)
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from None
