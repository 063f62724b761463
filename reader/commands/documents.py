"""Commands over the paper library: fetch, add, attach, open."""

from __future__ import annotations

from pathlib import Path

import click

from library import curricula, store
from library.catalogue import Reading
from library.errors import UsageError
from reader.output import NUMBER, console, emit_json, err_console, text
from reader.session import Session

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
        self._tasks: dict[str, int] = {}
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


def _reading_from(session: Session, what: str, title: str | None, role: str) -> tuple[Reading, Path | None]:
    """A new reading for ``what`` (arXiv id, URL, or a local PDF) and the file to attach, if any."""
    from library import additions
    from library.fetch import pdf
    from library.fetch.planner import plan

    cur = session.curriculum
    path = Path(what).expanduser()
    if path.is_file():
        facts = pdf.local_facts(path)
        named = store.split_arxiv(path.stem)
        arxiv_id = facts.stamp_id or (named[0] if named else None)
        if arxiv_id:
            version = facts.stamp_version or (named[1] if named else None)
            reading = Reading(
                id=additions.free_id(cur, arxiv_id.replace("/", "-")),
                title=title or facts.title or f"arXiv:{arxiv_id}",
                kind="arxiv",
                url=f"https://arxiv.org/abs/{arxiv_id}",
                arxiv_id=arxiv_id,
                role=role,  # type: ignore[arg-type]
                pages=facts.pages,
            )
            del version  # the version is read again from the file when it is attached
        else:
            name = title or facts.title or path.stem
            reading = Reading(
                id=additions.free_id(cur, additions.slug(name)),
                title=name,
                kind="pdf",
                url=path.resolve().as_uri(),
                role=role,
                pages=facts.pages,
            )  # type: ignore[arg-type]
        return reading, path
    split = store.split_arxiv(what)
    if split:
        arxiv_id, version = split
        meta = _arxiv_metadata(arxiv_id)
        authors = meta.get("authors", []) if meta else []
        year = int(meta["published"][:4]) if meta and meta.get("published") else None
        reading = Reading(
            id=additions.free_id(cur, arxiv_id.replace("/", "-")),
            title=title or (meta or {}).get("title") or f"arXiv:{arxiv_id}",
            kind="arxiv",
            url=f"https://arxiv.org/abs/{arxiv_id}",
            arxiv_id=arxiv_id,
            arxiv_version=version,
            role=role,  # type: ignore[arg-type]
            authors=authors,
            year=year,
        )
        return reading, None
    if what.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        parts = urlsplit(what)
        guess = Reading(id="x", title="x", kind="link", url=what)
        how = plan(guess)
        kind = (
            "pdf"
            if how.method == "pdf"
            else (
                "video"
                if how.reason and "video" in how.reason
                else ("link" if how.method == "link_only" else "html")
            )
        )
        name = title or (parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.hostname or what)
        reading = Reading(
            id=additions.free_id(cur, additions.slug(name)),
            title=name,
            kind=kind,
            url=what,  # type: ignore[arg-type]
            role=role,
        )
        return reading, None
    raise UsageError(f"{what!r} is not an arXiv id, a web address, or an existing file")


def _arxiv_metadata(arxiv_id: str) -> dict | None:
    from library.fetch import arxiv_source
    from library.fetch.config import settings
    from library.fetch.http import FetchError

    try:
        return arxiv_source.fetch_metadata([arxiv_id], settings()).get(arxiv_id)
    except FetchError as exc:
        click.echo(f"note: no title from arXiv ({exc.reason}); pass --title to name it", err=True)
        return None


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
    from library import additions
    from library.fetch import local

    if chapter is not None:
        session.curriculum.chapter(chapter)  # a bad chapter is an error before any network request
    reading, path = _reading_from(session, what, title, "optional" if optional else "recommended")
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
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the stored document as JSON.")
@pass_session
def attach(session: Session, reading_id: str, path: Path, as_json: bool) -> None:
    """Use a PDF you already have (from Zotero, say) as the document of reading ID."""
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


def first_page(doc: store.Document, reading: Reading) -> tuple[int, str]:
    """The page where the assigned part starts, and how it was found."""
    pointer = reading.pointer
    if pointer.kind == "whole":
        return 1, "whole work"
    if pointer.kind == "pages":
        return pointer.first_page or 1, pointer.label
    try:
        from library.structure import resolve
    except ImportError:
        return 1, f"{pointer.label}: section finding is not available; opening at page 1"
    try:
        content = resolve.resolve(resolve.load(doc.path), pointer)
    except Exception as exc:  # a document whose structure cannot be read still opens, at page 1
        return 1, f"{pointer.label} not found ({str(exc).splitlines()[0][:100]}); opening at page 1"
    return max(1, content.start_page), pointer.label


@click.command(name="open")
@click.argument("reading_id", metavar="ID")
@click.option("--page", type=click.IntRange(min=1), metavar="N", help="Open at page N instead.")
@click.option("--dry-run", is_flag=True, help="Print what would be opened instead of opening it.")
@pass_session
def open_cmd(session: Session, reading_id: str, page: int | None, dry_run: bool) -> None:
    """Open a reading's document in the system viewer at the first page of the assigned section
    (or at --page N)."""
    import webbrowser

    from library.fetch.planner import plan
    from library.viewer import start, viewer_command

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
            emit_json({"browser": reading.url, "reason": how.reason})
            return
        click.echo(f"{reading.id} is a link ({how.reason}); opening it in the browser")
        webbrowser.open(reading.url)
        return
    if not doc.is_pdf:
        target = doc.path.as_uri()
        if dry_run:
            emit_json({"browser": target, "text": str(doc.text_path) if doc.text_path else None})
            return
        webbrowser.open(target)
        return
    if page is not None:
        if doc.pages and page > doc.pages:
            raise UsageError(f"{reading.id} has {doc.pages} pages; there is no page {page}")
        how_found = f"page {page}"
    else:
        page, how_found = first_page(doc, reading)
    command, supports_page = viewer_command(doc.path, page)
    note = (
        how_found
        if supports_page or page == 1
        else f"{how_found}: starts on page {page} (this viewer cannot be told the page)"
    )
    if dry_run:
        emit_json({"command": command, "page": page, "note": note})
        return
    start(command)
    click.echo(f"opened {reading.id} at page {page} ({note})")


COMMANDS = [fetch, add, attach, open_cmd]
