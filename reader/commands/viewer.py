"""``syllabus open``: a reading's document in your PDF viewer (at the assigned part's page when the
viewer can be told it) or, for a web article or a link, in your browser."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from library import curricula, store
from library.catalogue import Reading
from library.errors import UsageError
from library.fetch.planner import plan
from library.viewer import start, viewer_command
from reader.output import emit_json
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


def first_page(path: Path, reading: Reading) -> tuple[int, str]:
    """The page of the document at ``path`` where the assigned part starts, and how it was found."""
    pointer = reading.pointer
    if pointer.kind == "whole":
        return 1, "whole work"
    if pointer.kind == "pages":
        return pointer.first_page or 1, pointer.label
    # ~10 ms; `open` of a PDF with an assigned section only
    from library.structure import resolve

    try:
        content = resolve.resolve(resolve.load(path), pointer)
    except Exception as exc:  # a document whose structure cannot be read still opens, at page 1
        return 1, f"{pointer.label} not found ({str(exc).splitlines()[0][:100]}); opening at page 1"
    return max(1, content.start_page), pointer.label


@click.command(name="open")
@click.argument("reading_id", metavar="ID")
@click.option("--page", type=click.IntRange(min=1), metavar="N", help="Open at page N instead.")
@click.option("--dry-run", is_flag=True, help="Print the command that would open it instead of running it.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the command as JSON.")
@pass_session
def open_cmd(session: Session, reading_id: str, page: int | None, dry_run: bool, as_json: bool) -> None:
    """Open a reading's document in the system viewer at the first page of the assigned section
    (or at --page N)."""
    import webbrowser

    found = curricula.find(session.curriculum, reading_id)
    reading = found.reading
    if reading is None:
        raise UsageError(f"{reading_id} is an exercise, not a reading")
    doc = store.document_for_reading(
        session.conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
    )
    if doc is None or doc.path is None or not doc.path.is_file():
        how = plan(reading)
        if how.method != "link_only":
            raise UsageError(f"{reading.id} is not in the library yet: run `syllabus fetch {reading.id}`")
        if dry_run:
            _dry_run({"browser": reading.url, "reason": how.reason}, as_json)
            return
        click.echo(f"{reading.id} is a link ({how.reason}); opening it in the browser")
        webbrowser.open(reading.url)
        return
    if not doc.is_pdf:
        target = doc.path.as_uri()
        if dry_run:
            _dry_run({"browser": target, "text": str(doc.text_path) if doc.text_path else None}, as_json)
            return
        webbrowser.open(target)
        return
    if page is not None:
        if doc.pages and page > doc.pages:
            raise UsageError(f"{reading.id} has {doc.pages} pages; there is no page {page}")
        how_found = f"page {page}"
    else:
        page, how_found = first_page(doc.path, reading)
    command, supports_page = viewer_command(doc.path, page)
    note = (
        how_found
        if supports_page or page == 1
        else f"{how_found}: starts on page {page} (this viewer cannot be told the page)"
    )
    if dry_run:
        _dry_run({"command": command, "page": page, "note": note}, as_json)
        return
    start(command)
    click.echo(f"opened {reading.id} at page {page} ({note})")


def _dry_run(what: dict, as_json: bool) -> None:
    """What `open` would do: the command line (quoted as a shell would need it), or the address
    handed to the browser; the same facts as JSON with --json."""
    if as_json:
        emit_json(what)
    elif "command" in what:
        click.echo(shlex.join(what["command"]))
        click.echo(f"page {what['page']}: {what['note']}", err=True)
    else:
        click.echo(f"browser: {what['browser']}")


COMMANDS = [open_cmd]
