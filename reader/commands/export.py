"""``syllabus export``: the curriculum's readings in other formats (BibTeX for now)."""

from __future__ import annotations

from pathlib import Path

import click

from library import atomic
from library.errors import UsageError
from library.textclean import json_text
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", "anki", "md", "json"]),
    required=True,
    help="What to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write to FILE (default: stdout); for --format md a folder (default: ./syllabus-notes).",
)
@pass_session
def export(session: Session, fmt: str, output: Path | None) -> None:
    """Export the active curriculum's readings (--format bibtex), or your notes as an Anki deck
    (--format anki -o FILE.apkg), as Markdown files usable as an Obsidian vault (--format md -o DIR),
    or as W3C Web Annotation JSON (--format json; `syllabus import notes FILE` reads it back)."""
    if output is not None and output.exists() and output.is_dir() != (fmt == "md"):
        raise UsageError(f"{output}: --format {fmt} writes a {'folder' if fmt == 'md' else 'file'} there")
    if fmt == "md":
        # each format's exporter on its own: notes ~20 ms, anki ~20 ms (+genanki), bibtex ~15 ms
        from index.export import export_markdown

        written = export_markdown(session.conn, session.curriculum, output or Path("syllabus-notes"))
        click.echo(f"wrote {len(written)} files to {output or 'syllabus-notes'}", err=True)
        return
    if fmt == "json":
        # ~20 ms, this format only
        from index.export import export_annotations_json

        # Exact strings, with anything a terminal would obey written as \u escapes.
        data = json_text(export_annotations_json(session.conn, session.curriculum)) + "\n"
    if fmt == "anki":
        # ~20 ms (+ genanki when it runs), this format only
        from index.anki import export_deck

        if output is None:
            raise UsageError("--format anki writes a deck file: give -o FILE.apkg")
        count = export_deck(session.conn, output, curriculum=session.curriculum.name)
        click.echo(f"wrote {count} notes to {output}", err=True)
        return
    if fmt == "bibtex":
        # ~15 ms, this format only
        from library.bibtex import bibtex_for

        data = bibtex_for(session.conn, session.curriculum)
    if output is None:
        click.echo(data, nl=False)
    else:
        atomic.write_export(output.expanduser().resolve(), data)
        click.echo(f"wrote {output}", err=True)


COMMANDS = [export]
