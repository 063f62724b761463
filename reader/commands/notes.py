"""Commands for notes (``syllabus note ...``).

Thin: every rule (validation, history, undo, anchoring) lives in ``index.notes``; this module
turns arguments into calls and notes into lines. Note text is printed as Rich ``Text``, never
parsed as markup, so a note containing ``[bold]`` prints literally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from index import notes
from library import curricula
from library.errors import NotFound, UsageError
from library.store import key_of
from reader.output import ID, NUMBER, console, emit_json, text
from reader.session import Session

if TYPE_CHECKING:
    from rich.console import JustifyMethod

pass_session = click.make_pass_decorator(Session)


def _place(note) -> str:
    """Where a note belongs, in a few characters: its reading id, its chapter, or nothing."""
    if note.reading_id:
        return note.reading_id
    if note.chapter is not None:
        return f"chapter {note.chapter}"
    return "-"


def _edit_in_editor(initial: str = "") -> str:
    """Open $EDITOR on ``initial``; an empty or unsaved result saves nothing."""
    edited = click.edit(initial, extension=".md", require_save=True)
    if edited is None or not edited.strip():
        raise UsageError("empty note, nothing saved")
    return edited


@click.group()
def note() -> None:
    """Write, edit, list and undo notes on readings, chapters, or on their own."""


@note.command(name="add")
@click.argument("args", nargs=-1, metavar="[ID] [TEXT]")
@click.option("--body", help="The note text (instead of the TEXT argument).")
@click.option("--page", type=ID, help="Page the note is about.")
@click.option("--quote", help="The passage the note is on, quoted exactly (it is looked up in the document).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeat for several).")
@click.option("--chapter", type=NUMBER, metavar="N", help="A note on chapter N instead of a reading.")
@click.option("--standalone", is_flag=True, help="A note on nothing in particular.")
@click.option("--json", "as_json", is_flag=True, help="Print the saved note as JSON.")
@pass_session
def note_add(
    session: Session,
    args: tuple[str, ...],
    body: str | None,
    page: int | None,
    quote: str | None,
    tags: tuple[str, ...],
    chapter: int | None,
    standalone: bool,
    as_json: bool,
) -> None:
    """Add a note to reading ID (or --chapter N, or --standalone). Without TEXT, opens $EDITOR."""
    if chapter is not None and standalone:
        raise UsageError("choose one of --chapter and --standalone")
    query: str | None = None
    if chapter is None and not standalone:
        if not args:
            raise UsageError('which reading? `syllabus note add ID "text"` (or --chapter N, or --standalone)')
        query, rest = args[0], list(args[1:])
    else:
        rest = list(args)
        if quote is not None or page is not None:
            raise UsageError("--quote and --page are for notes on a reading")
    if len(rest) > 1:
        raise UsageError("give the note text as one argument (quote it)")
    if rest and body is not None:
        raise UsageError("give the note text once: as TEXT or as --body")
    text_given = rest[0] if rest else body
    notes.normalize_tags(tags)  # a bad tag fails before the editor opens

    conn, cur = session.conn, session.curriculum
    fields: dict = {"curriculum": cur.name}
    anchor = None
    if query is not None:
        found = curricula.find(cur, query)
        if found.reading is None:
            raise UsageError(
                f"{found.id} is an exercise: notes go on readings (or use --chapter {found.chapter.number})"
            )
        reading = found.reading
        fields.update(
            reading_id=reading.id,
            chapter=found.chapter.number,
            reading_key=key_of(reading),
        )
        doc, structure = notes.reading_document(conn, reading)
        page_count = (structure.page_count if structure else None) or getattr(doc, "pages", None)
        if page is not None and page_count and page > page_count:
            raise UsageError(f"page {page} is past the end of {reading.id} ({page_count} pages)")
        document_id = str(doc.id) if doc is not None else None
        version = getattr(doc, "arxiv_version", None)
        if quote is not None:
            anchor = notes.anchor_for_quote(
                structure, quote, page=page, document_id=document_id, arxiv_version=version
            )
        elif page is not None:
            anchor = notes.Anchor(document_id=document_id, arxiv_version=version, page=page, status="none")
    elif chapter is not None:
        cur.chapter(chapter)  # raises a UsageError naming the chapters there are
        fields["chapter"] = chapter

    if text_given is None:
        text_given = _edit_in_editor()
    saved = notes.add_note(conn, body=text_given, tags=tags, anchor=anchor, **fields)
    if as_json:
        emit_json(saved.to_dict())
        return
    where = _place(saved)
    if saved.anchor and saved.anchor.page:
        where += f", p. {saved.anchor.page}"
    click.echo(f"note {saved.id} saved ({where})")


@note.command(name="edit")
@click.argument("note_id", type=ID)
@click.option("--body", help="New text (without it, and without tag changes, opens $EDITOR).")
@click.option("--tag", "add_tags", multiple=True, metavar="TAG", help="Add a tag.")
@click.option("--untag", "remove_tags", multiple=True, metavar="TAG", help="Remove a tag.")
@pass_session
def note_edit(
    session: Session, note_id: int, body: str | None, add_tags: tuple[str, ...], remove_tags: tuple[str, ...]
) -> None:
    """Edit note N's text or tags. The old version is kept: `syllabus note undo` reverts the edit."""
    current = notes.get_note(session.conn, note_id)
    tags = None
    if add_tags or remove_tags:
        gone = set(notes.normalize_tags(remove_tags))
        tags = [t for t in current.tags if t not in gone] + notes.normalize_tags(add_tags)
    if body is None and tags is None:
        body = _edit_in_editor(current.body)
    saved = notes.edit_note(session.conn, note_id, body=body, tags=tags)
    if saved.updated_at == current.updated_at:
        click.echo(f"note {note_id} unchanged")
    else:
        click.echo(f"note {note_id} saved")


@note.command(name="rm")
@click.argument("note_id", type=ID)
@pass_session
def note_rm(session: Session, note_id: int) -> None:
    """Delete note N (undo with `syllabus note undo`)."""
    notes.delete_note(session.conn, note_id)
    click.echo(f"note {note_id} deleted; undo with `syllabus note undo`")


@note.command(name="undo")
@pass_session
def note_undo(session: Session) -> None:
    """Undo the last note deletion or edit; again to go further back."""
    action, restored = notes.undo_with_action(session.conn)
    verb = "restored" if action == "delete" else "reverted to its previous text"
    click.echo(f"note {restored.id} {verb}")


def _print_list(items) -> None:
    if not items:
        click.echo("no notes")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("id", "right"),
        ("reading", "left"),
        ("page", "right"),
        ("tags", "left"),
        ("note", "left"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold" if name == "note" else "ellipsis")
    for n in items:
        page = str(n.anchor.page) if n.anchor and n.anchor.page else ""
        first = text(n.title)
        if n.anchor and n.anchor.status == "orphan":
            first = text("(orphan) ", "yellow") + first
        table.add_row(
            str(n.id), text(_place(n)), page, text(" ".join(f"#{t}" for t in n.tags), "cyan"), first
        )
    console().print(table)


@note.command(name="list")
@click.argument("reading", required=False, metavar="[ID]")
@click.option("--tag", help="Only notes with this tag.")
@click.option("--chapter", type=NUMBER, metavar="N", help="Only notes on chapter N and its readings.")
@click.option("--deleted", is_flag=True, help="Include deleted notes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def note_list(
    session: Session, reading: str | None, tag: str | None, chapter: int | None, deleted: bool, as_json: bool
) -> None:
    """List notes: all of them, or those on reading ID (any curriculum's notes on the same paper)."""
    filters: dict = {}
    if reading is not None:
        filters.update(_reading_filter(session, reading))
    if chapter is not None:
        filters["chapter"] = chapter
    items = notes.list_notes(session.conn, tag=tag, include_deleted=deleted, **filters)
    if as_json:
        emit_json([n.to_dict() for n in items])
        return
    _print_list(items)


def _reading_filter(session: Session, query: str) -> dict:
    """Notes of a reading are found by the work (its key), so they follow a paper across curricula."""
    try:
        found = curricula.find(session.curriculum, query)
    except NotFound:
        # A reading that left the curriculum keeps its notes: accept its old id.
        if session.conn.execute("SELECT 1 FROM notes WHERE reading_id = ? LIMIT 1", (query,)).fetchone():
            return {"reading_id": query}
        raise
    if found.reading is None:
        return {"reading_id": found.id}
    return {"reading_key": key_of(found.reading)}


@note.command(name="show")
@click.argument("note_id", type=ID)
@click.option("--history", "with_history", is_flag=True, help="Also show every earlier version.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def note_show(session: Session, note_id: int, with_history: bool, as_json: bool) -> None:
    """Show note N in full: where it is, its quote, its text, its tags."""
    # ~20 ms (JSON export helpers); `note show` only
    from index.export import iso

    n = notes.get_note(session.conn, note_id)
    past = notes.history(session.conn, note_id) if with_history else []
    if as_json:
        data = n.to_dict()
        if n.anchor:
            data["anchor_detail"] = n.anchor
        if with_history:
            data["history"] = past
        emit_json(data)
        return
    out = console()
    head = text(f"note {n.id}", "bold") + text(f"  {_place(n)}")
    if n.anchor and n.anchor.page:
        head += text(f"  p. {n.anchor.page}")
    if n.anchor and n.anchor.section:
        head += text(f"  {n.anchor.section}", "dim")
    out.print(head)
    if n.anchor and n.anchor.exact:
        out.print(text("> " + n.anchor.exact, "italic"))
    if n.anchor and n.anchor.status == "orphan":
        out.print(text("(orphan: this quote was not found in the current version of the document)", "yellow"))
    out.print()
    out.print(text(n.body))
    out.print()
    if n.tags:
        out.print(text(" ".join(f"#{t}" for t in n.tags), "cyan"))
    out.print(text(f"created {iso(n.created_at)}  updated {iso(n.updated_at)}", "dim"))
    for entry in past:
        mark_ = " (undone)" if entry.undone_at else ""
        out.print(
            text(f"  {iso(entry.at)}  {entry.action}{mark_}: ", "dim")
            + text((entry.body or "").splitlines()[0] if entry.body else "")
        )


@note.command(name="orphans")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def note_orphans(session: Session, as_json: bool) -> None:
    """Notes whose quote was not found in the current version of their reading (kept, never dropped)."""
    items = notes.orphans(session.conn)
    if as_json:
        emit_json([n.to_dict() for n in items])
        return
    if not items:
        click.echo("no orphaned notes")
        return
    _print_list(items)


@note.command(name="reanchor")
@click.argument("reading", required=False, metavar="[ID]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def note_reanchor(session: Session, reading: str | None, as_json: bool) -> None:
    """Re-attach quoted notes to the current text of a reading: ID is the reading (its id, arXiv id
    or URL) or a note number, for that note's reading (default: every reading with notes)."""
    cur = session.curriculum
    if reading is not None:
        found = _reading_or_note_reading(session, reading)
        if found.reading is None:
            raise UsageError(f"{found.id} is an exercise, not a reading")
        reports = notes.reanchor_readings(session.conn, [found.reading], strict=True)
    else:
        reports = notes.reanchor_readings(session.conn, [r for _, r in cur.all_readings()])
    if as_json:
        emit_json([rep.to_dict() for rep in reports])
        return
    if not reports:
        click.echo("nothing to re-anchor")
    for rep in reports:
        click.echo(
            f"{rep.reading_key}: {len(rep.exact)} exact, {len(rep.fuzzy)} fuzzy, "
            f"{len(rep.orphaned)} orphaned, {len(rep.moved)} moved"
        )


def _reading_or_note_reading(session: Session, query: str) -> curricula.Found:
    """The reading ``query`` names, or, for a note number, the reading that note is on."""
    try:
        return curricula.find(session.curriculum, query)
    except NotFound:
        if not query.isdigit():
            raise
    note = notes.get_note(session.conn, int(query))  # NotFound names the note number
    if not note.reading_id:
        raise UsageError(f"note {note.id} is not on a reading: nothing to re-anchor")
    cur = curricula.load(session.conn, note.curriculum) if note.curriculum else session.curriculum
    return curricula.find(cur, note.reading_id)


COMMANDS = [note]
