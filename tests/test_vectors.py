"""The FAISS cache: rebuilt from SQLite when missing, stale, truncated or garbled; patched in place."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fakes import BagOfWords

from index import search, update, vectors
from index.notes import add_note, delete_note, edit_note

TOPICS = [
    "adam moments",
    "dropout masks",
    "beam search",
    "layer norm",
    "residual streams",
    "softmax heat",
    "kv cache",
    "warmup schedule",
    "weight decay",
    "label smoothing",
    "mixture experts",
    "pipeline stages",
]


@pytest.fixture
def indexed(conn):
    emb = BagOfWords()
    for i, topic in enumerate(TOPICS):
        add_note(conn, body=f"{topic} note {i}")
    update.sync_note_embeddings(conn, emb)
    return emb


def results(conn, emb):
    return [
        (h.id, round(h.score, 6))
        for h in search.search(conn, "warmup schedule and weight decay", embedder=emb, k=5)
    ]


def reopen():
    """What a new process sees: nothing open in memory."""
    vectors.forget()


def note_file(emb):
    return vectors.index_path("note", emb.name)


def test_first_open_builds_and_saves_then_loads(conn, indexed):
    first = results(conn, indexed)
    assert vectors.open_index(conn, "note", indexed.name, indexed.dim).state == "rebuilt (missing)"
    meta = json.loads(vectors.sidecar_path("note", indexed.name).read_text())
    assert meta["count"] == len(TOPICS) and meta["type"] == "flat"
    reopen()
    assert results(conn, indexed) == first
    assert vectors.open_index(conn, "note", indexed.name, indexed.dim).state == "loaded"


@pytest.mark.parametrize("damage", ["delete", "truncate", "garble", "sidecar"])
def test_damaged_file_gives_same_results_and_is_rebuilt(conn, indexed, damage):
    before = results(conn, indexed)
    path = note_file(indexed)
    size = path.stat().st_size
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    elif damage == "garble":
        data = bytearray(path.read_bytes())
        data[:64] = b"\xff" * 64  # wrong header, same length: only FAISS can tell
        path.write_bytes(bytes(data))
    else:
        vectors.sidecar_path("note", indexed.name).write_text("{not json")
    reopen()
    assert results(conn, indexed) == before
    state = vectors.open_index(conn, "note", indexed.name, indexed.dim).state
    assert state.startswith("rebuilt")
    assert path.stat().st_size == size  # written back whole
    reopen()
    assert vectors.open_index(conn, "note", indexed.name, indexed.dim).state == "loaded"


def test_garbled_bytes_with_matching_sidecar_are_caught_by_faiss(conn, indexed):
    results(conn, indexed)
    path = note_file(indexed)
    data = bytearray(path.read_bytes())
    data[:8] = b"XXXXXXXX"
    path.write_bytes(bytes(data))
    reopen()
    assert vectors.open_index(conn, "note", indexed.name, indexed.dim).state == "rebuilt (corrupt)"


def test_stale_file_from_another_state_is_rebuilt(conn, indexed):
    results(conn, indexed)
    reopen()
    add_note(conn, body="an extra note written while no index was open")
    update.sync_note_embeddings(conn, indexed)
    vi = vectors.open_index(conn, "note", indexed.name, indexed.dim)
    assert vi.state == "rebuilt (stale)" and vi.count == len(TOPICS) + 1


def test_open_index_is_patched_in_place(conn, indexed):
    results(conn, indexed)
    note = add_note(conn, body="brand new topic zebra")
    update.sync_note_embeddings(conn, indexed)
    vi = vectors.open_index(conn, "note", indexed.name, indexed.dim)
    assert vi.state == "patched" and vi.count == len(TOPICS) + 1
    delete_note(conn, note.id)
    update.sync_note_embeddings(conn, indexed)
    vi = vectors.open_index(conn, "note", indexed.name, indexed.dim)
    assert vi.count == len(TOPICS) and note.id not in vi.ids
    reopen()  # and what was saved matches SQLite
    assert vectors.open_index(conn, "note", indexed.name, indexed.dim).state == "loaded"


def test_hnsw_past_the_threshold_and_exact_filtered_search(conn, indexed, monkeypatch):
    monkeypatch.setattr(vectors, "HNSW_THRESHOLD", 5)
    vi = vectors.compact(conn, "note", indexed.name, indexed.dim)
    assert vi.type == "hnsw"
    query = indexed.embed(["dropout masks"])[0]
    assert vi.search(conn, query, 1)[0][0] == 2  # note 2 is "dropout masks"
    allowed = {5, 7}
    found = vi.search(conn, query, 5, allowed)
    assert {i for i, _ in found} == allowed
    flat = [s for _, s in sorted(found)]
    expected = [float(indexed.embed([f"{TOPICS[i - 1]} note {i - 1}"])[0] @ query) for i in sorted(allowed)]
    assert np.allclose(flat, expected, atol=1e-5)


def test_a_file_beside_another_saves_sidecar_is_not_trusted(conn, indexed):
    """Two processes saving at once can leave one's file beside the other's sidecar: rebuild, never trust."""
    first = results(conn, indexed)
    path = note_file(indexed)
    old_bytes = path.read_bytes()
    edit_note(conn, 1, body="warmup schedule and weight decay, rewritten")  # same count, new vector
    update.sync_note_embeddings(conn, indexed)
    reopen()
    second = results(conn, indexed)
    assert second != first
    assert path.read_bytes() != old_bytes
    path.write_bytes(old_bytes)  # the older file lands last, beside the newer sidecar (same size)
    reopen()
    assert results(conn, indexed) == second
    assert vectors.open_index(conn, "note", indexed.name, indexed.dim).state.startswith("rebuilt")


WORDS = [t.split()[0] for t in TOPICS] + [t.split()[1] for t in TOPICS]


@pytest.fixture
def many(conn):
    """300 notes of three words each, so that an HNSW graph has levels and neighbours to get wrong."""
    emb = BagOfWords()
    rng = np.random.default_rng(7)
    for i in range(300):
        add_note(conn, body=" ".join(rng.choice(WORDS, size=3, replace=False)) + f" n{i}")
    update.sync_note_embeddings(conn, emb)
    return emb


def exact_top(conn, emb, query, k):
    """The true nearest notes, scored from SQLite's vectors: what any index must return."""
    ids = [r[0] for r in conn.execute("SELECT item_id FROM embeddings WHERE kind = 'note'")]
    vi_all = vectors._exact(conn, "note", emb.name, emb.dim, query, k, set(ids))
    return [round(s, 5) for _, s in vi_all]


def top_scores(vi, conn, query, k=10):
    return [round(s, 5) for _, s in vi.search(conn, query, k)]


QUERIES = ["adam dropout", "beam layer", "kv cache warmup", "weight smoothing experts", "softmax"]


def test_the_index_turns_hnsw_at_the_threshold_and_answers_as_flat_does(conn, many, monkeypatch):
    flat = vectors.open_index(conn, "note", many.name, many.dim)
    assert flat.type == "flat" and not vectors.needs_compaction(flat)
    monkeypatch.setattr(vectors, "HNSW_THRESHOLD", 300)
    assert vectors.needs_compaction(flat)
    hnsw = vectors.compact(conn, "note", many.name, many.dim)
    assert hnsw.type == "hnsw" and hnsw.state == "rebuilt (compacted)" and hnsw.count == 300
    for text in QUERIES:
        query = many.embed([text])[0]
        assert (
            top_scores(hnsw, conn, query) == top_scores(flat, conn, query) == exact_top(conn, many, query, 10)
        )
    reopen()  # a new process loads the HNSW file
    loaded = vectors.open_index(conn, "note", many.name, many.dim)
    assert loaded.state == "loaded" and loaded.type == "hnsw"


def test_changes_after_hnsw_go_beside_it_and_search_as_a_rebuild_would(conn, many, monkeypatch):
    monkeypatch.setattr(vectors, "HNSW_THRESHOLD", 100)
    assert vectors.open_index(conn, "note", many.name, many.dim).type == "flat"  # no search waits for HNSW
    base = vectors.compact(conn, "note", many.name, many.dim)
    assert base.type == "hnsw"
    query = many.embed(["kv cache warmup"])[0]
    best = base.search(conn, query, 3)[0][0]
    delete_note(conn, best)
    edit_note(conn, 1, body="kv cache warmup schedule")  # changed: its old vector must not be found
    added = add_note(conn, body="warmup kv cache")
    update.sync_note_embeddings(conn, many)
    vi = vectors.open_index(conn, "note", many.name, many.dim)
    assert vi.state == "patched" and vi.type == "hnsw" and vi.index is base.index  # no rebuild
    assert vi.hidden == {best, 1} and vi.recent_ids == {1, added.id} and vi.count == 300
    found = vi.search(conn, query, 10)
    assert best not in {i for i, _ in found}
    assert {1, added.id} <= {i for i, _ in found}
    assert [round(s, 5) for _, s in found] == exact_top(conn, many, query, 10)
    # Filtered searches see the changes too (scored exactly below EXACT_FILTER_MAX, through FAISS above).
    allowed = {i for i in vi.ids if i % 2} | {best, 1, added.id}
    expected = vectors._exact(conn, "note", many.name, many.dim, query, 10, allowed - {best})
    for exact_below in (vectors.EXACT_FILTER_MAX, 0):
        monkeypatch.setattr(vectors, "EXACT_FILTER_MAX", exact_below)
        found = vi.search(conn, query, 10, allowed)
        assert best not in {i for i, _ in found}
        assert [round(s, 5) for _, s in found] == [round(s, 5) for _, s in expected]
    reopen()  # what was saved (the side file and the hidden ids) is what SQLite holds
    loaded = vectors.open_index(conn, "note", many.name, many.dim)
    assert loaded.state == "loaded" and loaded.hidden == vi.hidden and loaded.recent_ids == vi.recent_ids
    assert top_scores(loaded, conn, query) == exact_top(conn, many, query, 10)
    # Enough changes and index update's compact() rebuilds: nothing beside it any more.
    monkeypatch.setattr(vectors, "COMPACT_MIN_CHANGES", 2)
    monkeypatch.setattr(vectors, "COMPACT_SHARE", 0.0)
    assert update.refresh_faiss(conn, many)["note"] == "rebuilt (compacted)"
    fresh = vectors.open_index(conn, "note", many.name, many.dim)
    assert fresh.changes == 0 and fresh.count == 300 and fresh.type == "hnsw"
    assert not vectors.recent_path("note", many.name).exists()
    assert top_scores(fresh, conn, query) == exact_top(conn, many, query, 10)


@pytest.mark.parametrize("damage", ["delete", "garble", "recent"])
def test_a_missing_or_damaged_hnsw_file_is_rebuilt_from_sqlite(conn, many, monkeypatch, damage):
    monkeypatch.setattr(vectors, "HNSW_THRESHOLD", 100)
    vectors.compact(conn, "note", many.name, many.dim)
    delete_note(conn, 5)
    add_note(conn, body="adam dropout beam")
    update.sync_note_embeddings(conn, many)
    query = many.embed(["adam dropout"])[0]
    before = top_scores(vectors.open_index(conn, "note", many.name, many.dim), conn, query)
    path = note_file(many) if damage != "recent" else vectors.recent_path("note", many.name)
    assert path.exists()
    if damage == "delete":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[-64:] = b"\xff" * 64
        path.write_bytes(bytes(data))
    reopen()
    vi = vectors.open_index(conn, "note", many.name, many.dim)
    # Rebuilt flat at once (a search never waits for an HNSW build), then HNSW by index update.
    assert vi.state.startswith("rebuilt") and vi.type == "flat" and vi.changes == 0
    assert top_scores(vi, conn, query) == before == exact_top(conn, many, query, 10)
    assert update.refresh_faiss(conn, many)["note"] == "rebuilt (compacted)"
    vi = vectors.open_index(conn, "note", many.name, many.dim)
    assert vi.type == "hnsw" and top_scores(vi, conn, query) == before


def test_a_rebuild_never_holds_searches_up(conn, many, monkeypatch):
    """compact() builds outside the lock: while it runs, another thread patches the open index and
    searches it; what changed meanwhile is in the index swapped in at the end."""
    import threading

    from index.db import connect

    monkeypatch.setattr(vectors, "HNSW_THRESHOLD", 100)
    monkeypatch.setattr(vectors, "COMPACT_MIN_CHANGES", 0)
    monkeypatch.setattr(vectors, "COMPACT_SHARE", 0.0)
    vectors.compact(conn, "note", many.name, many.dim)
    add_note(conn, body="a first change")
    update.sync_note_embeddings(conn, many)
    building, searched = threading.Event(), threading.Event()
    real_new_index = vectors._new_index

    def slow_new_index(dim, hnsw):
        building.set()
        # The build goes on once the other thread has searched; were that thread waiting for the
        # lock, this would time out instead.
        out["searched during the build"] = searched.wait(timeout=30)
        return real_new_index(dim, hnsw)

    monkeypatch.setattr(vectors, "_new_index", slow_new_index)
    out: dict = {}

    def compacting():
        c = connect()
        out["vi"] = vectors.compact(c, "note", many.name, many.dim)

    thread = threading.Thread(target=compacting)
    thread.start()
    assert building.wait(timeout=30)
    late = add_note(conn, body="written during the rebuild kv cache")
    update.sync_note_embeddings(conn, many)
    during = vectors.open_index(conn, "note", many.name, many.dim)
    query = many.embed(["written during the rebuild kv cache"])[0]
    assert during.search(conn, query, 1)[0][0] == late.id
    searched.set()
    thread.join(timeout=60)
    assert out["searched during the build"]
    assert out["vi"].state == "rebuilt (compacted)"
    assert out["vi"].recent_ids == {late.id} and out["vi"].count == 302
    assert vectors.open_index(conn, "note", many.name, many.dim) is out["vi"]
