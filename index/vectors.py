"""The FAISS vector index: a cache of the ``embeddings`` table, one file per kind and model.

``index_dir()/<kind>-<model>.faiss`` holds the vectors keyed by their row id (``IndexIDMap``);
a JSON sidecar beside it records the count, a checksum (sha256 over the sorted
``(item_id, content_hash)`` pairs) and the sha256 of the index file's own bytes. SQLite stays the
truth: on open the sidecar is compared with the table and with the file, and the file is rebuilt
from SQLite when it is missing, stale, truncated, from another process's save, or otherwise
unreadable. Files are written atomically (library.atomic: unique temp file, fsync, rename).

Within a process an open index is kept and checked before each query with one tiny query
(``embedding_generations``, bumped by triggers on every change to ``embeddings``); only when
that moved is the checksum recomputed and the index patched (additions, and removals from a
flat index) or rebuilt.

Threads: the app searches, finds related passages and indexes in three worker threads at once.
An open :class:`VectorIndex` is never changed once other threads can see it (copy-on-write): a
patch is made on a clone (``faiss.clone_index``: ~0.1 s and a second copy of the vectors for a
moment at 100k) and swapped in under :data:`_LOCK`, so a search still running on the old one
finishes on it. FAISS allows concurrent searches of one index but nothing beside a change: the
in-place patch this replaced aborted the process ("double free or corruption") in a stress run.

Which FAISS index: exact inner product (``IndexFlatIP``) while small, HNSW past
:data:`HNSW_THRESHOLD` vectors. Measured on this 2-core machine (tests/benchmarks/bench_search.py,
384-dim vectors jittered from the corpus passages' real ones, one query, one thread): a flat
search costs ~0.075 ms per thousand vectors (0.5 ms at 10k, 7.7 ms at 100k, 14 ms at 200k) and
is exact; HNSW (M=32, efSearch=96) answers in ~0.4 ms at any of those sizes with recall@10 >=
0.998, but costs ~0.17 ms per vector to build (17 s at 100k) and cannot delete, so a changed
passage means a rebuild. A whole warm query (embedding ~5 ms, BM25 ~8 ms, both vector searches,
snippets) measured ~25-30 ms with 100k flat passages: past ~120k the flat scan alone would push
it over the 30 ms target, so that is where HNSW's build cost starts paying for itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.model_spec import slug as _slug
from library import atomic, paths

if TYPE_CHECKING:
    import numpy as np

HNSW_THRESHOLD = 120_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# With a filter and an approximate index, fewer allowed ids than this are scored exactly instead.
EXACT_FILTER_MAX = 20_000
SIDECAR_FORMAT = 2  # 2: the sidecar also holds the file's own sha256


def index_path(kind: str, model_slug: str) -> Path:
    return paths.index_dir() / f"{kind}-{model_slug}.faiss"


def sidecar_path(kind: str, model_slug: str) -> Path:
    return index_path(kind, model_slug).with_suffix(".json")


def _db_file(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return row[2] or f"memory:{id(conn)}"


def generation(conn: sqlite3.Connection, kind: str, model: str) -> int:
    row = conn.execute(
        "SELECT generation FROM embedding_generations WHERE kind = ? AND model = ?", (kind, model)
    ).fetchone()
    return row[0] if row else 0


def sqlite_state(conn: sqlite3.Connection, kind: str, model: str) -> tuple[int, str, list[tuple[int, str]]]:
    """(count, checksum, pairs) of the stored embeddings: what the FAISS file must match."""
    pairs = conn.execute(
        "SELECT item_id, content_hash FROM embeddings WHERE kind = ? AND model = ? ORDER BY item_id",
        (kind, model),
    ).fetchall()
    digest = hashlib.sha256()
    for item_id, content_hash in pairs:
        digest.update(f"{item_id}:{content_hash}\n".encode())
    return len(pairs), digest.hexdigest(), [(p[0], p[1]) for p in pairs]


def _file_sha256(path: Path) -> str:
    """The file's own checksum (about 0.15 s per 100k vectors): the sidecar vouches for exactly these bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _new_index(dim: int, count: int):
    # ~0.3 s to import faiss (it loads its BLAS-backed shared library): only when vectors are needed.
    import faiss

    inner: Any
    if count >= HNSW_THRESHOLD:
        inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        inner = faiss.IndexFlatIP(dim)
    return faiss.IndexIDMap(inner)


def _is_hnsw(index) -> bool:
    import faiss

    return isinstance(faiss.downcast_index(index.index), faiss.IndexHNSW)


@dataclass(frozen=True)
class VectorIndex:
    """An open FAISS index for one kind ('note' or 'passage') and one model; never changed once
    published in :data:`_OPEN` (a change makes a new one), so any thread may search it."""

    kind: str
    model: str
    dim: int
    index: Any  # a faiss.IndexIDMap (faiss is untyped for mypy: see pyproject.toml)
    checksum: str
    generation: int
    ids: dict[int, str] = field(default_factory=dict)  # item_id -> content_hash
    # How it was opened this time: "loaded", or "rebuilt (<why>)"; for `index status` and tests.
    state: str = "loaded"

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    @property
    def type(self) -> str:
        return "hnsw" if _is_hnsw(self.index) else "flat"

    def search(
        self, conn: sqlite3.Connection, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest items to ``query`` (inner product), optionally only among ``allowed``."""
        import faiss
        import numpy as np

        if self.count == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        hnsw = _is_hnsw(self.index)
        if allowed is not None and hnsw and len(allowed) <= EXACT_FILTER_MAX:
            return _exact(conn, self.kind, self.model, self.dim, q[0], k, allowed)
        # One thread for one query: OpenMP's start-up and barriers cost more than they save on a
        # single vector (measured: 7 ms single-threaded vs 14-48 ms on two busy cores at 100k).
        faiss.omp_set_num_threads(1)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
                if hnsw
                else faiss.SearchParameters(sel=selector)
            )
        elif hnsw:
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        scores, ids = self.index.search(q, min(k, self.count), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=False) if i != -1]


def _exact(conn, kind, model, dim, query, k, allowed) -> list[tuple[int, float]]:
    from index.embed import from_blobs

    ids = sorted(allowed)
    rows = []
    for start in range(0, len(ids), 900):  # SQLite's parameter limit
        chunk = ids[start : start + 900]
        rows += conn.execute(
            "SELECT item_id, vector FROM embeddings WHERE kind = ? AND model = ?"
            f" AND item_id IN ({','.join('?' * len(chunk))})",
            (kind, model, *chunk),
        ).fetchall()
    if not rows:
        return []
    scores = from_blobs([r[1] for r in rows], dim) @ query
    best = scores.argsort()[::-1][:k]
    return [(int(rows[i][0]), float(scores[i])) for i in best]


# Open indexes of this process: (database file, kind, model) -> VectorIndex. Replaced, never
# changed in place, and only under _LOCK; a plain read of a current entry needs no lock.
_OPEN: dict[tuple[str, str, str], VectorIndex] = {}
# Held while an index is checked against SQLite and patched, loaded or rebuilt: one thread does
# that work and the others wait for its result rather than repeat it.
_LOCK = threading.RLock()


def forget() -> None:
    """Drop this process's open indexes (tests; after the data home moved)."""
    with _LOCK:
        _OPEN.clear()


def open_index(conn: sqlite3.Connection, kind: str, model: str, dim: int) -> VectorIndex:
    """The index for ``kind``/``model``, current with SQLite: reused, patched, loaded or rebuilt."""
    key = (_db_file(conn), kind, model)
    gen = generation(conn, kind, model)
    cached = _OPEN.get(key)
    if cached is not None and cached.generation == gen and cached.dim == dim:
        return cached
    with _LOCK:
        cached = _OPEN.get(key)
        if cached is not None and cached.generation == gen and cached.dim == dim:
            return cached  # another thread brought it up to date meanwhile
        vi = _refreshed(conn, cached, kind, model, dim, gen)
        _OPEN[key] = vi
        return vi


def _refreshed(
    conn: sqlite3.Connection, cached: VectorIndex | None, kind: str, model: str, dim: int, gen: int
) -> VectorIndex:
    count, checksum, pairs = sqlite_state(conn, kind, model)
    if cached is not None and cached.dim == dim:
        if cached.checksum == checksum:
            return dataclasses.replace(cached, generation=gen)
        patched = _patch(conn, cached, pairs, checksum, gen)
        if patched is not None:
            _save(patched)
            return patched
    vi = _load(kind, model, dim, count, checksum, gen, pairs)
    if vi is None:
        vi = _build(
            conn, kind, model, dim, checksum, gen, pairs, reason=_stale_reason(kind, model, count, checksum)
        )
        _save(vi)
    return vi


def _stale_reason(kind: str, model: str, count: int, checksum: str) -> str:
    path, side = index_path(kind, _slug(model)), sidecar_path(kind, _slug(model))
    if not path.exists():
        return "missing"
    try:
        meta = json.loads(side.read_text())
    except (OSError, ValueError):
        return "no sidecar"
    if meta.get("count") != count or meta.get("checksum") != checksum:
        return "stale"
    return "corrupt"


def _load(kind, model, dim, count, checksum, gen, pairs) -> VectorIndex | None:
    """The file on disk if its sidecar matches SQLite and FAISS can read it whole; else None."""
    import faiss

    path, side = index_path(kind, _slug(model)), sidecar_path(kind, _slug(model))
    try:
        meta = json.loads(side.read_text())
    except (OSError, ValueError):
        return None
    if (
        meta.get("format") != SIDECAR_FORMAT
        or meta.get("count") != count
        or meta.get("checksum") != checksum
        or meta.get("dim") != dim
        or not path.exists()
        or path.stat().st_size != meta.get("bytes")
    ):
        return None
    try:
        # The file and its sidecar are replaced one after the other; when two processes save at
        # once, a sidecar can end up beside the other process's file. Only matching bytes count.
        if _file_sha256(path) != meta.get("file_sha256"):
            return None
    except OSError:
        return None
    try:
        index = faiss.read_index(str(path))
    except Exception:  # RuntimeError from a truncated or garbled file, MemoryError from a bad header
        return None
    if index.ntotal != count or index.d != dim:
        return None
    return VectorIndex(kind, model, dim, index, checksum, gen, dict(pairs), state="loaded")


def _vectors(conn, kind, model, dim, ids: list[int] | None = None):
    import numpy as np

    from index.embed import from_blobs

    if ids is None:
        rows = conn.execute(
            "SELECT item_id, vector FROM embeddings WHERE kind = ? AND model = ? ORDER BY item_id",
            (kind, model),
        ).fetchall()
    else:
        rows = []
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            rows += conn.execute(
                f"SELECT item_id, vector FROM embeddings WHERE kind = ? AND model = ?"
                f" AND item_id IN ({','.join('?' * len(chunk))})",
                (kind, model, *chunk),
            ).fetchall()
    item_ids = np.array([r[0] for r in rows], dtype=np.int64)
    return item_ids, from_blobs([r[1] for r in rows], dim)


def _build(conn, kind, model, dim, checksum, gen, pairs, *, reason: str) -> VectorIndex:
    import faiss

    item_ids, vectors = _vectors(conn, kind, model, dim)
    index = _new_index(dim, len(item_ids))
    if len(item_ids):
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # building HNSW does use every core
        index.add_with_ids(vectors, item_ids)
    # The rows may have moved between reading pairs and vectors: trust what was actually read.
    hashes = dict(pairs)
    return VectorIndex(
        kind,
        model,
        dim,
        index,
        checksum,
        gen,
        {int(i): hashes.get(int(i), "") for i in item_ids},
        state=f"rebuilt ({reason})",
    )


def _patch(conn, vi: VectorIndex, pairs, checksum, gen) -> VectorIndex | None:
    """``vi`` brought up to date on a copy when that is cheap; None when it needs a rebuild."""
    import faiss
    import numpy as np

    now = dict(pairs)
    removed = [i for i, h in vi.ids.items() if now.get(i) != h]
    added = [i for i, h in now.items() if vi.ids.get(i) != h]
    if removed and vi.type == "hnsw":
        return None  # HNSW cannot delete
    if vi.type == "flat" and vi.count + len(added) - len(removed) >= HNSW_THRESHOLD:
        return None  # grown past the threshold: rebuild as HNSW
    index = faiss.clone_index(vi.index)  # other threads may be searching vi.index right now
    ids = dict(vi.ids)
    if removed:
        index.remove_ids(np.array(removed, dtype=np.int64))
        for i in removed:
            ids.pop(i, None)
    if added:
        item_ids, vectors = _vectors(conn, vi.kind, vi.model, vi.dim, added)
        index.add_with_ids(vectors, item_ids)
        for i in item_ids:
            ids[int(i)] = now[int(i)]
    if index.ntotal != len(now):
        return None
    return dataclasses.replace(vi, index=index, checksum=checksum, generation=gen, ids=ids, state="patched")


def _save(vi: VectorIndex) -> None:
    import faiss

    path, side = index_path(vi.kind, _slug(vi.model)), sidecar_path(vi.kind, _slug(vi.model))
    with atomic.replacing(path) as tmp:
        faiss.write_index(vi.index, str(tmp))
        size, file_sha256 = tmp.stat().st_size, _file_sha256(tmp)
    atomic.write_text(
        side,
        json.dumps(
            {
                "format": SIDECAR_FORMAT,
                "kind": vi.kind,
                "model": vi.model,
                "dim": vi.dim,
                "count": vi.count,
                "checksum": vi.checksum,
                "type": vi.type,
                "bytes": size,
                "file_sha256": file_sha256,
            },
            indent=2,
        ),
    )


def describe(conn: sqlite3.Connection, kind: str, model: str) -> dict:
    """The cache file's state without loading it: for `syllabus index status`."""
    path, side = index_path(kind, _slug(model)), sidecar_path(kind, _slug(model))
    count, checksum, _ = sqlite_state(conn, kind, model)
    out = {"file": str(path), "exists": path.exists(), "embeddings": count}
    try:
        meta = json.loads(side.read_text())
    except (OSError, ValueError):
        meta = None
    if meta:
        out.update(type=meta.get("type"), count=meta.get("count"))
    fresh = bool(
        meta
        and path.exists()
        and meta.get("count") == count
        and meta.get("checksum") == checksum
        and path.stat().st_size == meta.get("bytes")
    )
    out["state"] = (
        "fresh" if fresh else ("missing" if not path.exists() else "stale (rebuilt on next search)")
    )
    return out
