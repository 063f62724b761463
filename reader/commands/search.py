"""Search commands: ``search``, ``related`` and the ``index`` group (update, status, rebuild).

Thin layer over ``index.search`` and ``index.update``. Nothing heavy is imported here: a cold
``syllabus search`` loads the ONNX model (onnxruntime, ~0.4 s), never torch.
"""

from __future__ import annotations

from typing import ClassVar

import click

from index.search import related as run_related
from index.search import search as run_search
from index.update import rebuild as run_rebuild
from index.update import status, unindexed_documents, update_index
from library.curricula import find
from library.errors import UsageError
from library.store import key_of
from reader.output import ID, NUMBER, console, emit_json, err_console, text
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


def _print_hits(hits, *, empty: str) -> None:
    out = console()
    if not hits:
        out.print(text(empty, "dim"))
        return
    for rank, hit in enumerate(hits, start=1):
        head = text(f"{rank:>2}. ", "bold")
        head.append(f"{hit.kind:<7} ", "cyan" if hit.kind == "passage" else "magenta")
        head.append(hit.where or "(no reading)", "bold")
        head.append(f"  {hit.score:.4f}", "dim")
        out.print(head)
        out.print(_marked(hit.snippet))
        out.print()


def _marked(snippet: str):
    """The snippet with «matched» words in bold; the marks stay, so piped output shows them too."""
    from rich.text import Text

    line = Text("    ")
    rest = snippet
    while "«" in rest and "»" in rest.split("«", 1)[1]:
        before, after = rest.split("«", 1)
        word, rest = after.split("»", 1)
        line.append(before)
        line.append(f"«{word}»", "bold yellow")
    line.append(rest)
    return line


def _announce_export(session: Session) -> None:
    """The first query that needs the model exports it to ONNX (~30 s, once), and a damaged export
    is made again: say so instead of hanging."""
    from index import onnx_model
    from index.model_spec import model_spec

    spec = model_spec(session.conn)
    made, problem = onnx_model.check_export(spec)
    if made is not None or onnx_model.export_failed(spec) is not None:
        return
    has_any = session.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM notes WHERE deleted_at IS NULL) OR EXISTS (SELECT 1 FROM passages)"
    ).fetchone()[0]
    if not has_any:
        return
    if problem.startswith(("damaged", "discarded")):
        err_console().print(text(f"the embedding model's export is {problem}; making it again…", "yellow"))
    else:
        err_console().print(text("preparing the embedding model for fast queries (once; about 30 s)…", "dim"))


def _warn_unindexed(session: Session) -> None:
    waiting = unindexed_documents(session.conn)
    if waiting:
        n = len(waiting)
        err_console().print(
            text(
                f"note: {n} fetched document{'s are' if n != 1 else ' is'} not indexed yet; "
                "run `syllabus index update` to search their passages",
                "yellow",
            )
        )


@click.command()
@click.argument("query")
@click.option("--notes", "only", flag_value="note", help="Only notes.")
@click.option("--papers", "only", flag_value="passage", help="Only passages of fetched readings.")
@click.option("--chapter", type=NUMBER, metavar="N", help="Only notes and readings of chapter N.")
@click.option("--reading", "reading_query", metavar="ID", help="Only this reading (id, arXiv id or URL).")
@click.option("--tag", metavar="TAG", help="Only notes with this tag.")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def search(
    session: Session,
    query: str,
    only: str | None,
    chapter: int | None,
    reading_query: str | None,
    tag: str | None,
    k: int,
    as_json: bool,
) -> None:
    """Search notes and readings by words and by meaning."""
    reading_key = None
    if reading_query:
        found = find(session.curriculum, reading_query)
        if found.reading is None:
            raise UsageError(f"{reading_query!r} is an exercise, not a reading")
        reading_key = key_of(found.reading)
    kinds = (only,) if only else ("note", "passage")
    _announce_export(session)
    hits = run_search(
        session.conn, query, kinds=kinds, chapter=chapter, reading_key=reading_key, tag=tag, k=k
    )
    if "passage" in kinds:
        _warn_unindexed(session)
    if as_json:
        emit_json([h.to_json() for h in hits])
        return
    _print_hits(hits, empty="no matches")


@click.command()
@click.argument("reading_id", required=False, metavar="ID")
@click.option("--note", "note_id", type=ID, metavar="N", help="Related to note N instead of a reading.")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def related(session: Session, reading_id: str | None, note_id: int | None, k: int, as_json: bool) -> None:
    """Notes and passages close in meaning to a reading (ID) or to a note (--note N)."""
    if note_id is not None and reading_id is None:
        hits = run_related(session.conn, note_id=note_id, k=k)
    elif reading_id is not None and note_id is None:
        found = find(session.curriculum, reading_id)
        if found.reading is None:
            raise UsageError(f"{reading_id!r} is an exercise, not a reading")
        hits = run_related(session.conn, reading_key=key_of(found.reading), k=k)
    else:
        raise UsageError("give a reading ID or --note N (one of them)")
    if as_json:
        emit_json([h.to_json() for h in hits])
        return
    _print_hits(hits, empty="nothing related found")


@click.group("index")
def index_group() -> None:
    """The search index: passages, embeddings and the FAISS cache."""


class _Bar:
    """A Rich progress bar on stderr fed by ``update_index``'s (stage, done, total) callbacks."""

    LABELS: ClassVar[dict[str, str]] = {
        "documents": "splitting documents",
        "model": "loading the model",
        "notes": "embedding notes",
        "passages": "embedding passages",
        "faiss": "refreshing FAISS",
    }

    def __init__(self, progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(self.LABELS.get(stage, stage), total=max(total, 1))
        self.progress.update(self.tasks[stage], completed=done if total else 1, total=max(total, 1))


def _run_update(session: Session, as_json: bool, rebuild: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    run = run_rebuild if rebuild else update_index
    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console(), transient=False, disable=as_json) as progress:
        report = run(session.conn, progress=_Bar(progress))
    if as_json:
        emit_json(report.to_dict())
        return
    out = console()
    if report.variant_change:
        out.print(text(report.variant_note, "yellow"))
    if report.broken_vectors_removed:
        out.print(
            text(f"{report.broken_vectors_removed} broken vectors removed and embedded again", "yellow")
        )
    out.print(
        text(
            f"documents: {report.documents_indexed} split, {report.documents_unchanged} unchanged, "
            f"{report.documents_removed} removed; passages +{report.passages_added} -{report.passages_removed}"
        )
    )
    out.print(
        text(
            f"embedded {report.notes_embedded} notes and {report.passages_embedded} passages with {report.model} "
            f"({report.backend}); {report.embeddings_removed} stale vectors removed"
        )
    )
    out.print(
        text(
            "faiss: " + ", ".join(f"{k} {v}" for k, v in report.faiss.items()) + f"  ({report.seconds:.1f} s)"
        )
    )
    for key, error in report.documents_failed:
        err_console().print(text(f"could not split {key}: {error}", "red"))
    if report.interrupted:
        err_console().print(text("interrupted: what was done is kept; run it again to finish", "yellow"))


@index_group.command("update")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_session
def index_update(session: Session, as_json: bool) -> None:
    """Split new documents into passages, embed what is new or changed, refresh FAISS."""
    _run_update(session, as_json, rebuild=False)


@index_group.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_session
def index_rebuild(session: Session, as_json: bool) -> None:
    """Split every document again and rebuild the FAISS files (vectors of unchanged text are kept)."""
    _run_update(session, as_json, rebuild=True)


@index_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def index_status(session: Session, as_json: bool) -> None:
    """Counts, the embedding model, and the state of the FAISS cache."""
    info = status(session.conn)
    if as_json:
        emit_json(info)
        return
    out = console()
    onnx = info["onnx"]
    if onnx["verified"]:
        backend = (
            f"onnx {onnx['variant']}, {onnx['max_tokens']} word pieces"
            f" (verified, min cosine {onnx['min_cosine']:.4f})"
        )
    else:
        backend = "sentence-transformers"
    out.print(text(f"model: {info['model']}  [{backend}]", "bold"))
    out.print(text(f"vectors: {info['vectors']}", "dim"))
    out.print(text(f"source: {info['model_source']}", "dim"))
    if not onnx["verified"] and onnx.get("problem") not in (None, "", "missing"):
        out.print(text(f"onnx export {onnx['problem']}: made again on the next search or update", "yellow"))
    if not onnx["verified"] and onnx.get("error"):
        out.print(text(f"onnx export failed: {onnx['error']}", "yellow"))
    if onnx.get("int8_error"):
        out.print(text(f"int8 variant not used: {onnx['int8_error']}", "yellow"))
    if info["previous_variant"]:
        out.print(
            text(
                f"vectors of {info['previous_variant']} wait to be replaced: `syllabus index update` embeds"
                " every note and passage again for the current variant",
                "yellow",
            )
        )
    out.print(
        text(
            f"documents: {info['documents']} fetched, {info['documents_unindexed']} waiting for `index update`"
        )
    )
    out.print(text(f"notes: {info['notes']} ({info['embedded']['note']} embedded)"))
    out.print(text(f"passages: {info['passages']} ({info['embedded']['passage']} embedded)"))
    for kind, f in info["faiss"].items():
        kind_label = f"faiss {kind}s:"
        out.print(
            text(
                f"{kind_label:<16} {f['state']}, {f.get('count', 0) or 0} vectors"
                f"{', ' + f['type'] if f.get('type') else ''}"
            )
        )


COMMANDS = [search, related, index_group]
