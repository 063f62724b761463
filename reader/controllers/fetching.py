"""The app's fetches: ``f`` on a reading downloads it in a thread worker while the user reads on.

Progress and the end of each fetch come back as ``FetchProgress`` and ``FetchFinished`` messages
posted to the app, which hands them here (for the status line) and to the main screen (for the
open reading's progress bar and reload).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.db import connect
from library import curricula
from library.catalogue import Curriculum, Reading
from reader.messages import FetchFinished, FetchProgress

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App


class Fetching:
    """Fetches under way, by reading id, with what the status line says of each."""

    def __init__(self, app: App, curriculum: Callable[[], Curriculum]) -> None:
        self.app = app
        self._curriculum = curriculum
        self.under_way: dict[str, str] = {}

    @property
    def state(self) -> list[str]:
        return [f"fetching {reading_id} {state}" for reading_id, state in self.under_way.items()]

    def start(self, reading_id: str) -> bool:
        """Fetch a reading of the curriculum in a thread; False (with a word to the user) if not started."""
        found = curricula.find(self._curriculum(), reading_id)
        if found.reading is None:
            self.app.notify("Exercises have nothing to fetch.", severity="warning")
            return False
        if reading_id in self.under_way:
            self.app.notify(f"Already fetching {reading_id}.", markup=False)
            return False
        self.under_way[reading_id] = "starting"
        reading = found.reading
        self.app.run_worker(lambda: self._fetch(reading), thread=True, group="fetch")
        return True

    def _fetch(self, reading: Reading) -> None:
        app = self.app

        class Progress:
            """Adapter from the fetcher's progress protocol to FetchProgress messages."""

            def start(self, label: str) -> Callable[[int, int | None], None]:
                def report(done: int, total: int | None) -> None:
                    app.post_message(FetchProgress(reading.id, done, total, label))

                return report

            def stop(self, label: str) -> None:
                pass

        # ~33 ms to import, kept off the first paint; fetching imports httpx, arxiv and PyMuPDF
        # (~0.3 s), in this thread only.
        from library.fetch.run import Fetcher

        conn = connect()
        try:
            outcomes = Fetcher(conn, progress=Progress()).run([reading])
        except Exception as exc:
            app.post_message(FetchFinished(reading.id, False, str(exc)))
            return
        finally:
            conn.close()
        outcome = outcomes[0]
        ok = not outcome.failed and outcome.document is not None
        app.post_message(FetchFinished(reading.id, ok, outcome.detail or outcome.status))

    def progress(self, message: FetchProgress) -> None:
        if message.total:
            self.under_way[message.reading_id] = f"{100 * message.done // message.total}%"
        else:
            self.under_way[message.reading_id] = f"{message.done // 1024} KB"

    def finished(self, message: FetchFinished) -> None:
        """A fetch ended: say how (a fetched document is indexed by the app next)."""
        self.under_way.pop(message.reading_id, None)
        if message.ok:
            self.app.notify(f"Fetched {message.reading_id}. {message.detail}", timeout=4, markup=False)
        else:
            self.app.notify(
                f"Could not fetch {message.reading_id}: {message.detail}",
                severity="error",
                timeout=8,
                markup=False,
            )
