"""Your data, kept and brought back: ``syllabus backup`` (a copy of the whole database) and
``syllabus import notes`` (notes exported as W3C Web Annotation JSON, from here or elsewhere)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from library import backups, db, dbhealth, paths
from library.errors import SyllabusError, UsageError
from reader.output import emit_json
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.option(
    "--to",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the copy, made if its parent exists (default: the backups folder of the data home).",
)
@click.option("--list", "as_list", is_flag=True, help="List the backups, oldest first.")
@click.option(
    "--check",
    is_flag=True,
    help="Check the whole database (indexes too); a sound one is cleared of an earlier damage report.",
)
@click.option(
    "--restore",
    "restore_from",
    is_flag=False,
    flag_value="newest",
    default=None,
    metavar="[BACKUP]",
    help="Put the newest sound backup (or BACKUP) in place of the database; the replaced one is kept aside.",
)
@click.option("--json", "as_json", is_flag=True, help="With --list or --check: print JSON.")
@click.pass_context
def backup(
    ctx: click.Context,
    directory: Path | None,
    as_list: bool,
    check: bool,
    restore_from: str | None,
    as_json: bool,
) -> None:
    """Copy the database (notes, progress, everything) to a dated file; prints its path.

    Syllabus also keeps a copy from the first write of each day (the last 7) and one before each
    schema upgrade. --check and --restore work on a damaged database, which nothing else opens.
    """
    if sum((as_list, check, restore_from is not None)) > 1:
        raise UsageError("use one of --list, --check and --restore")
    target = paths.database_path()
    if as_list:
        found = backups.listing(directory or paths.backups_dir())
        if as_json:
            emit_json([{"path": str(b.path), "taken_at": b.taken_at, "reason": b.reason} for b in found])
        elif not found:
            click.echo("no backups yet")
        for b in [] if as_json else found:
            click.echo(f"{b.path}  {b.reason}, {b.age()}")
        return
    if check:
        problems = dbhealth.check(target)
        if as_json:
            emit_json({"database": str(target), "ok": not problems, "problems": problems})
        elif problems:
            for problem in problems[1:]:
                click.echo(f"  also: {problem}", err=True)
        else:
            click.echo(f"{target}: ok")
        if problems:
            raise dbhealth.DamagedDatabase(
                f"{target}: {problems[0]}{f' (and {len(problems) - 1} more)' if len(problems) > 1 else ''}; "
                + dbhealth.restore_hint(target)
            )
        return
    if restore_from is not None:
        source = None if restore_from == "newest" else Path(restore_from).expanduser()
        restored = dbhealth.restore(target, source)
        click.echo(f"restored {restored.backup}")
        if restored.kept_as is not None:
            click.echo(f"the replaced database is kept as {restored.kept_as}")
        return
    if directory is not None and not directory.parent.is_dir():
        # A typo must not grow a tree of folders: the folder named is made only inside one that exists.
        raise UsageError(f"no folder {directory.parent}: create it first, or leave out --to")
    session = ctx.find_object(Session)
    assert session is not None
    folder = directory or paths.backups_dir()
    try:
        copy = db.backup(session.conn, folder, reason="manual")
    except sqlite3.OperationalError as exc:  # SQLite cannot create the copy there (no write access)
        raise SyllabusError(f"cannot write a backup in {folder}: {exc}") from None
    click.echo(str(copy))


@click.group(name="import")
def import_group() -> None:
    """Bring data into Syllabus (curricula: `syllabus curriculum import`)."""


@import_group.command(name="notes")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_session
def import_notes(session: Session, file: Path, as_json: bool) -> None:
    """Import notes from W3C Web Annotation JSON (as `syllabus export --format json` writes).

    Notes already present (same annotation id) are skipped, so importing twice adds nothing. A
    malformed file is refused whole: nothing is written.
    """
    # ~20 ms; `import notes` only
    from index.export import import_annotations_file

    report = import_annotations_file(session.conn, file, curriculum=session.curriculum)
    if as_json:
        emit_json(report.to_dict())
        return
    click.echo(f"imported {len(report.added)} notes, skipped {len(report.skipped)} already present")


COMMANDS = [backup, import_group]
