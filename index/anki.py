"""Export notes as an Anki deck (``.apkg``), for people who review in Anki rather than in Syllabus.

One card per note: the front shows the reading and the quoted passage (the cue), the back adds
the note. Each Anki note's GUID is derived from the Syllabus note's UUID, so importing a newer
export updates the cards instead of duplicating them (Anki matches on GUID). The model and
deck ids are fixed numbers for the same reason.
"""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

from index.notes import Note, list_notes
from library import atomic, curricula, scratch
from library.errors import NotFound, UsageError
from library.textclean import strip_escapes

# Fixed ids: Anki identifies a note type and a deck by these, so re-imports land in place.
MODEL_ID = 1_607_392_319
DECK_ID = 2_059_400_110

_FRONT = """<div class="reading">{{Reading}}</div>
{{#Quote}}<blockquote>{{Quote}}</blockquote>{{/Quote}}"""
_BACK = """{{FrontSide}}<hr id="answer"><div class="note">{{Note}}</div>"""
_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.reading { color: #666; font-size: 14px; } blockquote { font-style: italic; }"""


def _tag(tag: str) -> str:
    return re.sub(r"\s+", "_", tag.strip())  # Anki tags cannot hold spaces


def export_deck(
    conn: sqlite3.Connection,
    path: Path,
    *,
    curriculum: str | None = None,
    deck_name: str = "Syllabus notes",
    include_excluded: bool = False,
) -> int:
    """Write the notes (of one curriculum, or all) to ``path`` as an Anki package; returns how many.

    Notes excluded from review are left out unless ``include_excluded``. Written atomically."""
    # genanki pulls in its sqlite/yaml helpers: cheap, but only the export needs them.
    import genanki

    notes = list_notes(conn, curriculum=curriculum)
    if not include_excluded:
        excluded = {r[0] for r in conn.execute("SELECT note_id FROM review_cards WHERE excluded = 1")}
        notes = [n for n in notes if n.id not in excluded]
    if not notes:
        raise UsageError("no notes to export" + (f" in {curriculum}" if curriculum else ""))
    model = genanki.Model(
        MODEL_ID,
        "Syllabus note",
        fields=[{"name": "Reading"}, {"name": "Quote"}, {"name": "Note"}, {"name": "Id"}],
        templates=[{"name": "Recall", "qfmt": _FRONT, "afmt": _BACK}],
        css=_CSS,
        sort_field_index=3,
    )
    deck = genanki.Deck(DECK_ID, deck_name)
    titles: dict[str, dict[str, str]] = {}
    for note in notes:
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[
                    _esc(_reading_label(conn, note, titles)),
                    _esc(note.anchor.exact if note.anchor and note.anchor.exact else ""),
                    _esc(note.body),
                    str(note.id),
                ],
                tags=[_tag(t) for t in note.tags if t.strip()],
                guid=genanki.guid_for("syllabus", note.uuid),
            )
        )
    path = Path(path)
    if path.suffix != ".apkg":
        raise UsageError(f"{path}: an Anki deck file ends in .apkg")
    with atomic.replacing(path) as tmp:
        _write_package(genanki.Package(deck), tmp)
    return len(notes)


def _write_package(package, target: Path) -> None:
    """``package`` as an .apkg at ``target``: genanki's ``write_to_file`` with its working database
    in the data home and removed (genanki's own puts it in $TMPDIR and leaves it there, notes and all)."""
    import itertools
    import json
    import sqlite3
    import time
    import zipfile

    with scratch.scratch_file("anki-") as database:
        conn = sqlite3.connect(database)
        try:
            now = time.time()
            package.write_to_db(conn.cursor(), now, itertools.count(int(now * 1000)))
            conn.commit()
        finally:
            conn.close()
        with zipfile.ZipFile(target, "w") as archive:
            archive.write(database, "collection.anki2")
            archive.writestr("media", json.dumps({}))  # the deck has no media files


def _esc(value: str) -> str:
    """A field of a card: HTML-escaped, and without escape sequences (exports are shown too)."""
    return html.escape(strip_escapes(value)).replace("\n", "<br>")


def _reading_label(conn: sqlite3.Connection, note: Note, cache: dict[str, dict[str, str]]) -> str:
    if note.curriculum and note.curriculum not in cache:
        try:
            cur = curricula.load(conn, note.curriculum)
            cache[note.curriculum] = {r.id: r.title for _, r in cur.all_readings()}
        except NotFound:
            cache[note.curriculum] = {}
    title = (
        cache.get(note.curriculum or "", {}).get(note.reading_id or "")
        or note.reading_id
        or note.reading_key
        or ""
    )
    where = f"ch {note.chapter} · " if note.chapter is not None else ""
    section = f" · {note.anchor.section}" if note.anchor and note.anchor.section else ""
    return f"{where}{title}{section}"
