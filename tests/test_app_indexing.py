"""Indexing in the app's background: a progress line while it runs, and a stop at any point (the
app quitting or a newer update cancels the worker) that keeps what was done for the next run."""

from __future__ import annotations

import threading

from fakes import BagOfWords

from index import update
from index.db import connect
from index.notes import add_note
from reader.app import make_app

NOTES = 100


class Gated(BagOfWords):
    """Embeds the first batch at once, then waits for the test at the start of every later one."""

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.gate = threading.Event()

    def embed(self, texts):
        self.calls += 1
        if self.calls > 1:
            assert self.gate.wait(30), "the test never released the embedder"
        return super().embed(texts)


def stored() -> int:
    conn = connect()
    try:
        return conn.execute("SELECT count(*) FROM embeddings WHERE kind = 'note'").fetchone()[0]
    finally:
        conn.close()


async def wait_for(pilot, condition, rounds: int = 300) -> None:
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never met")


async def test_background_indexing_shows_progress_and_stops_when_cancelled(monkeypatch):
    conn = connect()
    for i in range(NOTES):
        add_note(conn, body=f"note {i} about topic{i % 9}")
    conn.close()
    embedder = Gated()
    monkeypatch.setattr(update, "get_embedder", lambda conn: embedder)
    runs = []  # what each update_index call returned: a cancelled thread worker is not awaited
    real = update.update_index

    def recorded(conn, **kwargs):
        runs.append(real(conn, **kwargs))
        return runs[-1]

    monkeypatch.setattr(update, "update_index", recorded)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.indexing.update()
        # The first batch is stored and the line says how far it got; the second batch is waiting.
        await wait_for(pilot, lambda: app.indexing.index_state == f"indexing notes {update.BATCH}/{NOTES}")
        assert stored() == update.BATCH
        app.workers.cancel_group(app, "index")
        embedder.gate.set()
        await wait_for(pilot, lambda: len(runs) == 1)
        await pilot.pause()
        # It stopped after the batch it was in: committed, nothing more, and no "up to date".
        assert runs[0].interrupted and stored() == 2 * update.BATCH
        assert app.indexing.index_state.startswith("indexing notes")
        app.indexing.update()  # the next run does the rest
        await wait_for(pilot, lambda: app.indexing.index_state == "index up to date")
        assert not runs[1].interrupted and stored() == NOTES
