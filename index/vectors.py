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

Which FAISS index: exact inner product (``IndexFlatIP``) while small, HNSW from
:data:`HNSW_THRESHOLD` vectors. Measured on this 2-core machine (tests/benchmarks/bench_search.py,
384-dim vectors jittered from the corpus passages' real ones, one query, one thread): a flat
search costs ~0.08 ms per thousand vectors (0.3 ms at 10k, 4.0 ms at 50k, 8.8 ms at 100k) and is
exact; HNSW (M=32, efSearch=96) answers in ~0.35 ms at any of those sizes with recall@10 >= 0.998,
but costs ~0.15-0.2 ms per vector to build (6.9 s at 50k, 19 s at 100k). From 50k vectors the flat
scan is a fifth of a 20 ms warm query, so that is where HNSW starts. Only :func:`compact` builds
HNSW (``index update`` calls it at its end); a missing or damaged file is rebuilt flat (~1 s at
100k), so no search waits for an HNSW build, and the next ``index update`` makes it HNSW.

HNSW cannot delete, and its build takes seconds, so an HNSW index is never changed either: items
added or changed since it was built go to a small flat side index (``recent``), and the ones it
holds that were removed or changed are excluded from its searches (``hidden``, an ``IDSelector``);
both are searched and merged, which gives the same answers as a rebuild without waiting for one.
:func:`compact` rebuilds (a flat index grown past the threshold as HNSW; an HNSW index once its
side changes pass a tenth of it) outside :data:`_LOCK`, so searches go on meanwhile on what is
open, and swaps the result in with whatever changed during the build applied on top. On disk the
side index is a second file and ``hidden`` is in the sidecar, so a patch rewrites neither the big
file nor its checksum.
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

HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# With a filter and an approximate index, fewer allowed ids than this are scored exactly instead.
EXACT_FILTER_MAX = 20_000
# An HNSW index is rebuilt by compact() once its side changes (recent + hidden) pass this many and
# this share of it: a flat side of 10k costs ~0.8 ms a query, a rebuild at 100k ~19 s.
COMPACT_MIN_CHANGES = 2_000
COMPACT_SHARE = 0.1
SIDECAR_FORMAT = 3  # 2: the file's own sha256; 3: the side index of recent changes and the hidden ids


def index_path(kind: str, model_slug: str) -> Path:
    return paths.index_dir() / f"{kind}-{model_slug}.faiss"


def sidecar_path(kind: str, model_slug: str) -> Path:
    return index_path(kind, model_slug).with_suffix(".json")


def recent_path(kind: str, model_slug: str) -> Path:
    """The flat side index of items added or changed since an HNSW index was built."""
    return index_path(kind, model_slug).with_suffix(".recent.faiss")


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


def _new_index(dim: int, hnsw: bool):
    # ~0.3 s to import faiss (it loads its BLAS-backed shared library): only when vectors are needed.
    import faiss

    inner: Any
    if hnsw:
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
    published in :data:`_OPEN` (a change makes a new one), so any thread may search it.

    The items are those of ``index`` not in ``hidden``, plus those of ``recent`` (HNSW only; a flat
    index is patched itself, so both stay empty)."""

    kind: str
    model: str
    dim: int
    index: Any  # a faiss.IndexIDMap (faiss is untyped for mypy: see pyproject.toml)
    checksum: str
    generation: int
    ids: dict[int, str] = field(default_factory=dict)  # item_id -> content_hash
    # How it was opened this time: "loaded", or "rebuilt (<why>)"; for `index status` and tests.
    state: str = "loaded"
    recent: Any = None  # a flat faiss.IndexIDMap: items added or changed since `index` was built
    recent_ids: frozenset[int] = frozenset()
    hidden: frozenset[int] = frozenset()  # ids in `index` whose item was removed or changed since
    # (bytes, sha256) of `index` as last written to or read from its file: a patch that keeps
    # `index` need not write (and checksum) its hundreds of MB again.
    saved: tuple[int, str] | None = None

    @property
    def count(self) -> int:
        return int(self.index.ntotal) - len(self.hidden) + len(self.recent_ids)

    @property
    def type(self) -> str:
        return "hnsw" if _is_hnsw(self.index) else "flat"

    @property
    def changes(self) -> int:
        """Items changed since ``index`` was built and kept beside it (recent + hidden)."""
        return len(self.recent_ids) + len(self.hidden)

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
        found = _search_one(self.index, q, k, allowed, self.hidden, hnsw)
        if self.recent_ids:
            found += _search_one(self.recent, q, k, allowed, frozenset(), False)
            found.sort(key=lambda hit: -hit[1])
        return found[:k]


def _search_one(index, q, k: int, allowed: set[int] | None, hidden: frozenset[int], hnsw: bool):
    """Search one FAISS index, only among ``allowed`` (when given) and never ``hidden``."""
    import faiss
    import numpy as np

    # The selectors must outlive the search: FAISS keeps raw pointers to them.
    selectors: list[Any] = []
    if allowed is not None:
        wanted = allowed - hidden if hidden else allowed
        if not wanted:
            return []
        selectors.append(faiss.IDSelectorBatch(np.fromiter(wanted, dtype=np.int64, count=len(wanted))))
    elif hidden:
        selectors.append(faiss.IDSelectorBatch(np.fromiter(hidden, dtype=np.int64, count=len(hidden))))
        selectors.append(faiss.IDSelectorNot(selectors[0]))
    selector = selectors[-1] if selectors else None
    if index.ntotal == 0:
        return []
    params = None
    if hnsw:
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
    elif selector is not None:
        params = faiss.SearchParameters(sel=selector)
    scores, ids = index.search(q, min(k, int(index.ntotal)), params=params)
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
# (database file, kind, model) of the indexes being rebuilt by compact() right now, one at a time.
_COMPACTING: set[tuple[str, str, str]] = set()


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
            return _save(patched)
    vi = _load(kind, model, dim, count, checksum, gen, pairs)
    if vi is None:
        # Flat, whatever the size (~1 s at 100k, where HNSW takes 19 s or more): a search never
        # waits for an HNSW build; compact() (index update) makes it HNSW when it is big enough.
        reason = _stale_reason(kind, model, count, checksum)
        vi = _save(_build(conn, kind, model, dim, checksum, gen, pairs, reason=reason, hnsw=False))
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
    """The files on disk if their sidecar matches SQLite and FAISS can read them whole; else None."""
    slug = _slug(model)
    try:
        meta = json.loads(sidecar_path(kind, slug).read_text())
    except (OSError, ValueError):
        return None
    if (
        meta.get("format") != SIDECAR_FORMAT
        or meta.get("count") != count
        or meta.get("checksum") != checksum
        or meta.get("dim") != dim
    ):
        return None
    index = _read_vouched(index_path(kind, slug), meta.get("bytes"), meta.get("file_sha256"), dim)
    if index is None:
        return None
    recent, recent_ids = None, frozenset[int]()
    if meta.get("recent"):
        recent_meta = meta["recent"]
        recent = _read_vouched(
            recent_path(kind, slug), recent_meta.get("bytes"), recent_meta.get("sha256"), dim
        )
        if recent is None:
            return None
        recent_ids = frozenset(_stored_ids(recent))
    hidden = frozenset(int(i) for i in meta.get("hidden", []))
    vi = VectorIndex(
        kind,
        model,
        dim,
        index,
        checksum,
        gen,
        dict(pairs),
        state="loaded",
        recent=recent,
        recent_ids=recent_ids,
        hidden=hidden,
        saved=(meta["bytes"], meta["file_sha256"]),
    )
    return vi if vi.count == count else None


def _read_vouched(path: Path, size, sha256, dim: int):
    """The FAISS index in ``path`` if it is exactly the bytes its sidecar vouches for; else None."""
    import faiss

    try:
        if not path.exists() or path.stat().st_size != size:
            return None
        # The files and their sidecar are replaced one after the other; when two processes save at
        # once, a sidecar can end up beside the other process's file. Only matching bytes count.
        if _file_sha256(path) != sha256:
            return None
    except OSError:
        return None
    try:
        index = faiss.read_index(str(path))
    except Exception:  # RuntimeError from a truncated or garbled file, MemoryError from a bad header
        return None
    return index if index.d == dim else None


def _stored_ids(index) -> list[int]:
    import faiss

    return [int(i) for i in faiss.vector_to_array(index.id_map)]


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


def _build(conn, kind, model, dim, checksum, gen, pairs, *, reason: str, hnsw: bool) -> VectorIndex:
    import faiss

    item_ids, vectors = _vectors(conn, kind, model, dim)
    index = _new_index(dim, hnsw)
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
    """``vi`` brought up to date, on copies (other threads may be searching ``vi`` right now);
    None when the vectors read do not add up (rows changed meanwhile): rebuild."""
    import faiss
    import numpy as np

    now = dict(pairs)
    removed = [i for i, h in vi.ids.items() if now.get(i) != h]
    added = [i for i, h in now.items() if vi.ids.get(i) != h]
    ids = dict(vi.ids)
    for i in removed:
        ids.pop(i, None)
    item_ids, vectors = _vectors(conn, vi.kind, vi.model, vi.dim, added) if added else (None, None)
    if vi.type == "flat":
        # ~0.1 s and a second copy of the vectors for a moment at 100k; the file is rewritten.
        index = faiss.clone_index(vi.index)
        if removed:
            index.remove_ids(np.array(removed, dtype=np.int64))
        if item_ids is not None:
            index.add_with_ids(vectors, item_ids)
        patched = dataclasses.replace(vi, index=index, saved=None)
    else:
        # HNSW cannot delete: the old versions are hidden and the new ones go to the side index,
        # whose copy costs what the changes do; the HNSW index itself (and its file) is kept as is.
        recent = (
            faiss.clone_index(vi.recent)
            if vi.recent is not None
            else faiss.IndexIDMap(faiss.IndexFlatIP(vi.dim))
        )
        gone = [i for i in removed if i in vi.recent_ids]
        if gone:
            recent.remove_ids(np.array(gone, dtype=np.int64))
        hidden = vi.hidden | {i for i in removed if i not in vi.recent_ids}
        recent_ids = vi.recent_ids.difference(removed)
        if item_ids is not None:
            recent.add_with_ids(vectors, item_ids)
            recent_ids |= {int(i) for i in item_ids}
        patched = dataclasses.replace(vi, recent=recent, recent_ids=recent_ids, hidden=hidden)
    if item_ids is not None:
        for i in item_ids:
            ids[int(i)] = now[int(i)]
    patched = dataclasses.replace(patched, checksum=checksum, generation=gen, ids=ids, state="patched")
    return patched if patched.count == len(now) else None


def needs_compaction(vi: VectorIndex) -> bool:
    """Whether a rebuild would pay: a flat index past the threshold, an HNSW one far below it or
    carrying many changes beside it (each one searched flat, and a hidden id costs the filter)."""
    if vi.type == "flat":
        return vi.count >= HNSW_THRESHOLD
    return vi.count < HNSW_THRESHOLD // 2 or vi.changes > max(
        COMPACT_MIN_CHANGES, COMPACT_SHARE * vi.index.ntotal
    )


def compact(conn: sqlite3.Connection, kind: str, model: str, dim: int) -> VectorIndex:
    """The open index rebuilt from SQLite when :func:`needs_compaction` says so; else as it is.

    The build (seconds: ~19 s for HNSW at 100k on 2 cores) runs outside :data:`_LOCK`, so other
    threads go on searching, and patching, the open index meanwhile; what changed during the build
    is then applied on top of the new index under the lock, as any patch is, before it is swapped in.
    """
    key = (_db_file(conn), kind, model)
    vi = open_index(conn, kind, model, dim)
    with _LOCK:
        if not needs_compaction(vi) or key in _COMPACTING:
            return vi
        _COMPACTING.add(key)
    try:
        gen = generation(conn, kind, model)
        count, checksum, pairs = sqlite_state(conn, kind, model)
        hnsw = count >= HNSW_THRESHOLD
        built = _build(conn, kind, model, dim, checksum, gen, pairs, reason="compacted", hnsw=hnsw)
        with _LOCK:
            gen = generation(conn, kind, model)
            _, checksum, pairs = sqlite_state(conn, kind, model)
            # Compared item by item (~30 ms at 100k), not by checksum: rows that moved while the
            # build read them are in its ids with an empty hash, and are patched here.
            fresh = _patch(conn, built, pairs, checksum, gen)
            if fresh is None:  # rows moved while it was patched: keep the open one (still right)
                return open_index(conn, kind, model, dim)
            fresh = _save(dataclasses.replace(fresh, state=built.state))
            _OPEN[key] = fresh
            return fresh
    finally:
        with _LOCK:
            _COMPACTING.discard(key)


def _save(vi: VectorIndex) -> VectorIndex:
    """Write ``vi``'s files, then the sidecar that vouches for them; ``vi`` with its file's checksum."""
    slug = _slug(vi.model)
    path, side, recent = index_path(vi.kind, slug), sidecar_path(vi.kind, slug), recent_path(vi.kind, slug)
    saved = vi.saved
    if saved is None:
        saved = _write(vi.index, path)
    recent_meta = None
    if vi.recent_ids:
        size, sha256 = _write(vi.recent, recent)
        recent_meta = {"bytes": size, "sha256": sha256}
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
                "bytes": saved[0],
                "file_sha256": saved[1],
                "recent": recent_meta,
                "hidden": sorted(vi.hidden),
            },
            indent=2,
        ),
    )
    if not vi.recent_ids:
        recent.unlink(missing_ok=True)
    return dataclasses.replace(vi, saved=saved)


def _write(index, path: Path) -> tuple[int, str]:
    import faiss

    with atomic.replacing(path) as tmp:
        faiss.write_index(index, str(tmp))
        return tmp.stat().st_size, _file_sha256(tmp)


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
