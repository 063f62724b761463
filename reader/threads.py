"""The threads the app's workers run in: daemon threads, so quitting never waits for one.

Textual runs a thread worker in the event loop's default executor. The standard one is a
``ThreadPoolExecutor``, which the event loop and the interpreter both join at exit: a worker that
cannot be interrupted (the embedding model's imports, several seconds; an index update of twenty
papers, minutes) kept the process alive after ``q`` long after the screen had gone. Each job here
runs in a daemon thread of its own, and :func:`run_in_daemon_threads` ends the process at once when
one is still busy after the app has exited. Ending a worker half-way loses nothing: every write in
the project is a transaction (SQLite rolls an unfinished one back) or a file that appears whole.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


class DaemonThreads(ThreadPoolExecutor):
    """An executor that runs every job in a new daemon thread and counts the jobs still running.
    (A ``ThreadPoolExecutor`` only in name: asyncio's default executor must be one.)"""

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # no thread is started: submit() is replaced
        self._lock = threading.Lock()
        self._running = 0

    @property
    def busy(self) -> int:
        """How many jobs are still running."""
        with self._lock:
            return self._running

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        result = fn(*args, **kwargs)
                    except BaseException as exc:
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
            finally:
                with self._lock:
                    self._running -= 1

        with self._lock:
            self._running += 1
        # A thread per job costs ~0.1 ms; the app starts a few a second at most (search as you type).
        threading.Thread(target=run, name="syllabus-worker", daemon=True).start()
        return future


def run_in_daemon_threads(app: App) -> None:
    """Run ``app`` on an event loop whose workers are daemon threads; if a worker is still running
    when the app has exited, end the process now, with the app's exit code."""
    threads = DaemonThreads()
    loop = asyncio.new_event_loop()
    loop.set_default_executor(threads)
    asyncio.set_event_loop(loop)
    try:
        app.run(loop=loop)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    if threads.busy:
        # The terminal is restored and every write asked for has landed (the app waited for them);
        # what is left is background work that would only be thrown away at exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)
