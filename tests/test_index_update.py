"""`index update` beyond the happy path: a change of the model's variant, an interrupted run,
broken vectors refused at the door and repaired by `index rebuild`. A tiny deterministic embedder
stands in for the model (tests/fakes.py), so these run in a second."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fakes import BagOfWords

from index import update, vectors
from index.embed import BrokenVectors, from_blobs, to_blob
from index.model_spec import DEFAULT_NAME
from index.notes import add_note
from library.db import write

NOTES = 100


def add_notes(conn, n: int = NOTES) -> None:
    for i in range(n):
        add_note(conn, body=f"note {i} about topic{i % 13} and idea{i % 7}")


def stored(conn, model: str) -> int:
    return conn.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0]


def test_a_new_variant_re_embeds_everything_once_and_never_mixes(conn):
    add_notes(conn)
    old, new = BagOfWords("m"), BagOfWords("m@int8")
    first = update.update_index(conn, embedder=old)
    assert first.notes_embedded == NOTES and first.variant_change is None
    changed = update.update_index(conn, embedder=new)
    assert changed.variant_change == {"from": "m", "to": "m@int8"}
    assert changed.notes_embedded == NOTES and "m → m@int8" in changed.variant_note
    again = update.update_index(conn, embedder=new)
    assert (again.notes_embedded, again.variant_change, again.variant_note) == (0, None, "")
    # Each variant has its own vectors and its own FAISS file; a search opens only its own.
    assert stored(conn, "m") == stored(conn, "m@int8") == NOTES
    assert vectors.open_index(conn, "note", new.name, new.dim).count == NOTES
    assert vectors.index_path("note", "m_int8").exists()


def test_the_cli_reports_the_variant_change_before_and_after(run_cli, conn, monkeypatch):
    """A library embedded with the int8 variant, on a machine where only the plain model runs now
    (its export failed, say): `index status` says the vectors wait, `index update` replaces them."""
    add_notes(conn, 10)
    update.update_index(conn, embedder=BagOfWords(f"{DEFAULT_NAME}@int8"))
    code, out, _ = run_cli("index", "status")
    assert code == 0 and f"vectors of {DEFAULT_NAME}@int8 wait to be replaced" in out
    monkeypatch.setattr(update, "get_embedder", lambda conn: BagOfWords(DEFAULT_NAME))
    code, out, _ = run_cli("index", "update")
    assert code == 0
    assert f"the embedding model changed ({DEFAULT_NAME}@int8 → {DEFAULT_NAME}): 10 notes" in out
    code, out, _ = run_cli("index", "status", "--json")
    assert json.loads(out)["previous_variant"] is None and json.loads(out)["embedded"]["note"] == 10


def test_an_interrupted_update_keeps_its_batches_and_the_next_run_finishes(conn):
    add_notes(conn)
    emb = BagOfWords()
    asked = []

    def stop_after_first_batch() -> bool:
        asked.append(1)
        return stored(conn, emb.name) > 0

    report = update.update_index(conn, embedder=emb, should_stop=stop_after_first_batch)
    assert report.interrupted and stored(conn, emb.name) == update.BATCH
    assert not vectors.index_path("note", emb.name).exists()  # stopped before the FAISS step
    rest = update.update_index(conn, embedder=emb)
    assert not rest.interrupted and rest.notes_embedded == NOTES - update.BATCH
    assert stored(conn, emb.name) == NOTES


class Poisoned(BagOfWords):
    """A damaged model: NaN for some texts."""

    def embed(self, texts):
        out = super().embed(texts)
        out[[i for i, t in enumerate(texts) if "poison" in t]] = np.nan
        return out


def test_non_finite_vectors_are_never_stored(conn, run_cli, monkeypatch):
    add_notes(conn, 40)
    add_note(conn, body="a poison note")
    emb = Poisoned()
    with pytest.raises(BrokenVectors, match="broken vector"):
        update.update_index(conn, embedder=emb)
    rows = conn.execute("SELECT vector, dim FROM embeddings").fetchall()
    assert rows and all(np.isfinite(from_blobs([r[0]], r[1])).all() for r in rows)
    assert len(rows) < 41
    monkeypatch.setattr(update, "get_embedder", lambda conn: emb)
    code, _, err = run_cli("index", "update")
    assert code != 0 and err.startswith("error: the embedding model (bag-of-words) gave 1 broken vector")


def test_rebuild_embeds_broken_stored_vectors_again(conn):
    add_notes(conn, 20)
    emb = BagOfWords()
    update.update_index(conn, embedder=emb)
    ids = [r[0] for r in conn.execute("SELECT item_id FROM embeddings ORDER BY item_id LIMIT 2")]
    nan = np.full(emb.dim, np.nan, dtype=np.float32)
    with write(conn):  # what a damaged model left behind before vectors were checked
        conn.execute("UPDATE embeddings SET vector = ? WHERE item_id = ?", (to_blob(nan), ids[0]))
        conn.execute("UPDATE embeddings SET vector = ? WHERE item_id = ?", (b"\x00" * 12, ids[1]))
    report = update.rebuild(conn, embedder=emb)
    assert report.broken_vectors_removed == 2 and report.notes_embedded == 2
    rows = conn.execute("SELECT vector, dim FROM embeddings").fetchall()
    assert len(rows) == 20
    assert all(len(r[0]) == 4 * r[1] and np.isfinite(from_blobs([r[0]], r[1])).all() for r in rows)
