"""Commands over the paper library: fetch, add, attach, open."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from library import additions, curricula, store
from library.catalogue import Reading
from library.errors import UsageError
from library.fetch.planner import plan
from reader.output import NUMBER, console, emit_json, err_console, text
from reader.session import Session

if TYPE_CHECKING:
    from rich.progress import TaskID

pass_session = click.make_pass_decorator(Session)

STATUS_STYLE = {
    "fetched": "green",
    "updated": "green",
    "attached": "green",
    "cached": "cyan",
    "link_only": "yellow",
    "newer": "magenta",
    "missing": "dim",
    "skipped": "dim",
    "failed": "red",
}
STATUS_LABEL = {"link_only": "link only"}


class RichProgress:
    """One Rich progress bar per download, on stderr, started on the first download."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        self._progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err_console(),
        )
        self._tasks: dict[str, TaskID] = {}
        self._started = False

    def start(self, label: str):
        if not self._started:
            self._progress.start()
            self._started = True
        task = self._progress.add_task(label[:24], total=None)
        self._tasks[label] = task

        def update(done: int, total: int | None) -> None:
            self._progress.update(task, completed=done, total=total)

        return update

    def stop(self, label: str) -> None:
        task = self._tasks.pop(label, None)
        if task is not None:
            self._progress.stop_task(task)

    def close(self) -> None:
        if self._started:
            self._progress.stop()


def _print_summary(outcomes, as_json: bool) -> None:
    if as_json:
        emit_json([o.to_dict() for o in outcomes])
    else:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, show_header=True)
        table.add_column("reading")
        table.add_column("status")
        table.add_column("detail")
        for o in outcomes:
            table.add_row(
                text(o.reading_id, "bold"),
                text(STATUS_LABEL.get(o.status, o.status), STATUS_STYLE[o.status]),
                text(o.detail),
            )
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        console().print(table)
        console().print(
            text(
                ", ".join(f"{n} {STATUS_LABEL.get(s, s)}" for s, n in counts.items()) or "nothing to do",
                "dim",
            )
        )
    for o in outcomes:
        if o.failed:
            click.echo(f"failed: {o.reading_id}: {o.detail}", err=True)
    if any(o.failed and o.offline for o in outcomes):
        # ~10 ms, only when a fetch failed offline
        from library.fetch.network import OFFLINE_HINT

        click.echo(OFFLINE_HINT, err=True)


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--chapter", type=NUMBER, metavar="N", help="The readings of chapter N.")
@click.option("--all", "everything", is_flag=True, help="The readings of every chapter.")
@click.option("--optional", is_flag=True, help="Optional readings and exercise resources too.")
@click.option(
    "--refresh", is_flag=True, help="Download again; get newer arXiv versions (older ones are kept)."
)
@click.option(
    "--check", is_flag=True, help="Download nothing: report missing readings and newer arXiv versions."
)
@click.option(
    "--from",
    "from_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    metavar="DIR",
    help="Take PDFs named by arXiv id (1706.03762.pdf, 1706.03762v5.pdf) from DIR instead of the network.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary rows as JSON.")
@pass_session
def fetch(session: Session, ids, chapter, everything, optional, refresh, check, from_dir, as_json) -> None:
    """Fetch readings into the offline library: arXiv papers, PDFs, web articles.

    Already-fetched documents are not downloaded again unless --refresh. Exits 1 when a
    reading asked for could not be had (one line per failure says why).
    """
    # the fetcher: ~60 ms (local ~10 ms), `fetch` only
    from library.fetch import local
    from library.fetch.run import Fetcher, select

    cur = session.curriculum
    if from_dir is not None:
        explicit = bool(ids) or chapter is not None
        readings = (
            select(cur, ids, chapter=chapter, everything=everything, optional=optional)
            if (explicit or everything)
            else [r for _, r in cur.all_readings()]
        )
        outcomes = local.from_directory(session.conn, readings, from_dir, explicit=explicit)
    else:
        readings = select(cur, ids, chapter=chapter, everything=everything, optional=optional)
        progress = RichProgress() if err_console().is_terminal and not as_json else None
        try:
            fetcher = Fetcher(session.conn, refresh=refresh, check=check)
            if progress is not None:
                fetcher.progress = progress
            outcomes = fetcher.run(readings)
        finally:
            if progress is not None:
                progress.close()
    _print_summary(outcomes, as_json)
    _reanchor_notes(session, readings, outcomes)
    if any(o.failed for o in outcomes):
        click.get_current_context().exit(1)


# --- add -----------------------------------------------------------------------------------------


@click.command()
@click.argument("what", metavar="ARXIV_ID|URL|PATH")
@click.option(
    "--chapter", type=NUMBER, metavar="N", help='Add to chapter N (default: a chapter "Your additions").'
)
@click.option("--optional", is_flag=True, help="Add it as optional reading (default: recommended).")
@click.option("--title", help="Its title (default: from arXiv, the PDF, or the address).")
@click.option("--json", "as_json", is_flag=True, help="Print the new reading as JSON.")
@pass_session
def add(
    session: Session, what: str, chapter: int | None, optional: bool, title: str | None, as_json: bool
) -> None:
    """Add your own reading to the active curriculum: an arXiv id, a web address, or a local PDF."""
    # ~40 ms (new_reading brings the fetch modules); `add` only
    from library.fetch import local
    from library.new_reading import new_reading, refuse_duplicate

    if chapter is not None:
        session.curriculum.chapter(chapter)  # a bad chapter is an error before any network request
    refuse_duplicate(session.curriculum, what)  # and so is a work already listed
    new = new_reading(session.curriculum, what, title=title, role="optional" if optional else "recommended")
    if new.warning:
        click.echo(f"note: {new.warning}", err=True)
    reading, path = new.reading, new.path
    additions.add(session.conn, session.curriculum, reading, chapter)
    attached = None
    if path is not None:
        attached = local.attach(session.conn, reading, path)
    if as_json:
        emit_json(
            {
                "id": reading.id,
                "title": reading.title,
                "kind": reading.kind,
                "url": reading.url,
                "arxiv_id": reading.arxiv_id,
                "chapter": chapter or additions.ADDITIONS_CHAPTER,
                "role": reading.role,
                "document": attached.to_dict() if attached else None,
            }
        )
        return
    where = f"chapter {chapter}" if chapter is not None else f'"{additions.ADDITIONS_TITLE}"'
    console().print(text(f"added {reading.id} to {where}: ") + text(reading.title, "bold"))
    if attached is not None:
        console().print(text(f"  stored {attached.detail}", "dim"))
    else:
        console().print(text(f"  get it with: syllabus fetch {reading.id}", "dim"))


@click.command()
@click.argument("reading_id", metavar="ID")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the stored document as JSON.")
@pass_session
def attach(session: Session, reading_id: str, path: Path, as_json: bool) -> None:
    """Use a copy you already have as the document of reading ID: a PDF (from Zotero, say), or for a
    web article a page saved by your browser (its .html file, or the folder it was saved in)."""
    # ~10 ms; `attach` and `fetch` only
    from library.fetch import local

    found = curricula.find(session.curriculum, reading_id)
    if found.reading is None:
        raise UsageError(f"{reading_id} is an exercise; attach documents to readings")
    outcome = local.attach(session.conn, found.reading, path)
    if as_json:
        emit_json(outcome.to_dict())
    else:
        console().print(text(f"{outcome.reading_id}: {outcome.status} ") + text(outcome.detail, "dim"))
    _reanchor_notes(session, [found.reading], [outcome])


# Outcomes that put a new document (or a new version) in the library.
NEW_DOCUMENT = frozenset({"fetched", "updated", "attached"})


def _reanchor_notes(session: Session, readings: list[Reading], outcomes) -> None:
    """Notes quoted from an older version re-attach to the new document, or are listed as orphans."""
    # ~20 ms; only after a fetch or attach stored something
    from index import notes

    changed = {o.reading_id for o in outcomes if o.status in NEW_DOCUMENT}
    reports = notes.reanchor_readings(session.conn, [r for r in readings if r.id in changed])
    for rep in reports:
        if rep.orphaned:
            click.echo(
                f"{len(rep.orphaned)} note(s) on {rep.reading_key} no longer match the text:"
                " see `syllabus note orphans`",
                err=True,
            )


# --- open ----------------------------------------------------------------------------------------

# Viewers that can open at a page, tried in order when SYLLABUS_PDF_VIEWER is not set.
KNOWN_VIEWERS = [
    ("zathura", ["zathura", "--page={page}", "{path}"]),
    ("evince", ["evince", "--page-label={page}", "{path}"]),
    ("okular", ["okular", "--page", "{page}", "{path}"]),
    ("qpdfview", ["qpdfview", "{path}#{page}"]),
    ("mupdf", ["mupdf", "{path}", "{page}"]),
]


def viewer_command(path: Path, page: int) -> tuple[list[str], bool]:
    """The argument list that opens ``path`` (at ``page`` when the viewer can); and whether it can."""
    configured = os.environ.get("SYLLABUS_PDF_VIEWER", "").strip()
    if configured:
        template = shlex.split(configured)
        if not any("{path}" in part for part in template):
            template.append("{path}")
    else:
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        template = next((t for name, t in KNOWN_VIEWERS if shutil.which(name)), [opener, "{path}"])
    supports_page = any("{page}" in part for part in template)
    return [
        part.replace("{path}", str(path)).replace("{page}", str(page)) for part in template
    ], supports_page


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
@click.option("--dry-run", is_flag=True, help="Print the command that would open it instead of running it.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the command as JSON.")
@pass_session
def open_cmd(session: Session, reading_id: str, dry_run: bool, as_json: bool) -> None:
    """Open a reading's document in the system viewer at the first page of the assigned section."""
    import subprocess
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
    try:
        # A list, never a shell: a path or title can hold any character.
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise UsageError(
            f"cannot start {command[0]}: {exc.strerror or exc}; set SYLLABUS_PDF_VIEWER"
        ) from None
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


# --- undoing add and attach -----------------------------------------------------------------------


def _edit_report(report, verb: str, as_json: bool) -> None:
    if as_json:
        emit_json(report.to_dict())
        return
    console().print(text(f"{verb} {report.reading.id}: ") + text(report.reading.title, "bold"))
    for doc in report.detached:
        console().print(text(f"  removed {doc.rel_path or doc.source_url}", "dim"))
    if report.passages_removed:
        console().print(text(f"  {report.passages_removed} passages no longer searched", "dim"))
    if report.remaining is not None and report.remaining.path is not None:
        console().print(text(f"  now opens {report.remaining.rel_path}", "dim"))
    if report.orphaned:
        click.echo(f"{len(report.orphaned)} note(s) kept as orphans: see `syllabus note orphans`", err=True)


@click.command()
@click.argument("reading_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@pass_session
def remove(session: Session, reading_id: str, as_json: bool) -> None:
    """Remove a reading you added, with its documents and their passages; notes on it are kept as orphans."""
    from index import library_edits

    _edit_report(library_edits.remove(session.conn, session.curriculum, reading_id), "removed", as_json)


@click.command()
@click.argument("reading_id", metavar="ID")
@click.argument("title")
@pass_session
def rename(session: Session, reading_id: str, title: str) -> None:
    """Give a reading you added a new title (its id, notes and status stay)."""
    from index import library_edits

    renamed = library_edits.rename(session.conn, session.curriculum, reading_id, title)
    console().print(text(f"{renamed.id}: ") + text(renamed.title, "bold"))


@click.command()
@click.argument("reading_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print what was detached as JSON.")
@pass_session
def detach(session: Session, reading_id: str, as_json: bool) -> None:
    """Take the document reading ID opens out of the library (a wrong attachment, say).

    Its file and passages go; an older copy, if any, is opened again; notes are re-anchored to
    it, or kept as orphans."""
    from index import library_edits

    _edit_report(library_edits.detach(session.conn, session.curriculum, reading_id), "detached", as_json)


COMMANDS = [fetch, add, attach, open_cmd, remove, rename, detach]
