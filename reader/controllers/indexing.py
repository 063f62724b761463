"""The app's background work for search: loading the embedding model after the first paint, and
bringing the index up to date (new passages of fetched documents, changed notes).

Both run in thread workers of the app and report through messages (``ModelReady``,
``IndexProgress``, ``IndexFinished``) that the app hands back here; :attr:`Indexing.state` is
what the status line says about them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from index.db import connect
from reader.messages import IndexFinished, IndexProgress, ModelReady

if TYPE_CHECKING:
    from textual.app import App

# Notes are indexed this long after the last change, so a burst of edits costs one update.
INDEX_DELAY_SECONDS = 1.0


class Indexing:
    """The embedding model's state and the index's, for one app."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.model_state = "not loaded"
        self.index_state = ""
        self.model_loaded = False
        self._timer: Timer | None = None

    @property
    def state(self) -> list[str]:
        """What the status line says, index first."""
        return [s for s in (self.index_state, self.model_state) if s]

    # --- the model -----------------------------------------------------------------------------------

    def load_model(self) -> Worker[None]:
        """Load the embedding model in a thread (seconds of CPU, hundreds of MB: never at first paint)."""
        self.model_state = "loading model…"
        return self.app.run_worker(self._load_model, thread=True, exclusive=True, group="model")

    def _load_model(self) -> None:
        started = time.perf_counter()
        try:
            # ~5 ms to import, kept off the first paint; the call loads sentence-transformers + torch
            # (~6 s, ~400 MB) or the verified ONNX export (~0.4 s).
            from index.embed import get_embedder

            conn = connect()
            try:
                embedder = get_embedder(conn)
                embedder.embed(["warm up"])
            finally:
                conn.close()
        except Exception as exc:
            self.app.post_message(ModelReady(False, f"model failed to load: {exc}"))
            return
        self.app.post_message(ModelReady(True, embedder.name, time.perf_counter() - started))

    def model_ready(self, message: ModelReady) -> bool:
        """The model finished loading (or failed: the state says why). True when it is ready."""
        if not message.ok:
            self.model_state = message.detail
            return False
        self.model_loaded = True
        self.model_state = f"model ready ({message.seconds:.1f} s)"
        self.schedule_update()
        return True

    # --- the index -----------------------------------------------------------------------------------

    def schedule_update(self) -> None:
        """Update the index soon; not before the model is loaded, so that two threads never load
        it at once (:meth:`model_ready` runs the pending update)."""
        if not self.model_loaded:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(INDEX_DELAY_SECONDS, self.update)

    def update(self) -> Worker[None]:
        """Bring the index up to date now, in a thread."""
        return self.app.run_worker(self._update, thread=True, exclusive=True, group="index")

    def _update(self) -> None:
        # ~7 ms to import, kept off the first paint; running it loads numpy, FAISS and the embedder.
        from index.update import update_index

        worker = get_current_worker()
        conn = connect()

        def report(stage: str, done: int, total: int) -> None:
            if not worker.is_cancelled:
                self.app.post_message(IndexProgress(stage, done, total))

        try:
            # Embedding new passages and notes: ~10-30 passages a second on this CPU. A cancelled
            # worker (the app quitting, a newer update) stops after the batch in hand; what is done
            # stays done for the next run.
            result = update_index(conn, progress=report, should_stop=lambda: worker.is_cancelled)
        except Exception as exc:
            self.app.post_message(IndexFinished(False, str(exc)))
        else:
            if not result.interrupted:
                self.app.post_message(IndexFinished(True, result.variant_note))
        finally:
            conn.close()

    def progress(self, message: IndexProgress) -> None:
        self.index_state = f"indexing {message.stage} {message.done}/{message.total}"

    def finished(self, message: IndexFinished) -> None:
        if message.ok:
            self.index_state = "index up to date" + (f" ({message.detail})" if message.detail else "")
        else:
            self.index_state = f"indexing failed: {message.detail}"
