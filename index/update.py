"""Keep the search index in step with the library and the notes, incrementally.

``update_index`` does, in order, each step in its own short transactions:

1. passages: every current fetched document whose fingerprint (its bytes, the extractor's and
   the splitter's versions) changed is split again (one transaction per document); passages of
   documents that left the library are dropped;
2. embeddings: notes and passages with no vector for the model, or a vector of other text
   (content hash), are embedded in batches, one transaction per batch; vectors of items that
   are gone or whose text changed are removed;
3. FAISS: the cache files are refreshed from SQLite.

Indexing never writes a note, so killing it (even with ``kill -9``) loses nothing: what was
committed stays, and the next run finds the rest missing by the same comparisons. A caller can
also ask it to stop (``should_stop``, checked between documents and between batches: the app's
background worker when it is cancelled); the report then says ``interrupted``.

Vectors are keyed by the embedder's name, which names the model *and its variant* (``@int8``):
when the variant changes (a new Syllabus, an export that fell back), every item is embedded once
for the new name and the report says so (``variant_change``); the old variant's vectors are never
mixed into a search with the new one. A vector that is not all finite numbers is never stored.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from index import passages as passages_mod
from index import vectors
from index.embed import check_finite, finite_rows, from_blobs, get_embedder, to_blob
from index.model_spec import Embedder, base_name, model_spec
from index.notes import list_notes
from library import paths, store
from library.db import write
from library.structure.resolve import CACHE_VERSION, load

Progress = Callable[[str, int, int], None]
StopCheck = Callable[[], bool]
# Items embedded (and committed) at a time: at ~40 passages a second a batch is under a second,
# so an interrupted run stops soon and loses at most that much work.
BATCH = 32


@dataclass
class UpdateReport:
    model: str = ""
    backend: str = ""
    documents_indexed: int = 0
    documents_unchanged: int = 0
    documents_removed: int = 0
    documents_failed: list[tuple[str, str]] = field(default_factory=list)  # (reading key, why)
    passages_added: int = 0
    passages_removed: int = 0
    notes_embedded: int = 0
    passages_embedded: int = 0
    embeddings_removed: int = 0
    faiss: dict[str, str] = field(default_factory=dict)  # kind -> "loaded" | "rebuilt (...)" | ...
    seconds: float = 0.0
    # When the stored vectors were of another variant of the model: {"from": name, "to": name}.
    variant_change: dict[str, str] | None = None
    broken_vectors_removed: int = 0  # by `index rebuild`: NaN, infinite or truncated vectors
    interrupted: bool = False

    @property
    def variant_note(self) -> str:
        """One line on a change of the model's variant ("" when there was none), for the CLI and app."""
        if not self.variant_change:
            return ""
        return (
            f"the embedding model changed ({self.variant_change['from']} → {self.variant_change['to']}):"
            f" {self.notes_embedded} notes and {self.passages_embedded} passages embedded again"
        )

    def to_dict(self) -> dict:
        return dict(
            self.__dict__, documents_failed=[{"reading_key": k, "error": e} for k, e in self.documents_failed]
        )


# --- what gets embedded -------------------------------------------------------------------------


def note_input(note) -> str:
    """The text a note's vector is computed from: its body, tags and the passage it quotes."""
    parts = [note.body.strip()]
    if note.tags:
        parts.append("Tags: " + ", ".join(note.tags))
    if note.anchor is not None and note.anchor.exact:
        parts.append(f'On: "{note.anchor.exact.strip()}"')
    return "\n".join(parts)


def passage_input(section_title: str | None, text: str) -> str:
    """A passage is embedded with its section title: "Optimizer" says what a bare paragraph may not."""
    return f"{section_title.strip()}\n{text}" if section_title else text


def input_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_documents(conn: sqlite3.Connection) -> list:
    """Fetched documents that are the current version of their work and whose file exists."""
    try:
        docs = store.documents(conn)
    except sqlite3.OperationalError:  # no documents table yet
        return []
    out = []
    for d in docs:
        if getattr(d, "status", "ok") != "ok" or getattr(d, "superseded_by", None) is not None:
            continue
        path = getattr(d, "path", None)
        if path is not None and path.exists():
            out.append(d)
    return out


def _document_fingerprint(doc) -> str:
    content = getattr(doc, "sha256", None)
    if not content:
        st = doc.path.stat()
        content = f"{st.st_size}:{st.st_mtime_ns}"
    return passages_mod.fingerprint(f"{content}|extract-{CACHE_VERSION}")


def unindexed_documents(conn: sqlite3.Connection) -> list:
    """Fetched documents whose passages are missing or out of date (search mentions them)."""
    return [
        d
        for d in current_documents(conn)
        if passages_mod.stored_fingerprint(conn, d.id) != _document_fingerprint(d)
    ]


# --- steps ---------------------------------------------------------------------------------------


class Interrupted(Exception):
    """The caller asked the update to stop (``should_stop``); what was committed stays."""


def _check(should_stop: StopCheck | None) -> None:
    if should_stop is not None and should_stop():
        raise Interrupted


def sync_passages(
    conn: sqlite3.Connection,
    report: UpdateReport,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> None:
    docs = current_documents(conn)
    current_ids = {d.id for d in docs}
    for row in conn.execute("SELECT document_id FROM passage_sources").fetchall():
        if row[0] not in current_ids:
            report.passages_removed += passages_mod.remove_document(conn, row[0])
            report.documents_removed += 1
    # Passages whose document has no passage_sources row (a crash between writes cannot leave
    # any, since both are in one transaction, but an older version of this code might have).
    for row in conn.execute(
        "SELECT DISTINCT document_id FROM passages WHERE document_id NOT IN (SELECT document_id FROM passage_sources)"
    ).fetchall():
        report.passages_removed += passages_mod.remove_document(conn, row[0])
    for n, doc in enumerate(docs):
        _check(should_stop)
        if progress:
            progress("documents", n, len(docs))
        fp = _document_fingerprint(doc)
        if passages_mod.stored_fingerprint(conn, doc.id) == fp:
            report.documents_unchanged += 1
            continue
        try:
            structure = load(doc.path)
        except Exception as exc:  # one unreadable file must not stop the others
            report.documents_failed.append((doc.reading_key, f"{type(exc).__name__}: {exc}"))
            continue
        added, removed = passages_mod.replace_passages(
            conn,
            document_id=doc.id,
            reading_key=doc.reading_key,
            fingerprint=fp,
            passages=passages_mod.split(structure),
        )
        report.documents_indexed += 1
        report.passages_added += added
        report.passages_removed += removed
    if progress:
        progress("documents", len(docs), len(docs))


def _remove_stale(conn: sqlite3.Connection, kind: str, wanted: dict[int, str]) -> int:
    """Delete vectors (of every model) whose item is gone or whose text is no longer the same."""
    stale = [
        (r[0], r[1])
        for r in conn.execute("SELECT item_id, model, content_hash FROM embeddings WHERE kind = ?", (kind,))
        if wanted.get(r[0]) != r[2]
    ]
    if stale:
        with write(conn):
            conn.executemany(
                "DELETE FROM embeddings WHERE kind = ? AND item_id = ? AND model = ?",
                [(kind, i, m) for i, m in stale],
            )
    return len(stale)


def _embed_missing(
    conn: sqlite3.Connection,
    kind: str,
    embedder: Embedder,
    inputs: dict[int, str],
    hashes: dict[int, str],
    progress: Progress | None,
    batch: int = BATCH,
    should_stop: StopCheck | None = None,
) -> int:
    have = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT item_id, content_hash FROM embeddings WHERE kind = ? AND model = ?", (kind, embedder.name)
        )
    }
    todo = [i for i in inputs if have.get(i) != hashes[i]]
    stage = f"{kind}s"
    for start in range(0, len(todo), batch):
        _check(should_stop)
        if progress:
            progress(stage, start, len(todo))
        ids = todo[start : start + batch]
        vectors = check_finite(embedder, embedder.embed([inputs[i] for i in ids]))
        with write(conn):
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (kind, item_id, model, content_hash, dim, vector)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (kind, i, embedder.name, hashes[i], int(vectors.shape[1]), to_blob(v))
                    for i, v in zip(ids, vectors, strict=False)
                ],
            )
    if progress:
        progress(stage, len(todo), len(todo))
    return len(todo)


def note_inputs(conn: sqlite3.Connection) -> dict[int, str]:
    return {n.id: note_input(n) for n in list_notes(conn)}


def sync_note_embeddings(
    conn: sqlite3.Connection,
    embedder: Embedder,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> tuple[int, int]:
    """Embed new and changed notes, drop vectors of deleted ones. Returns (embedded, removed)."""
    inputs = note_inputs(conn)
    hashes = {i: input_hash(t) for i, t in inputs.items()}
    removed = _remove_stale(conn, "note", hashes)
    return _embed_missing(conn, "note", embedder, inputs, hashes, progress, should_stop=should_stop), removed


def sync_passage_embeddings(
    conn: sqlite3.Connection,
    embedder: Embedder,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> tuple[int, int]:
    inputs = {
        r[0]: passage_input(r[1], r[2]) for r in conn.execute("SELECT id, section_title, text FROM passages")
    }
    hashes = {i: input_hash(t) for i, t in inputs.items()}
    removed = _remove_stale(conn, "passage", hashes)
    embedded = _embed_missing(conn, "passage", embedder, inputs, hashes, progress, should_stop=should_stop)
    return embedded, removed


def previous_variant(conn: sqlite3.Connection, name: str) -> str | None:
    """Another variant of the same model whose vectors cover more items than ``name``'s do: the
    variant the index was built with before it changed (None when ``name`` is the current one)."""
    counts = {
        r[0]: r[1]
        for r in conn.execute("SELECT model, count(*) FROM embeddings GROUP BY model")
        if base_name(r[0]) == base_name(name)
    }
    mine = counts.pop(name, 0)
    best = max(counts.items(), key=lambda kv: kv[1], default=None)
    return best[0] if best is not None and best[1] > mine else None


def refresh_faiss(conn: sqlite3.Connection, embedder: Embedder) -> dict[str, str]:
    """Bring both FAISS caches up to date, rebuilding one that should change type or carries many
    changes beside it (``vectors.compact``: searches go on meanwhile)."""
    states = {}
    for kind in ("note", "passage"):
        states[kind] = vectors.compact(conn, kind, embedder.name, embedder.dim).state
    return states


def update_index(
    conn: sqlite3.Connection,
    *,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    should_stop: StopCheck | None = None,
) -> UpdateReport:
    """Bring passages, embeddings and the FAISS caches up to date; see the module docstring."""
    started = time.monotonic()
    report = UpdateReport()
    try:
        sync_passages(conn, report, progress, should_stop)
        if progress:
            progress("model", 0, 1)
        embedder = embedder or get_embedder(conn)
        report.model, report.backend = embedder.name, type(embedder).__name__
        old = previous_variant(conn, embedder.name)
        if old is not None:
            report.variant_change = {"from": old, "to": embedder.name}
        report.notes_embedded, removed_notes = sync_note_embeddings(conn, embedder, progress, should_stop)
        report.passages_embedded, removed_passages = sync_passage_embeddings(
            conn, embedder, progress, should_stop
        )
        report.embeddings_removed = removed_notes + removed_passages
        _check(should_stop)
        if progress:
            progress("faiss", 0, 1)
        report.faiss = refresh_faiss(conn, embedder)
        if progress:
            progress("faiss", 1, 1)
    except Interrupted:
        report.interrupted = True
    report.seconds = time.monotonic() - started
    return report


def drop_broken_vectors(conn: sqlite3.Connection) -> int:
    """Delete stored vectors that are not ``dim`` finite numbers (left by a damaged model file
    before they were refused at the door), so that the next update embeds those items again."""
    broken: list[tuple[str, int, str]] = []
    last_rowid = 0
    while True:  # in chunks: 100k vectors are 150 MB
        rows = conn.execute(
            "SELECT rowid, kind, item_id, model, dim, vector FROM embeddings WHERE rowid > ? ORDER BY rowid"
            " LIMIT 2000",
            (last_rowid,),
        ).fetchall()
        if not rows:
            break
        last_rowid = rows[-1][0]
        for r in rows:
            blob, dim = r[5], r[4]
            if len(blob) != 4 * dim or not bool(finite_rows(from_blobs([blob], dim))[0]):
                broken.append((r[1], r[2], r[3]))
    if broken:
        with write(conn):
            conn.executemany("DELETE FROM embeddings WHERE kind = ? AND item_id = ? AND model = ?", broken)
    return len(broken)


def rebuild(
    conn: sqlite3.Connection,
    *,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    should_stop: StopCheck | None = None,
) -> UpdateReport:
    """Re-split every document, embed again any broken vector, rebuild the FAISS files (vectors of
    unchanged text are kept)."""
    broken = drop_broken_vectors(conn)
    with write(conn):
        conn.execute("UPDATE passage_sources SET fingerprint = 'rebuild'")
    vectors.forget()
    for path in paths.index_dir().glob("*.faiss"):
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
    report = update_index(conn, progress=progress, embedder=embedder, should_stop=should_stop)
    report.broken_vectors_removed = broken
    return report


def status(conn: sqlite3.Connection) -> dict:
    """Counts, the model and its variant, the state of each cache, without loading any model (the
    export's files are hashed, ~0.2 s, so a damaged one is reported as such)."""
    from index import onnx_model  # ~10 ms; `index status` only

    spec = model_spec(conn)
    export, problem = onnx_model.check_export(spec, every_file=True)
    failed = onnx_model.export_failed(spec)
    name = export.name if export else spec.name  # what the vectors of the current variant are called
    docs = current_documents(conn)
    stale_docs = [d for d in docs if passages_mod.stored_fingerprint(conn, d.id) != _document_fingerprint(d)]
    notes = conn.execute("SELECT count(*) FROM notes WHERE deleted_at IS NULL").fetchone()[0]
    passage_count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    by_model = {
        f"{r[0]}:{r[1]}": r[2]
        for r in conn.execute(
            "SELECT kind, model, count(*) FROM embeddings GROUP BY kind, model ORDER BY kind, model"
        )
    }
    embedded = {kind: by_model.get(f"{kind}:{name}", 0) for kind in ("note", "passage")}
    onnx: dict = {"verified": False, "problem": problem, "error": (failed or {}).get("error")}
    if export is not None:
        onnx = {
            "verified": True,
            "variant": export.variant,
            "min_cosine": export.min_cosine,
            "max_tokens": export.max_tokens,
            "dir": str(export.directory),
            "int8_error": (export.status.get("int8") or {}).get("error"),
        }
    return {
        "model": spec.name,
        "vectors": name,
        "model_source": spec.source,
        "backend": "onnx" if export else "sentence-transformers",
        "onnx": onnx,
        "documents": len(docs),
        "documents_unindexed": len(stale_docs),
        "notes": notes,
        "passages": passage_count,
        "embedded": embedded,
        "missing": {
            "note": max(0, notes - embedded["note"]),
            "passage": max(0, passage_count - embedded["passage"]),
        },
        "previous_variant": previous_variant(conn, name),
        "embeddings_by_model": by_model,
        "faiss": {kind: vectors.describe(conn, kind, name) for kind in ("note", "passage")},
    }
