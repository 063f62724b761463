"""Commands over the paper library: fetch, add, attach, and their undoing: remove, rename, detach."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from library import additions, curricula
from library.catalogue import Reading
from library.errors import UsageError
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


COMMANDS = [fetch, add, attach, remove, rename, detach]
