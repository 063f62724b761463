"""Commands over the curriculum and progress: chapters, show, mark, progress, next, curriculum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from library import curricula, progress
from library.catalogue import Chapter, Exercise, Reading
from library.progress import status_of
from reader.output import bar, console, emit_json, text
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


def reading_dict(chapter: Chapter, reading: Reading, rows: dict) -> dict:
    return {
        "id": reading.id,
        "title": reading.title,
        "kind": reading.kind,
        "url": reading.url,
        "arxiv_id": reading.arxiv_id,
        "role": reading.role,
        "chapter": chapter.number,
        "assigned": reading.pointer.to_dict(),
        "status": status_of(rows, reading.id),
        **({"arxiv_version": reading.arxiv_version} if reading.arxiv_version else {}),
        **({"topic": reading.topic} if reading.topic else {}),
        **({"summary": reading.summary} if reading.summary else {}),
        **({"minutes": reading.minutes} if reading.minutes else {}),
        **({"skip": list(reading.skip)} if reading.skip else {}),
        **({"parts": list(reading.parts)} if reading.parts else {}),
    }


def exercise_dict(chapter: Chapter, exercise: Exercise, rows: dict) -> dict:
    row = rows.get(exercise.id)
    return {
        "id": exercise.id,
        "title": exercise.title,
        "chapter": chapter.number,
        "summary": exercise.summary,
        "status": status_of(rows, exercise.id, "exercise"),
        "solution_url": row["solution_url"] if row else None,
        "alternative_to": exercise.alternative_to,
        "resources": [reading_dict(chapter, r, rows) for r in exercise.resources],
    }


def chapter_dict(chapter: Chapter, rows: dict) -> dict:
    return {
        "number": chapter.number,
        "title": chapter.title,
        "summary": chapter.summary,
        "effort_days": chapter.effort_days,
        "helps": chapter.helps,
        "longer_alternative": chapter.longer_alternative,
        "readings": [reading_dict(chapter, r, rows) for r in chapter.readings],
        "exercises": [exercise_dict(chapter, e, rows) for e in chapter.exercises],
        "solutions": chapter.solutions,
    }


STATUS_STYLE = {
    "unread": "dim",
    "todo": "dim",
    "reading": "yellow",
    "doing": "yellow",
    "done": "green",
    "skimmed": "cyan",
    "skipped": "magenta",
}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def chapters(session: Session, as_json: bool) -> None:
    """List the chapters of the active curriculum with their readings and exercises."""
    cur = session.curriculum
    rows = progress.statuses(session.conn, cur.name)
    if as_json:
        emit_json(
            {
                "curriculum": cur.name,
                "title": cur.title,
                "importance": cur.importance_order(),
                "chapters": [chapter_dict(c, rows) for c in cur.chapters],
            }
        )
        return
    out = console()
    out.print(text(f"{cur.title} ({cur.name})", "bold"))
    # Columns as wide as the longest id, so a long one (an imported list's) never shifts its line.
    width = max(
        [len(r.id) for _, r in cur.all_readings()] + [len(e.id) for _, e in cur.all_exercises()] + [1]
    )
    indent = " " * (2 + 9 + width + 1)
    for chapter in cur.chapters:
        out.print()
        out.print(text(f"Chapter {chapter.number}: {chapter.title}", "bold underline"))
        if chapter.summary:
            out.print(text(chapter.summary, "italic"))
        for reading in chapter.readings:
            status = status_of(rows, reading.id)
            line = text(f"  {status:<8} ", STATUS_STYLE[status])
            line.append(f"{reading.id:<{width}} ", "bold")
            line.append(reading.title)
            if reading.pointer.kind != "whole":
                line.append(f"  [{reading.pointer.label}]", "cyan")
            if reading.role == "optional":
                line.append("  (optional)", "dim")
            if reading.minutes:
                line.append(f"  {_duration(reading.minutes)}", "dim")
            out.print(line)
            if reading.parts:
                out.print(text(f"{indent}only: " + "; ".join(reading.parts), "dim"))
            if reading.skip:
                out.print(text(f"{indent}skip: " + "; ".join(reading.skip), "dim"))
        for exercise in chapter.exercises:
            status = status_of(rows, exercise.id, "exercise")
            line = text(f"  {status:<8} ", STATUS_STYLE[status])
            line.append(f"{exercise.id:<{width}} ", "bold")
            line.append(f"Exercise: {exercise.title}")
            out.print(line)


@click.command()
@click.argument("item_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def show(session: Session, item_id: str, as_json: bool) -> None:
    """Show one reading or exercise, found by its id, arXiv id or URL."""
    cur = session.curriculum
    found = curricula.find(cur, item_id)
    rows = progress.statuses(session.conn, cur.name)
    if isinstance(found.item, Reading):
        data = reading_dict(found.chapter, found.item, rows)
        data["chapter_title"] = found.chapter.title
        data["authors"] = found.item.authors
        data["year"] = found.item.year
        _attach_document_facts(session, data)
    else:
        data = exercise_dict(found.chapter, found.item, rows)
        data["chapter_title"] = found.chapter.title
    if as_json:
        emit_json(data)
        return
    out = console()
    out.print(text(data["title"], "bold"))
    for key, label in (
        ("id", "id"),
        ("kind", "kind"),
        ("role", "role"),
        ("arxiv_id", "arxiv_id"),
        ("url", "url"),
        ("status", "status"),
        ("solution_url", "solution"),  # an exercise's link to your own solution
    ):
        if data.get(key):
            out.print(text(f"{label:>10}: ", "dim") + text(str(data[key])))
    out.print(text(f"{'chapter':>10}: ", "dim") + text(f"{found.chapter.number} {found.chapter.title}"))
    if found.reading:
        out.print(text(f"{'assigned':>10}: ", "dim") + text(found.reading.pointer.label))
        if data.get("minutes"):
            out.print(text(f"{'time':>10}: ", "dim") + text(f"about {_duration(data['minutes'])}"))
        for part in found.reading.parts:
            out.print(text(f"{'take':>10}: ", "dim") + text(part))
        for part in found.reading.skip:
            out.print(text(f"{'skip':>10}: ", "dim") + text(part))
        if data.get("document"):
            out.print(text(f"{'document':>10}: ", "dim") + text(str(data["document"].get("path"))))
    if data.get("summary"):
        out.print()
        out.print(text(data["summary"]))
    for resource in data.get("resources", []):
        out.print(text("  - ") + text(resource["title"]) + text(f"  {resource['url']}", "dim"))


def _attach_document_facts(session: Session, data: dict) -> None:
    """Add what the local library knows (document path, pages, time estimate)."""
    from library import store  # ~6 ms (hashlib, json): only `show` needs it of this module's commands

    pages = None
    doc = store.document_for_reading(session.conn, data["id"], arxiv_id=data.get("arxiv_id"), url=data["url"])
    if doc is not None:
        data["document"] = doc.to_dict()
        pages = doc.pages
    reading = curricula.find(session.curriculum, data["id"]).reading
    pages = pages or (reading.pages if reading else None)
    # A video's or course's own running time beats a page-count estimate.
    data["minutes"] = (reading.minutes if reading and reading.minutes else None) or progress.estimate_minutes(
        pages
    )


def _duration(minutes: int) -> str:
    """90 -> "1h 30m", 45 -> "45 min": how long a video or reading takes."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest} min"


@click.command()
@click.argument("item_id")
@click.argument("status")
@click.option("--solution", metavar="URL", help="Link to your solution (exercises).")
@pass_session
def mark(session: Session, item_id: str, status: str, solution: str | None) -> None:
    """Set the status of a reading (unread, reading, done, skimmed, skipped) or an exercise (todo, doing, done)."""
    found = progress.mark(session.conn, session.curriculum, item_id, status, solution_url=solution)
    click.echo(f"{found.id}: {status}")


@click.command(name="progress")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def progress_cmd(session: Session, as_json: bool) -> None:
    """Show progress per chapter: recommended readings, optional readings, exercises."""
    summary = progress.summary(session.conn, session.curriculum)
    if as_json:
        emit_json(summary.to_dict())
        return
    from rich.table import Table

    table = Table(title=session.curriculum.title, title_justify="left", box=None, pad_edge=False)
    table.add_column("ch", justify="right")
    table.add_column("chapter")
    table.add_column("recommended")
    table.add_column("", justify="right")
    table.add_column("optional", justify="right")
    table.add_column("exercises", justify="right")
    for ch in summary.chapters:
        table.add_row(
            str(ch.number),
            text(ch.title),
            bar(ch.recommended.fraction, 16) if ch.recommended.total else "—",
            f"{ch.recommended.done}/{ch.recommended.total}",
            f"{ch.optional.done}/{ch.optional.total}",
            f"{ch.exercises.done}/{ch.exercises.total}",
        )
    table.add_section()
    table.add_row(
        "",
        "overall",
        bar(summary.recommended.fraction, 16),
        f"{summary.recommended.done}/{summary.recommended.total}",
        f"{summary.optional.done}/{summary.optional.total}",
        f"{summary.exercises.done}/{summary.exercises.total}",
    )
    console().print(table)


@click.command(name="next")
@click.option(
    "-n", "limit", default=5, show_default=True, type=click.IntRange(1, 1000), help="How many suggestions."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def next_cmd(session: Session, limit: int, as_json: bool) -> None:
    """What to read next: started readings, then recommended ones by importance, then optional ones."""
    picks = progress.next_readings(session.conn, session.curriculum, limit)
    if as_json:
        emit_json([p.to_dict() for p in picks])
        return
    if not picks:
        click.echo("Nothing left to read in this curriculum.")
        return
    width = max(len(p.reading.id) for p in picks)
    for pick in picks:
        line = (
            text(f"ch {pick.chapter}  ", "dim")
            + text(f"{pick.reading.id:<{width}} ", "bold")
            + text(pick.reading.title)
        )
        if pick.reading.pointer.kind != "whole":
            line.append(f"  [{pick.reading.pointer.label}]", "cyan")
        line.append(f"  {pick.reading.role}" + (" · started" if pick.status == "reading" else ""), "dim")
        console().print(line)


# --- curriculum group ------------------------------------------------------------------------------


@click.group()
def curriculum() -> None:
    """Install, list and switch curricula."""


@curriculum.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def curriculum_list(session: Session, as_json: bool) -> None:
    """List installed curricula; the active one is marked."""
    conn = session.conn
    active = curricula.active_name(conn)
    items: list[dict[str, Any]] = []
    for name in curricula.installed_names(conn):
        cur = curricula.load(conn, name)
        items.append(
            {
                "name": name,
                "title": cur.title,
                "active": name == active,
                "chapters": len(cur.chapters),
                "readings": len(cur.all_readings(with_resources=False)),
            }
        )
    if as_json:
        emit_json(items)
        return
    for item in items:
        mark_ = "*" if item["active"] else " "
        console().print(
            text(f"{mark_} {item['name']:<20} ")
            + text(item["title"])
            + text(f"  ({item['chapters']} chapters, {item['readings']} readings)", "dim")
        )


@curriculum.command(name="use")
@click.argument("name")
@pass_session
def curriculum_use(session: Session, name: str) -> None:
    """Make NAME the active curriculum."""
    cur = curricula.use(session.conn, name)
    click.echo(f"active curriculum: {cur.name} ({cur.title})")


@curriculum.command(name="import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--name", help="Name to install it under (default: from the file or folder name).")
@click.option("--use", "make_active", is_flag=True, help="Make it the active curriculum.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_session
def curriculum_import(
    session: Session, path: Path, name: str | None, make_active: bool, as_json: bool
) -> None:
    """Import a reading list: a TOML curriculum, a markdown file, or a folder of markdown chapters."""
    # the markdown importer: ~40 ms, `curriculum import` only
    from library.markdown import import_checked

    # Parses and validates everything before touching the database.
    cur, missed = import_checked(path, name=name)
    report = curricula.install(session.conn, cur, source=str(path.resolve()))
    if make_active:
        curricula.use(session.conn, cur.name)
    if as_json:
        emit_json({**report.to_dict(), "unrecognised_pointers": [m.to_dict() for m in missed]})
        return
    for m in missed:
        click.echo(f"note: no section or pages understood for {m.reading!r} in: {m.sentence}", err=True)
    verb = "updated" if report.replaced else "installed"
    readings = len(cur.all_readings(with_resources=False))
    click.echo(
        f"{verb} {cur.name}: {len(cur.chapters)} chapters, {readings} readings, {len(cur.all_exercises())} exercises"
    )
    if report.replaced:
        click.echo(f"  kept {len(report.kept)}, added {len(report.added)}, renamed {len(report.renamed)}")
    for item_id in report.gone:
        click.echo(f"  gone from the new version (your progress on it is kept): {item_id}")


@curriculum.command(name="remove")
@click.argument("name")
@pass_session
def curriculum_remove(session: Session, name: str) -> None:
    """Remove an imported curriculum (progress rows are kept, so re-importing restores them)."""
    curricula.remove(session.conn, name)
    click.echo(f"removed {name}")


COMMANDS = [chapters, show, mark, progress_cmd, next_cmd, curriculum]
