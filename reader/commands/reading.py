"""Commands that show a document's structure and text: ``extract`` (any file) and ``read`` (a reading)."""

from __future__ import annotations

from pathlib import Path

import click

from library import curricula, store
from library.errors import SyllabusError, UsageError
from library.pointers import PointerSyntaxError, parse
from library.structure.resolve import content_dict, load, resolve, sections_list
from library.structure.resolve import extract as extract_file
from reader.output import emit_json
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


def _pointer(text: str | None):
    try:
        return parse(text)
    except PointerSyntaxError as exc:
        raise UsageError(f"cannot read the section {text!r}: {exc}") from exc


def render_text(structure, content, *, page_markers: bool = True, tex: bool = False) -> str:
    """Markdown-ish text of resolved content: ``#`` headings by level, paragraphs, ``[p. N]`` markers.

    Maths is rendered to Unicode where exact (``--tex`` keeps the TeX-like form), tables are
    Markdown tables, footnotes ``[^N]: …`` after the paragraph that cites them.
    """
    from library.structure.notation import readable

    levels = {s.first_block: s.level for s in structure.sections}
    shown = [levels[b.index] for b in content.blocks if b.kind == "heading" and b.index in levels]
    base = min(shown, default=1)
    out: list[str] = []
    page = None
    for block in content.blocks:
        if page_markers and structure.kind == "pdf" and block.page != page:
            page = block.page
            out.append(f"[p. {page}]")
        if block.kind == "heading":
            level = levels.get(block.index, base + 2) - base + 1
            out.append("#" * max(1, min(level, 4)) + " " + block.text)
        elif block.kind == "list_item":
            text = readable(block, tex=tex)
            out.append(text if text[:1] in "•-–*(" or text[:1].isdigit() else "- " + text)
        elif block.kind == "code":
            out.append("```\n" + block.text + "\n```")
        elif block.kind == "footnote":
            out.append(
                f"[^{block.marker}]: " + readable(block, tex=tex)
                if block.marker
                else readable(block, tex=tex)
            )
        else:
            out.append(readable(block, tex=tex))
    return "\n\n".join(out) + "\n"


def _outline_text(structure) -> str:
    lines = []
    top = min((s.level for s in structure.sections), default=1)
    for s in structure.sections:
        pages = f"p. {s.start_page}" if s.start_page == s.end_page else f"pp. {s.start_page}-{s.end_page}"
        where = f"  ({pages})" if structure.kind == "pdf" else ""
        lines.append("  " * (s.level - top) + s.label + where)
    if not lines:
        return "(no sections found)\n"
    return "\n".join(lines) + "\n"


def _emit(
    structure, content, *, as_json: bool, outline_only: bool, extra: dict | None = None, tex: bool = False
) -> None:
    if as_json:
        data = dict(extra or {})
        data.update(
            {
                "title": structure.title,
                "kind": structure.kind,
                "pages": structure.page_count,
                "source": structure.source,
                "sections": sections_list(structure),
            }
        )
        if not outline_only and content is not None:
            data["section"] = content_dict(content)
        emit_json(data)
        return
    if outline_only:
        click.echo(_outline_text(structure), nl=False)
        return
    click.echo(render_text(structure, content, tex=tex), nl=False)


@click.command("extract")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--section",
    "-s",
    "section",
    metavar="S",
    help='Show only this part: "3", "Section 3.1", "Appendix A", "first 10 pages", a title.',
)
@click.option("--outline", "outline_only", is_flag=True, help="List the sections instead of printing text.")
@click.option("--from-text", is_flag=True, help="Find headings in the text even when the PDF has an outline.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--tex", is_flag=True, help="Show maths in its TeX-like form instead of Unicode.")
def extract(
    file: Path, section: str | None, outline_only: bool, from_text: bool, as_json: bool, tex: bool
) -> None:
    """Show the sections of any PDF or HTML file, or the clean text of one of them."""
    if not file.is_file():
        raise UsageError(
            f"{file} is a directory, not a document" if file.is_dir() else f"no such file: {file}"
        )
    structure = extract_file(file, use_outline=False) if from_text else load(file)
    content = None if outline_only else resolve(structure, _pointer(section), name=file.name)
    _emit(structure, content, as_json=as_json, outline_only=outline_only, tex=tex)


@click.command("read")
@click.argument("item_id", metavar="ID")
@click.option("--section", "-s", "section", metavar="S", help="Read this part instead of the assigned one.")
@click.option("--whole", is_flag=True, help="Read the whole work.")
@click.option("--outline", "outline_only", is_flag=True, help="List the work's sections.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--tex", is_flag=True, help="Show maths in its TeX-like form instead of Unicode.")
@pass_session
def read(
    session: Session,
    item_id: str,
    section: str | None,
    whole: bool,
    outline_only: bool,
    as_json: bool,
    tex: bool,
) -> None:
    """Print a reading's assigned section as clean text (pipe it to a pager)."""
    if whole and section:
        raise UsageError("use either --section or --whole, not both")
    found = curricula.find(session.curriculum, item_id)
    reading = found.reading
    if reading is None:
        raise UsageError(f"{item_id} is an exercise, not a reading")
    document = store.document_for_reading(
        session.conn,
        reading.id,
        arxiv_id=reading.arxiv_id,
        url=reading.url,
        version=reading.arxiv_version,
    )
    path = None
    if document is not None:
        path = document.path
        if not document.is_pdf and document.text_path and document.text_path.exists():
            path = document.text_path
    if path is None or not path.exists():
        raise SyllabusError(f"not fetched yet: run `syllabus fetch {reading.id}`")
    structure = load(path)
    pointer = _pointer(None) if whole else (_pointer(section) if section else reading.pointer)
    content = None if outline_only else resolve(structure, pointer, name=reading.title)
    extra = {"id": reading.id, "reading": reading.title, "assigned": pointer.to_dict(), "path": str(path)}
    _emit(structure, content, as_json=as_json, outline_only=outline_only, extra=extra, tex=tex)


COMMANDS = [extract, read]
