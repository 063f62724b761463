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
    vi = vectors.open_index(conn, "note", indexed.name, indexed.dim)
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
